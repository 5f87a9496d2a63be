"""Compiles the AST into a tree of Python closures.

Each node becomes a function ``f(scope) -> value``; evaluation is then a
chain of direct calls with no per-node dispatch on node types, which is what
makes a compiled expression cheap to evaluate many times.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final

from . import _ast as ast
from ._errors import FeelError
from ._ops import (
    add,
    arithmetic_safe,
    divide,
    get_property,
    multiply,
    negate,
    power,
    subtract,
)
from ._runtime import MISSING, EvalState, Scope, call_function, lookup, resolve_global
from ._temporal import parse_temporal
from ._types import FeelFunction, Range
from ._values import compare, equal, kind, to_feel

Fn = Callable[[Scope], Any]

# Allocation costs, in steps of roughly 50 bytes kept alive: a function value
# (object, closure, frame reference) is a few hundred bytes; a number or date
# a range produces about a hundred, as is the list or dict object of a literal.
_FUNCTION_VALUE_STEPS: Final = 8
_RANGE_ELEMENT_STEPS: Final = 2
_CONTAINER_STEPS: Final = 1

_ARITH = {
    "+": arithmetic_safe(add),
    "-": arithmetic_safe(subtract),
    "*": arithmetic_safe(multiply),
    "/": arithmetic_safe(divide),
    "**": arithmetic_safe(power),
}


def compile_node(node: ast.Node) -> Fn:
    """Return the closure evaluating ``node``."""
    method = _DISPATCH[type(node)]
    return method(node)


def node_count(tree: object) -> int:
    """The number of AST nodes in ``tree`` (a node, iterator or list of them).

    Code that runs a sub-expression repeatedly (a loop body, a filter
    condition, a function body) charges this many steps per run, so a step
    stays roughly one node evaluation however large the repeated expression
    is: the budget then bounds time, not just iterations.
    """
    if isinstance(tree, ast.Node | ast.Iterator):
        own = 1 if isinstance(tree, ast.Node) else 0
        return own + sum(node_count(getattr(tree, f.name)) for f in dataclasses.fields(tree))
    if isinstance(tree, list | tuple):
        return sum(node_count(item) for item in tree)
    return 0


def _literal(node: ast.Node) -> Fn:
    assert isinstance(node, ast.Literal)
    value = node.value

    def literal(s: Scope) -> Any:
        return value

    return literal


def _name(node: ast.Node) -> Fn:
    assert isinstance(node, ast.Name)
    name = node.name

    def name_ref(s: Scope) -> Any:
        sc: Scope | None = s
        while sc is not None:
            v = sc.vars.get(name, MISSING)
            if v is not MISSING:
                return v
            sc = sc.parent
        return resolve_global(s, name, True)

    return name_ref


def _path_chain(node: ast.Path) -> tuple[str, tuple[str, ...]] | None:
    """``a.b.c`` as (``a``, (``b``, ``c``)) when the chain starts at a name."""
    keys: list[str] = []
    current: ast.Node = node
    while isinstance(current, ast.Path):
        keys.append(current.name)
        current = current.target
    if not isinstance(current, ast.Name):
        return None
    return current.name, tuple(reversed(keys))


def _path(node: ast.Node) -> Fn:
    assert isinstance(node, ast.Path)
    chain = _path_chain(node)
    if chain is not None:
        return _input_path(*chain)
    target = compile_node(node.target)
    name = node.name

    def path(s: Scope) -> Any:
        v = target(s)
        if type(v) is dict:
            r = v.get(name, MISSING)
            if r is MISSING:
                return None
            return r
        return get_property(v, name, s.state)

    return path


def _input_path(root_name: str, keys: tuple[str, ...]) -> Fn:
    """A path starting at a name, e.g. ``response.body.items``.

    When the name comes from the caller's input context, the path walks the
    host's own dicts and converts only the value it ends at (memoised for
    the evaluation), instead of converting the whole input subtree.
    """
    cache_key = _path_key((root_name, *keys))

    def input_path(s: Scope) -> Any:
        sc = s
        while True:
            if root_name in sc.vars:
                v = sc.vars[root_name]
                break
            parent = sc.parent
            if parent is None:
                return _raw_path(sc, s, root_name, keys, cache_key)
            sc = parent
        for key in keys:
            v = v.get(key) if type(v) is dict else get_property(v, key, s.state)
        return v

    return input_path


def _raw_path(
    root: Scope, s: Scope, root_name: str, keys: tuple[str, ...], cache_key: object
) -> Any:
    """Follow a path into the input context of ``root`` (see ``_input_path``)."""
    cache: dict[Any, Any] = root.vars
    v = cache.get(cache_key, MISSING)
    if v is not MISSING:
        return v
    raw = root.raw
    v = MISSING
    if raw is not None:
        try:
            v = raw.get(root_name, MISSING)
        except FeelError:
            raise
        except Exception:  # a host mapping with odd keys
            v = MISSING
    if v is MISSING:
        v = resolve_global(s, root_name, True)
        for key in keys:
            v = get_property(v, key, s.state)
        return v
    walked = 0
    for key in keys:
        if type(v) is dict or isinstance(v, Mapping):
            v = v.get(key)
            walked += 1
        else:
            break
    t = type(v)
    if not (t is str or v is None or t is bool):
        v = to_feel(v)
    for rest in keys[walked:]:
        v = get_property(v, rest, s.state)
    cache[cache_key] = v
    return v


_PATH_KEYS: dict[tuple[str, ...], object] = {}


def _path_key(path: tuple[str, ...]) -> object:
    """A cheap-to-hash token per distinct path, shared by equal paths."""
    key = _PATH_KEYS.get(path)
    if key is None:
        if len(_PATH_KEYS) > 100_000:
            return object()  # bound the table in processes compiling endless variety
        key = _PATH_KEYS.setdefault(path, object())
    return key


def _filter(node: ast.Node) -> Fn:
    assert isinstance(node, ast.Filter)
    target = compile_node(node.target)
    cond = compile_node(node.condition)
    static_index = node.condition
    if isinstance(static_index, ast.Literal) and isinstance(static_index.value, Decimal):
        index_value: Decimal = static_index.value

        def index_filter(s: Scope) -> Any:
            return _index(target(s), index_value, s)

        return index_filter

    simple = _simple_item_test(node.condition)
    cost = node_count(node.condition)

    def filter_(s: Scope) -> Any:
        items = target(s)
        state = s.state
        if simple is not None and type(items) is list:
            # Fast path for `list[name = constant]` over contexts; it scans
            # every item, so the scan is charged up front.
            state.fuel -= len(items)
            if state.fuel < 0:
                state.refuel()
            name, constant = simple
            ctype = type(constant)
            matched = []
            for item in items:
                if type(item) is not dict or name not in item:
                    break
                v = item[name]
                if type(v) is ctype:
                    if v == constant:
                        matched.append(item)
                elif equal(v, constant) is True:
                    matched.append(item)
            else:
                return matched
        if items is None:
            return None
        if type(items) is not list:
            items = [items]
        result = []
        first = True
        # The item is `item`, and a context item's entries are names too. The
        # two frames are reused for every item: nothing created while testing
        # one item can outlive that test, so rebinding them is safe.
        item_frame: dict[str, Any] = {}
        outer = Scope(item_frame, s, state)
        inner = Scope(item_frame, outer, state)
        empty: dict[str, Any] = {}
        for item in items:
            # Charged per item tested, not per list: `xs[i]` with a computed
            # index stops at the first item.
            state.fuel -= cost
            if state.fuel < 0:
                state.refuel()
            item_frame["item"] = item
            inner.vars = item if type(item) is dict else empty
            v = cond(inner)
            if first:
                first = False
                if type(v) is Decimal:
                    return _index(items, v, s)
            if v is True:
                result.append(item)
        return result

    return filter_


def _simple_item_test(cond: ast.Node) -> tuple[str, Any] | None:
    """(``name``, constant) if ``cond`` is ``name = constant``."""
    if (
        isinstance(cond, ast.Comparison)
        and cond.op == "="
        and isinstance(cond.left, ast.Name)
        and cond.left.name != "item"
        and isinstance(cond.right, ast.Literal)
        and type(cond.right.value) in (str, Decimal, bool)
    ):
        return cond.left.name, cond.right.value
    return None


def _index(items: Any, index: Decimal, s: Scope) -> Any:
    if items is None:
        return None
    if type(items) is not list:
        items = [items]
    if index != index.to_integral_value():
        s.state.warn("list index is not an integer")
        return None
    i = int(index)
    n = len(items)
    if 1 <= i <= n:
        return items[i - 1]
    if -n <= i <= -1:
        return items[n + i]
    s.state.warn(f"list index {i} out of range")
    return None


def _call(node: ast.Node) -> Fn:
    assert isinstance(node, ast.Call)
    fnode = node.function
    if isinstance(fnode, ast.Name) and fnode.name == "@":
        return _temporal_literal(node)
    if isinstance(fnode, ast.Name) and fnode.name == "@range":
        return _comparison_range(node)
    label = fnode.name if isinstance(fnode, ast.Name) else "function"
    args = [compile_node(a) for a in node.args]
    named = [(n, compile_node(a)) for n, a in node.named] if node.named is not None else None
    get_function: Fn
    if isinstance(fnode, ast.Name):
        fname = fnode.name

        def lookup_function(s: Scope) -> Any:
            sc: Scope | None = s
            while sc is not None:
                v = sc.vars.get(fname, MISSING)
                if v is not MISSING:
                    return v
                sc = sc.parent
            f = resolve_global(s, fname, False)
            if f is None:
                s.state.warn(f"no function found for name '{fname}'")
            return f

        get_function = lookup_function
    else:
        get_function = compile_node(fnode)

    if named is None:

        def call(s: Scope) -> Any:
            f = get_function(s)
            if f is None:
                return None
            return call_function(f, [a(s) for a in args], None, s.state, label)

        return call

    named_args = named

    def call_named(s: Scope) -> Any:
        f = get_function(s)
        if f is None:
            return None
        return call_function(f, [], {n: a(s) for n, a in named_args}, s.state, label)

    return call_named


def _temporal_literal(node: ast.Call) -> Fn:
    arg = node.args[0]
    assert isinstance(arg, ast.Literal)
    text = arg.value
    value = parse_temporal(text)

    def temporal(s: Scope) -> Any:
        if value is None:
            s.state.warn(f"invalid temporal literal @{text!r}")
        return value

    return temporal


def _comparison_range(node: ast.Call) -> Fn:
    op_node = node.args[0]
    assert isinstance(op_node, ast.Literal)
    op = op_node.value
    endpoint = compile_node(node.args[1])

    def comparison_range(s: Scope) -> Any:
        v = endpoint(s)
        if op == "<":
            return Range(None, v, False, False)
        if op == "<=":
            return Range(None, v, False, True)
        if op == ">":
            return Range(v, None, False, False)
        if op == ">=":
            return Range(v, None, True, False)
        if op == "=":
            return Range(v, v, True, True)
        s.state.warn("'!=' does not define a range")
        return None

    return comparison_range


def _negation(node: ast.Node) -> Fn:
    assert isinstance(node, ast.Negation)
    operand = compile_node(node.operand)

    def negation(s: Scope) -> Any:
        return negate(operand(s), s.state)

    return negation


def _arithmetic(node: ast.Node) -> Fn:
    assert isinstance(node, ast.Arithmetic)
    left = compile_node(node.left)
    right = compile_node(node.right)
    op = _ARITH[node.op]
    if node.op == "+":
        from ._values import CTX

        ctx_add = CTX.add

        def plus(s: Scope) -> Any:
            a = left(s)
            b = right(s)
            if type(a) is Decimal and type(b) is Decimal:
                try:
                    return ctx_add(a, b)
                except ArithmeticError:
                    pass
            return op(a, b, s.state)

        return plus

    def arithmetic(s: Scope) -> Any:
        return op(left(s), right(s), s.state)

    return arithmetic


def _compare_op(op: str) -> Callable[[Any, Any, EvalState], Any]:
    """``f(a, b, state)`` for a comparison operator (the state pays for
    walking lists and contexts)."""
    if op == "=":
        return equal
    if op == "!=":

        def not_equal(a: Any, b: Any, state: EvalState) -> Any:
            r = equal(a, b, state)
            return None if r is None else not r

        return not_equal

    def ordered(a: Any, b: Any, state: EvalState) -> Any:
        c = compare(a, b)
        if c is None:
            return None
        if op == "<":
            return c < 0
        if op == "<=":
            return c <= 0
        if op == ">":
            return c > 0
        return c >= 0

    return ordered


def _comparison(node: ast.Node) -> Fn:
    assert isinstance(node, ast.Comparison)
    left = compile_node(node.left)
    right = compile_node(node.right)
    fn = _compare_op(node.op)
    opname = node.op

    if opname == "=" and isinstance(node.right, ast.Literal) and node.right.value is not None:
        constant = node.right.value
        ctype = type(constant)

        def eq_constant(s: Scope) -> Any:
            a = left(s)
            if type(a) is ctype:
                return a == constant
            return equal(a, constant)

        return eq_constant

    if opname == "=":

        def eq(s: Scope) -> Any:
            a = left(s)
            b = right(s)
            ta = type(a)
            if ta is type(b) and (ta is str or ta is Decimal or ta is bool):
                return a == b
            return equal(a, b, s.state)

        return eq

    fast = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}.get(opname)

    def comparison(s: Scope) -> Any:
        a = left(s)
        b = right(s)
        ta = type(a)
        if fast is not None and ta is type(b) and (ta is Decimal or ta is str):
            return fast(a, b)
        r = fn(a, b, s.state)
        if r is None and a is not None and b is not None:
            s.state.warn(f"cannot compare {kind(a)} and {kind(b)} with '{opname}'")
        return r

    return comparison


def _and(node: ast.Node) -> Fn:
    assert isinstance(node, ast.And)
    left = compile_node(node.left)
    right = compile_node(node.right)

    def and_(s: Scope) -> Any:
        a = left(s)
        if a is False:
            return False
        b = right(s)
        if b is False:
            return False
        if a is True and b is True:
            return True
        return None

    return and_


def _or(node: ast.Node) -> Fn:
    assert isinstance(node, ast.Or)
    left = compile_node(node.left)
    right = compile_node(node.right)

    def or_(s: Scope) -> Any:
        a = left(s)
        if a is True:
            return True
        b = right(s)
        if b is True:
            return True
        if a is False and b is False:
            return False
        return None

    return or_


def _between(node: ast.Node) -> Fn:
    assert isinstance(node, ast.Between)
    value = compile_node(node.value)
    low = compile_node(node.low)
    high = compile_node(node.high)

    def between(s: Scope) -> Any:
        v = value(s)
        lo = compare(v, low(s))
        hi = compare(v, high(s))
        if lo is None or hi is None:
            return None
        return lo >= 0 and hi <= 0

    return between


def range_contains(r: Range, v: Any) -> bool | None:
    """Whether ``v`` lies in range ``r`` (null if not comparable)."""
    if r.start is not None:
        c = compare(v, r.start)
        if c is None:
            return None
        if c < 0 or (c == 0 and not r.start_included):
            return False
    if r.end is not None:
        c = compare(v, r.end)
        if c is None:
            return None
        if c > 0 or (c == 0 and not r.end_included):
            return False
    return True


def compile_unary_tests(node: ast.UnaryTests) -> Callable[[Scope, Any], Any]:
    """Compile unary tests into ``f(scope, input) -> bool | None``."""
    tests = [_unary_test(t) for t in node.tests]
    negated = node.negated

    def unary_tests(s: Scope, value: Any) -> Any:
        inner = s.child({"?": value})
        saw_null = False
        for t in tests:
            r = t(inner, value)
            if r is True:
                return not negated
            if r is None:
                saw_null = True
        if saw_null:
            return None
        return bool(negated)

    return unary_tests


def _unary_test(test: ast.UnaryTest) -> Callable[[Scope, Any], Any]:
    if test.op == "-":
        return lambda s, v: True
    assert test.operand is not None
    operand = compile_node(test.operand)
    if test.op is not None:
        fn = _compare_op(test.op)

        def compare_test(s: Scope, v: Any) -> Any:
            return fn(v, operand(s), s.state)

        return compare_test

    def expression_test(s: Scope, v: Any) -> Any:
        t = operand(s)
        tt = type(t)
        state = s.state
        if tt is list:
            state.charge(len(t))
            for x in t:
                if type(x) is Range:
                    if range_contains(x, v) is True:
                        return True
                elif equal(v, x, state) is True:
                    return True
            return equal(v, t, state) is True
        if tt is Range:
            return range_contains(t, v)
        if tt is bool and type(v) is not bool:
            return t
        # An equality test against a value of another type is simply no match.
        return equal(v, t, state) is True

    return expression_test


def _in(node: ast.Node) -> Fn:
    assert isinstance(node, ast.In)
    value = compile_node(node.value)
    tests = compile_unary_tests(node.tests)

    def in_(s: Scope) -> Any:
        return tests(s, value(s))

    return in_


def conforms(value: Any, t: ast.TypeSpec, state: EvalState | None = None) -> bool:
    """``value instance of t`` (with a ``state``, each list item and context
    entry checked costs a step)."""
    if t.kind == "name":
        name = t.name.removeprefix("feel:")
        if name == "Any":
            return value is not None
        if name == "Null":
            return value is None
        if value is None:
            return False
        aliases = {
            "dayTimeDuration": "days and time duration",
            "day-time-duration": "days and time duration",
            "yearMonthDuration": "years and months duration",
            "year-month-duration": "years and months duration",
            "dateTime": "date and time",
        }
        return kind(value) == aliases.get(name, name)
    if value is None:
        return False
    if t.kind == "list":
        if type(value) is not list:
            return False
        if state is not None:
            state.charge(len(value))
        return all(v is None or conforms(v, t.args[0], state) for v in value)
    if t.kind == "context":
        return type(value) is dict and all(
            k in value and (value[k] is None or conforms(value[k], ft, state)) for k, ft in t.fields
        )
    if t.kind == "range":
        if type(value) is not Range:
            return False
        return all(e is None or conforms(e, t.args[0]) for e in (value.start, value.end))
    if t.kind == "function":
        return kind(value) == "function"
    return False


def _instance_of(node: ast.Node) -> Fn:
    assert isinstance(node, ast.InstanceOf)
    value = compile_node(node.value)
    spec = node.type

    def instance_of(s: Scope) -> Any:
        return conforms(value(s), spec, s.state)

    return instance_of


def _if(node: ast.Node) -> Fn:
    assert isinstance(node, ast.If)
    cond = compile_node(node.condition)
    then = compile_node(node.then)
    otherwise = compile_node(node.otherwise)

    def if_(s: Scope) -> Any:
        if cond(s) is True:
            return then(s)
        return otherwise(s)

    return if_


def _iteration_values(s: Scope, source: Fn, until: Fn | None) -> Iterable[Any] | None:
    """The values an iterator of ``for``/``some``/``every`` runs over (None
    after a warning). Ranges are produced lazily, one step per element."""
    start = source(s)
    if until is not None:
        return _range_values(s.state, start, until(s), True, True)
    if start is None:
        return []
    if type(start) is list:
        return start
    if type(start) is Range:
        if start.start is None or start.end is None:
            s.state.warn("cannot iterate over an unbounded range")
            return None
        if (compare(start.start, start.end) or 0) > 0:
            s.state.warn("cannot iterate over a range whose start is after its end")
            return None
        return _range_values(
            s.state, start.start, start.end, start.start_included, start.end_included
        )
    return [start]


def _range_values(
    state: EvalState, first: Any, last: Any, first_included: bool, last_included: bool
) -> Iterator[Any] | None:
    """Integers or dates from ``first`` to ``last`` (either direction), as an
    iterator: ``for i in 1..10000000`` must not build a list up front."""
    if type(first) is date and type(last) is date:
        days = (last - first).days
        step = 1 if days >= 0 else -1
        offsets = _inclusive(
            0 if first_included else step, days if last_included else days - step, step
        )
        return _days(state, first, offsets)
    if type(first) is not Decimal or type(last) is not Decimal:
        state.warn("iteration range bounds must be numbers")
        return None
    if first != first.to_integral_value() or last != last.to_integral_value():
        state.warn("iteration range bounds must be integers")
        return None
    a, b = int(first), int(last)
    step = 1 if b >= a else -1
    integers = _inclusive(a if first_included else a + step, b if last_included else b - step, step)
    return _numbers(state, integers)


def _inclusive(begin: int, end: int, step: int) -> range:
    """``begin`` to ``end`` inclusive, counting by ``step`` (1 or -1); empty
    if ``end`` lies before ``begin`` in that direction (an excluded endpoint
    of a one-element range)."""
    return range(begin, end + step, step)


def _numbers(state: EvalState, integers: range) -> Iterator[Decimal]:
    for i in integers:
        # Each element produced is charged: it is an allocation the consumer
        # may keep, on top of what the loop charges for the iteration.
        state.fuel -= _RANGE_ELEMENT_STEPS
        if state.fuel < 0:
            state.refuel()
        yield Decimal(i)


def _days(state: EvalState, first: date, offsets: range) -> Iterator[date]:
    for i in offsets:
        state.fuel -= _RANGE_ELEMENT_STEPS
        if state.fuel < 0:
            state.refuel()
        yield first + timedelta(days=i)


def _iteration_costs(iterators: list[ast.Iterator], body: ast.Node) -> list[int]:
    """Steps per iteration at each level of ``for``/``some``/``every``: what
    runs per iteration there (the next iterator's source, or at the
    innermost level the body), at least one."""
    runs_per_iteration: list[object] = [*iterators[1:], body]
    return [max(1, node_count(run)) for run in runs_per_iteration]


def _for(node: ast.Node) -> Fn:
    assert isinstance(node, ast.For)
    iterators = [
        (it.name, compile_node(it.source), compile_node(it.until) if it.until else None)
        for it in node.iterators
    ]
    body = compile_node(node.body)
    depth = len(iterators)
    costs = _iteration_costs(node.iterators, node.body)

    def for_(s: Scope) -> Any:
        results: list[Any] = []

        def loop(level: int, scope: Scope) -> bool:
            if level == depth:
                results.append(body(scope))
                return True
            name, source, until = iterators[level]
            values = _iteration_values(scope, source, until)
            if values is None:
                return False
            state = scope.state
            cost = costs[level]
            for v in values:
                state.fuel -= cost
                if state.fuel < 0:
                    state.refuel()
                if not loop(level + 1, Scope({name: v, "partial": results}, scope, state)):
                    return False
            return True

        if not loop(0, s):
            return None
        return results

    return for_


def _quantified(node: ast.Node) -> Fn:
    assert isinstance(node, ast.Quantified)
    iterators = [
        (it.name, compile_node(it.source), compile_node(it.until) if it.until else None)
        for it in node.iterators
    ]
    cond = compile_node(node.condition)
    every = node.every
    depth = len(iterators)
    costs = _iteration_costs(node.iterators, node.condition)

    def quantified(s: Scope) -> Any:
        outcomes: list[Any] = []

        def loop(level: int, scope: Scope) -> bool:
            if level == depth:
                outcomes.append(cond(scope))
                return True
            name, source, until = iterators[level]
            values = _iteration_values(scope, source, until)
            if values is None:
                return False
            state = scope.state
            cost = costs[level]
            for v in values:
                state.fuel -= cost
                if state.fuel < 0:
                    state.refuel()
                if not loop(level + 1, Scope({name: v}, scope, state)):
                    return False
            return True

        if not loop(0, s):
            return None
        if every:
            if all(o is True for o in outcomes):
                return True
            if any(o is False for o in outcomes):
                return False
            return None
        if any(o is True for o in outcomes):
            return True
        if all(o is False for o in outcomes):
            return False
        return None

    return quantified


def _list(node: ast.Node) -> Fn:
    assert isinstance(node, ast.ListExpr)
    items = [compile_node(i) for i in node.items]
    if not items:
        return lambda s: []
    cost = _CONTAINER_STEPS + len(items)

    def list_(s: Scope) -> Any:
        # Charged per item: a long literal list built in every iteration of a
        # loop is memory the loop's own steps would not account for.
        state = s.state
        state.fuel -= cost
        if state.fuel < 0:
            state.refuel()
        return [i(s) for i in items]

    return list_


def _context(node: ast.Node) -> Fn:
    assert isinstance(node, ast.ContextExpr)
    entries = [(k, compile_node(v)) for k, v in node.entries]
    keys = [k for k, _ in node.entries]
    duplicate = len(set(keys)) != len(keys)

    cost = _CONTAINER_STEPS + len(entries)

    def context(s: Scope) -> Any:
        state = s.state
        if duplicate:
            state.warn("context has duplicate entry names")
            return None
        # Charged per entry, for the same reason as list literals.
        state.fuel -= cost
        if state.fuel < 0:
            state.refuel()
        values: dict[str, Any] = {}
        inner = s.child(values)
        for key, fn in entries:
            values[key] = fn(inner)
        return values

    return context


def _function_def(node: ast.Node) -> Fn:
    assert isinstance(node, ast.FunctionDef)
    names = tuple(n for n, _ in node.params)
    types = [t for _, t in node.params]
    body = compile_node(node.body)
    external = node.external
    cost = max(1, node_count(node.body))

    def function_def(s: Scope) -> Any:
        if external:
            s.state.warn("external functions are not supported")
            return None
        s.state.charge(_FUNCTION_VALUE_STEPS)

        def impl(state: EvalState, *args: Any) -> Any:
            # Charged per call: recursion (fib(40)) is work no loop counts.
            state.fuel -= cost
            if state.fuel < 0:
                state.refuel()
            for value, t in zip(args, types, strict=False):
                if t is not None and value is not None and not conforms(value, t, state):
                    state.warn("argument does not conform to the declared parameter type")
                    return None
            frame = dict(zip(names, args, strict=False))
            scope = Scope(frame, s, state)
            return body(scope)

        return FeelFunction("anonymous", names, impl)

    return function_def


def _range(node: ast.Node) -> Fn:
    assert isinstance(node, ast.RangeExpr)
    assert node.start is not None and node.end is not None
    start = compile_node(node.start)
    end = compile_node(node.end)
    si, ei = node.start_included, node.end_included

    def range_(s: Scope) -> Any:
        a = start(s)
        b = end(s)
        if a is not None and b is not None and compare(a, b) is None:
            s.state.warn("range endpoints are not comparable")
            return None
        return Range(a, b, si, ei)

    return range_


_DISPATCH: dict[type, Callable[[Any], Fn]] = {
    ast.Literal: _literal,
    ast.Name: _name,
    ast.Path: _path,
    ast.Filter: _filter,
    ast.Call: _call,
    ast.Negation: _negation,
    ast.Arithmetic: _arithmetic,
    ast.Comparison: _comparison,
    ast.And: _and,
    ast.Or: _or,
    ast.Between: _between,
    ast.In: _in,
    ast.InstanceOf: _instance_of,
    ast.If: _if,
    ast.For: _for,
    ast.Quantified: _quantified,
    ast.ListExpr: _list,
    ast.ContextExpr: _context,
    ast.FunctionDef: _function_def,
    ast.RangeExpr: _range,
}

__all__ = ["compile_node", "compile_unary_tests", "conforms", "lookup", "range_contains"]
