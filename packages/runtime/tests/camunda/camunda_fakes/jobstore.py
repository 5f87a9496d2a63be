"""An in-memory Zeebe job store: what both fake gateways (REST and gRPC) serve.

It keeps the job states a worker can observe: activatable (possibly after a retry
backoff), activated until a deadline (then activatable again), completed, failed into an
incident, or ended by a BPMN error. Activation long-polls like the real gateway.

For the fault tests it also keeps who did what and when (on the store's clock): every
poll (:attr:`JobStore.polls`), every activation of a job (:attr:`JobStore.activations`,
and each job's :attr:`FakeJob.activated_by`), the time of every command
(:attr:`Outcome.at`) and the worker that held a job when its completion was applied
(:attr:`FakeJob.completed_by`: the API's completion names no worker, so the holder it is).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Activation", "FakeJob", "JobStore", "Outcome", "Poll"]

DEFAULT_REQUEST_TIMEOUT_MS = 10_000


@dataclass
class FakeJob:
    key: str
    type: str
    variables: dict[str, Any]
    headers: dict[str, str]
    retries: int
    process_instance_key: str
    element_instance_key: str
    process_definition_id: str = "order-process"
    process_definition_key: str = "2251799813685249"
    process_definition_version: int = 1
    element_id: str = "ServiceTask_1"
    tenant_id: str = "<default>"
    state: str = "activatable"  # activated, completed, failed, error, incident
    available_at: float = 0.0
    deadline: float = 0.0  # monotonic
    deadline_ms: int = 0  # epoch milliseconds, as the API reports it
    worker: str = ""
    activations: int = 0
    timeout_ms: int = 0
    activated_by: list[str] = field(default_factory=list)  # the worker of each activation
    completed_by: str = ""  # the worker holding the job when its completion was applied


@dataclass(frozen=True)
class Outcome:
    """One command a worker sent for a job."""

    kind: str  # complete, fail, error, update_timeout
    key: str
    body: dict[str, Any] = field(default_factory=dict)
    at: float = field(default=0.0, compare=False)  # when it arrived (the store's clock)


@dataclass(frozen=True)
class Poll:
    """One activation request, as it arrived."""

    at: float
    worker: str
    job_type: str
    max_jobs: int


@dataclass(frozen=True)
class Activation:
    """One job handed to a worker."""

    at: float
    worker: str
    key: str


class JobStore:
    """Jobs by key, plus the log of every command received."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._keys = itertools.count(2251799813700001)
        self.jobs: dict[str, FakeJob] = {}
        self.outcomes: list[Outcome] = []
        self.activation_requests: list[dict[str, Any]] = []
        self.polls: list[Poll] = []
        self.activations: list[Activation] = []
        self._waiters: set[asyncio.Future[None]] = set()

    # -- set-up ------------------------------------------------------------------------

    def add(
        self,
        job_type: str,
        variables: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        retries: int = 3,
    ) -> FakeJob:
        key = str(next(self._keys))
        job = FakeJob(
            key=key,
            type=job_type,
            variables=dict(variables or {}),
            headers=dict(headers or {}),
            retries=retries,
            process_instance_key=str(int(key) + 500_000),
            element_instance_key=str(int(key) + 900_000),
        )
        self.jobs[key] = job
        self._notify()
        return job

    def add_many(
        self, job_type: str, variables: Iterable[dict[str, Any]], **kwargs: Any
    ) -> list[FakeJob]:
        return [self.add(job_type, v, **kwargs) for v in variables]

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, set()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def _changed(self, timeout: float) -> None:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            await asyncio.wait_for(waiter, max(timeout, 0.001))
        except TimeoutError:
            pass
        finally:
            self._waiters.discard(waiter)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until ``predicate()`` holds (checked after every change)."""
        async with asyncio.timeout(timeout):
            while not predicate():
                await self._changed(1.0)

    def outcomes_of(self, key: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.key == key]

    def done(self, *jobs: FakeJob) -> bool:
        return all(job.state in ("completed", "incident", "error") for job in jobs)

    # -- activation (long polling) -----------------------------------------------------

    def _expire(self, now: float) -> None:
        for job in self.jobs.values():
            if job.state == "activated" and job.deadline <= now:
                job.state = "activatable"
                job.available_at = now

    def _ready(self, job_type: str, now: float, tenants: list[str] | None) -> list[FakeJob]:
        return [
            job
            for job in self.jobs.values()
            if job.type == job_type
            and job.state == "activatable"
            and job.available_at <= now
            and (not tenants or job.tenant_id in tenants)
        ]

    async def activate(
        self,
        *,
        job_type: str,
        worker: str,
        timeout_ms: int,
        max_jobs: int,
        request_timeout_ms: int,
        fetch: list[str] | None,
        tenants: list[str] | None = None,
        record: dict[str, Any] | None = None,
    ) -> list[FakeJob]:
        """Jobs activated for one request; waits up to ``request_timeout_ms`` for one."""
        if record is not None:
            self.activation_requests.append(record)
        self.polls.append(Poll(self._clock(), worker, job_type, max_jobs))
        if request_timeout_ms == 0:
            request_timeout_ms = DEFAULT_REQUEST_TIMEOUT_MS
        end = self._clock() + max(request_timeout_ms, 0) / 1000
        while True:
            now = self._clock()
            self._expire(now)
            ready = self._ready(job_type, now, tenants)
            if ready or now >= end:
                break
            upcoming = [
                j.available_at
                for j in self.jobs.values()
                if j.type == job_type and j.state == "activatable"
            ] + [j.deadline for j in self.jobs.values() if j.state == "activated"]
            wake = min([end, *[t for t in upcoming if t > now]])
            await self._changed(wake - now)
        taken = ready[: max(max_jobs, 0)]
        epoch_ms = int(time.time() * 1000)
        for job in taken:
            job.state = "activated"
            job.worker = worker
            job.activations += 1
            job.activated_by.append(worker)
            self.activations.append(Activation(now, worker, job.key))
            job.timeout_ms = timeout_ms
            job.deadline = now + timeout_ms / 1000
            job.deadline_ms = epoch_ms + timeout_ms
        if taken:
            self._notify()
        return taken

    @staticmethod
    def visible_variables(job: FakeJob, fetch: list[str] | None) -> dict[str, Any]:
        if not fetch:
            return dict(job.variables)
        return {k: v for k, v in job.variables.items() if k in fetch}

    # -- commands ----------------------------------------------------------------------

    def _active(self, key: str) -> FakeJob | str:
        job = self.jobs.get(key)
        if job is None:
            return "not_found"
        if job.state != "activated":
            return "conflict"
        return job

    def _record(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        self._notify()

    def complete(self, key: str, body: dict[str, Any]) -> str:
        self._record(Outcome("complete", key, body, self._clock()))
        job = self._active(key)
        if isinstance(job, str):
            return job
        job.state = "completed"
        job.completed_by = job.worker
        job.variables.update(body.get("variables") or {})
        return "ok"

    def fail(self, key: str, body: dict[str, Any]) -> str:
        self._record(Outcome("fail", key, body, self._clock()))
        job = self._active(key)
        if isinstance(job, str):
            return job
        job.retries = int(body.get("retries", 0))
        job.variables.update(body.get("variables") or {})
        if job.retries > 0:
            job.state = "activatable"
            job.available_at = self._clock() + int(body.get("retryBackOff", 0)) / 1000
        else:
            job.state = "incident"
        return "ok"

    def throw_error(self, key: str, body: dict[str, Any]) -> str:
        self._record(Outcome("error", key, body, self._clock()))
        job = self._active(key)
        if isinstance(job, str):
            return job
        job.state = "error"
        return "ok"

    def update_timeout(self, key: str, body: dict[str, Any]) -> str:
        self._record(Outcome("update_timeout", key, body, self._clock()))
        job = self._active(key)
        if isinstance(job, str):
            return job
        timeout_ms = int((body.get("changeset") or {}).get("timeout") or 0)
        if timeout_ms > 0:
            job.timeout_ms = timeout_ms
            job.deadline = self._clock() + timeout_ms / 1000
            job.deadline_ms = int(time.time() * 1000) + timeout_ms
        return "ok"
