"""Messages: post, update, delete, react, pin and unpin."""

from __future__ import annotations

from typing import Any

from tasklink.core import Context

from .. import _api
from .._inputs import AddReaction, DeleteMessage, MessageRef, PinMessage, PostMessage, UpdateMessage
from .._outputs import MessageResult, ReactionResult

__all__ = [
    "add_reaction",
    "delete_message",
    "pin_message",
    "post_message",
    "unpin_message",
    "update_message",
]


async def post_message(input: PostMessage, ctx: Context) -> MessageResult:
    """``chat.postMessage`` to the resolved channel or user, in a thread when asked."""
    conn = input.connection()
    channel = await _api.resolve_conversation(ctx, conn, input.channel)
    answer = await _api.call(
        ctx,
        conn,
        "chat.postMessage",
        channel=channel,
        text=input.text,
        blocks=input.blocks,
        thread_ts=input.thread_ts,
        reply_broadcast=input.reply_broadcast if input.thread_ts else None,
        unfurl_links=input.unfurl_links,
    )
    return await _message_result(ctx, conn, answer, channel, want_permalink=input.get_permalink)


async def update_message(input: UpdateMessage, ctx: Context) -> MessageResult:
    """``chat.update``: new text and/or blocks for the message."""
    conn = input.connection()
    channel = await _api.resolve_channel(ctx, conn, input.channel)
    answer = await _api.call(
        ctx,
        conn,
        "chat.update",
        channel=channel,
        ts=input.ts,
        text=input.text,
        blocks=input.blocks,
    )
    return await _message_result(ctx, conn, answer, channel, want_permalink=input.get_permalink)


async def delete_message(input: DeleteMessage, ctx: Context) -> MessageResult:
    """``chat.delete``."""
    conn = input.connection()
    channel = await _api.resolve_channel(ctx, conn, input.channel)
    answer = await _api.call(ctx, conn, "chat.delete", channel=channel, ts=input.ts)
    return MessageResult(channel=str(answer.get("channel") or channel), ts=input.ts)


async def add_reaction(input: AddReaction, ctx: Context) -> ReactionResult:
    """``reactions.add`` with the emoji's name (colons stripped)."""
    conn = input.connection()
    channel = await _api.resolve_channel(ctx, conn, input.channel)
    name = input.name.strip().strip(":")
    await _api.call(ctx, conn, "reactions.add", channel=channel, timestamp=input.ts, name=name)
    return ReactionResult(channel=channel, ts=input.ts, name=name)


async def pin_message(input: PinMessage, ctx: Context) -> MessageResult:
    """``pins.add``."""
    return await _pin(input, ctx, "pins.add")


async def unpin_message(input: PinMessage, ctx: Context) -> MessageResult:
    """``pins.remove``."""
    return await _pin(input, ctx, "pins.remove")


async def _pin(input: MessageRef, ctx: Context, method: str) -> MessageResult:
    conn = input.connection()
    channel = await _api.resolve_channel(ctx, conn, input.channel)
    await _api.call(ctx, conn, method, channel=channel, timestamp=input.ts)
    return MessageResult(channel=channel, ts=input.ts)


async def _message_result(
    ctx: Context,
    conn: _api.Connection,
    answer: dict[str, Any],
    channel: str,
    *,
    want_permalink: bool,
) -> MessageResult:
    message = answer.get("message") if isinstance(answer.get("message"), dict) else None
    channel = str(answer.get("channel") or channel)
    ts = str(answer.get("ts") or (message or {}).get("ts") or "")
    permalink = None
    if want_permalink:
        link = await _api.call(ctx, conn, "chat.getPermalink", channel=channel, message_ts=ts)
        permalink = str(link.get("permalink") or "") or None
    thread_ts = (message or {}).get("thread_ts")
    return MessageResult(
        channel=channel,
        ts=ts,
        thread_ts=str(thread_ts) if thread_ts else None,
        message=message,
        permalink=permalink,
    )
