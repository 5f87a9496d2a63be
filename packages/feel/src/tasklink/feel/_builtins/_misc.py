"""Boolean, range, context and Camunda connector built-ins."""

from __future__ import annotations

import math
import random
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any, Final

from .._errors import FeelEvaluationError
from .._runtime import EvalState
from .._types import Range
from .._values import compare, equal, kind
from ._core import builtin, fail, need, to_int


@builtin("not", "negand", nulls=True)
def _not(state: EvalState, value: Any) -> Any:
    if type(value) is bool:
        return not value
    return None


def _same_zone(a: Any, b: Any) -> bool:
    za, zb = a.tzinfo, b.tzinfo
    if za is None or zb is None:
        return za is zb
    ka, kb = getattr(za, "key", None), getattr(zb, "key", None)
    if ka is not None or kb is not None:
        return bool(ka == kb)
    ref = a if isinstance(a, datetime) else None
    return bool(za.utcoffset(ref) == zb.utcoffset(ref))


# -- Camunda's boolean functions (feel-scala BooleanBuiltinFunctions) --------
@builtin("is defined", "value", nulls=True)
def _is_defined(state: EvalState, value: Any) -> Any:
    # A missing variable or context entry is null here, as in feel-scala.
    return value is not None


@builtin("get or else", "value", "default", nulls=True)
def _get_or_else(state: EvalState, value: Any, default: Any) -> Any:
    return default if value is None else value


_ASSERT_MESSAGE: Final = "The condition is not fulfilled"


@builtin("assert", "value", "condition", nulls=True)
@builtin("assert", "value", "condition", "cause", nulls=True)
def _assert(state: EvalState, value: Any, condition: Any, cause: Any = None) -> Any:
    # feel-scala fails the whole evaluation (ASSERT_FAILURE) instead of
    # returning null, so this is an error no caller can overlook.
    if condition is True:
        return value
    raise FeelEvaluationError(cause if type(cause) is str else _ASSERT_MESSAGE)


@builtin("is", "value1", "value2", nulls=True)
def _is(state: EvalState, a: Any, b: Any) -> Any:
    if a is None or b is None:
        return a is None and b is None
    if kind(a) != kind(b):
        return False
    if isinstance(a, time | datetime):
        if not _same_zone(a, b):
            return False
        return a.replace(tzinfo=None) == b.replace(tzinfo=None)
    return equal(a, b, state) is True


# -- ranges ---------------------------------------------------------------
_LOW = object()
_HIGH = object()


def _cmp(a: Any, b: Any) -> int:
    """Compare range endpoints; ``None`` endpoints are infinite."""
    c = compare(a, b)
    need(c is not None, "values are not comparable")
    assert c is not None
    return c


class _R:
    """Range endpoints with unbounded sides as infinities (for the formulas)."""

    __slots__ = ("ei", "end", "si", "start")

    def __init__(self, r: Range) -> None:
        self.start = _LOW if r.start is None else r.start
        self.end = _HIGH if r.end is None else r.end
        self.si = r.start_included
        self.ei = r.end_included


def _c(a: Any, b: Any) -> int:
    if a is _LOW or b is _HIGH:
        return 0 if a is b else -1
    if a is _HIGH or b is _LOW:
        return 0 if a is b else 1
    return _cmp(a, b)


def _point(value: Any) -> Any:
    need(value is not None, "null argument")
    if type(value) is Range:
        fail("expected a point")
    return value


def _range(value: Any) -> _R:
    need(type(value) is Range, "expected a range")
    return _R(value)


def _before(a: Any, b: Any) -> bool:
    ra, rb = type(a) is Range, type(b) is Range
    if not ra and not rb:
        return _cmp(a, b) < 0
    if not ra:
        r = _range(b)
        c = _c(a, r.start)
        return c < 0 or (c == 0 and not r.si)
    if not rb:
        r = _range(a)
        c = _c(r.end, b)
        return c < 0 or (c == 0 and not r.ei)
    r1, r2 = _range(a), _range(b)
    c = _c(r1.end, r2.start)
    return c < 0 or (c == 0 and (not r1.ei or not r2.si))


# Decorators register bottom-up. Named arguments `point` and `range` fit both
# `(point, range)` and `(range, point)`; as in feel-scala, which lists it
# first, `(point, range)` takes them, so it is registered before the other.
@builtin("before", "point1", "point2")
@builtin("before", "range", "point")
@builtin("before", "point", "range")
@builtin("before", "range1", "range2")
def _before_fn(state: EvalState, a: Any, b: Any) -> Any:
    return _before(a, b)


