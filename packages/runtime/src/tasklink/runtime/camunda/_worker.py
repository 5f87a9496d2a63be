"""Job workers: one long-polling loop per job type, jobs run through the runtime pipeline.

Each loop reserves the slots it asks the gateway for before it polls, so all loops
together never lock more jobs than the runtime can run (a locked job waiting for a slot
could outlive its lock and run twice). Every job runs as a tracked pipeline task,
bounded by its lock, and its outcome is reported the way Camunda's connector runtime
does: complete with the mapped variables, fail with the retries left and the
``retryBackoff``, or throw a BPMN error. Gateway errors never end a loop: they are
logged and retried after a backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from tasklink.core import (
    BpmnErrorThrown,
    Completed,
    Connector,
    DocumentStore,
    ErrorCode,
    Failed,
    InputError,
    Job,
    Outcome,
)

from .._backoff import Backoff
from .._connectors import matches
from ._gateway import Gateway, GatewayError, MalformedResponseError
from ._headers import fetch_variables, job_timeout_ms, select_operation
from ._model import ActivatedJob, ActivationRequest

if TYPE_CHECKING:
    from .._pipeline import Pipeline

__all__ = ["CamundaWorker", "JobTypeWorker", "WorkerOptions"]

T = TypeVar("T")

_log = logging.getLogger("tasklink.runtime.camunda")

# Share of a worker's slots that must be free before it polls again.
_ACTIVATION_SHARE = 0.3

# Time a run leaves before its lock ends, to report the outcome: max(5 s, 10 % of the
# lock), at most half the lock.
_MIN_MARGIN = 5.0
_MARGIN_SHARE = 0.1

# Zeebe stores error messages with the incident; keep them readable and bounded.
_MAX_MESSAGE = 8000


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    """How the workers poll and report (see :class:`CamundaSettings` for the meaning)."""

    worker_name: str = "tasklink"
    job_timeout_ms: int = 300_000
    request_timeout_ms: int = 20_000
    max_jobs_active: int | None = None
    tenant_ids: tuple[str, ...] = ()
    fetch_all_variables: bool = False
    backoff_initial: float = 0.1
    backoff_max: float = 10.0
    report_attempts: int = 5
    job_types: tuple[tuple[str, str], ...] = ()  # connector key -> job type override
    job_timeouts: tuple[tuple[str, int], ...] = ()  # connector key -> lock in ms


def _override(connector: Connector, table: tuple[tuple[str, T], ...]) -> T | None:
    for key, value in table:
        if matches(connector, key):
            return value
    return None


def run_limit(lock_ms: int) -> float:
    """Seconds a job may run under a lock of ``lock_ms``: the lock minus the margin to
    report, so the outcome arrives while this worker still holds the job."""
    lock = lock_ms / 1000
    return lock - min(max(_MIN_MARGIN, lock * _MARGIN_SHARE), lock / 2)


def lock_for(seconds: float) -> int:
    """A lock (ms) long enough for a run of ``seconds`` plus the margin (at least 30 s)."""
    return math.ceil(max(seconds + 30, seconds / (1 - _MARGIN_SHARE)) * 1000)


class _StoppedError(Exception):
    """The worker was asked to stop while waiting."""


class JobTypeWorker:
    """Polls one job type and hands its jobs to the pipeline."""

    def __init__(self, connector: Connector, owner: CamundaWorker) -> None:
        options = owner.options
        self.connector = connector
        self.job_type = _override(connector, options.job_types) or connector.job_type
        fallback = owner.pipeline.settings.job_timeout
        limits = (
            op.timeout if op.timeout is not None else fallback
            for op in connector.operations.values()
        )
        declared = [t for t in limits if t is not None]
        default_lock = options.job_timeout_ms
        if declared:
            # The lock must outlast the longest operation, with room to report.
            default_lock = max(default_lock, lock_for(max(declared)))
        self.timeout_ms = _override(connector, options.job_timeouts) or default_lock
        self.fetch_variables = None if options.fetch_all_variables else fetch_variables(connector)
        self._owner = owner
        self._options = options
        self._gateway = owner.gateway
        self._backoff = Backoff(options.backoff_initial, options.backoff_max)
        self.active = 0

    def _capacity(self) -> int:
        """Jobs to ask for now: 0 until enough slots are free to make a poll worth it."""
        owner = self._owner
        limit = self._options.max_jobs_active
        mine = limit - self.active if limit is not None else owner.capacity
        # At most a fair share per poll: an open long poll holds its reservation, and an
        # idle job type must not hold every slot while another type has work.
        most = min(limit or owner.capacity, owner.share)
        free = max(min(mine, owner.free(), most), 0)
        # Like Camunda's clients, poll again once a share of the slots is free rather
        # than for every single job that finishes (one round trip per job otherwise).
        batch = max(1, math.ceil(most * _ACTIVATION_SHARE))
        if free < batch and self.active > 0:
            return 0
        return free

    async def _activate(self, request: ActivationRequest) -> list[ActivatedJob]:
        """One activation with ``max_jobs`` slots reserved while it is open; the caller
        starts the jobs before yielding to the loop, so no other poll sees the slots free
        in between."""
        owner = self._owner
        owner.reserve(request.max_jobs)
        try:
            return await owner.until_stopped(self._gateway.activate(request))
        finally:
            owner.unreserve(request.max_jobs)

    async def serve(self) -> None:
        """Poll until the owner stops; never raises for gateway trouble."""
        owner = self._owner
        while not owner.stopping:
            releases = owner.releases
            free = self._capacity()
            if free <= 0:
                try:
                    await owner.until_stopped(owner.slot_released(releases))
                except _StoppedError:
                    break
                continue
            request = ActivationRequest(
                job_type=self.job_type,
                worker=self._options.worker_name,
                timeout_ms=self.timeout_ms,
                max_jobs=free,
                request_timeout_ms=self._options.request_timeout_ms,
                fetch_variables=self.fetch_variables,
                tenant_ids=self._options.tenant_ids,
            )
            try:
                jobs = await self._activate(request)
            except _StoppedError:
                break
            except GatewayError as exc:
                if isinstance(exc, MalformedResponseError):
                    owner.pipeline.metrics.rejected("camunda", "malformed_response")
                await self._pause(exc)
                continue
            except Exception as exc:  # a bug or an unexpected library error: keep polling
                _log.exception("activating %s jobs failed unexpectedly", self.job_type)
                await self._pause(GatewayError(f"{type(exc).__name__}: {exc}"))
                continue
            if self._backoff.failures:
                _log.info("the gateway answers again; polling %s jobs", self.job_type)
                owner.gateway_ok()
            self._backoff.reset()
            if len(jobs) > free:
                _log.warning(
                    "the gateway activated %d %s jobs, %d were asked for",
                    len(jobs),
                    self.job_type,
                    free,
                )
            for job in jobs:
                owner.start(self, job)

    async def _pause(self, error: GatewayError) -> None:
        delay = self._backoff.next(error.retry_after)
        level = logging.ERROR if error.status in (400, 401, 403) else logging.WARNING
        _log.log(level, "%s; polling %s again in %.2fs", error, self.job_type, delay)
        self._owner.gateway_failed()
        with contextlib.suppress(_StoppedError):
            await self._owner.until_stopped(asyncio.sleep(delay))

    # -- one job --------------------------------------------------------------------------

    async def handle(self, job: ActivatedJob) -> None:
        """Run one job and report its outcome; on cancellation (shutdown past the grace
        period) hand the job back with its retries unchanged."""
        try:
            outcome = await self._execute(job)
        except asyncio.CancelledError:
            await asyncio.shield(self._hand_back(job))
            raise
        except Exception as exc:  # a bug must cost one job, never the worker
            _log.exception("job %s could not be run", job.key)
            message = self._owner.pipeline.redactor.redact(f"{type(exc).__name__}: {exc}")
            outcome = Failed(ErrorCode.UNKNOWN_ERROR, message, max(job.retries - 1, 0))
        if outcome is not None:
            await self._report(job, outcome)

    async def _execute(self, job: ActivatedJob) -> Outcome | None:
        pipeline = self._owner.pipeline
        redact = pipeline.redactor.redact
        try:
            operation = select_operation(self.connector, job.headers, job.variables)
            lock_ms = job_timeout_ms(job.headers)
        except InputError as exc:
            return Failed(exc.code, redact(exc.message), 0, input_error=True)
        lock = self.timeout_ms
        if lock_ms is not None and lock_ms != lock:
            try:
                await self._gateway.update_timeout(job, lock_ms)
                lock = lock_ms
            except GatewayError as exc:
                if exc.job_gone:
                    _log.warning("job %s is gone before it started: %s", job.key, exc)
                    return None
                _log.warning("job %s keeps its activation timeout: %s", job.key, exc)
        # The lock always bounds the run: past it Camunda offers the job to another worker
        # and it would run twice. Stop early enough to report the outcome.
        own = operation.timeout
        own = own if own is not None else pipeline.settings.job_timeout
        limit = run_limit(lock)
        timeout = limit if own is None else min(own, limit)
        core_job = Job(
            job.variables,
            headers=job.headers,
            info=job.info(),
            strict=False,
            documents=self._owner.documents,
        )
        return await pipeline.run(operation, core_job, timeout=timeout)

    async def _report(self, job: ActivatedJob, outcome: Outcome) -> None:
        gateway = self._gateway
        if isinstance(outcome, Completed):
            ok = await self._command(
                job, "complete", lambda: gateway.complete(job, outcome.variables)
            )
            if ok is False:
                return
            if isinstance(ok, GatewayError):
                # The gateway refused the result itself (too large, invalid): the same
                # run would be refused again, so raise an incident with the reason.
                await self._command(
                    job,
                    "fail",
                    lambda: gateway.fail(
                        job,
                        retries=0,
                        message=_clip(f"the gateway refused the job's result: {ok}"),
                        backoff_ms=0,
                        variables={},
                    ),
                )
        elif isinstance(outcome, BpmnErrorThrown):
            await self._command(
                job,
                "throw_error",
                lambda: gateway.throw_error(
                    job,
                    code=outcome.code,
                    message=_clip(outcome.message),
                    variables=outcome.variables,
                ),
            )
        else:
            backoff = outcome.backoff
            backoff_ms = max(int(backoff.total_seconds() * 1000), 0) if backoff else 0
            await self._command(
                job,
                "fail",
                lambda: gateway.fail(
                    job,
                    retries=max(outcome.retries, 0),
                    message=_clip(outcome.message),
                    backoff_ms=backoff_ms,
                    variables=outcome.variables,
                ),
            )

    async def _command(
        self, job: ActivatedJob, what: str, send: Callable[[], Awaitable[None]]
    ) -> bool | GatewayError:
        """Send a job command, retrying gateway trouble. ``True`` when it went through,
        ``False`` when it was given up, the refusing :class:`GatewayError` when the
        gateway rejected it as invalid (400)."""
        backoff = Backoff(self._options.backoff_initial, self._options.backoff_max)
        attempts = max(self._options.report_attempts, 1)
        unanswered = False  # an attempt got no answer at all (it may have been applied)
        for attempt in range(1, attempts + 1):
            try:
                await send()
                return True
            except GatewayError as exc:
                if exc.job_gone:
                    # After an attempt that got no answer (the connection dropped, the
                    # gateway restarted) the job is usually gone because that attempt was
                    # applied: saying "not applied" then would send operators after a
                    # result that was in fact delivered.
                    if unanswered:
                        _log.warning(
                            "job %s: the job is no longer active; the earlier %s attempt "
                            "that got no answer was probably applied: %s",
                            job.key,
                            what,
                            exc,
                        )
                    else:
                        _log.warning(
                            "job %s: %s not applied, the job is no longer active: %s",
                            job.key,
                            what,
                            exc,
                        )
                    return False
                if not exc.retryable:
                    _log.error("job %s: %s refused: %s", job.key, what, exc)
                    return exc if exc.status == 400 and what == "complete" else False
                if attempt == attempts:
                    _log.error(
                        "job %s: %s failed %d times, giving up (the job times out and is "
                        "offered again): %s",
                        job.key,
                        what,
                        attempts,
                        exc,
                    )
                    return False
                unanswered = unanswered or exc.status is None
                delay = backoff.next(exc.retry_after)
                _log.warning("job %s: %s failed (%s); retrying in %.2fs", job.key, what, exc, delay)
                await asyncio.sleep(delay)
            except Exception:  # never let a report crash the worker
                _log.exception("job %s: %s failed unexpectedly", job.key, what)
                return False
        return False

    async def _hand_back(self, job: ActivatedJob) -> None:
        # Retries unchanged: the job did not fail, this worker went away.
        await self._command(
            job,
            "fail",
            lambda: self._gateway.fail(
                job,
                retries=max(job.retries, 1),
                message="the tasklink worker shut down before the job finished",
                backoff_ms=0,
                variables={},
            ),
        )


def _clip(message: str) -> str:
    if len(message) <= _MAX_MESSAGE:
        return message
    return message[: _MAX_MESSAGE - 15] + " ...(truncated)"


class CamundaWorker:
    """Serves every connector of ``pipeline`` to a Camunda gateway, one loop per job type.

    ``await worker.serve()`` polls until :meth:`stop` (or the pipeline stops); jobs run as
    pipeline tasks, so ``pipeline.drain()`` lets them finish within the grace period.
    ``documents`` opens the jobs' document references and stores the documents they return
    (:class:`~tasklink.runtime.camunda.CamundaDocumentStore`; ``None``: the pipeline's
    default store, inline and external references only).
    """

    def __init__(
        self,
        pipeline: Pipeline,
        gateway: Gateway,
        options: WorkerOptions | None = None,
        *,
        connectors: tuple[Connector, ...] | None = None,
        documents: DocumentStore | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.gateway = gateway
        self.documents = documents
        self.options = options or WorkerOptions()
        self.capacity = pipeline.settings.concurrency
        self.workers = [
            JobTypeWorker(connector, self)
            for connector in (connectors if connectors is not None else pipeline.connectors)
        ]
        # Fair share of one poll (see JobTypeWorker._capacity).
        self.share = max(1, self.capacity // max(len(self.workers), 1))
        self._outstanding = 0
        self._reserved = 0
        self._releases = 0
        self._released: asyncio.Event | None = None
        self._stop: asyncio.Event | None = None

    # -- shared capacity ------------------------------------------------------------------

    def free(self) -> int:
        """Jobs that may be activated now: spawned jobs count from activation, not start,
        and the slots of open activations are reserved."""
        unclaimed = min(self.capacity - self._outstanding, self.pipeline.free_slots)
        return max(unclaimed - self._reserved, 0)

    def reserve(self, slots: int) -> None:
        """Hold ``slots`` for an activation about to be sent."""
        self._reserved += slots

    def unreserve(self, slots: int) -> None:
        """Give back an activation's reservation (its jobs are started right after)."""
        self._reserved -= slots
        self._wake()

    def _wake(self) -> None:
        self._releases += 1
        if self._released is not None:
            self._released.set()

    @property
    def releases(self) -> int:
        """How many times slots came free so far (read it before deciding to wait)."""
        return self._releases

    async def slot_released(self, since: int) -> None:
        """Wait until a job finishes after the count was ``since`` (none is missed even
        if it finished before this coroutine first ran)."""
        while self._releases == since:
            if self._released is None:
                self._released = asyncio.Event()
            self._released.clear()
            await self._released.wait()

    def start(self, worker: JobTypeWorker, job: ActivatedJob) -> None:
        self._outstanding += 1
        worker.active += 1
        task = self.pipeline.spawn(worker.handle(job), name=f"camunda-job-{job.key}")

        def done(_: asyncio.Task[None]) -> None:
            self._outstanding -= 1
            worker.active -= 1
            self._wake()

        task.add_done_callback(done)

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def stopping(self) -> bool:
        return (self._stop is not None and self._stop.is_set()) or self.pipeline.stopping

    def stop(self) -> None:
        """Stop polling (an activation in progress is abandoned)."""
        if self._stop is None:
            self._stop = asyncio.Event()
        self._stop.set()

    async def until_stopped(self, awaitable: Coroutine[Any, Any, T]) -> T:
        """Await ``awaitable`` unless a stop comes first (then raise :class:`_StoppedError`)."""
        if self._stop is None:
            self._stop = asyncio.Event()
        if self.stopping:
            awaitable.close()
            raise _StoppedError
        task = asyncio.ensure_future(awaitable)
        stop = asyncio.ensure_future(self._stop.wait())
        pipeline_stop = asyncio.ensure_future(self.pipeline.wait_stopping())
        try:
            await asyncio.wait([task, stop, pipeline_stop], return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            task.cancel()
            raise
        finally:
            stop.cancel()
            pipeline_stop.cancel()
        if task.done():
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        raise _StoppedError

    def gateway_failed(self) -> None:
        self.pipeline.set_ready(False, "gateway unavailable")

    def gateway_ok(self) -> None:
        self.pipeline.set_ready(True)

    async def serve(self) -> None:
        """Run every job type's loop until stopped."""
        if not self.workers:
            _log.warning("no connectors to serve")
        for worker in self.workers:
            fetch = (
                "all variables"
                if worker.fetch_variables is None
                else (", ".join(worker.fetch_variables))
            )
            _log.info(
                "serving job type %s (%s), timeout %d ms, fetching %s",
                worker.job_type,
                worker.connector.id,
                worker.timeout_ms,
                fetch,
            )
        self.pipeline.set_ready(True)
        await asyncio.gather(*(worker.serve() for worker in self.workers))
