"""Servers that misbehave on purpose, and the memory a call costs.

:class:`HostileServer` runs an asyncio TCP (or TLS) server on 127.0.0.1 in a thread of its
own, so the job under test may block its own event loop (``run_job`` runs synchronous
operations inline) and the server still goes on misbehaving. It counts what it sent and
notices when the client hangs up. :class:`PeakMemory` measures how much the process's
resident set grew while a call ran (the kernel's peak, ``VmHWM``, reset first).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

__all__ = ["MB", "Handler", "HostileServer", "PeakMemory", "Wire"]

MB = 1_000_000


class Wire:
    """One client connection, as a handler sees it: read lines, send (counted)."""

    def __init__(
        self, server: HostileServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer

    async def line(self) -> bytes:
        """The next line from the client; ``b""`` when it hung up."""
        try:
            return await self.reader.readline()
        except (ConnectionError, ValueError):  # reset, or a line over the stream's limit
            return b""

    async def send(self, data: bytes) -> None:
        """Send and wait until it left (raises ConnectionError once the client is gone)."""
        self.writer.write(data)
        await self.writer.drain()
        self.server.sent += len(data)

    async def stall(self) -> None:
        """Say nothing more, read nothing more: until the client hangs up."""
        with contextlib.suppress(ConnectionError):
            while await self.reader.read(65536):
                pass


Handler = Callable[[Wire], Awaitable[None]]


class HostileServer:
    """``handler`` serves each connection (in the server's own thread and loop)."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.port = 0
        self.sent = 0
        self.connections = 0
        self.closed = 0  # connections that ended (the client closed or reset them)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hostile-server", daemon=True)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("the hostile server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        # Plain TCP: a "TLS server" here is one that reads the ClientHello and stalls.
        server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop.wait()
            server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            await self.handler(Wire(self, reader, writer))
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            self.closed += 1
            writer.close()

    async def hung_up(self, count: int = 1, within: float = 10.0) -> float:
        """Seconds until ``count`` connections ended; fails after ``within``. (Polls
        without blocking the caller's loop, which may still have to close its socket.)"""
        loop = asyncio.get_running_loop()
        started = loop.time()
        while self.closed < count:
            if loop.time() - started > within:
                raise AssertionError(
                    f"the client kept {count - self.closed} connection(s) open for {within:g} s"
                )
            await asyncio.sleep(0.02)
        return loop.time() - started


def _status_kib(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {name} in /proc/self/status")


class PeakMemory:
    """Growth of the process's peak resident set during the block, in MB: the kernel's
    ``VmHWM``, reset at the start (``/proc/self/clear_refs``); where the reset is not
    allowed, the largest ``VmRSS`` a thread sampling every millisecond saw."""

    growth_mb: float

    def __enter__(self) -> PeakMemory:
        self._sampler: threading.Thread | None = None
        try:
            Path("/proc/self/clear_refs").write_text("5")  # VmHWM := the current RSS
        except OSError:
            self._peak = 0
            self._done = threading.Event()
            self._sampler = threading.Thread(target=self._sample, daemon=True)
            self._sampler.start()
        self.start = _status_kib("VmRSS")
        return self

    def _sample(self) -> None:
        while not self._done.wait(0.001):
            self._peak = max(self._peak, _status_kib("VmRSS"))

    def __exit__(self, *exc: object) -> None:
        if self._sampler is None:
            peak = _status_kib("VmHWM")
        else:
            self._done.set()
            self._sampler.join()
            peak = self._peak
        self.growth_mb = (peak - self.start) * 1024 / MB
