"""Value types the engine returns that have no exact Python counterpart."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

__all__ = ["FeelFunction", "Range", "YearsMonthsDuration"]


@functools.total_ordering
class YearsMonthsDuration:
    """A FEEL ``years and months duration``, e.g. ``P1Y2M`` (14 months).

    Python's :class:`datetime.timedelta` cannot represent calendar months, so
    the engine uses this small immutable type; it is totally ordered and
    hashable. ``str()`` gives the ISO 8601 form.
    """

    __slots__ = ("months",)
    months: int

    def __init__(self, months: int) -> None:
        object.__setattr__(self, "months", int(months))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("YearsMonthsDuration is immutable")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, YearsMonthsDuration):
            return self.months == other.months
        return NotImplemented

    def __lt__(self, other: YearsMonthsDuration) -> bool:
        if isinstance(other, YearsMonthsDuration):
            return self.months < other.months
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("ym", self.months))

    def __repr__(self) -> str:
        return f"YearsMonthsDuration(months={self.months})"

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


class Range:
    """A FEEL range (interval) such as ``[1..10)`` or ``(< 5)``.

    ``start``/``end`` are ``None`` for an unbounded side. Immutable.
    """

    __slots__ = ("end", "end_included", "start", "start_included")
    start: Any
    end: Any
    start_included: bool
    end_included: bool

    def __init__(
        self, start: Any, end: Any, start_included: bool = True, end_included: bool = True
    ) -> None:
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "start_included", start_included)
        object.__setattr__(self, "end_included", end_included)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Range is immutable")

    def _key(self) -> tuple[Any, Any, bool, bool]:
        return (self.start, self.end, self.start_included, self.end_included)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Range):
            return self._key() == other._key()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"Range(start={self.start!r}, end={self.end!r}, "
            f"start_included={self.start_included!r}, end_included={self.end_included!r})"
        )

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
