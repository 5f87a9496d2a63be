"""FEEL value semantics: conversion from Python, type names, equality,
ordering and the string form used by ``string()``.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Final, Protocol

from ._errors import FeelError
from ._temporal import format_date, format_datetime, format_time, format_timedelta
from ._types import FeelFunction, Range, YearsMonthsDuration


class StepCounter(Protocol):
    """What value operations need of the evaluation state: its step budget."""

    def charge(self, steps: int) -> None: ...


# DMN numbers are IEEE 754 decimal128: 34 significant digits, half-even.
# A private context is used with explicit method calls so the global decimal
# context of the host application is neither read nor modified.
CTX: Final = decimal.Context(
    prec=34,
    rounding=decimal.ROUND_HALF_EVEN,
    Emax=6144,
    Emin=-6143,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)

# Steps charged for the decimal functions that cost far more than a step of
# interpreted work (about a microsecond): at 34 digits ln takes ~50-80 µs,
# exp ~40 µs and sqrt ~5 µs.
LN_STEPS: Final = 64
EXP_STEPS: Final = 48
SQRT_STEPS: Final = 8

NULL: Final = "null"
NUMBER: Final = "number"
STRING: Final = "string"
BOOLEAN: Final = "boolean"
DATE: Final = "date"
TIME: Final = "time"
DATETIME: Final = "date and time"
DT_DURATION: Final = "days and time duration"
YM_DURATION: Final = "years and months duration"
LIST: Final = "list"
CONTEXT: Final = "context"
RANGE: Final = "range"
FUNCTION: Final = "function"

_KINDS: Final[dict[type, str]] = {
    type(None): NULL,
    Decimal: NUMBER,
    str: STRING,
    bool: BOOLEAN,
    date: DATE,
    time: TIME,
    datetime: DATETIME,
    timedelta: DT_DURATION,
    YearsMonthsDuration: YM_DURATION,
    list: LIST,
    dict: CONTEXT,
    Range: RANGE,
}


def kind(value: Any) -> str:
    """The FEEL type name of a (converted) value; ``"unknown"`` for others."""
    k = _KINDS.get(type(value))
    if k is not None:
        return k
    if isinstance(value, FeelFunction) or callable(value):
        return FUNCTION
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, datetime):
        return DATETIME
    if isinstance(value, date):
        return DATE
    if isinstance(value, Decimal):
        return NUMBER
    if isinstance(value, str):
        return STRING
    if isinstance(value, list):
        return LIST
    if isinstance(value, Mapping):
        return CONTEXT
    return "unknown"


def number(value: int | float | Decimal) -> Decimal | None:
    """Convert a Python number to a FEEL number (``None`` for NaN/infinity)."""
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        # repr() gives the shortest decimal that round-trips, e.g. 0.1 -> "0.1".
        d = Decimal(repr(value))
    else:
        d = Decimal(value)
    if not d.is_finite():
        return None
    return d


# Decimals are immutable, so converting common small integers can share them.
_SMALL_INTS: Final[dict[int, Decimal]] = {i: Decimal(i) for i in range(-128, 1025)}
_small_int = _SMALL_INTS.get


def _convert_dict(value: Mapping[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    # Scalars are handled inline: this runs for every context in the input.
    for k, v in value.items():
        t = type(v)
        if t is str or t is bool or v is None:
            out[k if type(k) is str else str(k)] = v
        elif t is int:
            out[k if type(k) is str else str(k)] = _small_int(v) or Decimal(v)
        else:
            out[k if type(k) is str else str(k)] = to_feel(v)
    return out


def to_feel(value: Any) -> Any:
    """Deep-convert a Python value into the engine's value model.

    ``int``/``float`` become :class:`~decimal.Decimal`, tuples become lists
    and any mapping becomes a ``dict``; other values pass through.
    """
    t = type(value)
    if t is str or t is bool or value is None or t is Decimal:
        if t is Decimal and not value.is_finite():
            return None
        return value
    if t is int:
        return _small_int(value) or Decimal(value)
    if t is float:
        return number(value)
    if t is dict:
        return _convert_dict(value)
    if t is list or t is tuple:
        out: list[Any] = []
        append = out.append
        for v in value:
            tv = type(v)
            if tv is dict:
                append(_convert_dict(v))
            elif tv is str or tv is bool or v is None:
                append(v)
            else:
                append(to_feel(v))
        return out
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return Decimal(int(value))
    if isinstance(value, float | Decimal):
        return number(value)
    if isinstance(value, Mapping):
        return _convert_dict(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [to_feel(v) for v in value]
    return value


def equal(a: Any, b: Any, budget: StepCounter | None = None) -> bool | None:
    """FEEL ``=``: ``None`` (null) when the operands are of different types.

    Comparing lists and contexts walks them; with a ``budget`` every element
    and entry compared costs a step.
    """
    if a is None or b is None:
        return a is None and b is None
    ka = kind(a)
    kb = kind(b)
    if ka != kb:
        return None
    if ka == LIST:
        if len(a) != len(b):
            return False
        if budget is not None:
            budget.charge(len(a))
        for x, y in zip(a, b, strict=True):
            r = equal(x, y, budget)
            if r is not True:
                return r
        return True
    if ka == CONTEXT:
        if a.keys() != b.keys():
            return False
        if budget is not None:
            budget.charge(len(a))
        for key, x in a.items():
            r = equal(x, b[key], budget)
            if r is not True:
                return r
        return True
    if ka == DATETIME:
        if (a.tzinfo is None) != (b.tzinfo is None):
            return False
        return bool(a == b)
    if ka == TIME:
        return _time_equal(a, b)
    if ka == FUNCTION:
        return a is b
    try:
        return bool(a == b)
    except FeelError:
        raise
    except Exception:  # exotic host objects
        return None


def _time_key(t: time) -> tuple[int, int] | None:
    offset = t.utcoffset()
    if offset is None:
        return None
    seconds = t.hour * 3600 + t.minute * 60 + t.second - int(offset.total_seconds())
    return (seconds % 86400, t.microsecond)


def _time_equal(a: time, b: time) -> bool:
    ka, kb = _time_key(a), _time_key(b)
    if ka is None or kb is None:
        if (a.tzinfo is None) != (b.tzinfo is None):
            return False
        return a.replace(tzinfo=None) == b.replace(tzinfo=None)
    return ka == kb


_ORDERED: Final = frozenset({NUMBER, STRING, DATE, TIME, DATETIME, DT_DURATION, YM_DURATION})


def compare(a: Any, b: Any) -> int | None:
    """Ordering of two FEEL values: -1, 0, 1, or ``None`` if not comparable."""
    if a is None or b is None:
        return None
    ka = kind(a)
    if ka != kind(b) or ka not in _ORDERED:
        return None
    if ka == TIME:
        x, y = _time_key(a), _time_key(b)
        if x is None or y is None:
            if (a.tzinfo is None) != (b.tzinfo is None):
                return None
            x2, y2 = a.replace(tzinfo=None), b.replace(tzinfo=None)
            return int(x2 > y2) - int(x2 < y2)
        return (x > y) - (x < y)
    if ka == DATETIME and (a.tzinfo is None) != (b.tzinfo is None):
        return None
    try:
        return int(a > b) - int(a < b)
    except TypeError:
        return None


def format_number(d: Decimal) -> str:
    """Plain decimal notation without exponent or trailing fractional zeros."""
    if d == d.to_integral_value():
        return str(int(d)) if abs(d.adjusted()) < 1000 else format(d.normalize(), "f")
    return format(d.normalize(), "f")


def to_string(value: Any, quote: bool = False) -> str:
    """FEEL string form of ``value`` (as produced by ``string()``)."""
    k = kind(value)
    if k == STRING:
        if quote:
            text = str(value).replace("\\", "\\\\").replace('"', '\\"')
            return f'"{text}"'
        return str(value)
    if k == NULL:
        return "null"
    if k == NUMBER:
        return format_number(value)
    if k == BOOLEAN:
        return "true" if value else "false"
    if k == DATE:
        return format_date(value)
    if k == TIME:
        return format_time(value)
    if k == DATETIME:
        return format_datetime(value)
    if k == DT_DURATION:
        return format_timedelta(value)
    if k in (YM_DURATION, RANGE):
        return str(value)
    if k == LIST:
        return "[" + ", ".join(to_string(v, True) for v in value) + "]"
    if k == CONTEXT:
        return "{" + ", ".join(f"{key}: {to_string(v, True)}" for key, v in value.items()) + "}"
    if k == FUNCTION:
        return "function"
    return str(value)
