"""A stateful fake Slack Web API on 127.0.0.1, for the connector's tests and benchmark.

Serves the Web API methods of :data:`~.slack_methods.METHODS` under ``{url}/api/`` (the
``base_url`` slack-sdk takes) by GET or POST, form-urlencoded, multipart or JSON, with the
token as ``Authorization: Bearer`` or a ``token`` parameter; method errors are HTTP 200
``{"ok": false, "error": ...}`` as in Slack. The external upload flow's upload URL is the
fake's own ``{url}/upload/v1/<key>`` (raw bytes or multipart).

Every request and answer is checked against Slack's OpenAPI document
(:mod:`.slack_contract`); deviations collect in :attr:`FakeSlack.violations` and the
``slack`` fixture fails the test on any.

Run on its own (for a benchmark in another process)::

    cd packages/slack/tests && python -m support.fake_slack --port 0
"""

from __future__ import annotations

import argparse
import email.parser
import email.policy
import json
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .slack_contract import Contract
from .slack_methods import METHODS, Call, FakeGapError
from .slack_model import Channel, File, Message, SlackError, User, Workspace

__all__ = ["FakeSlack", "RateLimit", "RecordedRequest"]

_MAX_BODY = 64 * 1024 * 1024
_JSON = "application/json; charset=utf-8"


@dataclass(frozen=True)
class RecordedRequest:
    """A call the fake received, as Slack would read it."""

    method: str
    """The API method, ``chat.postMessage`` (``upload`` for the upload URL)."""
    verb: str
    """``GET`` or ``POST``."""
    params: dict[str, Any]
    """The parameters, whichever encoding (JSON values stay parsed; the token is left out)."""
    encoding: str
    """``query``, ``form``, ``multipart``, ``json`` or ``raw`` (an upload's bytes)."""
    auth: str | None
    """How the token came: ``bearer`` (header), ``param`` (form or query) or None."""
    headers: dict[str, str]
    """Lower-case names; ``authorization`` masked."""
    status: int = 200
    error: str | None = None
    """The ``error`` answered (``ok: false``), or None."""


@dataclass
class RateLimit:
    """Answer the next ``times`` calls of ``method`` with HTTP 429 and ``Retry-After``."""

    method: str
    times: int
    retry_after: int


