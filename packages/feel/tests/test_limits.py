"""Evaluation limits: the step budget, the deadline, lazy ranges and
time-limited regular expressions.

Attack expressions must end with the right exception, never with null. No
assertion depends on how fast this machine is: deadlines are only used to
make an attack stop, and "ends quickly" bounds are a minute or more for work
that took minutes to hours (or never ended) before the limits existed.
"""

from __future__ import annotations

import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

import tasklink.feel as feel
import tasklink.feel._runtime as runtime
from tasklink.feel import (
    DEFAULT_MAX_STEPS,
    FeelError,
    FeelEvaluationError,
    FeelEvaluator,
    FeelLimitError,
    FeelTimeoutError,
    FeelWarning,
    compile,
    compile_unary_tests,
    evaluate,
)

D = Decimal

# Exponential backtracking: 2**30 paths before the final "!" rules them out.
CATASTROPHIC_INPUT = "a" * 30 + "!"
CATASTROPHIC_MATCHES = f'matches("{CATASTROPHIC_INPUT}", "^(a|a)*$")'
GENEROUS_SECONDS = 60.0
# Attacks that only the step budget should stop also get this deadline, as a
# safety net: without working limits they would run for hours or exhaust memory.
SAFETY_NET = GENEROUS_SECONDS


def soon(seconds: float = 0.2) -> float:
    """A deadline ``seconds`` from now."""
    return time.monotonic() + seconds


def finishes_within(seconds: float, action: Callable[[], Any]) -> None:
    """Run ``action`` and check it returned (or raised) within ``seconds``."""
    start = time.monotonic()
    try:
        action()
    finally:
        assert time.monotonic() - start < seconds


def minimal_budget(expression: str, context: dict[str, Any] | None = None) -> int:
    """The smallest ``max_steps`` that lets ``expression`` finish."""
    low, high = 0, 1
    while True:
        try:
            evaluate(expression, context, max_steps=high)
            break
        except FeelLimitError:
            low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        try:
            evaluate(expression, context, max_steps=middle)
            high = middle
        except FeelLimitError:
            low = middle
    return high


@pytest.fixture
def short_regex_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default per-call regex time limit, shortened to keep tests fast."""
    monkeypatch.setattr(runtime, "DEFAULT_REGEX_TIMEOUT", 0.1)


@pytest.fixture
def no_gil_switching() -> Iterator[None]:
    """Threads only take turns when one blocks or releases the GIL itself."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(30.0)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


# -- the public API -------------------------------------------------------


def test_limit_names_are_exported() -> None:
    for name in ("DEFAULT_MAX_STEPS", "FeelLimitError", "FeelTimeoutError"):
        assert name in feel.__all__
    assert 250_000 <= DEFAULT_MAX_STEPS <= 1_000_000


def test_error_types() -> None:
    assert issubclass(FeelLimitError, FeelEvaluationError)
    assert not issubclass(FeelLimitError, TimeoutError)
    assert issubclass(FeelTimeoutError, FeelEvaluationError)
    assert issubclass(FeelTimeoutError, TimeoutError)


@pytest.mark.parametrize("max_steps", [-1, 1.5, "10", True])
def test_invalid_max_steps_is_a_feel_error(max_steps: Any) -> None:
    with pytest.raises(FeelError, match="max_steps"):
        evaluate("1", max_steps=max_steps)


def test_step_overrun_is_an_error_not_null() -> None:
    warnings: list[FeelWarning] = []
    with pytest.raises(FeelLimitError, match="exceeded its budget of 50 steps"):
        evaluate("for i in 1..100 return i", warnings=warnings, max_steps=50)


def test_max_steps_can_be_raised_for_a_bigger_loop() -> None:
    expression = "count(for i in 1..400000 return i)"
    with pytest.raises(FeelLimitError, match=f"budget of {DEFAULT_MAX_STEPS} steps"):
        evaluate(expression)
    assert evaluate(expression, max_steps=4 * DEFAULT_MAX_STEPS) == 400000


def test_budget_is_exact_and_per_evaluation() -> None:
    expression = "for x in xs return {double: x * 2}"
    context = {"xs": list(range(100))}
    needed = minimal_budget(expression, context)
    compiled = compile(expression)
    with pytest.raises(FeelLimitError):
        compiled.evaluate(context, max_steps=needed - 1)
    # Evaluating twice needs twice the steps: each run starts afresh.
    for _ in range(3):
        assert len(compiled.evaluate(context, max_steps=needed)) == 100


