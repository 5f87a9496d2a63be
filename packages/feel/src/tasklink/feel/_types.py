"""Value types the engine returns that have no exact Python counterpart."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["FeelFunction", "Range", "YearsMonthsDuration"]


@dataclass(frozen=True, slots=True, order=True)
class YearsMonthsDuration:
    """A FEEL ``years and months duration``, e.g. ``P1Y2M`` (14 months).

    Python's :class:`datetime.timedelta` cannot represent calendar months, so
    the engine uses this small immutable type; it is totally ordered and
    hashable. ``str()`` gives the ISO 8601 form.
    """

    months: int

    @property
    def years(self) -> int:
        """Whole years, with the sign of the duration."""
        return int(self.months / 12)

    @property
    def remaining_months(self) -> int:
        """Months beyond the whole years, with the sign of the duration."""
        return self.months - self.years * 12

    def __str__(self) -> str:
        m = abs(self.months)
        years, months = divmod(m, 12)
        sign = "-" if self.months < 0 else ""
        if years and months:
            return f"{sign}P{years}Y{months}M"
        if years:
            return f"{sign}P{years}Y"
        return f"{sign}P{months}M"


@dataclass(frozen=True, slots=True)
class Range:
    """A FEEL range (interval) such as ``[1..10)`` or ``(< 5)``.

    ``start``/``end`` are ``None`` for an unbounded side.
    """

    start: Any
    end: Any
    start_included: bool = True
    end_included: bool = True

    def __str__(self) -> str:
        from ._values import to_string

        if self.start is None:
            op = "<=" if self.end_included else "<"
            return f"{op} {to_string(self.end, quote=True)}"
        if self.end is None:
            op = ">=" if self.start_included else ">"
            return f"{op} {to_string(self.start, quote=True)}"
        left = "[" if self.start_included else "("
        right = "]" if self.end_included else ")"
        start = to_string(self.start, quote=True)
        end = to_string(self.end, quote=True)
        return f"{left}{start}..{end}{right}"


class FeelFunction:
    """A FEEL function value (built-in or defined with ``function(...)``).

    It can be called from Python with FEEL values as arguments; problems
    reported while running it are dropped (use a FEEL invocation to collect
    them).
    """

    __slots__ = ("_impl", "name", "params", "variadic")

    def __init__(
        self,
        name: str,
        params: tuple[str, ...],
        impl: Callable[..., Any],
        variadic: bool = False,
    ) -> None:
        self.name = name
        self.params = params
        self.variadic = variadic
        self._impl = impl

    def invoke(self, args: list[Any], state: Any) -> Any:
        """Call with positional FEEL values (engine-internal)."""
        return self._impl(state, *args)

    def __call__(self, *args: Any) -> Any:
        from ._runtime import EvalState
        from ._values import to_feel

        return self._impl(EvalState(None), *[to_feel(a) for a in args])

    def __repr__(self) -> str:
        return f"<FEEL function {self.name}({', '.join(self.params)})>"
