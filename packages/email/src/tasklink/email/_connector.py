"""The email connector and its operations.

This module imports only pydantic, the core and the models, so discovery stays cheap:
aiosmtplib, Jinja2, imaplib and poplib are imported when an operation first runs.
"""

from __future__ import annotations

from tasklink.core import Connector, Context

from ._mailbox_models import (
    FolderList,
    ImapFolders,
    ImapList,
    ImapMark,
    ImapMessage,
    ImapMessageList,
    ImapMove,
    ImapRead,
    ImapSearch,
    ImapSelect,
    ImapUpdated,
    Pop3Deleted,
    Pop3List,
    Pop3Message,
    Pop3MessageList,
    Pop3Read,
    Pop3Select,
)
from ._models import SendEmail, SendResult

__all__ = ["connector"]

connector = Connector(
    id="io.tasklink.email",
    name="email",
    title="Email",
    job_type="tasklink:email:1",
    description="Send email with SMTP; list, search, read, move and delete with IMAP and POP3",
    package=__package__,
    documentation_url="https://github.com/tasklink/tasklink/blob/main/docs/connectors/email.md",
    keywords=("email", "smtp", "imap", "pop3", "mail"),
)


@connector.operation(
    "send",
    name="Send email (SMTP)",
    description="Send a message with text and/or HTML body, attachments and optional templates",
)
async def send(input: SendEmail, ctx: Context) -> SendResult:
    from ._send import send_email

    return await send_email(input, ctx)


# IMAP and POP3 are synchronous (imaplib, poplib): the runtime runs them in worker threads.


@connector.operation(
    "imap_folders",
    name="List folders (IMAP)",
    description="List the folders of an IMAP account",
)
def imap_folders(input: ImapFolders, ctx: Context) -> FolderList:
    from ._imap_ops import list_folders

    return list_folders(input, ctx)


@connector.operation(
    "imap_list",
    name="List messages (IMAP)",
    description="List the newest messages of a folder, optionally only unseen ones",
)
def imap_list(input: ImapList, ctx: Context) -> ImapMessageList:
    from ._imap_ops import list_messages

    return list_messages(input, ctx)


@connector.operation(
    "imap_search",
    name="Search messages (IMAP)",
    description="Find messages by sender, recipient, subject, body text, dates and seen state",
)
def imap_search(input: ImapSearch, ctx: Context) -> ImapMessageList:
    from ._imap_ops import search_messages

    return search_messages(input, ctx)


@connector.operation(
    "imap_read",
    name="Read message (IMAP)",
    description="Read one message: headers, text, HTML and attachments",
)
def imap_read(input: ImapRead, ctx: Context) -> ImapMessage:
    from ._imap_ops import read_message

    return read_message(input, ctx)


@connector.operation(
    "imap_move",
    name="Move message (IMAP)",
    description="Move a message to another folder",
)
def imap_move(input: ImapMove, ctx: Context) -> ImapUpdated:
    from ._imap_ops import move_message

    return move_message(input, ctx)


@connector.operation(
    "imap_delete",
    name="Delete message (IMAP)",
    description="Delete a message permanently (flag as deleted and expunge it)",
)
def imap_delete(input: ImapSelect, ctx: Context) -> ImapUpdated:
    from ._imap_ops import delete_message

    return delete_message(input, ctx)


@connector.operation(
    "imap_mark",
    name="Mark message (IMAP)",
    description="Mark a message as seen (read) or unseen",
)
def imap_mark(input: ImapMark, ctx: Context) -> ImapUpdated:
    from ._imap_ops import mark_message

    return mark_message(input, ctx)


@connector.operation(
    "pop3_list",
    name="List messages (POP3)",
    description="List the newest messages of a POP3 mailbox",
)
def pop3_list(input: Pop3List, ctx: Context) -> Pop3MessageList:
    from ._pop3_ops import list_messages

    return list_messages(input, ctx)


@connector.operation(
    "pop3_read",
    name="Read message (POP3)",
    description="Read one message by its unique id, optionally deleting it afterwards",
)
def pop3_read(input: Pop3Read, ctx: Context) -> Pop3Message:
    from ._pop3_ops import read_message

    return read_message(input, ctx)


@connector.operation(
    "pop3_delete",
    name="Delete message (POP3)",
    description="Delete one message by its unique id",
)
def pop3_delete(input: Pop3Select, ctx: Context) -> Pop3Deleted:
    from ._pop3_ops import delete_message

    return delete_message(input, ctx)
