"""Connectors the Camunda worker tests serve."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from pydantic import BaseModel, Field

from tasklink.core import (
    BpmnError,
    Connector,
    ConnectorError,
    Context,
    InputModel,
    RetryError,
    field,
)

__all__ = ["greeter", "single"]

greeter = Connector(
    id="io.tasklink.test.greeter",
    name="greeter",
    title="Greeter",
    job_type="tasklink-test:greeter:1",
    description="Greets, fails and sleeps on demand (Camunda worker tests)",
    package=__name__,
)

single = Connector(
    id="io.tasklink.test.upper",
    name="upper",
    title="Upper",
    job_type="tasklink-test:upper:1",
    description="One operation: upper-cases a text",
    package=__name__,
)

# Jobs that started, by name (tests use it to see a job is running).
started: list[str] = []


class Address(BaseModel):
    city: str = Field(description="City")


class GreetInput(InputModel):
    name: str = field(description="Who to greet")
    times: int = field(1, description="How often", ge=1, le=5)
    address: Address | None = field(None, description="Where they live")
    api_key: str = field("", description="A credential", secret=True, alias="apiKey")


class GreetOutput(BaseModel):
    greeting: str
    length: int


class FailInput(InputModel):
    code: str = field("SERVICE_UNAVAILABLE", description="Error code")
    message: str = field("upstream is down", description="Error message")
    retryable: bool = field(True, description="May a retry help")
    backoff_seconds: float | None = field(None, description="Backoff the connector asks for")
    retries: int | None = field(None, description="Retries the connector asks for")


class BpmnInput(InputModel):
    code: str = field(description="BPMN error code")
    message: str = field("", description="Error message")
    detail: str = field("", description="Goes into the error variables")


class SleepInput(InputModel):
    seconds: float = field(description="How long to sleep", ge=0)
    label: str = field("sleeper", description="Recorded in started")


@greeter.operation(name="Greet", description="Greet someone")
async def greet(input: GreetInput, ctx: Context) -> GreetOutput:
    ctx.logger.info("greeting %s with key %s", input.name, input.api_key)
    text = " ".join([f"Hello {input.name}"] * input.times)
    if input.address is not None:
        text += f" from {input.address.city}"
    return GreetOutput(greeting=text, length=len(text))


@greeter.operation(name="Fail", description="Fail like an upstream would")
def fail(input: FailInput) -> dict[str, str]:
    if input.retries is not None or input.backoff_seconds is not None:
        backoff = timedelta(seconds=input.backoff_seconds) if input.backoff_seconds else None
        raise RetryError(input.message, code=input.code, retries=input.retries, backoff=backoff)
    raise ConnectorError(
        input.message,
        code=input.code,
        retryable=input.retryable,
        variables={"upstream": "example"},
    )


@greeter.operation(name="Throw BPMN error", description="Throw a BPMN error")
async def bpmn(input: BpmnInput) -> dict[str, str]:
    raise BpmnError(input.code, input.message, variables={"detail": input.detail})


@greeter.operation(name="Sleep", description="Sleep, then answer")
async def sleep(input: SleepInput) -> dict[str, float]:
    started.append(input.label)
    await asyncio.sleep(input.seconds)
    return {"slept": input.seconds}


class UpperInput(InputModel):
    text: str = field(description="Text to upper-case")


class UpperOutput(BaseModel):
    text: str


@single.operation(name="Upper", description="Upper-case a text")
def upper(input: UpperInput) -> UpperOutput:
    return UpperOutput(text=input.text.upper())
