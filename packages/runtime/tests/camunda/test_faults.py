"""Faults on the Camunda side: a worker killed or stopped mid-run, a gateway that fails for a
while. Nothing may be lost, and what runs twice must be bounded and explained.

The fake Orchestration Cluster gateway (``camunda_fakes``) runs in the test process on
loopback. It models job locks and their expiry, and records every poll, activation and
command with its time and worker. Exchanges are not checked against the OpenAPI document
here (the contract tests check every request the worker sends and every answer the fake
gives): these tests are about delivery, and run where the developer kit is absent too.

* **SIGKILL**: two ``tasklink run --engine camunda`` processes share 2,000 jobs; one is
  killed mid-run. The jobs it held come back when their lock expires and the other worker
  completes them: every job is completed, each once; only the jobs the killed worker held
  run a second time, and never more.
* **SIGTERM**: a worker with every slot busy is stopped: its jobs finish and are completed
  within the grace period, it polls for and takes no more jobs, and it exits 0. Jobs still
  running past the grace period are handed back with their retries unchanged.
* **Gateway outage**: the gateway answers 503 to everything, or is gone (open connections
  cut, new ones refused), then comes back. The worker backs off (the number of requests it
  sends meanwhile is bounded by the backoff settings), recovers without a restart,
  completions that failed are retried through or, once given up, their job's lock expires
  and the job is run and completed again; nothing is lost.
* **Answers lost**: the gateway acts on a request, then the connection drops before its
  answer. A completion is sent again and the job being gone then counts as done; the jobs
  of a lost activation come back after their lock.

Each test prints its figures on one line (``-s`` shows them) and records them as the
test's ``camunda_faults`` property (``--junitxml``).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from camunda_fakes import FakeJob, JobStore, WorkerHarness
from camunda_fakes.rest import FakeRestGateway, Fault
from runtime_process import free_port, http_get

from tasklink.runtime.camunda import Backoff, RestGateway, WorkerOptions
from tasklink.testing.fixtures import echo

ECHO = echo.job_type
ECHO_HEADERS = {"operation": "echo_message", "resultVariable": "r"}


# -- worker processes -----------------------------------------------------------------------


def _environment() -> dict[str, str]:
    """The test's environment without settings a developer's shell may carry."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CAMUNDA_", "ZEEBE_", "TASKLINK_"))
    }


