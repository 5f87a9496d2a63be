"""Masking of secret values in everything that leaves the process.

Every resolved secret is registered with a :class:`Redactor`; the redactor then masks it
in log records, error messages, error variables and results.

Short values: a secret of fewer than :data:`MIN_SUBSTRING_LENGTH` characters would, if
masked as a substring, garble unrelated text ("ab" inside every "about") and, worse, the
pattern of masks would reveal the secret. Such values are masked where they stand as a
whole word (delimited by non-alphanumeric characters) or make up a whole string value,
and the redactor warns once that they are weakly protected. Use longer secrets.
"""

from __future__ import annotations

import logging
import re
import string
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["MASK", "MIN_SUBSTRING_LENGTH", "TOKEN_TTL", "RedactingFilter", "Redactor"]

MASK = "***"
#: How long a short-lived credential (an access token replaced on every refresh) stays
#: masked after it was last registered: ``redactor.add(token, ttl=TOKEN_TTL)``.
TOKEN_TTL = 24 * 3600.0
_SCALARS = frozenset({int, float, bool, type(None)})
MIN_SUBSTRING_LENGTH = 4

_log = logging.getLogger("tasklink.core.redaction")


def _either_case(hex_digits: str) -> str:
    """``hex_digits`` as a pattern taking each letter in either case ("%2f" is "%2F")."""
    return "".join(f"[{d.upper()}{d.lower()}]" if d.isalpha() else d for d in hex_digits)


def _percent_encoded(char: str) -> str:
    """``char`` percent-encoded (``%XX`` per UTF-8 byte), also encoded again: a URL carried
    inside another URL's query writes "%" as "%25", so '"' becomes "%2522"."""
    return "".join(f"%(?:25)*{_either_case(f'{byte:02X}')}" for byte in char.encode("utf-8"))


# Characters no URL encoder needs to escape (RFC 3986 "unreserved") and no JSON encoder
# escapes. Every other character may appear encoded, depending on who encoded it: the
# client (httpx escapes '"', '<', '>' and the backslash in a path, but not '/', ':' or '@'),
# a server echoing a URL back in a Location header (often with '/' left as is), a form
# encoder (space as '+'), a server echoing what it got in a JSON body.
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")


def _as_written_or_percent_encoded(char: str) -> str:
    if char in _UNRESERVED:
        return re.escape(char)
    forms = [_percent_encoded(char), re.escape(char)]
    if char == " ":
        forms.append(r"\+")
    return "(?:" + "|".join(forms) + ")"


# JSON's two-character escapes; a decoder also takes "\uXXXX" for any character, which some
# encoders write for more than control characters and non-ASCII ("<" as "\u003c" in Go).
_JSON_ESCAPES = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "\b": "b",
    "\f": "f",
    "\n": "n",
    "\r": "r",
    "\t": "t",
}


def _json_escaped(char: str, backslash: str) -> list[str]:
    """Patterns of ``char``'s JSON escapes (``\\uXXXX`` per UTF-16 code unit), each
    starting with ``backslash``."""
    units = char.encode("utf-16-be")
    code_units = (units[i : i + 2].hex() for i in range(0, len(units), 2))
    escapes = ["".join(f"{backslash}u{_either_case(unit)}" for unit in code_units)]
    if char in _JSON_ESCAPES:
        escapes.insert(0, backslash + _as_written_or_percent_encoded(_JSON_ESCAPES[char]))
    return escapes


@dataclass(frozen=True, slots=True)
class _Encoding:
    """One way the backslashes of a secret can be written.

    A form of a backslash can begin another form too ("\\\\" is one JSON-escaped backslash
    or two as written), so letting every backslash choose its form on its own makes
    matching take time exponential in the backslashes in a row. A value gets one pattern
    per entry of :data:`_ENCODINGS` instead; within each, its other characters mix forms
    freely.
    """

    #: Pattern of the backslash starting a JSON escape; None where JSON escapes cannot be.
    escape: str | None
    #: Pattern of a backslash of the secret outside a JSON escape; None where it must be in one.
    backslash: str | None


