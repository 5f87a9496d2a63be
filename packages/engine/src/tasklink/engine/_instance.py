"""One running process instance: the variables, the clock, the path, and the hooks the
engine's task specs call (scripts, subprocess scopes, errors, timers).

It is SpiffWorkflow's script engine of the workflow, so every spec reaches it from its
task (:func:`._specs.instance_of`); Spiff itself calls :meth:`Instance.evaluate` for the
conditions of gateways.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.util.task import TaskState

from ._expressions import Expression, ExpressionError
from ._result import Incident
from ._scopes import Scopes, set_target
from ._specs import ElementExtensions, ErrorDefinition, IoMapping, extensions_of

__all__ = ["MAX_STEPS", "Clock", "IncidentError", "Instance", "element_id"]

#: Elements one run may complete by default: a loop in the model (a gateway leading back
#: with a condition that never turns) would otherwise hold the event loop forever. Spiff
#: walks the whole task tree on every step, so a run's cost grows with the square of its
#: length: 5,000 elements take seconds, not minutes.
MAX_STEPS = 5_000

_DUE = "tasklink_due"  # a timer's due time on the instance clock, in its task's data


class IncidentError(Exception):
    """Ends the run with ``incident`` (raised from inside Spiff's calls)."""

    def __init__(self, incident: Incident) -> None:
        super().__init__(incident.message)
        self.incident = incident


class Clock:
    """Wall-clock seconds, or virtual ones that jump to the next timer when nothing
    else can happen (``run_process(..., clock="virtual")``: a process waiting an hour
    is tested in milliseconds)."""

    def __init__(self, virtual: bool = False) -> None:
        self.virtual = virtual
        self._offset = 0.0

    def now(self) -> float:
        return time.time() + self._offset

    def advance_to(self, moment: float) -> None:
        if self.virtual:
            self._offset += max(moment - self.now(), 0.0)


def element_id(task: Any) -> str:
    return str(getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name)


def _scope_keys(task: Any) -> list[UUID]:
    """The task's own scope, then each enclosing subprocess's, innermost first."""
    keys = [task.id]
    workflow = task.workflow
    while workflow.parent_task_id is not None:
        keys.append(workflow.parent_task_id)
        workflow = workflow.parent_workflow
    return keys


def _enclosing(task: Any) -> Any:
    """The subprocess task whose subprocess holds ``task`` (``None`` at the top)."""
    parent = task.workflow.parent_task_id
    return task.workflow.top_workflow.get_task_from_id(parent) if parent else None


class Instance(PythonScriptEngine):  # type: ignore[misc]
    """The state of one process instance beyond Spiff's tokens."""

    def __init__(
        self,
        variables: Mapping[str, Any],
        *,
        clock: Clock,
        trace: Callable[[str], None] | None = None,
        max_steps: int = MAX_STEPS,
    ) -> None:
        super().__init__()
        self.scopes = Scopes(variables)
        self.clock = clock
        self.path: list[str] = []
        self.max_steps = max_steps
        self._trace = trace
        # A caught error's variables, and errorCode / errorMessage, which only the catch
        # event's output mappings see, by the catching boundary event's task id.
        self._caught: dict[UUID, tuple[dict[str, Any], dict[str, Any]]] = {}
        # Subprocesses ended by an error from inside: Spiff completes them, Zeebe does not
        # (no output mappings, not on the path).
        self._ended_by_error: set[UUID] = set()

    def trace(self, message: str) -> None:
        if self._trace is not None:
            self._trace(message)

    # -- variables ------------------------------------------------------------------------

    def visible(self, task: Any) -> dict[str, Any]:
        """Every variable the task sees, its own scope included."""
        return self.scopes.visible(_scope_keys(task))

    def propagate(self, task: Any, variables: Mapping[str, Any]) -> None:
        """Merge ``variables`` into the task's flow scope (the task's own scope closed)."""
        self.scopes.propagate(_scope_keys(task)[1:], variables)

    def _mapped(
        self, task: Any, mappings: tuple[IoMapping, ...], context: dict[str, Any], kind: str
    ) -> dict[str, Any]:
        """Evaluate ``mappings`` in ``context`` into their targets (an
        ``IO_MAPPING_ERROR`` incident when one fails). Inputs see the inputs before them."""
        mapped: dict[str, Any] = {}
        for mapping in mappings:
            try:
                value = mapping.source.evaluate(context)
            except ExpressionError as exc:
                raise self.incident(
                    task, "IO_MAPPING_ERROR", f"{kind} {mapping.target}: {exc}"
                ) from None
            name = set_target(mapped, mapping.target, value, context)
            if kind == "input":
                context[name] = mapped[name]
        return mapped

    def apply_inputs(self, task: Any, inputs: tuple[IoMapping, ...]) -> dict[str, Any]:
        """The task's input mappings, as its local variables."""
        return self._mapped(task, inputs, self.visible(task), "input")

    def finish(
        self, task: Any, variables: Mapping[str, Any], local: Mapping[str, Any] | None = None
    ) -> None:
        """End the task's work with ``variables`` (a job's, a script's result, a caught
        error's): its output mappings (which also see ``local``), or all of them, merge
        into the flow scope."""
        outputs = extensions_of(task.task_spec).outputs
        if outputs:
            context = {**self.visible(task), **(local or {}), **variables}
            variables = self._mapped(task, outputs, context, "output")
        self.scopes.close(task.id)
        self.propagate(task, variables)

    # -- Spiff's hooks --------------------------------------------------------------------

    def evaluate(self, task: Any, expression: Any, external_context: Any = None) -> bool:
        """A sequence flow's condition (Spiff calls this for gateways)."""
        assert isinstance(expression, Expression)
        try:
            return expression.condition(self.visible(task))
        except ExpressionError as exc:
            raise self.incident(task, "CONDITION_ERROR", str(exc)) from None

    def execute(self, task: Any, script: Any, external_context: Any = None) -> bool:
        raise NotImplementedError("the engine runs scripts through run_script")

    def run_script(self, task: Any) -> None:
        """A script task: its FEEL expression's value into ``resultVariable``."""
        extensions: ElementExtensions = extensions_of(task.task_spec)
        self.scopes.open(task.id, self.apply_inputs(task, extensions.inputs))
        assert extensions.script is not None  # checked when the file was read
        try:
            value = extensions.script.evaluate(self.visible(task))
        except ExpressionError as exc:
            raise self.incident(task, "EXTRACT_VALUE_ERROR", f"script: {exc}") from None
        name = extensions.result_variable
        self.finish(task, {name: value} if name else {})

    def enter_subprocess(self, task: Any) -> None:
        self.scopes.open(task.id, self.apply_inputs(task, extensions_of(task.task_spec).inputs))

    def leave_subprocess(self, task: Any) -> None:
        if task.id in self._ended_by_error:
            self.scopes.close(task.id)
        else:
            self.finish(task, {})

    def completed(self, task: Any) -> None:
        """Every BPMN element that completes: the path, and a caught error's variables."""
        name = getattr(task.task_spec, "bpmn_id", None)
        if name is None or task.id in self._ended_by_error:
            return
        caught = self._caught.pop(task.id, None)
        if caught is not None:
            self.finish(task, *caught)
        self.path.append(name)
        if len(self.path) > self.max_steps:
            raise self.incident(
                task,
                "STEP_LIMIT",
                f"the process completed {self.max_steps} elements without ending: a loop "
                "in the model?",
            )
        self.trace(f"completed {name}")

    def timer_fired(self, task: Any, expression: Expression, *, duration: bool) -> bool:
        due = task.internal_data.get(_DUE)
        if due is None:
            due = self._due(task, expression, duration)
            task.internal_data[_DUE] = due
            self.trace(f"timer {element_id(task)} due in {max(due - self.clock.now(), 0):.3f}s")
        return bool(self.clock.now() >= due)

    def _due(self, task: Any, expression: Expression, duration: bool) -> float:
        try:
            text = expression.evaluate(self.visible(task))
            if duration:
                from tasklink.core import parse_duration

                return self.clock.now() + parse_duration(str(text)).total_seconds()
            moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return moment.timestamp()
        except (ExpressionError, ValueError) as exc:
            kind = "duration" if duration else "date"
            raise self.incident(
                task, "EXTRACT_VALUE_ERROR", f"timer {kind} {expression.text!r}: {exc}"
            ) from None

    @staticmethod
    def due(task: Any) -> float | None:
        due = task.internal_data.get(_DUE)
        return float(due) if due is not None else None

    # -- errors ---------------------------------------------------------------------------

    def throw_error(self, task: Any, code: str, message: str, variables: Mapping[str, Any]) -> bool:
        """Throw a BPMN error from ``task``: the first error boundary event that catches
        ``code``, on the task or an enclosing subprocess, gets it (a boundary event that
        names the code before one that catches every error). ``False``: none did."""
        return self._throw(task, code, message, variables) is not None

    def _throw(self, task: Any, code: str, message: str, variables: Mapping[str, Any]) -> Any:
        """:meth:`throw_error`; the task whose boundary event caught it, or ``None``."""
        event = BpmnEvent(ErrorDefinition(code, code), payload=dict(variables))
        node: Any = task
        while node is not None:
            catcher = self._catcher(node, event)
            if catcher is not None:
                self.scopes.close(task.id)
                self._caught[catcher.id] = (
                    dict(variables),
                    {"errorCode": code, "errorMessage": message},
                )
                catcher.task_spec.catch(catcher, event)
                catcher.task_spec._update(catcher)
                self.trace(f"error {code} from {element_id(task)} caught by {element_id(catcher)}")
                return node
            node = _enclosing(node)
        return None

    @staticmethod
    def _catcher(node: Any, event: BpmnEvent) -> Any:
        split = node.parent
        if split is None or not isinstance(split.task_spec, BoundaryEventSplit):
            return None
        candidates = [
            child
            for child in split.children
            if child is not node
            and isinstance(child.task_spec, BoundaryEvent)
            and isinstance(child.task_spec.event_definition, ErrorDefinition)
            and child.state == TaskState.WAITING
            and child.task_spec.catches(child, event)
        ]
        candidates.sort(key=lambda child: child.task_spec.event_definition.code is None)
        return candidates[0] if candidates else None

    def throw_from_end_event(self, task: Any, code: str | None) -> None:
        """An error end event: thrown to the boundary events of its subprocess (and the
        ones around that); an incident when nothing catches it, as in Zeebe."""
        code = code or ""
        holder = _enclosing(task)
        caught_at = self._throw(holder, code, "", {}) if holder is not None else None
        if caught_at is not None:
            # Every subprocess from the thrower's up to the catching one ends by the error.
            while holder is not None:
                self._ended_by_error.add(holder.id)
                if holder is caught_at:
                    break
                holder = _enclosing(holder)
            return
        raise self.incident(task, "UNHANDLED_ERROR_EVENT", f"no event catches the error {code!r}")

    def incident(self, task: Any, kind: str, message: str, **details: Any) -> IncidentError:
        """An exception ending the run at ``task`` (raise it)."""
        return IncidentError(Incident(kind, element_id(task), message, **details))
