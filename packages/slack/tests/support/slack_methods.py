"""The Web API methods the fake serves: each takes a :class:`Call` (the caller and the
parameters, whichever encoding they came in) and returns the answer's JSON, or raises
:class:`~.slack_model.SlackError`.

Parameter handling follows Slack: booleans as ``true``/``1``, ``blocks`` and ``files`` as
JSON text (or, in a JSON body, as the array itself), lists as comma-separated ids.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .slack_model import (
    BLOCK_TYPES,
    EMOJI_NAME,
    MAX_BLOCKS,
    Channel,
    Message,
    SlackError,
    Workspace,
)

__all__ = ["METHODS", "Call", "FakeGapError"]

Json = dict[str, Any]
T = TypeVar("T")


class FakeGapError(Exception):
    """A request the fake cannot answer as Slack would: reported as a deviation."""


@dataclass
class Call:
    """One API call as the method sees it."""

    ws: Workspace
    caller: str
    """The id of the user the token acts as."""
    params: dict[str, Any]
    upload_base: str
    """``http://127.0.0.1:PORT/upload/v1/``: where files.getUploadURLExternal points."""
    notes: list[str] = field(default_factory=list)

    def text(self, name: str) -> str | None:
        value = self.params.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        return json.dumps(value)

    def required(self, name: str, error: str) -> str:
        value = self.text(name)
        if not value:
            raise SlackError(error, f"{name} is required")
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.params.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("1", "true", "yes")

    def integer(self, name: str, default: int, error: str = "invalid_arguments") -> int:
        value = self.params.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise SlackError(error, f"{name}={value!r}") from None

    def ts(self, name: str, error: str) -> float | None:
        value = self.text(name)
        if not value:
            return None
        try:
            return float(value)
        except ValueError:
            raise SlackError(error, f"{name}={value!r}") from None

    def json_value(self, name: str, error: str) -> Any:
        """A parameter given as JSON text (form) or as the value itself (JSON body)."""
        value = self.params.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise SlackError(error, f"{name} is not JSON") from None

    def id_list(self, name: str) -> list[str]:
        value = self.params.get(name)
        if isinstance(value, list):
            return [str(v).strip() for v in value if str(v).strip()]
        text = self.text(name) or ""
        return [part.strip() for part in text.split(",") if part.strip()]


# --------------------------------------------------------------------------- helpers


def _blocks(call: Call) -> list[Json] | None:
    if call.params.get("blocks") in (None, ""):
        return None
    blocks = call.json_value("blocks", "invalid_blocks_format")
    if not isinstance(blocks, list):
        raise SlackError("invalid_blocks_format", "blocks must be a JSON array")
    if len(blocks) > MAX_BLOCKS:
        raise SlackError("invalid_blocks", f"more than {MAX_BLOCKS} blocks")
    for index, block in enumerate(blocks):
        if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
            raise SlackError("invalid_blocks", f"block {index} has no known type")
        kind = block["type"]
        if kind == "section" and not (block.get("text") or block.get("fields")):
            raise SlackError("invalid_blocks", f"section block {index} has no text or fields")
        if kind == "header" and (block.get("text") or {}).get("type") != "plain_text":
            raise SlackError("invalid_blocks", f"header block {index} needs plain_text")
    return blocks


def _content(call: Call) -> tuple[str, list[Json] | None]:
    blocks = _blocks(call)
    text = call.text("text") or ""
    if not text and not blocks and not call.params.get("attachments"):
        raise SlackError("no_text")
    return text, blocks


def _encode_cursor(key: str) -> str:
    return base64.b64encode(f"next:{key}".encode()).decode()


