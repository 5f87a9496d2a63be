"""Per-evaluation state, scopes and function invocation."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from ._errors import FeelEvaluationError, FeelWarning
from ._registry import BUILTINS
from ._types import FeelFunction
from ._values import to_feel

MISSING: Final[Any] = object()


class EvalState:
    """Mutable state of one evaluation: collected warnings and the clock.

    One instance exists per ``evaluate`` call, which is what makes a compiled
    expression safe to share between threads.
    """

    __slots__ = ("_now", "warnings")

    def __init__(self, warnings: list[FeelWarning] | None) -> None:
        self.warnings = warnings
        self._now: datetime | None = None

    def warn(self, message: str) -> None:
        if self.warnings is not None:
            self.warnings.append(FeelWarning(message))

    def now(self) -> datetime:
        # now() and today() are stable within one evaluation.
        if self._now is None:
            self._now = datetime.now().astimezone()
        return self._now


class Scope:
    """A frame of name bindings.

    The root frame also holds the caller's input context (``raw``), whose
    values are converted lazily on first reference. A function value keeps
    the frame it was defined in, so its free names resolve against the
    defining evaluation's input, not the caller's.
    """

    __slots__ = ("parent", "raw", "state", "vars")

    def __init__(
        self,
        vars: dict[str, Any],
        parent: Scope | None,
        state: EvalState,
        raw: Mapping[str, Any] | None = None,
    ) -> None:
        self.vars = vars
        self.parent = parent
        self.state = state
        self.raw = raw

    def child(self, vars: dict[str, Any]) -> Scope:
        return Scope(vars, self, self.state)


def lookup(scope: Scope, name: str) -> Any:
    """Resolve ``name``: local frames, then the input context, then built-ins."""
    s: Scope | None = scope
    while s is not None:
        v = s.vars.get(name, MISSING)
        if v is not MISSING:
            return v
        s = s.parent
    return resolve_global(scope, name, warn=True)


def resolve_global(scope: Scope, name: str, warn: bool) -> Any:
    """Resolve ``name`` in the input context of ``scope``'s root, then built-ins."""
    state = scope.state
    root = scope
    while root.parent is not None:
        root = root.parent
    raw = root.raw
    if raw is not None:
        try:
            v = raw.get(name, MISSING)
        except Exception:  # a host mapping with unhashable or odd keys
            v = MISSING
        if v is not MISSING:
            converted = to_feel(v)
            # Cache in the root frame so repeated references convert once.
            root.vars[name] = converted
            return converted
    f = BUILTINS.get(name)
    if f is not None:
        return f
    if warn:
        state.warn(f"no variable found for name '{name}'")
    return None


def call_function(
    f: Any,
    args: list[Any],
    named: dict[str, Any] | None,
    state: EvalState,
    label: str,
) -> Any:
    """Invoke a FEEL function value with positional or named arguments."""
    call = getattr(f, "call", None)
    if call is not None and isinstance(f, FeelFunction):
        # Built-ins resolve overloads and named arguments themselves.
        return call(args, named, state)
    if isinstance(f, FeelFunction):
        params = f.params
        if named is not None:
            unknown = [n for n in named if n not in params]
            if unknown:
                state.warn(f"{label}: unknown parameter(s) {', '.join(unknown)}")
                return None
            args = [named.get(p) for p in params]
        elif len(args) != len(params) and (len(args) > len(params) or not f.variadic):
            state.warn(f"{label}: expected {len(params)} argument(s) but got {len(args)}")
            return None
        return f.invoke(args, state)
    if f is None:
        state.warn(f"{label}: no function found")
        return None
    if callable(f) and not isinstance(f, type):
        # Host callables placed in the context are called with FEEL values.
        try:
            return to_feel(f(*args, **(named or {})))
        except (FeelEvaluationError, RecursionError):
            raise
        except Exception as exc:
            state.warn(f"{label}: host function failed: {exc}")
            return None
    state.warn(f"{label}: value is not a function")
    return None
