"""Fuzzing: whatever the input, only FeelError subclasses may escape."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasklink.feel import FeelError, compile

_TOKENS = [
    "1",
    "-2.5",
    ".5",
    '"s"',
    '""',
    "true",
    "false",
    "null",
    "x",
    "y",
    "item",
    "?",
    "+",
    "-",
    "*",
    "/",
    "**",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    ".",
    "..",
    "and",
    "or",
    "not",
    "in",
    "between",
    "instance",
    "of",
    "if",
    "then",
    "else",
    "for",
    "return",
    "some",
    "every",
    "satisfies",
    "function",
    "external",
    "date",
    "date and time",
    "sum",
    "count",
    "substring",
    "string join",
    '@"2024-01-01"',
    '@"P1D"',
    '@"bad"',
    "list",
    "context",
    "<",
    ">",
    "->",
    "number",
    "//c\n",
    "/*c*/",
    "a b",
    '"\\u00e9"',
    "\\",
    "#",
    "'",
]

_CONTEXT: dict[str, Any] = {
    "x": 3,
    "y": [1, "a", None, {"b": 2}],
    "a b": Decimal("1.5"),
    "d": date(2024, 1, 1),
    "t": timedelta(hours=1),
}

_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(text: str) -> None:
    try:
        compiled = compile(text)
    except FeelError:
        return
    try:
        compiled.evaluate(_CONTEXT)
    except FeelError:
        return


@_SETTINGS
@given(st.text(max_size=60))
def test_random_text_only_raises_feel_errors(text: str) -> None:
    _check(text)


@_SETTINGS
@given(st.lists(st.sampled_from(_TOKENS), max_size=25))
def test_token_soup_only_raises_feel_errors(tokens: list[str]) -> None:
    _check(" ".join(tokens))
    _check("".join(tokens))


_atoms = st.sampled_from(
    [
        "1",
        "2.5",
        '"a"',
        "true",
        "null",
        "x",
        "y",
        "[1, 2]",
        "{k: 1}",
        '@"2024-01-01"',
        '@"P1D"',
        '@"P1Y"',
        "[1..3]",
        "d",
        "t",
        "function(v) v",
    ]
)


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(
        children,
        st.sampled_from(["+", "-", "*", "/", "**", "=", "<", "and", "or", "in"]),
        children,
    ).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
    calls = st.tuples(
        st.sampled_from(
            [
                "sum",
                "string",
                "count",
                "abs",
                "not",
                "date",
                "substring",
                "min",
                "flatten",
                "sort",
                "decimal",
                "before",
                "get entries",
            ]
        ),
        st.lists(children, max_size=3),
    ).map(lambda t: f"{t[0]}({', '.join(t[1])})")
    other = st.one_of(
        st.tuples(children, children).map(lambda t: f"{t[0]}[{t[1]}]"),
        st.tuples(children, children, children).map(lambda t: f"if {t[0]} then {t[1]} else {t[2]}"),
        st.tuples(children, children).map(lambda t: f"for i in {t[0]} return {t[1]}"),
        children.map(lambda c: f"{c}.k"),
        children.map(lambda c: f"-{c}"),
    )
    return st.one_of(binary, calls, other)


@_SETTINGS
@given(st.recursive(_atoms, _combine, max_leaves=12))
def test_well_formed_expressions_only_raise_feel_errors(text: str) -> None:
    _check(text)
