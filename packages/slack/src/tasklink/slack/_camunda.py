"""Running an ``io.camunda:slack:1`` job: Camunda's Slack connector (``connectors/slack``
``SlackRequest``, ``model/*Data.java``, ``utils/DataLookupService``,
``mapper/BlockBuilder``, ``caller/FileUploader``) on this connector's Web API calls.

What Camunda does, done here the same way:

* ``chat.postMessage``: ``channel`` starting with ``@`` is a user's *real name*, looked up
  in ``users.list`` (1000 a page); one matching ``^.+[@].+[.].{2,4}$`` an e-mail address
  (``users.lookupByEmail``); anything else goes to Slack as given (a channel ID or name, a
  user ID). ``thread`` is the parent's ``thread_ts``. ``plainText`` sends ``text`` with
  ``link_names``; with documents, the blocks are ``[section(text), files...]``.
  ``messageBlock`` sends blocks ``[files..., section(text)?, blockContent...]`` and no
  ``text``. Documents are uploaded (``files.getUploadURLExternal``, the bytes, then
  ``files.completeUploadExternal`` titled with the file name) and shown as ``file`` blocks
  (``source: remote``). Result ``{ts, channel, message: {type, team, user, text, ts,
  appId, botId}}``.
* ``conversations.create``: ``newChannelName``, ``visibility`` (``PRIVATE`` makes it
  private). Result ``{channel: {id, name}}``.
* ``conversations.invite``: ``users`` a comma-separated string or a list of user IDs,
  ``@real names`` and e-mail addresses; ``channelId``, else the channel named
  ``channelName`` (``conversations.list``, public and private channels, exact name).
  Result ``{channel: {id, name}, needed, provided}``.
* ``reactions.add`` (``channel``, ``emoji``, ``timestamp``), ``pins.add``, ``pins.remove``
  (``channel``, ``timestamp``): result ``{}``.

Failures keep Camunda's messages (``<error> caused by:<errors>``, ``Failed to add
reaction: <error>``...) with this connector's stable codes, which Camunda has none of
(its failures are ``RuntimeException``\\s, all retried): an ``errorExpression`` can test
``error.code = "CHANNEL_NOT_FOUND"``. Whether a failure is retried is the connector's
call: refused tokens or unknown channels are not. A missing input is an input error
naming Camunda's variable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from tasklink.core import ConnectorError, Context, Document, ErrorCode, InputError

from . import _api
from ._camunda_models import CamundaSlackData, CamundaSlackRequest
from ._contracts import vendor_connection

__all__ = ["run"]

#: Camunda's ``DataLookupService.EMAIL_REGEX``.
EMAIL = re.compile(r"^.+[@].+[.].{2,4}$", re.DOTALL)
#: Camunda reads users 1000 a page.
PAGE = 1000


class _Session:
    """The job's context and connection, for the calls of one job."""

    def __init__(self, ctx: Context, connection: _api.Connection) -> None:
        self.ctx = ctx
        self.connection = connection

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        return await _api.call(self.ctx, self.connection, method, **params)


def _required(value: str | None, name: str) -> str:
    if value is None:
        raise InputError(
            f"data.{name}: required", code=ErrorCode.MISSING_INPUT, field=f"data.{name}"
        )
    return value


def _token(request: CamundaSlackRequest) -> str:
    credential = request.slack_credential
    token = credential.token if credential is not None and credential.token else request.token
    if token is None:
        raise InputError("token: required", code=ErrorCode.MISSING_INPUT, field="token")
    return token


def _slack(exc: ConnectorError) -> str | None:
    """Slack's error string of a failed call (``channel_not_found``)."""
    error = exc.variables.get("error")
    return error if isinstance(error, str) else None


def _failed(exc: ConnectorError, message: str) -> ConnectorError:
    """``exc`` (the connector's failure of a call) with Camunda's ``message``."""
    return ConnectorError(
        message,
        code=exc.code,
        variables=exc.variables,
        retryable=exc.retryable,
        backoff=exc.backoff,
    )


