"""``Retry-After``: how long a server asks to be left alone (RFC 9110 section 10.2.3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

__all__ = ["MAX_RETRY_AFTER", "parse_retry_after"]

# A server cannot park a job for longer than this (a typo or hostile value could say years).
MAX_RETRY_AFTER = timedelta(hours=1)
_MAX_SECONDS = int(MAX_RETRY_AFTER.total_seconds())


def parse_retry_after(value: str | None, now: datetime | None = None) -> timedelta | None:
    """``Retry-After`` as a delay: delta seconds or an HTTP date, at most
    :data:`MAX_RETRY_AFTER`; ``None`` if unusable. Never raises."""
    if not value:
        return None
    text = value.strip()
    # isdigit() alone accepts "²" or Arabic-Indic digits, which int() or HTTP do not.
    if text.isascii() and text.isdigit():
        # Compared as integers: timedelta() overflows long before int() does.
        return min(timedelta(seconds=min(int(text), _MAX_SECONDS)), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(text)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        delay = when - (now or datetime.now(UTC))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return min(max(delay, timedelta(0)), MAX_RETRY_AFTER)
