"""Small connectors and a fake expression evaluator shared by the core tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from pydantic import BaseModel

from tasklink.core import (
    BpmnError,
    Connector,
    ConnectorError,
    Context,
    InputModel,
    RetryError,
    field,
)


class Slow:
    """An expression that computes for ``seconds`` (in steps, as a real evaluator would)
    and honours the deadline it is given; ``threads`` records where it ran."""

    def __init__(self, seconds: float, result: Any = None) -> None:
        self.seconds = seconds
        self.result = result
        self.threads: list[str] = []

    def __call__(self, context: Mapping[str, Any], deadline: float | None) -> Any:
        import threading

        self.threads.append(threading.current_thread().name)
        end = time.monotonic() + self.seconds
        while time.monotonic() < end:
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError("evaluation did not finish before its deadline")
            time.sleep(0.0005)
        return self.result


class FakeEvaluator:
    """Maps expression text to Python callables (or :class:`Slow`): enough to test the
    mapping plumbing. ``calls`` records the budget of every evaluation."""

    language = "feel"

    def __init__(self, table: Mapping[str, Callable[..., Any]]) -> None:
        self.table = dict(table)
        self.compiled: list[str] = []
        self.calls: list[tuple[int | None, float | None]] = []

    def compile(self, expression: str) -> Any:
        text = expression.strip().removeprefix("=").strip()
        if text not in self.table:
            raise ValueError(f"line 1, column 1: cannot parse {text!r}")
        self.compiled.append(text)
        function = self.table[text]
        calls = self.calls

        class Compiled:
            def evaluate(
                self,
                context: Mapping[str, Any],
                *,
                max_steps: int | None = None,
                deadline: float | None = None,
            ) -> Any:
                calls.append((max_steps, deadline))
                if isinstance(function, Slow):
                    return function(context, deadline)
                return function(context)

        return Compiled()


class Address(InputModel):
    city: str = field(description="City")
    zip: str = field(description="Postal code", min_length=4)


class EchoInput(InputModel):
    name: str = field(description="Name")
    token: str = field("", description="Token", secret=True)
    count: int = field(1, description="How many", ge=0)
    address: Address | None = field(None, description="Address")
    mode: str = field("ok", description="What to do")


class EchoOutput(BaseModel):
    greeting: str
    count: int


def make_connector() -> Connector:
    connector = Connector(
        id="io.tasklink.test.echo",
        name="echo",
        title="Echo",
        job_type="tasklink:echo:1",
        description="Echoes its input",
        package="tasklink.core",
    )

    @connector.operation(name="Echo", description="Echo the name")
    async def echo(input: EchoInput, ctx: Context) -> EchoOutput:
        ctx.logger.info("echo for %s with %s", input.name, input.token)
        if input.mode == "fail":
            raise ConnectorError(
                f"upstream refused token {input.token}",
                code="SERVICE_UNAVAILABLE",
                variables={"token": input.token},
            )
        if input.mode == "fatal":
            raise ConnectorError("credentials rejected", code="UNAUTHORIZED", retryable=False)
        if input.mode == "retry":
            raise RetryError("try later", retries=7)
        if input.mode == "bpmn":
            raise BpmnError("NOT_FOUND", "no such thing", variables={"what": input.name})
        if input.mode == "bug":
            raise ZeroDivisionError(f"division by zero near {input.token}")
        if input.mode == "slow":
            await asyncio.sleep(10)
        return EchoOutput(greeting=f"hello {input.name} {input.token}".strip(), count=input.count)

    @connector.operation(name="Blocking", description="A synchronous operation")
    def blocking(input: EchoInput) -> dict[str, Any]:
        if input.mode == "slow":
            time.sleep(0.5)
        return {"name": input.name}

    return connector


@pytest.fixture
def connector() -> Connector:
    return make_connector()


@pytest.fixture
def fake_evaluator() -> type[FakeEvaluator]:
    """The FakeEvaluator class (test modules cannot import conftest in importlib mode)."""
    return FakeEvaluator


@pytest.fixture
def slow() -> type[Slow]:
    """The Slow expression class."""
    return Slow
