"""Alfresco Process Automation's Slack connector (``SEND_MESSAGE``, ``CREATE_CHANNEL``)
on this connector's Web API calls.

**Configuration.** APA gives a connector instance its bot token (``SLACK_BOT_TOKEN``,
``xoxb-...``) at deployment, not in the process. tasklink reads it by that name from the
runtime's secret providers (with the default chain, ``TASKLINK_SECRET_SLACK_BOT_TOKEN`` or
the secrets file), masked everywhere. A connector instance of another name (the
``vendor_names`` setting: ``team-slack``) first looks for its own, prefixed with its name
(``TEAM_SLACK_SLACK_BOT_TOKEN``), then for the shared one. ``SLACK_SIGNING_SECRET``, which
APA requires for the events its connector receives, is not needed: replies are read with
the Web API (below). Beyond APA: ``SLACK_REPLY_TIMEOUT`` (seconds, default 240).

**SEND_MESSAGE.** The recipient is the first given of ``channelId`` (as is),
``channelName`` (``#name`` or ``name``, looked up among the channels the bot sees),
``userId`` (a direct message from the app) and ``userEmail`` (``users.lookupByEmail``).
``text`` is rendered with ``metadata`` (core's ``render_freemarker``). ``requestResponse``
``no`` (or empty) returns once posted, with no output; ``any`` waits for the first
message after ours in the channel from someone else, ``thread`` for the first reply in
our message's thread, and returns its text as ``message``. Waiting polls
``conversations.history`` / ``conversations.replies`` (0.5 s, doubling to 10 s) until
``SLACK_REPLY_TIMEOUT``; then ``REQUEST_TIMEOUT``. The bot needs the history scopes of
the conversation then (``channels:history``, ``groups:history``, ``im:history``). A wait
keeps a worker slot: keep ``SLACK_REPLY_TIMEOUT`` below the runtime's ``job_timeout``
(300 s by default). Failures after the message was posted are not retried, so a message
is never posted twice.

**CREATE_CHANNEL.** ``members`` are resolved first (Slack IDs as they are, e-mail
addresses with ``users.lookupByEmail``), so an unknown member leaves no channel behind;
then ``conversations.create`` (``channelType`` ``private`` makes it private) and
``conversations.invite`` with the members (the bot, which created the channel and is in
it, left out). ``slackResult`` is Slack's reply: the invite's when members were invited
(its channel is the channel with them), else the create's.

**Errors** carry APA's codes (:data:`._contracts.APA_ERRORS`); the connector's own code is
in the variable ``cause``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from tasklink.core import (
    ConnectorError,
    Context,
    ErrorCode,
    InputError,
    apa_setting,
    render_freemarker,
)

from . import _api
from ._apa_models import ApaCreateChannel, ApaSendMessage
from ._contracts import APA_ERRORS, vendor_connection

__all__ = ["DEFAULT_REPLY_TIMEOUT", "create_channel", "send_message"]

#: Seconds ``requestResponse`` ``any`` / ``thread`` waits for a reply by default.
DEFAULT_REPLY_TIMEOUT = 240.0
_FIRST_POLL = 0.5
_LONGEST_POLL = 10.0

# The connector's codes -> APA's.
_CODES = {
    "NOT_IN_CHANNEL": "INVALID_CHANNEL",
    "CHANNEL_ARCHIVED": "INVALID_CHANNEL",
    "NAME_TAKEN": "INVALID_CHANNEL",
    "INVALID_NAME": "INVALID_CHANNEL",
    "ALREADY_IN_CHANNEL": "INVALID_CHANNEL",
    "INVALID_AUTH": "UNAUTHORIZED",
    "NO_PERMISSION": "FORBIDDEN",
    "MISSING_SCOPE": "FORBIDDEN",
    "TIMEOUT": "REQUEST_TIMEOUT",
    "SLACK_UNAVAILABLE": "FATAL_ERROR",
    "INTERNAL_SERVER_ERROR": "FATAL_ERROR",
    "SERVICE_UNAVAILABLE": "FATAL_ERROR",
    "BAD_GATEWAY": "FATAL_ERROR",
    "GATEWAY_TIMEOUT": "FATAL_ERROR",
    "INVALID_ARGUMENTS": "INVALID_REQUEST",
    "INVALID_BLOCKS": "INVALID_REQUEST",
    "NO_TEXT": "INVALID_REQUEST",
    "INVALID_RESPONSE": "INVALID_REQUEST",
}
_TRANSIENT = frozenset({"RATE_LIMITED", "SLACK_UNAVAILABLE", "TIMEOUT", "CONNECTION_FAILED"})


def _apa_error(
    error: InputError | ConnectorError, *, retryable: bool | None = None
) -> InputError | ConnectorError:
    """``error`` with APA's code: codes APA has stay, ours are mapped (kept as ``cause``),
    the rest are ``UNKNOWN_ERROR``."""
    if error.code in APA_ERRORS:
        code, variables = error.code, dict(error.variables)
    else:
        code = _CODES.get(error.code, ErrorCode.UNKNOWN_ERROR)
        variables = {**error.variables, "cause": error.code}
    if isinstance(error, InputError):
        return InputError(error.message, code=code, field=error.field, variables=variables)
    return ConnectorError(
        error.message,
        code=code,
        variables=variables,
        retryable=error.retryable if retryable is None else retryable,
        backoff=error.backoff,
    )


def _missing(name: str, what: str) -> InputError:
    return InputError(f"{name}: {what}", code=ErrorCode.MISSING_INPUT, field=name)


# -- configuration ------------------------------------------------------------------------


def _connection(ctx: Context) -> _api.Connection:
    token = apa_setting(ctx, "SLACK_BOT_TOKEN", connector="slack")
    if token is None:
        raise _missing(
            "SLACK_BOT_TOKEN",
            "the Slack bot token is not configured: set the secret SLACK_BOT_TOKEN (xoxb-...)",
        )
    ctx.redactor.add(token)
    return vendor_connection(token)


def _reply_timeout(ctx: Context) -> float:
    value = apa_setting(ctx, "SLACK_REPLY_TIMEOUT", connector="slack")
    if value is None:
        return DEFAULT_REPLY_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise InputError(
            f"SLACK_REPLY_TIMEOUT: must be a number of seconds above 0, not {value!r}",
            field="SLACK_REPLY_TIMEOUT",
        )
    return seconds


# -- SEND_MESSAGE -------------------------------------------------------------------------


async def _recipient(ctx: Context, connection: _api.Connection, data: ApaSendMessage) -> str:
    if data.channel_id is not None:
        return data.channel_id.strip()
    if data.channel_name is not None:
        return await _api.resolve_channel(ctx, connection, data.channel_name)
    if data.user_id is not None:
        return data.user_id.strip()
    if data.user_email is not None:
        if "@" not in data.user_email:
            raise InputError(
                f"userEmail: {data.user_email!r} is not an e-mail address", field="userEmail"
            )
        user = await _api.lookup_user_by_email(ctx, connection, data.user_email)
        return str(user.get("id"))
    raise _missing("channelId", "one of channelId, channelName, userId, userEmail is required")


def _mode(value: str | None) -> str:
    mode = (value or "no").strip().lower()
    if mode not in ("no", "any", "thread"):
        raise InputError(
            f"requestResponse: must be no, any or thread, not {value!r}",
            field="requestResponse",
        )
    return mode


def _ts(value: Any) -> Decimal:
    """A message timestamp as a number that keeps its microseconds (a float does not
    always)."""
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


def _reply(messages: list[Any], ours: Mapping[str, Any], after: str) -> Mapping[str, Any] | None:
    """The oldest message after ``after`` that is not the bot's own."""
    found: Mapping[str, Any] | None = None
    for message in messages:
        if not isinstance(message, Mapping) or _ts(message.get("ts")) <= _ts(after):
            continue
        own = (ours.get("bot_id") and message.get("bot_id") == ours.get("bot_id")) or (
            ours.get("user") and message.get("user") == ours.get("user")
        )
        if own or message.get("subtype") in ("channel_join", "bot_message"):
            continue
        if found is None or _ts(message.get("ts")) < _ts(found.get("ts")):
            found = message
    return found