@dataclass
class WorkerProcess:
    """``tasklink run --engine camunda`` serving the fixture connector ``echo``."""

    name: str
    process: asyncio.subprocess.Process
    log: Path
    metrics_port: int | None = None

    @classmethod
    async def start(
        cls,
        gateway: FakeRestGateway,
        name: str,
        folder: Path,
        *,
        concurrency: int,
        grace_period: float,
        lock: float,
        metrics: bool = False,
    ) -> WorkerProcess:
        port = free_port() if metrics else None
        command = [
            sys.executable, "-m", "tasklink.runtime", "run", "--engine", "camunda",
            "--no-discover", "--load", "tasklink.testing.fixtures:echo",
            "--concurrency", str(concurrency), "--grace-period", str(grace_period),
            "--log-level", "WARNING",
            "-o", f"rest_address={gateway.url}", "-o", f"worker_name={name}",
            "-o", f"job_timeout={lock}", "-o", "request_timeout=1",
        ]  # fmt: skip
        if port is not None:
            command += ["--metrics-port", str(port)]
        log = folder / f"{name}.log"
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                *command, env=_environment(), cwd=folder, stdout=out, stderr=subprocess.STDOUT
            )
        return cls(name, process, log, port)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    async def wait(self, timeout: float) -> int:
        return await asyncio.wait_for(self.process.wait(), timeout)

    async def in_flight(self) -> int:
        """Jobs running in it now, from its ``/health`` (-1 while that does not answer)."""
        assert self.metrics_port is not None
        try:
            _, body = await http_get(self.metrics_port, "/health")
        except OSError:
            return -1
        match = re.search(r'"in_flight":\s*(\d+)', body)
        return int(match.group(1)) if match else -1

    async def end(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


async def until(
    store: JobStore,
    predicate: Callable[[], bool],
    *,
    watch: Sequence[WorkerProcess] = (),
    timeout: float = 60,
) -> None:
    """Wait until ``predicate()`` holds (checked on every change in the store); fail with
    its log as soon as a watched worker exits."""
    waiting = asyncio.ensure_future(store.wait_for(predicate, timeout))
    exits = [asyncio.ensure_future(worker.process.wait()) for worker in watch]
    try:
        await asyncio.wait([waiting, *exits], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for exit_ in exits:
            exit_.cancel()
    if waiting.done():
        waiting.result()
        return
    waiting.cancel()
    for worker in watch:
        if worker.process.returncode is not None:
            pytest.fail(
                f"{worker.name} exited with {worker.process.returncode}:\n{worker.output()}"
            )


def polled(store: JobStore, name: str) -> Callable[[], bool]:
    return lambda: any(poll.worker == name for poll in store.polls)


def held(jobs: Iterable[FakeJob], name: str) -> set[str]:
    """The keys of the jobs ``name`` holds (activated, lock not expired) now."""
    return {job.key for job in jobs if job.state == "activated" and job.worker == name}


def report(record_property: Callable[[str, object], None], line: str) -> None:
    print(line)
    record_property("camunda_faults", line)


def clean(log: str) -> bool:
    return not re.search(r"ERROR|CRITICAL|Traceback", log)


# -- 1. a worker killed mid-run -------------------------------------------------------------

JOBS = 2000
CONCURRENCY = 16
LOCK = 4.0  # seconds: short, so the killed worker's jobs come back soon
DELAY = 0.05  # each job's run: jobs are in flight whenever the kill comes


@pytest.mark.slow
async def test_sigkill_mid_run_loses_no_job_and_runs_twice_only_what_was_in_flight(
    tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    store = JobStore()
    gateway = FakeRestGateway(store, None)
    await gateway.start()
    workers: list[WorkerProcess] = []
    try:
        for name in ("worker-killed", "worker-survivor"):
            workers.append(
                await WorkerProcess.start(
                    gateway, name, tmp_path, concurrency=CONCURRENCY, grace_period=10, lock=LOCK
                )
            )
        victim, survivor = workers
        for worker in workers:  # both share the work from the first job on
            await until(store, polled(store, worker.name), watch=workers)
        jobs = [
            store.add(ECHO, {"message": f"m{i}", "delay": DELAY}, headers=ECHO_HEADERS)
            for i in range(JOBS)
        ]
        messages = {job.key: job.variables["message"] for job in jobs}

        await until(
            store,
            lambda: len(store.outcomes) >= JOBS // 4 and bool(held(jobs, victim.name)),
            watch=workers,
        )
        victim.process.send_signal(signal.SIGKILL)
        # Read at once: the gateway runs in this loop, so nothing changed since the check.
        killed_at = time.monotonic()
        held_at_kill = held(jobs, victim.name)
        completed_at_kill = sum(job.state == "completed" for job in jobs)
        assert await victim.wait(10) == -signal.SIGKILL

        await until(
            store,
            lambda: len(store.outcomes) >= JOBS and store.done(*jobs),
            watch=[survivor],
            timeout=120,
        )

        completions = Counter(o.key for o in store.outcomes if o.kind == "complete")
        other_commands = [o for o in store.outcomes if o.kind != "complete"]
        lost = [job.key for job in jobs if job.state != "completed"]
        activated_by_victim = {a.key for a in store.activations if a.worker == victim.name}
        completed_by_victim = {job.key for job in jobs if job.completed_by == victim.name}
        # What the killed worker held and never completed: activations minus completions.
        victim_in_flight = activated_by_victim - completed_by_victim
        run_twice = {job.key for job in jobs if job.activations > 1}
        completed_twice = {key for key, count in completions.items() if count > 1}
        taken_over = [
            o.at for o in store.outcomes if o.kind == "complete" and o.key in victim_in_flight
        ]
        recovery = max(taken_over) - killed_at if taken_over else 0.0
        report(
            record_property,
            f"camunda SIGKILL: {JOBS} jobs, 2 workers of concurrency {CONCURRENCY}, lock "
            f"{LOCK:g}s; {completed_at_kill} completed before the kill, the killed worker "
            f"completed {len(completed_by_victim)} and held {len(held_at_kill)} at the kill; "
            f"lost {len(lost)}, completed twice {len(completed_twice)}, run twice "
            f"{len(run_twice)} (bound: its in-flight jobs, {len(victim_in_flight)}); the last "
            f"of them completed {recovery:.1f}s after the kill",
        )

        assert lost == []
        assert set(completions) == set(messages)  # every job completed ...
        assert completed_twice == set()  # ... once: a killed worker sends nothing more
        assert other_commands == []  # no job failed, timed out or was handed back
        for outcome in store.outcomes:
            assert outcome.body["variables"]["r"]["message"] == messages[outcome.key]
        # Runs twice: exactly the jobs the killed worker held, each once more, by the survivor.
        assert run_twice == victim_in_flight
        assert len(victim_in_flight) <= CONCURRENCY
        assert all(job.activations <= 2 for job in jobs)
        for key in run_twice:
            job = store.jobs[key]
            assert job.activated_by == [victim.name, survivor.name]
            assert job.completed_by == survivor.name
        # The kill came mid-run, while the killed worker was doing its share.
        assert held_at_kill and completed_by_victim
        assert completed_at_kill < JOBS

        survivor.process.send_signal(signal.SIGTERM)
        assert await survivor.wait(30) == 0, survivor.output()
        assert clean(survivor.output()), survivor.output()
    finally:
        for worker in workers:
            await worker.end()
        await gateway.stop()


# -- 1b. SIGTERM drains ---------------------------------------------------------------------

DRAIN_CONCURRENCY = 4
SLEEP = 1.5


async def _busy_worker(
    store: JobStore,
    gateway: FakeRestGateway,
    folder: Path,
    *,
    grace_period: float,
    seconds: float,
    waiting: int,
) -> tuple[WorkerProcess, list[FakeJob], set[str]]:
    """A worker whose every slot runs a ``sleep`` job, with ``waiting`` more jobs queued."""
    worker = await WorkerProcess.start(
        gateway,
        "worker-draining",
        folder,
        concurrency=DRAIN_CONCURRENCY,
        grace_period=grace_period,
        lock=60,
        metrics=True,
    )
    await until(store, polled(store, worker.name), watch=[worker])
    jobs = [
        store.add(ECHO, {"seconds": seconds}, headers={"operation": "sleep", "resultVariable": "r"})
        for _ in range(DRAIN_CONCURRENCY + waiting)
    ]
    await until(store, lambda: len(held(jobs, worker.name)) == DRAIN_CONCURRENCY, watch=[worker])
    # Activated is not yet running: a stop while the activation's answer is on its way
    # abandons it. Wait until the worker runs them all (its /health, polled).
    async with asyncio.timeout(30):
        while await worker.in_flight() != DRAIN_CONCURRENCY:
            assert worker.process.returncode is None, worker.output()
            await asyncio.sleep(0.02)
    return worker, jobs, held(jobs, worker.name)


async def test_sigterm_finishes_the_jobs_in_flight_and_takes_no_more(
    tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    grace = 20.0
    store = JobStore()
    gateway = FakeRestGateway(store, None)
    await gateway.start()
    worker: WorkerProcess | None = None
    try:
        worker, jobs, in_flight = await _busy_worker(
            store, gateway, tmp_path, grace_period=grace, seconds=SLEEP, waiting=3
        )
        signalled = time.monotonic()
        worker.process.send_signal(signal.SIGTERM)
        code = await worker.wait(grace + 30)
        exited = time.monotonic() - signalled

        finished = [o for o in store.outcomes if o.key in in_flight]
        report(
            record_property,
            f"camunda SIGTERM: {len(in_flight)} jobs in flight of {SLEEP:g}s each, all "
            f"completed {max(o.at for o in finished) - signalled:.1f}s after the signal "
            f"(grace {grace:g}s); exit {code} after {exited:.1f}s; polls after the signal "
            f"{sum(p.at >= signalled for p in store.polls)}",
        )
        assert code == 0, worker.output()
        assert sorted(o.kind for o in finished) == ["complete"] * DRAIN_CONCURRENCY
        assert {o.key for o in finished} == in_flight
        for outcome in finished:
            assert outcome.body == {"variables": {"r": {"slept": SLEEP}}}
            assert outcome.at - signalled < grace
        # Stopped polling: no request, no job activated after the signal.
        assert [p for p in store.polls if p.at >= signalled] == []
        assert [a for a in store.activations if a.at >= signalled] == []
        waiting = [job for job in jobs if job.key not in in_flight]
        assert all(job.state == "activatable" and job.activations == 0 for job in waiting)
        assert clean(worker.output()), worker.output()
    finally:
        if worker is not None:
            await worker.end()
        await gateway.stop()


async def test_sigterm_hands_back_the_jobs_still_running_after_the_grace_period(
    tmp_path: Path,
) -> None:
    grace = 1.0
    store = JobStore()
    gateway = FakeRestGateway(store, None)
    await gateway.start()
    worker: WorkerProcess | None = None
    try:
        worker, jobs, in_flight = await _busy_worker(
            store, gateway, tmp_path, grace_period=grace, seconds=120, waiting=1
        )
        worker.process.send_signal(signal.SIGTERM)
        # It ends within the grace period plus the time to hand the jobs back, far from
        # the jobs' 120 s.
        assert await worker.wait(grace + 30) == 0, worker.output()
        handed_back = [o for o in store.outcomes if o.key in in_flight]
        assert {o.key for o in handed_back} == in_flight
        for outcome in handed_back:
            assert outcome.kind == "fail"
            assert outcome.body["retries"] == 3  # unchanged: the job did not fail
            assert outcome.body["retryBackOff"] == 0  # offered again at once
            assert "shut down" in outcome.body["errorMessage"]
        assert all(job.state == "activatable" for job in jobs)
        assert sum(job.activations for job in jobs) == DRAIN_CONCURRENCY
    finally:
        if worker is not None:
            await worker.end()
        await gateway.stop()


# -- 2. the gateway fails for a while -------------------------------------------------------


@dataclass(frozen=True)
class Exchange:
    """One request the worker sent, as its HTTP client saw it."""

    sent: float
    done: float
    method: str
    path: str
    status: int | None  # None: no answer (refused, or the connection was cut)


class RecordingTransport(httpx.AsyncBaseTransport):
    """httpx's transport, recording every exchange with its times and status: what the
    worker sends, also while the gateway refuses connections."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.exchanges: list[Exchange] = []
        self._waiters: set[asyncio.Future[None]] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        sent = time.monotonic()
        try:
            response = await self._inner.handle_async_request(request)
        except httpx.TransportError:
            self._add(Exchange(sent, time.monotonic(), request.method, request.url.path, None))
            raise
        self._add(
            Exchange(sent, time.monotonic(), request.method, request.url.path, response.status_code)
        )
        return response

    def _add(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)
        waiters, self._waiters = self._waiters, set()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> None:
        """Until ``predicate()`` holds, checked after every exchange."""
        async with asyncio.timeout(timeout):
            while not predicate():
                waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                self._waiters.add(waiter)
                try:
                    await waiter
                finally:
                    self._waiters.discard(waiter)

    async def aclose(self) -> None:
        await self._inner.aclose()


OUTAGE_CONCURRENCY = 8
OUTAGE_OPTIONS = WorkerOptions(
    job_timeout_ms=8_000,  # runs get 4 s (the lock minus the reporting margin)
    request_timeout_ms=1_000,
    backoff_initial=0.1,
    backoff_max=1.0,
    report_attempts=4,  # a completion is given up after 0.1 + 0.2 + 0.4 s of retries
)
QUICK = 0.2  # the jobs whose completion is given up during the outage
LAST = 3.0  # the job whose completion fails last: the outage ends then, it is retried through


def most_polls(outage: float, options: WorkerOptions, jitter: float = Backoff().jitter) -> int:
    """The most activation requests one job type's loop can send during ``outage``
    seconds of failures: one, then one after each backoff delay, which doubles from
    ``backoff_initial`` up to ``backoff_max`` and is at least ``1 - jitter`` of that;
    plus one poll that may be under way as the outage begins. At most
    ``2 + ceil(log2(backoff_max / backoff_initial)) + outage / ((1 - jitter) * backoff_max)``.
    """
    polls, elapsed, nominal = 1, 0.0, options.backoff_initial
    while True:
        elapsed += (1 - jitter) * min(nominal, options.backoff_max)
        if elapsed > outage:
            return polls + 1
        polls += 1
        nominal *= 2


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["503", "refused"])
async def test_a_gateway_outage_is_waited_out_and_loses_nothing(
    fault: str,
    caplog: pytest.LogCaptureFixture,
    record_property: Callable[[str, object], None],
) -> None:
    store = JobStore()
    gateway = FakeRestGateway(store, None)
    await gateway.start()
    transport = RecordingTransport()
    harness = WorkerHarness(
        [echo],
        RestGateway(gateway.url, transport=transport),
        OUTAGE_OPTIONS,
        concurrency=OUTAGE_CONCURRENCY,
        grace_period=5,
    )
    quick = [
        store.add(ECHO, {"message": f"q{i}", "delay": QUICK}, headers=ECHO_HEADERS)
        for i in range(OUTAGE_CONCURRENCY - 1)
    ]
    last = store.add(ECHO, {"message": "last", "delay": LAST}, headers=ECHO_HEADERS)
    running = [*quick, last]
    last_completion = f"/v2/jobs/{last.key}/completion"
    try:
        async with harness:
            # Every slot busy; then the gateway fails.
            await store.wait_for(lambda: all(j.state == "activated" for j in running), 30)
            began = time.monotonic()
            if fault == "503":
                gateway.start_outage(503)
            else:
                await gateway.go_offline()
            later = [store.add(ECHO, {"message": f"l{i}"}, headers=ECHO_HEADERS) for i in range(40)]
            # The quick jobs' completions fail until they are given up; the outage ends
            # as the last job's completion fails for the first time.
            await transport.wait_for(
                lambda: any(
                    e.path == last_completion and e.status != 204 for e in transport.exchanges
                ),
                timeout=30,
            )
            ready_during = harness.pipeline.ready
            if fault == "503":
                gateway.end_outage()
            else:
                await gateway.go_online()
            ended = time.monotonic()
            await store.wait_for(lambda: store.done(*running, *later), timeout=60)
            ready_after = harness.pipeline.ready
    finally:
        await gateway.stop()

    exchanges = transport.exchanges
    during = [e for e in exchanges if began <= e.sent < ended]
    polls = [e for e in during if e.path == "/v2/jobs/activation"]
    commands = [e for e in during if e.path.endswith("/completion")]
    back = [e for e in exchanges if e.path == "/v2/jobs/activation" and e.status == 200]
    recovered = min(e.done for e in back if e.done >= ended) - ended
    outage = ended - began
    poll_bound = most_polls(outage, OUTAGE_OPTIONS)
    command_bound = OUTAGE_CONCURRENCY * OUTAGE_OPTIONS.report_attempts

    def attempts(job: FakeJob) -> list[Exchange]:
        return [e for e in exchanges if e.path == f"/v2/jobs/{job.key}/completion"]

    retried = [job for job in running if job.activations == 1 and len(attempts(job)) > 1]
    handed_back = [job for job in running if job.activations == 2]
    completions = Counter(o.key for o in store.outcomes if o.kind == "complete")
    report(
        record_property,
        f"camunda gateway outage ({fault}) of {outage:.1f}s: {len(polls)} activation "
        f"requests (bound {poll_bound}), {len(commands)} completion attempts (bound "
        f"{command_bound}); {len(retried)} completions retried through, {len(handed_back)} "
        f"given up and handed back by their lock; first successful activation "
        f"{recovered:.2f}s after the gateway returned; lost "
        f"{sum(j.state != 'completed' for j in (*running, *later))}, completed twice "
        f"{sum(c > 1 for c in completions.values())}, run twice {len(handed_back)}",
    )

    # Backed off: no busy loop while the gateway was away.
    assert 1 <= len(polls) <= poll_bound
    assert len(commands) <= command_bound
    assert not ready_during and ready_after  # /health said so, and recovered by itself
    # Nothing lost, nothing completed twice, nothing failed.
    assert all(job.state == "completed" for job in (*running, *later))
    assert completions == Counter({job.key: 1 for job in (*running, *later)})
    assert [o for o in store.outcomes if o.kind != "complete"] == []
    assert all(job.activations == 1 for job in later)
    # The completion that failed last was retried and went through: the job ran once.
    assert last in retried
    assert attempts(last)[-1].status == 204
    # The quick jobs' completions were given up after request_attempts; each job was
    # activated again when its lock expired, run again and completed.
    assert handed_back, "no completion was given up"
    lock = OUTAGE_OPTIONS.job_timeout_ms / 1000
    for job in handed_back:
        assert len(attempts(job)) == OUTAGE_OPTIONS.report_attempts + 1
        first, second = (a.at for a in store.activations if a.key == job.key)
        assert second - first >= lock
    assert all(job in retried or job in handed_back for job in quick)
    gave_up = [m for m in caplog.messages if "giving up" in m]
    assert len(gave_up) == len(handed_back)
    # Recovered without a restart, within one backoff delay and a poll (a generous bound:
    # the point is that it happened by itself).
    assert recovered < OUTAGE_OPTIONS.backoff_max * 1.2 + 10


# -- answers lost on the way back -----------------------------------------------------------

LOST_ANSWER_OPTIONS = WorkerOptions(
    job_timeout_ms=3_000, request_timeout_ms=500, backoff_initial=0.05, backoff_max=0.2
)


async def test_a_completion_whose_answer_is_lost_is_retried_and_applied_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The gateway completes the job, then the connection drops before its answer (a
    # gateway restarting, a proxy timing out): the worker cannot tell, so it sends the
    # completion again, and the job being gone then means done, not a failure.
    store = JobStore()
    gateway = FakeRestGateway(store, None)
    await gateway.start()
    gateway.inject(Fault("completeJob", 204, lose_answer=True))
    job = store.add(ECHO, {"message": "once"}, headers=ECHO_HEADERS)
    path = f"/v2/jobs/{job.key}/completion"
    transport = RecordingTransport()
    rest = RestGateway(gateway.url, transport=transport)
    try:
        async with WorkerHarness([echo], rest, LOST_ANSWER_OPTIONS):
            await transport.wait_for(
                lambda: sum(e.path == path for e in transport.exchanges) >= 2, timeout=30
            )
    finally:
        await gateway.stop()
    assert [e.status for e in transport.exchanges if e.path == path] == [None, 409]
    assert job.state == "completed"
    assert job.activations == 1
    assert [o.kind for o in store.outcomes] == ["complete", "complete"]  # the 2nd refused
    assert not [m for m in caplog.messages if "giving up" in m or "refused" in m]
    # The log says what most likely happened, not "not applied".
    gone = [m for m in caplog.messages if "no longer active" in m]
    assert len(gone) == 1
    assert "the earlier complete attempt that got no answer was probably applied" in gone[0]


async def test_jobs_of_an_activation_whose_answer_is_lost_come_back_after_their_lock() -> None:
    # The gateway activates jobs for a poll whose answer never arrives: they stay locked
    # to this worker, which never saw them, until the lock expires; then they are offered
    # again and completed. Delayed by the lock, never lost.
    store = JobStore()
    gateway = FakeRestGateway(store, None)
    await gateway.start()
    gateway.inject(Fault("activateJobs", 200, lose_answer=True))
    jobs = [store.add(ECHO, {"message": f"j{i}"}, headers=ECHO_HEADERS) for i in range(3)]
    rest = RestGateway(gateway.url)
    try:
        async with WorkerHarness([echo], rest, LOST_ANSWER_OPTIONS):
            await store.wait_for(lambda: store.done(*jobs), timeout=30)
    finally:
        await gateway.stop()
    lock = LOST_ANSWER_OPTIONS.job_timeout_ms / 1000
    for job in jobs:
        assert job.state == "completed"
        assert job.activations == 2
        first, second = (a.at for a in store.activations if a.key == job.key)
        assert second - first >= lock
    assert [o.kind for o in store.outcomes] == ["complete"] * len(jobs)
