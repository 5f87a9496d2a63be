"""The part of FreeMarker APA's ``SEND_MESSAGE`` text uses: interpolations of ``metadata``.

APA renders ``text`` with FreeMarker (a Java template engine) and ``metadata`` as its data
model; its documentation shows ``${fullName.lastName}``. This renders exactly the
interpolations, as tasklink-email renders APA's e-mail templates (the same rules; this
package may not depend on that one), and refuses everything else by name, so that a text
either renders as APA renders it or fails before anything is posted:

* ``${a.b.c}``, ``${a["key with spaces"]}``: a value of ``metadata``; a missing value is
  an input error, as FreeMarker fails on it;
* ``${a!}`` and ``${a!"default"}`` (or a number): the default when missing;
* built-ins after the value: ``?upper_case``, ``?lower_case``, ``?cap_first``, ``?trim``,
  ``?c``;
* ``<#-- comments -->`` are dropped.

Directives (``<#if>``, ``<#list>``...) are refused. Values are written as text: numbers
without grouping (FreeMarker's default number format writes ``1,042`` in an English
locale), booleans as ``true`` / ``false``. Nothing is escaped: Slack's ``mrkdwn`` is not
HTML, and the e-mail renderer's ``?html`` / ``?no_esc`` have no use here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tasklink.core import ErrorCode, InputError

__all__ = ["MAX_OUTPUT", "render_text"]

#: The most characters a rendering may produce (Slack takes 40,000 in ``text``).
MAX_OUTPUT = 1_000_000

_COMMENT = re.compile(r"<#--.*?-->|\[#--.*?--\]", re.DOTALL)
_DIRECTIVE = re.compile(r"</?[#@][A-Za-z]|\[/?[#@][A-Za-z]")
_NAME = r"[A-Za-z_$][A-Za-z0-9_$]*"
_STRING = r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\''
_EXPRESSION = re.compile(
    rf"""^\s*
    (?P<path>{_NAME}(?:\s*\.\s*{_NAME}|\s*\[\s*(?:{_STRING})\s*\])*)
    \s*(?P<default>!\s*(?P<value>{_STRING}|-?\d+(?:\.\d+)?)?)?
    (?P<builtins>(?:\s*\?\s*{_NAME})*)
    \s*$""",
    re.VERBOSE,
)
_SEGMENT = re.compile(rf"({_NAME})|\[\s*({_STRING})\s*\]")
_BUILTINS = frozenset({"upper_case", "lower_case", "cap_first", "trim", "c"})


def _problem(field: str, message: str) -> InputError:
    return InputError(f"{field}: {message}", code=ErrorCode.INVALID_INPUT, field=field)


def _unquote(literal: str) -> str:
    return re.sub(r"\\(.)", r"\1", literal[1:-1])


def _lookup(data: Mapping[str, Any], path: str) -> Any:
    value: Any = data
    for match in _SEGMENT.finditer(path):
        key = match.group(1) if match.group(1) is not None else _unquote(match.group(2))
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def _written(value: Any, path: str, field: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    kind = "a list" if isinstance(value, list) else "an object"
    raise _problem(field, f"${{{path}}} is {kind} in metadata, not a text, number or boolean")


def _default(literal: str | None) -> Any:
    if literal is None:
        return ""
    if literal[0] in "\"'":
        return _unquote(literal)
    return float(literal) if "." in literal else int(literal)


def _interpolate(expression: str, data: Mapping[str, Any], field: str) -> str:
    match = _EXPRESSION.match(expression)
    if match is None:
        raise _problem(
            field,
            f"${{{expression.strip()}}} is not supported: only values of metadata (a.b, "
            f'a["b"]), defaults (a!"x") and the built-ins {", ".join(sorted(_BUILTINS))}',
        )
    path = match.group("path").strip()
    value = _lookup(data, path)
    if value is None:
        if match.group("default") is None:
            raise _problem(field, f"metadata has no value {path} (write ${{{path}!}} for none)")
        value = _default(match.group("value"))
    text = _written(value, path, field)
    for name in re.findall(_NAME, match.group("builtins") or ""):
        if name not in _BUILTINS:
            raise _problem(
                field,
                f"the built-in ?{name} is not supported (supported: "
                f"{', '.join(sorted(_BUILTINS))})",
            )
        if name == "upper_case":
            text = text.upper()
        elif name == "lower_case":
            text = text.lower()
        elif name == "cap_first":
            text = text[:1].upper() + text[1:]
        elif name == "trim":
            text = text.strip()
    return text


def render_text(source: str, data: Mapping[str, Any], *, field: str = "text") -> str:
    """``source`` with its ``${...}`` values taken from ``data``; problems are input
    errors (``INVALID_INPUT``) naming ``field``."""
    source = _COMMENT.sub("", source)
    directive = _DIRECTIVE.search(source)
    if directive is not None:
        shown = source[directive.start() : directive.start() + 40].split(">", 1)[0]
        raise _problem(
            field,
            f"the FreeMarker directive {shown + '>'!r} is not supported; only ${{...}} "
            "values of metadata are rendered",
        )
    out: list[str] = []
    size = 0
    position = 0
    while (start := source.find("${", position)) >= 0:
        end = source.find("}", start)
        if end < 0:
            raise _problem(field, "${ is not closed")
        piece = source[position:start] + _interpolate(source[start + 2 : end], data, field)
        size += len(piece)
        if size > MAX_OUTPUT:
            raise _problem(field, f"the rendered text exceeds {MAX_OUTPUT} characters")
        out.append(piece)
        position = end + 1
    out.append(source[position:])
    return "".join(out)