def test_evaluator_plug_in_passes_limits_through() -> None:
    compiled = FeelEvaluator().compile("= for i in 1..100000, j in 1..100000 return i + j")
    with pytest.raises(FeelLimitError) as info:
        compiled.evaluate({}, max_steps=1000, deadline=soon(GENEROUS_SECONDS))
    assert not isinstance(info.value, TimeoutError)
    with pytest.raises(TimeoutError):  # what the runtime catches to retry elsewhere
        compiled.evaluate({}, max_steps=10**12, deadline=soon())


def test_unary_tests_have_a_budget() -> None:
    tests = compile_unary_tests("? > count(for i in 1..1000000000 return i)")
    with pytest.raises(FeelLimitError, match=f"budget of {DEFAULT_MAX_STEPS} steps"):
        tests.matches(5)
    with pytest.raises(FeelLimitError, match="budget of 10 steps"):
        tests.matches(5, max_steps=10)
    assert compile_unary_tests("? > count(for i in 1..3 return i)").matches(5) is True


# -- the attacks of the security finding ------------------------------------


def test_backtracking_regex_stops_at_the_deadline() -> None:
    def attack() -> None:
        with pytest.raises(FeelTimeoutError, match="did not finish before its deadline"):
            evaluate(CATASTROPHIC_MATCHES, deadline=soon())

    finishes_within(GENEROUS_SECONDS, attack)


@pytest.mark.parametrize(
    "expression",
    [
        CATASTROPHIC_MATCHES,
        f'replace("{CATASTROPHIC_INPUT}", "^(a|a)*$", "x")',
        f'split("{CATASTROPHIC_INPUT}", "(a|a)+!!")',
        f'extract("{CATASTROPHIC_INPUT}", "^(a|a)*$")',
    ],
)
@pytest.mark.usefixtures("short_regex_limit")
def test_backtracking_regex_without_deadline_hits_the_regex_time_limit(expression: str) -> None:
    with pytest.raises(FeelLimitError, match="regular expression ran longer than its limit"):
        evaluate(expression)


def test_regex_past_the_deadline_does_not_start() -> None:
    with pytest.raises(FeelTimeoutError):
        evaluate('matches("a", "a")', deadline=time.monotonic() - 1)


@pytest.mark.usefixtures("no_gil_switching")
def test_regex_releases_the_gil_while_it_runs() -> None:
    # With thread switching off, the main thread can only run while the
    # worker thread releases the GIL: what its regex does (concurrent=True).
    ticks = [0]
    ticks_seen_when_regex_ended: list[int] = []

    def run_regex() -> None:
        try:
            evaluate(CATASTROPHIC_MATCHES, deadline=soon(0.3))
        except FeelTimeoutError:
            ticks_seen_when_regex_ended.append(ticks[0])

    worker = threading.Thread(target=run_regex)
    worker.start()
    while worker.is_alive():
        ticks[0] += 1
        time.sleep(0)  # hand the GIL back at once when the worker wants it
    worker.join()
    assert ticks_seen_when_regex_ended, "the regex did not time out"
    assert ticks_seen_when_regex_ended[0] > 0


def test_nested_loops_over_large_ranges_hit_the_budget() -> None:
    expression = "for i in 1..100000, j in 1..100000 return i + j"

    def attack() -> None:
        with pytest.raises(FeelLimitError):
            evaluate(expression, deadline=soon(SAFETY_NET))

    finishes_within(GENEROUS_SECONDS, attack)


def test_nested_loops_stop_at_the_deadline() -> None:
    with pytest.raises(FeelTimeoutError):
        evaluate(
            "for i in 1..100000, j in 1..100000 return i + j", max_steps=10**15, deadline=soon()
        )


def test_counting_a_huge_range_hits_the_budget() -> None:
    def attack() -> None:
        with pytest.raises(FeelLimitError):
            evaluate("count(for i in 1..10000000 return i)", deadline=soon(SAFETY_NET))

    finishes_within(GENEROUS_SECONDS, attack)


@pytest.mark.parametrize(
    "expression", ["for i in 1..10000000 return i", "for i in [1..10000000] return i"]
)
def test_range_attack_memory_stays_bounded(expression: str) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(FeelLimitError):
            evaluate(expression, deadline=soon(SAFETY_NET))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100 * 2**20


def test_string_doubling_hits_the_budget() -> None:
    expression = '{f: function(s, n) if n = 0 then s else f(s + s, n - 1), r: f("ab", 40)}.r'
    tracemalloc.start()
    try:
        with pytest.raises(FeelLimitError):
            evaluate(expression, deadline=soon(SAFETY_NET))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100 * 2**20


def test_exponential_recursion_hits_the_budget() -> None:
    fib = "{fib: function(n) if n < 2 then n else fib(n - 1) + fib(n - 2), r: fib(40)}.r"
    with pytest.raises(FeelLimitError):
        evaluate(fib, deadline=soon(SAFETY_NET))
    assert evaluate(fib.replace("fib(40)", "fib(15)")) == 610


