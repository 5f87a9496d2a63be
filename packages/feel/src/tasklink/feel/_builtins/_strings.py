"""String built-ins.

Regular expressions follow XPath syntax, approximated with the ``regex``
package (flags ``i``, ``s``, ``m``, ``x`` and ``q``; see ``_regex``). Every
built-in charges the step budget for the text it scans or produces.
"""

from __future__ import annotations

import base64
import binascii
import os
import time
import uuid
from decimal import Decimal
from typing import Any, Final

from .._runtime import EvalState
from . import _regex
from ._core import builtin, fail, need, truncate

# A uuid costs about eight microseconds (os.urandom plus formatting).
_UUID_STEPS: Final = 8


def _str(value: Any, what: str = "argument") -> str:
    if type(value) is not str:
        fail(f"{what} must be a string")
    return value


def _regex_of(state: EvalState, pattern: Any, flags: Any) -> _regex.Pattern:
    _str(pattern, "pattern")
    if flags is not None:
        _str(flags, "flags")
    return _regex.compile_pattern(state, pattern, flags)


def _produced(state: EvalState, text: str) -> str:
    """Charge for a string a built-in returns."""
    state.charge_output(len(text))
    return text


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
        return _produced(state, text[begin:])
    count = truncate(length, "length")
    need(count >= 0, "length must not be negative")
    return _produced(state, text[begin : begin + count])


@builtin("string length", "string")
def _string_length(state: EvalState, s: Any) -> Any:
    return Decimal(len(_str(s)))


@builtin("upper case", "string")
def _upper(state: EvalState, s: Any) -> Any:
    return _produced(state, _str(s).upper())


@builtin("lower case", "string")
def _lower(state: EvalState, s: Any) -> Any:
    return _produced(state, _str(s).lower())


@builtin("substring before", "string", "match")
def _before(state: EvalState, s: Any, match: Any) -> Any:
    text, m = _str(s), _str(match, "match")
    state.charge_scan(len(text))
    i = text.find(m)
    return "" if i < 0 else _produced(state, text[:i])


@builtin("substring after", "string", "match")
def _after(state: EvalState, s: Any, match: Any) -> Any:
    text, m = _str(s), _str(match, "match")
    state.charge_scan(len(text))
    i = text.find(m)
    return "" if i < 0 else _produced(state, text[i + len(m) :])


@builtin("contains", "string", "match")
def _contains(state: EvalState, s: Any, match: Any) -> Any:
    text = _str(s)
    state.charge_scan(len(text))
    return _str(match, "match") in text


@builtin("starts with", "string", "match")
def _starts_with(state: EvalState, s: Any, match: Any) -> Any:
    prefix = _str(match, "match")
    state.charge_scan(len(prefix))
    return _str(s).startswith(prefix)


@builtin("ends with", "string", "match")
def _ends_with(state: EvalState, s: Any, match: Any) -> Any:
    suffix = _str(match, "match")
    state.charge_scan(len(suffix))
    return _str(s).endswith(suffix)


@builtin("matches", "input", "pattern", "flags?")
def _matches(state: EvalState, s: Any, pattern: Any, flags: Any = None) -> Any:
    rx = _regex_of(state, pattern, flags)
    return _regex.search(state, rx, _str(s, "input")) is not None


def _template_parts(template: str, groups: int) -> list[str | int]:
    """An XPath replacement string (``$1``, ``\\$``, ``\\\\``) as literal
    text and the group numbers to insert between it, for ``groups`` groups."""
    parts: list[str | int] = []
    text: list[str] = []
    i = 0
    n = len(template)
    while i < n:
        ch = template[i]
        if ch == "\\":
            need(i + 1 < n and template[i + 1] in "\\$", "invalid replacement string")
            text.append(template[i + 1])
            i += 2
        elif ch == "$":
            j = i + 1
            while j < n and template[j].isdigit():
                j += 1
            need(j > i + 1, "invalid replacement string")
            # Use the longest group number that exists, as XPath specifies.
            digits = template[i + 1 : j]
            while len(digits) > 1 and int(digits) > groups:
                digits = digits[:-1]
                j -= 1
            group = int(digits)
            if group <= groups:
                parts.append("".join(text))
                text.clear()
                parts.append(group)
            i = j
        else:
            text.append(ch)
            i += 1
    parts.append("".join(text))
    return parts


