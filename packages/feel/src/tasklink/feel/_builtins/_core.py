"""Registry of built-in functions and the overload-resolving call wrapper."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, NoReturn

from .._errors import FeelEvaluationError
from .._registry import BUILTINS as _REGISTRY
from .._runtime import EvalState
from .._types import FeelFunction

__all__ = [
    "BUILTINS",
    "BuiltinFunction",
    "InvalidArgumentError",
    "builtin",
    "fail",
    "need",
    "to_int",
    "truncate",
]


class InvalidArgumentError(Exception):
    """Raised inside a built-in to make the call return null with a warning."""


def fail(message: str) -> NoReturn:
    """Abort the current built-in call: it evaluates to null with ``message``."""
    raise InvalidArgumentError(message)


def need(condition: bool, message: str = "invalid argument") -> None:
    """Abort the current built-in call unless ``condition`` holds."""
    if not condition:
        raise InvalidArgumentError(message)


def to_int(value: Any, what: str = "argument") -> int:
    """An integral FEEL number as ``int`` (aborting otherwise)."""
    if type(value) is not Decimal or not value.is_finite():
        fail(f"{what} must be a number")
    if value != value.to_integral_value():
        fail(f"{what} must be an integer")
    return int(value)


def truncate(value: Any, what: str = "argument") -> int:
    """A FEEL number truncated towards zero (scale and length arguments)."""
    if type(value) is not Decimal or not value.is_finite():
        fail(f"{what} must be a number")
    return int(value)


@dataclass(frozen=True, slots=True)
class Overload:
    params: tuple[str, ...]
    required: int
    variadic: bool
    accepts_null: bool
    fn: Callable[..., Any]


class BuiltinFunction(FeelFunction):
    """A built-in FEEL function with one or more overloads."""

    __slots__ = ("overloads",)

    def __init__(self, name: str) -> None:
        super().__init__(name, (), self._dispatch)
        self.overloads: list[Overload] = []

    def add(self, overload: Overload) -> None:
        self.overloads.append(overload)
        if not self.params:
            self.params = overload.params

    def _dispatch(self, state: EvalState, *args: Any) -> Any:
        return self.call(list(args), None, state)

    def invoke(self, args: list[Any], state: Any) -> Any:
        return self.call(args, None, state)

    def _select(
        self, args: list[Any], named: dict[str, Any] | None
    ) -> tuple[Overload, list[Any]] | None:
        if named is None:
            n = len(args)
            for ov in self.overloads:
                if ov.required <= n and (n <= len(ov.params) or ov.variadic):
                    return ov, args
            return None
        # Prefer a variant that gets all its required parameters; otherwise a
        # variant whose names match, with missing parameters null (DMN 10.3.2.13).
        candidates = [ov for ov in self.overloads if all(k in ov.params for k in named)]
        candidates.sort(key=lambda ov: not all(p in named for p in ov.params[: ov.required]))
        for ov in candidates:
            values = [named.get(p, _ABSENT) for p in ov.params]
            while len(values) > ov.required and values[-1] is _ABSENT:
                values.pop()
            values = [None if v is _ABSENT else v for v in values]
            return ov, values
        return None

    def call(self, args: list[Any], named: dict[str, Any] | None, state: EvalState) -> Any:
        selected = self._select(args, named)
        if selected is None:
            state.warn(f"{self.name}: no variant accepts these arguments")
            return None
        ov, values = selected
        if not ov.accepts_null and None in values:
            state.warn(f"{self.name}: null argument")
            return None
        try:
            return ov.fn(state, *values)
        except InvalidArgumentError as exc:
            state.warn(f"{self.name}: {exc}")
            return None
        except (FeelEvaluationError, RecursionError):
            # Includes FeelLimitError and FeelTimeoutError: running out of
            # budget or time ends the evaluation instead of giving null.
            raise
        except Exception as exc:  # type errors etc. in a built-in mean null in FEEL
            state.warn(f"{self.name}: {type(exc).__name__}: {exc}")
            return None


_ABSENT: Final[Any] = object()

BUILTINS: dict[str, BuiltinFunction] = _REGISTRY


def builtin(
    name: str, *params: str, nulls: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an overload of built-in ``name``.

    ``params`` are the FEEL parameter names; a trailing ``?`` marks an
    optional parameter and a trailing ``...`` a variadic one. With
    ``nulls=False`` a null argument short-cuts the call to null.
    """
    names = tuple(p.rstrip("?.") for p in params)
    required = sum(1 for p in params if not p.endswith("?"))
    variadic = any(p.endswith("...") for p in params)

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        f = BUILTINS.get(name)
        if f is None:
            f = BUILTINS[name] = BuiltinFunction(name)
        f.add(Overload(names, required, variadic, nulls, fn))
        return fn

    return register
