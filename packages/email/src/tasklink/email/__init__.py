"""tasklink-email: send email with SMTP, read and manage mailboxes with IMAP and POP3.

Operations (Activiti action in brackets): ``send`` (SEND), ``imap_folders``,
``imap_list``, ``imap_search``, ``imap_read``, ``imap_move``, ``imap_delete``,
``imap_mark``, ``pop3_list``, ``pop3_read``, ``pop3_delete``.
"""

from .__about__ import __version__
from ._connector import connector
from ._errors import EmailErrorCode
from ._mailbox_models import (
    AttachmentInfo,
    FolderInfo,
    FolderList,
    ImapFolders,
    ImapList,
    ImapMark,
    ImapMessage,
    ImapMessageList,
    ImapMessageSummary,
    ImapMove,
    ImapRead,
    ImapSearch,
    ImapSelect,
    ImapUpdated,
    MessageContent,
    MessageSummary,
    Pop3Deleted,
    Pop3List,
    Pop3Message,
    Pop3MessageList,
    Pop3MessageSummary,
    Pop3Read,
    Pop3Select,
)
from ._models import Attachment, Connection, RefusedRecipient, SendEmail, SendResult

__all__ = [
    "Attachment",
    "AttachmentInfo",
    "Connection",
    "EmailErrorCode",
    "FolderInfo",
    "FolderList",
    "ImapFolders",
    "ImapList",
    "ImapMark",
    "ImapMessage",
    "ImapMessageList",
    "ImapMessageSummary",
    "ImapMove",
    "ImapRead",
    "ImapSearch",
    "ImapSelect",
    "ImapUpdated",
    "MessageContent",
    "MessageSummary",
    "Pop3Deleted",
    "Pop3List",
    "Pop3Message",
    "Pop3MessageList",
    "Pop3MessageSummary",
    "Pop3Read",
    "Pop3Select",
    "RefusedRecipient",
    "SendEmail",
    "SendResult",
    "__version__",
    "connector",
]
