"""A stateful fake Alfresco Content Services repository on 127.0.0.1, for the connector's
tests and benchmark.

Serves, under ``{url}/alfresco``, the core API (nodes, children, content, copy, move, lock,
tags, versions, shared links, trashcan), the search API (AFTS and CMIS), the authentication
API (tickets), Governance Services (declare record, security groups and marks) and, at
``/auth/realms/alfresco/protocol/openid-connect/token``, an identity service's client
credentials grant. Every request and every answer is checked against the vendor's OpenAPI
documents (:mod:`.acs_contract`); deviations collect in :attr:`FakeRepository.violations`
and the ``acs`` fixture fails the test on any.

Content streams both ways in 1 MiB pieces to temporary files (:mod:`.acs_store`): a 50 MB
upload is never in memory, and a copy or a version shares the file.

Run on its own (for a benchmark in another process)::

    cd packages/alfresco/tests && python -m support.fake_acs --port 8080
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .acs_auth import TOKEN_PATH, Authenticator, Client
from .acs_contract import API_PREFIXES, Contract
from .acs_model import AcsError, Node, Repository, SecurityGroup, User, Version
from .acs_routes import ROUTES, Reply, Request, Route, Routes, chunks_of, json_bytes
from .acs_store import ContentStore
from .acs_wire import BodyError, FormPart, body_chunks, boundary_of, multipart_events

__all__ = ["FakeRepository", "Fault", "RecordedRequest"]

_MAX_JSON = 16 * 1024 * 1024
_MAX_FIELD = 1024 * 1024
_BINARY = b"(binary content)"


@dataclass(frozen=True)
class RecordedRequest:
    """A request the fake received (JSON bodies parsed; uploads not kept)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    json: Any = None
    status: int = 0  # the status answered


