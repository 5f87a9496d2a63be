"""Crash test: two runtime processes share the queues; one is killed with SIGKILL mid-run.

Every request must get a result (none lost). Requests the killed process had received
but not yet acknowledged are delivered again to the survivor; those whose result it had
already published come back twice (at-least-once), so duplicates are bounded by the killed
process's prefetch (its concurrency).
"""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from activiti_bundle import RuntimeBundle
from runtime_process import free_port, http_get, metric, wait_healthy

from tasklink.runtime import Pipeline, RuntimeSettings
from tasklink.runtime.activiti import ActivitiAdapter, ActivitiSettings
from tasklink.testing.fixtures import echo

pytestmark = pytest.mark.slow

REQUESTS = 2000
CONCURRENCY = 16


async def test_sigkill_mid_run_loses_nothing(
    cli_env: dict[str, str],
    bundle: RuntimeBundle,
    prefix: str,
    tmp_path: Path,
    record_property: Any,
) -> None:
    ports = [free_port(), free_port()]
    logs = [tmp_path / "runtime-a.log", tmp_path / "runtime-b.log"]
    processes = []
    for index, port in enumerate(ports):
        command = [
            sys.executable, "-m", "tasklink.runtime", "run", "--engine", "activiti",
            "--no-discover", "--load", "tasklink.testing.fixtures:echo",
            "--destination-prefix", prefix, "--concurrency", str(CONCURRENCY),
            "--grace-period", "10", "--metrics-port", str(port), "--log-level", "WARNING",
            "-o", f"connection_name=tasklink-crash-{prefix}-{index}",
        ]  # fmt: skip
        with logs[index].open("wb") as log:
            processes.append(
                subprocess.Popen(  # noqa: ASYNC220 - started once, then watched over HTTP
                    command, env=cli_env, stdout=log, stderr=subprocess.STDOUT
                )
            )
    victim, survivor = processes
    names = ActivitiAdapter(
        ActivitiSettings(destination_prefix=prefix), Pipeline([echo], RuntimeSettings())
    )
    try:
        for port, process, log in zip(ports, processes, logs, strict=True):
            await wait_healthy(port, process, log)

        destination = names.destination(echo.operations["echo_message"])
        requests = [
            bundle.request("echo.ECHO_MESSAGE", {"message": f"m{i}", "count": i, "delay": 0.05})
            for i in range(REQUESTS)
        ]
        for start in range(0, REQUESTS, 200):
            await asyncio.gather(
                *(bundle.publish(destination, r) for r in requests[start : start + 200])
            )

        async def until_received(count: int) -> None:
            while bundle.received < count:  # noqa: ASYNC110 - a counter, no event
                await asyncio.sleep(0.005)

        await asyncio.wait_for(until_received(REQUESTS // 4), 60)
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        answered_before_kill = len(bundle.replies)

        await bundle.wait_total(REQUESTS, timeout=120)
        await asyncio.sleep(0.5)  # let late duplicates arrive before counting
        _, metrics = await http_get(ports[1], "/metrics")
        completed_by_survivor = metric(metrics, "tasklink_jobs_total", outcome="completed")
        completed_by_victim = bundle.received - completed_by_survivor
        lost = [r for r in requests if r["integrationContext"]["id"] not in bundle.replies]
        duplicates = sum(len(replies) - 1 for replies in bundle.replies.values())
        for request in requests:
            context_id = request["integrationContext"]["id"]
            assert set(bundle.kinds[context_id]) == {"result"}
            for reply in bundle.replies[context_id]:
                out = reply["integrationContext"]["outBoundVariables"]
                assert (
                    out["message"] == request["integrationContext"]["inBoundVariables"]["message"]
                )
        report = (
            f"crash test: {REQUESTS} requests, {answered_before_kill} answered before SIGKILL, "
            f"{completed_by_victim:.0f} answered by the killed process, lost {len(lost)}, "
            f"duplicates {duplicates}"
        )
        print(report)
        record_property("crash_report", report)
        assert lost == []
        assert completed_by_victim > 0  # the killed process really shared the work
        assert answered_before_kill < REQUESTS
        assert duplicates <= CONCURRENCY  # at most its unacknowledged deliveries
        assert (
            await bundle.message_count(names.dead_letter_queue(echo.operations["echo_message"]))
            == 0
        )

        survivor.send_signal(signal.SIGTERM)
        assert survivor.wait(30) == 0
        assert not re.search(r"ERROR|Traceback", logs[1].read_text()), logs[1].read_text()
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(10)
        exchanges = {names.destination(op) for op in echo.operations.values()}
        queues = {names.queue_name(op) for op in echo.operations.values()}
        queues |= {names.dead_letter_queue(op) for op in echo.operations.values()}
        await bundle.cleanup(exchanges, queues)
