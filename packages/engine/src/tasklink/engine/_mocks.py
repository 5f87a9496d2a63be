"""Stand-ins for connectors in tests: ``run_process(..., mock={key: value})``.

A mock replaces the connector's *call*, not the job: its value is what the operation
returns (or raises), and the task's result variable, result and error expressions, retries
and boundary events then work exactly as for the real connector.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from pydantic import BaseModel, ConfigDict

from tasklink.core import Connector, Operation

__all__ = ["MockValue", "mock_operation", "mocked_job"]

#: A connector's output (any JSON value), an exception the operation raises
#: (``BpmnError``, ``ConnectorError``, ...), or a function of the job's variables
#: returning or raising one of those (it may be async).
MockValue = Any

_VERSIONED = re.compile(r".+:\d+$")


class _AnyInput(BaseModel):
    model_config = ConfigDict(extra="allow")


# The variables of the job a mock answers: the executor hands an operation only the fields
# its input model declares, and a mock declares none.
_job_variables: ContextVar[Mapping[str, Any]] = ContextVar("tasklink_mock_job_variables")


@contextmanager
def mocked_job(variables: Mapping[str, Any]) -> Iterator[None]:
    """Let a mock running in this context see ``variables``."""
    token = _job_variables.set(variables)
    try:
        yield
    finally:
        _job_variables.reset(token)


def mock_operation(key: str, value: MockValue, job_type: str | None) -> Operation:
    """One operation standing in for whatever serves ``key``."""
    connector = Connector(
        id=f"mock:{key}",
        name="mock",
        title=f"mock of {key}",
        job_type=job_type if job_type and _VERSIONED.match(job_type) else "tasklink:mock:1",
        description=f"stands in for {key} in run_process",
        package=__package__,
        icon=None,
    )

    @connector.operation("mock", name="Mock", description=f"the mock of {key}")
    async def call(data: _AnyInput) -> Any:
        result = value
        if callable(result) and not isinstance(result, type):
            result = result(dict(_job_variables.get({})))
            if inspect.isawaitable(result):
                result = await result
        if isinstance(result, BaseException):
            raise result
        return dict(result) if isinstance(result, Mapping) else result

    return connector.get_operation("mock")
