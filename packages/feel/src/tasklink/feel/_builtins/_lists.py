"""List, numeric and statistics built-ins.

Each charges the step budget for the elements it scans or produces (one step
per element) and the slow decimal functions for their time, so no list or
numeric operation does unbounded work for free.
"""

from __future__ import annotations

import decimal
import functools
from collections.abc import Hashable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from .._runtime import EvalState, call_function
from .._types import FeelFunction, YearsMonthsDuration
from .._values import CTX, EXP_STEPS, LN_STEPS, SQRT_STEPS, compare, equal, kind
from ._core import builtin, fail, need, to_int, truncate

_ONE = Decimal(1)
# A random number costs about ten microseconds (secrets plus a division).
_RANDOM_STEPS: Final = 12


def _list(value: Any, what: str = "list") -> list[Any]:
    if type(value) is not list:
        fail(f"{what} must be a list")
    return value


def _items(args: tuple[Any, ...]) -> list[Any]:
    """Arguments of the ``f(list)`` / ``f(a, b, c...)`` built-ins."""
    if len(args) == 1 and type(args[0]) is list:
        return args[0]
    return list(args)


def _scanned(state: EvalState, args: tuple[Any, ...]) -> list[Any]:
    """``_items(args)``, charging a step per item the built-in will scan."""
    items = _items(args)
    state.charge(len(items))
    return items


def _numbers(state: EvalState, args: tuple[Any, ...]) -> list[Decimal]:
    items = _scanned(state, args)
    need(all(type(v) is Decimal for v in items), "all items must be numbers")
    return items


def _produced(state: EvalState, items: list[Any]) -> list[Any]:
    """Charge a step per element of a list a built-in returns."""
    state.charge(len(items))
    return items


def _position(value: Any, length: int) -> int:
    """0-based index for a 1-based (or negative from the end) FEEL position."""
    p = to_int(value, "position")
    if 1 <= p <= length:
        return p - 1
    if -length <= p <= -1:
        return length + p
    fail(f"position {p} out of range")


@builtin("list contains", "list", "element", nulls=True)
def _list_contains(state: EvalState, items: Any, element: Any) -> Any:
    lst = _list(items)
    state.charge(len(lst))
    return any(equal(v, element, state) is True for v in lst)


@builtin("count", "list...", nulls=True)
def _count(state: EvalState, *args: Any) -> Any:
    return Decimal(len(_items(args)))


def _extreme(state: EvalState, args: tuple[Any, ...], sign: int) -> Any:
    items = _scanned(state, args)
    if not items:
        return None
    best = items[0]
    for v in items[1:]:
        c = compare(v, best)
        need(c is not None, "items are not comparable")
        assert c is not None
        if c * sign > 0:
            best = v
    need(len(items) > 1 or compare(best, best) is not None, "item is not comparable")
    return best


@builtin("min", "list...", nulls=True)
def _min(state: EvalState, *args: Any) -> Any:
    return _extreme(state, args, -1)


@builtin("max", "list...", nulls=True)
def _max(state: EvalState, *args: Any) -> Any:
    return _extreme(state, args, 1)


@builtin("sum", "list...", nulls=True)
def _sum(state: EvalState, *args: Any) -> Any:
    items = _numbers(state, args)
    if not items:
        return None
    total = Decimal(0)
    for v in items:
        total = CTX.add(total, v)
    return total


@builtin("product", "list...", nulls=True)
def _product(state: EvalState, *args: Any) -> Any:
    items = _numbers(state, args)
    if not items:
        return None
    total = _ONE
    for v in items:
        total = CTX.multiply(total, v)
    return total


@builtin("mean", "list...", nulls=True)
def _mean(state: EvalState, *args: Any) -> Any:
    items = _numbers(state, args)
    if not items:
        return None
    total = Decimal(0)
    for v in items:
        total = CTX.add(total, v)
    return CTX.divide(total, Decimal(len(items)))


