"""The fixture connector and a fake expression evaluator shared by the core tests."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from tasklink.core import Connector


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


@pytest.fixture
def connector() -> Connector:
    """The fixture connector of tasklink-testing (``echo``)."""
    from tasklink.testing.fixtures import echo

    return echo


@pytest.fixture
def fake_evaluator() -> type[FakeEvaluator]:
    """The FakeEvaluator class (test modules cannot import conftest in importlib mode)."""
    return FakeEvaluator


@pytest.fixture
def slow() -> type[Slow]:
    """The Slow expression class."""
    return Slow