_ENCODINGS = (
    # JSON-escaped, then percent-encoded: a JSON document in a URL query.
    _Encoding(escape=_as_written_or_percent_encoded("\\"), backslash=None),
    # Percent-encoded, then JSON-escaped: a server's JSON echo of a URL path.
    _Encoding(escape=re.escape("\\"), backslash=_percent_encoded("\\")),
    # As written or percent-encoded: a JSON encoder would have escaped the backslash.
    _Encoding(escape=None, backslash=_as_written_or_percent_encoded("\\")),
)


def _pattern_of(value: str, encoding: _Encoding) -> str:
    """A regular expression matching ``value`` with each character an encoder might escape
    as it is, percent-encoded (space also as ``+``) or JSON-escaped, in any mix the
    ``encoding`` of its backslashes allows."""
    parts: list[str] = []
    for char in value:
        if char in _UNRESERVED:
            parts.append(re.escape(char))
            continue
        # Escapes first: the longer match masks a JSON-escaped value whole.
        forms = [] if encoding.escape is None else _json_escaped(char, encoding.escape)
        if char != "\\":
            forms.append(_as_written_or_percent_encoded(char))
        elif encoding.backslash is not None:
            forms.append(encoding.backslash)
        parts.append("(?:" + "|".join(forms) + ")")
    return "".join(parts)


def _patterns_of(value: str) -> str:
    """:func:`_pattern_of` for each encoding that gives ``value`` a different form: without
    a backslash, the first covers the others."""
    encodings = _ENCODINGS if "\\" in value else _ENCODINGS[:1]
    return "|".join(_pattern_of(value, encoding) for encoding in encodings)


