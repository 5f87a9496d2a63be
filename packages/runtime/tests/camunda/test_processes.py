"""``tasklink run --engine camunda --processes N``: workers activating jobs in parallel.

The fake gateway (``camunda_fakes``, on loopback in the test process, without the API
check as in ``test_faults.py``) records every poll and activation. Two workers of
concurrency 4 share 200 jobs: both take some (each completion names the process that ran
the job), no poll asks for more than one worker's slots, and the jobs locked at any moment
never exceed ``processes x concurrency``; ``/metrics`` sums both; SIGTERM drains both and
the supervisor exits 0. ``--processes auto`` starts one worker per CPU.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from camunda_fakes import JobStore
from camunda_fakes.rest import FakeRestGateway
from runtime_process import free_port, http_get, metric, wait_healthy

from tasklink.runtime._settings import cpu_count

SUPPORT = Path(__file__).resolve().parents[1] / "support"
PID = "tasklink-test:pid:1"
CONCURRENCY = 4
JOBS = 200


def _environment() -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CAMUNDA_", "ZEEBE_", "TASKLINK_"))
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SUPPORT), env.get("PYTHONPATH")]))
    return env


async def start(gateway: FakeRestGateway, processes: str, port: int, log: Path) -> Any:
    argv = [
        sys.executable, "-m", "tasklink.runtime", "run", "--engine", "camunda",
        "--no-discover", "--load", "worker_pid:connector", "--processes", processes,
        "--concurrency", str(CONCURRENCY), "--grace-period", "10",
        "--metrics-port", str(port), "--log-level", "INFO",
        "-o", f"rest_address={gateway.url}", "-o", "request_timeout=1",
    ]  # fmt: skip
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: ASYNC220 - started once, then watched over HTTP
            argv, env=_environment(), stdout=out, stderr=subprocess.STDOUT
        )


async def health(port: int) -> dict[str, Any]:
    _, body = await http_get(port, "/health")
    document: dict[str, Any] = json.loads(body)
    return document


async def stop(process: Any, log: Path) -> None:
    process.send_signal(signal.SIGTERM)

    async def ended() -> int:
        while (code := process.poll()) is None:  # noqa: ASYNC110 - a process, no event
            await asyncio.sleep(0.05)
        return int(code)

    assert await asyncio.wait_for(ended(), 60) == 0, log.read_text()  # noqa: ASYNC240


def peak_locked(store: JobStore) -> int:
    """The most jobs locked at once: activations up, outcomes down, in time order."""
    events = [(a.at, 1) for a in store.activations]
    events += [(o.at, -1) for o in store.outcomes if o.kind in ("complete", "fail", "error")]
    held = peak = 0
    for _, step in sorted(events, key=lambda e: (e[0], e[1])):
        held += step
        peak = max(peak, held)
    return peak


async def test_two_workers_activate_in_parallel_within_the_total_capacity(
    tmp_path: Path,
) -> None:
    store = JobStore()
    gateway = FakeRestGateway(store, None)
    await gateway.start()
    port = free_port()
    log = tmp_path / "supervisor.log"
    process = await start(gateway, "2", port, log)
    pids: list[int] = []
    try:
        await wait_healthy(port, process, log)
        document = await health(port)
        pids = [w["pid"] for w in document["workers"]]
        assert document["processes"] == 2 and len(set(pids)) == 2
        jobs = [
            store.add(PID, {"delay": 0.02}, headers={"resultVariable": "r"}) for _ in range(JOBS)
        ]
        await store.wait_for(lambda: store.done(*jobs), timeout=60)

        ran_in = {o.body["variables"]["r"]["pid"] for o in store.outcomes}
        assert ran_in == set(pids)  # both workers took jobs
        assert [o.kind for o in store.outcomes] == ["complete"] * JOBS
        assert max(poll.max_jobs for poll in store.polls) <= CONCURRENCY
        assert peak_locked(store) <= 2 * CONCURRENCY
        _, metrics = await http_get(port, "/metrics")
        assert metric(metrics, "tasklink_jobs_total", outcome="completed") == JOBS
        assert metric(metrics, "tasklink_jobs_in_flight") == 0

        await stop(process, log)
        assert "Traceback" not in log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        await gateway.stop()


async def test_processes_auto_starts_one_worker_per_cpu(tmp_path: Path) -> None:
    store = JobStore()
    gateway = FakeRestGateway(store, None)
    await gateway.start()
    port = free_port()
    log = tmp_path / "supervisor.log"
    process = await start(gateway, "auto", port, log)
    try:
        await wait_healthy(port, process, log)
        document = await health(port)
        # One CPU serves in the supervisor's own process: a plain runtime's /health.
        assert document.get("processes", 1) == cpu_count()
        assert len(document.get("workers", [None])) == cpu_count()
        await stop(process, log)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        await gateway.stop()
