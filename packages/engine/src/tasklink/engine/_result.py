"""What a process run ends with: the JSON document ``tasklink process run`` prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Incident", "ProcessResult"]


@dataclass(frozen=True, slots=True)
class Incident:
    """Why a process instance stopped, as Camunda names incidents: ``JOB_NO_RETRIES``
    (a job failed with no retries left), ``UNHANDLED_ERROR_EVENT`` (a BPMN error no
    event caught), ``IO_MAPPING_ERROR``, ``CONDITION_ERROR`` (no flow of a gateway could
    be taken, or a condition failed), ``EXTRACT_VALUE_ERROR`` (a timer, script or job
    type expression failed); and the embedded engine's own ``STEP_LIMIT`` (a run
    completed :data:`~tasklink.engine._instance.MAX_STEPS` elements: a loop)."""

    type: str
    element_id: str
    message: str
    job_type: str | None = None
    code: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "elementId": self.element_id,
            "message": self.message,
            "jobType": self.job_type,
            "code": self.code,
            "variables": self.variables,
        }


@dataclass(frozen=True, slots=True)
class ProcessResult:
    """The end of one process instance.

    ``path`` lists the ids of the BPMN elements in the order they completed (a task
    retried once appears once; a branch not taken, not at all).
    """

    state: Literal["completed", "incident"]
    variables: dict[str, Any]
    path: list[str]
    incident: Incident | None = None

    @property
    def completed(self) -> bool:
        return self.state == "completed"

    def to_json(self) -> dict[str, Any]:
        """``{"state", "variables", "path", "incident"}``."""
        return {
            "state": self.state,
            "variables": self.variables,
            "path": self.path,
            "incident": self.incident.to_json() if self.incident else None,
        }
