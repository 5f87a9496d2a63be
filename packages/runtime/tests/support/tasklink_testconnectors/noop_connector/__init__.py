"""The no-op test connector (benchmarks)."""

from __future__ import annotations

from typing import Any

from tasklink.core import Connector, InputModel

noop = Connector(
    id="io.tasklink.test.noop",
    name="noop",
    title="No-op",
    job_type="tasklink-test:noop:1",
    description="Does nothing (benchmarks)",
    package=__name__,
    icon=None,
)


class Nothing(InputModel):
    pass


@noop.operation(name="No-op", description="Return an empty object")
async def nothing(input: Nothing) -> dict[str, Any]:
    return {}