@dataclass
class Fault:
    """Answer the next ``times`` requests whose method is ``method`` and whose path (below
    ``/alfresco``) matches ``path`` (a regular expression, searched) with ``status``."""

    method: str
    path: str
    status: int
    times: int = 1
    headers: dict[str, str] = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    server_address: tuple[str, int]

    def __init__(self, fake: FakeRepository, port: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class FakeRepository:
    """The fake repository and its server. Start it with :meth:`start` (or ``with``).

    Everything a test needs to set up or inspect state without HTTP is here; the state's
    rules live in :class:`~.acs_model.Repository` (:attr:`repo`)."""

    def __init__(
        self,
        spec_dir: Path | None,
        *,
        username: str = "admin",
        password: str = "admin",
        validate: bool = True,
    ) -> None:
        self.username = username
        """The administrator's user id (default ``admin``)."""
        self.password = password
        self.store = ContentStore()
        self.repo = Repository(self.store, admin=username, admin_password=password)
        self.auth = Authenticator(self.repo)
        self.routes = Routes(self.repo, self.auth)
        self.contract = Contract(spec_dir) if validate and spec_dir is not None else None
        self.violations: list[str] = []
        """Every deviation from the API documents: ``"METHOD path?query: problem"``."""
        self.requests: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self.url = ""

    # ------------------------------------------------------------------ lifecycle

    def start(self, port: int = 0) -> FakeRepository:
        """Listen on 127.0.0.1 (``port`` 0: a free one)."""
        server = _Server(self, port)
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        threading.Thread(
            target=server.serve_forever, args=(0.05,), name="fake-acs", daemon=True
        ).start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.store.close()

    def __enter__(self) -> FakeRepository:
        return self.start() if self._server is None else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ addresses

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/alfresco``: what the connector's base URL is set to."""
        return self.url + "/alfresco"

    @property
    def core_url(self) -> str:
        return self.url + API_PREFIXES["core"]

    @property
    def search_url(self) -> str:
        return self.url + API_PREFIXES["search"] + "/search"

    @property
    def auth_url(self) -> str:
        return self.url + API_PREFIXES["auth"]

    @property
    def gs_url(self) -> str:
        return self.url + API_PREFIXES["gs"]

    @property
    def token_url(self) -> str:
        """The identity service's token endpoint (client credentials grant)."""
        return self.url + TOKEN_PATH

    # ------------------------------------------------------------------ well-known nodes

    @property
    def company_home_id(self) -> str:
        return self.repo.company_home

    @property
    def user_homes_id(self) -> str:
        return self.repo.user_homes

    @property
    def shared_id(self) -> str:
        return self.repo.shared

    @property
    def sites_id(self) -> str:
        return self.repo.sites

    # ------------------------------------------------------------------ inspection

    def node(self, node_id: str) -> Node:
        """A node by id, live or in the trashcan (``node.archived``); KeyError if none."""
        return self.repo.nodes[node_id]

    def find(self, path: str) -> Node | None:
        """The live node at a display path, ``/Company Home/Shared/a.txt``, or None."""
        with self.repo.lock:
            return self.repo.by_path(path)

    def node_by_path(self, path: str) -> Node:
        """As :meth:`find`, raising KeyError naming the path when nothing is there."""
        found = self.find(path)
        if found is None:
            raise KeyError(f"no node at {path!r}")
        return found

    def content(self, node_id: str) -> bytes:
        """A file's current content."""
        return self.node(node_id).content

    def versions(self, node_id: str) -> list[Version]:
        """A file's versions, oldest first (``[v.label for v in ...]``: ``["1.0", "1.1"]``)."""
        return list(self.node(node_id).versions)

    def children(self, node_id: str) -> list[Node]:
        """A folder's live children, as the administrator sees them."""
        with self.repo.lock:
            return self.repo.children(self.node(node_id), self.username)

    def path_of(self, node_id: str) -> str:
        """The display path of a node, ``/Company Home/Shared/a.txt``."""
        node = self.node(node_id)
        return self.repo.display_path(node).rstrip("/") + "/" + node.name

    def qname_path(self, node_id: str) -> str:
        """The node's QName path, as AFTS ``PATH`` queries use it."""
        return self.repo.qname_path(self.node(node_id))

    def trashcan(self) -> list[Node]:
        """Deleted nodes (the top of each deleted tree)."""
        return self.repo.trashcan()

    def security_marks(self, node_id: str) -> list[tuple[str, str]]:
        """``(group name, mark name)`` of each mark on a node."""
        return self.repo.mark_names(self.node(node_id))

    def take_violations(self) -> list[str]:
        """The deviations so far, forgotten: for a test that breaks the spec on purpose."""
        with self._lock:
            taken, self.violations = self.violations, []
        return taken

    # ------------------------------------------------------------------ set-up

    def add_user(
        self,
        username: str,
        password: str,
        *,
        admin: bool = False,
        groups: tuple[str, ...] = (),
        display_name: str | None = None,
    ) -> User:
        """A user (with a home folder under User Homes unless ``admin``); groups are
        authority names such as ``GROUP_finance``."""
        return self.repo.add_user(
            username, password, admin=admin, groups=groups, display_name=display_name
        )

    def add_client(self, client_id: str, secret: str, *, user: str | None = None) -> Client:
        """An OAuth2 client of the identity service; its tokens act as ``user`` (default:
        the administrator)."""
        return self.auth.add_client(client_id, secret, user or self.username)

    def expire_tickets(self) -> None:
        """Every ticket stops working: the next request with one gets 401."""
        self.auth.expire_tickets()

    def expire_tokens(self) -> None:
        """Every bearer token stops working: the next request with one gets 401."""
        self.auth.expire_tokens()

    @property
    def ticket_lifetime(self) -> float:
        return self.auth.ticket_lifetime

    @ticket_lifetime.setter
    def ticket_lifetime(self, seconds: float) -> None:
        self.auth.ticket_lifetime = seconds

    @property
    def token_lifetime(self) -> int:
        return self.auth.token_lifetime

    @token_lifetime.setter
    def token_lifetime(self, seconds: int) -> None:
        self.auth.token_lifetime = seconds

    @property
    def locked_status(self) -> int:
        """The status a change to a locked node gets: 409, as ACS maps NodeLockedException
        and as the core document declares for a locked delete; set 423 to try a server
        that answers otherwise."""
        return self.repo.locked_status

    @locked_status.setter
    def locked_status(self, status: int) -> None:
        self.repo.locked_status = status

    def advance(self, seconds: float) -> None:
        """Move the repository's clock (lock, ticket and token expiry) forward."""
        self.repo.clock_offset += seconds

    def fail_next(
        self,
        method: str,
        path: str,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
    ) -> Fault:
        """Answer the next ``times`` matching requests with ``status`` (an ACS error body)."""
        fault = Fault(method.upper(), path, status, times, dict(headers or {}))
        self.faults.append(fault)
        return fault

    def define_type(self, qname: str, parent: str = "cm:content") -> None:
        """A content model type (``fin:invoice``), a subtype of ``parent``."""
        self.repo.types[qname] = parent

    def define_aspect(self, qname: str) -> None:
        """A content model aspect (``rv:reviewable``)."""
        self.repo.aspects.add(qname)

    def create_folder(self, parent: str, name: str, **kwargs: Any) -> Node:
        """A folder below ``parent`` (an id or a display path), made as the administrator;
        ``kwargs`` as :meth:`Repository.create` (properties, aspects, ...)."""
        with self.repo.lock:
            return self.repo.create(
                self._parent(parent), self.username, name=name, node_type="cm:folder", **kwargs
            )

    def create_file(
        self,
        parent: str,
        name: str,
        content: bytes = b"",
        *,
        node_type: str = "cm:content",
        mime_type: str | None = None,
        versioned: bool = True,
        **kwargs: Any,
    ) -> Node:
        """A file below ``parent`` (an id or a display path) with ``content``, version 1.0
        unless not ``versioned``, made as the administrator."""
        blob = self.store.put_bytes(content)
        with self.repo.lock:
            return self.repo.create(
                self._parent(parent),
                self.username,
                name=name,
                node_type=node_type,
                blob=blob,
                mime_type=mime_type,
                versioning="MAJOR" if versioned else None,
                **kwargs,
            )

    def lock_node(
        self,
        node_id: str,
        *,
        owner: str | None = None,
        lock_type: str = "ALLOW_OWNER_CHANGES",
        lifetime: str = "PERSISTENT",
        time_to_expire: int = 0,
    ) -> None:
        """Lock a file as ``owner`` (default: the administrator)."""
        with self.repo.lock:
            self.repo.lock_node(
                self.node(node_id),
                owner or self.username,
                lock_type=lock_type,
                lifetime=lifetime,
                time_to_expire=time_to_expire,
            )

    def add_security_group(
        self, name: str, marks: tuple[str, ...], *, group_type: str = "USER_REQUIRES_ANY"
    ) -> SecurityGroup:
        """A Governance Services security group with its marks."""
        return self.repo.add_security_group(name, marks, group_type)

    def add_record_folder(self, name: str) -> Node:
        """A record folder in the RM site's file plan, for ``declare`` with ``parentId``."""
        with self.repo.lock:
            return self.repo.add_record_folder(name)

    def _parent(self, parent: str) -> Node:
        return self.node_by_path(parent) if parent.startswith("/") else self.node(parent)

    # ------------------------------------------------------------------ checks

    def _note(self, method: str, url: str, problems: list[str]) -> None:
        if problems:
            with self._lock:
                self.violations.extend(f"{method} {url}: {p}" for p in problems)

    def _fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.times > 0 and fault.method == method and re.search(fault.path, path):
                    fault.times -= 1
                    return fault
        return None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and a small body go out in two writes: with Nagle's algorithm the second
    # waits for the client's delayed ACK (40 ms a response). Servers such as Tomcat do not.
    disable_nagle_algorithm = True
    _pending: tuple[str, str, dict[str, list[str]], dict[str, str], dict[str, Any]] | None = None

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    # ------------------------------------------------------------------ plumbing

    @property
    def fake(self) -> FakeRepository:
        return self.server.fake

    def _chunks(self) -> Iterator[bytes]:
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        length = self.headers.get("Content-Length")
        return body_chunks(self.rfile, int(length) if length else 0, chunked)

    def _has_body(self) -> bool:
        return bool(
            int(self.headers.get("Content-Length") or 0)
            or "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        )

    def _read_all(self) -> bytes:
        data = bytearray()
        for piece in self._chunks():
            data += piece
            if len(data) > _MAX_JSON:
                self.close_connection = True
                raise AcsError(413, "the fake reads JSON bodies of at most 16 MiB")
        return bytes(data)

    def _drain(self) -> None:
        try:
            for _ in self._chunks():
                pass
        except (BodyError, OSError):
            self.close_connection = True

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    # ------------------------------------------------------------------ dispatch

    def _handle(self) -> None:
        fake = self.fake
        method = self.command
        url = self.path
        parts = urlsplit(url)
        path = parts.path
        query = parse_qs(parts.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in self.headers.items()}
        record: dict[str, Any] = {"json": None, "status": 0}
        # Logged as the status line goes out, so a client that has its answer finds its
        # request in `requests`.
        self._pending = (method, path, query, headers, record)
        try:
            if path == TOKEN_PATH and method == "POST":
                status, payload = fake.auth.token(self._read_all(), headers)
                record["status"] = status
                self._send(status, json_bytes(payload), "application/json")
                return
            self._dispatch(method, url, path, query, headers, record)
        except BodyError as exc:
            self.close_connection = True
            error = AcsError(400, f"the request body could not be read: {exc}")
            record["status"] = 400
            self._error(method, url, error, check=False)
        finally:
            self._log(0)

    def send_response(self, code: int, message: str | None = None) -> None:
        self._log(code)
        super().send_response(code, message)

    def _log(self, status: int) -> None:
        pending = getattr(self, "_pending", None)
        if pending is None:
            return
        self._pending = None
        method, path, query, headers, record = pending
        entry = RecordedRequest(method, path, query, headers, record["json"], status)
        with self.fake._lock:
            self.fake.requests.append(entry)

    def _route(self, method: str, path: str) -> tuple[Route, dict[str, str], str] | None:
        for name, prefix in API_PREFIXES.items():
            if path.startswith(prefix + "/"):
                rest = path[len(prefix) :]
                for route in ROUTES:
                    if route.api != name or route.method != method:
                        continue
                    match = route.pattern.match(rest)
                    if match:
                        params = {k: unquote(v) for k, v in match.groupdict().items()}
                        return route, params, rest
        return None

    def _dispatch(
        self,
        method: str,
        url: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        record: dict[str, Any],
    ) -> None:
        fake = self.fake
        found = self._route(method, path)
        contract = fake.contract
        if found is None:
            if self._has_body():
                self._drain()
            problem = f"the fake does not serve {method} {path}"
            if contract is not None:
                spec_problems = contract.check_request(method, url, headers, None)
                fake._note(method, url, spec_problems or [problem])
            record["status"] = 404
            self._error(method, url, AcsError(404, f"Unable to locate resource {path}"), False)
            return
        route, params, rest = found
        request = Request(method, url, rest, params, query, headers)
        fault = fake._fault(method, path.removeprefix("/alfresco"))
        try:
            if route.upload:
                self._upload(route, request)
            elif self._has_body():
                raw = self._read_all()
                if contract is not None:
                    fake._note(method, url, contract.check_request(method, url, headers, raw))
                record["json"] = request.json = self._parse_json(raw)
            elif contract is not None:
                fake._note(method, url, contract.check_request(method, url, headers, None))
            if fault is not None:
                raise AcsError(fault.status, f"injected by the test ({fault.status})")
            if not (route.api == "auth" and route.handler == "login"):
                request.user, request.ticket = fake.auth.identify(headers, query)
            record["json"] = request.json
            with fake.repo.lock:
                reply = fake.routes.handler(route.handler)(request)
        except AcsError as error:
            record["status"] = error.status
            extra = dict(fault.headers) if fault is not None else {}
            if error.status == 401:
                extra.setdefault("WWW-Authenticate", 'Basic realm="Alfresco Repository"')
            self._error(method, url, error, True, extra)
            return
        record["status"] = self._reply(method, url, reply)

    @staticmethod
    def _parse_json(raw: bytes) -> Any:
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise AcsError(400, f"Could not read content from HTTP request body: {exc}") from exc

    # ------------------------------------------------------------------ uploads

    def _upload(self, route: Route, request: Request) -> None:
        """Stream the body of ``PUT .../content`` or a multipart ``POST .../children`` into
        the content store, then check the request with the file as a placeholder."""
        fake = self.fake
        headers = request.headers
        content_type = headers.get("content-type", "")
        media = content_type.split(";", 1)[0].strip().lower()
        if route.handler == "create_node" and media != "multipart/form-data":
            raw = self._read_all()
            if fake.contract is not None:
                fake._note(
                    request.method,
                    request.url,
                    fake.contract.check_request(request.method, request.url, headers, raw),
                )
            request.json = self._parse_json(raw)
            return
        # Refuse before reading 50 MB: who asks, and may they (ACS checks these first too).
        try:
            request.user, request.ticket = fake.auth.identify(headers, request.query)
            with fake.repo.lock:
                target = fake.repo.resolve(request.params["nodeId"], request.user)
                if route.handler == "update_content":
                    fake.repo.check_content_writable(target, request.user, request.arg("name"))
                else:
                    fake.repo.require(target, request.user, "create")
        except AcsError:
            self._drain()
            raise
        if route.handler == "update_content":
            blob = fake.store.put(self._chunks())
            request.blob, request.blob_type = blob, content_type or None
            checked = _BINARY if blob.size else b""
        else:
            checked = self._read_multipart(request, content_type)
        if fake.contract is not None:
            problems = fake.contract.check_request(request.method, request.url, headers, checked)
            fake._note(request.method, request.url, problems)

    def _read_multipart(self, request: Request, content_type: str) -> bytes:
        boundary = boundary_of(content_type)
        if boundary is None:
            self._drain()
            raise AcsError(400, "multipart/form-data without a boundary")
        store = self.fake.store
        writer = None
        current: FormPart | None = None
        field_data = bytearray()
        try:
            for event in multipart_events(self._chunks(), boundary):
                if isinstance(event, FormPart):
                    current = event
                    field_data = bytearray()
                    if event.name == "filedata":
                        if writer is not None:
                            writer.discard()
                        writer = store.writer()
                        request.blob_name = event.filename
                        request.blob_type = event.content_type
                elif isinstance(event, bytes):
                    if current is not None and current.name == "filedata" and writer is not None:
                        writer.write(event)
                    else:
                        field_data += event
                        if len(field_data) > _MAX_FIELD:
                            raise BodyError("a form field is larger than 1 MiB")
                elif current is not None and current.name != "filedata":
                    request.form[current.name] = field_data.decode("utf-8", "replace")
        except BaseException:
            if writer is not None:
                writer.discard()
            raise
        if writer is not None:
            request.blob = writer.finish()
        # What the spec check sees: the same form, the file as a placeholder.
        lines: list[bytes] = []
        for name, value in [*request.form.items(), *([("filedata", "")] if writer else [])]:
            disposition = f'form-data; name="{name}"'
            if name == "filedata":
                disposition += f'; filename="{request.blob_name or "file"}"'
            lines += [f"--{boundary}".encode(), f"Content-Disposition: {disposition}".encode()]
            lines += [b"", _BINARY if name == "filedata" else value.encode()]
        lines.append(f"--{boundary}--".encode())
        return b"\r\n".join(lines) + b"\r\n"

    # ------------------------------------------------------------------ answers

    def _error(
        self,
        method: str,
        url: str,
        error: AcsError,
        check: bool,
        headers: dict[str, str] | None = None,
    ) -> None:
        body = json_bytes(error.envelope())
        contract = self.fake.contract
        if check and contract is not None:
            problems = contract.check_response(
                method, url, error.status, content_type="application/json", body=body
            )
            self.fake._note(method, url, [f"answer {error.status}: {p}" for p in problems])
        self._send(error.status, body, "application/json;charset=UTF-8", headers)

    def _reply(self, method: str, url: str, reply: Reply) -> int:
        fake = self.fake
        contract = fake.contract
        status = reply.status
        if contract is not None and 200 <= status < 300 and status != 206:
            status = contract.success_status(method, url, status)
        if reply.blob is not None:
            self._send_blob(method, url, status, reply)
            return status
        body = json_bytes(reply.payload) if reply.payload is not None else b""
        if contract is not None:
            checked = json_bytes(reply.checked) if reply.checked is not None else body
            problems = contract.check_response(
                method, url, status, content_type="application/json", body=checked
            )
            if status == 204 and body:
                problems.append("a 204 answer must have no body")
            fake._note(method, url, [f"answer {status}: {p}" for p in problems])
        content_type = "application/json;charset=UTF-8" if body else None
        self._send(status, body, content_type, reply.headers)
        return status

    def _send_blob(self, method: str, url: str, status: int, reply: Reply) -> None:
        blob = reply.blob
        assert blob is not None
        contract = self.fake.contract
        if contract is not None:
            # ACS answers with the file's MIME type; the document declares
            # application/octet-stream for it: the status and that are what is checked.
            problems = contract.check_response(
                method, url, status, content_type="application/octet-stream", body=_BINARY
            )
            self.fake._note(method, url, [f"answer {status}: {p}" for p in problems])
        start, end = reply.byte_range or (0, blob.size - 1)
        length = max(end - start + 1, 0)
        self.send_response(status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", reply.mime_type or "application/octet-stream")
        self.send_header("Content-Length", str(length))
        self.end_headers()
        if method == "HEAD" or length == 0:
            return
        with blob.path.open("rb") as handle:
            try:
                self.connection.sendfile(handle, start, length)
            except (AttributeError, NotImplementedError):
                for piece in chunks_of(blob, reply.byte_range):
                    self.wfile.write(piece)


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--specs", type=Path, default=None, help="shared/specs/alfresco")
    args = parser.parse_args()
    spec_dir = args.specs
    if spec_dir is None:
        from tasklink.testing import shared_kit_dir

        kit = shared_kit_dir(Path(__file__).resolve().parent)
        spec_dir = kit / "specs" / "alfresco" if kit is not None else None
    fake = FakeRepository(spec_dir).start(args.port)
    print(f"ready {fake.base_url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        fake.close()


if __name__ == "__main__":
    _main()
