"""Input models of the Slack operations.

Fields are snake_case in Python and camelCase in process variables and templates
(``thread_ts`` is ``threadTs``). Every operation's input subclasses :class:`SlackInput`,
so the connection (the bot token and, rarely, the API's URL) is declared once. Every
check that needs no call to Slack happens here, so a bad job fails before anything is
sent.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, model_validator
from pydantic_core import PydanticCustomError

from tasklink.core import CamelInputModel, Document, field

from ._api import DEFAULT_BASE_URL, Connection

__all__ = [
    "AddReaction",
    "CreateChannel",
    "DeleteMessage",
    "InviteUsers",
    "LookupUser",
    "MessageRef",
    "PinMessage",
    "PostMessage",
    "ReadHistory",
    "SlackInput",
    "UpdateMessage",
    "UploadFile",
]

_TS = re.compile(r"^\d+(\.\d+)?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Slack's rule for channel names: lower case letters, digits, hyphens and underscores,
# at most 80 characters (https://api.slack.com/methods/conversations.create).
_CHANNEL_NAME = r"^#?[a-z0-9_\-\u00c0-\uffff]{1,80}$"


def _api_url(value: str) -> str:
    try:
        parts = urlsplit(value.strip())
        absolute = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # a malformed host or port
        absolute = False
    if not absolute:
        raise PydanticCustomError(
            "url", "must be an http or https URL, e.g. https://slack.com/api/"
        )
    return value.strip()


def _timestamp(value: str) -> str:
    if not _TS.match(value.strip()):
        raise PydanticCustomError(
            "timestamp", "must be a Slack message timestamp, e.g. 1712345678.123456"
        )
    return value.strip()


def _blocks(value: Any) -> Any:
    """Block Kit as a list of blocks, from a list, JSON text, or Block Kit Builder's
    ``{"blocks": [...]}``."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise PydanticCustomError(
                "blocks", "must be Block Kit JSON: a list of blocks"
            ) from None
    if isinstance(value, dict) and isinstance(value.get("blocks"), list):
        value = value["blocks"]
    if not isinstance(value, list) or not all(
        isinstance(block, dict) and isinstance(block.get("type"), str) for block in value
    ):
        raise PydanticCustomError(
            "blocks", "must be a list of Block Kit blocks, each an object with a type"
        )
    return value


def _users(value: Any) -> Any:
    if isinstance(value, str):
        value = [item.strip() for item in value.split(",")]
    if isinstance(value, list):
        value = [item.strip() for item in value if isinstance(item, str) and item.strip()]
        if not value:
            raise PydanticCustomError("users", "must name at least one user")
    return value


def _email(value: str) -> str:
    if not _EMAIL.match(value.strip()):
        raise PydanticCustomError("email", "must be an e-mail address, e.g. ada@example.com")
    return value.strip()


Url = Annotated[str, AfterValidator(_api_url)]
Timestamp = Annotated[str, AfterValidator(_timestamp)]
Blocks = Annotated[list[dict[str, Any]] | None, BeforeValidator(_blocks)]
Users = Annotated[list[str], BeforeValidator(_users)]
Email = Annotated[str, AfterValidator(_email)]


class SlackInput(CamelInputModel):
    """The connection every operation shares: the token, and where the Web API is."""

    token: str = field(
        title="Bot token",
        description="The app's bot token (xoxb-...), e.g. {{secrets.SLACK_TOKEN}}",
        group="authentication",
        secret=True,
        min_length=1,
        placeholder="{{secrets.SLACK_TOKEN}}",
    )
    base_url: Url = field(
        DEFAULT_BASE_URL,
        title="Base URL",
        description="URL of Slack's Web API, ending in /api/ (another only for an "
        "Enterprise Grid proxy or tests)",
        group="connection",
    )
    timeout_in_seconds: float = field(
        30,
        description="Seconds each call to Slack may take (0 waits without limit)",
        group="connection",
        ge=0,
        allow_inf_nan=False,
    )

    def connection(self) -> Connection:
        """The internal call layer's connection for these settings."""
        return Connection(self.token, self.base_url, self.timeout_in_seconds)


def _channel(description: str, group: str = "message") -> Any:
    return field(description=description, group=group, min_length=1, placeholder="#general")


def _ts(description: str) -> Any:
    return field(
        title="Message timestamp",
        description=description,
        group="message",
        placeholder="1712345678.123456",
    )


def _permalink() -> Any:
    return field(
        False,
        description="Also fetch the message's permalink (chat.getPermalink)",
        group="options",
    )