@dataclass
class _Incoming:
    verb: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    params: dict[str, Any] = field(default_factory=dict)
    encoding: str = "query"
    token: str | None = None
    auth: str | None = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops a burst of connections (a pool of
    # parallel jobs), and each dropped SYN costs the client a 1 s retransmit.
    request_queue_size = 128
    server_address: tuple[str, int]

    def __init__(self, fake: FakeSlack, port: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class FakeSlack:
    """The fake workspace and its server. Start it with :meth:`start` (or ``with``).

    A fresh fake holds a workspace (:attr:`team_id`), the app's bot user (:attr:`bot`,
    token :attr:`token`), one person, :attr:`owner` (``ada``, Ada Lovelace,
    ``ada@example.com``), and ``#general`` with both as members. Set up and inspect
    state without HTTP through the methods below; the rules live in
    :class:`~.slack_model.Workspace` (:attr:`workspace`)."""

    def __init__(self, spec_dir: Path | None, *, validate: bool = True) -> None:
        self.workspace = Workspace()
        ws = self.workspace
        self.owner: User = ws.add_user(
            "ada", real_name="Ada Lovelace", email="ada@example.com", is_admin=True, is_owner=True
        )
        self.general: Channel = ws.add_channel(
            "general", creator=self.owner.id, members=[self.owner.id, ws.bot.id], is_general=True
        )
        self.contract = Contract(spec_dir) if validate and spec_dir is not None else None
        self.violations: list[str] = []
        """Every deviation from the API document: ``"POST /api/chat.postMessage: problem"``."""
        self.warnings: list[str] = []
        """What Slack would answer with a warning but still serve (a JSON body without
        ``charset``, say): informative, not a failure."""
        self.requests: list[RecordedRequest] = []
        self.rate_limits: list[RateLimit] = []
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self.url = ""

    # ------------------------------------------------------------------ lifecycle

    def start(self, port: int = 0) -> FakeSlack:
        """Listen on 127.0.0.1 (``port`` 0: a free one)."""
        server = _Server(self, port)
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        threading.Thread(
            target=server.serve_forever, args=(0.05,), name="fake-slack", daemon=True
        ).start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeSlack:
        return self.start() if self._server is None else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ the workspace

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/api/``: slack-sdk's ``WebClient(base_url=...)``."""
        return self.url + "/api/"

    @property
    def token(self) -> str:
        """The bot token (``xoxb-...``) the workspace accepts."""
        return self.workspace.bot_token

    @property
    def bot(self) -> User:
        """The app's bot user (``is_bot``, with ``bot_id``)."""
        return self.workspace.bot

    @property
    def team_id(self) -> str:
        return self.workspace.team_id

    @property
    def chat_write_public(self) -> bool:
        """Whether the bot may post to public channels it is not in (default False)."""
        return self.workspace.chat_write_public

    @chat_write_public.setter
    def chat_write_public(self, value: bool) -> None:
        self.workspace.chat_write_public = value

    # ------------------------------------------------------------------ set-up

    def add_user(
        self,
        name: str,
        *,
        real_name: str | None = None,
        email: str | None = None,
        deleted: bool = False,
        is_admin: bool = False,
        title: str = "",
    ) -> User:
        """A person in the workspace (``email`` defaults to ``<name>@example.com``)."""
        with self.workspace.lock:
            return self.workspace.add_user(
                name,
                real_name=real_name,
                email=email if email is not None else f"{name}@example.com",
                deleted=deleted,
                is_admin=is_admin,
                title=title,
            )

    def add_channel(
        self,
        name: str,
        *,
        private: bool = False,
        members: Sequence[User | str] = (),
        bot_member: bool = True,
        archived: bool = False,
        topic: str = "",
        purpose: str = "",
    ) -> Channel:
        """A channel made by :attr:`owner`, with ``members`` (users or ids), the bot
        among them unless ``bot_member`` is False."""
        ws = self.workspace
        ids = [self.owner.id, *(m.id if isinstance(m, User) else m for m in members)]
        if bot_member:
            ids.append(ws.bot.id)
        with ws.lock:
            channel = ws.add_channel(
                name, creator=self.owner.id, is_private=private, members=list(dict.fromkeys(ids))
            )
            channel.archived = archived
            channel.topic, channel.purpose = topic, purpose
            return channel

    def add_token(self, token: str, user: User | str) -> None:
        """Another token the workspace accepts, acting as ``user`` (a user token, say)."""
        with self.workspace.lock:
            self.workspace.tokens[token] = user.id if isinstance(user, User) else user

    def archive(self, channel: Channel | str) -> None:
        with self.workspace.lock:
            self.channel(channel).archived = True

    def post_as(
        self,
        user: User | str,
        channel: Channel | str,
        text: str,
        *,
        thread_ts: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
    ) -> Message:
        """A message someone (not the bot) wrote, for history and thread tests."""
        user_id = user.id if isinstance(user, User) else user
        with self.workspace.lock:
            return self.workspace.post(
                self.channel(channel), user_id, text, thread_ts=thread_ts, blocks=blocks
            )

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> RateLimit:
        """Answer the next ``times`` calls of ``method`` (``chat.postMessage``) with HTTP
        429, ``Retry-After: <retry_after>`` and ``{"ok": false, "error": "ratelimited"}``."""
        limit = RateLimit(method, times, retry_after)
        with self._lock:
            self.rate_limits.append(limit)
        return limit

    # ------------------------------------------------------------------ inspection

    def channel(self, ref: Channel | str) -> Channel:
        """A conversation by id, or by name with or without ``#``; KeyError if none."""
        if isinstance(ref, Channel):
            return ref
        ws = self.workspace
        if ref in ws.channels:
            return ws.channels[ref]
        name = ref.removeprefix("#")
        for channel in ws.channels.values():
            if not channel.is_im and channel.name == name:
                return channel
        raise KeyError(f"no channel {ref!r}")

    def user(self, ref: str) -> User:
        """A user by id, name or e-mail address; KeyError if none."""
        for user in self.workspace.users.values():
            if ref in (user.id, user.name) or (user.email or "").lower() == ref.lower():
                return user
        raise KeyError(f"no user {ref!r}")

    def dm(self, user: User | str) -> Channel | None:
        """The bot's direct message channel with ``user``, if one was opened."""
        return self.workspace.im_with(user.id if isinstance(user, User) else self.user(user).id)

    def messages(self, channel: Channel | str, *, replies: bool = False) -> list[Message]:
        """A channel's messages, oldest first: top-level ones (and broadcast replies),
        or every message with ``replies``."""
        found = self.channel(channel)
        with self.workspace.lock:
            if replies:
                return list(found.messages.values())
            return self.workspace.timeline(found)

    def message(self, channel: Channel | str, ts: str) -> Message:
        """A message by its ``ts``; KeyError if none."""
        return self.channel(channel).messages[ts]

    def thread(self, channel: Channel | str, ts: str) -> list[Message]:
        """The replies to the message ``ts``, oldest first."""
        with self.workspace.lock:
            return self.workspace.replies(self.channel(channel), ts)

    def reactions(self, channel: Channel | str, ts: str) -> dict[str, list[str]]:
        """Reaction name to the ids of the users who added it."""
        return {k: list(v) for k, v in self.message(channel, ts).reactions.items()}

    def pins(self, channel: Channel | str) -> list[str]:
        """``ts`` of the pinned messages, in pinning order."""
        return list(self.channel(channel).pins)

    def members(self, channel: Channel | str) -> list[str]:
        """The member ids, in joining order."""
        return list(self.channel(channel).members)

    @property
    def files(self) -> list[File]:
        """Every file announced with files.getUploadURLExternal, in order."""
        return list(self.workspace.files.values())

    def file(self, file_id: str) -> File:
        return self.workspace.files[file_id]

    def calls(self, method: str) -> list[RecordedRequest]:
        """The recorded calls of one API method."""
        with self._lock:
            return [r for r in self.requests if r.method == method]

    def take_violations(self) -> list[str]:
        """The deviations so far, forgotten: for a test that breaks the spec on purpose."""
        with self._lock:
            taken, self.violations = self.violations, []
        return taken

    # ------------------------------------------------------------------ internals

    def _note(self, where: str, problems: list[str]) -> None:
        if problems:
            with self._lock:
                self.violations.extend(f"{where}: {p}" for p in problems)

    def _take_rate_limit(self, method: str) -> RateLimit | None:
        with self._lock:
            for limit in self.rate_limits:
                if limit.method == method and limit.times > 0:
                    limit.times -= 1
                    return limit
        return None

    def _record(self, entry: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(entry)


def _last_values(pairs: dict[str, list[str]]) -> dict[str, Any]:
    return {name: values[-1] for name, values in pairs.items()}


def _multipart_parts(content_type: str, body: bytes) -> list[tuple[str, str | None, str, bytes]]:
    """``(name, filename, content type, data)`` of each part of a multipart body."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    parts = []
    for part in message.iter_parts() if message.is_multipart() else ():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        payload = part.get_payload(decode=True)
        parts.append(
            (
                name if isinstance(name, str) else "",
                filename,
                part.get_content_type(),
                payload if isinstance(payload, bytes) else b"",
            )
        )
    return parts


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and a small body go out in two writes: with Nagle's algorithm the second
    # waits for the client's delayed ACK (40 ms an answer).
    disable_nagle_algorithm = True

    @property
    def fake(self) -> FakeSlack:
        return self.server.fake

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    # ------------------------------------------------------------------ reading

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            out = bytearray()
            while True:
                size = int(self.rfile.readline(1024).split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline(16)
                if len(out) > _MAX_BODY:
                    raise ValueError("body too large")
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(length) if length else b""

    def _serve(self, verb: str) -> None:
        parts = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            body = self._body()
        except ValueError:
            self.close_connection = True
            self._send(413, b"body too large", "text/plain")
            return
        incoming = _Incoming(verb, parts.path, parts.query, headers, body)
        if parts.path.startswith("/api/"):
            self._api(incoming, parts.path.removeprefix("/api/"))
        elif parts.path.startswith("/upload/v1/") and verb == "POST":
            self._upload(incoming, parts.path.removeprefix("/upload/v1/"))
        else:
            self._send(404, b"Not Found", "text/plain")

    def _parse(self, incoming: _Incoming, method: str) -> str | None:
        """Fill in the parameters and the token; the error Slack answers, if any."""
        params: dict[str, Any] = _last_values(parse_qs(incoming.query, keep_blank_values=True))
        query_token = params.get("token")
        content_type = incoming.headers.get("content-type", "")
        media = content_type.split(";", 1)[0].strip().lower()
        error: str | None = None
        token_allowed = True
        if incoming.body:
            if media == "application/x-www-form-urlencoded":
                incoming.encoding = "form"
                text = incoming.body.decode("utf-8", "replace")
                params.update(_last_values(parse_qs(text, keep_blank_values=True)))
            elif media == "multipart/form-data":
                incoming.encoding = "multipart"
                for name, _, _, data in _multipart_parts(content_type, incoming.body):
                    params[name] = data.decode("utf-8", "replace")
            elif media == "application/json":
                incoming.encoding = "json"
                # Slack reads no token from a JSON body: it must be the header.
                token_allowed = False
                if "charset" not in content_type.lower():
                    self.fake.warnings.append(
                        f"{incoming.verb} {incoming.path}: JSON without a charset "
                        "(Slack answers a missing_charset warning)"
                    )
                try:
                    parsed = json.loads(incoming.body)
                except ValueError:
                    error = "invalid_json"
                else:
                    if not isinstance(parsed, dict):
                        error = "json_not_object"
                    elif self.fake.contract is None or self.fake.contract.reads_json(method):
                        params.update(parsed)
            elif not media:
                error = "missing_post_type"
            else:
                error = "invalid_post_type"
        authorization = incoming.headers.get("authorization", "")
        if authorization[:7].lower() == "bearer ":
            incoming.token, incoming.auth = authorization[7:].strip(), "bearer"
            params.pop("token", None)
        else:
            token = params.pop("token", None) if token_allowed else query_token
            params.pop("token", None)
            if isinstance(token, str) and token:
                incoming.token, incoming.auth = token, "param"
        incoming.params = params
        return error

    # ------------------------------------------------------------------ the API

    def _api(self, incoming: _Incoming, method: str) -> None:
        fake = self.fake
        where = f"{incoming.verb} /api/{method}"
        contract = fake.contract
        if contract is not None:
            problems = contract.check_request(
                incoming.verb, method, incoming.query, incoming.headers, incoming.body
            )
            fake._note(where, problems)
        error = self._parse(incoming, method)
        status, payload, extra = self._answer(incoming, method, error)
        body = json.dumps(payload).encode()
        if contract is not None and contract.knows(method):
            problems = contract.check_response(method, status, body)
            fake._note(where, [f"answer {status}: {p}" for p in problems])
        masked = dict(incoming.headers)
        if "authorization" in masked:
            masked["authorization"] = masked["authorization"].split(" ", 1)[0] + " ***"
        fake._record(
            RecordedRequest(
                method=method,
                verb=incoming.verb,
                params=incoming.params,
                encoding=incoming.encoding if incoming.body or not incoming.query else "query",
                auth=incoming.auth,
                headers=masked,
                status=status,
                error=None if payload.get("ok") else str(payload.get("error")),
            )
        )
        self._send(status, body, _JSON, extra)

    def _answer(
        self, incoming: _Incoming, method: str, parse_error: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        fake = self.fake
        where = f"{incoming.verb} /api/{method}"
        handler = METHODS.get(method)
        if handler is None:
            if fake.contract is not None and fake.contract.knows(method):
                fake._note(where, [f"the fake does not implement {method} (yet)"])
            return 404, {"ok": False, "error": "unknown_method", "req_method": method}, {}
        limit = fake._take_rate_limit(method)
        if limit is not None:
            headers = {"Retry-After": str(limit.retry_after)}
            return 429, {"ok": False, "error": "ratelimited"}, headers
        if parse_error is not None:
            return 200, {"ok": False, "error": parse_error}, {}
        ws = fake.workspace
        if not incoming.token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        caller = ws.tokens.get(incoming.token)
        if caller is None:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        call = Call(ws, caller, dict(incoming.params), fake.url + "/upload/v1/")
        try:
            with ws.lock:
                return 200, handler(call), {}
        except SlackError as exc:
            return 200, {"ok": False, "error": exc.error}, {}
        except FakeGapError as exc:
            fake._note(where, [f"the fake does not implement {exc}"])
            return 500, {"ok": False, "error": "fatal_error"}, {}

    # ------------------------------------------------------------------ uploads

    def _upload(self, incoming: _Incoming, key: str) -> None:
        """The upload URL of files.getUploadURLExternal: the file's bytes, raw or as the
        ``file`` part of a multipart form (docs.slack.dev, "Uploading files")."""
        fake = self.fake
        ws = fake.workspace
        content_type = incoming.headers.get("content-type", "")
        data = incoming.body
        part_type: str | None = None
        encoding = "raw"
        if content_type.split(";", 1)[0].strip().lower() == "multipart/form-data":
            encoding = "multipart"
            parts = _multipart_parts(content_type, incoming.body)
            chosen = next((p for p in parts if p[0] == "file"), None) or next(
                (p for p in parts if p[1] is not None), None
            )
            if chosen is None:
                data = b""
                fake._note(f"POST /upload/v1/{key}", ["a multipart upload without a file part"])
            else:
                data, part_type = chosen[3], chosen[2]
        with ws.lock:
            upload = ws.file_by_key(key)
            if upload is not None and upload.completed:
                upload = None  # the URL is spent once the upload is completed
            if upload is not None:
                upload.data = data
                upload.content_type = part_type if part_type not in (None, "text/plain") else None
        status = 404 if upload is None else 200
        if upload is not None and len(data) != upload.length:
            fake._note(
                f"POST /upload/v1/{key}",
                [
                    f"uploaded {len(data)} bytes to {upload.id}, whose announced length "
                    f"(files.getUploadURLExternal) is {upload.length}"
                ],
            )
        fake._record(
            RecordedRequest(
                method="upload",
                verb="POST",
                params={"file_id": upload.id if upload else None, "size": len(data)},
                encoding=encoding,
                auth=None,
                headers=dict(incoming.headers),
                status=status,
            )
        )
        text = f"OK - {len(data)}" if status == 200 else "Not Found"
        self._send(status, text.encode(), "text/plain; charset=utf-8")

    # ------------------------------------------------------------------ writing

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def _main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n", 1)[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--specs", type=Path, default=None, help="shared/specs/slack")
    args = parser.parse_args()
    spec_dir = args.specs
    if spec_dir is None:
        from tasklink.testing import shared_kit_dir

        kit = shared_kit_dir(Path(__file__).resolve().parent)
        spec_dir = kit / "specs" / "slack" if kit is not None else None
    fake = FakeSlack(spec_dir).start(args.port)
    print(f"ready {fake.base_url}", flush=True)
    print(f"token {fake.token}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        for violation in fake.violations:
            print(f"violation {violation}", file=sys.stderr)
        fake.close()


if __name__ == "__main__":
    _main()
