"""Public API: evaluator plug-in protocol, reuse and thread safety."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from importlib import metadata

import pytest

import tasklink.feel as feel
from tasklink.feel import CompiledExpression, FeelEvaluator, compile_unary_tests


def test_public_api_exports() -> None:
    for name in feel.__all__:
        assert hasattr(feel, name), name
    assert feel.__version__ == "0.1.0"


def test_evaluator_protocol() -> None:
    evaluator = FeelEvaluator()
    assert evaluator.language == "feel"
    compiled = evaluator.compile("=a.b + 1")
    assert isinstance(compiled, CompiledExpression)
    assert compiled.evaluate({"a": {"b": 41}}) == Decimal(42)


def test_entry_point_registered() -> None:
    try:
        eps = metadata.entry_points(group="tasklink.expression_evaluators")
    except Exception:  # pragma: no cover - metadata backends vary
        pytest.skip("entry point metadata unavailable")
    matches = [ep for ep in eps if ep.name == "feel"]
    if not matches:
        pytest.skip("tasklink-feel is not installed as a distribution")
    assert matches[0].value == "tasklink.feel:FeelEvaluator"
    assert matches[0].load() is FeelEvaluator


def test_compiled_expression_is_reusable() -> None:
    compiled = feel.compile("{total: sum(xs), n: count(xs)}")
    for i in range(1, 20):
        assert compiled.evaluate({"xs": list(range(i))}) == {
            "total": Decimal(sum(range(i))),
            "n": Decimal(i),
        }


def test_compiled_expression_is_thread_safe() -> None:
    compiled = feel.compile(
        "{id: x, doubled: for i in items return i * 2, big: items[item > x], "
        "f: (function(a) a + x)(1)}"
    )
    barrier = threading.Barrier(8)

    def work(x: int) -> bool:
        barrier.wait()
        for _ in range(200):
            items = [x, x + 1, x + 2]
            result = compiled.evaluate({"x": x, "items": items})
            expected = {
                "id": Decimal(x),
                "doubled": [Decimal(2 * v) for v in items],
                "big": [Decimal(x + 1), Decimal(x + 2)],
                "f": Decimal(x + 1),
            }
            if result != expected:
                return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(work, range(8)))


def test_warnings_are_per_evaluation() -> None:
    compiled = feel.compile("missing")
    first: list[feel.FeelWarning] = []
    second: list[feel.FeelWarning] = []
    compiled.evaluate({}, warnings=first)
    compiled.evaluate({"missing": 1}, warnings=second)
    assert len(first) == 1
    assert second == []


def test_unary_tests() -> None:
    tests = compile_unary_tests('< 10, [20..30], "x"')
    assert tests.matches(5) is True
    assert tests.matches(25) is True
    assert tests.matches("x") is True
    assert tests.matches(15) is False
    assert compile_unary_tests("-").matches(object()) is True
    assert compile_unary_tests("not(1, 2)").matches(3) is True
    assert compile_unary_tests("? > limit").matches(5, {"limit": 3}) is True


def test_import_is_light() -> None:
    import subprocess
    import sys

    code = (
        "import time; t = time.perf_counter(); import tasklink.feel; print(time.perf_counter() - t)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    # Generous bound: this guards against accidentally importing heavy modules.
    assert float(out) < 1.0
