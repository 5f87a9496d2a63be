"""Checks of URLs, header names and values, and query parameters.

Each check raises :class:`CheckError` with a message that never repeats the offending value
(it may hold a secret resolved from ``{{secrets.*}}``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

__all__ = [
    "CheckError",
    "check_header_name",
    "check_header_value",
    "check_url",
    "encode_url",
    "normalize_headers",
    "normalize_query",
    "scalar_text",
]

# RFC 9110 token characters: what a header field name may consist of.
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_SPACE_OR_CONTROL = re.compile(r"[\x00-\x20\x7f\s]")
# Headers whose value the connector computes from the body; a user value would break framing.
_MANAGED = frozenset({"content-length", "transfer-encoding"})
_SCHEMES = ("http", "https")
# Schemes written without "//" that deserve a clearer message than "not absolute".
_OTHER_SCHEMES = frozenset({"mailto", "data", "javascript", "tel", "urn", "news", "file"})
# RFC 3986 reserved and unreserved characters, and '%' of escapes already made: kept.
_URL_SAFE = "!#$&'()*+,/:;=?@[]~%"
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


class CheckError(ValueError):
    """An input problem at ``loc`` (a path relative to the model being validated)."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


def check_url(value: str, loc: tuple[str | int, ...] = ()) -> str:
    """Return the URL stripped of surrounding whitespace, or raise :class:`CheckError`."""
    url = value.strip()
    if not url:
        raise CheckError(loc, "must not be empty")
    if _SPACE_OR_CONTROL.search(url):
        raise CheckError(loc, "must not contain spaces or control characters; percent-encode them")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise CheckError(loc, f"is not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if (
        scheme
        and scheme not in _SCHEMES
        and (url[len(scheme) + 1 :].startswith("//") or scheme in _OTHER_SCHEMES)
    ):
        raise CheckError(loc, f"has the unsupported scheme {scheme!r}; use http or https")
    if scheme not in _SCHEMES or not parts.netloc:
        raise CheckError(loc, "must be an absolute URL such as https://api.example.com/items")
    if "@" in parts.netloc:
        raise CheckError(
            loc, "must not contain credentials (user:password@); use authentication instead"
        )
    if not parts.hostname:
        raise CheckError(loc, "has no host")
    if port == 0:
        raise CheckError(loc, "has an invalid port")
    return url


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


def check_header_name(name: str, loc: tuple[str | int, ...]) -> None:
    if not _TOKEN.match(name):
        raise CheckError(
            loc,
            "is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only, no "
            "spaces, colons or line breaks)",
        )


def check_header_value(value: str, loc: tuple[str | int, ...]) -> str:
    if "\r" in value or "\n" in value:
        raise CheckError(loc, "must not contain line breaks (CR or LF)")
    if any((ord(c) < 0x20 and c != "\t") or ord(c) == 0x7F for c in value):
        raise CheckError(loc, "must not contain control characters")
    if not value.isascii():
        raise CheckError(loc, "must be ASCII; percent-encode other characters")
    return value.strip(" \t")


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
