"""Built-in functions (DMN 1.5) and Camunda's connector functions."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from tasklink.feel import YearsMonthsDuration, evaluate

D = Decimal


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # conversion
        ('number("1 000,5", " ", ",")', D("1000.5")),
        ("string(1.50)", "1.5"),
        ('string(@"2024-01-02")', "2024-01-02"),
        ('string(@"P1DT2H30M")', "P1DT2H30M"),
        ('string([1, "a"])', '[1, "a"]'),
        ('date("2024-01-02")', date(2024, 1, 2)),
        ("date(2024, 2, 29)", date(2024, 2, 29)),
        ("date(2023, 2, 29)", None),
        ('time("10:20:30")', time(10, 20, 30)),
        (
            'time(10, 20, 30.5, duration("PT1H"))',
            time(10, 20, 30, 500000, tzinfo=timezone(timedelta(hours=1))),
        ),
        ('date and time("2024-01-02T10:20:30")', datetime(2024, 1, 2, 10, 20, 30)),
        ('date and time(date("2024-01-02"), time("10:00:00"))', datetime(2024, 1, 2, 10)),
        ('duration("P2DT3H")', timedelta(days=2, hours=3)),
        ('duration("P2Y")', YearsMonthsDuration(24)),
        (
            'years and months duration(date("2020-01-15"), date("2021-03-14"))',
            YearsMonthsDuration(13),
        ),
        # boolean
        ("not(true)", False),
        ("not(null)", None),
        ('is(@"10:00:00Z", @"10:00:00+00:00")', True),
        ('is(1, "1")', False),
        # string
        ('substring("foobar", 3)', "obar"),
        ('substring("foobar", -2, 1)', "a"),
        ('string length("héllo")', D(5)),
        ('upper case("abc")', "ABC"),
        ('lower case("ABC")', "abc"),
        ('substring before("foobar", "bar")', "foo"),
        ('substring after("foobar", "ob")', "ar"),
        ('replace("abcd", "(ab)|(a)", "[1=$1][2=$2]")', "[1=ab][2=]cd"),
        ('contains("foobar", "ob")', True),
        ('starts with("foobar", "fo")', True),
        ('ends with("foobar", "r")', True),
        ('matches("foobar", "^fo*b")', True),
        ('matches("FOO", "foo", "i")', True),
        ('split("a;b;;c", ";")', ["a", "b", "", "c"]),
        ('string join(["a", null, "c"], ", ")', "a, c"),
        # list
        ("list contains([1, 2, null], null)", True),
        ("count([1, 2, 3])", D(3)),
        ("min([3, 1, 2])", D(1)),
        ("max(3, 1, 2)", D(3)),
        ("sum([1, 2, 3])", D(6)),
        ("mean([1, 2, 3, 4])", D("2.5")),
        ("median([3, 1, 2, 4])", D("2.5")),
        ("stddev([2, 4, 7, 5])", D("2.081665999466132735282297706979931")),
        ("mode([6, 3, 9, 6, 6])", [D(6)]),
        ("all([true, true])", True),
        ("any([false, null])", None),
        ("sublist([1, 2, 3, 4], 2, 2)", [D(2), D(3)]),
        ("append([1], 2, 3)", [D(1), D(2), D(3)]),
        ("concatenate([1], [2], [3])", [D(1), D(2), D(3)]),
        ("insert before([1, 3], 2, 2)", [D(1), D(2), D(3)]),
        ("remove([1, 2, 3], 2)", [D(1), D(3)]),
        ("reverse([1, 2, 3])", [D(3), D(2), D(1)]),
        ("index of([1, 2, 1], 1)", [D(1), D(3)]),
        ("union([1, 2], [2, 3])", [D(1), D(2), D(3)]),
        ("distinct values([1, 2, 1])", [D(1), D(2)]),
        ("flatten([[1, [2]], 3])", [D(1), D(2), D(3)]),
        ("product([2, 3, 4])", D(24)),
        ("list replace([1, 2, 3], 2, 9)", [D(1), D(9), D(3)]),
        ("list replace([1, 2, 3], function(item, newItem) item > 1, 0)", [D(1), D(0), D(0)]),
        ("sort([3, 1, 2])", [D(1), D(2), D(3)]),
        ("sort([3, 1, 2], function(x, y) x > y)", [D(3), D(2), D(1)]),
        # numeric
        ("decimal(1/3, 2)", D("0.33")),
        ("decimal(2.5, 0)", D(2)),
        ("floor(-1.5)", D(-2)),
        ("ceiling(1.2)", D(2)),
        ("round up(5.5)", D(6)),
        ("round down(-5.5)", D(-5)),
        ("round half up(-5.5)", D(-6)),
        ("round half down(5.5)", D(5)),
        ("abs(-3)", D(3)),
        ("modulo(-12, 5)", D(3)),
        ("sqrt(16)", D(4)),
        ("odd(5)", True),
        ("even(5)", False),
        # temporal
        ('day of year(date("2024-03-01"))', D(61)),
        ('day of week(date("2024-05-06"))', "Monday"),
        ('month of year(date("2024-05-06"))', "May"),
        ('week of year(date("2024-01-01"))', D(1)),
        # range
        ("before(1, 10)", True),
        ("after([5..10], 4)", True),
        ("meets([1..5], [5..10])", True),
        ("met by([5..10], [1..5])", True),
        ("overlaps([1..5], [3..8])", True),
        ("overlaps before([1..5], [3..8])", True),
        ("overlaps after([3..8], [1..5])", True),
        ("finishes(10, [1..10])", True),
        ("finished by([1..10], 10)", True),
        ("includes([1..10], 5)", True),
        ("during(5, [1..10])", True),
        ("starts(1, [1..10])", True),
        ("started by([1..10], 1)", True),
        ("coincides([1..5], [1..5])", True),
        # context
        ('get value({a: 1}, "a")', D(1)),
        ("get entries({a: 1})", [{"key": "a", "value": D(1)}]),
        ('context([{key: "a", value: 1}])', {"a": D(1)}),
        ('context put({a: 1}, "b", 2)', {"a": D(1), "b": D(2)}),
        ('context put({a: {b: 1}}, ["a", "b"], 2)', {"a": {"b": D(2)}}),
        ("context merge([{a: 1}, {b: 2}])", {"a": D(1), "b": D(2)}),
    ],
)
def test_builtin(expression: str, expected: Any) -> None:
    assert evaluate(expression) == expected


def test_bpmn_error() -> None:
    assert evaluate('bpmnError("E1", "boom")') == {
        "errorType": "bpmnError",
        "errorCode": "E1",
        "errorMessage": "boom",
        "variables": {},
    }
    assert evaluate('bpmnError("E1", "boom", {a: 1})')["variables"] == {"a": D(1)}
    named = evaluate('bpmnError(errorCode: "E2", errorMessage: "m")')
    assert (named["errorCode"], named["errorMessage"]) == ("E2", "m")


def test_job_error() -> None:
    assert evaluate('jobError("failed")') == {
        "errorType": "jobError",
        "errorMessage": "failed",
        "variables": {},
        "retries": 0,
        "retryBackoff": None,  # the job's retryBackoff header then
    }
    result = evaluate('jobError("failed", {x: 1}, 3, @"PT10S")')
    assert result["retries"] == 3
    assert type(result["retries"]) is int
    assert result["retryBackoff"] == timedelta(seconds=10)


def test_ignore_error() -> None:
    assert evaluate("ignoreError()") == {"errorType": "ignoreError", "variables": {}}
    assert evaluate("ignoreError({skipped: true})")["variables"] == {"skipped": True}


def test_backoff_grows_to_its_maximum_within_the_jitter() -> None:
    def millis(expression: str) -> float:
        value = evaluate(expression)
        assert type(value) is timedelta
        return value.total_seconds() * 1000

    assert millis('backoff(1, @"PT1S", 2, @"PT10S", 0)') == 1000
    assert millis('backoff(3, @"PT1S", 2, @"PT10S", 0)') == 4000
    assert millis('backoff(9, @"PT1S", 2, @"PT10S", 0)') == 10000
    assert millis("backoff(1000000, 100, 3, 2000, 0)") == 2000  # milliseconds work too
    for _ in range(50):
        assert 45 <= millis("backoff(1)") <= 55  # 50 ms +- 10 %
    assert evaluate("backoff(0)") is None
    assert evaluate('backoff(1, @"PT9S", 2, @"PT1S")') is None


def test_typical_connector_error_expression() -> None:
    expression = (
        '= if response.status = 404 then bpmnError("NOT_FOUND", "no " + id) '
        'else if response.status >= 500 then jobError("server error", {}, 2) else null'
    )
    assert (
        evaluate(expression, {"response": {"status": 404}, "id": "x"})["errorCode"] == "NOT_FOUND"
    )
    assert evaluate(expression, {"response": {"status": 503}, "id": "x"})["retries"] == 2
    assert evaluate(expression, {"response": {"status": 200}, "id": "x"}) is None


def test_now_and_today_are_consistent() -> None:
    result = evaluate("{n: now(), t: today()}")
    assert result["n"].date() == result["t"]