@builtin("after", "point1", "point2")
@builtin("after", "range", "point")
@builtin("after", "point", "range")
@builtin("after", "range1", "range2")
def _after_fn(state: EvalState, a: Any, b: Any) -> Any:
    return _before(b, a)


def _meets(a: Any, b: Any) -> bool:
    r1, r2 = _range(a), _range(b)
    return r1.ei and r2.si and _c(r1.end, r2.start) == 0


@builtin("meets", "range1", "range2")
def _meets_fn(state: EvalState, a: Any, b: Any) -> Any:
    return _meets(a, b)


@builtin("met by", "range1", "range2")
def _met_by_fn(state: EvalState, a: Any, b: Any) -> Any:
    return _meets(b, a)


@builtin("overlaps", "range1", "range2")
def _overlaps(state: EvalState, a: Any, b: Any) -> Any:
    r1, r2 = _range(a), _range(b)
    c1 = _c(r1.end, r2.start)
    c2 = _c(r1.start, r2.end)
    return (c1 > 0 or (c1 == 0 and r1.ei and r2.si)) and (c2 < 0 or (c2 == 0 and r1.si and r2.ei))


def _overlaps_before(a: Any, b: Any) -> bool:
    r1, r2 = _range(a), _range(b)
    ss = _c(r1.start, r2.start)
    es = _c(r1.end, r2.start)
    ee = _c(r1.end, r2.end)
    return (
        (ss < 0 or (ss == 0 and r1.si and not r2.si))
        and (es > 0 or (es == 0 and r1.ei and r2.si))
        and (ee < 0 or (ee == 0 and (not r1.ei or r2.ei)))
    )


@builtin("overlaps before", "range1", "range2")
def _overlaps_before_fn(state: EvalState, a: Any, b: Any) -> Any:
    return _overlaps_before(a, b)


@builtin("overlaps after", "range1", "range2")
def _overlaps_after_fn(state: EvalState, a: Any, b: Any) -> Any:
    return _overlaps_before(b, a)


def _finishes(a: Any, b: Any) -> bool:
    if type(a) is not Range:
        r = _range(b)
        return r.ei and _c(r.end, _point(a)) == 0
    r1, r2 = _range(a), _range(b)
    ss = _c(r1.start, r2.start)
    return (
        r1.ei == r2.ei
        and _c(r1.end, r2.end) == 0
        and (ss > 0 or (ss == 0 and (not r1.si or r2.si)))
    )


@builtin("finishes", "point", "range")
@builtin("finishes", "range1", "range2")
def _finishes_fn(state: EvalState, a: Any, b: Any) -> Any:
    return _finishes(a, b)


@builtin("finished by", "range", "point")
@builtin("finished by", "range1", "range2")
def _finished_by_fn(state: EvalState, a: Any, b: Any) -> Any:
    return _finishes(b, a)


def _includes(a: Any, b: Any) -> bool:
    r = _range(a)
    if type(b) is not Range:
        p = _point(b)
        cs, ce = _c(r.start, p), _c(r.end, p)
        return (cs < 0 and ce > 0) or (cs == 0 and r.si) or (ce == 0 and r.ei)
    r2 = _range(b)
    ss = _c(r.start, r2.start)
    ee = _c(r.end, r2.end)
    return (ss < 0 or (ss == 0 and (r.si or not r2.si))) and (
        ee > 0 or (ee == 0 and (r.ei or not r2.ei))
    )


@builtin("includes", "range", "point")
@builtin("includes", "range1", "range2")
def _includes_fn(state: EvalState, a: Any, b: Any) -> Any:
    return _includes(a, b)


@builtin("during", "point", "range")
@builtin("during", "range1", "range2")
def _during_fn(state: EvalState, a: Any, b: Any) -> Any:
    return _includes(b, a)


def _starts(a: Any, b: Any) -> bool:
    if type(a) is not Range:
        r = _range(b)
        return r.si and _c(r.start, _point(a)) == 0
    r1, r2 = _range(a), _range(b)
    ee = _c(r1.end, r2.end)
    return (
        _c(r1.start, r2.start) == 0
        and r1.si == r2.si
        and (ee < 0 or (ee == 0 and (not r1.ei or r2.ei)))
    )