@builtin("median", "list...", nulls=True)
def _median(state: EvalState, *args: Any) -> Any:
    items = sorted(_numbers(state, args))
    if not items:
        return None
    n = len(items)
    if n % 2:
        return items[n // 2]
    return CTX.divide(CTX.add(items[n // 2 - 1], items[n // 2]), Decimal(2))


@builtin("stddev", "list...", nulls=True)
def _stddev(state: EvalState, *args: Any) -> Any:
    items = _numbers(state, args)
    if len(items) < 2:
        return None
    n = Decimal(len(items))
    total = Decimal(0)
    for v in items:
        total = CTX.add(total, v)
    mean = CTX.divide(total, n)
    squares = Decimal(0)
    for v in items:
        d = CTX.subtract(v, mean)
        squares = CTX.add(squares, CTX.multiply(d, d))
    state.charge(len(items) + SQRT_STEPS)  # the second pass over the items
    return CTX.sqrt(CTX.divide(squares, n - 1))


@builtin("mode", "list...", nulls=True)
def _mode(state: EvalState, *args: Any) -> Any:
    items = _numbers(state, args)
    if not items:
        return []
    counts: dict[Decimal, int] = {}
    for v in items:
        counts[v] = counts.get(v, 0) + 1
    top = max(counts.values())
    return sorted(v for v, c in counts.items() if c == top)


# `and` and `or` are feel-scala's names of `all` and `any`.
@builtin("and", "list...", nulls=True)
@builtin("all", "list...", nulls=True)
def _all(state: EvalState, *args: Any) -> Any:
    items = _scanned(state, args)
    if any(v is False for v in items):
        return False
    if all(v is True for v in items):
        return True
    need(all(v is None or type(v) is bool for v in items), "items must be booleans")
    return None


@builtin("or", "list...", nulls=True)
@builtin("any", "list...", nulls=True)
def _any(state: EvalState, *args: Any) -> Any:
    items = _scanned(state, args)
    if any(v is True for v in items):
        return True
    if all(v is False for v in items):
        return False
    need(all(v is None or type(v) is bool for v in items), "items must be booleans")
    return None


@builtin("sublist", "list", "start", "length?")  # feel-scala's parameter name
@builtin("sublist", "list", "start position", "length?")
def _sublist(state: EvalState, items: Any, start: Any, length: Any = None) -> Any:
    lst = _list(items)
    begin = _position(start, len(lst))
    if length is None:
        return _produced(state, lst[begin:])
    count = to_int(length, "length")
    need(count >= 0 and begin + count <= len(lst), "length out of range")
    return _produced(state, lst[begin : begin + count])


@builtin("append", "list", "item...", nulls=True)
def _append(state: EvalState, items: Any, *new: Any) -> Any:
    lst = _list(items)
    state.charge(len(lst) + len(new))
    return [*lst, *new]


# feel-scala names the variadic parameters of `append`, `concatenate` and
# `union` `items` and `lists`; invoked by name, the parameter is the list of
# the values the variadic call would take.
@builtin("append", "list", "items", nulls=True)
def _append_items(state: EvalState, items: Any, new: Any) -> Any:
    return _append(state, items, *_list(new, "items"))


@builtin("concatenate", "list...", nulls=True)
def _concatenate(state: EvalState, *lists: Any) -> Any:
    out: list[Any] = []
    for v in lists:
        lst = _list(v)
        state.charge(len(lst))
        out.extend(lst)
    return out


@builtin("concatenate", "lists")
def _concatenate_lists(state: EvalState, lists: Any) -> Any:
    return _concatenate(state, *_list(lists, "lists"))


@builtin("insert before", "list", "position", "newItem", nulls=True)
def _insert_before(state: EvalState, items: Any, position: Any, new: Any) -> Any:
    lst = _list(items)
    i = _position(position, len(lst))
    state.charge(len(lst) + 1)
    return [*lst[:i], new, *lst[i:]]


@builtin("remove", "list", "position")
def _remove(state: EvalState, items: Any, position: Any) -> Any:
    lst = _list(items)
    i = _position(position, len(lst))
    state.charge(len(lst))
    return [*lst[:i], *lst[i + 1 :]]


@builtin("reverse", "list")
def _reverse(state: EvalState, items: Any) -> Any:
    return _produced(state, list(reversed(_list(items))))


@builtin("index of", "list", "match", nulls=True)
def _index_of(state: EvalState, items: Any, match: Any) -> Any:
    lst = _list(items)
    state.charge(len(lst))
    return [Decimal(i + 1) for i, v in enumerate(lst) if equal(v, match, state) is True]


# Types whose Python equality and hash agree with FEEL equality among values
# of the same type (datetimes need their time-zone presence added, see below).
_HASHED_AS_IS: Final = frozenset({str, Decimal, bool, date, timedelta, YearsMonthsDuration})


def _identity(value: Any, state: EvalState) -> Hashable | None:
    """A hashable stand-in for ``value``: two values that have one are FEEL-equal
    exactly when their stand-ins are equal. ``None`` for values without one
    (times, ranges, functions, host objects, and lists or contexts holding
    such values), which must be compared with :func:`equal`."""
    t = type(value)
    if t in _HASHED_AS_IS or value is None:
        return (t, value)
    if t is datetime:
        # FEEL: a date and time with a zone never equals one without.
        return (t, value.tzinfo is None, value)
    if t is list:
        state.charge(len(value))
        items = []
        for v in value:
            key = _identity(v, state)
            if key is None:
                return None
            items.append(key)
        return (t, tuple(items))
    if t is dict:
        state.charge(len(value))
        entries = []
        for k, v in value.items():
            key = _identity(v, state)
            if key is None:
                return None
            entries.append((k, key))
        return (t, frozenset(entries))
    return None


def _occurrences(state: EvalState, values: list[Any]) -> tuple[list[Any], list[int]]:
    """The distinct values of ``values`` (each the first of the items
    FEEL-equal to it, in order) and how many items equal each.

    Values with a hashable stand-in are looked up in a dict, so the usual
    lists of numbers, strings or contexts take linear time; only values
    without one are compared pairwise, charging a step per comparison.
    """
    state.charge(len(values))
    firsts: list[Any] = []
    counts: list[int] = []
    index: dict[Hashable, int] = {}
    without_identity: list[int] = []  # positions in `firsts`
    for v in values:
        key = _identity(v, state)
        i = None if key is None else index.get(key)
        if i is None:
            # A value without a stand-in may still equal one with (a host str
            # subclass equals a str), so each kind is checked against the other.
            others = range(len(firsts)) if key is None else without_identity
            if others:
                state.charge(len(others))
                i = next((j for j in others if equal(v, firsts[j], state) is True), None)
        if i is not None:
            counts[i] += 1
            continue
        if key is None:
            without_identity.append(len(firsts))
        else:
            index[key] = len(firsts)
        firsts.append(v)
        counts.append(1)
    return firsts, counts


def _distinct(state: EvalState, values: list[Any]) -> list[Any]:
    """``values`` without the items FEEL-equal to an earlier one, in order."""
    return _occurrences(state, values)[0]


@builtin("union", "list...", nulls=True)
def _union(state: EvalState, *lists: Any) -> Any:
    out: list[Any] = []
    for v in lists:
        out.extend(_list(v))
    return _distinct(state, out)


@builtin("union", "lists")
def _union_lists(state: EvalState, lists: Any) -> Any:
    return _union(state, *_list(lists, "lists"))


@builtin("distinct values", "list")
def _distinct_values(state: EvalState, items: Any) -> Any:
    return _distinct(state, _list(items))


@builtin("duplicate values", "list")
def _duplicate_values(state: EvalState, items: Any) -> Any:
    firsts, counts = _occurrences(state, _list(items))
    return [v for v, n in zip(firsts, counts, strict=True) if n > 1]


@builtin("is empty", "list")
def _is_empty(state: EvalState, items: Any) -> Any:
    return not _list(items)


@builtin("partition", "list", "size")
def _partition(state: EvalState, items: Any, size: Any) -> Any:
    lst = _list(items)
    n = truncate(size, "size")
    need(n > 0, f"size must be greater than zero but was {n}")
    state.charge(len(lst) + len(lst) // n)  # the items and a list per part
    return [lst[i : i + n] for i in range(0, len(lst), n)]


def _flat(state: EvalState, value: list[Any], out: list[Any]) -> None:
    state.charge(len(value))
    for v in value:
        if type(v) is list:
            _flat(state, v, out)
        else:
            out.append(v)


@builtin("flatten", "list")
def _flatten(state: EvalState, items: Any) -> Any:
    out: list[Any] = []
    _flat(state, _list(items), out)
    return out


@builtin("list replace", "list", "position", "newItem", nulls=True)
def _list_replace(state: EvalState, items: Any, position: Any, new: Any) -> Any:
    lst = _list(items)
    state.charge(len(lst))
    if isinstance(position, FeelFunction):
        out = []
        for v in lst:
            r = call_function(position, [v, new], None, state, "list replace")
            out.append(new if r is True else v)
        return out
    i = _position(position, len(lst))
    return [*lst[:i], new, *lst[i + 1 :]]


@builtin("sort", "list", "precedes?", nulls=True)
def _sort(state: EvalState, items: Any, precedes: Any = None) -> Any:
    lst = _list(items)
    state.charge(len(lst))
    if precedes is None:
        return _natural_sort(state, lst)
    need(isinstance(precedes, FeelFunction), "precedes must be a function")

    def ordering(a: Any, b: Any) -> int:
        # sorted() only asks "a < b?", i.e. whether this is negative, so
        # `precedes(b, a)` never needs calling: half the comparator calls.
        # The calls themselves are charged (a step per user function call).
        return -1 if call_function(precedes, [a, b], None, state, "sort") is True else 0

    return sorted(lst, key=functools.cmp_to_key(ordering))


# Kinds whose Python ordering is FEEL's ordering among values of one type.
_NATIVELY_ORDERED: Final = frozenset({Decimal, str, date, timedelta, YearsMonthsDuration})


def _natural_sort(state: EvalState, lst: list[Any]) -> list[Any]:
    kinds = {kind(v) for v in lst}
    need(len(kinds) <= 1, "items are not comparable")
    types = {type(v) for v in lst}
    if len(types) == 1 and types <= _NATIVELY_ORDERED:
        return sorted(lst)  # the same order as compare(), without a call per comparison

    def natural(a: Any, b: Any) -> int:
        state.charge(1)  # a step per comparison: compare() is interpreted work
        c = compare(a, b)
        need(c is not None, "items are not comparable")
        assert c is not None
        return c

    return sorted(lst, key=functools.cmp_to_key(natural))


# -- numeric --------------------------------------------------------------
def _num(value: Any, what: str = "n") -> Decimal:
    if type(value) is not Decimal:
        fail(f"{what} must be a number")
    return value


def _round(n: Any, scale: Any, rounding: str) -> Decimal:
    number = _num(n)
    places = truncate(scale, "scale")
    need(-6111 <= places <= 6176, "scale out of range")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -places:
        return number  # already has no more than `places` decimals
    try:
        result = number.quantize(Decimal((0, (1,), -places)), rounding=rounding, context=CTX)
    except decimal.InvalidOperation:
        fail("result does not fit in 34 digits")
    return result


@builtin("decimal", "n", "scale")
def _decimal(state: EvalState, n: Any, scale: Any) -> Any:
    return _round(n, scale, decimal.ROUND_HALF_EVEN)


# feel-scala's `decimal(n, scale, mode)` takes the names of java.math.RoundingMode.
_ROUNDING_MODES: Final = {
    "UP": decimal.ROUND_UP,
    "DOWN": decimal.ROUND_DOWN,
    "CEILING": decimal.ROUND_CEILING,
    "FLOOR": decimal.ROUND_FLOOR,
    "HALF_UP": decimal.ROUND_HALF_UP,
    "HALF_DOWN": decimal.ROUND_HALF_DOWN,
    "HALF_EVEN": decimal.ROUND_HALF_EVEN,
}


@builtin("decimal", "n", "scale", "mode")
def _decimal_mode(state: EvalState, n: Any, scale: Any, mode: Any) -> Any:
    need(type(mode) is str, "mode must be a string")
    name = mode.upper()
    if name == "UNNECESSARY":  # the number must not need rounding
        result = _round(n, scale, decimal.ROUND_HALF_EVEN)
        need(result == n, f"rounding to scale {scale} is necessary")
        return result
    rounding = _ROUNDING_MODES.get(name)
    need(rounding is not None, f"unknown rounding mode {mode!r}")
    assert rounding is not None
    return _round(n, scale, rounding)


# feel-scala spells the scale of `floor` and `round half down` `scala`.
@builtin("floor", "n", "scala")
@builtin("floor", "n", "scale?")
def _floor(state: EvalState, n: Any, scale: Any = Decimal(0)) -> Any:
    return _round(n, scale, decimal.ROUND_FLOOR)


@builtin("ceiling", "n", "scale?")
def _ceiling(state: EvalState, n: Any, scale: Any = Decimal(0)) -> Any:
    return _round(n, scale, decimal.ROUND_CEILING)


@builtin("round up", "n", "scale?")
def _round_up(state: EvalState, n: Any, scale: Any = Decimal(0)) -> Any:
    return _round(n, scale, decimal.ROUND_UP)


@builtin("round down", "n", "scale?")
def _round_down(state: EvalState, n: Any, scale: Any = Decimal(0)) -> Any:
    return _round(n, scale, decimal.ROUND_DOWN)


@builtin("round half up", "n", "scale?")
def _round_half_up(state: EvalState, n: Any, scale: Any = Decimal(0)) -> Any:
    return _round(n, scale, decimal.ROUND_HALF_UP)


@builtin("round half down", "n", "scala")
@builtin("round half down", "n", "scale?")
def _round_half_down(state: EvalState, n: Any, scale: Any = Decimal(0)) -> Any:
    return _round(n, scale, decimal.ROUND_HALF_DOWN)


@builtin("modulo", "dividend", "divisor")
def _modulo(state: EvalState, dividend: Any, divisor: Any) -> Any:
    a, b = _num(dividend, "dividend"), _num(divisor, "divisor")
    need(bool(b), "division by zero")
    q = CTX.divide(a, b).to_integral_value(rounding=decimal.ROUND_FLOOR)
    return CTX.subtract(a, CTX.multiply(b, q))


@builtin("sqrt", "number")
def _sqrt(state: EvalState, n: Any) -> Any:
    v = _num(n, "number")
    need(v >= 0, "negative number")
    state.charge(SQRT_STEPS)
    return CTX.sqrt(v)


@builtin("log", "number")
def _log(state: EvalState, n: Any) -> Any:
    v = _num(n, "number")
    need(v > 0, "number must be positive")
    state.charge(LN_STEPS)
    return CTX.ln(v)


@builtin("exp", "number")
def _exp(state: EvalState, n: Any) -> Any:
    v = _num(n, "number")
    state.charge(EXP_STEPS)
    return CTX.exp(v)


@builtin("odd", "number")
def _odd(state: EvalState, n: Any) -> Any:
    return to_int(_num(n, "number"), "number") % 2 == 1


@builtin("even", "number")
def _even(state: EvalState, n: Any) -> Any:
    return to_int(_num(n, "number"), "number") % 2 == 0


@builtin("random number")
def _random_number(state: EvalState) -> Any:
    import secrets

    state.charge(_RANDOM_STEPS)
    return CTX.divide(Decimal(secrets.randbelow(10**16)), Decimal(10**16))
