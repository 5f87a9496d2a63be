"""Grammar and semantics of FEEL expressions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from tasklink.feel import FeelWarning, Range, YearsMonthsDuration, compile, evaluate

D = Decimal


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # literals
        ("42", D(42)),
        ("-1.5", D("-1.5")),
        (".5", D("0.5")),
        ('"a\\"b\\n\\u00e9"', 'a"b\né'),
        ("true", True),
        ("null", None),
        ('@"2024-02-29"', date(2024, 2, 29)),
        ('@"10:30:00+02:00"', time(10, 30, tzinfo=timezone(timedelta(hours=2)))),
        ('@"2024-01-02T03:04:05Z"', datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ('@"P1DT2H"', timedelta(days=1, hours=2)),
        ('@"P1Y2M"', YearsMonthsDuration(14)),
        # arithmetic: decimal128 precision and FEEL's null rules
        ("1 + 2 * 3", D(7)),
        ("(1 + 2) * 3", D(9)),
        ("10 / 4", D("2.5")),
        ("1 / 3", D("0.3333333333333333333333333333333333")),
        ("0.1 + 0.2", D("0.3")),
        ("2 ** 10", D(1024)),
        ("3 ** 4 ** 5", D(3486784401)),
        ("-3 ** 2", D(9)),
        ("1 / 0", None),
        ('1 + "a"', None),
        ("1 + null", None),
        ('"foo" + "bar"', "foobar"),
        # comparison and logic
        ("1 < 2", True),
        ('"a" < "b"', True),
        ("1 = 1.0", True),
        ('1 = "1"', None),
        ("null = null", True),
        ("1 != null", True),
        ("true and null", None),
        ("false and null", False),
        ("true or null", True),
        ("5 between 1 and 10", True),
        ("5 in [1..5]", True),
        ("5 in [1..5)", False),
        ("5 in (< 3, > 4)", True),
        ("5 in [4, 5, 6]", True),
        ('"b" in ("a", "b")', True),
        ("5 instance of number", True),
        ('"x" instance of string', True),
        ("[1, 2] instance of list<number>", True),
        ("{a: 1} instance of context<a: number>", True),
        ('@"2024-01-01" instance of date', True),
        ('@"2024-01-01T00:00:00" instance of date and time', True),
        # if / for / quantifiers
        ('if 1 > 2 then "a" else "b"', "b"),
        ('if null then "a" else "b"', "b"),
        ("for x in [1, 2, 3] return x * x", [D(1), D(4), D(9)]),
        ("for x in 1..3 return x", [D(1), D(2), D(3)]),
        ("for x in 3..1 return x", [D(3), D(2), D(1)]),
        ("for x in [1, 2], y in [10, 20] return x + y", [D(11), D(21), D(12), D(22)]),
        ("for i in 1..4 return if i = 1 then 1 else i * partial[-1]", [D(1), D(2), D(6), D(24)]),
        ("some x in [1, 2, 3] satisfies x > 2", True),
        ("every x in [1, 2, 3] satisfies x > 2", False),
        # lists, filters, paths
        ("[1, 2, 3][2]", D(2)),
        ("[1, 2, 3][-1]", D(3)),
        ("[1, 2, 3][4]", None),
        ("[1, 2, 3, 4][item > 2]", [D(3), D(4)]),
        ("[{a: 1}, {a: 2}][a > 1]", [{"a": D(2)}]),
        ("[{a: 1}, {a: 2}].a", [D(1), D(2)]),
        ("{a: {b: {c: 5}}}.a.b.c", D(5)),
        ("{a: 1}.missing", None),
        # contexts referencing earlier entries, names with spaces
        ("{a: 1, b: a + 1, c: {d: b * 10}}", {"a": D(1), "b": D(2), "c": {"d": D(20)}}),
        ('{first name: "Ada", greeting: "Hi " + first name}.greeting', "Hi Ada"),
        ('{"odd key!": 1}', {"odd key!": D(1)}),
        # functions
        ("(function(a, b) a - b)(5, 3)", D(2)),
        ("(function(a, b) a - b)(b: 5, a: 3)", D(-2)),
        ("{f: function(n) if n <= 1 then 1 else n * f(n - 1), r: f(5)}.r", D(120)),
        ("{add: function(x) function(y) x + y, r: add(1)(2)}.r", D(3)),
        ('substring(string: "hello", start position: 2, length: 3)', "ell"),
        # ranges
        ("[1..10]", Range(D(1), D(10), True, True)),
        ("(1..10]", Range(D(1), D(10), False, True)),
        ("]1..10[", Range(D(1), D(10), False, False)),
        ("(< 5)", Range(None, D(5), False, False)),
        ("[1..10[.end included", False),
        # temporal arithmetic and properties
        ('@"2024-01-31" + @"P1M"', date(2024, 2, 29)),
        ('@"2024-03-01" - @"2024-02-01"', timedelta(days=29)),
        ('@"2024-01-01T10:00:00" + @"PT90M"', datetime(2024, 1, 1, 11, 30)),
        ('@"P1Y" + @"P6M"', YearsMonthsDuration(18)),
        ('@"PT1H" * 2', timedelta(hours=2)),
        ('@"2024-05-06".weekday', D(1)),
        ('@"10:20:30".minute', D(20)),
        # comments
        ("1 + // one\n 2", D(3)),
        ("1 /* inline */ + 2", D(3)),
    ],
)
def test_expression(expression: str, expected: Any) -> None:
    assert evaluate(expression) == expected
    assert type(evaluate(expression)) is type(expected)


@pytest.mark.parametrize(
    ("expression", "context", "expected"),
    [
        ("x + 1", {"x": 1}, D(2)),
        ("x * 2", {"x": 0.1}, D("0.2")),
        ("Monthly Salary * 12", {"Monthly Salary": 1000}, D(12000)),
        (
            "order.items[price > 5].name",
            {"order": {"items": [{"name": "a", "price": 3}, {"name": "b", "price": 7}]}},
            ["b"],
        ),
        ("items[1]", {"items": (1, 2)}, D(1)),
        ('d + duration("P1D")', {"d": date(2024, 1, 1)}, date(2024, 1, 2)),
        ("flag = true", {"flag": True}, True),
        ("n", {"n": Decimal("1.25")}, D("1.25")),
        ("missing", {}, None),
    ],
)
def test_context_values(expression: str, context: dict[str, Any], expected: Any) -> None:
    assert evaluate(expression, context) == expected


def test_known_names_with_keywords_and_operators() -> None:
    compiled = compile('date of birth + @"P1D"', known_names=["date of birth"])
    assert compiled.evaluate({"date of birth": date(2000, 1, 1)}) == date(2000, 1, 2)
    assert compile("a+b * 2", known_names=["a+b"]).evaluate({"a+b": 3}) == D(6)
    assert evaluate("a+b * 2", {"a": 1, "b": 2}) == D(5)


def test_leading_equals_is_ignored() -> None:
    assert evaluate("= 1 + 1") == D(2)
    assert evaluate("  =x", {"x": "y"}) == "y"


def test_missing_variable_warns() -> None:
    warnings: list[FeelWarning] = []
    assert evaluate("nope + 1", warnings=warnings) is None
    assert any("nope" in w.message for w in warnings)


def test_functions_are_returned_and_callable() -> None:
    f = evaluate("function(a, b) a + b")
    assert f(1, 2) == D(3)


def test_result_numbers_are_decimals_with_34_digits() -> None:
    result = evaluate("2 / 3")
    assert isinstance(result, Decimal)
    assert len(result.as_tuple().digits) == 34


def test_global_decimal_context_untouched() -> None:
    import decimal

    before = decimal.getcontext().prec
    evaluate("1 / 7")
    assert decimal.getcontext().prec == before
