"""The part of FreeMarker that Alfresco Process Automation's connectors use:
interpolations of ``metadata`` (APA's e-mail templates, its Slack message text).

APA renders these with FreeMarker (a Java template engine) and ``metadata`` as the data
model; its documentation shows ``${timeOfYear.season}``. Running FreeMarker itself would
take a JVM, and a partial re-implementation of its directives would behave differently in
ways a migration would not notice. So this renders exactly the interpolations, and refuses
everything else by name, so that a text either renders as APA renders it or fails before
anything is sent:

* ``${a.b.c}``, ``${a["key with spaces"]}``: a value of ``metadata``; a missing value is an
  error, as FreeMarker fails on it;
* ``${a!}`` and ``${a!"default"}`` (or a number): the default when missing;
* built-ins after the value: ``?upper_case``, ``?lower_case``, ``?cap_first``, ``?trim``,
  ``?c``, ``?html`` and ``?no_esc``;
* ``<#-- comments -->`` are dropped.

Directives (``<#if>``, ``<#list>``, ``<@macro>``...) are refused. Values are written as
text: numbers without grouping (FreeMarker's default number format writes ``1,042`` in an
English locale), booleans as ``true`` / ``false``. With ``html`` every value is
HTML-escaped (FreeMarker's HTML output format, ``.ftlh``) unless marked ``?no_esc``.
"""

from __future__ import annotations

import html as html_escape
import re
from collections.abc import Mapping
from typing import Any

from ._errors import InputError

__all__ = ["render_freemarker"]

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


class _Rules:
    """What a caller's errors are called, and where its output ends."""

    def __init__(self, field: str, syntax: str, metadata: str, hint: str, limit: int) -> None:
        self.field, self.syntax, self.metadata = field, syntax, metadata
        self.hint, self.limit = hint, limit

    def error(self, message: str, *, metadata: bool = False) -> InputError:
        code = self.metadata if metadata else self.syntax
        return InputError(f"{self.field}: {message}", code=code, field=self.field)


def _text(value: Any, path: str, rules: _Rules) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    kind = "a list" if isinstance(value, list) else "an object"
    raise rules.error(
        f"${{{path}}} is {kind} in metadata, not a text, number or boolean", metadata=True
    )


def _interpolate(expression: str, data: Mapping[str, Any], html: bool, rules: _Rules) -> str:
    match = _EXPRESSION.match(expression)
    if match is None:
        raise rules.error(
            f"${{{expression.strip()}}} is not supported: only values of metadata "
            '(a.b, a["b"]), defaults (a!"x") and the built-ins '
            f"{', '.join(sorted(_BUILTINS))}"
        )
    path = match.group("path").strip()
    value = _lookup(data, path)
    if value is None:
        if match.group("default") is None:
            raise rules.error(
                f"metadata has no value {path} (write ${{{path}!}} for none)", metadata=True
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
    text = _text(value, path, rules)
    escape = html
    for name in re.findall(_NAME, match.group("builtins") or ""):
        if name not in _BUILTINS:
            raise rules.error(
                f"the built-in ?{name} is not supported (supported: {', '.join(sorted(_BUILTINS))})"
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


def render_freemarker(
    source: str,
    data: Mapping[str, Any],
    *,
    field: str,
    html: bool = False,
    syntax_code: str = "TEMPLATE_SYNTAX_ERROR",
    metadata_code: str = "TEMPLATE_METADATA_ERROR",
    directive_hint: str = "",
    max_output: int = 5_000_000,
) -> str:
    """Render the interpolations of ``source`` with ``data``; ``html`` escapes the values.
    Problems are input errors naming ``field``: ``metadata_code`` for a value metadata
    lacks or cannot give as text, ``syntax_code`` for the rest (APA's e-mail template
    codes by default). ``directive_hint`` ends the message refusing a directive (where to
    write conditions and loops instead); the output stops at ``max_output`` characters."""
    rules = _Rules(field, syntax_code, metadata_code, directive_hint, max_output)
    source = _COMMENT.sub("", source)
    directive = _DIRECTIVE.search(source)
    if directive is not None:
        end = source.find(">", directive.start())
        shown = source[directive.start() : end + 1 if 0 < end < directive.start() + 40 else None]
        raise rules.error(
            f"line {_line(source, directive.start())}: the FreeMarker directive "
            f"{shown[:40]!r} is not supported; only ${{...}} values are rendered"
            + (f". {rules.hint}" if rules.hint else "")
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
            raise rules.error(f"line {_line(source, start)}: ${{ is not closed")
        out.append(source[position:start])
        piece = _interpolate(source[start + 2 : end], data, html, rules)
        size += len(piece) + start - position
        if size > rules.limit:
            raise rules.error(f"the rendered text exceeds {rules.limit} characters")
        out.append(piece)
        position = end + 1
    return "".join(out)
