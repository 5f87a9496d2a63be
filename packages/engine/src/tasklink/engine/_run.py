"""The run loop: Spiff's engine steps, the jobs of ready service tasks (concurrently,
through the runtime pipeline), retries, timers, errors and incidents, until the process
completes or stops on an incident."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from tasklink.core import BpmnErrorThrown, Completed, Failed, Outcome

from ._instance import MAX_STEPS, Clock, IncidentError, Instance
from ._jobs import JobKind, PreparedJob
from ._parser import Definition
from ._result import Incident, ProcessResult
from ._specs import DateTimer, DurationTimer, JobTask

__all__ = ["connect_path", "execute"]


class _DeepTrees:
    """Spiff's task iterators stop 1,000 tasks deep, and a loop in a model deepens the
    tree with every turn: past that depth ready tasks would go unseen and the run would
    stall. The engine's step limit bounds the depth instead."""

    max_steps = MAX_STEPS

    def get_tasks_iterator(self, first_task: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("max_depth", 4 * self.max_steps)
        return super().get_tasks_iterator(first_task, **kwargs)  # type: ignore[misc]


class _SubWorkflow(_DeepTrees, BpmnSubWorkflow):  # type: ignore[misc]
    pass


class _Workflow(_DeepTrees, BpmnWorkflow):  # type: ignore[misc]
    def create_subprocess(self, my_task: Any, spec_name: str) -> Any:
        subprocess = _SubWorkflow(
            self.subprocess_specs[spec_name], parent_task_id=my_task.id, top_workflow=self
        )
        subprocess.max_steps = self.max_steps
        self.subprocesses[my_task.id] = subprocess
        return subprocess


@dataclass
class _Running:
    task_id: UUID
    prepared: PreparedJob
    future: asyncio.Task[Outcome]


def _incident_in(exc: BaseException) -> Incident | None:
    """The incident an exception carries, also when Spiff wrapped it."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, IncidentError):
            return seen.incident
        seen = seen.__cause__ or seen.__context__
    return None


def _as_incident(exc: Exception) -> Incident:
    found = _incident_in(exc)
    if found is not None:
        return found
    task = getattr(exc, "task", None)
    spec = task.task_spec if task is not None else getattr(exc, "task_spec", None)
    where = str(getattr(spec, "bpmn_id", None) or getattr(spec, "name", "?"))
    if isinstance(exc, WorkflowException):
        # Spiff's own refusals while running: a gateway none of whose flows can be taken.
        return Incident("CONDITION_ERROR", where, f"{where}: no outgoing flow can be taken")
    return Incident("UNKNOWN", where, f"{type(exc).__name__}: {exc}")


class _Run:
    def __init__(
        self,
        definition: Definition,
        jobs: JobKind,
        instance: Instance,
    ) -> None:
        self.jobs = jobs
        self.instance = instance
        self.workflow = _Workflow(
            definition.spec, definition.subprocess_specs, script_engine=instance
        )
        self.workflow.max_steps = instance.max_steps
        self.running: dict[UUID, _Running] = {}
        self.retrying: dict[UUID, tuple[float, PreparedJob]] = {}

    # -- one pass -------------------------------------------------------------------------

    def _task(self, task_id: UUID) -> Any:
        return self.workflow.get_task_from_id(task_id)

    def _ready_jobs(self) -> list[Any]:
        return [
            task
            for task in self.workflow.get_tasks(state=TaskState.READY)
            if isinstance(task.task_spec, JobTask)
            and task.id not in self.running
            and task.id not in self.retrying
        ]

    def _start(self, task: Any, prepared: PreparedJob | None = None) -> None:
        if prepared is None:
            prepared = self.jobs.prepare(self.instance, task)
        self.instance.trace(f"job {prepared.key} of {prepared.element_id} started")
        future = asyncio.ensure_future(self.jobs.execute(prepared))
        self.running[task.id] = _Running(task.id, prepared, future)

    def _drop_cancelled(self) -> None:
        """Jobs whose task left READY (an interrupting boundary event fired)."""
        for task_id in list(self.running):
            if self._task(task_id).state != TaskState.READY:
                self.running.pop(task_id).future.cancel()
                self.instance.scopes.close(task_id)
        for task_id in list(self.retrying):
            if self._task(task_id).state != TaskState.READY:
                del self.retrying[task_id]
                self.instance.scopes.close(task_id)

    def _next_due(self) -> float | None:
        dues = [due for due, _ in self.retrying.values()]
        for task in self.workflow.event_manager.tasks.values():
            if isinstance(task.task_spec.event_definition, DurationTimer | DateTimer):
                due = self.instance.due(task)
                if due is not None:
                    dues.append(due)
        return min(dues) if dues else None

    def _settle(self, running: _Running, outcome: Outcome) -> None:
        task = self._task(running.task_id)
        prepared = running.prepared
        instance = self.instance
        if isinstance(outcome, Completed):
            self.jobs.completed(instance, task, prepared, outcome)
            instance.trace(f"job {prepared.key} of {prepared.element_id} completed")
            task.run()
            return
        if isinstance(outcome, Failed) and not outcome.incident and not outcome.input_error:
            backoff = outcome.backoff
            delay = backoff.total_seconds() if backoff else self.jobs.default_backoff
            task.internal_data["retries"] = outcome.retries
            job = prepared.job
            prepared.job = dataclasses.replace(
                job, info=dataclasses.replace(job.info, retries=outcome.retries)
            )
            self.retrying[task.id] = (instance.clock.now() + max(delay, 0.0), prepared)
            instance.trace(
                f"job {prepared.key} of {prepared.element_id} failed ({outcome.code}): "
                f"{outcome.message}; {outcome.retries} retries left, next in {delay:.3f}s"
            )
            return
        if isinstance(outcome, Failed):
            code = self.jobs.bpmn_error_code(prepared, outcome)
            if code is None:
                raise instance.incident(
                    task,
                    "JOB_NO_RETRIES",
                    outcome.message,
                    job_type=prepared.key,
                    code=outcome.code,
                    variables=outcome.variables,
                )
            outcome = BpmnErrorThrown(code, outcome.message, outcome.variables)
        assert isinstance(outcome, BpmnErrorThrown)
        if not instance.throw_error(task, outcome.code, outcome.message, outcome.variables):
            raise instance.incident(
                task,
                "UNHANDLED_ERROR_EVENT",
                f"no event catches the error {outcome.code!r}: {outcome.message}",
                job_type=prepared.key,
                code=outcome.code,
                variables=outcome.variables,
            )

    def _retry_due(self) -> None:
        now = self.instance.clock.now()
        for task_id, (due, prepared) in list(self.retrying.items()):
            if due <= now:
                del self.retrying[task_id]
                self._start(self._task(task_id), prepared)

    # -- the loop ---------------------------------------------------------------------

    async def run(self) -> ProcessResult:
        try:
            await self._loop()
        except Exception as exc:  # an incident, or Spiff refusing to go on
            return self._result(_as_incident(exc))
        finally:
            for running in self.running.values():
                running.future.cancel()
            if self.running:
                await asyncio.gather(
                    *(r.future for r in self.running.values()), return_exceptions=True
                )
        return self._result(None)

    async def _loop(self) -> None:
        workflow = self.workflow
        clock = self.instance.clock
        while True:
            workflow.do_engine_steps()
            if workflow.completed:
                return
            self._drop_cancelled()
            for task in self._ready_jobs():
                self._start(task)
            self._retry_due()
            due = self._next_due()
            if not self.running:
                if due is None:
                    raise IncidentError(
                        Incident("UNKNOWN", "?", "the process waits for nothing it can get")
                    )
                if clock.virtual:
                    clock.advance_to(due)
                else:
                    await asyncio.sleep(max(due - clock.now(), 0.0))
                workflow.refresh_timers()
                continue
            timeout = None if due is None else max(due - clock.now(), 0.0)
            done, _ = await asyncio.wait(
                [r.future for r in self.running.values()],
                timeout=timeout,
                return_when=asyncio.FIRST_COMPLETED,
            )
            for running in [r for r in self.running.values() if r.future in done]:
                del self.running[running.task_id]
                self._settle(running, running.future.result())
            workflow.refresh_timers()

    def _result(self, incident: Incident | None) -> ProcessResult:
        return ProcessResult(
            "incident" if incident else "completed",
            self.instance.scopes.root,
            self.instance.path,
            incident,
        )


def _on_completed(workflow: Any, task: Any) -> None:
    instance = task.workflow.top_workflow.script_engine
    if isinstance(instance, Instance):
        instance.completed(task)


def connect_path(definition: Definition) -> None:
    """Let every BPMN element report its completion to its instance (once per spec)."""
    for spec in definition.task_specs():
        if getattr(spec, "bpmn_id", None) is not None:
            spec.completed_event.connect(_on_completed)


async def execute(
    definition: Definition,
    jobs: JobKind,
    variables: dict[str, Any],
    *,
    clock: Clock,
    trace: Callable[[str], None] | None = None,
    max_steps: int = MAX_STEPS,
) -> ProcessResult:
    """Run one instance of ``definition`` to its end."""
    instance = Instance(variables, clock=clock, trace=trace, max_steps=max_steps)
    return await _Run(definition, jobs, instance).run()
