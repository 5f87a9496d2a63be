"""Jobs per second through the Camunda REST worker, beside a bare httpx loop.

Both sides drive the same fake Orchestration Cluster gateway (the one the contract tests
use, in its own process so it does not share a core with the worker) with the same jobs:

* ``bare httpx``: a minimal hand-written loop, the limit: activate up to C jobs, complete
  them all concurrently with an empty result, repeat;
* ``tasklink``: ``CamundaWorker`` over ``RestGateway`` with the runtime ``Pipeline``
  (metrics on) and a no-op connector: input validation, the job path of core, outcome
  mapping, bounded concurrency, long polling.

Several short rounds alternate between the two (the order flips every round) and the
headline is the median of the rounds' ratios, ``camunda_throughput_ratio = tasklink /
bare`` (target >= 0.7): each round's two runs are back to back, so their ratio cancels
the machine's speed at that moment, and a burst of load from another process spoils a
round or two, not the median (as ``core_overhead.py`` does). The worker process's CPU
time per job is shown beside it.

    python benchmarks/camunda_overhead.py [--quick] [--jobs N] [--concurrency C] [--validate]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel

from tasklink.core import Connector, InputModel, field
from tasklink.runtime import Pipeline, RuntimeSettings
from tasklink.runtime.camunda import CamundaWorker, RestGateway, WorkerOptions

ROOT = Path(__file__).resolve().parents[1]
FAKES = ROOT / "packages" / "runtime" / "tests" / "camunda"
JOB_TYPE = "tasklink-bench:noop:1"


noop = Connector(
    id="io.tasklink.bench.noop",
    name="bench-noop",
    title="No-op",
    job_type=JOB_TYPE,
    description="Does nothing",
    package="tasklink.runtime",
)


class NoopInput(InputModel):
    payload: str = field("", description="Ignored")


class NoopOutput(BaseModel):
    pass


@noop.operation(name="No-op", description="Do nothing")
async def nothing(input: NoopInput) -> NoopOutput:
    return NoopOutput()


# -- the gateway process ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_gateway(port: int, validate: bool) -> None:
    """Run the fake gateway on ``port`` until killed (the child process)."""
    sys.path.insert(0, str(FAKES))
    from camunda_fakes import JobStore
    from camunda_fakes.rest import FakeRestGateway

    spec = None
    if validate:
        from tasklink.testing import OpenAPISpec, shared_kit_dir

        kit = shared_kit_dir(ROOT)
        if kit is None:
            raise SystemExit("--validate needs the developer kit (TASKLINK_SHARED_DIR)")
        spec = OpenAPISpec.load(kit / "specs/camunda/rest-api.bundle.json")

    async def main() -> None:
        fake = FakeRestGateway(JobStore(), spec, validate=validate)
        await fake.start(port)
        print("ready", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


class GatewayProcess:
    def __init__(self, validate: bool) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve-gateway", str(self.port)]
            + (["--validate"] if validate else []),
            stdout=subprocess.PIPE,
            env=env,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode().strip()
        if line != "ready":
            self.process.kill()
            raise SystemExit(f"the fake gateway did not start (said {line!r})")

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(10)

    async def load(self, client: httpx.AsyncClient, count: int) -> None:
        await client.post(f"{self.url}/_control/reset")
        response = await client.post(
            f"{self.url}/_control/jobs",
            json={"type": JOB_TYPE, "count": count, "variables": {"payload": "x" * 64}},
        )
        response.raise_for_status()

    async def wait(self, client: httpx.AsyncClient) -> None:
        response = await client.get(
            f"{self.url}/_control/wait", params={"type": JOB_TYPE}, timeout=300
        )
        response.raise_for_status()


# -- the two sides ----------------------------------------------------------------------------


async def bare_round(gateway: GatewayProcess, jobs: int, concurrency: int) -> float:
    """A minimal activation / completion loop on httpx; returns jobs per second."""
    limits = httpx.Limits(
        max_connections=concurrency + 4, max_keepalive_connections=concurrency + 4
    )
    async with httpx.AsyncClient(base_url=gateway.url + "/v2", limits=limits) as client:
        await gateway.load(client, jobs)
        started = time.perf_counter()
        done = 0
        while done < jobs:
            response = await client.post(
                "/jobs/activation",
                json={
                    "type": JOB_TYPE,
                    "worker": "bare",
                    "timeout": 60_000,
                    "maxJobsToActivate": concurrency,
                    "fetchVariable": ["payload"],
                    "requestTimeout": 1_000,
                },
            )
            activated = response.json()["jobs"]

            async def complete(job: dict[str, Any], client: httpx.AsyncClient = client) -> None:
                await client.post(f"/jobs/{job['jobKey']}/completion", json={"variables": {}})

            await asyncio.gather(*(complete(job) for job in activated))
            done += len(activated)
        elapsed = time.perf_counter() - started
    return jobs / elapsed


async def tasklink_round(gateway: GatewayProcess, jobs: int, concurrency: int) -> float:
    """The Camunda worker with the runtime pipeline and a no-op connector."""
    settings = RuntimeSettings(concurrency=concurrency, grace_period=5)
    pipeline = Pipeline([noop], settings)
    rest = RestGateway(gateway.url, max_connections=concurrency + 4)
    worker = CamundaWorker(pipeline, rest, WorkerOptions(request_timeout_ms=1_000))
    async with httpx.AsyncClient() as control:
        await gateway.load(control, jobs)
        started = time.perf_counter()
        serving = asyncio.ensure_future(worker.serve())
        await gateway.wait(control)
        elapsed = time.perf_counter() - started
    worker.stop()
    await serving
    await pipeline.drain()
    await rest.aclose()
    await pipeline.aclose()
    return jobs / elapsed


# -- main -------------------------------------------------------------------------------------


async def bench(args: argparse.Namespace) -> None:
    jobs = args.jobs or (500 if args.quick else 1500)
    rounds = args.rounds or (9 if args.quick else 21)
    gateway = GatewayProcess(args.validate)
    sides = {"bare httpx": bare_round, "tasklink": tasklink_round}
    results: dict[str, list[float]] = {side: [] for side in sides}
    cpu: dict[str, list[float]] = {side: [] for side in sides}
    try:
        for run_round in sides.values():  # warm-up: imports, connections, caches
            await run_round(gateway, min(jobs, 100), args.concurrency)
        for index in range(rounds):
            # Back to back, the order flipped every round, so drift hits both sides alike.
            order = list(sides.items())
            for side, run_round in order if index % 2 == 0 else reversed(order):
                started = time.process_time()
                results[side].append(await run_round(gateway, jobs, args.concurrency))
                cpu[side].append((time.process_time() - started) * 1000 / jobs)
        async with httpx.AsyncClient() as control:
            response = await control.get(f"{gateway.url}/_control/violations")
            violations = response.json()["violations"]
    finally:
        gateway.close()
    ratios = [t / b for t, b in zip(results["tasklink"], results["bare httpx"], strict=True)]
    ratio = statistics.median(ratios)
    print(
        f"Camunda REST worker, {jobs} no-op jobs per round, median of {rounds} interleaved "
        f"rounds, concurrency {args.concurrency}, gateway validation "
        f"{'on' if args.validate else 'off'}"
    )
    print(f"{'side':<12} {'median jobs/s':>14} {'worker CPU ms/job':>18}")
    for side, values in results.items():
        median_cpu = statistics.median(cpu[side])
        print(f"{side:<12} {statistics.median(values):>14,.0f} {median_cpu:>18.2f}")
    rendered = ", ".join(f"{r:.2f}" for r in ratios)
    print(f"{'ratio':<12} {ratio:>14.2f}   (rounds: {rendered})")
    if args.validate:
        print(f"OpenAPI contract violations: {len(violations)}")
        for violation in violations[:10]:
            print(f"  {violation}")
    print(f"METRIC camunda_tasklink_jobs_per_second={statistics.median(results['tasklink']):.0f}")
    print(f"METRIC camunda_bare_jobs_per_second={statistics.median(results['bare httpx']):.0f}")
    print(f"METRIC camunda_throughput_ratio={ratio:.2f}")
    if violations:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run under 30 s")
    parser.add_argument("--jobs", type=int, help="jobs per round")
    parser.add_argument("--rounds", type=int, help="rounds per side")
    parser.add_argument("--concurrency", type=int, default=32, help="jobs in flight")
    parser.add_argument(
        "--validate", action="store_true", help="check every exchange against the OpenAPI spec"
    )
    parser.add_argument("--serve-gateway", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_gateway:
        serve_gateway(args.serve_gateway, args.validate)
        return
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
