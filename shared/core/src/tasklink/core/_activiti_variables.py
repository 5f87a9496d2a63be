"""Activiti's typed variable values.

The variables of an Activiti integration request arrive as plain JSON values or typed, as
``{"type": "integer", "value": "5"}`` with the value in a string.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ._errors import InputError

__all__ = ["decode_typed_value", "decode_variables"]

_INTEGER = re.compile(r"^[+-]?\d+$")
_TYPED = {
    "string",
    "integer",
    "long",
    "short",
    "boolean",
    "double",
    "float",
    "bigdecimal",
    "date",
    "datetime",
    "json",
    "object",
    "array",
    # Alfresco Process Automation's File, Folder and content variables: JSON text of
    # repository nodes.
    "file",
    "folder",
    "content",
    "null",
}


def decode_typed_value(value: Any, name: str = "value") -> Any:
    """Decode ``{"type": "integer", "value": "5"}`` to ``5``; other values pass through."""
    if not (
        isinstance(value, Mapping)
        and set(value) == {"type", "value"}
        and isinstance(value["type"], str)
        and value["type"].lower() in _TYPED
    ):
        return value
    kind = value["type"].lower()
    raw = value["value"]
    if raw is None or kind == "null":
        return None
    if not isinstance(raw, str):
        return raw  # already decoded by the sender
    try:
        if kind == "string":
            return raw
        if kind in ("integer", "long", "short"):
            if not _INTEGER.match(raw):
                raise ValueError(raw)
            return int(raw)
        if kind == "boolean":
            if raw.lower() not in ("true", "false"):
                raise ValueError(raw)
            return raw.lower() == "true"
        if kind in ("double", "float"):
            number = float(raw)
            if not math.isfinite(number):  # NaN and infinities are not JSON
                raise ValueError(raw)
            return number
        if kind == "bigdecimal":
            decimal = Decimal(raw)
            if not decimal.is_finite():
                raise ValueError(raw)
            return decimal
        if kind == "date":
            # Activiti sends dates as yyyy-MM-dd, sometimes with a time part.
            text = raw.replace("Z", "+00:00")
            day = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
            return (day.date() if isinstance(day, datetime) else day).isoformat()
        if kind == "datetime":
            return datetime.fromisoformat(raw.replace("Z", "+00:00")).isoformat()
        return json.loads(raw)  # json, object, array, file, folder, content
    except RecursionError:
        raise InputError(
            f"variable '{name}': the {kind} value is nested too deeply", field=name
        ) from None
    except (ValueError, InvalidOperation):
        raise InputError(f"variable '{name}': {raw!r} is not a valid {kind}", field=name) from None


def decode_variables(variables: Mapping[str, Any] | None) -> dict[str, Any]:
    """Decode every typed value of an Activiti variables map."""
    if variables is not None and not isinstance(variables, Mapping):
        raise InputError(
            f"variables must be an object, not {type(variables).__name__}", field="variables"
        )
    return {str(k): decode_typed_value(v, str(k)) for k, v in (variables or {}).items()}
