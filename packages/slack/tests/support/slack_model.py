"""The fake workspace's state and the rules Slack applies to it: users, channels (public,
private, direct messages), messages with threads, reactions and pins, and uploaded files.

Methods that break a rule raise :class:`SlackError` with the error name Slack answers
(``{"ok": false, "error": "channel_not_found"}``); callers hold :attr:`Workspace.lock`.
The ``*_json`` functions give the objects as the Web API answers them, within what the
document's ``objs_message``/``objs_file`` schemas allow (both forbid extra keys).
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Channel",
    "File",
    "Message",
    "SlackError",
    "User",
    "Workspace",
]

MAX_TEXT = 40_000  # docs.slack.dev/reference/methods/chat.postMessage: "truncating" past 40,000
MAX_BLOCKS = 50
CHANNEL_NAME = re.compile(r"^[-_a-z0-9]{1,80}$")
_PUNCTUATION_ONLY = re.compile(r"^[-_]+$")
# Block types a message may carry (docs.slack.dev/reference/block-kit/blocks).
BLOCK_TYPES = frozenset(
    {
        "actions",
        "context",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "markdown",
        "rich_text",
        "section",
        "table",
        "video",
    }
)
EMOJI_NAME = re.compile(r"^[a-z0-9_+'-]+(::skin-tone-[2-6])?$")


class SlackError(Exception):
    """A method error: Slack's ``error`` name, answered with HTTP 200 and ``ok: false``."""

    def __init__(self, error: str, detail: str = "") -> None:
        super().__init__(f"{error}: {detail}" if detail else error)
        self.error = error


@dataclass
class User:
    """A workspace member (or the app's bot user)."""

    id: str
    name: str
    real_name: str
    email: str | None
    is_bot: bool = False
    bot_id: str | None = None
    deleted: bool = False
    is_admin: bool = False
    is_owner: bool = False
    title: str = ""
    tz: str = "Europe/Berlin"


@dataclass
class Message:
    """A message; replies share their parent's :attr:`thread_ts`."""

    channel: str
    ts: str
    user: str
    text: str
    blocks: list[dict[str, Any]] | None = None
    thread_ts: str | None = None
    reply_broadcast: bool = False
    subtype: str | None = None
    mrkdwn: bool = True
    link_names: bool = False
    bot_id: str | None = None
    files: list[str] = field(default_factory=list)
    reactions: dict[str, list[str]] = field(default_factory=dict)
    """Reaction name to the ids of the users who added it, in order."""
    edited_ts: str | None = None

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts


@dataclass
class Channel:
    """A conversation: public or private channel, or a direct message (``is_im``)."""

    id: str
    name: str
    creator: str
    created: int
    is_private: bool = False
    is_im: bool = False
    im_user: str | None = None
    is_general: bool = False
    archived: bool = False
    members: list[str] = field(default_factory=list)
    messages: dict[str, Message] = field(default_factory=dict)
    """By ``ts``, oldest first (ts only grows)."""
    pins: list[str] = field(default_factory=list)
    """``ts`` of the pinned messages, in pinning order."""
    topic: str = ""
    purpose: str = ""


@dataclass
class File:
    """A file of the external upload flow: announced, uploaded, then completed."""

    id: str
    name: str
    length: int
    user: str
    created: int
    upload_key: str
    title: str | None = None
    alt_txt: str | None = None
    data: bytes | None = None
    """The uploaded bytes (None until the upload POST)."""
    content_type: str | None = None
    completed: bool = False
    channels: list[str] = field(default_factory=list)
    shares: list[tuple[str, str]] = field(default_factory=list)
    """``(channel, ts)`` of each message the file was shared in."""
    initial_comment: str | None = None


def mime_of(name: str) -> str:
    import mimetypes

    return mimetypes.guess_type(name)[0] or "application/octet-stream"


