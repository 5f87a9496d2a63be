"""Hostile HTTP servers against the REST connector (``tasklink-http`` through ``run_job``,
the job path every runtime uses): each job ends within its timeout with a clear code, the
connection is closed behind it, and memory stays bounded whatever the server sends.

The shared client's own tests cover the same limits one level down
(``shared/client/tests/test_deadline.py``: a drip in the head or the body against the
total timeout; ``test_limits.py``: a 64 MB chunked body against the size limit).
"""

from __future__ import annotations

import asyncio
import time

import pytest
from hostile_servers import MB, Handler, HostileServer, PeakMemory, Wire

from tasklink.core import Failed
from tasklink.http import connector
from tasklink.testing import arun_job

#: The job's time limit (the runtime's ``job_timeout``, which cancels the job).
JOB_TIMEOUT = 3.0
#: "Ended within the job's timeout": generous, since other tests load this machine.
ENDED_WITHIN = JOB_TIMEOUT + 7
#: What one job may add to the process's resident set, whatever the server sends.
MEMORY_BOUND_MB = 50


async def request_head(wire: Wire) -> None:
    while await wire.line() not in (b"\r\n", b""):
        pass


async def run(url: str, **inputs: object) -> tuple[Failed, float, float]:
    """The failed job, its seconds, and how many MB the process grew meanwhile."""
    started = time.monotonic()
    with PeakMemory() as memory:
        outcome = await arun_job(connector, {"url": url, **inputs}, timeout=JOB_TIMEOUT, retries=3)
    elapsed = time.monotonic() - started
    assert isinstance(outcome, Failed), outcome
    return outcome, elapsed, memory.growth_mb


# -- a response that drips, one byte per second ---------------------------------------------


async def drip_head(wire: Wire) -> None:
    await request_head(wire)
    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok":
        await wire.send(bytes([byte]))
        await asyncio.sleep(1)


async def drip_body(wire: Wire) -> None:
    await request_head(wire)
    await wire.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3600\r\n\r\n")
    for _ in range(3600):
        await wire.send(b"x")
        await asyncio.sleep(1)


@pytest.mark.parametrize(("part", "handler"), [("head", drip_head), ("body", drip_body)])
async def test_a_response_dripping_one_byte_a_second_ends_at_the_job_timeout(
    part: str, handler: Handler
) -> None:
    # Every byte comes well within the read timeout (10 s by default), so only a deadline
    # over the whole job can end it; the total timeout is left at its 60 s default.
    with HostileServer(handler) as server:
        failed, elapsed, grown = await run(f"http://127.0.0.1:{server.port}/drip")
        closed_after = await server.hung_up()
    assert failed.code == "TIMEOUT", failed
    assert failed.message == f"the operation did not finish within {JOB_TIMEOUT:g} seconds"
    assert elapsed < ENDED_WITHIN
    assert grown < MEMORY_BOUND_MB
    print(
        f"drip ({part}): TIMEOUT after {elapsed:.2f}s, connection closed "
        f"{closed_after:.2f}s later, the server sent {server.sent} bytes, RSS +{grown:.1f} MB"
    )


# -- a chunked body that never ends -----------------------------------------------------------


async def endless_chunks(wire: Wire) -> None:
    await request_head(wire)
    await wire.send(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
    while True:  # until the client hangs up (sending then raises)
        await wire.send(chunk)


async def test_an_endless_chunked_body_stops_at_the_size_limit() -> None:
    with HostileServer(endless_chunks) as server:
        failed, elapsed, grown = await run(f"http://127.0.0.1:{server.port}/endless")
        await server.hung_up()
    assert failed.code == "RESPONSE_TOO_LARGE", failed
    assert "larger than maxResponseBytes (10485760 bytes)" in failed.message
    assert failed.retries == 0  # not retried: the server would send as much again
    assert elapsed < ENDED_WITHIN
    # Read up to the limit (10 MiB by default) and not much further: the rest never came.
    assert 10 * 1024 * 1024 <= server.sent < 10 * 1024 * 1024 + 20 * MB
    assert grown < MEMORY_BOUND_MB
    print(
        f"endless chunked body: RESPONSE_TOO_LARGE after {elapsed:.2f}s, the server sent "
        f"{server.sent / MB:.1f} MB before the client hung up, RSS +{grown:.1f} MB"
    )


# -- huge response headers --------------------------------------------------------------------


async def megabyte_of_headers(wire: Wire) -> None:
    await request_head(wire)
    await wire.send(b"HTTP/1.1 200 OK\r\n")
    for index in range(16_000):  # 16,000 lines of 64 bytes: 1 MB
        await wire.send(b"X-Filler-%05d: " % index + b"a" * 48 + b"\r\n")
    await wire.send(b"Content-Length: 0\r\n\r\n")


async def endless_headers(wire: Wire) -> None:
    await request_head(wire)
    await wire.send(b"HTTP/1.1 200 OK\r\n")
    while True:
        await wire.send(b"X-Again: " + b"a" * 1000 + b"\r\n")


@pytest.mark.parametrize(
    ("what", "handler"), [("1 MB", megabyte_of_headers), ("never ending", endless_headers)]
)
async def test_huge_response_headers_are_refused(what: str, handler: Handler) -> None:
    with HostileServer(handler) as server:
        failed, elapsed, grown = await run(f"http://127.0.0.1:{server.port}/headers")
        await server.hung_up()
    assert failed.code == "RESPONSE_TOO_LARGE", failed
    assert failed.message == (
        f"GET http://127.0.0.1:{server.port}/headers: the response headers are larger than 100 KiB"
    )
    assert failed.retries == 0  # not retried: the same server sends the same headers again
    assert elapsed < ENDED_WITHIN
    # The client stops reading at its limit and hangs up; what the server sent beyond that
    # went into the loopback's socket buffers (a few MB, more under load), never into the
    # client: its memory is the bound that matters (below). An unbounded reader would take
    # all of it, far beyond this.
    assert server.sent < 20 * MB
    assert grown < MEMORY_BOUND_MB
    print(
        f"huge headers ({what}): RESPONSE_TOO_LARGE after {elapsed:.2f}s, "
        f"the server sent {server.sent / MB:.2f} MB, RSS +{grown:.1f} MB"
    )


# -- a TLS handshake that stalls --------------------------------------------------------------


async def silent_tls(wire: Wire) -> None:
    await wire.stall()  # reads the ClientHello, never answers it


async def test_a_stalled_tls_handshake_ends_at_the_job_timeout() -> None:
    with HostileServer(silent_tls) as server:
        failed, elapsed, grown = await run(f"https://127.0.0.1:{server.port}/")
        await server.hung_up()
    assert failed.code == "TIMEOUT", failed
    assert failed.message == f"the operation did not finish within {JOB_TIMEOUT:g} seconds"
    assert elapsed < ENDED_WITHIN
    assert grown < MEMORY_BOUND_MB


async def test_a_stalled_tls_handshake_is_bounded_by_the_connect_timeout() -> None:
    # The handshake is part of connecting: connectionTimeoutInSeconds covers it.
    with HostileServer(silent_tls) as server:
        failed, elapsed, _ = await run(
            f"https://127.0.0.1:{server.port}/", connectionTimeoutInSeconds=1
        )
        await server.hung_up()
    assert failed.code == "TIMEOUT", failed
    assert failed.message == (
        f"GET https://127.0.0.1:{server.port}/ timed out: no connection within 1 s "
        "(connectionTimeoutInSeconds)"
    )
    assert elapsed < JOB_TIMEOUT
