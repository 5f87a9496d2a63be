"""The part of FreeMarker that APA's e-mail templates use: interpolations of ``metadata``.

APA renders the ``template`` file with FreeMarker (a Java template engine) and
``metadata`` as its data model; its documentation shows ``${timeOfYear.season}``. Running
FreeMarker itself would take a JVM, and a partial re-implementation of its directives
would behave differently in ways a migration would not notice. So this renders exactly the
interpolations, and refuses everything else by name (``TEMPLATE_SYNTAX_ERROR``), so that a
template either renders as APA renders it or fails before anything is sent:

* ``${a.b.c}``, ``${a["key with spaces"]}``: a value of ``metadata``; a missing value is
  ``TEMPLATE_METADATA_ERROR``, as FreeMarker fails on it;
* ``${a!}`` and ``${a!"default"}`` (or a number): the default when missing;
* built-ins after the value: ``?upper_case``, ``?lower_case``, ``?cap_first``, ``?trim``,
  ``?c``, ``?html`` and ``?no_esc``;
* ``<#-- comments -->`` are dropped.

Directives (``<#if>``, ``<#list>``, ``<@macro>``...) are not rendered: write such templates
as Jinja2 (``.j2`` files, see :mod:`._template`). Values are written as text: numbers
without grouping (FreeMarker's default number format writes ``1,042`` in an English
locale), booleans as ``true`` / ``false``. In an HTML body every value is HTML-escaped
(FreeMarker's HTML output format, ``.ftlh``) unless marked ``?no_esc``.
"""

from __future__ import annotations

import html as html_escape
import re
from collections.abc import Mapping
from typing import Any

from tasklink.core import InputError

__all__ = ["MAX_OUTPUT", "render_freemarker"]

#: The most characters a rendering may produce.
MAX_OUTPUT = 5_000_000

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
_BUILTINS = frozenset({"upper_case", "lower_case", "cap_first", "trim", "c", "html", "no_esc"})

SYNTAX = "TEMPLATE_SYNTAX_ERROR"
METADATA = "TEMPLATE_METADATA_ERROR"


def _unquote(literal: str) -> str:
    body = literal[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def _line(source: str, index: int) -> int:
    return source.count("\n", 0, index) + 1


def _lookup(data: Mapping[str, Any], path: str) -> Any:
    value: Any = data
    for match in _SEGMENT.finditer(path):
        key = match.group(1) if match.group(1) is not None else _unquote(match.group(2))
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def _text(value: Any, path: str, field: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    kind = "a list" if isinstance(value, list) else "an object"
    raise InputError(
        f"{field}: ${{{path}}} is {kind} in metadata, not a text, number or boolean",
        code=METADATA,
        field=field,
    )


def _interpolate(expression: str, data: Mapping[str, Any], html: bool, field: str) -> str:
    match = _EXPRESSION.match(expression)
    if match is None:
        raise InputError(
            f"{field}: ${{{expression.strip()}}} is not supported: only values of metadata "
            '(a.b, a["b"]), defaults (a!"x") and the built-ins '
            f"{', '.join(sorted(_BUILTINS))}",
            code=SYNTAX,
            field=field,
        )
    path = match.group("path").strip()
    value = _lookup(data, path)
    if value is None:
        if match.group("default") is None:
            raise InputError(
                f"{field}: metadata has no value {path} (write ${{{path}!}} for none)",
                code=METADATA,
                field=field,
            )
        literal = match.group("value")
        value = (
            ""
            if literal is None
            else _unquote(literal)
            if literal[0] in "\"'"
            else float(literal)
            if "." in literal
            else int(literal)
        )
    text = _text(value, path, field)
    escape = html
    for name in re.findall(_NAME, match.group("builtins") or ""):
        if name not in _BUILTINS:
            raise InputError(
                f"{field}: the built-in ?{name} is not supported (supported: "
                f"{', '.join(sorted(_BUILTINS))})",
                code=SYNTAX,
                field=field,
            )
        if name == "upper_case":
            text = text.upper()
        elif name == "lower_case":
            text = text.lower()
        elif name == "cap_first":
            text = text[:1].upper() + text[1:]
        elif name == "trim":
            text = text.strip()
        elif name == "html":
            text, escape = html_escape.escape(text), False
        elif name == "no_esc":
            escape = False
    return html_escape.escape(text) if escape else text


def render_freemarker(source: str, data: Mapping[str, Any], *, html: bool, field: str) -> str:
    """Render the interpolations of ``source`` with ``data``; ``html`` escapes the values.
    Errors are input errors with APA's template codes, naming ``field``."""
    source = _COMMENT.sub("", source)
    directive = _DIRECTIVE.search(source)
    if directive is not None:
        end = source.find(">", directive.start())
        shown = source[directive.start() : end + 1 if 0 < end < directive.start() + 40 else None]
        raise InputError(
            f"{field}: line {_line(source, directive.start())}: the FreeMarker directive "
            f"{shown[:40]!r} is not supported; only ${{...}} values are rendered. Write the "
            "template as Jinja2 (a .j2 file) for conditions and loops",
            code=SYNTAX,
            field=field,
        )
    out: list[str] = []
    size = 0
    position = 0
    while True:
        start = source.find("${", position)
        if start < 0:
            out.append(source[position:])
            break
        end = source.find("}", start)
        if end < 0:
            raise InputError(
                f"{field}: line {_line(source, start)}: ${{ is not closed",
                code=SYNTAX,
                field=field,
            )
        out.append(source[position:start])
        piece = _interpolate(source[start + 2 : end], data, html, field)
        size += len(piece) + start - position
        if size > MAX_OUTPUT:
            raise InputError(
                f"{field}: the rendered template exceeds {MAX_OUTPUT} characters",
                code=SYNTAX,
                field=field,
            )
        out.append(piece)
        position = end + 1
    return "".join(out)