def _page(
    items: Sequence[T], key: Callable[[T], str], limit: int, cursor: str | None
) -> tuple[list[T], str]:
    """A page of ``items`` from ``cursor`` and the cursor of the next one (``""``: none)."""
    start = 0
    if cursor:
        try:
            decoded = base64.b64decode(cursor, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise SlackError("invalid_cursor", cursor) from None
        wanted = decoded.removeprefix("next:")
        keys = [key(item) for item in items]
        if not decoded.startswith("next:") or wanted not in keys:
            raise SlackError("invalid_cursor", cursor)
        start = keys.index(wanted)
    page = list(items[start : start + limit])
    rest = items[start + limit :]
    return page, _encode_cursor(key(rest[0])) if rest else ""


def _limit(call: Call, default: int, maximum: int, error: str = "invalid_arguments") -> int:
    limit = call.integer("limit", default, error)
    return default if limit <= 0 else min(limit, maximum)


def _writable(call: Call, channel: Channel) -> None:
    """chat.postMessage's rule: the bot posts in channels it is in (with ``chat:write``;
    ``chat:write.public`` adds public ones) and in its DMs."""
    if channel.archived:
        raise SlackError("is_archived", channel.id)
    if call.caller in channel.members:
        return
    if not channel.is_private and call.ws.chat_write_public:
        return
    raise SlackError("not_in_channel", channel.id)


def _own(call: Call, message: Message, error: str) -> None:
    if message.user != call.caller:
        raise SlackError(error, message.ts)


# --------------------------------------------------------------------------- chat


def chat_post_message(call: Call) -> Json:
    ws = call.ws
    channel = ws.channel_for_post(call.required("channel", "channel_not_found"), call.caller)
    _writable(call, channel)
    text, blocks = _content(call)
    message = ws.post(
        channel,
        call.caller,
        text,
        blocks=blocks,
        thread_ts=call.text("thread_ts") or None,
        reply_broadcast=call.flag("reply_broadcast"),
        mrkdwn=call.flag("mrkdwn", True),
        link_names=call.flag("link_names"),
    )
    return {
        "ok": True,
        "channel": channel.id,
        "ts": message.ts,
        "message": ws.message_json(channel, message),
    }


def chat_update(call: Call) -> Json:
    ws = call.ws
    channel = ws.channel(call.required("channel", "channel_not_found"), call.caller)
    message = ws.message(channel, call.required("ts", "message_not_found"))
    _own(call, message, "cant_update_message")
    if channel.archived:
        raise SlackError("is_archived", channel.id)
    blocks = _blocks(call)
    text = call.text("text")
    if text is None and blocks is None:
        raise SlackError("no_text")
    if text is not None:
        if len(text) > 40_000:
            raise SlackError("msg_too_long")
        message.text = ws.link_names(text) if call.flag("link_names") else text
    if blocks is not None:
        message.blocks = blocks
    message.edited_ts = ws.next_ts()
    shown: Json = {"type": "message", "user": message.user, "text": message.text}
    if message.blocks is not None:
        shown["blocks"] = message.blocks
    return {
        "ok": True,
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": shown,
    }


def chat_delete(call: Call) -> Json:
    ws = call.ws
    channel = ws.channel(call.required("channel", "channel_not_found"), call.caller)
    message = ws.message(channel, call.required("ts", "message_not_found"))
    _own(call, message, "cant_delete_message")
    ws.delete(channel, message)
    return {"ok": True, "channel": channel.id, "ts": message.ts}


def chat_get_permalink(call: Call) -> Json:
    ws = call.ws
    channel = ws.channel(call.required("channel", "channel_not_found"), call.caller)
    message = ws.message(channel, call.required("message_ts", "message_not_found"))
    return {"ok": True, "channel": channel.id, "permalink": ws.permalink(channel, message)}


# --------------------------------------------------------------------------- conversations


def conversations_create(call: Call) -> Json:
    ws = call.ws
    name = call.text("name") or ""
    channel = ws.add_channel(name, creator=call.caller, is_private=call.flag("is_private"))
    return {"ok": True, "channel": ws.conversation_json(channel, call.caller)}


def conversations_invite(call: Call) -> Json:
    ws = call.ws
    channel = ws.channel(call.required("channel", "channel_not_found"), call.caller)
    if channel.is_im:
        raise SlackError("method_not_supported_for_channel_type", channel.id)
    if channel.archived:
        raise SlackError("is_archived", channel.id)
    ws.member_or_fail(channel, call.caller)
    users = call.id_list("users")
    if not users:
        raise SlackError("no_user")
    if len(users) > 1000:
        raise SlackError("too_many_users")
    force = call.flag("force")
    invited: list[str] = []
    for user_id in dict.fromkeys(users):
        try:
            user = ws.user(user_id)
            if user.id == call.caller:
                raise SlackError("cant_invite_self", user_id)
            if user.deleted:
                raise SlackError("cant_invite", user_id)
            if user.id in channel.members:
                raise SlackError("already_in_channel", user_id)
        except SlackError:
            # Without ``force`` one bad id fails the call and nobody is invited.
            if not force:
                raise
            continue
        invited.append(user_id)
    channel.members.extend(invited)
    return {"ok": True, "channel": ws.conversation_json(channel, call.caller)}


_TYPES = {"public_channel", "private_channel", "im", "mpim"}


def conversations_list(call: Call) -> Json:
    ws = call.ws
    types = set(call.id_list("types") or ["public_channel"])
    if not types <= _TYPES:
        raise SlackError("invalid_types", ",".join(sorted(types - _TYPES)))
    exclude_archived = call.flag("exclude_archived")
    wanted: list[Channel] = []
    for channel in ws.channels.values():
        kind = (
            "im" if channel.is_im else "private_channel" if channel.is_private else "public_channel"
        )
        if kind not in types or not ws.visible(channel, call.caller):
            continue
        if exclude_archived and channel.archived:
            continue
        wanted.append(channel)
    page, next_cursor = _page(
        wanted, lambda c: c.id, _limit(call, 100, 1000, "invalid_limit"), call.text("cursor")
    )
    return {
        "ok": True,
        "channels": [ws.conversation_json(c, call.caller) for c in page],
        "response_metadata": {"next_cursor": next_cursor},
    }


def _readable(call: Call) -> Channel:
    channel = call.ws.channel(call.required("channel", "channel_not_found"), call.caller)
    call.ws.member_or_fail(channel, call.caller)
    return channel


def _window(
    call: Call, messages: list[Message], *, latest_error: str, oldest_error: str
) -> list[Message]:
    latest = call.ts("latest", latest_error)
    oldest = call.ts("oldest", oldest_error)
    inclusive = call.flag("inclusive")

    def keep(message: Message) -> bool:
        ts = float(message.ts)
        if latest is not None and (ts > latest or (ts == latest and not inclusive)):
            return False
        return not (oldest is not None and (ts < oldest or (ts == oldest and not inclusive)))

    return [m for m in messages if keep(m)]


def conversations_history(call: Call) -> Json:
    ws = call.ws
    channel = _readable(call)
    newest_first = list(reversed(ws.timeline(channel)))
    messages = _window(
        call, newest_first, latest_error="invalid_ts_latest", oldest_error="invalid_ts_oldest"
    )
    page, next_cursor = _page(messages, lambda m: m.ts, _limit(call, 100, 999), call.text("cursor"))
    out: Json = {
        "ok": True,
        "messages": [ws.message_json(channel, m) for m in page],
        "has_more": bool(next_cursor),
        "pin_count": len(channel.pins),
        "channel_actions_ts": None,
        "channel_actions_count": 0,
    }
    if next_cursor:
        out["response_metadata"] = {"next_cursor": next_cursor}
    return out


def conversations_replies(call: Call) -> Json:
    ws = call.ws
    channel = _readable(call)
    ts = call.required("ts", "thread_not_found")
    message = channel.messages.get(ts)
    if message is None:
        raise SlackError("thread_not_found", ts)
    parent = channel.messages.get(message.thread_ts or "") if message.is_reply else message
    if parent is None:
        raise SlackError("thread_not_found", ts)
    thread = [parent, *ws.replies(channel, parent.ts)]
    thread = _window(
        call, thread, latest_error="invalid_arguments", oldest_error="invalid_arguments"
    )
    page, next_cursor = _page(thread, lambda m: m.ts, _limit(call, 1000, 1000), call.text("cursor"))
    out: Json = {
        "ok": True,
        "messages": [ws.message_json(channel, m) for m in page],
        "has_more": bool(next_cursor),
    }
    if next_cursor:
        out["response_metadata"] = {"next_cursor": next_cursor}
    return out


def conversations_join(call: Call) -> Json:
    ws = call.ws
    channel = ws.channel(call.required("channel", "channel_not_found"), call.caller)
    if channel.is_im or channel.is_private:
        raise SlackError("method_not_supported_for_channel_type", channel.id)
    if channel.archived:
        raise SlackError("is_archived", channel.id)
    out: Json = {"ok": True}
    if call.caller in channel.members:
        out["warning"] = "already_in_channel"
        out["response_metadata"] = {"warnings": ["already_in_channel"]}
    else:
        channel.members.append(call.caller)
    out["channel"] = ws.conversation_json(channel, call.caller)
    return out


def conversations_open(call: Call) -> Json:
    ws = call.ws
    channel_id = call.text("channel")
    users = call.id_list("users")
    if channel_id:
        channel = ws.channel(channel_id, call.caller)
        if not channel.is_im:
            raise SlackError("method_not_supported_for_channel_type", channel_id)
        already = True
    elif not users:
        raise SlackError("users_list_not_supplied")
    elif len(users) > 1:
        raise FakeGapError("conversations.open of a multi-person DM (mpim)")
    else:
        channel, already = ws.open_im(users[0])
    shown = (
        ws.conversation_json(channel, call.caller) if call.flag("return_im") else {"id": channel.id}
    )
    out: Json = {"ok": True, "channel": shown}
    if already:
        out["no_op"] = True
        out["already_open"] = True
    return out


# --------------------------------------------------------------------------- users


def users_lookup_by_email(call: Call) -> Json:
    ws = call.ws
    user = ws.user_by_email(call.required("email", "users_not_found"))
    return {"ok": True, "user": ws.user_json(user)}


def users_info(call: Call) -> Json:
    ws = call.ws
    return {"ok": True, "user": ws.user_json(ws.user(call.required("user", "user_not_found")))}


def users_list(call: Call) -> Json:
    ws = call.ws
    users = list(ws.users.values())
    page, next_cursor = _page(users, lambda u: u.id, _limit(call, 1000, 1000), call.text("cursor"))
    return {
        "ok": True,
        "members": [ws.user_json(u) for u in page],
        "cache_ts": ws.now(),
        "response_metadata": {"next_cursor": next_cursor},
    }


def auth_test(call: Call) -> Json:
    ws = call.ws
    user = ws.users[call.caller]
    out: Json = {
        "ok": True,
        "url": f"https://{ws.domain}.slack.com/",
        "team": ws.team_name,
        "user": user.name,
        "team_id": ws.team_id,
        "user_id": user.id,
        "is_enterprise_install": False,
    }
    if user.bot_id:
        out["bot_id"] = user.bot_id
    return out


# --------------------------------------------------------------------------- reactions, pins


def _item(call: Call) -> tuple[Channel, Message]:
    ws = call.ws
    channel = ws.channel(call.required("channel", "channel_not_found"), call.caller)
    ts = call.text("timestamp")
    if not ts:
        raise SlackError("no_item_specified")
    return channel, ws.message(channel, ts)


def _emoji(call: Call) -> str:
    name = call.text("name") or ""
    if not EMOJI_NAME.match(name):
        raise SlackError("invalid_name", name)
    return name


def reactions_add(call: Call) -> Json:
    channel, message = _item(call)
    name = _emoji(call)
    if channel.archived:
        raise SlackError("is_archived", channel.id)
    users = message.reactions.setdefault(name, [])
    if call.caller in users:
        raise SlackError("already_reacted", name)
    users.append(call.caller)
    return {"ok": True}


def reactions_remove(call: Call) -> Json:
    _, message = _item(call)
    name = _emoji(call)
    users = message.reactions.get(name, [])
    if call.caller not in users:
        raise SlackError("no_reaction", name)
    users.remove(call.caller)
    if not users:
        del message.reactions[name]
    return {"ok": True}


def pins_add(call: Call) -> Json:
    channel, message = _item(call)
    if channel.archived:
        raise SlackError("is_archived", channel.id)
    if message.ts in channel.pins:
        raise SlackError("already_pinned", message.ts)
    channel.pins.append(message.ts)
    return {"ok": True}


def pins_remove(call: Call) -> Json:
    channel, message = _item(call)
    if message.ts not in channel.pins:
        # The document's name; Slack's method page today says "no_pin".
        raise SlackError("not_pinned", message.ts)
    channel.pins.remove(message.ts)
    return {"ok": True}


# --------------------------------------------------------------------------- files


def files_get_upload_url_external(call: Call) -> Json:
    ws = call.ws
    filename = call.required("filename", "invalid_arguments")
    if call.params.get("length") in (None, ""):
        raise SlackError("invalid_arguments", "length is required")
    length = call.integer("length", 0, "invalid_length")
    if length < 1:
        raise SlackError("invalid_length", str(length))
    upload = ws.new_file(filename, length, call.caller, call.text("alt_txt"))
    return {"ok": True, "upload_url": call.upload_base + upload.upload_key, "file_id": upload.id}


def files_complete_upload_external(call: Call) -> Json:
    ws = call.ws
    entries = call.json_value("files", "invalid_arguments")
    if not isinstance(entries, list) or not entries:
        raise SlackError("invalid_arguments", "files must be a non-empty JSON array")
    uploads = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise SlackError("invalid_arguments", "each file needs an id")
        upload = ws.files.get(entry["id"])
        if upload is None or upload.user != call.caller or upload.completed:
            raise SlackError("file_not_found", entry["id"])
        if upload.data is None:
            raise SlackError("file_not_found", f"{upload.id} was never uploaded")
        uploads.append((upload, entry.get("title")))
    targets: list[Channel] = []
    refs = call.id_list("channels") or (
        [call.text("channel_id") or ""] if call.text("channel_id") else []
    )
    for ref in refs:
        channel = (
            ws.channel_for_post(ref, call.caller)
            if ref[:1] in ("U", "W")
            else ws.channel(ref, call.caller)
        )
        _writable(call, channel)
        targets.append(channel)
    thread_ts = call.text("thread_ts") or None
    if thread_ts and len(targets) != 1:
        raise SlackError("invalid_arguments", "thread_ts needs exactly one channel")
    if thread_ts and thread_ts not in targets[0].messages:
        raise SlackError("invalid_thread_ts", thread_ts)
    comment = call.text("initial_comment") or ""
    blocks = None if comment else _blocks(call)
    for upload, title in uploads:
        upload.completed = True
        upload.title = title if isinstance(title, str) and title else upload.name
        upload.initial_comment = comment or None
    # Slack shares asynchronously (the message appears a moment later); the fake at once.
    for channel in targets:
        message = ws.post(
            channel,
            call.caller,
            comment,
            blocks=blocks,
            thread_ts=thread_ts,
            files=[u.id for u, _ in uploads],
        )
        for upload, _ in uploads:
            upload.channels.append(channel.id)
            upload.shares.append((channel.id, message.ts))
    return {"ok": True, "files": [ws.file_json(u) for u, _ in uploads]}


METHODS: dict[str, Callable[[Call], Json]] = {
    "auth.test": auth_test,
    "chat.delete": chat_delete,
    "chat.getPermalink": chat_get_permalink,
    "chat.postMessage": chat_post_message,
    "chat.update": chat_update,
    "conversations.create": conversations_create,
    "conversations.history": conversations_history,
    "conversations.invite": conversations_invite,
    "conversations.join": conversations_join,
    "conversations.list": conversations_list,
    "conversations.open": conversations_open,
    "conversations.replies": conversations_replies,
    "files.completeUploadExternal": files_complete_upload_external,
    "files.getUploadURLExternal": files_get_upload_url_external,
    "pins.add": pins_add,
    "pins.remove": pins_remove,
    "reactions.add": reactions_add,
    "reactions.remove": reactions_remove,
    "users.info": users_info,
    "users.list": users_list,
    "users.lookupByEmail": users_lookup_by_email,
}
"""API method name to its implementation."""
