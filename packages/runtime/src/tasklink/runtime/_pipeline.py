"""The pipeline every engine adapter shares: core's job path plus what a process needs.

:class:`tasklink.core.JobExecutor` does the engine-neutral work (secrets, binding and
validation, the operation under a timeout, output mapping, result and error expressions,
outcome). The pipeline adds bounded concurrency, a thread pool for synchronous
operations, cancellation, metrics, job logs, health, and the bookkeeping for a graceful
shutdown (stop fetching, drain, cancel what is left).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from tasklink.core import (
    BpmnErrorThrown,
    CancellationToken,
    Completed,
    Connector,
    ExpressionEvaluator,
    Failed,
    InlineDocumentStore,
    Job,
    JobExecutor,
    Operation,
    Outcome,
    Redactor,
    SecretProvider,
    VendorContract,
)

from ._metrics import Metrics, MetricsRecorder, NullMetrics
from ._settings import DEFAULT_JOB_TIMEOUT, RuntimeSettings

__all__ = ["Pipeline", "outcome_label"]

T = TypeVar("T")

_log = logging.getLogger("tasklink.runtime")
_job_log = logging.getLogger("tasklink.runtime.jobs")


def outcome_label(outcome: Outcome) -> str:
    """``completed``, ``failed`` (will be retried), ``incident`` or ``bpmn_error``."""
    if isinstance(outcome, Completed):
        return "completed"
    if isinstance(outcome, BpmnErrorThrown):
        return "bpmn_error"
    return "incident" if outcome.incident else "failed"


def _takes_over(operation: Operation, other: Operation) -> bool:
    """Whether ``operation`` of a vendor contract replaces ``other`` of a connector of
    ours under the same Activiti name (our e-mail connector's ``email.SEND`` and APA's):
    APA processes address the vendor's connector by its name, and the operator turned the
    contract on."""
    contract = operation.connector
    return (
        isinstance(contract, VendorContract)
        and contract.engine == "activiti"
        and not isinstance(other.connector, VendorContract)
    )


class Pipeline:
    """Runs jobs for a set of connectors with the limits of ``settings``.

    Build one per runtime process (or embedding application)::

        pipeline = Pipeline([connector], RuntimeSettings(concurrency=8))
        outcome = await pipeline.run(connector.get_operation(), Job({"name": "Ada"}))

    ``secrets`` defaults to the environment variables ``settings.secrets_environment``
    allows; the runtime's CLI passes the full chain (environment, secrets file, plugin
    providers). ``allowed_secrets`` maps connector ids (and ``"*"``) to the secret names
    their jobs may resolve.
    """

    def __init__(
        self,
        connectors: Iterable[Connector],
        settings: RuntimeSettings | None = None,
        *,
        secrets: SecretProvider | None = None,
        evaluator: ExpressionEvaluator | None = None,
        redactor: Redactor | None = None,
        metrics: bool = True,
        allowed_secrets: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        self.settings = settings if settings is not None else RuntimeSettings()
        self.connectors: tuple[Connector, ...] = tuple(connectors)
        self._operations: dict[str, Operation] = {}
        self._job_types: dict[str, Connector] = {}
        for connector in self.connectors:
            if connector.job_type in self._job_types:
                other = self._job_types[connector.job_type]
                raise ValueError(
                    f"connectors {other.id} and {connector.id} share job type {connector.job_type}"
                )
            self._job_types[connector.job_type] = connector
            for operation in connector.operations.values():
                name = operation.qualified_name
                declared = self._operations.get(name)
                if declared is None or _takes_over(operation, declared):
                    self._operations[name] = operation
                elif not _takes_over(declared, operation):
                    raise ValueError(f"two connectors declare the operation {name}")
        if secrets is None:
            from tasklink.core import SecretChain

            from ._connectors import environment_secrets

            secrets = SecretChain(environment_secrets(self.settings))
        self.executor = JobExecutor(
            secrets,
            redactor=redactor,
            evaluator=evaluator,
            run_sync=self._run_sync,
            logger=logging.getLogger("tasklink.connector"),
            allowed_secrets=allowed_secrets,
            expression_timeout=self.settings.expression_timeout,
            expression_max_steps=self.settings.expression_max_steps,
            # For jobs whose engine brings no store of its own: inline and external
            # references, within the operator's limit.
            documents=InlineDocumentStore(max_bytes=self.settings.document_max_bytes),
        )
        self.redactor = self.executor.redactor
        self.metrics: MetricsRecorder = Metrics() if metrics else NullMetrics()
        self._semaphore = asyncio.Semaphore(self.settings.concurrency)
        self._pool: ThreadPoolExecutor | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._running = 0
        self._saturated_since: float | None = None  # when the last free slot was taken
        self._stopping = asyncio.Event()
        self._forced = asyncio.Event()
        self._ready = asyncio.Event()
        self.status = "starting"

    # -- what is served -------------------------------------------------------------

    @property
    def operations(self) -> tuple[Operation, ...]:
        """Every operation of every served connector, in declaration order."""
        return tuple(self._operations.values())

    def find_operation(self, qualified_name: str) -> Operation:
        """The operation called ``<connector name>.<ACTION>``; :class:`KeyError` otherwise."""
        found = self._operations.get(qualified_name)
        if found is None:
            name, _, action = qualified_name.rpartition(".")
            for operation in self._operations.values():
                if operation.connector.name == name and operation.action == action.upper():
                    return operation
            raise KeyError(f"no served operation {qualified_name!r}")
        return found

    def connector_for_job_type(self, job_type: str) -> Connector:
        """The served connector with this job type; :class:`KeyError` otherwise."""
        try:
            return self._job_types[job_type]
        except KeyError:
            raise KeyError(f"no served connector has the job type {job_type!r}") from None

    # -- running jobs ---------------------------------------------------------------

    async def _run_sync(self, function: Callable[[], T]) -> T:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                max_workers=self.settings.concurrency, thread_name_prefix="tasklink-op"
            )
        return await asyncio.get_running_loop().run_in_executor(self._pool, function)

    @property
    def in_flight(self) -> int:
        """Jobs inside :meth:`run` now."""
        return self._running

    @property
    def free_slots(self) -> int:
        """How many more jobs may start now (for engines that fetch in batches)."""
        return max(self.settings.concurrency - self._running, 0)

    @property
    def saturated_for(self) -> float:
        """Seconds every job slot has been busy without a pause (0 when one is free)."""
        since = self._saturated_since
        return 0.0 if since is None else time.monotonic() - since

    @property
    def saturated(self) -> bool:
        """Whether every slot has been busy for ``settings.saturation_threshold`` seconds:
        jobs that hold their slots that long (a server dripping its answer, say) keep
        every other job waiting."""
        return self._saturated_since is not None and (
            self.saturated_for >= self.settings.saturation_threshold
        )

    async def run(
        self,
        operation: Operation,
        job: Job,
        *,
        timeout: float | None = None,
        cancellation: CancellationToken | None = None,
    ) -> Outcome:
        """Run one job to its outcome. Never raises for anything the job does.

        Waits for a free slot (``settings.concurrency``). The timeout is ``timeout``,
        else the operation's own, else ``settings.job_timeout``, else
        :data:`DEFAULT_JOB_TIMEOUT`: no job runs without a deadline. If the calling task
        is cancelled (shutdown) the cancellation token is set and ``CancelledError``
        propagates.
        """
        limit = timeout
        if limit is None:
            limit = operation.timeout
            if limit is None:
                limit = self.settings.job_timeout or DEFAULT_JOB_TIMEOUT
        token = cancellation if cancellation is not None else CancellationToken()
        connector = operation.connector.name
        async with self._semaphore:
            self._running += 1
            if self._running >= self.settings.concurrency and self._saturated_since is None:
                self._saturated_since = time.monotonic()
            self.metrics.job_started(connector)
            started = time.perf_counter()
            label = "error"  # an exception escaped the executor (a bug)
            try:
                outcome = await self.executor.execute(
                    operation, job, timeout=limit, cancellation=token
                )
                label = outcome_label(outcome)
            except asyncio.CancelledError:
                label = "cancelled"
                token.cancel()
                raise
            finally:
                elapsed = time.perf_counter() - started
                self._running -= 1
                self._saturated_since = None
                self.metrics.job_finished(connector, operation.id, label, elapsed)
        self._log_outcome(operation, job, outcome, elapsed)
        return outcome

    def _log_outcome(
        self, operation: Operation, job: Job, outcome: Outcome, elapsed: float
    ) -> None:
        if isinstance(outcome, Completed) and not _job_log.isEnabledFor(logging.DEBUG):
            return  # the common case: nothing to log, nothing to build
        name = operation.qualified_name
        extra = {
            "job_key": job.info.job_key,
            "operation": name,
            "outcome": outcome_label(outcome),
            "duration_ms": round(elapsed * 1000, 3),
        }
        if isinstance(outcome, Completed):
            _job_log.debug("job %s of %s completed", job.info.job_key, name, extra=extra)
        elif isinstance(outcome, BpmnErrorThrown):
            extra["code"] = outcome.code
            _job_log.info(
                "job %s of %s threw BPMN error %s: %s",
                job.info.job_key,
                name,
                outcome.code,
                outcome.message,
                extra=extra,
            )
        else:
            assert isinstance(outcome, Failed)
            extra["code"] = outcome.code
            what = "input error" if outcome.input_error else "failed"
            left = "no retries left" if outcome.incident else f"{outcome.retries} retries left"
            _job_log.warning(
                "job %s of %s %s (%s): %s; %s",
                job.info.job_key,
                name,
                what,
                outcome.code,
                outcome.message,
                left,
                extra=extra,
            )

    # -- lifecycle --------------------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, T], *, name: str | None = None) -> asyncio.Task[T]:
        """Start ``coro`` as a task that :meth:`drain` waits for on shutdown."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def track(self, task: asyncio.Task[Any] | None = None) -> None:
        """Let :meth:`drain` wait for ``task`` (default: the current one), for engines whose
        client library already runs each delivery in a task of its own."""
        task = task if task is not None else asyncio.current_task()
        if task is not None and task not in self._tasks:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def stop(self) -> None:
        """Ask the engine to stop fetching and shut down; a second call skips the grace
        period (in-flight jobs are cancelled and handed back at once)."""
        if self._stopping.is_set():
            if not self._forced.is_set():
                _log.warning("second stop request: handing in-flight jobs back now")
            self._forced.set()
            return
        _log.info("stopping: no new jobs are fetched")
        self.status = "stopping"
        self._stopping.set()

    async def wait_stopping(self) -> None:
        await self._stopping.wait()

    def set_ready(self, ready: bool, status: str | None = None) -> None:
        """Report readiness for ``/health`` (``status`` is a short word shown there)."""
        if self._stopping.is_set():
            self.status = "stopping"
        else:
            self.status = status or ("ready" if ready else "unavailable")
        if ready:
            self._ready.set()
        else:
            self._ready.clear()

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and not self._stopping.is_set()

    async def wait_ready(self) -> None:
        await self._ready.wait()

    async def drain(self, grace: float | None = None) -> int:
        """Wait up to ``grace`` (default ``settings.grace_period``) for the spawned
        tasks, then cancel those left and wait for them to hand their work back.
        Returns how many were cancelled."""
        grace = self.settings.grace_period if grace is None else grace
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        if self._tasks:
            _log.info("waiting up to %gs for %d in-flight jobs", grace, len(self._tasks))
        forced = asyncio.ensure_future(self._forced.wait())
        try:
            while self._tasks and not self._forced.is_set():
                left = deadline - loop.time()
                if left <= 0:
                    break
                await asyncio.wait(
                    [*self._tasks, forced], timeout=left, return_when=asyncio.FIRST_COMPLETED
                )
        finally:
            forced.cancel()
        remaining = [task for task in self._tasks if not task.done()]
        if remaining:
            _log.warning("cancelling %d jobs still running after the grace period", len(remaining))
            for task in remaining:
                task.cancel()
            await asyncio.gather(*remaining, return_exceptions=True)
        return len(remaining)

    async def aclose(self) -> None:
        """Run the connectors' shutdown hooks (closing pooled clients) and release the
        thread pool (threads still running finish in the background). Call it after the
        last job; a failing hook is logged and the others still run."""
        # A vendor contract runs on the clients of the connector it serves: close those once.
        owners = {
            id(owner): owner
            for owner in (c.serves if isinstance(c, VendorContract) else c for c in self.connectors)
        }
        for connector in owners.values():
            try:
                await connector.aclose()
            except Exception:
                _log.exception("a shutdown hook of connector %s failed", connector.id)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
