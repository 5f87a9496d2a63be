"""Throughput of the REST connector against bare httpx, side by side in one run.

A minimal asyncio HTTP/1.1 server (keep-alive, fixed JSON reply) runs in a separate
process so it does not share the client's event loop. The same number of GET requests
then go, at the same concurrency, once through bare ``httpx.AsyncClient`` (``get`` and
``json()``) and once through the connector pipeline (core ``JobExecutor.execute``:
secrets, validation, the request, response parsing, output mapping). Rounds alternate
between the two so drift on a shared machine hits both; the best round of each counts.

The bare client gets the same connection limits as the connector's pooled client, so
the ratio measures the connector's overhead, not a pool setting.

    python benchmarks/http_overhead.py            # 5,000 requests at concurrency 64
    python benchmarks/http_overhead.py --quick    # a smoke run (under 30 s)
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import time
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection

BODY = b'{"ok":true,"id":42,"items":["a","b","c"],"note":"benchmark"}'
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
    + str(len(BODY)).encode()
    + b"\r\nConnection: keep-alive\r\n\r\n"
    + BODY
)


class _Protocol(asyncio.Protocol):
    """Answers every request head with the same response (GET only, no bodies)."""

    def __init__(self) -> None:
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        count = self.buffer.count(b"\r\n\r\n")
        if count and self.transport is not None:
            self.buffer = self.buffer.rsplit(b"\r\n\r\n", 1)[1]
            self.transport.write(RESPONSE * count)


def _serve(ready: Connection) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(_Protocol, "127.0.0.1", 0, backlog=1024)
        ready.send(server.sockets[0].getsockname()[1])
        await asyncio.Future()  # serve until terminated

    asyncio.run(main())


async def _drive(count: int, concurrency: int, request: Callable[[], Awaitable[None]]) -> float:
    left = count

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            await request()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return count / (time.perf_counter() - started)


async def _measure(url: str, count: int, concurrency: int, rounds: int) -> tuple[float, float]:
    import httpx

    from tasklink.core import Completed, Job, JobExecutor, MappingSecretProvider
    from tasklink.http import aclose_clients, connector
    from tasklink.http._policy import current_max_connections
    from tasklink.http._pool import KEEPALIVE_EXPIRY_SECONDS

    limits = httpx.Limits(
        max_connections=current_max_connections(),
        max_keepalive_connections=current_max_connections(),
        keepalive_expiry=KEEPALIVE_EXPIRY_SECONDS,
    )
    bare_client = httpx.AsyncClient(limits=limits)

    async def bare() -> None:
        response = await bare_client.get(url)
        response.raise_for_status()
        response.json()

    executor = JobExecutor(MappingSecretProvider({}))
    operation = connector.get_operation()
    job = Job({"url": url})

    async def tasklink() -> None:
        outcome = await executor.execute(operation, job)
        if not isinstance(outcome, Completed):
            raise RuntimeError(f"the connector failed: {outcome}")

    warmup = max(count // 10, 200)
    await _drive(warmup, concurrency, bare)
    await _drive(warmup, concurrency, tasklink)
    best_bare = best_tasklink = 0.0
    for index in range(rounds):
        bare_rps = await _drive(count, concurrency, bare)
        tasklink_rps = await _drive(count, concurrency, tasklink)
        best_bare, best_tasklink = max(best_bare, bare_rps), max(best_tasklink, tasklink_rps)
        print(
            f"  round {index + 1}: bare {bare_rps:8.0f} req/s   tasklink {tasklink_rps:8.0f} req/s"
        )
    await bare_client.aclose()
    await aclose_clients()
    return best_bare, best_tasklink


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--requests", type=int, default=None, help="requests per round")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args()
    count = args.requests or (1000 if args.quick else 5000)
    rounds = args.rounds or (1 if args.quick else 3)

    receive, send = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(send,), daemon=True)
    server.start()
    try:
        port = receive.recv()
        url = f"http://127.0.0.1:{port}/items/42"
        print(f"{count} GET requests per round, concurrency {args.concurrency}, {rounds} round(s)")
        bare, tasklink = asyncio.run(_measure(url, count, args.concurrency, rounds))
    finally:
        server.terminate()
        server.join(5)
    ratio = tasklink / bare
    print()
    print(f"{'client':<34}{'requests/s':>12}")
    print(f"{'bare httpx.AsyncClient':<34}{bare:>12.0f}")
    print(f"{'tasklink-http (JobExecutor)':<34}{tasklink:>12.0f}")
    print(f"{'ratio (tasklink / bare)':<34}{ratio:>12.3f}")
    print(f"METRIC http_throughput_ratio={ratio:.3f}")
    print(f"METRIC http_bare_rps={bare:.0f}")
    print(f"METRIC http_tasklink_rps={tasklink:.0f}")


if __name__ == "__main__":
    main()
