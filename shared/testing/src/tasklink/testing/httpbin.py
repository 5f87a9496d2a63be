"""A local HTTP server for the tests: a subset of httpbin.org plus a few test routes.

httpbin-compatible: ``/anything``, ``/get``, ``/post``, ``/put``, ``/patch``, ``/delete``,
``/status/<code>``, ``/bearer``, ``/basic-auth/<user>/<password>``, ``/headers``,
``/redirect/<n>``, ``/redirect-to?url=&status_code=``, ``/delay/<seconds>``,
``/bytes/<n>``, ``/json``, ``/xml``, ``/cookies``, ``/response-headers?name=value``.

Test routes: ``/oauth/token`` and ``/oauth/protected`` (an OAuth 2.0 server for the client
credentials and refresh token grants, with revocation and refresh token rotation),
``/large?size=&chunked=``, ``/gzip-bomb?size=``, ``/invalid-json``,
``/problem/<code>?retry_after=``, ``/set-cookie``, ``/redirect-loop``,
``/download``, ``/encoded?text=&coding=``, ``/upload`` (the size and SHA-256 of the
body and of each multipart part, read as it arrives: uploads of any size, in bounded
memory),
``/disposition?value=`` (a file with that ``Content-Disposition``) and
``/drip?part=&count=&interval=`` (the body, or the headers, one byte at a time);
``/gzip-bomb`` also takes ``layers=``, ``status=`` and ``location=``.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import json
import secrets
import ssl
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from email.parser import BytesHeaderParser, BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


class OAuthServer:
    """State of the token endpoint: known clients, refresh tokens, issued access tokens.

    ``refresh_tokens``: the refresh tokens the refresh grant accepts; with
    ``rotate_refresh_tokens`` each use returns a new one and retires the one used (RFC 6749
    section 6). ``token_type``: what the endpoint says it issued.
    """

    def __init__(self) -> None:
        self.clients: dict[str, str] = {}
        self.tokens: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self.rotate_refresh_tokens = False
        self.requests: list[dict[str, Any]] = []
        self.expires_in: int | None = 3600
        self.token_type = "Bearer"  # noqa: S105 - a token type, not a password
        self.lock = threading.Lock()

    def issue(self) -> str:
        token = "tok-" + secrets.token_hex(16)
        with self.lock:
            self.tokens.add(token)
        return token

    def rotate(self, used: str) -> str:
        """Retire the refresh token ``used`` and issue its successor."""
        successor = "rt-" + secrets.token_hex(16)
        with self.lock:
            self.refresh_tokens.discard(used)
            self.refresh_tokens.add(successor)
        return successor

    def revoke_all(self) -> None:
        with self.lock:
            self.tokens.clear()


class TestServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # An AF_INET server (TCPServer's default family): bound, the address is getsockname()'s
    # (host, port) with a str host; typeshed also allows bytes hosts and IPv6 tuples.
    server_address: tuple[str, int]

    def __init__(self, address: tuple[str, int], tls: ssl.SSLContext | None = None) -> None:
        super().__init__(address, Handler)
        self.tls = tls
        self.oauth = OAuthServer()
        self.log: list[dict[str, Any]] = []
        # Paths of /drip responses whose client went away before the last byte.
        self.abandoned: list[str] = []

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out or stop reading close the socket: expected in these tests.
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError | ssl.SSLError | TimeoutError):
            super().handle_error(request, client_address)

    def get_request(self) -> tuple[Any, Any]:
        sock, address = super().get_request()
        if self.tls is not None:
            sock = self.tls.wrap_socket(sock, server_side=True)
        return sock, address

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        scheme = "https" if self.tls else "http"
        name = "localhost" if self.tls else host
        return f"{scheme}://{name}:{port}"


def _args(query: str) -> dict[str, Any]:
    args: dict[str, Any] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key in args:
            args[key] = [*args[key], value] if isinstance(args[key], list) else [args[key], value]
        else:
            args[key] = value
    return args


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are written separately: with Nagle's algorithm the body would wait
    # for the client's delayed ACK (40 ms on Linux) on every kept-alive request.
    disable_nagle_algorithm = True
    server: TestServer

    def log_message(self, format: str, *args: Any) -> None:
        return None

    # -- plumbing ----------------------------------------------------------------------

    def _body_chunks(self) -> Iterator[bytes]:
        """The request body as it arrives, by ``Content-Length`` or chunked coding."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while size := int(self.rfile.readline().split(b";")[0] or b"0", 16):
                yield from self._read_exactly(size)
                self.rfile.readline()  # the CRLF after the chunk
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
        else:
            yield from self._read_exactly(int(self.headers.get("Content-Length") or 0))

    def _read_exactly(self, size: int) -> Iterator[bytes]:
        while size > 0 and (data := self.rfile.read(min(size, 65536))):
            size -= len(data)
            yield data

    def _body(self) -> bytes:
        return b"".join(self._body_chunks())

    def _send(
        self,
        status: int,
        body: bytes = b"",
        content_type: str | None = "application/json",
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        self.send_response(status)
        if content_type and body:
            self.send_header("Content-Type", content_type)
        for name, value in headers or []:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data: Any, headers: list[tuple[str, str]] | None = None) -> None:
        self._send(status, json.dumps(data).encode(), "application/json", headers)

    def _echo(self, body: bytes, parts: Any) -> dict[str, Any]:
        content_type = self.headers.get("Content-Type", "")
        echo: dict[str, Any] = {
            "method": self.command,
            "url": f"{self.server.url}{self.path}",
            "path": parts.path,
            "args": _args(parts.query),
            "headers": {k: ", ".join(self.headers.get_all(k) or []) for k in self.headers},
            "rawHeaders": [[k, v] for k, v in self.headers.items()],
            "data": body.decode("utf-8", "replace"),
            "bodyBase64": base64.b64encode(body).decode(),
            "json": None,
            "form": {},
            "files": {},
            "proxied": self.path.startswith("http"),
        }
        if "json" in content_type:
            with contextlib.suppress(ValueError):
                echo["json"] = json.loads(body)
        elif content_type.startswith("application/x-www-form-urlencoded"):
            echo["form"] = _args(body.decode())
        elif content_type.startswith("multipart/form-data"):
            message = BytesParser(policy=HTTP).parsebytes(
                f"Content-Type: {content_type}\r\n\r\n".encode() + body
            )
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                filename = part.get_filename()
                # decode=True gives a leaf part's bytes and None for a nested multipart
                # part (typeshed also allows a Message).
                decoded = part.get_payload(decode=True)
                payload = decoded if isinstance(decoded, bytes) else b""
                if filename is None:
                    echo["form"][name] = payload.decode()
                else:
                    echo["files"][name] = {
                        "filename": filename,
                        "contentType": part.get_content_type(),
                        "base64": base64.b64encode(payload).decode(),
                    }
        if isinstance(self.connection, ssl.SSLSocket):
            cert = self.connection.getpeercert()
            subject: dict[str, str] | None = None
            if cert:
                # "subject" holds relative distinguished names, each a tuple of (attribute,
                # value) pairs; typeshed types every value of the certificate dict alike.
                rdns = cast("tuple[tuple[tuple[str, str], ...], ...]", cert["subject"])
                subject = dict(rdn[0] for rdn in rdns)
            echo["clientCertificate"] = subject.get("commonName") if subject else None
        return echo

    # -- routing -----------------------------------------------------------------------

    def handle_any(self) -> None:
        parts = urlsplit(self.path)
        # /upload reads its body itself, as it arrives.
        body = b"" if parts.path == "/upload" else self._body()
        self.server.log.append(
            {
                "method": self.command,
                "path": parts.path,
                "headers": dict(self.headers.items()),
                "client_port": self.client_address[1],
            }
        )
        segments = [s for s in parts.path.split("/") if s]
        route = segments[0] if segments else ""
        args = _args(parts.query)
        handler = getattr(self, "route_" + route.replace("-", "_"), None)
        if handler is None:
            self._json(404, {"error": "not found", "path": parts.path})
            return
        handler(segments[1:], args, body, parts)

    # http.server dispatches to do_<METHOD>.
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = handle_any  # noqa: N815
    do_TRACE = handle_any  # noqa: N815

    def route_anything(self, rest: list[str], args: Any, body: bytes, parts: Any) -> None:
        self._json(200, self._echo(body, parts))

    route_get = route_post = route_put = route_patch = route_delete = route_anything

    def route_headers(self, rest: list[str], args: Any, body: bytes, parts: Any) -> None:
        self._json(200, {"headers": self._echo(body, parts)["headers"]})

    def route_status(self, rest: list[str], args: Any, body: bytes, parts: Any) -> None:
        self._send(int(rest[0]))

    def route_problem(self, rest: list[str], args: Any, body: bytes, parts: Any) -> None:
        status = int(rest[0])
        headers = [("Retry-After", args["retry_after"])] if "retry_after" in args else []
        data = json.dumps({"title": "problem", "status": status}).encode()
        self._send(status, data, "application/problem+json", headers)

    def route_bearer(self, rest: list[str], args: Any, body: bytes, parts: Any) -> None:
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            self._send(401, headers=[("WWW-Authenticate", "Bearer")])
            return
        self._json(200, {"authenticated": True, "token": auth[7:]})

    def route_basic_auth(self, rest: list[str], args: Any, body: bytes, parts: Any) -> None:
        expected = base64.b64encode(f"{rest[0]}:{rest[1]}".encode()).decode()
        if self.headers.get("Authorization") != f"Basic {expected}":
            self._send(401, headers=[("WWW-Authenticate", 'Basic realm="Fake Realm"')])
            return
        self._json(200, {"authenticated": True, "user": rest[0]})

    def route_redirect(self, rest: list[str], args: Any, body: bytes, parts: Any) -> None:
        left = int(rest[0])
        location = "/get" if left <= 1 else f"/redirect/{left - 1}"
        self._send(302, headers=[("Location", location)])

    def route_redirect_to(self, rest: list[str], args: Any, body: bytes, parts: Any) -> None:
        status = int(args.get("status_code", 302))
        self._send(status, headers=[("Location", args["url"])])

    def route_redirect_loop(self, rest: list[str], args: Any, body: bytes, parts: Any) -> None:
        self._send(302, headers=[("Location", "/redirect-loop")])

    def route_delay(self, rest: list[str], args: Any, body: bytes, parts: Any) -> None:
        time.sleep(float(rest[0]))
        self._json(200, self._echo(body, parts))

    def route_bytes(self, rest: list[str], args: Any, body: bytes, parts: Any) -> None:
        self._send(200, secrets.token_bytes(int(rest[0])), "application/octet-stream")

    def route_download(self, rest: list[str], args: Any, body: bytes, parts: Any) -> None:
        self._send(
            200, PNG, "image/png", [("Content-Disposition", 'attachment; filename="pixel.png"')]
        )

    def route_disposition(self, rest: list[str], args: Any, body: bytes, parts: Any) -> None:
        self._send(200, PNG, "image/png", [("Content-Disposition", args["value"])])

    def route_drip(self, rest: list[str], args: Any, body: bytes, parts: Any) -> None:
        # part=body: the head at once, then ``count`` body bytes one per ``interval``
        # seconds. part=headers: the head itself one byte per interval (``count`` bytes of
        # padding header), so not even the status line arrives at once.
        count, interval = int(args.get("count", 10)), float(args.get("interval", 0.2))
        if args.get("part", "body") == "headers":
            at_once = b""
            dripped = b"HTTP/1.1 200 OK\r\nX-Padding: " + b"p" * count
            dripped += b"\r\nContent-Length: 0\r\n\r\n"
        else:
            at_once = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
            at_once += f"Content-Length: {count}\r\n\r\n".encode()
            dripped = b"x" * count
        try:
            self.wfile.write(at_once)
            for index in range(len(dripped)):
                time.sleep(interval)
                self.wfile.write(dripped[index : index + 1])
        except OSError:  # the client hung up: what a deadline must make it do
            self.server.abandoned.append(parts.path)
        self.close_connection = True

    def route_upload(self, rest: list[str], args: Any, body: bytes, parts: Any) -> None:
        content_type = self.headers.get("Content-Type", "")
        whole = hashlib.sha256()
        size = 0

        def counted() -> Iterator[bytes]:
            nonlocal size
            for chunk in self._body_chunks():
                whole.update(chunk)
                size += len(chunk)
                yield chunk

        boundary = (
            BytesParser(policy=HTTP)
            .parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode())
            .get_param("boundary")
        )
        body_chunks = counted()
        files = _digest_parts(body_chunks, str(boundary).encode()) if boundary else []
        for _ in body_chunks:  # a body that is no multipart, or what follows its end
            pass
        self._json(
            200,
            {
                "contentType": content_type,
                "transferEncoding": self.headers.get("Transfer-Encoding"),
                "size": size,
                "sha256": whole.hexdigest(),
                "parts": files,
            },
        )

    def route_json(self, rest: list[str], args: Any, body: bytes, parts: Any) -> None:
        self._json(200, {"slideshow": {"title": "Sample Slide Show", "slides": []}})

    def route_xml(self, rest: list[str], args: Any, body: bytes, parts: Any) -> None:
        data = '<?xml version="1.0" encoding="iso-8859-1"?><p>caf\xe9</p>'.encode("latin-1")
        self._send(200, data, "application/xml; charset=iso-8859-1")

    def route_invalid_json(self, rest: list[str], args: Any, body: bytes, parts: Any) -> None:
        self._send(200, b"{not json", "application/json")

    def route_cookies(self, rest: list[str], args: Any, body: bytes, parts: Any) -> None:
        cookie = self.headers.get("Cookie", "")
        pairs = dict(p.strip().split("=", 1) for p in cookie.split(";") if "=" in p)
        self._json(200, {"cookies": pairs})

    def route_set_cookie(self, rest: list[str], args: Any, body: bytes, parts: Any) -> None:
        self._json(200, {"set": True}, [("Set-Cookie", "session=s3cr3t-session; Path=/")])

    def route_response_headers(self, rest: list[str], args: Any, body: bytes, parts: Any) -> None:
        # A name given twice is sent as two header lines.
        headers = [(k, v) for k, vs in args.items() for v in (vs if isinstance(vs, list) else [vs])]
        self._json(200, args, headers)

    def route_large(self, rest: list[str], args: Any, body: bytes, parts: Any) -> None:
        size = int(args["size"])
        if args.get("chunked") != "1":
            self._send(200, b"x" * size, "text/plain")
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"x" * 65536
        sent = 0
        try:
            while sent < size:
                piece = chunk[: size - sent]
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                sent += len(piece)
            self.wfile.write(b"0\r\n\r\n")
        except OSError:  # the client stopped reading, as it should
            self.close_connection = True

    def route_gzip_bomb(self, rest: list[str], args: Any, body: bytes, parts: Any) -> None:
        # ``size`` zero bytes gzipped ``layers`` times; ``status`` and ``location`` make
        # it a redirect whose body is the bomb.
        layers = int(args.get("layers", 1))
        data = b"\0" * int(args["size"])
        for _ in range(layers):
            data = gzip.compress(data)
        headers = [("Content-Encoding", ", ".join(["gzip"] * layers))]
        if "location" in args:
            headers.append(("Location", args["location"]))
        self._send(int(args.get("status", 200)), data, "text/plain", headers)

    def route_encoded(self, rest: list[str], args: Any, body: bytes, parts: Any) -> None:
        # ``text`` in ``coding``: gzip (or "gzip, identity"), deflate (zlib-wrapped),
        # raw-deflate (labelled deflate, as some servers send it) or any other name,
        # sent as is.
        data, coding = args["text"].encode(), args["coding"]
        if coding in ("gzip", "gzip, identity"):
            data = gzip.compress(data)
        elif coding in ("deflate", "raw-deflate"):
            packer = zlib.compressobj(wbits=zlib.MAX_WBITS if coding == "deflate" else -15)
            data, coding = packer.compress(data) + packer.flush(), "deflate"
        self._send(200, data, args.get("type", "application/json"), [("Content-Encoding", coding)])

    # -- OAuth 2.0 client credentials -------------------------------------------------

    def route_oauth(self, rest: list[str], args: Any, body: bytes, parts: Any) -> None:
        oauth = self.server.oauth
        if rest == ["token"]:
            form = dict(parse_qsl(body.decode()))
            client_id, secret = form.get("client_id"), form.get("client_secret")
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Basic "):
                from urllib.parse import unquote_plus

                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                client_id, secret = unquote_plus(user), unquote_plus(password)
            with oauth.lock:
                oauth.requests.append({"form": form, "basic": auth.startswith("Basic ")})
            grant = form.get("grant_type")
            if grant not in ("client_credentials", "refresh_token"):
                self._json(400, {"error": "unsupported_grant_type"})
                return
            # A refresh grant may come from a public client, which sends no client id.
            public = grant == "refresh_token" and client_id is None
            known = client_id in oauth.clients and oauth.clients[client_id] == secret
            if not public and not known:
                self._json(401, {"error": "invalid_client", "error_description": "bad client"})
                return
            used = form.get("refresh_token", "")
            if grant == "refresh_token" and used not in oauth.refresh_tokens:
                error = {"error": "invalid_grant", "error_description": "unknown refresh token"}
                self._json(400, error)
                return
            reply: dict[str, Any] = {"access_token": oauth.issue(), "token_type": oauth.token_type}
            if grant == "refresh_token" and oauth.rotate_refresh_tokens:
                reply["refresh_token"] = oauth.rotate(used)
            if oauth.expires_in is not None:
                reply["expires_in"] = oauth.expires_in
            self._json(200, reply)
        elif rest == ["protected"]:
            auth = self.headers.get("Authorization", "")
            if not auth.startswith("Bearer ") or auth[7:] not in oauth.tokens:
                self._send(401, headers=[("WWW-Authenticate", 'Bearer error="invalid_token"')])
                return
            self._json(200, {"ok": True})
        else:
            self._json(404, {"error": "not found"})


