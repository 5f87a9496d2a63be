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

import json
import logging
import re
import string
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["MASK", "MIN_SUBSTRING_LENGTH", "TOKEN_TTL", "RedactingFilter", "Redactor"]

MASK = "***"
#: How long a short-lived credential (an access token replaced on every refresh) stays
#: masked after it was last registered: ``redactor.add(token, ttl=TOKEN_TTL)``.
TOKEN_TTL = 24 * 3600.0
_SCALARS = frozenset({int, float, bool, type(None)})
MIN_SUBSTRING_LENGTH = 4

_log = logging.getLogger("tasklink.core.redaction")


def _encoded_forms(value: str) -> set[str]:
    """The literal forms of a secret: as it is and JSON-escaped (each is then matched with
    every percent-encoding of its characters, see :func:`_pattern_of`)."""
    forms = {value, json.dumps(value, ensure_ascii=False)[1:-1], json.dumps(value)[1:-1]}
    return {form for form in forms if form}


# Characters no URL encoder needs to escape (RFC 3986 "unreserved"). Every other character
# may appear percent-encoded, depending on who encoded it: the client (httpx escapes '"',
# '<', '>' and the backslash in a path, but not '/', ':' or '@'), a server echoing a URL
# back in a Location header (often with '/' left as is), a form encoder (space as '+').
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")


def _percent(byte: int) -> str:
    # Either case of hex digits: "%2f" and "%2F" are the same byte.
    return "%" + "".join(f"[{d}{d.lower()}]" if d.isalpha() else d for d in f"{byte:02X}")


def _pattern_of(form: str) -> str:
    """A regular expression matching ``form`` with any of its characters that an encoder
    might escape either as they are or percent-encoded (space also as ``+``)."""
    parts: list[str] = []
    literal = ""
    for char in form:
        if char in _UNRESERVED:
            literal += char
            continue
        if literal:
            parts.append(re.escape(literal))
            literal = ""
        alternatives = [re.escape(char), "".join(_percent(b) for b in char.encode("utf-8"))]
        if char == " ":
            alternatives.append(r"\+")
        parts.append("(?:" + "|".join(alternatives) + ")")
    if literal:
        parts.append(re.escape(literal))
    return "".join(parts)


class Redactor:
    """Masks registered secret values in strings and nested data. Thread-safe."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._long: set[str] = set()
        self._short: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._dirty = False
        # Values registered with a time to live (access tokens): form -> monotonic deadline.
        self._expiry: dict[str, float] = {}
        self._next_expiry = float("inf")
        for value in values:
            self.add(value)

    def __len__(self) -> int:
        return len(self._long) + len(self._short)

    def __contains__(self, value: object) -> bool:
        return value in self._long or value in self._short

    def add(self, value: str, *, ttl: float | None = None) -> None:
        """Register a secret value for masking, also where it stands JSON-escaped or with
        any of its characters percent-encoded (as URLs, form bodies and servers echoing
        them write it).

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
            for form in _encoded_forms(value):
                if ttl is None:
                    self._expiry.pop(form, None)
                elif form in self._expiry or form not in self:
                    deadline = time.monotonic() + ttl
                    self._expiry[form] = max(self._expiry.get(form, 0.0), deadline)
                    self._next_expiry = min(self._next_expiry, deadline)
                if form in self:
                    continue  # known already: extending its deadline needs no new pattern
                if len(form) >= MIN_SUBSTRING_LENGTH:
                    self._long.add(form)
                else:
                    _log.warning(
                        "a secret shorter than %d characters is masked only where it "
                        "stands as a whole word; use a longer secret",
                        MIN_SUBSTRING_LENGTH,
                    )
                    self._short.add(form)
                self._dirty = True

    def _prune(self) -> None:
        now = time.monotonic()
        with self._lock:
            for form, deadline in list(self._expiry.items()):
                if deadline <= now:
                    del self._expiry[form]
                    self._long.discard(form)
                    self._short.discard(form)
                    self._dirty = True
            self._next_expiry = min(self._expiry.values(), default=float("inf"))

    def _compiled(self) -> re.Pattern[str] | None:
        if self._expiry and self._next_expiry <= time.monotonic():
            self._prune()
        if self._dirty:
            with self._lock:
                # Longest first, so a secret that contains another is masked whole.
                parts = [_pattern_of(v) for v in sorted(self._long, key=len, reverse=True)]
                parts += [
                    rf"(?<![0-9A-Za-z]){_pattern_of(v)}(?![0-9A-Za-z])"
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
