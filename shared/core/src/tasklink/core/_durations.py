"""ISO-8601 durations such as ``PT30S`` (the ``retryBackoff`` header)."""

from __future__ import annotations

import re
from datetime import timedelta

__all__ = ["parse_duration"]

_DURATION = re.compile(
    r"^(?P<sign>-)?P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?$"
)


def parse_duration(text: str) -> timedelta:
    """Parse an ISO-8601 duration of weeks, days, hours, minutes and seconds.

    Years and months are rejected: their length in seconds is not defined. Negative
    durations are rejected too: no delay or timeout can be negative.
    """
    match = _DURATION.match(text.strip().upper())
    if not match or text.strip().upper() in ("P", "PT") or text.strip().upper().endswith("T"):
        raise ValueError(f"{text!r} is not an ISO-8601 duration such as PT30S")
    if match.group("sign"):
        raise ValueError(f"{text!r} is negative; a duration such as PT30S is expected")
    parts = {k: v for k, v in match.groupdict().items() if v and k != "sign"}
    try:
        value = timedelta(
            weeks=int(parts.get("weeks", 0)),
            days=int(parts.get("days", 0)),
            hours=int(parts.get("hours", 0)),
            minutes=int(parts.get("minutes", 0)),
            seconds=float(parts.get("seconds", "0").replace(",", ".")),
        )
    except OverflowError:
        raise ValueError(f"{text!r} is too long a duration") from None
    return value