def _digest_parts(chunks: Iterable[bytes], boundary: bytes) -> list[dict[str, Any]]:
    """Name, file name, content type, size and SHA-256 of each part of a multipart body,
    read chunk by chunk (a tail the length of the delimiter is all that is held back)."""
    delimiter = b"\r\n--" + boundary
    found: list[dict[str, Any]] = []
    buffer, state = b"\r\n", "preamble"  # the first delimiter has no CRLF before it
    digest = hashlib.sha256()
    for chunk in chunks:
        buffer += chunk
        while True:
            if state in ("preamble", "body"):
                at = buffer.find(delimiter)
                keep = len(buffer) - len(delimiter) if at < 0 else at
                if state == "body":
                    digest.update(buffer[: max(keep, 0)])
                    found[-1]["size"] += max(keep, 0)
                if at < 0:
                    buffer = buffer[max(keep, 0) :]
                    break
                if state == "body":
                    found[-1]["sha256"] = digest.hexdigest()
                buffer, state = buffer[at + len(delimiter) :], "delimiter"
            elif state == "delimiter":
                if len(buffer) < 2:
                    break
                if buffer.startswith(b"--"):
                    return found
                buffer, state = buffer[2:], "headers"
            else:  # headers
                end = buffer.find(b"\r\n\r\n")
                if end < 0:
                    break
                head = BytesHeaderParser(policy=HTTP).parsebytes(buffer[: end + 4])
                found.append(
                    {
                        "name": head.get_param("name", header="content-disposition"),
                        "filename": head.get_filename(),
                        "contentType": head.get_content_type(),
                        "size": 0,
                    }
                )
                digest = hashlib.sha256()
                buffer, state = buffer[end + 4 :], "body"
    return found


def start(tls: ssl.SSLContext | None = None, port: int = 0) -> TestServer:
    server = TestServer(("127.0.0.1", port), tls)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
