"""String built-ins. Regular expressions follow XPath syntax, approximated
with Python's :mod:`re` (flags ``i``, ``s``, ``m``, ``x`` and ``q``)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from .._runtime import EvalState
from ._core import builtin, fail, need, truncate


def _str(value: Any, what: str = "argument") -> str:
    if type(value) is not str:
        fail(f"{what} must be a string")
    return value


def _regex(pattern: Any, flags: Any) -> re.Pattern[str]:
    _str(pattern, "pattern")
    opts = 0
    if flags is not None:
        _str(flags, "flags")
        for ch in flags:
            if ch == "i":
                opts |= re.IGNORECASE
            elif ch == "s":
                opts |= re.DOTALL
            elif ch == "m":
                opts |= re.MULTILINE
            elif ch == "x":
                opts |= re.VERBOSE
            elif ch == "q":
                pattern = re.escape(pattern)
            else:
                fail(f"invalid regular expression flag {ch!r}")
    # XPath character-class subtraction and \p{...} are not supported by re.
    try:
        return re.compile(pattern, opts)
    except (re.error, OverflowError, RecursionError) as exc:
        fail(f"invalid regular expression: {exc}")


@builtin("substring", "string", "start position", "length?")
def _substring(state: EvalState, s: Any, start: Any, length: Any = None) -> Any:
    text = _str(s, "string")
    # Code points, not UTF-16 units: Python strings already index by code point.
    first = truncate(start, "start position")
    n = len(text)
    if first > 0:
        begin = first - 1
    elif first < 0:
        begin = max(n + first, 0)
    else:
        fail("start position must not be 0")
    if length is None:
        return text[begin:]
    count = truncate(length, "length")
    need(count >= 0, "length must not be negative")
    return text[begin : begin + count]


@builtin("string length", "string")
def _string_length(state: EvalState, s: Any) -> Any:
    return Decimal(len(_str(s)))


@builtin("upper case", "string")
def _upper(state: EvalState, s: Any) -> Any:
    return _str(s).upper()


@builtin("lower case", "string")
def _lower(state: EvalState, s: Any) -> Any:
    return _str(s).lower()


@builtin("substring before", "string", "match")
def _before(state: EvalState, s: Any, match: Any) -> Any:
    text, m = _str(s), _str(match, "match")
    i = text.find(m)
    return "" if i < 0 else text[:i]


@builtin("substring after", "string", "match")
def _after(state: EvalState, s: Any, match: Any) -> Any:
    text, m = _str(s), _str(match, "match")
    i = text.find(m)
    return "" if i < 0 else text[i + len(m) :]


@builtin("contains", "string", "match")
def _contains(state: EvalState, s: Any, match: Any) -> Any:
    return _str(match, "match") in _str(s)


@builtin("starts with", "string", "match")
def _starts_with(state: EvalState, s: Any, match: Any) -> Any:
    return _str(s).startswith(_str(match, "match"))


@builtin("ends with", "string", "match")
def _ends_with(state: EvalState, s: Any, match: Any) -> Any:
    return _str(s).endswith(_str(match, "match"))


@builtin("matches", "input", "pattern", "flags?")
def _matches(state: EvalState, s: Any, pattern: Any, flags: Any = None) -> Any:
    return _regex(pattern, flags).search(_str(s, "input")) is not None


def _expand(template: str, m: re.Match[str]) -> str:
    """Expand an XPath replacement string (``$1``, ``\\$``, ``\\\\``)."""
    out: list[str] = []
    i = 0
    n = len(template)
    while i < n:
        ch = template[i]
        if ch == "\\":
            need(i + 1 < n and template[i + 1] in "\\$", "invalid replacement string")
            out.append(template[i + 1])
            i += 2
        elif ch == "$":
            j = i + 1
            while j < n and template[j].isdigit():
                j += 1
            need(j > i + 1, "invalid replacement string")
            # Use the longest group number that exists, as XPath specifies.
            digits = template[i + 1 : j]
            while len(digits) > 1 and int(digits) > (m.re.groups or 0):
                digits = digits[:-1]
                j -= 1
            group = int(digits)
            if group <= (m.re.groups or 0):
                out.append(m.group(group) or "")
            i = j
        else:
            out.append(ch)
            i += 1
    return "".join(out)


@builtin("replace", "input", "pattern", "replacement", "flags?")
def _replace(state: EvalState, s: Any, pattern: Any, replacement: Any, flags: Any = None) -> Any:
    rx = _regex(pattern, flags)
    text = _str(s, "input")
    template = _str(replacement, "replacement")
    if flags is not None and "q" in flags:
        return rx.sub(lambda m: template, text)
    return rx.sub(lambda m: _expand(template, m), text)


@builtin("split", "string", "delimiter")
def _split(state: EvalState, s: Any, delimiter: Any) -> Any:
    rx = _regex(delimiter, None)
    need(rx.match("") is None, "delimiter matches the empty string")
    return rx.split(_str(s))


@builtin("string join", "list", "delimiter?", nulls=True)
def _string_join(state: EvalState, items: Any, delimiter: Any = None) -> Any:
    need(items is not None, "list must not be null")
    if type(items) is not list:
        items = [items]  # a single value stands for a singleton list
    parts = [v for v in items if v is not None]
    need(all(type(v) is str for v in parts), "list items must be strings")
    sep = "" if delimiter is None else _str(delimiter, "delimiter")
    return sep.join(parts)


@builtin("trim", "string")
def _trim(state: EvalState, s: Any) -> Any:
    return _str(s).strip()


@builtin("is blank", "string")
def _is_blank(state: EvalState, s: Any) -> Any:
    return not _str(s).strip()


@builtin("uuid")
def _uuid(state: EvalState) -> Any:
    import uuid

    return str(uuid.uuid4())