class PostMessage(SlackInput):
    """Post a message (text, Block Kit or both) to a channel, a user or a thread."""

    channel: str = _channel(
        "Where to post: a channel id or #name, or a user's id, @name or e-mail address "
        "(a direct message from the app)"
    )
    text: str | None = field(
        None,
        description="The message text (mrkdwn); with blocks, the fallback for notifications",
        group="message",
        multiline=True,
    )
    blocks: Blocks = field(
        None,
        title="Blocks",
        description="Block Kit blocks: a JSON list of blocks (or Block Kit Builder's "
        '{"blocks": [...]})',
        group="message",
        multiline=True,
    )
    thread_ts: Timestamp | None = field(
        None,
        title="Thread timestamp",
        description="Reply in the thread of this message (its ts)",
        group="thread",
    )
    reply_broadcast: bool = field(
        False,
        description="Also show the thread reply in the channel",
        group="thread",
    )
    unfurl_links: bool | None = field(
        None, description="Unfurl links in the text (Slack's default if unset)", group="options"
    )
    get_permalink: bool = _permalink()

    @model_validator(mode="after")
    def _has_content(self) -> PostMessage:
        if not self.text and not self.blocks:
            raise PydanticCustomError("missing", "give the message text or blocks (or both)")
        if self.reply_broadcast and not self.thread_ts:
            raise PydanticCustomError("thread", "replyBroadcast needs threadTs")
        return self


class MessageRef(SlackInput):
    """One message: its channel and timestamp."""

    channel: str = _channel("The message's channel: its id or #name")
    ts: Timestamp = _ts("The message's timestamp (ts), as posting it returned")


class UpdateMessage(MessageRef):
    """Change a message's text or blocks."""

    text: str | None = field(
        None, description="The new text (mrkdwn)", group="message", multiline=True
    )
    blocks: Blocks = field(
        None,
        title="Blocks",
        description="The new Block Kit blocks (a JSON list); an empty list removes them",
        group="message",
        multiline=True,
    )
    get_permalink: bool = _permalink()

    @model_validator(mode="after")
    def _has_content(self) -> UpdateMessage:
        if self.text is None and self.blocks is None:
            raise PydanticCustomError("missing", "give the new text or blocks (or both)")
        return self


class DeleteMessage(MessageRef):
    """Delete a message the app posted."""


class PinMessage(MessageRef):
    """Pin or unpin a message."""


class AddReaction(MessageRef):
    """Add an emoji reaction to a message."""

    name: str = field(
        title="Emoji",
        description="The emoji's name, with or without colons (thumbsup, :white_check_mark:)",
        group="message",
        min_length=1,
    )


class CreateChannel(SlackInput):
    """Create a channel, optionally private, and invite users to it."""

    name: str = field(
        title="Channel name",
        description="Name of the new channel: lower case letters, digits, - and _, at most "
        "80 characters",
        group="channel",
        pattern=_CHANNEL_NAME,
    )
    is_private: bool = field(False, description="Create a private channel", group="channel")
    users: Users | None = field(
        None,
        description="Users to invite after creating it: ids, @names or e-mail addresses "
        "(a list, or one string separated by commas)",
        group="channel",
    )


class InviteUsers(SlackInput):
    """Invite users to a channel."""

    channel: str = _channel("The channel: its id or #name", group="channel")
    users: Users = field(
        description="Users to invite: ids, @names or e-mail addresses (a list, or one "
        "string separated by commas)",
        group="channel",
    )


class UploadFile(SlackInput):
    """Upload a file from a document and share it in a channel or thread."""

    document: Document = field(description="The document to upload", group="file")
    channel: str | None = field(
        None,
        description="Share it here: a channel id or #name, or a user's id, @name or e-mail "
        "address (unset: uploaded, not shared)",
        group="file",
        placeholder="#general",
    )
    thread_ts: Timestamp | None = field(
        None,
        title="Thread timestamp",
        description="Share it in the thread of this message (needs a channel)",
        group="file",
    )
    file_name: str | None = field(
        None, description="The file's name in Slack (the document's by default)", group="file"
    )
    title: str | None = field(None, description="The file's title", group="file")
    initial_comment: str | None = field(
        None, description="A message posted with the file", group="file", multiline=True
    )

    @model_validator(mode="after")
    def _thread_needs_channel(self) -> UploadFile:
        if self.thread_ts and not self.channel:
            raise PydanticCustomError("thread", "threadTs needs a channel")
        return self


class LookupUser(SlackInput):
    """Find a user by e-mail address."""

    email: Email = field(
        title="E-mail address",
        description="The user's e-mail address (users.lookupByEmail)",
        group="user",
    )


class ReadHistory(SlackInput):
    """Read a channel's recent messages, or a thread's replies."""

    channel: str = _channel("The channel: its id or #name", group="history")
    thread_ts: Timestamp | None = field(
        None,
        title="Thread timestamp",
        description="Read this thread's replies (conversations.replies) instead of the "
        "channel's history",
        group="history",
    )
    limit: int = field(
        100,
        description="The most messages returned, newest first for history (1 to 1000)",
        group="history",
        ge=1,
        le=1000,
    )
    oldest: Timestamp | None = field(
        None, description="Only messages after this timestamp", group="history"
    )
    latest: Timestamp | None = field(
        None, description="Only messages before this timestamp", group="history"
    )
