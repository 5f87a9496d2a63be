"""Soak: many jobs through the Activiti runtime with the REST connector, watching the
runtime's memory and open file descriptors.

The runtime runs as its own process (``tasklink run --engine activiti --connector http``)
against the RabbitMQ of this machine (127.0.0.1:5672); the REST connector calls a small
keep-alive HTTP server on 127.0.0.1 (another process: this script with
``--http-server``). This script plays the runtime bundle: it publishes integration
requests for ``http.REQUEST`` as Activiti Cloud does, keeping a window of them
outstanding (a steady load, not a queue of 100,000), and consumes the integration
results, checking each. After a warm-up (the first tenth of the jobs) it reads the
runtime's resident set (``VmRSS``) and its open file descriptors (``/proc/<pid>/fd``),
again when every job is answered, both times at rest in the same state (see
``Driver.settle``: pooled HTTP connections come and go with the load), and samples them
under load for the table.

    python benchmarks/soak.py [--quick] [--jobs N] [--concurrency C]

100,000 jobs (10,000 with ``--quick``). Prints a table, then
``METRIC soak_rss_growth_pct=...`` (RSS growth after warm-up, target at most 10),
``METRIC soak_fd_growth=...`` (file descriptors at the end minus after warm-up, target 0)
and ``METRIC soak_jobs_per_s=...``. Exits non-zero when a job is lost or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

URL = "amqp://guest:guest@127.0.0.1:5672/"
SCRIPT = str(Path(__file__).resolve())
DESTINATION = "http.REQUEST"


# -- the HTTP server (a subprocess) ------------------------------------------------------------


async def http_server() -> None:
    """HTTP/1.1 with keep-alive: every GET gets a small JSON body naming its path. Prints
    its port, then serves until SIGTERM."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while request_line := await reader.readline():
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if length:
                    await reader.readexactly(length)
                path = request_line.split(b" ")[1].decode("ascii", "replace")
                body = json.dumps({"order": path.rsplit("/", 1)[-1], "status": "shipped"})
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(body), body.encode())
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, backlog=1024)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await stop.wait()


# -- the runtime process ------------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


async def wait_healthy(port: int, process: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.returncode is not None:
            raise SystemExit(f"the runtime exited early (exit {process.returncode})")
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            status = (await reader.readline()).split()
            writer.close()
            if len(status) > 1 and status[1] == b"200":
                return
        except OSError:
            pass
        await asyncio.sleep(0.1)
    raise SystemExit("the runtime did not become healthy within 60 s")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the driver ---------------------------------------------------------------------------------


def request(index: int, result_destination: str, base: str) -> bytes:
    """An integration request for ``http.REQUEST`` as Activiti Cloud's runtime bundle
    sends it."""
    document = {
        "appName": "soak-app",
        "appVersion": "1",
        "serviceName": "soak-rb",
        "serviceFullName": "soak-rb",
        "serviceType": "runtime-bundle",
        "serviceVersion": "",
        "resultDestination": result_destination,
        "errorDestination": result_destination,
        "integrationContext": {
            "id": f"soak-{index}",
            "processInstanceId": str(uuid.uuid4()),
            "rootProcessInstanceId": str(uuid.uuid4()),
            "executionId": str(uuid.uuid4()),
            "processDefinitionId": "Process_soak:1:x",
            "processDefinitionKey": "Process_soak",
            "processDefinitionVersion": 1,
            "businessKey": f"order-{index}",
            "clientId": "ServiceTask_1",
            "clientType": "ServiceTask",
            "appVersion": "1",
            "connectorType": DESTINATION,
            "inBoundVariables": {"method": "GET", "url": f"{base}/orders/{index}"},
            "outBoundVariables": {},
        },
    }
    return json.dumps(document).encode()


#: httpcore closes a pooled connection idle this long (its default ``keepalive_expiry``)
#: when the pool is next used: the quiet pause before each measurement is longer.
KEEPALIVE_EXPIRY = 5.0


@dataclass
class Sample:
    done: int
    seconds: float
    rss_mb: float
    fds: int


@dataclass
class Run:
    """The jobs (numbered from 0), what came back, and the samples of the runtime."""

    jobs: int
    warmup: int
    pid: int = 0
    answered: set[int] = field(default_factory=set)
    duplicates: int = 0
    failures: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)  # while the load runs
    settled: list[Sample] = field(default_factory=list)  # after warm-up, at the end
    started: float = field(default_factory=time.perf_counter)

    def sample(self) -> Sample:
        return Sample(
            len(self.answered),
            time.perf_counter() - self.started,
            rss_mb(self.pid),
            open_fds(self.pid),
        )


