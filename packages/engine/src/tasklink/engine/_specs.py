"""SpiffWorkflow task specs and event definitions that hand their work to the running
instance (:class:`tasklink.engine._instance.Instance`, Spiff's script engine of the
workflow): jobs, FEEL scripts, variable scopes of subprocesses, error throwing and
timers on the instance's clock. The BPMN semantics themselves stay Spiff's."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.specs.defaults import NoneTask, ScriptTask, ServiceTask, SubWorkflowTask
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
)

from ._expressions import Expression

if TYPE_CHECKING:
    from ._instance import Instance

__all__ = [
    "DateTimer",
    "DurationTimer",
    "ElementExtensions",
    "ErrorDefinition",
    "ExpressionScriptTask",
    "IoMapping",
    "JobTask",
    "PassThroughTask",
    "ScopedSubprocess",
    "instance_of",
]


@dataclass(frozen=True, slots=True)
class IoMapping:
    """One ``zeebe:input`` / ``zeebe:output``: ``source`` evaluated into ``target``."""

    source: Expression
    target: str


@dataclass(frozen=True, slots=True)
class ElementExtensions:
    """What the engine reads off an element beyond BPMN itself.

    Camunda: the job type and retries of ``zeebe:taskDefinition``, ``zeebe:taskHeaders``,
    ``zeebe:ioMapping`` and ``zeebe:script``. Activiti: the service task's
    ``implementation`` (``<connector>.<ACTION>``).
    """

    job_type: Expression | None = None
    retries: Expression | None = None
    headers: dict[str, str] = field(default_factory=dict)
    inputs: tuple[IoMapping, ...] = ()
    outputs: tuple[IoMapping, ...] = ()
    script: Expression | None = None
    result_variable: str | None = None
    implementation: str | None = None
    line: int | None = None  # of the element in the file, for messages


NO_EXTENSIONS = ElementExtensions()


def instance_of(task: Any) -> Instance:
    """The running instance a Spiff task belongs to."""
    instance: Instance = task.workflow.top_workflow.script_engine
    return instance


def extensions_of(spec: Any) -> ElementExtensions:
    found = getattr(spec, "extensions", None)
    return found if isinstance(found, ElementExtensions) else NO_EXTENSIONS


class JobTask(ServiceTask):  # type: ignore[misc]
    """A service task served by a connector. Manual for Spiff: the instance runs the job
    outside Spiff's engine steps (concurrently with other branches) and completes the
    task when the job's outcome arrives."""

    def __init__(self, wf_spec: Any, bpmn_id: str, **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.manual = True

    def _execute(self, task: Any) -> bool:
        return True  # the instance calls run() once the job's outcome is applied


class PassThroughTask(NoneTask):  # type: ignore[misc]
    """A task without a type (``bpmn:task``): Zeebe passes it at once, and so do we
    (Spiff would wait for a person to complete it)."""

    def __init__(self, wf_spec: Any, bpmn_id: str, **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.manual = False


class ExpressionScriptTask(ScriptTask):  # type: ignore[misc]
    """A script task whose script is a FEEL expression (``zeebe:script``)."""

    def __init__(self, wf_spec: Any, bpmn_id: str, **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, script=None, **kwargs)

    def _execute(self, task: Any) -> bool:
        instance_of(task).run_script(task)
        return True


class ScopedSubprocess(SubWorkflowTask):  # type: ignore[misc]
    """An embedded subprocess with its own variable scope (its input mappings), whose
    output mappings run when it completes."""

    def copy_data(self, my_task: Any, subworkflow: Any) -> None:
        instance_of(my_task).enter_subprocess(my_task)

    def update_data(self, my_task: Any, subworkflow: Any) -> None:
        instance_of(my_task).leave_subprocess(my_task)


class ErrorDefinition(ErrorEventDefinition):  # type: ignore[misc]
    """An error event matched by code; thrown (by an error end event) to the boundary
    events of the enclosing subprocesses, as Zeebe does, not to any catcher around."""

    def throw(self, my_task: Any) -> None:
        instance_of(my_task).throw_from_end_event(my_task, self.code)


class DurationTimer(DurationTimerEventDefinition):  # type: ignore[misc]
    """A timer due an ISO 8601 duration after it starts, on the instance's clock."""

    def has_fired(self, my_task: Any) -> bool:
        return instance_of(my_task).timer_fired(my_task, self.expression, duration=True)


class DateTimer(TimeDateEventDefinition):  # type: ignore[misc]
    """A timer due at an ISO 8601 date and time, on the instance's clock."""

    def has_fired(self, my_task: Any) -> bool:
        return instance_of(my_task).timer_fired(my_task, self.expression, duration=False)