class Workspace:
    """One Slack workspace (a team) with its app's bot user and token."""

    def __init__(
        self,
        *,
        team_name: str = "tasklink test",
        domain: str = "tasklink-test",
        bot_name: str = "tasklink",
    ) -> None:
        self.lock = threading.RLock()
        self._serial = 0
        self._last_ts = 0
        self.team_name = team_name
        self.domain = domain
        self.team_id = self.new_id("T")
        self.app_id = self.new_id("A")
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.files: dict[str, File] = {}
        self.tokens: dict[str, str] = {}
        """Token to the id of the user it acts as."""
        bot_id = self.new_id("B")
        self.bot = self.add_user(bot_name, real_name=bot_name, email=None, bot_id=bot_id)
        self.bot_token = f"xoxb-{self._serial:012d}-{int(time.time()):010d}-fakeSlackBotToken"
        self.tokens[self.bot_token] = self.bot.id
        self.chat_write_public = False
        """Whether the bot may post in public channels it is not in (the
        ``chat:write.public`` scope); off, as for an app with ``chat:write`` only."""

    # ------------------------------------------------------------------ ids and clocks

    def new_id(self, prefix: str) -> str:
        """``C0000000012``-style ids: one counter for every kind, so no two objects share
        digits and a user id passed as a channel id is never found by accident."""
        self._serial += 1
        return f"{prefix}{self._serial:010d}"

    def next_ts(self) -> str:
        """A message timestamp, ``"1712345678.000100"``: the clock, strictly increasing."""
        now = time.time_ns() // 1000
        self._last_ts = max(now, self._last_ts + 100)
        return f"{self._last_ts // 1_000_000}.{self._last_ts % 1_000_000:06d}"

    @staticmethod
    def now() -> int:
        return int(time.time())

    # ------------------------------------------------------------------ users

    def add_user(
        self,
        name: str,
        *,
        real_name: str | None = None,
        email: str | None = None,
        bot_id: str | None = None,
        deleted: bool = False,
        is_admin: bool = False,
        is_owner: bool = False,
        title: str = "",
    ) -> User:
        if any(u.name == name for u in self.users.values()):
            raise ValueError(f"a user named {name!r} exists already")
        user = User(
            id=self.new_id("U"),
            name=name,
            real_name=real_name if real_name is not None else name,
            email=email,
            is_bot=bot_id is not None,
            bot_id=bot_id,
            deleted=deleted,
            is_admin=is_admin,
            is_owner=is_owner,
            title=title,
        )
        self.users[user.id] = user
        return user

    def user(self, user_id: str) -> User:
        found = self.users.get(user_id)
        if found is None:
            raise SlackError("user_not_found", user_id)
        return found

    def user_by_email(self, email: str) -> User:
        wanted = email.strip().lower()
        for user in self.users.values():
            if user.email is not None and user.email.lower() == wanted and not user.deleted:
                return user
        raise SlackError("users_not_found", email)

    def user_by_name(self, name: str) -> User | None:
        return next((u for u in self.users.values() if u.name == name), None)

    # ------------------------------------------------------------------ channels

    def add_channel(
        self,
        name: str,
        *,
        creator: str,
        is_private: bool = False,
        members: list[str] | None = None,
        is_general: bool = False,
    ) -> Channel:
        self.check_channel_name(name)
        channel = Channel(
            id=self.new_id("C"),
            name=name,
            creator=creator,
            created=self.now(),
            is_private=is_private,
            is_general=is_general,
        )
        for member in members or [creator]:
            if member not in channel.members:
                channel.members.append(member)
        self.channels[channel.id] = channel
        return channel

    def check_channel_name(self, name: str) -> None:
        """conversations.create's name rules and their error names."""
        if not name:
            raise SlackError("invalid_name_required")
        if len(name) > 80:
            raise SlackError("invalid_name_maxlength", name)
        if not CHANNEL_NAME.match(name):
            raise SlackError("invalid_name_specials", name)
        if _PUNCTUATION_ONLY.match(name):
            raise SlackError("invalid_name_punctuation", name)
        if any(c.name == name for c in self.channels.values() if not c.is_im):
            raise SlackError("name_taken", name)

    def im_with(self, user_id: str) -> Channel | None:
        """The bot's direct message channel with a user, if opened."""
        return next((c for c in self.channels.values() if c.is_im and c.im_user == user_id), None)

    def open_im(self, user_id: str) -> tuple[Channel, bool]:
        """The DM with ``user_id`` (opened now if need be) and whether it was open."""
        self.user(user_id)
        existing = self.im_with(user_id)
        if existing is not None:
            return existing, True
        channel = Channel(
            id=self.new_id("D"),
            name=user_id,
            creator=self.bot.id,
            created=self.now(),
            is_private=True,
            is_im=True,
            im_user=user_id,
            members=[self.bot.id, user_id],
        )
        self.channels[channel.id] = channel
        return channel, False

    def visible(self, channel: Channel, user_id: str) -> bool:
        """Public channels are visible to everyone, private ones and DMs to members."""
        return not channel.is_private or user_id in channel.members

    def channel(self, ref: str, user_id: str) -> Channel:
        """A conversation by id as ``user_id`` sees it (hidden ones are not found)."""
        found = self.channels.get(ref)
        if found is None or not self.visible(found, user_id):
            raise SlackError("channel_not_found", ref)
        return found

    def channel_for_post(self, ref: str, user_id: str) -> Channel:
        """chat.postMessage's ``channel``: an id, a name with or without ``#``, or a user
        id (the bot's DM with them, opened if need be)."""
        if ref[:1] in ("U", "W") and ref in self.users:
            return self.open_im(ref)[0]
        if ref in self.channels:
            return self.channel(ref, user_id)
        name = ref.removeprefix("#")
        for channel in self.channels.values():
            if not channel.is_im and channel.name == name and self.visible(channel, user_id):
                return channel
        raise SlackError("channel_not_found", ref)

    @staticmethod
    def member_or_fail(channel: Channel, user_id: str) -> None:
        if user_id not in channel.members:
            raise SlackError("not_in_channel", channel.id)

    # ------------------------------------------------------------------ messages

    def message(self, channel: Channel, ts: str) -> Message:
        found = channel.messages.get(ts)
        if found is None:
            raise SlackError("message_not_found", ts)
        return found

    def post(
        self,
        channel: Channel,
        user_id: str,
        text: str,
        *,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        reply_broadcast: bool = False,
        mrkdwn: bool = True,
        link_names: bool = False,
        subtype: str | None = None,
        files: list[str] | None = None,
    ) -> Message:
        if channel.archived:
            raise SlackError("is_archived", channel.id)
        if len(text) > MAX_TEXT:
            raise SlackError("msg_too_long", f"{len(text)} characters")
        parent: Message | None = None
        if thread_ts is not None:
            parent = channel.messages.get(thread_ts)
            if parent is None:
                # Slack posts it as a plain message when the thread does not exist.
                thread_ts = None
            elif parent.is_reply:  # "use its parent instead": Slack does so itself
                thread_ts = parent.thread_ts
        if parent is None:
            reply_broadcast = False
        user = self.users[user_id]
        message = Message(
            channel=channel.id,
            ts=self.next_ts(),
            user=user_id,
            text=self.link_names(text) if link_names else text,
            blocks=blocks,
            thread_ts=thread_ts,
            reply_broadcast=reply_broadcast,
            subtype=subtype or ("thread_broadcast" if reply_broadcast else None),
            mrkdwn=mrkdwn,
            link_names=link_names,
            bot_id=user.bot_id,
            files=list(files or []),
        )
        channel.messages[message.ts] = message
        return message

    def link_names(self, text: str) -> str:
        """``link_names``: ``#channel`` becomes a channel link. (Slack no longer links
        ``@name`` this way: docs.slack.dev/reference/methods/chat.postMessage.)"""

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            for channel in self.channels.values():
                if not channel.is_im and not channel.is_private and channel.name == name:
                    return f"<#{channel.id}|{name}>"
            return match.group(0)

        return re.sub(r"(?<![\w<])#([-_a-z0-9]{1,80})", replace, text)

    def replies(self, channel: Channel, parent_ts: str) -> list[Message]:
        return [m for m in channel.messages.values() if m.is_reply and m.thread_ts == parent_ts]

    def delete(self, channel: Channel, message: Message) -> None:
        """Remove a message; a parent with replies leaves a tombstone, as in Slack."""
        if not message.is_reply and self.replies(channel, message.ts):
            message.subtype = "tombstone"
            message.text = "This message was deleted."
            message.blocks = None
            message.files = []
            return
        del channel.messages[message.ts]
        if message.ts in channel.pins:
            channel.pins.remove(message.ts)

    def timeline(self, channel: Channel) -> list[Message]:
        """What conversations.history lists: top-level messages and broadcast replies."""
        return [m for m in channel.messages.values() if not m.is_reply or m.reply_broadcast]

    # ------------------------------------------------------------------ files

    def new_file(self, name: str, length: int, user_id: str, alt_txt: str | None) -> File:
        file_id = self.new_id("F")
        upload = File(
            id=file_id,
            name=name,
            length=length,
            user=user_id,
            created=self.now(),
            upload_key=f"{file_id}-{self.next_ts().replace('.', '')}",
            alt_txt=alt_txt,
        )
        self.files[file_id] = upload
        return upload

    def file_by_key(self, key: str) -> File | None:
        return next((f for f in self.files.values() if f.upload_key == key), None)

    # ------------------------------------------------------------------ JSON views

    def permalink(self, channel: Channel, message: Message) -> str:
        base = (
            f"https://{self.domain}.slack.com/archives/{channel.id}/p{message.ts.replace('.', '')}"
        )
        if message.is_reply:
            return f"{base}?thread_ts={message.thread_ts}&cid={channel.id}"
        return base

    def message_json(self, channel: Channel, message: Message) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "message",
            "ts": message.ts,
            "user": message.user,
            "text": message.text,
            "team": self.team_id,
        }
        if message.subtype:
            out["subtype"] = message.subtype
        if message.bot_id:
            out["bot_id"] = message.bot_id
            out["bot_profile"] = self.bot_profile()
        if message.blocks is not None:
            out["blocks"] = message.blocks
        if message.files:
            out["files"] = [self.file_json(self.files[f]) for f in message.files]
            out["upload"] = False
            out["display_as_bot"] = False
        if message.thread_ts is not None:
            out["thread_ts"] = message.thread_ts
        if message.is_reply:
            parent = channel.messages.get(message.thread_ts or "")
            if parent is not None:
                out["parent_user_id"] = parent.user
        else:
            replies = self.replies(channel, message.ts)
            if replies:
                users = list(dict.fromkeys(r.user for r in replies))
                out["thread_ts"] = message.ts
                out["reply_count"] = len(replies)
                out["reply_users"] = users
                out["reply_users_count"] = len(users)
                out["latest_reply"] = replies[-1].ts
                out["subscribed"] = False
        if message.reactions:
            out["reactions"] = [
                {"name": name, "users": list(users), "count": len(users)}
                for name, users in message.reactions.items()
            ]
        if message.ts in channel.pins:
            out["pinned_to"] = [channel.id]
        return out

    def bot_profile(self) -> dict[str, Any]:
        icon = "https://a.slack-edge.com/80588/img/plugins/app/bot_48.png"
        return {
            "id": self.bot.bot_id,
            "deleted": False,
            "name": self.bot.name,
            "updated": self.now(),
            "app_id": self.app_id,
            "icons": {"image_36": icon, "image_48": icon, "image_72": icon},
            "team_id": self.team_id,
        }

    def conversation_json(self, channel: Channel, viewer: str) -> dict[str, Any]:
        if channel.is_im:
            return {
                "id": channel.id,
                "created": channel.created,
                "is_im": True,
                "is_org_shared": False,
                "user": channel.im_user,
                "is_user_deleted": self.users[channel.im_user or ""].deleted,
                "priority": 0,
            }

        def about(value: str) -> dict[str, Any]:
            return {"value": value, "creator": channel.creator if value else "", "last_set": 0}

        return {
            "id": channel.id,
            "name": channel.name,
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": channel.is_private,
            "created": channel.created,
            "creator": channel.creator,
            "is_archived": channel.archived,
            "is_general": channel.is_general,
            "unlinked": 0,
            "name_normalized": channel.name,
            "is_shared": False,
            "is_org_shared": False,
            "is_ext_shared": False,
            "is_pending_ext_shared": False,
            "is_member": viewer in channel.members,
            "num_members": len(channel.members),
            "topic": about(channel.topic),
            "purpose": about(channel.purpose),
            "previous_names": [],
        }

    def user_json(self, user: User) -> dict[str, Any]:
        first, _, last = user.real_name.partition(" ")
        profile: dict[str, Any] = {
            "title": user.title,
            "phone": "",
            "skype": "",
            "real_name": user.real_name,
            "real_name_normalized": user.real_name,
            "display_name": user.name,
            "display_name_normalized": user.name,
            "fields": None,
            "status_text": "",
            "status_emoji": "",
            "avatar_hash": "g0000000000",
            "first_name": first,
            "last_name": last,
            "team": self.team_id,
        }
        if user.email is not None:
            profile["email"] = user.email
        if user.bot_id is not None:
            profile["bot_id"] = user.bot_id
            profile["api_app_id"] = self.app_id
            profile["always_active"] = True
        return {
            "id": user.id,
            "team_id": self.team_id,
            "name": user.name,
            "deleted": user.deleted,
            "real_name": user.real_name,
            "tz": user.tz,
            "tz_label": "Central European Time",
            "tz_offset": 3600,
            "profile": profile,
            "is_admin": user.is_admin,
            "is_owner": user.is_owner,
            "is_primary_owner": user.is_owner,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": user.is_bot,
            "is_app_user": False,
            "updated": self.now(),
        }

    def file_json(self, upload: File) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": upload.id,
            "created": upload.created,
            "timestamp": upload.created,
            "name": upload.name,
            "title": upload.title or upload.name,
            "mimetype": upload.content_type or mime_of(upload.name),
            "filetype": upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else "",
            "pretty_type": "File",
            "user": upload.user,
            "editable": False,
            "size": len(upload.data or b""),
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": any(not self.channels[c].is_private for c in upload.channels),
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": f"https://files.slack.com/files-pri/{self.team_id}-{upload.id}/"
            f"{upload.name}",
            "url_private_download": f"https://files.slack.com/files-pri/"
            f"{self.team_id}-{upload.id}/download/{upload.name}",
            "permalink": f"https://{self.domain}.slack.com/files/{upload.user}/{upload.id}/"
            f"{upload.name}",
            "comments_count": 0,
            "channels": [c for c in upload.channels if not self.channels[c].is_private],
            "groups": [],
            "ims": [c for c in upload.channels if self.channels[c].is_im],
        }
        return out
