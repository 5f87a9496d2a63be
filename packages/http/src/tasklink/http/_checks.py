"""Checks of the REST connector's headers and query parameters, and URL encoding for the
vendor contracts. The checks of a URL, a header name and a value are the shared client's.

Each check raises :class:`CheckError` with a message that never repeats the offending value
(it may hold a secret resolved from ``{{secrets.*}}``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from tasklink.client import CheckError, check_header_name, check_header_value

__all__ = [
    "encode_url",
    "normalize_headers",
    "normalize_query",
    "scalar_text",
]

# Headers whose value the connector computes from the body; a user value would break framing.
_MANAGED = frozenset({"content-length", "transfer-encoding"})
# RFC 3986 reserved and unreserved characters, and '%' of escapes already made: kept.
_URL_SAFE = "!#$&'()*+,/:;=?@[]~%"
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def encode_url(value: str) -> str:
    """``value`` with what a URL may not hold percent-encoded in its path, query and
    fragment (spaces, non-ASCII as UTF-8, a ``%`` that starts no escape); escapes already
    made and the host stay as they are. For contracts that encode the URL they are given
    (Camunda's REST connector unless ``skipEncoding``; APA's ``restUrlEncoded``)."""
    text = value.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return text  # check_url reports it

    def escaped(part: str) -> str:
        return quote(_LONE_PERCENT.sub("%25", part), safe=_URL_SAFE)

    return urlunsplit(
        (
            parts.scheme,
            parts.netloc,
            escaped(parts.path),
            escaped(parts.query),
            escaped(parts.fragment),
        )
    )


def scalar_text(value: str | float | bool) -> str:
    """A header, query, form or multipart value as text; raises :class:`TypeError` for
    anything but a string, number or boolean."""
    # JSON spelling for booleans: the server is rarely written in Python.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise TypeError(type(value).__name__)


def normalize_headers(headers: Mapping[str, Any] | None) -> dict[str, str]:
    """Check names and values; numbers and booleans become text."""
    out: dict[str, str] = {}
    seen: dict[str, str] = {}
    for name, value in (headers or {}).items():
        loc: tuple[str | int, ...] = ("headers", name)
        check_header_name(name, loc)
        lower = name.lower()
        if lower in _MANAGED:
            raise CheckError(loc, "is set by the connector from the body; remove it")
        if lower in seen:
            raise CheckError(
                loc, f"is given twice (as {seen[lower]!r} too); header names ignore case"
            )
        seen[lower] = name
        if value is None:
            continue
        out[name] = check_header_value(scalar_text(value), loc)
    return out


def normalize_query(params: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Flatten query parameters; a list repeats the name, ``None`` leaves it out."""
    pairs: list[tuple[str, str]] = []
    for name, value in (params or {}).items():
        if not name:
            raise CheckError(("queryParameters",), "a parameter name must not be empty")
        items = value if isinstance(value, list) else [value]
        for item in items:
            if item is not None:
                pairs.append((name, scalar_text(item)))
    return pairs
