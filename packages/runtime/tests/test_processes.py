"""``tasklink run --processes N``: a supervisor and N worker processes.

Against the RabbitMQ of this machine (Activiti): jobs spread over both workers (each reply
names the process that ran it), one ``/health`` and one aggregated ``/metrics``, a worker
killed with SIGKILL is restarted and counted while the totals keep what it did, SIGTERM
drains both and the supervisor exits 0; a worker that cannot start (refused credentials)
or keeps dying at start makes the supervisor give up with a clear message. Plus the
``processes`` setting itself. The Camunda side is in ``camunda/test_processes.py``.

No timing assertions: deadlines only bound how long a test may wait for something to end.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from activiti_bundle import RuntimeBundle
from runtime_process import free_port, http_get, metric, wait_healthy

from tasklink.runtime import Pipeline, RuntimeSettings, load_settings
from tasklink.runtime._settings import SettingsError, cpu_count
from tasklink.runtime.activiti import ActivitiAdapter, ActivitiSettings

SUPPORT = Path(__file__).resolve().parent / "support"


def worker_env() -> dict[str, str]:
    """The test's environment without a developer's TASKLINK_* settings, with the
    support folder (``worker_pid``) importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKLINK_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SUPPORT), env.get("PYTHONPATH")]))
    return env


def command(*extra: str, load: str = "worker_pid:connector") -> list[str]:
    return [
        sys.executable, "-m", "tasklink.runtime", "run", "--no-discover", "--load", load,
        "--grace-period", "10", "--log-level", "INFO", *extra,
    ]  # fmt: skip


@asynccontextmanager
async def supervisor(
    argv: list[str], log: Path, port: int | None = None
) -> AsyncIterator[subprocess.Popen[bytes]]:
    """``tasklink run --processes ...`` started; healthy on entry when ``port`` is given;
    killed (its workers too) if still running on exit."""
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: ASYNC220 - started once, then watched over HTTP
            argv, env=worker_env(), stdout=out, stderr=subprocess.STDOUT
        )
    pids: list[int] = []
    try:
        if port is not None:
            await wait_healthy(port, process, log)
            pids = [w["pid"] for w in (await health(port))["workers"]]
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        for pid in pids:  # a worker left behind must not outlive the test
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


async def health(port: int) -> dict[str, Any]:
    _, body = await http_get(port, "/health")
    document: dict[str, Any] = json.loads(body)
    return document


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 60) -> None:
    """Poll ``check`` until it holds (a process's state, which has no event to wait on)."""

    async def poll() -> None:
        while not await check():  # noqa: ASYNC110 - another process's state, no event
            await asyncio.sleep(0.1)

    await asyncio.wait_for(poll(), timeout)


async def exit_code(process: subprocess.Popen[bytes], timeout: float = 60) -> int:
    async def poll() -> int:
        while (code := process.poll()) is None:  # noqa: ASYNC110 - a process, no event
            await asyncio.sleep(0.05)
        return code

    return await asyncio.wait_for(poll(), timeout)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie of the (now gone) supervisor counts as gone.
    try:
        return "(Z)" not in Path(f"/proc/{pid}/stat").read_text().split(")", 1)[1][:4]
    except OSError:
        return False


# -- Activiti: two workers, competing consumers ----------------------------------------------