@builtin("starts", "point", "range")
@builtin("starts", "range1", "range2")
def _starts_fn(state: EvalState, a: Any, b: Any) -> Any:
    return _starts(a, b)


@builtin("started by", "range", "point")
@builtin("started by", "range1", "range2")
def _started_by_fn(state: EvalState, a: Any, b: Any) -> Any:
    return _starts(b, a)


@builtin("coincides", "point1", "point2")
@builtin("coincides", "range1", "range2")
def _coincides(state: EvalState, a: Any, b: Any) -> Any:
    ra, rb = type(a) is Range, type(b) is Range
    need(ra == rb, "cannot compare a point with a range")
    if not ra:
        return _cmp(a, b) == 0
    r1, r2 = _range(a), _range(b)
    return (
        _c(r1.start, r2.start) == 0
        and r1.si == r2.si
        and _c(r1.end, r2.end) == 0
        and r1.ei == r2.ei
    )


# -- contexts -------------------------------------------------------------
def _ctx(value: Any, what: str = "context") -> dict[str, Any]:
    if type(value) is not dict:
        fail(f"{what} must be a context")
    return value


# feel-scala also names the parameters `context` and `keys`.
@builtin("get value", "context", "keys")
@builtin("get value", "context", "key")
@builtin("get value", "m", "key")
def _get_value(state: EvalState, m: Any, key: Any) -> Any:
    ctx = _ctx(m, "m")
    if type(key) is list:
        if not key:
            return None
        state.charge(len(key))
        v: Any = ctx
        for k in key:
            need(type(k) is str, "keys must be strings")
            if type(v) is not dict:
                return None
            v = v.get(k)
        return v
    need(type(key) is str, "key must be a string")
    return ctx.get(key)


@builtin("get entries", "context")
@builtin("get entries", "m")
def _get_entries(state: EvalState, m: Any) -> Any:
    ctx = _ctx(m, "m")
    state.charge(2 * len(ctx))  # an entry context and a list item per entry
    return [{"key": k, "value": v} for k, v in ctx.items()]


@builtin("context", "entries")
def _context(state: EvalState, entries: Any) -> Any:
    if type(entries) is dict:
        entries = [entries]  # a single entry stands for a singleton list
    need(type(entries) is list, "entries must be a list")
    state.charge(len(entries))
    out: dict[str, Any] = {}
    for e in entries:
        need(type(e) is dict and "key" in e and "value" in e, "entry needs key and value")
        key = e["key"]
        need(type(key) is str, "entry key must be a string")
        need(key not in out, f"duplicate key {key!r}")
        out[key] = e["value"]
    return out


def _put(state: EvalState, ctx: dict[str, Any], keys: list[Any], value: Any) -> dict[str, Any]:
    key = keys[0]
    need(type(key) is str, "keys must be strings")
    state.charge(len(ctx) + 1)  # each level is copied
    out = dict(ctx)
    if len(keys) == 1:
        out[key] = value
        return out
    inner = out.get(key)
    if inner is None:
        inner = {}
    need(type(inner) is dict, f"entry {key!r} is not a context")
    out[key] = _put(state, inner, keys[1:], value)
    return out


# Registered first so positional calls take it: it accepts a key or a key path.
# `put` is feel-scala's deprecated name of `context put`.
@builtin("put", "context", "keys", "value", nulls=True)
@builtin("context put", "context", "keys", "value", nulls=True)
def _context_put_path(state: EvalState, context: Any, keys: Any, value: Any) -> Any:
    if type(keys) is str:
        keys = [keys]
    need(type(keys) is list and bool(keys), "keys must be a non-empty list")
    return _put(state, _ctx(context), keys, value)


@builtin("put", "context", "key", "value", nulls=True)
@builtin("context put", "context", "key", "value", nulls=True)
def _context_put(state: EvalState, context: Any, key: Any, value: Any) -> Any:
    need(type(key) is str, "key must be a string")
    return _put(state, _ctx(context), [key], value)


# A list of contexts, or (as in feel-scala) the contexts as arguments;
# `put all` is feel-scala's deprecated name of `context merge`.
@builtin("put all", "contexts...")
@builtin("context merge", "contexts...")
def _context_merge(state: EvalState, *args: Any) -> Any:
    contexts = args[0] if len(args) == 1 and type(args[0]) is list else args
    out: dict[str, Any] = {}
    for c in contexts:
        entries = _ctx(c, "each item")
        state.charge(len(entries) + 1)
        out.update(entries)
    return out


