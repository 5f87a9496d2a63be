"""Parsing and formatting of FEEL temporal values (ISO 8601 / XML Schema forms).

Dates, times and date-times map to :mod:`datetime` objects; zone offsets use
:class:`datetime.timezone` and IANA zone ids use :class:`zoneinfo.ZoneInfo`.
Fractions of a second beyond microseconds are truncated (Python's limit).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from functools import lru_cache
from typing import Any

from ._types import YearsMonthsDuration

_DATE_RE = re.compile(r"(-?)(\d{4,9})-(\d\d)-(\d\d)")
_TIME_RE = re.compile(
    r"(\d\d):(\d\d):(\d\d)(\.\d+)?"
    r"(Z|z|[+-]\d\d:\d\d(?::\d\d)?|@[A-Za-z][A-Za-z0-9_/+\-]*)?"
)
_DURATION_RE = re.compile(
    r"(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?"
    r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d*)?)S)?)?"
)
_OFFSET_RE = re.compile(r"[+-]\d\d:\d\d(?::\d\d)?")
_UTC = UTC


@lru_cache(maxsize=256)
def zone(name: str) -> tzinfo | None:
    """The IANA zone called ``name``, or ``None`` if unknown."""
    if name == "Z":
        return _UTC
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:  # unknown, malformed or unsafe zone key
        return None


def parse_zone(text: str) -> tzinfo | None:
    """A time zone written as ``Z``, an offset ``+HH:MM`` or an IANA id; ``None`` if invalid."""
    if _OFFSET_RE.fullmatch(text):
        return _offset(text)
    return zone(text)


def _offset(text: str) -> tzinfo | None:
    if text in ("Z", "z"):
        return _UTC
    if text.startswith("@"):
        return zone(text[1:])
    sign = -1 if text[0] == "-" else 1
    parts = text[1:].split(":")
    hours, minutes = int(parts[0]), int(parts[1])
    seconds = int(parts[2]) if len(parts) > 2 else 0
    if hours > 14 or minutes > 59 or seconds > 59:
        return None
    delta = timedelta(hours=hours, minutes=minutes, seconds=seconds)
    if delta > timedelta(hours=14):
        return None
    return timezone(sign * delta)


def _micro(frac: str | None) -> int:
    if not frac:
        return 0
    digits = (frac[1:] + "000000")[:6]
    return int(digits)


def parse_date(text: str) -> date | None:
    """Parse ``YYYY-MM-DD``; ``None`` if malformed or out of Python's range."""
    m = _DATE_RE.fullmatch(text)
    if m is None or m.group(1):
        return None
    if len(m.group(2)) > 4 and m.group(2)[0] == "0":
        return None
    try:
        return date(int(m.group(2)), int(m.group(3)), int(m.group(4)))
    except ValueError:
        return None


def parse_time(text: str) -> time | None:
    """Parse ``HH:MM:SS[.fff][zone]``; ``None`` if malformed."""
    m = _TIME_RE.fullmatch(text)
    if m is None:
        return None
    hour, minute, second = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if hour > 23 or minute > 59 or second > 59:
        return None
    tz = None
    if m.group(5):
        tz = _offset(m.group(5))
        if tz is None:
            return None
    return time(hour, minute, second, _micro(m.group(4)), tzinfo=tz)


def parse_datetime(text: str) -> datetime | None:
    """Parse ``YYYY-MM-DDTHH:MM:SS[.fff][zone]``; ``None`` if malformed."""
    head, sep, tail = text.partition("T")
    if not sep:
        return None
    d = parse_date(head)
    t = parse_time(tail)
    if d is None or t is None:
        return None
    return datetime.combine(d, t)


def parse_duration(text: str) -> timedelta | YearsMonthsDuration | None:
    """Parse an ISO 8601 duration into a days-time or years-months duration."""
    m = _DURATION_RE.fullmatch(text)
    if m is None or text.endswith(("P", "T")) or text in ("-P",):
        return None
    sign, years, months, days, hours, minutes, seconds = m.groups()
    if not any((years, months, days, hours, minutes, seconds)):
        return None
    negative = sign == "-"
    if years or months:
        if days or hours or minutes or seconds:
            # FEEL has no type for a duration mixing months and days.
            return None
        total = int(years or 0) * 12 + int(months or 0)
        return YearsMonthsDuration(-total if negative else total)
    try:
        sec = Decimal(seconds or 0)
        delta = timedelta(
            days=int(days or 0),
            hours=int(hours or 0),
            minutes=int(minutes or 0),
            seconds=int(sec),
            microseconds=int((sec - int(sec)) * 1_000_000),
        )
    except OverflowError:
        return None
    return -delta if negative else delta


def parse_temporal(text: str) -> Any:
    """Parse the text of an ``@"..."`` literal into the fitting temporal value."""
    if text.startswith(("P", "-P")):
        return parse_duration(text)
    if "T" in text:
        return parse_datetime(text)
    if ":" in text:
        return parse_time(text)
    return parse_date(text)


def _zone_suffix(tz: tzinfo | None, value: time | datetime) -> str:
    if tz is None:
        return ""
    key = getattr(tz, "key", None)
    if isinstance(key, str):
        return "@" + key
    offset = tz.utcoffset(value if isinstance(value, datetime) else None)
    if offset is None:
        return ""
    return format_offset(offset)


def format_offset(offset: timedelta) -> str:
    """``Z`` for UTC, otherwise ``+HH:MM`` (or ``+HH:MM:SS``)."""
    if not offset:
        return "Z"
    sign = "-" if offset < timedelta(0) else "+"
    total = int(abs(offset).total_seconds())
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{sign}{hours:02d}:{minutes:02d}"
    return text + (f":{seconds:02d}" if seconds else "")


def _format_clock(t: time | datetime) -> str:
    text = f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}"
    if t.microsecond:
        text += f".{t.microsecond:06d}".rstrip("0")
    return text


def format_date(d: date) -> str:
    """ISO form of a date."""
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


def format_time(t: time) -> str:
    """FEEL string form of a time."""
    return _format_clock(t) + _zone_suffix(t.tzinfo, t)


def format_datetime(dt: datetime) -> str:
    """FEEL string form of a date and time."""
    return format_date(dt) + "T" + _format_clock(dt) + _zone_suffix(dt.tzinfo, dt)


def format_timedelta(delta: timedelta) -> str:
    """ISO 8601 form of a days-time duration, e.g. ``P1DT2H``."""
    negative = delta < timedelta(0)
    if negative:
        delta = -delta
    days = delta.days
    hours, rest = divmod(delta.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "P"
    if days:
        text += f"{days}D"
    clock = ""
    if hours:
        clock += f"{hours}H"
    if minutes:
        clock += f"{minutes}M"
    if seconds or delta.microseconds:
        if delta.microseconds:
            clock += f"{seconds}.{delta.microseconds:06d}".rstrip("0") + "S"
        else:
            clock += f"{seconds}S"
    if clock:
        text += "T" + clock
    if text == "P":
        text = "PT0S"
    return ("-" if negative else "") + text
