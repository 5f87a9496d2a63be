"""Throughput of the REST connector against bare httpx, side by side in one run.

A minimal asyncio HTTP/1.1 server (keep-alive, fixed JSON reply) runs in a separate
process so it does not share the client's event loop. The same number of GET requests
then go, at the same concurrency, once through bare ``httpx.AsyncClient`` (``get`` and
``json()``) and once through the connector pipeline (core ``JobExecutor.execute``:
secrets, validation, the request, response parsing, output mapping). Short rounds
alternate between the two, each side going first in every other round, so drift on a
shared machine hits both; the ratio is the median of the rounds' ratios.

The bare client gets the same connection limits as the connector's pooled client, so
the ratio measures the connector's overhead, not a pool setting. Both pools hold 16
connections (``--max-connections``, else TASKLINK_HTTP_MAX_CONNECTIONS if set, which the
connector reads): with more, httpcore's pool bookkeeping grows with the square of its
connections, and its cycle of opening one connection per concurrent request and letting
the idle ones expire makes throughput swing fourfold between rounds, for bare httpx as
much as for the connector, so the ratio would measure where in that cycle each side
happened to be.

    python benchmarks/http_overhead.py            # 10 rounds of 500 requests per side
    python benchmarks/http_overhead.py --quick    # 5 rounds of 400: a smoke run (< 30 s)
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
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


async def _measure(
    url: str, count: int, concurrency: int, rounds: int, warmup: int
) -> tuple[list[float], float, float]:
    import httpx

    from tasklink.client import aclose_clients
    from tasklink.client._policy import current_max_connections
    from tasklink.client._pool import KEEPALIVE_EXPIRY_SECONDS
    from tasklink.core import Completed, Job, JobExecutor, MappingSecretProvider
    from tasklink.http import connector

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

    for _ in range(2):
        await _drive(warmup, concurrency, bare)
        await _drive(warmup, concurrency, tasklink)
    ratios: list[float] = []
    bare_rates: list[float] = []
    tasklink_rates: list[float] = []
    for index in range(rounds):
        if index % 2:
            tasklink_rps = await _drive(count, concurrency, tasklink)
            bare_rps = await _drive(count, concurrency, bare)
        else:
            bare_rps = await _drive(count, concurrency, bare)
            tasklink_rps = await _drive(count, concurrency, tasklink)
        ratios.append(tasklink_rps / bare_rps)
        bare_rates.append(bare_rps)
        tasklink_rates.append(tasklink_rps)
        print(
            f"  round {index + 1}: bare {bare_rps:8.0f} req/s   tasklink {tasklink_rps:8.0f} req/s"
        )
    await bare_client.aclose()
    await aclose_clients()
    return ratios, statistics.median(bare_rates), statistics.median(tasklink_rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--requests", type=int, default=None, help="requests per round")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument(
        "--max-connections", type=int, default=None, help="pool size, both sides (default 16)"
    )
    args = parser.parse_args()
    count = args.requests or (400 if args.quick else 500)
    rounds = args.rounds or (5 if args.quick else 10)
    warmup = 400 if args.quick else 1000
    from tasklink.client import ENV_MAX_CONNECTIONS

    if args.max_connections is not None:
        os.environ[ENV_MAX_CONNECTIONS] = str(args.max_connections)
    os.environ.setdefault(ENV_MAX_CONNECTIONS, "16")  # an operator's own setting stays
    connections = os.environ[ENV_MAX_CONNECTIONS]

    receive, send = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(send,), daemon=True)
    server.start()
    try:
        port = receive.recv()
        url = f"http://127.0.0.1:{port}/items/42"
        print(
            f"{count} GET requests per side and round, concurrency {args.concurrency}, "
            f"{connections} connections, {rounds} rounds"
        )
        ratios, bare, tasklink = asyncio.run(_measure(url, count, args.concurrency, rounds, warmup))
    finally:
        server.terminate()
        server.join(5)
    ratio = statistics.median(ratios)
    print()
    print(f"{'client (median of rounds)':<34}{'requests/s':>12}")
    print(f"{'bare httpx.AsyncClient':<34}{bare:>12.0f}")
    print(f"{'tasklink-http (JobExecutor)':<34}{tasklink:>12.0f}")
    print(f"{'ratio (median of round ratios)':<34}{ratio:>12.3f}   (target >= 0.85)")
    print(f"METRIC http_throughput_ratio={ratio:.3f}")
    print(f"METRIC http_bare_rps={bare:.0f}")
    print(f"METRIC http_tasklink_rps={tasklink:.0f}")


if __name__ == "__main__":
    main()
