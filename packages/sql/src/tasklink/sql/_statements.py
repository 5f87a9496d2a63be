"""Statements and their parameters, before SQLAlchemy sees them.

A statement names its values as ``:name`` placeholders, found exactly as SQLAlchemy's
``text()`` finds them (a colon after a word character or another colon is no placeholder:
``'10:30'``, ``x::int``; ``\\:name`` is a literal colon). Each placeholder needs a value and
each value a placeholder, so a typo fails the job naming the parameter instead of binding
NULL or nothing.

Values come from process variables, so they are JSON: an object is bound as JSON text (for
a JSON column); a list is bound as an array (PostgreSQL: ``= ANY(:ids)``), or expanded into
one placeholder per item after ``IN`` (``WHERE id IN :ids``, on every database).

The vendor contracts write placeholders their own way; :func:`to_named` rewrites Camunda's
positional ``?`` and Jdbi's ``<list>``, and APA's ``{name}``, into ``:name`` placeholders,
outside quoted strings, quoted names and comments.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tasklink.core import ErrorCode, InputError

__all__ = [
    "BoundStatement",
    "bind_statement",
    "placeholders",
    "returns_rows_hint",
    "to_named",
]

#: SQLAlchemy's own pattern for ``text()`` placeholders (``TextClause._bind_params_regex``).
_PLACEHOLDER = re.compile(r"(?<![:\w\x5c]):(\w+)(?![:\w])")
_FIRST_WORD = re.compile(r"^\s*(?:(?:--[^\n]*\n|/\*.*?\*/)\s*)*\(*\s*([A-Za-z]+)", re.S)
#: Statements whose rows are streamed (the others are DML or DDL: their row counts matter).
_ROW_STATEMENTS = frozenset(
    {"select", "with", "values", "table", "show", "explain", "describe", "desc", "pragma"}
)


def placeholders(statement: str) -> list[str]:
    """The ``:name`` placeholders of ``statement``, each once, in order."""
    return list(dict.fromkeys(_PLACEHOLDER.findall(statement)))


def returns_rows_hint(statement: str) -> bool:
    """Whether the statement reads rows (SELECT, WITH, VALUES...), by its first word."""
    match = _FIRST_WORD.match(statement)
    return match is not None and match.group(1).lower() in _ROW_STATEMENTS


@dataclass(frozen=True)
class BoundStatement:
    """A statement ready for ``text()``: its values, and which of them expand."""

    sql: str
    values: dict[str, Any]
    expanding: tuple[str, ...] = ()


def _in_list(statement: str, name: str) -> bool:
    return re.search(rf"(?i)\bIN\s+:{re.escape(name)}(?![:\w])", statement) is not None


def _value(value: Any, name: str, field: str) -> Any:
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
        return json.dumps(value, ensure_ascii=False)
    return value


def bind_statement(statement: str, parameters: Mapping[str, Any], field: str) -> BoundStatement:
    """Check the placeholders of ``statement`` against ``parameters`` (named in errors as
    ``<field>.<name>``) and convert the values for binding."""
    names = placeholders(statement)
    missing = [n for n in names if n not in parameters]
    if missing:
        listed = ", ".join(f"{field}.{n}" for n in missing[:10])
        raise InputError(
            f"{listed}: the statement has the placeholder :{missing[0]} but {field} gives "
            "it no value",
            code=ErrorCode.MISSING_INPUT,
            field=f"{field}.{missing[0]}",
            variables={"fields": [f"{field}.{n}" for n in missing]},
        )
    unused = [n for n in parameters if n not in names]
    if unused:
        raise InputError(
            f"{field}.{unused[0]}: the statement has no :{unused[0]} placeholder (a colon "
            "written \\: is not one)",
            field=f"{field}.{unused[0]}",
        )
    values: dict[str, Any] = {}
    expanding: list[str] = []
    for name in names:
        value = parameters[name]
        if isinstance(value, list) and _in_list(statement, name):
            if not value:
                raise InputError(
                    f"{field}.{name}: an empty list after IN matches nothing, and SQL has no "
                    "empty IN (): leave the condition out instead",
                    field=f"{field}.{name}",
                )
            if any(isinstance(item, dict | list) for item in value):
                raise InputError(
                    f"{field}.{name}: the values after IN must be numbers, text or booleans",
                    field=f"{field}.{name}",
                )
            expanding.append(name)
            values[name] = value
        else:
            values[name] = _value(value, name, field)
    return BoundStatement(statement, values, tuple(expanding))


# -- vendor placeholder styles -----------------------------------------------------------

# Pieces of SQL that placeholders are never looked for in: quoted strings ('...' with ''),
# quoted names ("..." and MySQL's `...`), comments, and PostgreSQL's dollar quoting.
_SKIP = re.compile(
    r"""
      '(?:[^']|'')*'
    | "(?:[^"]|"")*"
    | `(?:[^`]|``)*`
    | --[^\n]*
    | /\*.*?\*/
    | \$(?P<tag>[A-Za-z_]\w*)?\$.*?\$(?P=tag)?\$
    """,
    re.S | re.X,
)
_QUESTION = re.compile(r"\?")
_BRACES = re.compile(r"\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}")
_ANGLES = re.compile(r"<([A-Za-z_][A-Za-z0-9_]*)>")


def _outside_quotes(sql: str, pattern: re.Pattern[str], replace: Any) -> str:
    """``sql`` with ``pattern`` replaced by ``replace(match)`` outside the :data:`_SKIP`
    pieces; colons already in the SQL are escaped for ``text()`` there too, so only the
    placeholders made here are placeholders."""
    out: list[str] = []
    position = 0
    for skipped in _SKIP.finditer(sql):
        out.append(_escape_colons(pattern.sub(replace, sql[position : skipped.start()])))
        out.append(_escape_colons(skipped.group(0)))
        position = skipped.end()
    out.append(_escape_colons(pattern.sub(replace, sql[position:])))
    return "".join(out).replace("\x00", ":")


def _escape_colons(text: str) -> str:
    # Our placeholders carry \x00 for their colon until the end (see _outside_quotes).
    return _PLACEHOLDER.sub(lambda m: "\\:" + m.group(1), text)


def to_named(
    sql: str,
    *,
    positional: Sequence[Any] | None = None,
    named: Mapping[str, Any] | None = None,
    braces: bool = False,
    field: str,
) -> tuple[str, dict[str, Any]]:
    """A vendor's statement with ``:name`` placeholders and the values for them.

    ``positional`` fills ``?`` placeholders in order (Camunda's list of variables, JDBC's
    style); ``named`` keeps ``:name`` placeholders and expands Jdbi's ``<name>`` lists
    (Camunda's map of variables); ``braces`` reads APA's ``{name}`` from ``named`` (a
    dotted name reads a nested value). Values no placeholder names are left out, as the
    vendors' drivers never see them. Errors name ``field``.
    """
    values: dict[str, Any] = {}
    if positional is not None:
        items = list(positional)

        def question(_: re.Match[str]) -> str:
            index = len(values) + 1
            if index > len(items):
                raise InputError(
                    f"{field}: the statement has more ? placeholders than the "
                    f"{len(items)} values given",
                    field=field,
                )
            values[f"p{index}"] = items[index - 1]
            return f"\x00p{index}"

        converted = _outside_quotes(sql, _QUESTION, question)
        if len(values) < len(items):
            raise InputError(
                f"{field}: {len(items)} values for {len(values)} ? placeholders",
                field=field,
            )
        return converted, values
    given = dict(named or {})

    def missing(name: str, written: str) -> InputError:
        return InputError(
            f"{field}.{name}: the statement has the placeholder {written} but {field} "
            "gives it no value",
            code=ErrorCode.MISSING_INPUT,
            field=f"{field}.{name}",
        )

    if braces:

        def brace(match: re.Match[str]) -> str:
            path = match.group(1)
            value: Any = given
            for part in path.split("."):
                if not isinstance(value, Mapping) or part not in value:
                    raise missing(path, f"{{{path}}}")
                value = value[part]
            name = "p_" + path.replace(".", "__")
            values[name] = value
            return f"\x00{name}"

        return _outside_quotes(sql, _BRACES, brace), values

    def either(match: re.Match[str]) -> str:
        listed, name = match.group(1), match.group(2)
        if listed is None:
            if name not in given:
                raise missing(name, f":{name}")
            values[name] = given[name]
            return f"\x00{name}"
        items = given.get(listed)
        if not isinstance(items, list) or not items:
            raise InputError(
                f"{field}.{listed}: <{listed}> takes a list of at least one value",
                field=f"{field}.{listed}",
            )
        names = []
        for index, item in enumerate(items):
            values[f"{listed}_{index}"] = item
            names.append(f"\x00{listed}_{index}")
        return ", ".join(names)

    combined = re.compile(rf"{_ANGLES.pattern}|{_PLACEHOLDER.pattern}")
    return _outside_quotes(sql, combined, either), values
