"""``to json`` and ``from json``, as feel-scala (Camunda 8's FEEL engine) has them.

feel-scala writes JSON with Jackson, in the forms of ``java.time``: dates,
times and date-times as ISO 8601 (a date-time with a zone id as
``2023-06-14T14:55:00+02:00[Europe/Berlin]``), days-time durations as
``java.time.Duration.toString()`` (hours at most: a day is ``PT24H``) and
years-months durations as ``java.time.Period.toString()`` (``P1Y2M``, zero is
``P0D``); functions and ranges become their FEEL text. See its
``ConversionBuiltinFunctions.convertToJsonValue``. Numbers are written as
``string()`` writes them, in plain notation (``1000`` where Jackson's
``BigDecimal`` may write ``1E+3``).
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any, Final

from .._runtime import EvalState
from .._temporal import format_date, format_datetime, format_offset, format_time
from .._types import FeelFunction, YearsMonthsDuration
from .._values import CTX, format_number, kind
from ._core import builtin, fail

_NANOS_PER_SECOND: Final = 1_000_000_000
# Decimals are immutable: the small integers of a document can share them,
# which keeps a list of small numbers from costing 100 bytes per item.
_SMALL_INTS: Final = {str(i): Decimal(i) for i in range(-128, 1025)}
# Errors are quoted with at most this many characters of the text.
_QUOTED: Final = 40


def _java_div(a: int, b: int) -> int:
    """Java's integer division (truncating towards zero)."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def duration_text(value: timedelta) -> str:
    """``java.time.Duration.toString()`` of a days-time duration (``PT24H``, ``PT-1.5S``)."""
    seconds = value.days * 86_400 + value.seconds  # floor seconds, as Java keeps them
    nanos = value.microseconds * 1000  # 0 <= nanos < 1e9, as Java keeps them
    if not seconds and not nanos:
        return "PT0S"
    effective = seconds + 1 if seconds < 0 and nanos else seconds
    hours = _java_div(effective, 3600)
    minutes = _java_div(effective - hours * 3600, 60)
    secs = effective - hours * 3600 - minutes * 60
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if not secs and not nanos and len(text) > 2:
        return text
    text += "-0" if seconds < 0 and nanos and not secs else str(secs)
    if nanos:
        fraction = 2 * _NANOS_PER_SECOND - nanos if seconds < 0 else nanos + _NANOS_PER_SECOND
        text += "." + str(fraction).rstrip("0")[1:]
    return text + "S"


def period_text(value: YearsMonthsDuration) -> str:
    """``java.time.Period.toString()`` of a years-months duration (``P1Y2M``, ``P0D``)."""
    years = _java_div(value.months, 12)
    months = value.months - years * 12
    if not years and not months:
        return "P0D"
    return "P" + (f"{years}Y" if years else "") + (f"{months}M" if months else "")


def _time_text(state: EvalState, value: time) -> str:
    local = format_time(value.replace(tzinfo=None))
    if value.tzinfo is None:
        return local
    offset = value.utcoffset()
    if offset is None:  # a zone id without a date: its offset today, as feel-scala takes it
        offset = datetime.combine(state.now().date(), value).utcoffset()
    return local if offset is None else local + format_offset(offset)


def _datetime_text(value: datetime) -> str:
    local = format_datetime(value.replace(tzinfo=None))
    offset = value.utcoffset()
    if offset is None:
        return local
    zone_id = getattr(value.tzinfo, "key", None)  # a ZoneInfo's IANA id
    return local + format_offset(offset) + (f"[{zone_id}]" if isinstance(zone_id, str) else "")


def _write(state: EvalState, value: Any, out: list[str]) -> None:
    """Append the JSON text of ``value`` to ``out``, a step per value."""
    state.charge(1)
    t = type(value)
    if t is str:
        out.append(encode_basestring(value))
    elif t is Decimal:
        out.append(format_number(value))
    elif value is None:
        out.append("null")
    elif t is bool:
        out.append("true" if value else "false")
    elif t is list:
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(state, item, out)
        out.append("]")
    elif t is dict:
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            if i:
                out.append(",")
            out.append(encode_basestring(key))
            out.append(":")
            _write(state, item, out)
        out.append("}")
    else:
        out.append(encode_basestring(_text(state, value)))


def _text(state: EvalState, value: Any) -> str:
    """The JSON string for a value that has no JSON type of its own."""
    k = kind(value)
    if k == "date":
        return format_date(value)
    if k == "time":
        return _time_text(state, value)
    if k == "date and time":
        return _datetime_text(value)
    if k == "days and time duration":
        return duration_text(value)
    if k == "years and months duration":
        return period_text(value)
    if k == "range":
        return str(value)
    if k == "function":
        params = value.params if isinstance(value, FeelFunction) else ()
        return f"function({', '.join(params)})"
    fail(f"cannot convert a {k} value to JSON")


@builtin("to json", "value", nulls=True)
def _to_json(state: EvalState, value: Any) -> Any:
    out: list[str] = []
    _write(state, value, out)
    text = "".join(out)
    state.charge_output(len(text))
    return text


def _number(text: str) -> Decimal:
    small = _SMALL_INTS.get(text)
    return small if small is not None else CTX.create_decimal(text)


def _no_constant(text: str) -> Any:
    raise ValueError(f"{text} is not JSON")


@builtin("from json", "json", nulls=True)
def _from_json(state: EvalState, text: Any) -> Any:
    if text is None:
        return None
    if type(text) is not str:
        fail("json must be a string")
    # A step per two characters: the values parsed keep at most about 60
    # bytes alive per step (a list of numbers such as `[1.5,2.5]`).
    state.charge(len(text) >> 1)
    try:
        return json.loads(text, parse_float=_number, parse_int=_number, parse_constant=_no_constant)
    except (ValueError, ArithmeticError, RecursionError):
        # Malformed JSON, NaN or Infinity, a number beyond FEEL's range, too deep.
        quoted = text if len(text) <= _QUOTED else text[:_QUOTED] + "..."
        fail(f"failed to parse JSON from {quoted!r}")


__all__: list[str] = []