async def _wait_for_reply(
    ctx: Context,
    connection: _api.Connection,
    *,
    channel: str,
    posted: Mapping[str, Any],
    mode: str,
    timeout: float,
) -> str:
    ts = str(posted.get("ts"))
    ours = posted.get("message") or {}
    deadline = time.monotonic() + timeout
    pause = _FIRST_POLL
    while True:
        await asyncio.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        try:
            if mode == "thread":
                page = await _api.call(
                    ctx, connection, "conversations.replies", channel=channel, ts=ts, oldest=ts
                )
            else:
                page = await _api.call(
                    ctx, connection, "conversations.history", channel=channel, oldest=ts
                )
        except ConnectorError as exc:
            if exc.code not in _TRANSIENT:
                raise
            ctx.logger.info("reading replies failed (%s); trying again", exc.code)
        else:
            reply = _reply(list(page.get("messages") or []), ours, ts)
            if reply is not None:
                text = reply.get("text")
                if not isinstance(text, str):
                    raise ConnectorError(
                        "the reply has no text",
                        code="INVALID_RESULT_FORMAT",
                        variables={"ts": reply.get("ts")},
                        retryable=False,
                    )
                return text
        if time.monotonic() >= deadline:
            where = "in its thread" if mode == "thread" else "in the channel"
            raise ConnectorError(
                f"no reply {where} within {timeout:g} s (SLACK_REPLY_TIMEOUT)",
                code="REQUEST_TIMEOUT",
                variables={"channel": channel, "ts": ts},
                retryable=False,
            )
        pause = min(pause * 2, _LONGEST_POLL)