def _expand(parts: list[str | int], m: _regex.Match) -> str:
    return "".join(p if isinstance(p, str) else (m.group(p) or "") for p in parts)


@builtin("replace", "input", "pattern", "replacement", "flags?")
def _replace(state: EvalState, s: Any, pattern: Any, replacement: Any, flags: Any = None) -> Any:
    rx = _regex_of(state, pattern, flags)
    text = _str(s, "input")
    template = _str(replacement, "replacement")
    literal = flags is not None and "q" in flags
    parts: list[str | int] = []

    def replace_match(m: _regex.Match) -> str:
        if literal:
            replaced = template
        else:
            if not parts:
                # Parsed at the first match, so that (as before) an invalid
                # template is only an error when there is something to replace.
                state.charge(len(template) >> 3)  # an interpreted loop per character
                parts.extend(_template_parts(template, rx.groups))
            replaced = _expand(parts, m)
        # Charged per replacement, as the result grows: a long template
        # replacing every character multiplies the input.
        state.charge(1)
        state.charge_output(len(replaced))
        return replaced

    return _regex.substitute(state, rx, replace_match, text)


@builtin("split", "string", "delimiter")
def _split(state: EvalState, s: Any, delimiter: Any) -> Any:
    rx = _regex_of(state, delimiter, None)
    need(_regex.match_start(state, rx, "") is None, "delimiter matches the empty string")
    return _regex.split(state, rx, _str(s))


# The prefix and suffix are feel-scala's (given together, or both null).
@builtin("string join", "list", "delimiter?", "prefix?", "suffix?", nulls=True)
def _string_join(
    state: EvalState, items: Any, delimiter: Any = None, prefix: Any = None, suffix: Any = None
) -> Any:
    need(items is not None, "list must not be null")
    if type(items) is not list:
        items = [items]  # a single value stands for a singleton list
    parts = [v for v in items if v is not None]
    need(all(type(v) is str for v in parts), "list items must be strings")
    sep = "" if delimiter is None else _str(delimiter, "delimiter")
    need((prefix is None) == (suffix is None), "prefix and suffix go together")
    start = "" if prefix is None else _str(prefix, "prefix")
    end = "" if suffix is None else _str(suffix, "suffix")
    state.charge(len(parts))
    state.charge_output(sum(map(len, parts)) + len(sep) * len(parts) + len(start) + len(end))
    return start + sep.join(parts) + end


@builtin("extract", "input", "pattern")
def _extract(state: EvalState, s: Any, pattern: Any) -> Any:
    rx = _regex_of(state, pattern, None)
    return _regex.find_all(state, rx, _str(s, "input"))


@builtin("trim", "string")
def _trim(state: EvalState, s: Any) -> Any:
    return _produced(state, _str(s).strip())


@builtin("is blank", "string")
def _is_blank(state: EvalState, s: Any) -> Any:
    text = _str(s)
    state.charge_scan(len(text))
    return not text.strip()


@builtin("uuid")
def _uuid(state: EvalState) -> Any:
    # A version 7 UUID (RFC 9562: Unix time in milliseconds, then random
    # bits), as feel-scala's generator makes: ids sort by creation time.
    state.charge(_UUID_STEPS)
    millis = time.time_ns() // 1_000_000
    random = int.from_bytes(os.urandom(10))
    value = (millis & 0xFFFF_FFFF_FFFF) << 80 | random & ~(0xF << 76 | 0x3 << 62)
    return str(uuid.UUID(int=value | 0x7 << 76 | 0x2 << 62))


@builtin("to base64", "value")
def _to_base64(state: EvalState, value: Any) -> Any:
    text = _str(value, "value")
    # UTF-8, an unpaired surrogate becoming "?" as in Java's `getBytes(UTF_8)`.
    return _produced(state, base64.b64encode(text.encode("utf-8", "replace")).decode())


@builtin("from base64", "value")
def _from_base64(state: EvalState, value: Any) -> Any:
    text = _str(value, "value")
    state.charge_scan(len(text))
    # Java's basic decoder, which feel-scala uses, accepts missing padding.
    padded = text + "=" * (-len(text) % 4) if len(text) % 4 != 1 else text
    try:
        data = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        fail("invalid Base64 value")
    # Bytes that are not UTF-8 become U+FFFD, as Java's `new String(bytes, UTF_8)` does.
    return _produced(state, data.decode("utf-8", "replace"))
