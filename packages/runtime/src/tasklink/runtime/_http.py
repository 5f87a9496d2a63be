"""A tiny HTTP server for ``/health`` and Prometheus ``/metrics`` (stdlib asyncio only)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from ._metrics import CONTENT_TYPE

if TYPE_CHECKING:
    from ._pipeline import Pipeline

__all__ = ["Response", "Route", "start_http_server", "start_server"]

_log = logging.getLogger("tasklink.runtime.http")

_MAX_HEADER_BYTES = 16 * 1024
_REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    503: "Service Unavailable",
}

#: Status, content type and body of an answer.
Response = tuple[int, str, bytes]
#: Answers ``GET /health`` or ``GET /metrics`` (the path is one of the two).
Route = Callable[[str], Awaitable[Response]]


async def start_http_server(pipeline: Pipeline, host: str, port: int) -> asyncio.Server:
    """Serve ``GET /health`` (200 when ready; 503 while starting, stopping, disconnected
    or saturated) and ``GET /metrics``."""

    async def route(path: str) -> Response:
        if path == "/metrics":
            return 200, CONTENT_TYPE, pipeline.metrics.render()
        return health(pipeline)

    return await start_server(route, host, port)


async def start_server(route: Route, host: str, port: int) -> asyncio.Server:
    """Serve ``GET /health`` and ``GET /metrics`` with ``route``; other paths and methods
    get 404 and 405."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
            status, content_type, body = await _respond(route, head)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            status, content_type, body = 400, "text/plain", b"bad request\n"
        except ConnectionError:
            writer.close()
            return
        header = (
            f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode("ascii")
        try:
            writer.write(header + body)
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, host, port, limit=_MAX_HEADER_BYTES)
    bound = server.sockets[0].getsockname() if server.sockets else (host, port)
    _log.info("serving /health and /metrics on http://%s:%s", bound[0], bound[1])
    return server


async def _respond(route: Route, head: bytes) -> Response:
    request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = request_line.split()
    if len(parts) != 3:
        return 400, "text/plain", b"bad request\n"
    method, target, _ = parts
    path = target.split("?", 1)[0]
    if path not in ("/health", "/metrics"):
        return 404, "text/plain", b"not found; try /health or /metrics\n"
    if method != "GET":
        return 405, "text/plain", b"method not allowed\n"
    return await route(path)


def health(pipeline: Pipeline) -> Response:
    """The ``/health`` answer of one pipeline."""
    ready, status = pipeline.ready, pipeline.status
    if ready and pipeline.saturated:
        # Serving, but every slot has been taken for a while: new jobs wait.
        ready, status = False, "saturated"
    document = {
        "status": status,
        "ready": ready,
        "in_flight": pipeline.in_flight,
        "concurrency": pipeline.settings.concurrency,
        "saturated_seconds": round(pipeline.saturated_for, 3),
        "operations": len(pipeline.operations),
    }
    body = json.dumps(document).encode() + b"\n"
    return (200 if ready else 503), "application/json", body
