"""Arithmetic on FEEL values and property access (``x.year`` ...)."""

from __future__ import annotations

import calendar
import decimal
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from ._errors import FeelError
from ._runtime import EvalState
from ._types import Range, YearsMonthsDuration
from ._values import CTX, EXP_STEPS, LN_STEPS, kind

_ZERO = Decimal(0)
_MICRO = Decimal(1_000_000)
_MAX_POWER_EXP = 999_999


def add_months(d: date, months: int) -> date | None:
    """Shift a date (or date-time) by whole months, clamping the day of month."""
    total = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(total, 12)
    if not 1 <= year <= 9999:
        return None
    day = min(d.day, calendar.monthrange(year, month0 + 1)[1])
    return d.replace(year=year, month=month0 + 1, day=day)


def timedelta_seconds(delta: timedelta) -> Decimal:
    """Exact number of seconds in a timedelta."""
    return Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / _MICRO


def seconds_timedelta(seconds: Decimal) -> timedelta:
    """Timedelta for a (possibly fractional) number of seconds."""
    micro = int(CTX.to_integral_value(CTX.multiply(seconds, _MICRO)))
    return timedelta(microseconds=micro)


def _time_as_datetime(t: time) -> datetime:
    return datetime(2000, 1, 1, t.hour, t.minute, t.second, t.microsecond, tzinfo=t.tzinfo)


def add(a: Any, b: Any, state: EvalState) -> Any:
    ta, tb = type(a), type(b)
    if ta is Decimal and tb is Decimal:
        return CTX.add(a, b)
    if a is None or b is None:
        return None
    if ta is str and tb is str:
        # Charged before the copy: repeated doubling (a recursive s + s) runs
        # into the budget before it allocates.
        state.charge_output(len(a) + len(b))
        return a + b
    return _temporal_add(a, b, 1, state, "+")


def subtract(a: Any, b: Any, state: EvalState) -> Any:
    ta, tb = type(a), type(b)
    if ta is Decimal and tb is Decimal:
        return CTX.subtract(a, b)
    if a is None or b is None:
        return None
    ka, kb = kind(a), kind(b)
    if ka == kb and ka in ("date", "date and time"):
        if ka == "date":
            return timedelta(days=(a - b).days)
        if (a.tzinfo is None) != (b.tzinfo is None):
            state.warn("cannot subtract date and time values with and without time zone")
            return None
        return a - b
    if (ka == "date" and kb == "date and time") or (ka == "date and time" and kb == "date"):
        left = a if ka == "date and time" else datetime(a.year, a.month, a.day, tzinfo=b.tzinfo)
        right = b if kb == "date and time" else datetime(b.year, b.month, b.day, tzinfo=a.tzinfo)
        if (left.tzinfo is None) != (right.tzinfo is None):
            return None
        return left - right
    if ka == kb == "time":
        if (a.tzinfo is None) != (b.tzinfo is None):
            state.warn("cannot subtract times with and without time zone")
            return None
        return _time_as_datetime(a) - _time_as_datetime(b)
    return _temporal_add(a, b, -1, state, "-")


def _temporal_add(a: Any, b: Any, sign: int, state: EvalState, op: str) -> Any:
    ka, kb = kind(a), kind(b)
    if ka == kb == "days and time duration":
        return a + b if sign > 0 else a - b
    if ka == kb == "years and months duration":
        return YearsMonthsDuration(a.months + sign * b.months)
    if kb in ("days and time duration", "years and months duration") and ka in (
        "date",
        "date and time",
        "time",
    ):
        return _shift(a, b, sign, state)
    if (
        sign > 0
        and ka in ("days and time duration", "years and months duration")
        and kb
        in (
            "date",
            "date and time",
            "time",
        )
    ):
        return _shift(b, a, 1, state)
    state.warn(f"cannot apply '{op}' to {ka} and {kb}")
    return None


def _shift(value: Any, duration: Any, sign: int, state: EvalState) -> Any:
    try:
        if isinstance(duration, YearsMonthsDuration):
            if isinstance(value, time):
                state.warn("cannot add a years and months duration to a time")
                return None
            return add_months(value, sign * duration.months)
        delta = duration if sign > 0 else -duration
        if isinstance(value, datetime):
            return value + delta
        if isinstance(value, date):
            return (datetime(value.year, value.month, value.day) + delta).date()
        shifted = _time_as_datetime(value) + delta
        return shifted.timetz()
    except (OverflowError, ValueError):
        state.warn("date arithmetic out of range")
        return None


def multiply(a: Any, b: Any, state: EvalState) -> Any:
    ta, tb = type(a), type(b)
    if ta is Decimal and tb is Decimal:
        return CTX.multiply(a, b)
    if a is None or b is None:
        return None
    if ta is Decimal:
        a, b, ta, tb = b, a, tb, ta
    if tb is Decimal:
        if ta is timedelta:
            return seconds_timedelta(CTX.multiply(timedelta_seconds(a), b))
        if ta is YearsMonthsDuration:
            months = CTX.to_integral_value(CTX.multiply(Decimal(a.months), b))
            return YearsMonthsDuration(int(months))
    state.warn(f"cannot apply '*' to {kind(a)} and {kind(b)}")
    return None


