"""Output models: what a process maps next (``ts``, ``channel``, ids), plus Slack's objects
as it returned them (``message``, ``conversation``, ``user``, ``file``)."""

from __future__ import annotations

from typing import Any

from tasklink.core import CamelOutputModel, field

__all__ = [
    "ChannelResult",
    "FileResult",
    "HistoryResult",
    "MessageResult",
    "ReactionResult",
    "UserResult",
]


class MessageResult(CamelOutputModel):
    """A message posted, changed, deleted, pinned or unpinned."""

    channel: str = field(description="Id of the message's channel (a D... id for a DM)")
    ts: str = field(description="The message's timestamp: its id within the channel")
    thread_ts: str | None = field(None, description="Timestamp of the thread's parent, for a reply")
    message: dict[str, Any] | None = field(
        None, description="The message as Slack returned it (post and update)"
    )
    permalink: str | None = field(
        None, description="The message's permalink, when getPermalink was set"
    )


class ReactionResult(CamelOutputModel):
    """A reaction added."""

    channel: str = field(description="Id of the message's channel")
    ts: str = field(description="The message's timestamp")
    name: str = field(description="The emoji's name, without colons")


class ChannelResult(CamelOutputModel):
    """A channel created, or users invited to it."""

    channel: str = field(description="The channel's id")
    name: str | None = field(None, description="The channel's name")
    invited: list[str] = field(
        default_factory=list, description="Ids of the users invited by this task"
    )
    conversation: dict[str, Any] | None = field(
        None, description="The channel as Slack returned it"
    )


class FileResult(CamelOutputModel):
    """A file uploaded."""

    file_id: str = field(description="The file's id")
    channel: str | None = field(None, description="Id of the channel it was shared in")
    file: dict[str, Any] = field(description="The file as Slack returned it")


class UserResult(CamelOutputModel):
    """A user found."""

    user_id: str = field(description="The user's id")
    name: str | None = field(None, description="The user's name")
    user: dict[str, Any] = field(description="The user as Slack returned it")


class HistoryResult(CamelOutputModel):
    """Messages read."""

    channel: str = field(description="The channel's id")
    messages: list[dict[str, Any]] = field(
        description="The messages as Slack returned them: newest first for a channel's "
        "history, the parent first for a thread"
    )
    has_more: bool = field(description="More messages exist than were returned (limit)")
