"""Checks of what a connector's input says about a request: its URL, header names and
values.

Each check raises :class:`CheckError` with a message that never repeats the offending value
(it may hold a secret resolved from ``{{secrets.*}}``). :data:`WebUrl` is the URL check as
a field type.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator

from tasklink.core import validation_problem

__all__ = ["CheckError", "WebUrl", "check_header_name", "check_header_value", "check_url"]

# RFC 9110 token characters: what a header field name may consist of.
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_SPACE_OR_CONTROL = re.compile(r"[\x00-\x20\x7f\s]")
_SCHEMES = ("http", "https")
# Schemes written without "//" that deserve a clearer message than "not absolute".
_OTHER_SCHEMES = frozenset({"mailto", "data", "javascript", "tel", "urn", "news", "file"})


class CheckError(ValueError):
    """An input problem at ``loc`` (a path relative to the model being validated)."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


def check_url(value: str, loc: tuple[str | int, ...] = ()) -> str:
    """Return the absolute http(s) URL stripped of surrounding whitespace, or raise
    :class:`CheckError`."""
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


def check_header_name(name: str, loc: tuple[str | int, ...] = ()) -> None:
    """Raise :class:`CheckError` unless ``name`` is an RFC 9110 token."""
    if not _TOKEN.match(name):
        raise CheckError(
            loc,
            "is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only, no "
            "spaces, colons or line breaks)",
        )


def check_header_value(value: str, loc: tuple[str | int, ...] = ()) -> str:
    """Return the value stripped of surrounding spaces and tabs, or raise
    :class:`CheckError` for line breaks, control characters or non-ASCII text."""
    if "\r" in value or "\n" in value:
        raise CheckError(loc, "must not contain line breaks (CR or LF)")
    if any((ord(c) < 0x20 and c != "\t") or ord(c) == 0x7F for c in value):
        raise CheckError(loc, "must not contain control characters")
    if not value.isascii():
        raise CheckError(loc, "must be ASCII; percent-encode other characters")
    return value.strip(" \t")


def _web_url(value: str) -> str:
    try:
        return check_url(value)
    except CheckError as problem:
        raise validation_problem(problem.message) from None


# Checked by a validator rather than by pydantic's HttpUrl, whose pattern the template
# would carry: the modeler tests it on a required field that is still empty too, so every
# new task would show an error beside "must not be empty".
WebUrl = Annotated[str, AfterValidator(_web_url)]
"""An absolute http(s) URL, as text: stripped, checked by :func:`check_url`."""
