"""Scale-out on the Activiti path: ``tasklink run --processes N`` beside one process.

The same pre-loaded integration requests (RabbitMQ on 127.0.0.1:5672, persistent, replies
with publisher confirms, as ``activiti_throughput.py`` measures them) are served by one
runtime process and by N = the CPUs of this machine worker processes under one
supervisor, in interleaved rounds, for two workloads:

* **no-op**: the test kit's ``tasklink.testing.fixtures:echo`` ``noop`` operation (the
  runtime's own cost: broker client, pipeline, reply);
* **REST**: the REST connector (``tasklink-http``) calling a local HTTP server (aiohttp,
  in a process of its own) with a GET answered by a small JSON document.

Throughput counts from the moment the runtime's ``/health`` says every worker consumes to
the last reply (workers start one after the other; before that fewer of them run). The
headline ``scale_out_ratio`` is the median over rounds of N-process throughput over
1-process throughput for the no-op workload.

The broker and the HTTP server run on the same machine and take CPU too: the benchmark
measures the broker's share (``beam.smp``) during the N-process runs and states the
honest target of issue 23: ratio >= 0.8 x N' where N' = min(N, the cores the broker and
the HTTP server leave).

    python benchmarks/scale_out.py [--quick] [--rounds R] [--concurrency C]

Prints a table, then ``METRIC scale_out_ratio``, ``METRIC scale_out_cores``,
``METRIC activiti_requests_per_s_all_cores``, ``METRIC scale_out_rest_ratio`` and
``METRIC activiti_rest_requests_per_s_all_cores``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from activiti_throughput import URL, Workload, free_port, measure

from tasklink.testing.fixtures import echo

HERE = Path(__file__).resolve().parent


def cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def cpu_of(name: str) -> float:
    """CPU seconds used so far by every process whose command is ``name``."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != name:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


# -- the local HTTP server (a subprocess) -----------------------------------------------------


def serve_http(port: int) -> None:
    from aiohttp import web

    async def ok(request: web.Request) -> web.Response:
        return web.json_response({"status": "shipped", "id": request.query.get("id", "")})

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/ok", ok)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        print("ready", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


class HttpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve-http", str(self.port)], stdout=subprocess.PIPE
        )
        assert self.process.stdout is not None
        if self.process.stdout.readline().decode().strip() != "ready":
            self.process.kill()
            raise SystemExit("the local HTTP server did not start")

    def cpu(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(10)


# -- the runs -----------------------------------------------------------------------------------


def workloads(http_port: int) -> list[Workload]:
    return [
        Workload(
            "no-op",
            "echo.NOOP",
            ("--no-discover", "--load", "tasklink.testing.fixtures:echo"),
            served=tuple(op.qualified_name for op in echo.operations.values()),
            variables={},
        ),
        Workload(
            "REST",
            "http.REQUEST",
            ("--connector", "http"),
            served=("http.REQUEST",),
            variables={"method": "GET", "url": f"http://127.0.0.1:{http_port}/ok"},
            env={"TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS": "false"},
        ),
    ]


async def bench(args: argparse.Namespace) -> None:
    n = args.processes or cores()
    rounds = args.rounds or (3 if args.quick else 7)
    sizes = {"no-op": 3000 if args.quick else 12000, "REST": 1000 if args.quick else 5000}
    prefix = f"scale{uuid.uuid4().hex[:8]}"
    server = HttpServer()
    results: dict[str, dict[int, list[float]]] = {}
    broker_share: list[float] = []
    server_share: list[float] = []
    try:
        for work in workloads(server.port):
            requests = sizes[work.name]
            runs: dict[int, list[float]] = {1: [], n: []}
            # Warm-up: the broker's queues, the disk, the runtime's imports.
            await measure("tasklink", args.url, prefix, 300, args.concurrency, workload=work)
            for index in range(rounds):
                order = (1, n) if index % 2 == 0 else (n, 1)
                for processes in order:
                    started, broker, http = time.perf_counter(), cpu_of("beam.smp"), server.cpu()
                    row = await measure(
                        "tasklink",
                        args.url,
                        prefix,
                        requests,
                        args.concurrency,
                        workload=work,
                        processes=processes,
                        from_ready=True,
                    )
                    runs[processes].append(row["rate"])
                    if processes == n and n > 1:
                        wall = time.perf_counter() - started
                        broker_share.append((cpu_of("beam.smp") - broker) / wall)
                        if work.name == "REST":
                            server_share.append((server.cpu() - http) / wall)
            results[work.name] = runs
    finally:
        server.close()

    ratios = {
        name: statistics.median(many / one for one, many in zip(runs[1], runs[n], strict=True))
        for name, runs in results.items()
    }
    broker = max(broker_share, default=0.0)
    http = max(server_share, default=0.0)
    free = max(n - broker - http, 0.0)
    print()
    print(
        f"Activiti scale-out: 1 process vs {n} worker processes on {cores()} CPUs, prefetch "
        f"{args.concurrency} per process, median of {rounds} interleaved rounds"
    )
    print(f"{'workload':<10}{'1 process req/s':>17}{f'{n} processes req/s':>20}{'ratio':>8}")
    for name, runs in results.items():
        print(
            f"{name:<10}{statistics.median(runs[1]):>17.0f}"
            f"{statistics.median(runs[n]):>20.0f}{ratios[name]:>8.2f}"
        )
    print(
        f"during the {n}-process runs the broker used up to {broker:.2f} cores and the HTTP "
        f"server up to {http:.2f}: {free:.2f} of {n} cores were left for the runtime"
    )
    target = 0.8 * max(min(float(n), free), 1.0)
    print(f"target (issue 23): ratio >= 0.8 x min(N, cores left) = {target:.2f}")
    print()
    print(f"METRIC scale_out_ratio={ratios['no-op']:.2f}")
    print(f"METRIC scale_out_cores={n}")
    print(f"METRIC activiti_requests_per_s_all_cores={statistics.median(results['no-op'][n]):.0f}")
    print(f"METRIC scale_out_rest_ratio={ratios['REST']:.2f}")
    print(
        f"METRIC activiti_rest_requests_per_s_all_cores={statistics.median(results['REST'][n]):.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (under 60 s)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds per workload")
    parser.add_argument("--processes", type=int, help="N (default: the CPU count)")
    parser.add_argument("--concurrency", type=int, default=64, help="prefetch per process")
    parser.add_argument("--url", default=URL, help="RabbitMQ URL")
    parser.add_argument("--serve-http", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_http:
        serve_http(args.serve_http)
        return
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
