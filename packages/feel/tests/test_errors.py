"""Syntax errors with positions, warnings, strict mode and the error hierarchy."""

from __future__ import annotations

import pickle

import pytest

from tasklink.feel import (
    FeelError,
    FeelEvaluationError,
    FeelSyntaxError,
    FeelWarning,
    compile,
    evaluate,
)


@pytest.mark.parametrize(
    ("expression", "line", "column", "fragment"),
    [
        ("if x > 1 else 2", 1, 10, "expected 'then'"),
        ("1 +", 1, 4, "expected an expression"),
        ("[1, 2", 1, 6, "',' or ']'"),
        ("{a: 1,\n b 2}", 2, 4, "':'"),
        ('"unterminated', 1, 1, "unterminated string"),
        ("a # b", 1, 3, "unexpected character '#'"),
        ("1 2", 1, 3, "unexpected input"),
        ("foo(1,", 1, 7, "expected an expression"),
        ("/* open", 1, 1, "unterminated comment"),
        ("", 1, 1, "expected an expression"),
        ("for x in [1] x", 1, 14, "expected 'return'"),
    ],
)
def test_syntax_error_position(expression: str, line: int, column: int, fragment: str) -> None:
    with pytest.raises(FeelSyntaxError) as info:
        compile(expression)
    err = info.value
    assert (err.line, err.column) == (line, column)
    assert fragment in err.message
    assert err.expression == expression
    text = str(err)
    assert text.startswith(f"line {line}, column {column}: ")
    # The excerpt ends with a caret under the offending column.
    assert text.splitlines()[-1] == "  " + " " * (column - 1) + "^"


def test_syntax_error_positions_refer_to_original_text_with_equals() -> None:
    with pytest.raises(FeelSyntaxError) as info:
        compile("= 1 +")
    assert info.value.column == 6


def test_syntax_error_is_a_feel_error_and_pickles() -> None:
    with pytest.raises(FeelError) as info:
        compile("(")
    copy = pickle.loads(pickle.dumps(info.value))
    assert str(copy) == str(info.value)


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ('1 + "a"', "cannot apply '+'"),
        ("1 / 0", "division by zero"),
        ("substring(1, 2)", "substring"),
        ("unknown()", "no function found"),
        ("[1, 2][5]", "out of range"),
        ('date("2024-13-01")', "invalid date"),
        ('1 < "a"', "cannot compare"),
    ],
)
def test_null_with_warning(expression: str, fragment: str) -> None:
    warnings: list[FeelWarning] = []
    assert evaluate(expression, warnings=warnings) is None
    assert any(fragment in str(w) for w in warnings), warnings


def test_strict_mode_raises_on_warning() -> None:
    with pytest.raises(FeelEvaluationError, match="division by zero"):
        evaluate("1 / 0", strict=True)
    assert evaluate("1 / 1", strict=True) == 1


def test_deep_recursion_is_a_feel_error() -> None:
    compiled = compile("{f: function(n) f(n + 1), r: f(0)}.r")
    with pytest.raises(FeelEvaluationError):
        compiled.evaluate({})


def test_deep_nesting_is_a_syntax_error() -> None:
    with pytest.raises(FeelSyntaxError, match="nested too deeply"):
        compile("(" * 5000 + "1" + ")" * 5000)


def test_non_string_expression() -> None:
    with pytest.raises(FeelError):
        compile(42)  # type: ignore[arg-type]