def test_huge_counted_repetition_is_refused_before_compiling() -> None:
    def attack() -> None:
        with pytest.raises(FeelLimitError, match="regular expression is too large"):
            evaluate('matches("a", "a{10000000}")')

    finishes_within(GENEROUS_SECONDS, attack)
    assert evaluate(r'matches("aaa-12", "^a{3}-\d{2}$")') is True


def test_replacement_that_multiplies_the_input_hits_the_budget() -> None:
    with pytest.raises(FeelLimitError, match="budget"):
        evaluate('replace(s, ".", "$0$0$0$0$0$0$0$0")', {"s": "x" * 100_000}, max_steps=10_000)


# -- budget errors are never swallowed into null ----------------------------

SWALLOW_CASES = {
    "user function": "{f: function(n) count(for i in 1..n return i), r: f(100000)}.r",
    "filter condition": "[1, 2, 3][count(for i in 1..100000 return i) > item]",
    "sort comparator": (
        "sort([3, 1, 2], function(a, b) count(for i in 1..100000 return i) > 0 and a < b)"
    ),
    "list replace function": (
        "list replace([1, 2], function(x, y) count(for i in 1..100000 return i) > 0, 0)"
    ),
    "built-in argument": "string join(for i in 1..100000 return string(i))",
    "quantifier": "some i in 1..100000 satisfies i < 0",
    "regex replacement": 'replace(s, "x", "$0$0$0$0")',
}


@pytest.mark.parametrize("expression", SWALLOW_CASES.values(), ids=SWALLOW_CASES.keys())
def test_budget_error_is_not_swallowed(expression: str) -> None:
    warnings: list[FeelWarning] = []
    with pytest.raises(FeelLimitError):
        evaluate(expression, {"s": "x" * 100_000}, warnings=warnings, max_steps=5000)


def test_budget_error_from_a_host_callable_is_not_swallowed() -> None:
    def host() -> Any:
        return evaluate("for i in 1..1000 return i", max_steps=10)

    with pytest.raises(FeelLimitError, match="budget of 10 steps"):
        evaluate("host()", {"host": host})


def test_timeout_from_a_host_callable_is_not_swallowed() -> None:
    def host() -> Any:
        return evaluate(CATASTROPHIC_MATCHES, deadline=soon())

    with pytest.raises(FeelTimeoutError):
        evaluate("host()", {"host": host})


def test_feel_function_called_from_python_has_a_budget() -> None:
    f = evaluate("function(n) count(for i in 1..n return i)")
    assert f(10) == 10
    with pytest.raises(FeelLimitError):
        f(10**9)


# -- lazy ranges keep FEEL semantics --------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("for i in 1..4 return i", [1, 2, 3, 4]),
        ("for i in 4..1 return i", [4, 3, 2, 1]),
        ("for i in -1..-3 return i", [-1, -2, -3]),
        ("for i in 2..2 return i", [2]),
        ("for i in [1..4] return i", [1, 2, 3, 4]),
        ("for i in (1..4] return i", [2, 3, 4]),
        ("for i in [1..4) return i", [1, 2, 3]),
        ("for i in (1..4) return i", [2, 3]),
        ("for i in (1..2) return i", []),
        ("for i in (1..1] return i", []),
        ("for i in [1..1) return i", []),
        ("for i in [1..1] return i", [1]),
        ("for i in 1..3, j in i..1 return i * 10 + j", [11, 22, 21, 33, 32, 31]),
        ("for i in 1..5 return if i = 1 then 1 else i * partial[-1]", [1, 2, 6, 24, 120]),
        ("every i in 1..3 satisfies i > 0", True),
        ("some i in (1..3) satisfies i = 3", False),
    ],
)
def test_range_iteration_semantics(expression: str, expected: Any) -> None:
    # Lazy iteration charges its steps: a budget of 1 is too small for any
    # iteration, and a small one is enough.
    if expected:
        with pytest.raises(FeelLimitError):
            evaluate(expression, max_steps=1)
    result = evaluate(expression, max_steps=100)
    if isinstance(expected, list):
        assert result == [D(v) for v in expected]
    else:
        assert result == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('for d in @"2024-02-27"..@"2024-03-01" return d.day', [27, 28, 29, 1]),
        ('for d in @"2024-03-01"..@"2024-02-28" return d.day', [1, 29, 28]),
        ('for d in [@"2024-02-27"..@"2024-03-01") return d.day', [27, 28, 29]),
        ('for d in (@"2024-02-27"..@"2024-03-01"] return d.day', [28, 29, 1]),
        ('for d in (@"2024-02-27"..@"2024-02-27"] return d', []),
    ],
)
def test_date_range_iteration(expression: str, expected: list[int]) -> None:
    assert evaluate(expression, max_steps=100) == [D(v) for v in expected]
    if expected:
        with pytest.raises(FeelLimitError):
            evaluate(expression, max_steps=1)


