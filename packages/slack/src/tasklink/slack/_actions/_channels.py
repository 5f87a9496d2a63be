"""Channels: create one, invite users, read its history or a thread's replies."""

from __future__ import annotations

from typing import Any

from tasklink.core import Context

from .. import _api
from .._inputs import CreateChannel, InviteUsers, ReadHistory
from .._outputs import ChannelResult, HistoryResult

__all__ = ["create_channel", "invite_users", "read_history"]

#: Messages asked for per page: Slack suggests at most 200.
_PAGE = 200


async def create_channel(input: CreateChannel, ctx: Context) -> ChannelResult:
    """``conversations.create``, then ``conversations.invite`` when users are given."""
    conn = input.connection()
    answer = await _api.call(
        ctx,
        conn,
        "conversations.create",
        name=input.name.removeprefix("#"),
        is_private=input.is_private,
    )
    conversation: dict[str, Any] = answer.get("channel") or {}
    channel = str(conversation.get("id") or "")
    invited: list[str] = []
    if input.users:
        invited = await _api.resolve_users(ctx, conn, input.users)
        answer = await _api.call(ctx, conn, "conversations.invite", channel=channel, users=invited)
        conversation = answer.get("channel") or conversation
    return ChannelResult(
        channel=channel,
        name=conversation.get("name"),
        invited=invited,
        conversation=conversation,
    )


async def invite_users(input: InviteUsers, ctx: Context) -> ChannelResult:
    """``conversations.invite`` with the users' ids (e-mail addresses and @names
    resolved first)."""
    conn = input.connection()
    channel = await _api.resolve_channel(ctx, conn, input.channel)
    users = await _api.resolve_users(ctx, conn, input.users)
    answer = await _api.call(ctx, conn, "conversations.invite", channel=channel, users=users)
    conversation: dict[str, Any] = answer.get("channel") or {}
    return ChannelResult(
        channel=channel, name=conversation.get("name"), invited=users, conversation=conversation
    )


async def read_history(input: ReadHistory, ctx: Context) -> HistoryResult:
    """``conversations.history`` (or ``conversations.replies`` for a thread), page by
    page until ``limit`` messages or the end."""
    conn = input.connection()
    channel = await _api.resolve_channel(ctx, conn, input.channel)
    method = "conversations.replies" if input.thread_ts else "conversations.history"
    messages: list[dict[str, Any]] = []
    cursor: str | None = None
    has_more = False
    while len(messages) < input.limit:
        page = await _api.call(
            ctx,
            conn,
            method,
            channel=channel,
            ts=input.thread_ts,
            oldest=input.oldest,
            latest=input.latest,
            limit=min(_PAGE, input.limit - len(messages)),
            cursor=cursor,
        )
        batch = [m for m in page.get("messages") or [] if isinstance(m, dict)]
        messages.extend(batch)
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        has_more = bool(page.get("has_more")) or cursor is not None
        if not cursor or not batch:
            break
    if len(messages) > input.limit:
        messages, has_more = messages[: input.limit], True
    return HistoryResult(channel=channel, messages=messages, has_more=has_more)
