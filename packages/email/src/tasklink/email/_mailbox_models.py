"""Inputs and outputs of the IMAP and POP3 operations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator

from tasklink.core import CamelInputModel, CamelOutputModel, Document, field

from ._addresses import check_header_text
from ._models import Connection

__all__ = [
    "AttachmentInfo",
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
]


#: Default of ``maxMessageBytes``: 25 MiB, about what common providers accept.
# Reading is streamed (memory does not grow with the message), so the bound is for time and
# disk: 64 MiB holds a 45 MB attachment (base64 makes a message about 37 % larger).
DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024


def _max_message_bytes() -> int:
    return field(  # type: ignore[no-any-return]
        DEFAULT_MAX_MESSAGE_BYTES,
        description=(
            "Largest message to read, in bytes as the server reports its size (default "
            "67108864 = 64 MiB); a larger one fails with MESSAGE_TOO_LARGE before it is "
            "downloaded"
        ),
        ge=1,
        le=1_073_741_824,
        group="message",
    )


def _text(value: str) -> str:
    check_header_text(value)
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def check_message_id(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    check_header_text(value)
    value = value.strip()
    if '"' in value or "\\" in value or " " in value:
        raise ValueError("is not a Message-ID such as '<abc@example.com>'")
    return value if value.startswith("<") else f"<{value}>"


SearchText = Annotated[str, AfterValidator(_text)]
FolderName = Annotated[str, AfterValidator(_text)]
MessageId = Annotated[str | None, AfterValidator(check_message_id)]


# --- inputs ---------------------------------------------------------------------------


class ImapFolders(CamelInputModel):
    """Input of ``imap_folders``."""

    connection: Connection = field(description="IMAP server settings")


class ImapList(CamelInputModel):
    """Input of ``imap_list``: the newest messages of a folder."""

    connection: Connection = field(description="IMAP server settings")
    folder: FolderName = field("INBOX", description="Folder to list", group="mailbox")
    limit: int = field(
        20,
        description="Return at most this many messages (newest first)",
        ge=1,
        le=1000,
        group="mailbox",
    )
    unseen_only: bool = field(False, description="Only messages not yet seen", group="mailbox")


class ImapSearch(CamelInputModel):
    """Input of ``imap_search``: criteria are combined with AND; empty ones are ignored."""

    connection: Connection = field(description="IMAP server settings")
    folder: FolderName = field("INBOX", description="Folder to search", group="mailbox")
    sender: SearchText | None = field(
        None,
        alias="from",
        title="From",
        description="Sender contains this text",
        group="criteria",
    )
    to: SearchText | None = field(
        None, description="A To recipient contains this text", group="criteria"
    )
    subject: SearchText | None = field(
        None, description="Subject contains this text", group="criteria"
    )
    body: SearchText | None = field(None, description="Body contains this text", group="criteria")
    since: date | None = field(
        None, description="Received on or after this date (YYYY-MM-DD)", group="criteria"
    )
    before: date | None = field(
        None, description="Received before this date (YYYY-MM-DD), exclusive", group="criteria"
    )
    unseen_only: bool = field(False, description="Only messages not yet seen", group="criteria")
    limit: int = field(
        20,
        description="Return at most this many messages (newest first)",
        ge=1,
        le=1000,
        group="mailbox",
    )


class ImapSelect(CamelInputModel):
    """Input of ``imap_delete``: the message chosen by uid or by Message-ID (exactly one)."""

    connection: Connection = field(description="IMAP server settings")
    folder: FolderName = field("INBOX", description="Folder holding the message", group="message")
    uid: int | None = field(
        None,
        title="UID",
        description="The message's IMAP UID in the folder (from list or search)",
        ge=1,
        le=4294967295,
        group="message",
    )
    message_id: MessageId = field(
        None,
        title="Message-ID",
        description="Alternatively, the Message-ID header (e.g. the messageId send returned)",
        group="message",
    )


class ImapRead(ImapSelect):
    """Input of ``imap_read``."""

    include_attachment_content: bool = field(
        False,
        description="Return each attachment as a document",
        group="message",
    )
    mark_as_seen: bool = field(
        False, description="Mark the message as seen after reading it", group="message"
    )
    max_message_bytes: int = _max_message_bytes()


class ImapMove(ImapSelect):
    """Input of ``imap_move``."""

    target_folder: FolderName = field(description="Folder to move the message to", group="message")


class ImapMark(ImapSelect):
    """Input of ``imap_mark``."""

    seen: bool = field(
        True, description="True marks as seen (read), false as unseen", group="message"
    )


class Pop3List(CamelInputModel):
    """Input of ``pop3_list``."""

    connection: Connection = field(description="POP3 server settings")
    limit: int = field(
        20,
        description="Return at most this many messages (newest first)",
        ge=1,
        le=1000,
        group="mailbox",
    )


class Pop3Select(CamelInputModel):
    """Input of ``pop3_delete``: one message chosen by its POP3 unique id."""

    connection: Connection = field(description="POP3 server settings")
    uid: Annotated[str, AfterValidator(_text)] = field(
        title="Unique ID (UIDL)",
        description="The message's unique id (UIDL) from pop3_list",
        group="message",
    )


class Pop3Read(Pop3Select):
    """Input of ``pop3_read``."""

    include_attachment_content: bool = field(
        False,
        description="Return each attachment as a document",
        group="message",
    )
    delete_after_read: bool = field(
        False,
        description="Delete the message from the server once it has been read",
        group="message",
    )
    max_message_bytes: int = _max_message_bytes()


# --- outputs --------------------------------------------------------------------------


class FolderInfo(CamelOutputModel):
    """One IMAP folder."""

    name: str = field(description="Folder name (use it as folder or targetFolder)")
    delimiter: str | None = field(description="Hierarchy delimiter, e.g. '.' or '/'")
    flags: list[str] = field(description="Folder attributes such as \\Trash or \\HasChildren")


class FolderList(CamelOutputModel):
    """Output of ``imap_folders``."""

    folders: list[FolderInfo] = field(description="Every folder of the account")


class MessageSummary(CamelOutputModel):
    """Headers and size of a message, as lists return it."""

    message_id: str | None = field(description="Message-ID header")
    sender: str | None = field(alias="from", description="From header")
    to: list[str] = field(description="To addresses")
    cc: list[str] = field(description="Cc addresses")
    subject: str = field(description="Subject, decoded")
    date: datetime | None = field(description="Date header (when the sender wrote it)")
    size: int = field(description="Size of the raw message in bytes")


class ImapMessageSummary(MessageSummary):
    """A message in an IMAP folder."""

    uid: int = field(description="IMAP UID of the message in its folder")
    seen: bool = field(description="Whether the message is marked as seen")
    flags: list[str] = field(description="IMAP flags such as \\Seen or \\Flagged")
    received_at: datetime | None = field(description="When the server received the message")


class Pop3MessageSummary(MessageSummary):
    """A message in a POP3 mailbox."""

    uid: str = field(description="Unique id (UIDL) of the message; stable across sessions")
    number: int = field(description="Message number in this session (1 = oldest)")


class ImapMessageList(CamelOutputModel):
    """Output of ``imap_list`` and ``imap_search``."""

    folder: str = field(description="The folder listed")
    total: int = field(description="How many messages matched before the limit")
    messages: list[ImapMessageSummary] = field(description="Matching messages, newest first")


class Pop3MessageList(CamelOutputModel):
    """Output of ``pop3_list``."""

    total: int = field(description="How many messages the mailbox holds")
    messages: list[Pop3MessageSummary] = field(description="Messages, newest first")


class AttachmentInfo(CamelOutputModel):
    """An attachment (or inline part) of a read message."""

    file_name: str | None = field(
        description="File name, when the part has one, as a safe base name (no directories, "
        "no control characters)"
    )
    content_type: str = field(description="MIME type, e.g. 'application/pdf'")
    size: int = field(description="Decoded size in bytes")
    inline: bool = field(description="Whether it is shown inline (e.g. an embedded image)")
    content_id: str | None = field(description="Content-ID for inline parts referenced by HTML")
    document: Document | None = field(
        description=(
            "The attachment as a document, when includeAttachmentContent is true: the engine "
            "stores it and the process variables hold its reference"
        )
    )


class MessageContent(MessageSummary):
    """A whole message: headers, bodies and attachments."""

    reply_to: list[str] = field(description="Reply-To addresses")
    headers: dict[str, str] = field(
        description="Every header by name; repeated headers are joined with ', '"
    )
    text: str | None = field(description="Plain text body")
    html: str | None = field(description="HTML body")
    attachments: list[AttachmentInfo] = field(description="Attachments and inline parts")


class ImapMessage(MessageContent):
    """Output of ``imap_read``."""

    uid: int = field(description="IMAP UID of the message")
    folder: str = field(description="Folder the message is in")
    seen: bool = field(description="Whether the message is marked as seen")
    flags: list[str] = field(description="IMAP flags")
    received_at: datetime | None = field(description="When the server received the message")


class Pop3Message(MessageContent):
    """Output of ``pop3_read``."""

    uid: str = field(description="Unique id (UIDL) of the message")
    deleted: bool = field(description="Whether the message was deleted after reading")


class ImapUpdated(CamelOutputModel):
    """Output of ``imap_move``, ``imap_delete`` and ``imap_mark``."""

    folder: str = field(description="Folder the messages were in")
    uids: list[int] = field(description="UIDs of the messages changed")
    target_folder: str | None = field(None, description="Folder the messages were moved to")
    target_uids: list[int] = field(
        default_factory=list,
        description="UIDs in the target folder, when the server reports them (UIDPLUS)",
    )
    expunged: bool | None = field(
        None,
        description=(
            "imap_delete and imap_move: true when the messages were removed from folder; "
            "false when the server lacks UIDPLUS (and MOVE), so they were only flagged "
            "\\Deleted: the connector never runs a folder-wide EXPUNGE, which would also "
            "remove messages other clients flagged \\Deleted"
        ),
    )


class Pop3Deleted(CamelOutputModel):
    """Output of ``pop3_delete``."""

    uid: str = field(description="Unique id of the deleted message")