def divide(a: Any, b: Any, state: EvalState) -> Any:
    ta, tb = type(a), type(b)
    if a is None or b is None:
        return None
    if tb is Decimal and not b:
        state.warn("division by zero")
        return None
    if ta is Decimal and tb is Decimal:
        return CTX.divide(a, b)
    if tb is Decimal:
        if ta is timedelta:
            return seconds_timedelta(CTX.divide(timedelta_seconds(a), b))
        if ta is YearsMonthsDuration:
            return YearsMonthsDuration(int(CTX.to_integral_value(CTX.divide(Decimal(a.months), b))))
    if ta is tb is timedelta:
        if not b:
            state.warn("division by zero")
            return None
        return CTX.divide(timedelta_seconds(a), timedelta_seconds(b))
    if ta is tb is YearsMonthsDuration:
        if not b.months:
            state.warn("division by zero")
            return None
        return CTX.divide(Decimal(a.months), Decimal(b.months))
    state.warn(f"cannot apply '/' to {kind(a)} and {kind(b)}")
    return None


def power(a: Any, b: Any, state: EvalState) -> Any:
    if type(a) is not Decimal or type(b) is not Decimal:
        if a is not None and b is not None:
            state.warn(f"cannot apply '**' to {kind(a)} and {kind(b)}")
        return None
    if b == b.to_integral_value() and abs(b) <= _MAX_POWER_EXP:
        return CTX.power(a, int(b))
    if a < 0:
        state.warn("fractional power of a negative number")
        return None
    # Non-integral exponent: exp(b * ln(a)) within decimal128 precision.
    if not a:
        return _ZERO if b > 0 else None
    state.charge(LN_STEPS + EXP_STEPS)
    return CTX.exp(CTX.multiply(b, CTX.ln(a)))


def negate(a: Any, state: EvalState) -> Any:
    t = type(a)
    if t is Decimal:
        return CTX.minus(a)
    if t is timedelta:
        return -a
    if t is YearsMonthsDuration:
        return YearsMonthsDuration(-a.months)
    if a is not None:
        state.warn(f"cannot negate {kind(a)}")
    return None


def arithmetic_safe(fn: Any) -> Any:
    """Wrap a binary operation so numeric overflow and invalid operations
    give null with a warning, as FEEL requires."""

    def safe(a: Any, b: Any, state: EvalState) -> Any:
        try:
            return fn(a, b, state)
        except (decimal.DecimalException, OverflowError, ValueError) as exc:
            state.warn(f"arithmetic error: {type(exc).__name__}")
            return None

    return safe


def _offset_of(value: time | datetime) -> Any:
    if value.tzinfo is None:
        return None
    if isinstance(value, datetime):
        return value.utcoffset()
    return value.utcoffset()


def _zone_id(value: time | datetime) -> Any:
    key = getattr(value.tzinfo, "key", None)
    return key if isinstance(key, str) else None


def get_property(value: Any, name: str, state: EvalState) -> Any:
    """``value.name`` for contexts, lists (mapped), temporals and ranges."""
    t = type(value)
    if t is dict:
        v = value.get(name)
        return v
    if t is list:
        state.charge(len(value))
        return [get_property(item, name, state) for item in value]
    if value is None:
        return None
    k = kind(value)
    if k in ("date", "date and time"):
        if name == "year":
            return Decimal(value.year)
        if name == "month":
            return Decimal(value.month)
        if name == "day":
            return Decimal(value.day)
        if name == "weekday":
            return Decimal(value.isoweekday())
    if k in ("time", "date and time") and (k == "date and time" or isinstance(value, time)):
        if name == "hour":
            return Decimal(value.hour)
        if name == "minute":
            return Decimal(value.minute)
        if name == "second":
            sec = Decimal(value.second)
            if value.microsecond:
                sec += Decimal(value.microsecond) / _MICRO
            return sec
        if name == "time offset":
            return _offset_of(value)
        if name == "timezone":
            return _zone_id(value)
    if k == "years and months duration":
        if name == "years":
            return Decimal(value.years)
        if name == "months":
            return Decimal(value.remaining_months)
    if k == "days and time duration":
        sign = -1 if value < timedelta(0) else 1
        total = abs(value)
        if name == "days":
            return Decimal(sign * total.days)
        if name == "hours":
            return Decimal(sign * (total.seconds // 3600))
        if name == "minutes":
            return Decimal(sign * (total.seconds // 60 % 60))
        if name == "seconds":
            return Decimal(sign * (total.seconds % 60))
    if k == "range":
        r: Range = value
        if name == "start":
            return r.start
        if name == "end":
            return r.end
        if name == "start included":
            return r.start_included
        if name == "end included":
            return r.end_included
    if k == "context":
        try:
            return value.get(name)
        except FeelError:
            raise
        except Exception:  # a host mapping that cannot look the name up
            return None
    state.warn(f"no property '{name}' on {k}")
    return None
