"""Conversion and temporal built-ins: date, time, date and time, duration,
years and months duration, number, string, now, today, day of week, ..."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any, Final

from .._ops import timedelta_seconds
from .._runtime import EvalState
from .._temporal import parse_date, parse_datetime, parse_duration, parse_time, parse_zone
from .._types import YearsMonthsDuration
from .._values import kind, to_string
from ._core import builtin, fail, need, to_int

_NUMBER_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# Parsing a date, time or duration string costs 3-20 µs (regular expression,
# constructors, a zone lookup): charged as this many steps.
_PARSE_STEPS: Final = 16
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _date_of(value: Any) -> date:
    k = kind(value)
    if k == "date and time":
        return value.date()  # type: ignore[no-any-return]
    if k == "date":
        return value  # type: ignore[no-any-return]
    fail("expected a date or date and time")


@builtin("date", "from")
def _date_from(state: EvalState, value: Any) -> Any:
    if type(value) is str:
        state.charge(_PARSE_STEPS)
        d = parse_date(value)
        need(d is not None, f"invalid date {value!r}")
        return d
    return _date_of(value)


@builtin("date", "year", "month", "day")
def _date_ymd(state: EvalState, year: Any, month: Any, day: Any) -> Any:
    try:
        return date(to_int(year, "year"), to_int(month, "month"), to_int(day, "day"))
    except (ValueError, OverflowError):
        fail("no such date")


@builtin("date and time", "from")
def _datetime_from(state: EvalState, value: Any) -> Any:
    if type(value) is str:
        state.charge(_PARSE_STEPS)
        dt = parse_datetime(value)
        if dt is None:
            d = parse_date(value)
            need(d is not None, f"invalid date and time {value!r}")
            assert d is not None
            return datetime(d.year, d.month, d.day)
        return dt
    k = kind(value)
    if k == "date and time":
        return value
    if k == "date":
        return datetime(value.year, value.month, value.day)
    fail("expected a string")


@builtin("date and time", "date", "time")
def _datetime_combine(state: EvalState, d: Any, t: Any) -> Any:
    if type(t) is str:
        return _in_zone(d, t)
    need(kind(t) == "time", "second argument must be a time")
    return datetime.combine(_date_of(d), t)


def _in_zone(value: Any, name: str) -> datetime:
    """feel-scala's ``date and time(date and time, timezone)``: a local date
    and time placed in the zone, a zoned one converted to it (same instant)."""
    need(kind(value) == "date and time", "a timezone needs a date and time")
    tz = parse_zone(name)
    need(tz is not None, f"unknown timezone {name!r}")
    if value.tzinfo is None:
        return value.replace(tzinfo=tz)  # type: ignore[no-any-return]
    return value.astimezone(tz)  # type: ignore[no-any-return]


@builtin("time", "from")
def _time_from(state: EvalState, value: Any) -> Any:
    if type(value) is str:
        state.charge(_PARSE_STEPS)
        # feel-scala also reads the ISO 8601 form with a leading `T` ("T23:59:00").
        t = parse_time(value[1:] if value.startswith("T") else value)
        need(t is not None, f"invalid time {value!r}")
        return t
    k = kind(value)
    if k == "time":
        return value
    if k == "date and time":
        return value.timetz()
    if k == "date":
        return time(0, 0, 0, tzinfo=UTC)
    fail("expected a string, date or date and time")


@builtin("time", "hour", "minute", "second", "offset?", nulls=True)
def _time_hms(state: EvalState, hour: Any, minute: Any, second: Any, offset: Any = None) -> Any:
    need(hour is not None and minute is not None and second is not None, "null argument")
    need(type(second) is Decimal, "second must be a number")
    whole = int(second)
    micro = int((second - whole) * 1_000_000)
    tz = None
    if offset is not None:
        need(type(offset) is timedelta, "offset must be a days and time duration")
        try:
            tz = timezone(offset)
        except ValueError:
            fail("offset out of range")
    try:
        return time(to_int(hour, "hour"), to_int(minute, "minute"), whole, micro, tzinfo=tz)
    except ValueError:
        fail("no such time")


@builtin("duration", "from")
def _duration(state: EvalState, value: Any) -> Any:
    need(type(value) is str, "expected a string")
    state.charge(_PARSE_STEPS)
    d = parse_duration(value)
    need(d is not None, f"invalid duration {value!r}")
    return d


@builtin("years and months duration", "from", "to")
def _ym_between(state: EvalState, start: Any, end: Any) -> Any:
    a, b = _date_of(start), _date_of(end)
    months = (b.year - a.year) * 12 + (b.month - a.month)

    # Only whole months count: step back if the day (and time) is not reached.
    def rest(v: Any) -> tuple[int, Any]:
        return (v.day, v.time() if isinstance(v, datetime) else time(0))

    if months > 0 and rest(end) < rest(start):
        months -= 1
    elif months < 0 and rest(end) > rest(start):
        months += 1
    return YearsMonthsDuration(months)


@builtin("number", "from", "grouping separator?", "decimal separator?", nulls=True)
def _number(state: EvalState, text: Any, group: Any = None, dec: Any = None) -> Any:
    need(type(text) is str, "from must be a string")
    state.charge_scan(len(text))
    need(group is None or group in (" ", ",", "."), "invalid grouping separator")
    need(dec is None or dec in (",", "."), "invalid decimal separator")
    need(group is None or group != dec, "separators must differ")
    s = text
    if group is not None:
        s = s.replace(group, "")
    if dec is not None:
        s = s.replace(dec, ".")
    need(_NUMBER_RE.fullmatch(s) is not None, f"not a number: {text!r}")
    return Decimal(s)


@builtin("string", "from", nulls=True)
def _string(state: EvalState, value: Any) -> Any:
    if value is None:
        return None
    text = to_string(value)
    if type(value) is list or type(value) is dict:
        # Formatting visits every element: charge as if each took 8 characters.
        state.charge(len(text) >> 3)
    else:
        state.charge_output(len(text))
    return text


@builtin("now")
def _now(state: EvalState) -> Any:
    return state.now()


@builtin("today")
def _today(state: EvalState) -> Any:
    return state.now().date()


@builtin("day of year", "date")
def _day_of_year(state: EvalState, value: Any) -> Any:
    return Decimal(_date_of(value).timetuple().tm_yday)


@builtin("day of week", "date")
def _day_of_week(state: EvalState, value: Any) -> Any:
    return _DAYS[_date_of(value).weekday()]


@builtin("month of year", "date")
def _month_of_year(state: EvalState, value: Any) -> Any:
    return _MONTHS[_date_of(value).month - 1]


@builtin("week of year", "date")
def _week_of_year(state: EvalState, value: Any) -> Any:
    return Decimal(_date_of(value).isocalendar()[1])


@builtin("last day of month", "date")
def _last_day_of_month(state: EvalState, value: Any) -> Any:
    import calendar

    d = _date_of(value)
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


@builtin("abs", "n")
def _abs(state: EvalState, value: Any) -> Any:
    t = type(value)
    if t is Decimal:
        return abs(value)
    if t is timedelta:
        return abs(value)
    if t is YearsMonthsDuration:
        return YearsMonthsDuration(abs(value.months))
    fail("expected a number or duration")


def duration_seconds(value: timedelta) -> Decimal:
    """Seconds of a days-time duration (used by numeric helpers)."""
    return timedelta_seconds(value)