class Redactor:
    """Masks registered secret values in strings and nested data. Thread-safe."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._long: set[str] = set()
        self._short: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._dirty = False
        # Values registered with a time to live (access tokens): value -> monotonic deadline.
        self._expiry: dict[str, float] = {}
        self._next_expiry = float("inf")
        for value in values:
            self.add(value)

    def __len__(self) -> int:
        return len(self._long) + len(self._short)

    def __contains__(self, value: object) -> bool:
        return value in self._long or value in self._short

    def add(self, value: str, *, ttl: float | None = None) -> None:
        """Register a secret value for masking, also where any of its characters stand
        percent-encoded or JSON-escaped, in any mix (as URLs, form bodies and servers
        echoing them write it).

        ``ttl`` (seconds) bounds how long a short-lived credential, such as an OAuth access
        token that is replaced on every refresh, stays registered, so a long-running process
        does not accumulate them. Values registered without one stay for good.
        """
        if not isinstance(value, str) or not value:
            return
        if (
            ttl is None
            and value not in self._expiry
            and (value in self._long or value in self._short)
        ):
            return  # known for good: the common case, once per secret field of every job
        if not value.strip(MASK[0]):
            # Made of mask characters only: masking would rewrite its own output forever.
            _log.warning("a secret made only of %r characters cannot be masked", MASK[0])
            return
        with self._lock:
            if ttl is None:
                self._expiry.pop(value, None)
            elif value in self._expiry or value not in self:
                deadline = time.monotonic() + ttl
                self._expiry[value] = max(self._expiry.get(value, 0.0), deadline)
                self._next_expiry = min(self._next_expiry, deadline)
            if value in self:
                return  # known already: extending its deadline needs no new pattern
            if len(value) >= MIN_SUBSTRING_LENGTH:
                self._long.add(value)
            else:
                _log.warning(
                    "a secret shorter than %d characters is masked only where it "
                    "stands as a whole word; use a longer secret",
                    MIN_SUBSTRING_LENGTH,
                )
                self._short.add(value)
            self._dirty = True

    def _prune(self) -> None:
        now = time.monotonic()
        with self._lock:
            for value, deadline in list(self._expiry.items()):
                if deadline <= now:
                    del self._expiry[value]
                    self._long.discard(value)
                    self._short.discard(value)
                    self._dirty = True
            self._next_expiry = min(self._expiry.values(), default=float("inf"))

    def _compiled(self) -> re.Pattern[str] | None:
        if self._expiry and self._next_expiry <= time.monotonic():
            self._prune()
        if self._dirty:
            with self._lock:
                # Longest first, so a secret that contains another is masked whole.
                parts = [_patterns_of(v) for v in sorted(self._long, key=len, reverse=True)]
                parts += [
                    rf"(?<![0-9A-Za-z])(?:{_patterns_of(v)})(?![0-9A-Za-z])"
                    for v in sorted(self._short, key=len, reverse=True)
                ]
                self._pattern = re.compile("|".join(parts)) if parts else None
                self._dirty = False
        return self._pattern

    def redact(self, text: str) -> str:
        """Return ``text`` with every registered secret replaced by ``***``."""
        pattern = self._compiled()
        if pattern is None or not text:
            return text
        if text in self._short:
            return MASK
        # A mask next to leftover characters can spell a secret made of mask characters
        # ("****" in "*****"); each pass shortens the text, so this ends.
        while True:
            redacted = pattern.sub(MASK, text)
            if len(redacted) >= len(text) or not pattern.search(redacted):
                return redacted
            text = redacted

    def redact_data(self, data: Any) -> Any:
        """Return nested JSON-like ``data`` with secrets masked in keys and values.

        Copy-on-write: containers without anything to mask are returned as they are.
        """
        pattern = self._compiled()
        if pattern is None:
            return data
        strings: list[str] = []
        if _gather_strings(data, strings) and not pattern.search(_SEPARATOR.join(strings)):
            return data  # the common case: one search over all text instead of one per string
        return self._walk(data, pattern)

    def _walk(self, data: Any, pattern: re.Pattern[str]) -> Any:
        kind = type(data)  # exact type checks first: this runs over every result
        if kind is str:
            return self.redact(data) if pattern.search(data) else data
        if kind in _SCALARS:
            return data
        if kind is dict or isinstance(data, Mapping):
            changed = False
            out = {}
            for key, value in data.items():
                new_key = self._walk(key, pattern) if type(key) is str else key
                new_value = self._walk(value, pattern)
                changed = changed or new_key is not key or new_value is not value
                out[new_key] = new_value
            return out if changed else data
        if kind is list or isinstance(data, list | tuple):
            items = [self._walk(item, pattern) for item in data]
            if kind is list and all(a is b for a, b in zip(items, data, strict=True)):
                return data
            return items
        if isinstance(data, str):
            return self.redact(data)
        return data


# Joins the strings of a document for one search. A secret found in the joined text but in
# no single string (it would have to contain this character) only costs the full walk; no
# secret is missed, and whole-word matches see the separator as a word boundary.
_SEPARATOR = "\x00"


def _gather_strings(data: Any, strings: list[str]) -> bool:
    """Append every key and string value of plain JSON ``data`` to ``strings``.

    Returns False on anything but dicts, lists, strings and scalars (mappings, tuples,
    str subclasses), which :meth:`Redactor._walk` handles one by one.
    """
    kind = type(data)
    if kind is str:
        strings.append(data)
    elif kind is dict:
        for key, value in data.items():
            if type(key) is str:
                strings.append(key)
            elif type(key) not in _SCALARS:
                return False
            value_kind = type(value)
            if value_kind is str:
                strings.append(value)
            elif value_kind not in _SCALARS and not _gather_strings(value, strings):
                return False
    elif kind is list:
        for item in data:
            item_kind = type(item)
            if item_kind is str:
                strings.append(item)
            elif item_kind not in _SCALARS and not _gather_strings(item, strings):
                return False
    elif kind not in _SCALARS:
        return False
    return True


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in the message, its arguments and tracebacks.

    Attach it to handlers (``handler.addFilter(RedactingFilter(redactor))``) so records
    from every library, not only tasklink's own loggers, pass through it.
    """

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if not len(self.redactor):
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad log call must not raise into its caller
            message = f"{record.msg} {record.args!r}"
        record.msg = self.redactor.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor.redact(record.stack_info)
        return True