# -- look-ups (DataLookupService) ---------------------------------------------------------


async def _user_by_email(session: _Session, email: str, message: str) -> str:
    try:
        user = await _api.lookup_user_by_email(session.ctx, session.connection, email)
    except ConnectorError as exc:
        raise _failed(exc, message) from None
    return str(user.get("id"))


async def _users_by_real_name(session: _Session, names: Sequence[str]) -> dict[str, str]:
    """The IDs of the users whose real name is one of ``names`` (exactly, as Camunda
    matches), reading ``users.list`` until each is found."""
    found: dict[str, str] = {}
    cursor: str | None = None
    while True:
        try:
            page = await session.call("users.list", limit=PAGE, cursor=cursor)
        except ConnectorError as exc:
            raise _failed(exc, f"Unable to find users by name: {', '.join(names)}") from None
        for member in page.get("members") or []:
            name = member.get("real_name")
            if name in names and name not in found:
                found[name] = str(member.get("id"))
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if len(found) >= len(set(names)) or not cursor:
            return found


async def _user_by_real_name(session: _Session, name: str) -> str:
    found = await _users_by_real_name(session, [name])
    if name not in found:
        raise ConnectorError(
            f"Unable to find users by name: {name}",
            code="USER_NOT_FOUND",
            variables={"error": "users_not_found", "user": name},
            retryable=False,
        )
    return found[name]


async def _channel_by_name(session: _Session, name: str) -> str:
    try:
        return await _api.resolve_channel(session.ctx, session.connection, name)
    except ConnectorError as exc:
        raise _failed(exc, f"Unable to find conversation with name: {name}") from None


# -- chat.postMessage ---------------------------------------------------------------------


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


async def _file_blocks(
    session: _Session, documents: Sequence[Document] | None
) -> list[dict[str, Any]]:
    blocks = []
    for document in documents or []:
        uploaded = await _api.upload_file(
            session.ctx, session.connection, document, title=document.metadata.file_name
        )
        blocks.append({"type": "file", "file_id": str(uploaded.get("id")), "source": "remote"})
    return blocks


def _message(reply: Mapping[str, Any]) -> dict[str, Any]:
    message = reply.get("message") or {}
    return {
        "ts": reply.get("ts"),
        "channel": reply.get("channel"),
        "message": {
            "type": message.get("type"),
            "team": message.get("team"),
            "user": message.get("user"),
            "text": message.get("text"),
            "ts": message.get("ts"),
            "appId": message.get("app_id"),
            "botId": message.get("bot_id"),
        },
    }


async def _post_message(session: _Session, data: CamundaSlackData) -> dict[str, Any]:
    channel = _required(data.channel, "channel")
    text, blocks = data.text, data.block_content
    if blocks is not None and not isinstance(blocks, list):
        raise InputError(
            "data.blockContent: Block section must be an array", field="data.blockContent"
        )
    if not (text and text.strip()) and blocks is None:
        raise InputError("Text or block content required to post a message", field="data.text")
    if channel.startswith("@"):
        channel = await _user_by_real_name(session, channel[1:])
    elif EMAIL.match(channel):
        message = f"User with email {channel} not found; or unable 'users:read.email' permission"
        channel = await _user_by_email(session, channel, message)
    args: dict[str, Any] = {"channel": channel}
    if data.thread:
        args["thread_ts"] = data.thread
    # A form of versions 1 and 2 has no message type: its text is plain text, as it was
    # when those versions were current.
    if data.message_type in (None, "plainText"):
        args["text"] = text
        args["link_names"] = True
        if data.documents:
            args["blocks"] = [
                *([_section(text)] if text else []),
                *await _file_blocks(session, data.documents),
            ]
    else:
        args["blocks"] = [
            *await _file_blocks(session, data.documents),
            *([_section(text)] if text else []),
            *(blocks or []),
        ]
    try:
        reply = await session.call("chat.postMessage", **args)
    except ConnectorError as exc:
        error = _slack(exc) or "Unknown error"
        errors = exc.variables.get("errors")
        # As Camunda's connector writes them: a Java list's text, or its fixed words.
        detail = (
            f" caused by:[{', '.join(errors)}]"
            if isinstance(errors, list)
            else "No additional error details"
        )
        raise _failed(exc, error + detail) from None
    return _message(reply)


