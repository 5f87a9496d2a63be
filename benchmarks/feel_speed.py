"""Speed of the FEEL engine (tasklink-feel).

Measures evaluations per second of a compiled, typical connector result
expression (a context with paths, a filter and an if) against a 50-field
nested context, and the time to compile that expression.

    python benchmarks/feel_speed.py           # about a minute
    python benchmarks/feel_speed.py --quick   # well under 30 seconds

Prints a table, then the headline figures as ``METRIC name=value`` lines.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from tasklink.feel import compile as feel_compile

EXPRESSION = """= {
  orderId: response.body.order.id,
  customer: response.body.order.customer.name,
  email: response.body.order.customer.email,
  openItems: response.body.order.items[status = "open"],
  priority: if response.body.order.customer.tier = "gold" then "high" else "normal",
  retry: response.status >= 500
}"""


def build_context() -> dict[str, Any]:
    """A response-like input with 50 leaf fields spread over nested contexts."""
    items = [
        {
            "sku": f"SKU-{i}",
            "price": 10 + i,
            "qty": i % 3 + 1,
            "status": "open" if i % 2 else "done",
        }
        for i in range(5)
    ]  # 5 items x 4 fields = 20 leaves
    customer = {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "tier": "gold",
        "id": 42,
        "since": "2019-04-01",
        "country": "GB",
    }  # 6 leaves
    order = {
        "id": "ORD-1",
        "currency": "EUR",
        "created": "2026-11-23T10:00:00Z",
        "channel": "web",
        "customer": customer,
        "items": items,
    }  # 4 leaves
    headers = {f"x-header-{i}": f"value-{i}" for i in range(12)}  # 12 leaves
    meta = {"page": 1, "pageSize": 50, "total": 5, "traceId": "abc", "region": "eu"}  # 5
    return {
        "response": {
            "status": 200,
            "headers": headers,
            "body": {"order": order, "meta": meta},
        },  # 1 leaf (status)
        "tenant": "acme",
        "attempt": 1,
    }  # 2 leaves -> 50 in total


def count_leaves(value: Any) -> int:
    if isinstance(value, dict):
        return sum(count_leaves(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_leaves(v) for v in value)
    return 1


def measure_evals(seconds: float, rounds: int) -> list[float]:
    compiled = feel_compile(EXPRESSION)
    context = build_context()
    rates = []
    for _ in range(rounds):
        n = 0
        batch = 200
        start = time.perf_counter()
        deadline = start + seconds
        while True:
            for _ in range(batch):
                compiled.evaluate(context)
            n += batch
            now = time.perf_counter()
            if now >= deadline:
                break
        rates.append(n / (now - start))
    return rates


def measure_compile(repeats: int, rounds: int) -> list[float]:
    results = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeats):
            feel_compile(EXPRESSION)
        results.append((time.perf_counter() - start) / repeats * 1e6)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run (under 30 s)")
    args = parser.parse_args()
    eval_seconds, rounds, compile_repeats = (1.0, 3, 300) if args.quick else (4.0, 5, 2000)

    context = build_context()
    result = feel_compile(EXPRESSION).evaluate(context)
    # Sanity check, so a broken engine cannot report a good speed.
    assert len(result["openItems"]) == 2 and result["priority"] == "high", result

    rates = measure_evals(eval_seconds, rounds)
    compile_us = measure_compile(compile_repeats, rounds)
    best_rate = max(rates)
    best_compile = min(compile_us)

    print(
        f"FEEL benchmark ({'quick' if args.quick else 'full'}), "
        f"{count_leaves(context)}-field nested context"
    )
    print(f"{'measure':<28}{'best':>14}{'median':>14}{'worst':>14}")
    print(
        f"{'evaluations / s':<28}{best_rate:>14,.0f}{statistics.median(rates):>14,.0f}"
        f"{min(rates):>14,.0f}"
    )
    print(
        f"{'compile time (us)':<28}{best_compile:>14,.1f}{statistics.median(compile_us):>14,.1f}"
        f"{max(compile_us):>14,.1f}"
    )
    print(f"METRIC feel_evals_per_s={int(best_rate)}")
    print(f"METRIC feel_compile_us={best_compile:.1f}")


if __name__ == "__main__":
    main()
