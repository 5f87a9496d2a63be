"""The expression evaluator protocol (FEEL comes from ``tasklink-feel``)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from ._errors import InputError

__all__ = [
    "CompiledExpression",
    "ExpressionError",
    "ExpressionEvaluator",
    "ExpressionTimeoutError",
    "load_evaluator",
]

EVALUATORS_GROUP = "tasklink.expression_evaluators"


class ExpressionError(InputError):
    """An expression could not be compiled or evaluated, or no evaluator is installed.

    An input error: the expression is part of the task's configuration, and running the
    job again would fail the same way."""


class ExpressionTimeoutError(TimeoutError):
    """An evaluation reached its deadline (raised by the core, not by evaluators)."""

    def __init__(self, header: str) -> None:
        super().__init__(f"{header}: the evaluation did not finish in time")
        self.header = header


@runtime_checkable
class CompiledExpression(Protocol):
    """An expression compiled once and evaluated many times (must be thread-safe).

    Process designers write expressions, so every evaluation must be bounded: it stops
    with an exception once it has done ``max_steps`` units of work (``None``: the
    evaluator's own default budget), and with a :class:`TimeoutError` once
    ``time.monotonic()`` passes ``deadline``.
    """

    def evaluate(
        self,
        context: Mapping[str, Any],
        *,
        max_steps: int | None = None,
        deadline: float | None = None,
    ) -> Any: ...


@runtime_checkable
class ExpressionEvaluator(Protocol):
    """Compiles expression text of one language."""

    language: str

    def compile(self, expression: str) -> CompiledExpression: ...


@functools.cache
def load_evaluator(language: str = "feel") -> ExpressionEvaluator:
    """Return the installed evaluator for ``language`` (entry point group
    ``tasklink.expression_evaluators``). Raises :class:`ExpressionError` naming the package
    to install when there is none."""
    from importlib.metadata import entry_points  # deferred: costs ~50 ms to import

    for ep in entry_points(group=EVALUATORS_GROUP, name=language):
        try:
            evaluator = ep.load()()
        except Exception as exc:
            raise ExpressionError(
                f"the {language} evaluator from {ep.dist.name if ep.dist else ep.value} "
                f"failed to load: {exc}"
            ) from exc
        if not isinstance(evaluator, ExpressionEvaluator):
            raise ExpressionError(f"{ep.value} is not an expression evaluator")
        return evaluator
    raise ExpressionError(
        f"no {language.upper()} evaluator is installed; install tasklink-{language} "
        "to use result and error expressions"
    )
