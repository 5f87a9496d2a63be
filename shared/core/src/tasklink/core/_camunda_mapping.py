"""Camunda-style output mapping: ``resultVariable``, ``resultExpression``, ``errorExpression``.

These follow Camunda's connector runtime: the result expression sees the operation's
output as ``response`` and returns a context merged into the process variables; the error
expression is evaluated after every execution with ``response`` (success) or ``error``
(failure) in scope, and ``bpmnError(...)`` / ``jobError(...)`` / ``ignoreError(...)`` in it
decide the outcome.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from ._durations import parse_duration
from ._errors import ErrorCode, InputError
from ._expressions import (
    CompiledExpression,
    ExpressionError,
    ExpressionEvaluator,
    ExpressionTimeoutError,
)
from ._jsonable import to_jsonable

__all__ = [
    "BpmnErrorDecision",
    "Decision",
    "ExpressionCache",
    "IgnoreErrorDecision",
    "JobErrorDecision",
    "evaluate_error_expression",
    "map_result",
]


@dataclass(frozen=True, slots=True)
class BpmnErrorDecision:
    """``bpmnError(code, message, variables)`` returned by an error expression."""

    code: str
    message: str
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IgnoreErrorDecision:
    """``ignoreError(variables)`` from an error expression: complete the job with only
    these variables."""

    variables: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class JobErrorDecision:
    """``jobError(message, variables, retries, retryBackoff)`` from an error expression."""

    message: str
    variables: dict[str, Any] = field(default_factory=dict)
    retries: int | None = None
    backoff: timedelta | None = None


class ExpressionCache:
    """Compiles each distinct expression once per evaluator (job headers repeat a lot),
    and evaluates within a step budget (``max_steps``; ``None``: the evaluator's)."""

    def __init__(
        self, evaluator: ExpressionEvaluator, size: int = 1024, *, max_steps: int | None = None
    ) -> None:
        self.evaluator = evaluator
        self.max_steps = max_steps
        self._compile = functools.lru_cache(maxsize=size)(self._compile_uncached)

    def _compile_uncached(self, expression: str) -> CompiledExpression:
        return self.evaluator.compile(expression)

    def compile(self, expression: str, header: str) -> CompiledExpression:
        try:
            return self._compile(expression)
        except Exception as exc:
            raise InputError(f"{header}: {exc}", field=header) from None

    def evaluate(
        self,
        expression: str,
        header: str,
        context: Mapping[str, Any],
        deadline: float | None = None,
    ) -> Any:
        """Evaluate; :class:`ExpressionTimeoutError` past ``deadline`` (``time.monotonic()``),
        :class:`InputError` naming ``header`` for anything else that goes wrong."""
        compiled = self.compile(expression, header)
        try:
            return compiled.evaluate(context, max_steps=self.max_steps, deadline=deadline)
        except TimeoutError:
            raise ExpressionTimeoutError(header) from None
        except Exception as exc:
            raise InputError(f"{header}: {exc}", field=header) from None


def _strip(expression: str | None) -> str | None:
    if expression is None:
        return None
    text = expression.strip()
    return text or None


def _response_scope(value: Any) -> dict[str, Any]:
    """Camunda's scope of result and error expressions: the entries of the response value
    (when it is an object), and the value itself as ``response``."""
    scope: dict[str, Any] = dict(value) if isinstance(value, Mapping) else {}
    scope["response"] = value
    return scope


def map_result(
    response: Any,
    *,
    result_variable: str | None = None,
    result_expression: str | None = None,
    expressions: ExpressionCache | None = None,
    deadline: float | None = None,
) -> dict[str, Any]:
    """The process variables a completed job sets, from its JSON-able ``response``
    (the expression evaluated until ``deadline``, a ``time.monotonic()`` value)."""
    variables: dict[str, Any] = {}
    name = _strip(result_variable)
    if name:
        variables[name] = response
    expression = _strip(result_expression)
    if expression:
        if expressions is None:
            raise ExpressionError("resultExpression needs an expression evaluator")
        value = expressions.evaluate(
            expression, "resultExpression", _response_scope(response), deadline
        )
        if value is None:
            return variables
        value = to_jsonable(value)
        if not isinstance(value, dict):
            raise InputError(
                "resultExpression must return a context (a JSON object), got "
                f"{type(value).__name__}",
                field="resultExpression",
            )
        variables.update(value)
    return variables


Decision = BpmnErrorDecision | JobErrorDecision | IgnoreErrorDecision


def _decision(value: Any) -> Decision | None:
    """What an error expression's value decides, as Camunda's runtime reads it: null or an
    empty context nothing; a context of ``errorType`` bpmnError, jobError or ignoreError
    (its functions' keys, or Camunda's ``errorCode`` / ``errorMessage``) that outcome; a
    BPMN error without a code nothing; any other value is a mistake in the expression."""
    if value is None or (isinstance(value, Mapping) and not value):
        return None
    if not isinstance(value, Mapping):
        raise InputError(
            "errorExpression must return null or a context such as bpmnError(...), got "
            f"{type(value).__name__}",
            field="errorExpression",
        )
    kind = value.get("errorType")
    variables = to_jsonable(value.get("variables") or {})
    if not isinstance(variables, dict):
        variables = {}
    message = value.get("message", value.get("errorMessage"))
    if kind == "bpmnError":
        code = value.get("code", value.get("errorCode"))
        if not code:
            return None  # as Camunda's runtime: a BPMN error needs a code to be thrown
        return BpmnErrorDecision(str(code), str(message or ""), variables)
    if kind == "ignoreError":
        return IgnoreErrorDecision(variables)
    if kind == "jobError":
        return JobErrorDecision(
            message=str(message or ""),
            variables=variables,
            retries=_retries(value.get("retries")),
            backoff=_backoff(value.get("retryBackoff")),
        )
    raise InputError(
        f"errorExpression returned a context whose errorType is {kind!r}; use bpmnError(...), "
        "jobError(...) or ignoreError(...), or null for no error",
        field="errorExpression",
    )


def _retries(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise InputError(
            f"errorExpression: jobError retries must be a number, not {type(value).__name__}",
            field="errorExpression",
        )
    if not math.isfinite(value) or value < 0 or value != int(value):
        raise InputError(
            "errorExpression: jobError retries must be a whole number >= 0",
            field="errorExpression",
        )
    return int(value)


def _backoff(value: Any) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    if isinstance(value, str):
        try:
            return parse_duration(value)
        except ValueError as exc:
            raise InputError(f"errorExpression: jobError retryBackoff: {exc}") from None
    raise InputError(
        "errorExpression: jobError retryBackoff must be a duration such as PT30S",
        field="errorExpression",
    )


def evaluate_error_expression(
    expression: str | None,
    *,
    response: Any = None,
    error: Mapping[str, Any] | None = None,
    retries: int | None = None,
    expressions: ExpressionCache | None,
    deadline: float | None = None,
) -> Decision | None:
    """Evaluate ``errorExpression`` until ``deadline``; ``None`` means "no decision,
    proceed as usual".

    The scope is Camunda's: the entries of the response value (``{"error": error}`` on a
    failure, else the operation's output), that value as ``response``, and
    ``job.retries``."""
    text = _strip(expression)
    if not text:
        return None
    if expressions is None:
        raise InputError(
            "errorExpression is set but no expression evaluator is installed "
            "(install tasklink-feel)",
            code=ErrorCode.INVALID_INPUT,
            field="errorExpression",
        )
    scope = _response_scope(response if error is None else {"error": error})
    if retries is not None:
        scope["job"] = {"retries": retries}
    return _decision(expressions.evaluate(text, "errorExpression", scope, deadline))