async def send_message(data: ApaSendMessage, ctx: Context) -> dict[str, Any]:
    """Post the message; with ``requestResponse`` ``any`` or ``thread``, wait for the reply
    and return it as ``message``."""
    posted: Mapping[str, Any] | None = None
    try:
        if data.text is None:
            raise _missing("text", "required")
        mode = _mode(data.request_response)
        # APA's FreeMarker values, plain (Slack's mrkdwn is not HTML); a text beyond
        # Slack's 40,000 characters is Slack's to refuse (MSG_TOO_LONG).
        text = render_freemarker(
            data.text,
            data.metadata or {},
            field="text",
            syntax_code=ErrorCode.INVALID_INPUT,
            metadata_code=ErrorCode.INVALID_INPUT,
            max_output=1_000_000,
        )
        timeout = _reply_timeout(ctx) if mode != "no" else 0.0
        connection = _connection(ctx)
        channel = await _recipient(ctx, connection, data)
        posted = await _api.call(ctx, connection, "chat.postMessage", channel=channel, text=text)
        if mode == "no":
            return {}
        # A direct message to a user is posted in the app's conversation with them.
        channel = str(posted.get("channel") or channel)
        reply = await _wait_for_reply(
            ctx, connection, channel=channel, posted=posted, mode=mode, timeout=timeout
        )
    except (InputError, ConnectorError) as exc:
        # Once posted, a retry would post the message again.
        raise _apa_error(exc, retryable=False if posted is not None else None) from None
    return {"message": reply}


# -- CREATE_CHANNEL -----------------------------------------------------------------------


def _members(value: Any) -> list[str]:
    if isinstance(value, str):
        members = [item.strip() for item in value.split(",")]
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        members = [item.strip() for item in value]
    else:
        raise InputError(
            "members: must be Slack user IDs or e-mail addresses, comma-separated or a list",
            field="members",
        )
    members = [member for member in members if member]
    if not members:
        raise _missing("members", "required")
    return members


async def create_channel(data: ApaCreateChannel, ctx: Context) -> dict[str, Any]:
    """Create the channel and invite its members; ``slackResult`` is Slack's reply."""
    created: Mapping[str, Any] | None = None
    try:
        if data.channel_name is None:
            raise _missing("channelName", "required")
        if data.channel_type is None:
            raise _missing("channelType", "required (public or private)")
        kind = data.channel_type.strip().lower()
        if kind not in ("public", "private"):
            raise InputError(
                f"channelType: must be public or private, not {data.channel_type!r}",
                field="channelType",
            )
        if data.members is None:
            raise _missing("members", "required")
        members = _members(data.members)
        connection = _connection(ctx)
        ids = await _api.resolve_users(ctx, connection, members)
        created = await _api.call(
            ctx,
            connection,
            "conversations.create",
            name=data.channel_name.strip(),
            is_private=kind == "private",
        )
        channel = created.get("channel")
        if not isinstance(channel, Mapping) or not isinstance(channel.get("id"), str):
            raise ConnectorError(
                "Slack's reply to conversations.create has no channel",
                code="INVALID_RESULT_FORMAT",
                retryable=False,
            )
        invited = [user for user in ids if user != channel.get("creator")]
        result: Mapping[str, Any] = created
        if invited:
            result = await _api.call(
                ctx, connection, "conversations.invite", channel=channel["id"], users=invited
            )
    except (InputError, ConnectorError) as exc:
        # Once created, a retry would fail on the name: the failure is final.
        raise _apa_error(exc, retryable=False if created is not None else None) from None
    return {"slackResult": dict(result)}