async def drive(args: argparse.Namespace) -> Run:
    import aio_pika

    prefix = f"soak{uuid.uuid4().hex[:8]}"
    exchange_name = f"{prefix}_{DESTINATION}"
    queue_name = f"{exchange_name}.tasklink"
    results_name = f"integrationResult_{prefix}-rb"
    server = await asyncio.create_subprocess_exec(
        sys.executable, SCRIPT, "--http-server", stdout=asyncio.subprocess.PIPE
    )
    assert server.stdout is not None
    base = f"http://127.0.0.1:{int(await server.stdout.readline())}"
    metrics_port = free_port()
    env = dict(os.environ)
    # `tasklink run` refuses loopback addresses unless the operator opens them.
    env["TASKLINK_HTTP_ALLOWED_NETWORKS"] = "127.0.0.1/32"
    # Near the connections the server needs, not the job concurrency (client README).
    env.setdefault("TASKLINK_HTTP_MAX_CONNECTIONS", "16")
    runtime = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tasklink.runtime", "run", "--engine", "activiti",
        "--connector", "http", "--concurrency", str(args.concurrency),
        "--destination-prefix", prefix, "--amqp-url", args.url, "--log-level", "WARNING",
        "--grace-period", "5", "--metrics-port", str(metrics_port),
        "-o", f"connection_name=tasklink-soak-{prefix}", env=env,
    )  # fmt: skip
    connection = await aio_pika.connect(args.url)
    run = Run(jobs=args.jobs, warmup=max(args.jobs // 10, 1), pid=runtime.pid)
    try:
        channel = await connection.channel(publisher_confirms=True)
        await channel.set_qos(prefetch_count=2000)
        results_exchange = await channel.declare_exchange(
            results_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        results = await channel.declare_queue(f"{results_name}.soak", durable=True)
        await results.bind(results_exchange, "#")
        await wait_healthy(metrics_port, runtime)
        exchange = await channel.get_exchange(exchange_name)
        driver = Driver(run, exchange, results_name, base, window=args.concurrency * 4)
        tag = await results.consume(driver.on_result, no_ack=True)
        try:
            # Warm-up, then the rest; each phase ends settled: see Driver.settle.
            await driver.jobs(0, run.warmup, checkpoints=set())
            run.settled.append(await driver.settle())
            checkpoints = {run.jobs * k // 10 for k in range(2, 11)}
            await driver.jobs(run.warmup, run.jobs, checkpoints=checkpoints)
            run.settled.append(await driver.settle())
        finally:
            await results.cancel(tag)
        return run
    finally:
        runtime.send_signal(signal.SIGTERM)
        await asyncio.wait_for(runtime.wait(), 30)
        server.send_signal(signal.SIGTERM)
        await asyncio.wait_for(server.wait(), 30)
        cleanup = await connection.channel()
        for name in (queue_name, f"{queue_name}.dlq", f"{results_name}.soak"):
            await cleanup.queue_delete(name)
        for name in (exchange_name, results_name):
            await cleanup.exchange_delete(name)
        await connection.close()


class Driver:
    """Publishes jobs keeping ``window`` outstanding, and checks each result."""

    def __init__(
        self, run: Run, exchange: Any, results_name: str, base: str, *, window: int
    ) -> None:
        self.run = run
        self.exchange = exchange
        self.results_name = results_name
        self.base = base
        self.window = window
        self.room = asyncio.Event()
        self.checkpoints: set[int] = set()
        self.probes = 0

    async def on_result(self, message: Any) -> None:
        run = self.run
        document = json.loads(message.body)
        context = document["integrationContext"]
        index = int(context["id"].removeprefix("soak-"))
        if index in run.answered:
            run.duplicates += 1
            return
        run.answered.add(index)
        out = context.get("outBoundVariables") or {}
        if document.get("errorCode") or out.get("status") != 200:
            run.failures.append(f"soak-{index}: {document.get('errorMessage') or out}")
        elif out.get("body") != {"order": str(index), "status": "shipped"}:
            run.failures.append(f"soak-{index}: unexpected body {out.get('body')!r}")
        if len(run.answered) in self.checkpoints:
            run.samples.append(run.sample())
        self.room.set()

    async def publish(self, indexes: range) -> None:
        import aio_pika

        await asyncio.gather(
            *(
                self.exchange.publish(
                    aio_pika.Message(
                        request(index, self.results_name, self.base),
                        content_type="application/json",
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    ),
                    DESTINATION,
                )
                for index in indexes
            )
        )

    async def until_answered(self, count: int) -> None:
        async def wait() -> None:
            while len(self.run.answered) < count:
                self.room.clear()
                await self.room.wait()

        try:
            await asyncio.wait_for(wait(), timeout=max(120, count / 50))
        except TimeoutError:
            raise SystemExit(
                f"only {len(self.run.answered)} of {count} jobs were answered in time"
            ) from None

    async def jobs(self, first: int, end: int, *, checkpoints: set[int]) -> None:
        """Jobs ``first`` to ``end - 1``, at most ``window`` outstanding; returns when
        every one is answered."""
        self.checkpoints = checkpoints
        sent = first
        while sent < end:
            self.room.clear()
            batch = min(self.window - (sent - len(self.run.answered)), end - sent, 200)
            if batch <= 0:
                await self.room.wait()
                continue
            await self.publish(range(sent, sent + batch))
            sent += batch
        await self.until_answered(end)

    async def settle(self) -> Sample:
        """The runtime at rest, the same way each time: idle past the HTTP keep-alive
        expiry, then one job (which lets the pool close its expired connections), then
        a sample. Comparable states, so what grew between two of them stays."""
        await asyncio.sleep(KEEPALIVE_EXPIRY + 1)
        self.probes += 1
        probe = self.run.jobs + self.probes - 1  # numbered after the jobs
        answered = len(self.run.answered) + 1  # counted first: the answer may come at once
        await self.publish(range(probe, probe + 1))
        await self.until_answered(answered)
        await asyncio.sleep(0.2)
        return self.run.sample()


def report(run: Run, args: argparse.Namespace) -> int:
    warm, end = run.settled
    rss_growth = (end.rss_mb - warm.rss_mb) / warm.rss_mb * 100
    fd_growth = end.fds - warm.fds
    load = [s for s in run.samples if s.done > run.warmup]
    rate = (load[-1].done - run.warmup) / (load[-1].seconds - warm.seconds)
    print()
    print(
        f"Soak: {run.jobs} jobs through the Activiti runtime (REST connector against a "
        f"local HTTP server), concurrency {args.concurrency}, warm-up {run.warmup} jobs"
    )
    print(f"{'':<22}{'jobs answered':>14}{'seconds':>10}{'runtime RSS MB':>16}{'open fds':>10}")
    rows = [("settled after warm-up", warm), *(("under load", s) for s in load)]
    rows.append(("settled at the end", end))
    for label, s in rows:
        print(f"{label:<22}{s.done:>14}{s.seconds:>10.1f}{s.rss_mb:>16.1f}{s.fds:>10}")
    lost = run.jobs + len(run.settled) - len(run.answered)
    print(
        f"settled (idle past the keep-alive expiry, then one job): RSS {warm.rss_mb:.1f} -> "
        f"{end.rss_mb:.1f} MB ({rss_growth:+.2f} %), open fds {warm.fds} -> {end.fds} "
        f"({fd_growth:+d}); {rate:.0f} jobs/s after warm-up"
    )
    print(f"lost {lost}, answered twice {run.duplicates}, failed {len(run.failures)}")
    for failure in run.failures[:5]:
        print(f"  {failure}")
    print()
    print(f"METRIC soak_rss_growth_pct={rss_growth:.2f}")
    print(f"METRIC soak_fd_growth={fd_growth}")
    print(f"METRIC soak_jobs_per_s={rate:.0f}")
    return 1 if lost or run.failures else 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 jobs instead of 100,000")
    parser.add_argument("--jobs", type=int, help="how many jobs")
    parser.add_argument("--concurrency", type=int, default=32, help="the runtime's concurrency")
    parser.add_argument("--url", default=URL, help="RabbitMQ URL")
    parser.add_argument("--http-server", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.jobs = args.jobs or (10_000 if args.quick else 100_000)
    return args


def main() -> int:
    args = parse_args()
    if args.http_server:
        asyncio.run(http_server())
        return 0
    return report(asyncio.run(drive(args)), args)


if __name__ == "__main__":
    sys.exit(main())