async def test_two_workers_share_the_queue_restart_and_drain(
    bundle: RuntimeBundle, prefix: str, tmp_path: Path
) -> None:
    import worker_pid

    port = free_port()
    argv = command(
        "--engine", "activiti", "--processes", "2", "--concurrency", "4",
        "--destination-prefix", prefix, "--metrics-port", str(port),
    )  # fmt: skip
    names = ActivitiAdapter(
        ActivitiSettings(destination_prefix=prefix),
        Pipeline([worker_pid.connector], RuntimeSettings()),
    )
    operation = worker_pid.connector.operations["who"]
    destination = names.destination(operation)
    log = tmp_path / "supervisor.log"

    async def send(count: int, tag: str) -> list[str]:
        requests = [
            bundle.request("pid.WHO", {"delay": 0.02}, context_id=f"{tag}-{i}")
            for i in range(count)
        ]
        await asyncio.gather(*(bundle.publish(destination, r) for r in requests))
        return [r["integrationContext"]["id"] for r in requests]

    def pids_of(ids: list[str]) -> set[int]:
        return {bundle.replies[i][0]["integrationContext"]["outBoundVariables"]["pid"] for i in ids}

    try:
        async with supervisor(argv, log, port) as process:
            document = await health(port)
            assert document["ready"] is True
            assert document["processes"] == 2
            assert document["concurrency"] == 8  # 2 x 4
            workers = {w["worker"]: w["pid"] for w in document["workers"]}
            assert len(set(workers.values())) == 2 and process.pid not in workers.values()

            first = await send(200, "a")
            await bundle.wait_total(200, timeout=60)
            assert pids_of(first) == set(workers.values())  # both took jobs
            _, metrics = await http_get(port, "/metrics")
            assert metric(metrics, "tasklink_jobs_total", outcome="completed") == 200

            # A worker killed: restarted and counted; what it did stays in the totals.
            os.kill(workers[1], signal.SIGKILL)

            async def restarted() -> bool:
                document = await health(port)
                first_worker = document["workers"][0]
                return bool(
                    document["ready"]
                    and first_worker["restarts"] == 1
                    and first_worker["pid"] != workers[1]
                )

            await until(restarted)
            _, metrics = await http_get(port, "/metrics")
            assert metric(metrics, "tasklink_worker_restarts_total") == 1
            assert metric(metrics, "tasklink_jobs_total", outcome="completed") >= 200
            new_pids = {w["pid"] for w in (await health(port))["workers"]}

            second = await send(100, "b")
            await bundle.wait_total(300, timeout=60)
            assert pids_of(second) <= new_pids
            _, metrics = await http_get(port, "/metrics")
            assert metric(metrics, "tasklink_jobs_total", outcome="completed") >= 300

            # SIGTERM drains both workers; the supervisor exits 0 and leaves none behind.
            process.send_signal(signal.SIGTERM)
            assert await exit_code(process) == 0, log.read_text()
            assert not any(alive(pid) for pid in new_pids)
        output = log.read_text()
        assert "worker 1 (pid" in output and "restarting it in" in output
        assert "Traceback" not in output, output
    finally:
        exchanges = {names.destination(op) for op in worker_pid.connector.operations.values()}
        queues = {names.queue_name(op) for op in worker_pid.connector.operations.values()}
        queues |= {names.dead_letter_queue(op) for op in worker_pid.connector.operations.values()}
        await bundle.cleanup(exchanges, queues)


async def test_a_worker_that_cannot_start_makes_the_supervisor_give_up(
    rabbitmq_url: str, prefix: str, tmp_path: Path
) -> None:
    wrong = rabbitmq_url.replace("guest:guest@", "guest:not-the-password@")
    argv = command(
        "--engine", "activiti", "--processes", "2", "--amqp-url", wrong,
        "--destination-prefix", prefix,
    )  # fmt: skip
    log = tmp_path / "supervisor.log"
    async with supervisor(argv, log) as process:
        assert await exit_code(process) != 0
    output = log.read_text()
    assert "cannot start: RabbitMQ at" in output and "refused the credentials" in output
    assert "giving up" in output
    assert "not-the-password" not in output


async def test_workers_that_keep_dying_at_start_make_the_supervisor_give_up(
    tmp_path: Path,
) -> None:
    argv = command("--engine", "activiti", "--processes", "2", load="worker_pid_crash:connector")
    log = tmp_path / "supervisor.log"
    async with supervisor(argv, log) as process:
        assert await exit_code(process, timeout=120) == 1
    output = log.read_text()
    assert "died before it was ready 5 times in a row, last with exit code 3" in output
    assert "giving up" in output


# -- the setting ------------------------------------------------------------------------------


def test_processes_setting() -> None:
    assert load_settings(environ={}).processes == 1
    assert load_settings(environ={}).process_count == 1
    assert load_settings(environ={"TASKLINK_PROCESSES": "3"}).process_count == 3
    auto = load_settings(environ={"TASKLINK_PROCESSES": "auto"})
    assert auto.processes == "auto"
    assert auto.process_count == cpu_count() >= 1
    assert load_settings({"processes": " AUTO "}, environ={}).processes == "auto"
    assert load_settings({"processes": 2}, environ={}).process_count == 2
    for bad in ("0", "-1", "many", 0, 1.5, True):
        with pytest.raises(SettingsError, match="processes") as caught:
            load_settings({"processes": bad}, environ={})
        assert "or auto" in str(caught.value)
    with pytest.raises(SettingsError, match=r"processes \(from TASKLINK_PROCESSES\)"):
        load_settings(environ={"TASKLINK_PROCESSES": "none"})


def test_processes_flag_is_validated(tmp_path: Path) -> None:
    done = subprocess.run(
        command("--engine", "activiti", "--processes", "0"),
        env=worker_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "processes (from --processes)" in done.stderr
    assert "must be 1 or more (or auto)" in done.stderr
