"""Hostile mail servers against the e-mail connector (``tasklink-email``): an SMTP server
that stops answering after DATA, an IMAP server that sends a never-ending literal or drips
one, and TLS handshakes that stall. Each job ends within its timeout with a clear code,
the connection is closed behind it, and memory stays bounded.

``send`` is async and runs through ``run_job`` with a job timeout (the runtime's
cancellation). The mailbox operations are synchronous (imaplib in a worker thread): they
run through the runtime's :class:`~tasklink.runtime.Pipeline`, whose job timeout cannot
stop a thread, only set the job's cancellation token; the tests check that the thread
stops reading and closes the connection all the same. The package's own tests cover a
server that never greets (``packages/email/tests``: ``test_silent_server_*``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from hostile_servers import MB, HostileServer, PeakMemory, Wire

from tasklink.core import Failed, Job, JobInfo
from tasklink.email import connector
from tasklink.runtime import Pipeline, RuntimeSettings
from tasklink.testing import arun_job

JOB_TIMEOUT = 3.0
ENDED_WITHIN = JOB_TIMEOUT + 7  # generous: other tests load this machine
MEMORY_BOUND_MB = 50

Answer = Callable[[Wire], Awaitable[None]]


def connection(server: HostileServer, **settings: Any) -> dict[str, Any]:
    return {
        "host": "127.0.0.1",
        "port": server.port,
        "security": "none",
        "username": "ada",
        "password": "not-a-secret-123",
        **settings,
    }


# -- SMTP -------------------------------------------------------------------------------------


def smtp(silent_from: str) -> Callable[[Wire], Awaitable[None]]:
    """An SMTP server that says nothing more once it got the DATA command ("DATA") or the
    whole message ("end of data")."""

    async def serve(wire: Wire) -> None:
        await wire.send(b"220 hostile.example ESMTP\r\n")
        while line := await wire.line():
            command = line.strip().upper()
            if command.startswith((b"EHLO", b"HELO")):
                await wire.send(b"250-hostile.example\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
            elif command.startswith(b"AUTH"):
                await wire.send(b"235 2.7.0 accepted\r\n")
            elif command == b"DATA":
                if silent_from == "DATA":
                    break
                await wire.send(b"354 go ahead\r\n")
                while (line := await wire.line()) not in (b".\r\n", b""):
                    pass
                break
            else:
                await wire.send(b"250 2.0.0 ok\r\n")
        await wire.stall()

    return serve


def message(server: HostileServer, **settings: Any) -> dict[str, Any]:
    return {
        "connection": connection(server, **settings),
        "from": "orders@example.com",
        "to": "ada@example.com",
        "subject": "Your order",
        "text": "is on its way",
    }


async def send(variables: dict[str, Any]) -> tuple[Failed, float]:
    started = time.monotonic()
    outcome = await arun_job(connector, variables, operation="send", timeout=JOB_TIMEOUT, retries=3)
    assert isinstance(outcome, Failed), outcome
    return outcome, time.monotonic() - started


@pytest.mark.parametrize("silent_from", ["DATA", "end of data"])
async def test_an_smtp_server_silent_after_data_ends_at_the_job_timeout(silent_from: str) -> None:
    # The server's own timeout (30 s by default) is longer than the job's.
    with HostileServer(smtp(silent_from)) as server:
        failed, elapsed = await send(message(server))
        await server.hung_up()
    assert failed.code == "TIMEOUT", failed
    assert failed.message == f"the operation did not finish within {JOB_TIMEOUT:g} seconds"
    assert failed.retries == 2  # a timeout is retried
    assert elapsed < ENDED_WITHIN
    print(f"SMTP silent after {silent_from}: TIMEOUT after {elapsed:.2f}s")


@pytest.mark.parametrize("silent_from", ["DATA", "end of data"])
async def test_an_smtp_server_silent_after_data_ends_at_the_connection_timeout(
    silent_from: str,
) -> None:
    with HostileServer(smtp(silent_from)) as server:
        failed, elapsed = await send(message(server, timeout=1))
        await server.hung_up()
    assert failed.code == "TIMEOUT", failed
    assert failed.message == f"the SMTP server 127.0.0.1:{server.port} did not answer in time"
    assert elapsed < JOB_TIMEOUT


async def silent(wire: Wire) -> None:
    await wire.stall()  # a TLS server that reads the ClientHello and never answers


async def test_a_stalled_smtp_tls_handshake_ends_at_the_job_timeout() -> None:
    with HostileServer(silent) as server:
        failed, elapsed = await send(message(server, security="tls", verifyCertificate=False))
        await server.hung_up()
    assert failed.code == "TIMEOUT", failed
    assert elapsed < ENDED_WITHIN


# -- IMAP -------------------------------------------------------------------------------------


def imap(answer: Answer) -> Callable[[Wire], Awaitable[None]]:
    """An IMAP server with one message (uid 1) that answers a FETCH of its content (the
    header, for a list; the body, for a read) with ``answer``."""

    async def serve(wire: Wire) -> None:
        await wire.send(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hostile IMAP ready\r\n")
        while line := await wire.line():
            tag, _, rest = line.rstrip(b"\r\n").partition(b" ")
            words = rest.upper().split()
            command = b" ".join(words[:2]) if words[:1] == [b"UID"] else words[0]
            ok = tag + b" OK done\r\n"
            if command == b"CAPABILITY":
                await wire.send(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + ok)
            elif command == b"AUTHENTICATE":
                await wire.send(b"+ \r\n")
                await wire.line()
                await wire.send(ok)
            elif command in (b"SELECT", b"EXAMINE"):
                await wire.send(b"* 1 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n" + ok)
            elif command == b"UID SEARCH":
                await wire.send(b"* SEARCH 1\r\n" + ok)
            elif command == b"UID FETCH" and b"BODY" in rest.upper():
                await answer(wire)
                return
            elif command == b"UID FETCH":
                await wire.send(
                    b'* 1 FETCH (UID 1 FLAGS () RFC822.SIZE 2048 INTERNALDATE "01-Jan-2026 '
                    b'10:00:00 +0000")\r\n' + ok
                )
            elif command == b"LOGOUT":
                await wire.send(b"* BYE\r\n" + ok)
                return
            else:
                await wire.send(ok)

    return serve


async def never_ending_literal(wire: Wire) -> None:
    # Announces 4 GiB (an allocation the kernel grants), then sends for as long as the
    # client reads.
    await wire.send(b"* 1 FETCH (UID 1 BODY[HEADER] {4294967296}\r\n")
    chunk = b"X-Filler: " + b"a" * 65_000 + b"\r\n"
    while True:
        await wire.send(chunk)


async def dripping_literal(wire: Wire) -> None:
    # A literal the client accepts, one byte every 50 ms: the socket timeout never fires.
    await wire.send(b"* 1 FETCH (UID 1 BODY[HEADER] {1048576}\r\n")
    while True:
        await wire.send(b"x")
        await asyncio.sleep(0.05)


async def mailbox_job(operation: str, conn: dict[str, Any]) -> tuple[Failed, float, float]:
    """``operation`` through the runtime's pipeline (a worker thread, the job timeout):
    the failed job, its seconds, and how many MB the process grew meanwhile."""
    variables: dict[str, Any] = {"connection": conn}
    if operation == "imap_read":
        variables["uid"] = 1
    pipeline = Pipeline([connector], RuntimeSettings(job_timeout=JOB_TIMEOUT))
    started = time.monotonic()
    try:
        with PeakMemory() as memory:
            outcome = await pipeline.run(
                connector.operations[operation], Job(variables, info=JobInfo(retries=3))
            )
    finally:
        await pipeline.aclose()
    assert isinstance(outcome, Failed), outcome
    return outcome, time.monotonic() - started, memory.growth_mb


@pytest.mark.parametrize("operation", ["imap_list", "imap_read"])
async def test_a_never_ending_imap_literal_is_refused(operation: str) -> None:
    with HostileServer(imap(never_ending_literal)) as server:
        failed, elapsed, grown = await mailbox_job(operation, connection(server))
        await server.hung_up()
    assert failed.code == "MESSAGE_TOO_LARGE", failed
    assert failed.message == (
        f"the IMAP server 127.0.0.1:{server.port} sent more than 33554432 bytes in answer "
        "to one command (a literal of 4294967296 bytes); the session was ended"
    )
    assert failed.retries == 0  # not retried: the server would do it again
    assert elapsed < ENDED_WITHIN
    assert grown < MEMORY_BOUND_MB
    print(
        f"never-ending IMAP literal ({operation}): MESSAGE_TOO_LARGE after {elapsed:.2f}s, "
        f"the server sent {server.sent / MB:.1f} MB of the 4295 MB it announced, "
        f"RSS +{grown:.1f} MB"
    )


async def test_a_dripping_imap_literal_ends_at_the_job_timeout_and_frees_the_thread() -> None:
    with HostileServer(imap(dripping_literal)) as server:
        failed, elapsed, grown = await mailbox_job("imap_list", connection(server))
        # The worker thread looks at the job's cancellation between reads: it stops
        # reading and closes the connection (the literal would take 14 hours).
        closed_after = await server.hung_up()
    assert failed.code == "TIMEOUT", failed
    assert failed.message == f"the operation did not finish within {JOB_TIMEOUT:g} seconds"
    assert elapsed < ENDED_WITHIN
    assert grown < MEMORY_BOUND_MB
    print(
        f"dripping IMAP literal: TIMEOUT after {elapsed:.2f}s, the worker thread closed the "
        f"connection {closed_after:.2f}s later"
    )


async def test_a_stalled_imap_tls_handshake_ends_within_the_connection_timeout() -> None:
    # A handshake blocks the worker thread in the socket: its timeout bounds it.
    with HostileServer(silent) as server:
        conn = connection(server, security="tls", verifyCertificate=False, timeout=2)
        failed, elapsed, _ = await mailbox_job("imap_list", conn)
        await server.hung_up()
    assert failed.code == "TIMEOUT", failed
    assert failed.message == f"the IMAP server 127.0.0.1:{server.port} did not answer in time"
    assert elapsed < ENDED_WITHIN


# -- POP3 -------------------------------------------------------------------------------------


async def pop3_endless_listing(wire: Wire) -> None:
    """A POP3 server whose UIDL answer never ends (no final dot)."""
    await wire.send(b"+OK hostile POP3 ready\r\n")
    while line := await wire.line():
        command = line.strip().upper().split(b" ")[0]
        if command == b"UIDL":
            await wire.send(b"+OK listing follows\r\n")
            number = 1
            while True:
                await wire.send(
                    b"".join(b"%d uid-%032d\r\n" % (n, n) for n in range(number, number + 500))
                )
                number += 500
        elif command == b"QUIT":
            await wire.send(b"+OK bye\r\n")
            return
        else:
            await wire.send(b"+OK\r\n")


async def test_a_never_ending_pop3_listing_is_refused() -> None:
    with HostileServer(pop3_endless_listing) as server:
        failed, elapsed, grown = await mailbox_job("pop3_list", connection(server))
        await server.hung_up()
    assert failed.code == "MESSAGE_TOO_LARGE", failed
    assert failed.message == (
        f"the POP3 server 127.0.0.1:{server.port} sent more than 16777216 bytes in answer "
        "to one command; the session was ended"
    )
    assert failed.retries == 0
    assert elapsed < ENDED_WITHIN
    assert grown < MEMORY_BOUND_MB
    print(
        f"never-ending POP3 listing: MESSAGE_TOO_LARGE after {elapsed:.2f}s, the server "
        f"sent {server.sent / MB:.1f} MB, RSS +{grown:.1f} MB"
    )