# -- Camunda connector functions (Camunda's FeelConnectorFunctionProvider) ------------
# Their contexts carry Camunda's keys: its runtime, and ours, read errorCode and
# errorMessage (ours also the code / message of tasklink 0.1).
@builtin("bpmnError", "errorCode", "errorMessage", "variables?", nulls=True)
def _bpmn_error(state: EvalState, code: Any, message: Any, variables: Any = None) -> Any:
    need(type(code) is str, "errorCode must be a string")
    need(message is None or type(message) is str, "errorMessage must be a string")
    need(variables is None or type(variables) is dict, "variables must be a context")
    return {
        "errorType": "bpmnError",
        "errorCode": code,
        "errorMessage": message,
        "variables": variables or {},
    }


@builtin("jobError", "errorMessage", "variables?", "retries?", "retryBackoff?", nulls=True)
def _job_error(
    state: EvalState,
    message: Any,
    variables: Any = None,
    retries: Any = None,
    retry_backoff: Any = None,
) -> Any:
    need(message is None or type(message) is str, "errorMessage must be a string")
    need(variables is None or type(variables) is dict, "variables must be a context")
    count = 0 if retries is None else to_int(retries, "retries")
    need(count >= 0, "retries must not be negative")
    need(
        retry_backoff is None or type(retry_backoff) is timedelta,
        "retryBackoff must be a days and time duration",
    )
    return {
        "errorType": "jobError",
        "errorMessage": message,
        "variables": variables or {},
        "retries": count,
        "retryBackoff": retry_backoff,
    }


@builtin("ignoreError", "variables?", nulls=True)
def _ignore_error(state: EvalState, variables: Any = None) -> Any:
    need(variables is None or type(variables) is dict, "variables must be a context")
    return {"errorType": "ignoreError", "variables": variables or {}}


_BACKOFF_MIN = timedelta(milliseconds=50)
_BACKOFF_MAX = timedelta(seconds=5)


@builtin("backoff", "attempt", "minDelay?", "factor?", "maxDelay?", "jitterFactor?", nulls=True)
def _backoff(  # noqa: PLR0917 - FEEL passes the arguments by position
    state: EvalState,
    attempt: Any,
    min_delay: Any = None,
    factor: Any = None,
    max_delay: Any = None,
    jitter: Any = None,
) -> Any:
    """Exponential backoff for ``jobError``'s retryBackoff, as Camunda's: minDelay times
    factor to the power attempt - 1, at most maxDelay, then spread by +- jitterFactor."""
    tries = to_int(attempt, "attempt")
    need(tries >= 1, "attempt must be 1 or more")
    low = _delay(min_delay, _BACKOFF_MIN, "minDelay")
    high = _delay(max_delay, _BACKOFF_MAX, "maxDelay")
    need(low <= high, "minDelay must not be longer than maxDelay")
    growth = _fraction(factor, 1.6, "factor")
    spread = _fraction(jitter, 0.1, "jitterFactor")
    need(growth >= 1, "factor must be 1 or more")
    need(0 <= spread <= 1, "jitterFactor must be between 0 and 1")
    first, last = low.total_seconds(), high.total_seconds()
    # Compared in logarithms: a thousandth attempt must not overflow to get to maxDelay.
    exponent = tries - 1
    if first == 0 or exponent * math.log(growth) < math.log(last / first):
        seconds = first * growth**exponent
    else:
        seconds = last
    seconds *= 1 + random.uniform(-spread, spread)  # noqa: S311 - spreading retries, not secrets
    return timedelta(milliseconds=round(seconds * 1000))


def _delay(value: Any, default: timedelta, what: str) -> timedelta:
    """A delay given as a days and time duration or a number of milliseconds."""
    if value is None:
        return default
    if type(value) is timedelta:
        need(value >= timedelta(0), f"{what} must not be negative")
        return value
    millis = to_int(value, what)
    need(millis >= 0, f"{what} must not be negative")
    return timedelta(milliseconds=millis)


def _fraction(value: Any, default: float, what: str) -> float:
    if value is None:
        return default
    need(type(value) in (Decimal, int), f"{what} must be a number")
    return float(value)


__all__: list[str] = []
_ = Decimal
