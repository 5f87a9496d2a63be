"""The fixture connectors: ``echo`` answers, fails, throws, sleeps and blocks on demand;
``upper`` has a single operation.

Tests of runtimes, engine adapters and tools drive every outcome of the real job path with
``echo``: id ``io.tasklink.test.echo``, job type ``tasklink-test:echo:1``, Activiti connector
``echo``. Its operations (Activiti action in brackets):

* ``echo_message`` (``ECHO_MESSAGE``): returns ``message``, ``count`` and ``token`` (a secret
  field, so it comes back masked) after ``delay`` seconds, and logs the message and token
  through the job's logger; ``api_key`` (process variable ``apiKey``: a secret field under an
  alias) is only logged, as ``API key ...``, when given. Async, takes the context.
* ``fail`` (``FAIL``): raises a ``ConnectorError`` with ``code``, ``message``, ``retryable``
  and ``backoff_seconds`` (variables ``{"why": detail}``); a ``RetryError`` when ``retries``
  is set; with ``bug``, a ``RuntimeError`` (what a connector bug raises).
* ``throw_bpmn`` (``THROW_BPMN``): raises a ``BpmnError`` (variables ``{"thrown": true}``).
* ``sleep`` (``SLEEP``): sleeps ``seconds``, then returns ``{"slept": seconds}``; as it begins
  it counts its ``key`` in :data:`sleeps_started` (per process), so a test sees that its job
  is running.
* ``blocking_echo`` (``BLOCKING_ECHO``): synchronous, takes the context; sleeps ``delay``
  seconds in its thread, then returns the message and the name of that thread (a cancelled
  job fails before and after the sleep).
* ``flaky`` (``FLAKY``): fails ``failures`` times per ``key``, then succeeds
  (:data:`flaky_failures` counts, per process).
* ``noop`` (``NOOP``): synchronous, no input, no context; returns ``{}``.

``upper`` is the connector with one operation, for tests of single-operation job types (a
job needs no ``operation`` variable or header to select it): id ``io.tasklink.test.upper``, job
type ``tasklink-test:upper:1``, Activiti connector ``upper``; its operation ``upper``
(``UPPER``) is synchronous and returns ``{"text": text.upper()}``.

Run them with :func:`tasklink.testing.run_job`, or register them for discovery with entry
points such as ``echo = "tasklink.testing.fixtures:echo"`` in the group
``tasklink.connectors``. They bundle no template files: ``tasklink templates export``
generates them.

The registries :data:`flaky_failures` and :data:`sleeps_started` are per process and keyed
by a key the job passes: a test that uses a key of its own (a fresh ``uuid4().hex``) sees
only its jobs; ``.clear()`` resets them.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from datetime import timedelta
from typing import Any

from tasklink.core import (
    BpmnError,
    Connector,
    ConnectorError,
    Context,
    InputModel,
    OutputModel,
    RetryError,
    field,
)

__all__ = ["echo", "flaky_failures", "sleeps_started", "upper"]

echo = Connector(
    id="io.tasklink.test.echo",
    name="echo",
    title="Echo",
    job_type="tasklink-test:echo:1",
    description="Echoes its input, and fails, throws, sleeps and blocks on demand (tests)",
    package=__package__,
    icon=None,
)

upper = Connector(
    id="io.tasklink.test.upper",
    name="upper",
    title="Upper",
    job_type="tasklink-test:upper:1",
    description="One operation: upper-cases a text (tests of single-operation job types)",
    package=__package__,
    icon=None,
)

#: How often each ``flaky`` key has failed so far, in this process.
flaky_failures: Counter[str] = Counter()

#: How often a ``sleep`` with each ``key`` has begun, in this process: a test waits for its
#: own key (``sleeps_started[key] > 0``) to know that its job is running.
sleeps_started: Counter[str] = Counter()


class Address(InputModel):
    city: str = field(description="City")
    zip: str = field(description="Postal code", min_length=4)


class EchoInput(InputModel):
    message: str = field(description="Text to echo")
    count: int = field(1, description="A number to echo", ge=0)
    token: str = field(
        "", description="A credential to echo (it must come back masked)", secret=True
    )
    delay: float = field(0, description="Seconds to wait before answering", ge=0)
    address: Address | None = field(None, description="A nested object, read but not echoed")
    api_key: str = field(
        "",
        description="A credential under the alias apiKey, logged (masked) but not echoed",
        secret=True,
        alias="apiKey",
    )


class EchoOutput(OutputModel):
    message: str = field(description="The message")
    count: int = field(description="The number")
    token: str = field(description="The credential (masked)")


class FailInput(InputModel):
    code: str = field("SERVICE_UNAVAILABLE", description="Error code")
    message: str = field("upstream is down", description="Error message")
    retryable: bool = field(True, description="May a retry help")
    retries: int | None = field(None, description="Retries left (raises a RetryError)", ge=0)
    backoff_seconds: float | None = field(
        None, description="Seconds to wait before the next attempt", ge=0
    )
    detail: str = field("asked to", description="The error variable 'why'")
    bug: bool = field(False, description="Raise a RuntimeError instead, as a bug would")


class BpmnInput(InputModel):
    code: str = field(description="BPMN error code")
    message: str = field("", description="Error message")


class SleepInput(InputModel):
    seconds: float = field(description="How long to sleep", ge=0)
    key: str = field("", description="Counted in sleeps_started as the sleep begins")


class FlakyInput(InputModel):
    key: str = field(description="Counter key")
    failures: int = field(description="Fail this many times, then succeed", ge=0)


class Nothing(InputModel):
    pass


class UpperInput(InputModel):
    text: str = field(description="Text to upper-case")


class UpperOutput(OutputModel):
    text: str = field(description="The text, upper-cased")


@echo.operation(name="Echo", description="Return the input, after a delay")
async def echo_message(input: EchoInput, ctx: Context) -> EchoOutput:
    ctx.logger.info("echoing %r with token %s", input.message, input.token)
    if input.api_key:
        ctx.logger.info("API key %s", input.api_key)
    if input.delay:
        await asyncio.sleep(input.delay)
    return EchoOutput(message=input.message, count=input.count, token=input.token)


@echo.operation(name="Fail", description="Raise a connector error")
async def fail(input: FailInput) -> dict[str, Any]:
    if input.bug:
        raise RuntimeError(input.message)
    variables = {"why": input.detail}
    backoff = None if input.backoff_seconds is None else timedelta(seconds=input.backoff_seconds)
    if input.retries is not None:
        raise RetryError(
            input.message,
            code=input.code,
            retries=input.retries,
            backoff=backoff,
            variables=variables,
        )
    raise ConnectorError(
        input.message,
        code=input.code,
        retryable=input.retryable,
        backoff=backoff,
        variables=variables,
    )


@echo.operation(name="Throw BPMN error", description="Raise a BPMN error")
async def throw_bpmn(input: BpmnInput) -> dict[str, Any]:
    raise BpmnError(input.code, input.message, variables={"thrown": True})


@echo.operation(name="Sleep", description="Sleep, then answer")
async def sleep(input: SleepInput) -> dict[str, Any]:
    sleeps_started[input.key] += 1
    await asyncio.sleep(input.seconds)
    return {"slept": input.seconds}


@echo.operation(name="Blocking echo", description="A synchronous operation")
def blocking_echo(input: EchoInput, ctx: Context) -> dict[str, Any]:
    ctx.cancellation.raise_if_cancelled()
    time.sleep(input.delay)
    ctx.cancellation.raise_if_cancelled()
    return {"message": input.message, "thread": threading.current_thread().name}


@echo.operation(name="Flaky", description="Fail a number of times, then succeed")
async def flaky(input: FlakyInput) -> dict[str, Any]:
    if flaky_failures[input.key] < input.failures:
        flaky_failures[input.key] += 1
        raise ConnectorError("not yet", code="SERVICE_UNAVAILABLE")
    return {"attempts": flaky_failures[input.key] + 1}


@echo.operation(name="No-op", description="Return an empty object")
def noop(input: Nothing) -> dict[str, Any]:
    return {}


@upper.operation("upper", name="Upper", description="Upper-case a text")
def upper_text(input: UpperInput) -> UpperOutput:
    return UpperOutput(text=input.text.upper())
