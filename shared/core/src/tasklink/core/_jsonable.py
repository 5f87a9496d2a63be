"""Turning operation outputs into plain JSON values for the engines."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel

from ._documents import Document, document_json

__all__ = ["to_jsonable"]

_PLAIN = frozenset({str, int, float, bool, type(None)})


def _duration(value: timedelta) -> str:
    # ISO-8601 duration, the form Camunda and FEEL read back.
    total = value.total_seconds()
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    out = f"{sign}P{int(days)}DT{int(hours)}H{int(minutes)}M"
    secs = f"{seconds:.6f}".rstrip("0").rstrip(".")
    return f"{out}{secs}S"


def to_jsonable(value: Any) -> Any:
    """Convert models, decimals, dates, bytes and enums to JSON-compatible values."""
    if type(value) in _PLAIN:  # exact types first: an isinstance on a union costs more
        return value
    if isinstance(value, BaseModel):
        # The serializer itself: model_dump's keyword handling costs a microsecond a job.
        return value.__pydantic_serializer__.to_python(value, mode="json", by_alias=True)
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        if value.is_finite() and value == value.to_integral_value():
            return int(value)
        return float(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return _duration(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Enum):
        return to_jsonable(value.value)
    if isinstance(value, Document):
        return document_json(value)
    return str(value)