@pytest.mark.parametrize(
    "expression",
    [
        "for i in 1..1000000000000 return i",
        "for i in (0..1000000000000] return i",
        "for i in 1000000000000..1 return i",
        'for d in @"0001-01-01"..@"9999-12-31" return d',
    ],
)
def test_huge_ranges_are_not_built_up_front(expression: str) -> None:
    # Before lazy ranges, the numeric ones were refused as "too large" (null)
    # and the date range was built whole: 3.6 million dates.
    tracemalloc.start()
    try:
        with pytest.raises(FeelLimitError):
            evaluate(expression, max_steps=100)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20


# -- built-ins charge what they scan and produce -----------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "count(xs[item > 0])",
        "count(xs.a)",
        "sum(ys)",
        "count(sort(ys))",
        "count(distinct values(ys))",
        "count(union(ys, ys))",
        "count(index of(ys, 1))",
        "list contains(ys, -1)",
        "count(flatten([ys, [ys]]))",
        "count(concatenate(ys, ys))",
        "count(append(ys, 1))",
        "count(sublist(ys, 2))",
        "count(reverse(ys))",
        "ys = zs",
        "5 in ys",
        "string length(string join(ss))",
        "string length(upper case(s))",
        "string length(substring(s, 2))",
        'contains(s, "y")',
        "string length(s + s)",
        "string length(string(ys))",
        'count(split(s, "y"))',
        'matches(s, "y")',
        'count(extract(s, "x{64}"))',
        "count(duplicate values(ys))",
        "count(partition(ys, 2))",
        "and(bs)",
        "string length(to json(xs))",
        "count(from json(j))",
        "string length(to base64(s))",
        "string length(from base64(b))",
    ],
)
def test_built_ins_charge_for_the_size_of_their_data(expression: str) -> None:
    n = 20_000
    context = {
        "xs": [{"a": i} for i in range(n)],
        "ys": list(range(n)),
        "zs": list(range(n)),
        "bs": [True] * n,
        "ss": ["abcdefgh"] * n,
        "s": "x" * (64 * n),
        "j": "[" + ",".join(["1.5"] * n) + "]",
        "b": "eHh4" * (16 * n),
    }
    with pytest.raises(FeelLimitError):
        evaluate(expression, context, max_steps=n // 4)
    assert evaluate(expression, context) is not None


def test_distinct_values_keeps_feel_equality() -> None:
    expression = (
        'distinct values([1, 1.0, "1", true, null, null, [1], [1.0], {a: 1}, {a: 1.00},'
        ' @"2024-01-01", date("2024-01-01"), @"2024-01-01T10:00:00Z",'
        ' @"2024-01-01T11:00:00+01:00", @"2024-01-01T10:00:00", @"10:00:00Z",'
        ' @"11:00:00+01:00", @"P1D", @"PT24H", @"P1Y", @"P12M", [@"10:00:00Z"],'
        ' [@"11:00:00+01:00"], true])'
    )
    result = evaluate(expression)
    assert result[:7] == [D(1), "1", True, None, [D(1)], {"a": D(1)}, date(2024, 1, 1)]
    assert [str(v) for v in result[7:]] == [
        "2024-01-01 10:00:00+00:00",
        "2024-01-01 10:00:00",
        "10:00:00+00:00",
        "1 day, 0:00:00",
        "P1Y",
        "[datetime.time(10, 0, tzinfo=datetime.timezone.utc)]",
    ]
    # Linear, not pairwise: 50,000 distinct numbers take about 50,000 steps
    # (pairwise comparison would be over a billion).
    numbers = {"xs": list(range(50_000))}
    assert evaluate("count(distinct values(xs))", numbers, max_steps=60_000) == 50000


def test_sort_with_a_comparator_is_stable_and_charged_per_call() -> None:
    items = [{"k": k, "n": n} for n, k in enumerate([2, 1, 2, 1, 3])]
    result = evaluate("sort(items, function(a, b) a.k < b.k).n", {"items": items})
    assert result == [D(1), D(3), D(0), D(2), D(4)]
    with pytest.raises(FeelLimitError):
        evaluate("sort(items, function(a, b) a.k < b.k)", {"items": items}, max_steps=20)


def test_regex_unicode_properties() -> None:
    # The regex package reads XPath's \p{...} categories; re could not.
    assert evaluate(r'matches("Été", "^\p{Lu}\p{Ll}+$")') is True
    assert evaluate(r'replace("a1b2", "\P{L}", "")') == "ab"
