"""A connector that answers with the id of the process that ran it, for the tests of
``tasklink run --processes N`` (which worker took which job); serve it with
``--load worker_pid:connector`` (this folder on ``PYTHONPATH``). Its sibling
``worker_pid_crash`` ends the process that imports it: a worker that dies at start."""

from __future__ import annotations

import asyncio
import os

from pydantic import BaseModel

from tasklink.core import Connector, InputModel, field

connector = Connector(
    id="io.tasklink.test.pid",
    name="pid",
    title="Process id",
    job_type="tasklink-test:pid:1",
    description="Answers with the id of the worker process that ran the job",
    package="worker_pid",
)


class PidInput(InputModel):
    delay: float = field(0.0, description="Seconds to wait before answering")


class PidOutput(BaseModel):
    pid: int


@connector.operation(name="Who", description="The id of the process that ran the job")
async def who(input: PidInput) -> PidOutput:
    if input.delay:
        await asyncio.sleep(input.delay)
    return PidOutput(pid=os.getpid())