# -- channels -----------------------------------------------------------------------------


def _conversation(reply: Mapping[str, Any]) -> dict[str, Any]:
    channel = reply.get("channel") or {}
    return {"id": channel.get("id"), "name": channel.get("name")}


async def _create(session: _Session, data: CamundaSlackData) -> dict[str, Any]:
    name = _required(data.new_channel_name, "newChannelName")
    args = {"name": name, "is_private": data.visibility == "PRIVATE"}
    try:
        reply = await session.call("conversations.create", **args)
    except ConnectorError as exc:
        raise _failed(exc, _slack(exc) or exc.message) from None
    return {"channel": _conversation(reply)}


def _user_list(users: Any) -> list[str]:
    if isinstance(users, str):
        return [user.strip() for user in users.split(",")] if users.strip() else []
    if isinstance(users, list):
        listed = [user for user in users if isinstance(user, str)]
        if users and not listed:
            raise InputError("data.users: No user provided in a valid format", field="data.users")
        return listed
    raise InputError(
        "data.users: Invalid input type for users. Supported types are: List<String> and String",
        field="data.users",
    )


async def _invite(session: _Session, data: CamundaSlackData) -> dict[str, Any]:
    if data.users is None:
        raise InputError("data.users: required", code=ErrorCode.MISSING_INPUT, field="data.users")
    users = _user_list(data.users)
    ids: list[str] = []
    for user in users:
        if EMAIL.match(user):
            message = f"Unable to find user with name or email : {user}"
            ids.append(await _user_by_email(session, user, message))
    names = [user[1:] for user in users if user.startswith("@") and not EMAIL.match(user)]
    if names:
        found = await _users_by_real_name(session, names)
        missing = [name for name in names if name not in found]
        if missing:
            raise ConnectorError(
                f"Unable to find users by name: {', '.join(missing)}",
                code="USER_NOT_FOUND",
                retryable=False,
            )
        ids.extend(found[name] for name in names)
    ids.extend(user for user in users if not EMAIL.match(user) and not user.startswith("@"))
    if data.channel_id is not None:
        channel = data.channel_id
    else:
        channel = await _channel_by_name(session, _required(data.channel_name, "channelName"))
    try:
        reply = await session.call("conversations.invite", channel=channel, users=ids)
    except ConnectorError as exc:
        raise _failed(exc, _slack(exc) or exc.message) from None
    return {
        "channel": _conversation(reply),
        "needed": reply.get("needed"),
        "provided": reply.get("provided"),
    }


# -- reactions and pins -------------------------------------------------------------------

_PREFIX = {
    "reactions.add": "Failed to add reaction: ",
    "pins.add": "Failed to pin message: ",
    "pins.remove": "Failed to unpin message: ",
}


async def _on_message(session: _Session, method: str, data: CamundaSlackData) -> dict[str, Any]:
    args: dict[str, Any] = {"channel": _required(data.channel, "channel")}
    if method == "reactions.add":
        args["name"] = _required(data.emoji, "emoji")
    args["timestamp"] = _required(data.timestamp, "timestamp")
    try:
        await session.call(method, **args)
    except ConnectorError as exc:
        raise _failed(exc, _PREFIX[method] + (_slack(exc) or exc.message)) from None
    return {}


async def run(request: CamundaSlackRequest, ctx: Context) -> dict[str, Any]:
    """Camunda's result of the job's ``method``."""
    session = _Session(ctx, vendor_connection(_token(request)))
    data = request.data
    if request.method == "chat.postMessage":
        return await _post_message(session, data)
    if request.method == "conversations.create":
        return await _create(session, data)
    if request.method == "conversations.invite":
        return await _invite(session, data)
    return await _on_message(session, request.method, data)
