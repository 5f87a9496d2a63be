"""The echo test connector: echoes, fails, sleeps and throws on demand."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from typing import Any

from pydantic import BaseModel

from tasklink.core import BpmnError, Connector, ConnectorError, Context, InputModel, field

echo = Connector(
    id="io.tasklink.test.echo",
    name="echo",
    title="Echo",
    job_type="tasklink-test:echo:1",
    description="Echoes its input and fails on demand (runtime tests)",
    package=__name__,
    icon=None,
)


# How often each flaky key has failed so far (in-process tests only).
flaky_failures: Counter[str] = Counter()


class EchoInput(InputModel):
    message: str = field(description="Text to echo")
    count: int = field(1, description="A number to echo", ge=0)
    token: str = field(
        "", description="A credential to echo (it must come back masked)", secret=True
    )
    delay: float = field(0, description="Seconds to wait before answering", ge=0)


class EchoOutput(BaseModel):
    message: str
    count: int
    token: str


class FailInput(InputModel):
    code: str = field("SERVICE_UNAVAILABLE", description="Error code")
    message: str = field("upstream is down", description="Error message")
    retryable: bool = field(True, description="May a retry help")


class BpmnInput(InputModel):
    code: str = field(description="BPMN error code")
    message: str = field("", description="Error message")


class SleepInput(InputModel):
    seconds: float = field(description="How long to sleep", ge=0)


class FlakyInput(InputModel):
    key: str = field(description="Counter key")
    failures: int = field(description="Fail this many times, then succeed", ge=0)


@echo.operation(name="Echo", description="Return the input")
async def echo_message(input: EchoInput, ctx: Context) -> EchoOutput:  # id: echo_message
    ctx.logger.info("echoing %r with token %s", input.message, input.token)
    if input.delay:
        await asyncio.sleep(input.delay)
    return EchoOutput(message=input.message, count=input.count, token=input.token)


@echo.operation(name="Fail", description="Raise a connector error")
async def fail(input: FailInput) -> dict[str, Any]:
    raise ConnectorError(
        input.message, code=input.code, retryable=input.retryable, variables={"why": "asked to"}
    )


@echo.operation(name="Throw BPMN error", description="Raise a BPMN error")
async def throw_bpmn(input: BpmnInput) -> dict[str, Any]:
    raise BpmnError(input.code, input.message, variables={"thrown": True})


@echo.operation(name="Sleep", description="Sleep, then answer")
async def sleep(input: SleepInput) -> dict[str, Any]:
    await asyncio.sleep(input.seconds)
    return {"slept": input.seconds}


@echo.operation(name="Blocking echo", description="A synchronous operation")
def blocking_echo(input: EchoInput, ctx: Context) -> dict[str, Any]:
    ctx.cancellation.raise_if_cancelled()
    return {"message": input.message, "thread": threading.current_thread().name}


@echo.operation(name="Flaky", description="Fail a number of times, then succeed")
async def flaky(input: FlakyInput) -> dict[str, Any]:
    if flaky_failures[input.key] < input.failures:
        flaky_failures[input.key] += 1
        raise ConnectorError("not yet", code="SERVICE_UNAVAILABLE")
    return {"attempts": flaky_failures[input.key] + 1}
