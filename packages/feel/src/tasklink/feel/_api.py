"""Public entry points: compile, evaluate and the evaluator plug-in."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ._errors import FeelError, FeelEvaluationError, FeelSyntaxError, FeelWarning
from ._runtime import DEFAULT_MAX_STEPS, EvalState, Scope

# The parser, compiler and built-in library are imported on the first
# compile() so that `import tasklink.feel` stays cheap for hosts that only
# register the evaluator plug-in.
Fn = Callable[[Scope], Any]

__all__ = [
    "DEFAULT_MAX_STEPS",
    "CompiledExpression",
    "CompiledUnaryTests",
    "FeelEvaluator",
    "compile",
    "compile_unary_tests_text",
    "evaluate",
]

_EMPTY: Mapping[str, Any] = {}


def _strip_equals(expression: str) -> str:
    # Camunda marks expressions with a leading '='; blank it out (rather than
    # cutting it off) so error columns still match the original text.
    stripped = expression.lstrip()
    if stripped.startswith("="):
        i = len(expression) - len(stripped)
        return expression[:i] + " " + expression[i + 1 :]
    return expression


def _new_state(
    warnings: list[FeelWarning] | None, strict: bool, max_steps: int | None, deadline: float | None
) -> EvalState:
    """The state of one evaluation (strict mode always collects warnings)."""
    if strict and warnings is None:
        warnings = []
    if max_steps is None:
        return EvalState(warnings, DEFAULT_MAX_STEPS, deadline)
    if type(max_steps) is not int or max_steps < 0:
        raise FeelError(f"max_steps must be a non-negative int, not {max_steps!r}")
    return EvalState(warnings, max_steps, deadline)


def _run(fn: Fn, context: Mapping[str, Any] | None, state: EvalState, strict: bool) -> Any:
    try:
        result = fn(Scope({}, None, state, context if context is not None else _EMPTY))
    except FeelError:
        # FeelLimitError and FeelTimeoutError included: a budget overrun ends
        # the evaluation, it never becomes null.
        raise
    except RecursionError:
        raise FeelEvaluationError("evaluation nested too deeply (recursion limit)") from None
    except Exception as exc:  # defensive: never leak a non-FEEL exception
        raise FeelEvaluationError(
            f"internal evaluation error: {type(exc).__name__}: {exc}"
        ) from exc
    warnings = state.warnings
    if strict and warnings:
        raise FeelEvaluationError("; ".join(w.message for w in warnings))
    return result


class CompiledExpression:
    """A parsed and compiled FEEL expression.

    Immutable after construction: one instance may be evaluated any number
    of times, concurrently from several threads.
    """

    __slots__ = ("_fn", "expression")

    def __init__(self, expression: str, fn: Fn) -> None:
        self.expression = expression
        self._fn = fn

    def evaluate(
        self,
        context: Mapping[str, Any] | None = None,
        *,
        warnings: list[FeelWarning] | None = None,
        strict: bool = False,
        max_steps: int | None = None,
        deadline: float | None = None,
    ) -> Any:
        """Evaluate against ``context`` (a mapping of Python values).

        Problems that FEEL defines as null (missing names, type mismatches,
        bad built-in arguments...) give ``None``; pass a list as ``warnings``
        to collect a :class:`FeelWarning` for each, or ``strict=True`` to
        raise :class:`FeelEvaluationError` instead.

        ``max_steps`` is the step budget (``None``: :data:`DEFAULT_MAX_STEPS`);
        using it up raises :class:`FeelLimitError`. ``deadline`` is an absolute
        :func:`time.monotonic` value: once it has passed, the evaluation stops
        with :class:`FeelTimeoutError` (also a :class:`TimeoutError`). Without
        a deadline, a regular expression still stops after one second, with
        :class:`FeelLimitError`. Neither error is ever turned into null.
        """
        if strict or max_steps is not None:
            state = _new_state(warnings, strict, max_steps, deadline)
        else:  # the common case, without a call to check arguments
            state = EvalState(warnings, DEFAULT_MAX_STEPS, deadline)
        return _run(self._fn, context, state, strict)

    def __repr__(self) -> str:
        return f"CompiledExpression({self.expression!r})"


class CompiledUnaryTests:
    """Compiled unary tests (decision-table input entries such as ``< 10, > 20``)."""

    __slots__ = ("_fn", "expression")

    def __init__(self, expression: str, fn: Any) -> None:
        self.expression = expression
        self._fn = fn

    def matches(
        self,
        value: Any,
        context: Mapping[str, Any] | None = None,
        *,
        warnings: list[FeelWarning] | None = None,
        max_steps: int | None = None,
        deadline: float | None = None,
    ) -> bool | None:
        """Test ``value`` (the input, also available as ``?``).

        ``max_steps`` and ``deadline`` bound the evaluation as in
        :meth:`CompiledExpression.evaluate`.
        """
        from ._values import to_feel

        fn = self._fn
        converted = to_feel(value)
        state = _new_state(warnings, False, max_steps, deadline)
        result: bool | None = _run(lambda s: fn(s, converted), context, state, False)
        return result


def compile(expression: str, *, known_names: Iterable[str] = ()) -> CompiledExpression:
    """Parse and compile a FEEL expression.

    One leading ``=`` (Camunda's expression marker) is ignored. ``known_names``
    lists variable names that contain spaces, keywords or operator characters
    (``date of birth``, ``a+b``) so the parser can recognise them.

    Raises :class:`FeelSyntaxError` (with line and column) for invalid text.
    """
    if not isinstance(expression, str):
        raise FeelError("expression must be a string")
    text = _strip_equals(expression)
    from . import _builtins  # noqa: F401  (registers the built-in functions)
    from ._compiler import compile_node
    from ._parser import parse_expression

    try:
        node = parse_expression(text, known_names)
        fn = compile_node(node)
    except FeelError:
        raise
    except RecursionError:
        raise FeelSyntaxError("expression is nested too deeply", text, 0) from None
    except Exception as exc:  # safety net: never leak a non-FEEL exception
        raise FeelSyntaxError(f"cannot compile expression ({type(exc).__name__})", text, 0) from exc
    return CompiledExpression(expression, fn)


def compile_unary_tests_text(
    expression: str, *, known_names: Iterable[str] = ()
) -> CompiledUnaryTests:
    """Parse and compile FEEL unary tests (``"a", "b"``, ``[1..5]``, ``not(3)``, ``-``)."""
    if not isinstance(expression, str):
        raise FeelError("unary tests must be a string")
    from . import _builtins  # noqa: F401  (registers the built-in functions)
    from ._compiler import compile_unary_tests
    from ._parser import parse_unary_tests

    try:
        node = parse_unary_tests(expression, known_names)
        fn = compile_unary_tests(node)
    except FeelError:
        raise
    except RecursionError:
        raise FeelSyntaxError("unary tests are nested too deeply", expression, 0) from None
    return CompiledUnaryTests(expression, fn)


_cache_lock = threading.Lock()
_cache: dict[str, CompiledExpression] = {}
_CACHE_LIMIT = 512


def evaluate(
    expression: str,
    context: Mapping[str, Any] | None = None,
    *,
    warnings: list[FeelWarning] | None = None,
    strict: bool = False,
    max_steps: int | None = None,
    deadline: float | None = None,
) -> Any:
    """Compile (cached) and evaluate ``expression`` in one call.

    ``max_steps`` and ``deadline`` as in :meth:`CompiledExpression.evaluate`.
    """
    compiled = _cache.get(expression)
    if compiled is None:
        compiled = compile(expression)
        with _cache_lock:
            if len(_cache) >= _CACHE_LIMIT:
                _cache.clear()
            _cache[expression] = compiled
    return compiled.evaluate(
        context, warnings=warnings, strict=strict, max_steps=max_steps, deadline=deadline
    )


class FeelEvaluator:
    """The ``tasklink.expression_evaluators`` plug-in for FEEL."""

    language = "feel"

    def compile(self, expression: str) -> CompiledExpression:
        """Compile ``expression`` (an optional leading ``=`` is ignored)."""
        return compile(expression)
