"""Loads DMN models and TCK test files and checks the engine's results.

Supported DMN elements: decisions, input data, item definitions (type
coercion of inputs/outputs), business knowledge models, decision services,
and the boxed expressions literal expression, context, invocation, function
definition, list, relation and decision table (all hit policies).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .._api import compile as feel_compile
from .._api import compile_unary_tests_text
from .._errors import FeelError
from .._runtime import EvalState, call_function
from .._temporal import parse_date, parse_datetime, parse_duration, parse_time
from .._types import FeelFunction
from .._values import CTX, compare, equal, kind

_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
_MISSING: Any = object()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if _local(c.tag) == name]


def _child(el: ET.Element, name: str) -> ET.Element | None:
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _href(el: ET.Element) -> str:
    return el.get("href", "").lstrip("#").rsplit("#", 1)[-1]


@dataclass
class DirectoryResult:
    """Outcome of one TCK directory."""

    name: str
    passed: int = 0
    total: int = 0
    failures: list[str] = field(default_factory=list)


@dataclass
class TckResult:
    """Outcome of a TCK run."""

    directories: list[DirectoryResult] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(d.passed for d in self.directories)

    @property
    def total(self) -> int:
        return sum(d.total for d in self.directories)

    @property
    def ratio(self) -> float:
        return self.passed / self.total if self.total else 0.0

    def summary_line(self) -> str:
        return (
            f"TCK total: {self.passed}/{self.total} result nodes passed ({100 * self.ratio:.1f}%)"
        )


# -- types ------------------------------------------------------------------
_BUILTIN_TYPES = {
    "number": "number",
    "string": "string",
    "boolean": "boolean",
    "date": "date",
    "time": "time",
    "dateTime": "date and time",
    "date and time": "date and time",
    "dayTimeDuration": "days and time duration",
    "days and time duration": "days and time duration",
    "yearMonthDuration": "years and months duration",
    "years and months duration": "years and months duration",
    "context": "context",
    "list": "list",
    "function": "function",
    "range": "range",
}


@dataclass
class ItemDefinition:
    name: str
    type_ref: str | None = None
    is_collection: bool = False
    components: list[ItemDefinition] = field(default_factory=list)
    allowed: Any = None
    function_output: str | None = None
    is_function: bool = False


class _Coercer:
    def __init__(self, items: dict[str, ItemDefinition]) -> None:
        self.items = items

    def coerce(self, value: Any, type_ref: str | None) -> Any:
        """Coerce ``value`` to the declared type: conforming values pass,
        singleton lists unwrap, non-conforming values become null."""
        if type_ref is None or value is None:
            return value
        name = type_ref.split(":", 1)[-1] if ":" in type_ref else type_ref
        item = self.items.get(name)
        if item is not None:
            return self._coerce_item(value, item)
        target = _BUILTIN_TYPES.get(name)
        if name == "Any" or target is None:
            return value
        return self._coerce_builtin(value, target)

    def _coerce_builtin(self, value: Any, target: str) -> Any:
        k = kind(value)
        if k == target:
            return value
        if k == "list" and len(value) == 1 and target != "list":
            # Singleton lists unwrap one level only.
            return value[0] if kind(value[0]) == target else None
        return None

    def _coerce_item(self, value: Any, item: ItemDefinition) -> Any:
        if item.is_collection:
            if type(value) is not list:
                value = [value]
            single = ItemDefinition(
                item.name,
                item.type_ref,
                False,
                item.components,
                item.allowed,
                item.function_output,
                item.is_function,
            )
            out = []
            for v in value:
                c = self._coerce_item(v, single)
                if c is None and v is not None:
                    return None
                out.append(c)
            return out
        if item.is_function:
            return value if kind(value) == "function" else None
        if item.components:
            if type(value) is list and len(value) == 1:
                value = value[0]
            if type(value) is not dict:
                return None
            # A context conforms if it has every component with a conforming
            # value; extra entries are kept (the value itself is not changed).
            for comp in item.components:
                if comp.name not in value:
                    return None
                v = value[comp.name]
                if v is not None and self._coerce_item(v, comp) is None:
                    return None
            return value
        result = self.coerce(value, item.type_ref) if item.type_ref else value
        if (
            result is not None
            and item.allowed is not None
            and item.allowed.matches(result) is not True
        ):
            return None
        return result


def _parse_item_definition(el: ET.Element) -> ItemDefinition:
    item = ItemDefinition(el.get("name", ""))
    item.is_collection = el.get("isCollection") == "true"
    tr = _child(el, "typeRef")
    if tr is not None and tr.text:
        item.type_ref = tr.text.strip()
    fi = _child(el, "functionItem")
    if fi is not None:
        item.is_function = True
        item.function_output = fi.get("outputTypeRef")
    av = _child(el, "allowedValues")
    if av is not None:
        text_el = _child(av, "text")
        if text_el is not None and text_el.text:
            try:
                item.allowed = compile_unary_tests_text(text_el.text)
            except FeelError:
                item.allowed = None
    item.components = [_parse_item_definition(c) for c in _children(el, "itemComponent")]
    return item


# -- values from test files --------------------------------------------------
def parse_value(el: ET.Element) -> Any:
    """A typed value from a TCK ``<inputNode>``/``<expected>``/``<item>`` element."""
    value = _child(el, "value")
    if value is not None:
        return _parse_scalar(value)
    lst = _child(el, "list")
    if lst is not None:
        return [parse_value(item) for item in _children(lst, "item")]
    comps = _children(el, "component")
    if comps:
        return {c.get("name", ""): parse_value(c) for c in comps}
    if el.get(_XSI_NIL) == "true":
        return None
    return None


def _parse_scalar(el: ET.Element) -> Any:
    if el.get(_XSI_NIL) == "true":
        return None
    # A <value> may itself hold a list or components (nested structures).
    if _child(el, "list") is not None or _child(el, "component") is not None:
        return parse_value(el)
    text = el.text or ""
    xtype = _local(el.get(_XSI_TYPE, "")).split(":")[-1]
    if xtype in ("decimal", "double", "integer", "int", "long", "float"):
        try:
            return Decimal(text.strip())
        except InvalidOperation:
            return None
    if xtype == "boolean":
        return text.strip() == "true"
    if xtype == "date":
        return parse_date(text.strip())
    if xtype == "dateTime":
        return parse_datetime(text.strip())
    if xtype == "time":
        return parse_time(text.strip())
    if xtype in ("duration", "dayTimeDuration", "yearMonthDuration"):
        return parse_duration(text.strip())
    return text


def same_value(expected: Any, actual: Any) -> bool:
    """Typed comparison of an expected TCK value with an engine result."""
    if expected is None:
        return actual is None
    if actual is None:
        return False
    if type(expected) is Decimal:
        if type(actual) is not Decimal:
            return False
        if expected == actual:
            return True
        # The TCK writes irrational results (exp, log, ...) with 8 or more
        # decimals; such values match when equal at that written precision.
        exponent = expected.as_tuple().exponent
        if isinstance(exponent, int) and exponent <= -8:
            try:
                return actual.quantize(expected, context=CTX) == expected
            except InvalidOperation:
                return False
        return False
    if type(expected) is list:
        return (
            type(actual) is list
            and len(actual) == len(expected)
            and all(same_value(e, a) for e, a in zip(expected, actual, strict=True))
        )
    if type(expected) is dict:
        return (
            type(actual) is dict
            and set(actual) == set(expected)
            and all(same_value(v, actual[k]) for k, v in expected.items())
        )
    if kind(expected) != kind(actual):
        return False
    if kind(expected) in ("time", "date and time") and (
        (expected.tzinfo is None) != (actual.tzinfo is None)
    ):
        return False
    return equal(expected, actual) is True


def _format(value: Any) -> str:
    from .._values import to_string

    if value is None:
        return "null"
    return to_string(value, quote=True)


# -- models ------------------------------------------------------------------
class _EvalError(Exception):
    pass


class Model:
    """One DMN model: its decisions, inputs, knowledge models and types."""

    def __init__(self, path: Path) -> None:
        root = ET.parse(path).getroot()  # noqa: S314  (local, trusted test files)
        self.items: dict[str, ItemDefinition] = {}
        self.by_id: dict[str, ET.Element] = {}
        self.elements: dict[str, ET.Element] = {}
        for el in root:
            tag = _local(el.tag)
            if tag == "itemDefinition":
                item = _parse_item_definition(el)
                self.items[item.name] = item
            elif tag in ("decision", "inputData", "businessKnowledgeModel", "decisionService"):
                name = el.get("name", "")
                self.elements[name] = el
                if el.get("id"):
                    self.by_id[el.get("id", "")] = el
        self.coercer = _Coercer(self.items)
        self.known_names = list(self.elements)

    def type_of(self, el: ET.Element) -> str | None:
        var = _child(el, "variable")
        return var.get("typeRef") if var is not None else el.get("typeRef")

    def evaluate(self, name: str, inputs: dict[str, Any]) -> Any:
        return _Session(self, inputs).value(name)


class _Session(Mapping[str, Any]):
    """Lazily evaluated decision results for one test case.

    Acts as the FEEL input context: looking a decision up evaluates it.
    """

    def __init__(self, model: Model, inputs: dict[str, Any]) -> None:
        self.model = model
        self.inputs = inputs
        self.cache: dict[str, Any] = {}
        self.active: set[str] = set()

    def __getitem__(self, name: str) -> Any:
        v = self.get(name, _MISSING)
        if v is _MISSING:
            raise KeyError(name)
        return v

    def __iter__(self) -> Iterator[str]:
        return iter(self.model.elements)

    def __len__(self) -> int:
        return len(self.model.elements)

    def get(self, name: str, default: Any = None) -> Any:
        if name in self.cache:
            return self.cache[name]
        el = self.model.elements.get(name)
        if el is None or name in self.active:
            return default
        self.active.add(name)
        try:
            value = self._compute(el)
        finally:
            self.active.discard(name)
        self.cache[name] = value
        return value

    def value(self, name: str) -> Any:
        return self.get(name)

    def _compute(self, el: ET.Element) -> Any:
        tag = _local(el.tag)
        model = self.model
        name = el.get("name", "")
        if tag == "inputData":
            v = self.inputs.get(name)
            return model.coercer.coerce(v, model.type_of(el))
        if tag == "businessKnowledgeModel":
            logic = _child(el, "encapsulatedLogic")
            if logic is None:
                return None
            return self._function(logic, self, name)
        if tag == "decisionService":
            return self._decision_service(el)
        expr = _expression_child(el)
        if expr is None:
            return None
        value = self.eval_expression(expr, self)
        return model.coercer.coerce(value, model.type_of(el))

    def _decision_service(self, el: ET.Element) -> FeelFunction:
        model = self.model
        outputs = [_href(o) for o in _children(el, "outputDecision")]
        input_decisions = [_href(o) for o in _children(el, "inputDecision")]
        input_data = [_href(o) for o in _children(el, "inputData")]
        params_el = [model.by_id.get(i) for i in input_decisions + input_data]
        params = tuple(p.get("name", "") for p in params_el if p is not None)
        out_names = [model.by_id[o].get("name", "") for o in outputs if o in model.by_id]
        ds_type = model.type_of(el)

        def impl(state: Any, *args: Any) -> Any:
            inputs = dict(self.inputs)
            session = _Session(model, inputs)
            for pname, value in zip(params, args, strict=False):
                pel = model.elements.get(pname)
                t = model.type_of(pel) if pel is not None else None
                session.cache[pname] = model.coercer.coerce(value, t)
            results = {n: session.get(n) for n in out_names}
            if len(out_names) == 1:
                result = results[out_names[0]]
                item = model.items.get(ds_type or "")
                if item is not None and item.is_function:
                    return model.coercer.coerce(result, item.function_output)
                return model.coercer.coerce(result, ds_type)
            return results

        return FeelFunction(el.get("name", ""), params, impl)

    # -- boxed expressions ----------------------------------------------------
    def eval_expression(self, el: ET.Element, env: Mapping[str, Any]) -> Any:
        tag = _local(el.tag)
        handler = _HANDLERS.get(tag)
        if handler is None:
            raise _EvalError(f"unsupported expression element <{tag}>")
        value = handler(self, el, env)
        type_ref = el.get("typeRef")
        if type_ref and tag != "invocation":
            value = self.model.coercer.coerce(value, type_ref)
        return value

    def _literal(self, el: ET.Element, env: Mapping[str, Any]) -> Any:
        text_el = _child(el, "text")
        text = text_el.text if text_el is not None and text_el.text else ""
        if not text.strip():
            return None
        names = (
            [*self.model.known_names, *env.keys()]
            if not isinstance(env, _Session)
            else (self.model.known_names)
        )
        compiled = feel_compile(text, known_names=names)
        return compiled.evaluate(env)

    def _context(self, el: ET.Element, env: Mapping[str, Any]) -> Any:
        local: dict[str, Any] = {}
        scope = _Layered(local, env)
        result: Any = _MISSING
        for entry in _children(el, "contextEntry"):
            var = _child(entry, "variable")
            expr = _expression_child(entry)
            value = self.eval_expression(expr, scope) if expr is not None else None
            if var is None:
                result = value
                continue
            value = self.model.coercer.coerce(value, var.get("typeRef"))
            local[var.get("name", "")] = value
        return local if result is _MISSING else result

    def _list(self, el: ET.Element, env: Mapping[str, Any]) -> Any:
        return [self.eval_expression(c, env) for c in el if _local(c.tag) in _HANDLERS]

    def _relation(self, el: ET.Element, env: Mapping[str, Any]) -> Any:
        columns = [c.get("name", "") for c in _children(el, "column")]
        rows = []
        for row in _children(el, "row"):
            exprs = [c for c in row if _local(c.tag) in _HANDLERS]
            rows.append(
                {col: self.eval_expression(e, env) for col, e in zip(columns, exprs, strict=False)}
            )
        return rows

    def _invocation(self, el: ET.Element, env: Mapping[str, Any]) -> Any:
        target = _expression_child(el)
        if target is None:
            return None
        f = self.eval_expression(target, env)
        named: dict[str, Any] = {}
        for binding in _children(el, "binding"):
            param = _child(binding, "parameter")
            expr = _expression_child(binding)
            named[param.get("name", "") if param is not None else ""] = (
                self.eval_expression(expr, env) if expr is not None else None
            )
        if not isinstance(f, FeelFunction):
            return None
        # Parameters without a binding are null, as the DMN spec says.
        args = [named.get(p) for p in f.params]
        if any(k not in f.params for k in named):
            return None
        result = call_function(f, args, None, EvalState(None), "invocation")
        return self.model.coercer.coerce(result, el.get("typeRef"))

    def _function_definition(self, el: ET.Element, env: Mapping[str, Any]) -> Any:
        return self._function(el, env, "function")

    def _function(self, el: ET.Element, env: Mapping[str, Any], name: str) -> Any:
        if el.get("kind", "FEEL") != "FEEL":
            raise _EvalError(f"function kind {el.get('kind')} is not supported")
        params = [(p.get("name", ""), p.get("typeRef")) for p in _children(el, "formalParameter")]
        body = _expression_child(el)
        coercer = self.model.coercer

        def impl(state: Any, *args: Any) -> Any:
            local: dict[str, Any] = {}
            for (pname, ptype), value in zip(params, args, strict=False):
                coerced = coercer.coerce(value, ptype)
                if coerced is None and value is not None:
                    return None
                local[pname] = coerced
            if body is None:
                return None
            return self.eval_expression(body, _Layered(local, env))

        return FeelFunction(name, tuple(p for p, _ in params), impl)

    def _decision_table(self, el: ET.Element, env: Mapping[str, Any]) -> Any:
        return _evaluate_decision_table(self, el, env)


class _Layered(Mapping[str, Any]):
    """A local frame over an outer environment (used for boxed contexts)."""

    def __init__(self, local: dict[str, Any], outer: Mapping[str, Any]) -> None:
        self.local = local
        self.outer = outer

    def __getitem__(self, key: str) -> Any:
        if key in self.local:
            return self.local[key]
        return self.outer[key]

    def get(self, key: str, default: Any = None) -> Any:
        if key in self.local:
            return self.local[key]
        return self.outer.get(key, default)

    def __iter__(self) -> Iterator[str]:
        yield from self.local
        yield from (k for k in self.outer if k not in self.local)

    def __len__(self) -> int:
        return len(set(self.local) | set(self.outer))


_HANDLERS: dict[str, Callable[[_Session, ET.Element, Mapping[str, Any]], Any]] = {
    "literalExpression": _Session._literal,
    "context": _Session._context,
    "list": _Session._list,
    "relation": _Session._relation,
    "invocation": _Session._invocation,
    "functionDefinition": _Session._function_definition,
    "decisionTable": _Session._decision_table,
}


def _expression_child(el: ET.Element) -> ET.Element | None:
    for c in el:
        if _local(c.tag) in _HANDLERS:
            return c
    return None


# -- decision tables -----------------------------------------------------------
def _evaluate_decision_table(session: _Session, el: ET.Element, env: Mapping[str, Any]) -> Any:
    inputs = _children(el, "input")
    outputs = _children(el, "output")
    hit_policy = el.get("hitPolicy", "UNIQUE")
    aggregation = el.get("aggregation")
    input_values = []
    for inp in inputs:
        expr = _child(inp, "inputExpression")
        input_values.append(session._literal(expr, env) if expr is not None else None)
    names = [*session.model.known_names, *env.keys()]
    matched: list[tuple[int, dict[str, Any]]] = []
    for index, rule in enumerate(_children(el, "rule")):
        entries = _children(rule, "inputEntry")
        ok = True
        for value, entry in zip(input_values, entries, strict=False):
            text_el = _child(entry, "text")
            text = (text_el.text or "-") if text_el is not None else "-"
            tests = compile_unary_tests_text(text, known_names=names)
            if tests.matches(value, env) is not True:
                ok = False
                break
        if not ok:
            continue
        row: dict[str, Any] = {}
        for out, entry in zip(outputs, _children(rule, "outputEntry"), strict=False):
            text_el = _child(entry, "text")
            text = text_el.text if text_el is not None and text_el.text else "null"
            row[out.get("name", "")] = feel_compile(text, known_names=names).evaluate(env)
        matched.append((index, row))

    def shape(row: dict[str, Any]) -> Any:
        if len(outputs) == 1:
            return next(iter(row.values()))
        return row

    if not matched:
        defaults: dict[str, Any] = {}
        any_default = False
        for out in outputs:
            d = _child(out, "defaultOutputEntry")
            if d is not None:
                text_el = _child(d, "text")
                any_default = True
                defaults[out.get("name", "")] = feel_compile(
                    text_el.text if text_el is not None and text_el.text else "null"
                ).evaluate(env)
            else:
                defaults[out.get("name", "")] = None
        if any_default:
            return shape(defaults)
        return (
            []
            if hit_policy in ("COLLECT", "RULE ORDER", "OUTPUT ORDER") and not aggregation
            else None
        )
    if hit_policy == "UNIQUE":
        return shape(matched[0][1]) if len(matched) == 1 else None
    if hit_policy == "ANY":
        first = matched[0][1]
        if all(equal(r, first) is True for _, r in matched):
            return shape(first)
        return None
    if hit_policy == "FIRST":
        return shape(matched[0][1])
    if hit_policy in ("PRIORITY", "OUTPUT ORDER"):
        ranked = sorted(matched, key=lambda m: _priority(outputs, m[1], m[0], session, env))
        if hit_policy == "PRIORITY":
            return shape(ranked[0][1])
        return [shape(r) for _, r in ranked]
    if hit_policy == "RULE ORDER":
        return [shape(r) for _, r in matched]
    if hit_policy == "COLLECT":
        values = [shape(r) for _, r in matched]
        if not aggregation:
            return values
        if aggregation == "COUNT":
            return Decimal(len(values))
        nums = [v for v in values if v is not None]
        if not nums:
            return None
        if aggregation == "SUM":
            total = Decimal(0)
            for v in nums:
                total = CTX.add(total, v)
            return total
        if aggregation == "MIN":
            best = nums[0]
            for v in nums[1:]:
                if (compare(v, best) or 0) < 0:
                    best = v
            return best
        if aggregation == "MAX":
            best = nums[0]
            for v in nums[1:]:
                if (compare(v, best) or 0) > 0:
                    best = v
            return best
    return None


def _priority(
    outputs: list[ET.Element],
    row: dict[str, Any],
    index: int,
    session: _Session,
    env: Mapping[str, Any],
) -> tuple[int, ...]:
    ranks: list[int] = []
    for out in outputs:
        values_el = _child(out, "outputValues")
        if values_el is None:
            continue
        text_el = _child(values_el, "text")
        if text_el is None or not text_el.text:
            continue
        allowed = feel_compile("[" + text_el.text + "]").evaluate(env) or []
        value = row.get(out.get("name", ""))
        pos = next((i for i, a in enumerate(allowed) if equal(a, value) is True), len(allowed))
        ranks.append(pos)
    ranks.append(index)
    return tuple(ranks)


# -- running -----------------------------------------------------------------
def _run_test_file(model: Model, path: Path, result: DirectoryResult) -> None:
    root = ET.parse(path).getroot()  # noqa: S314  (local, trusted test files)
    for case in _children(root, "testCase"):
        inputs = {n.get("name", ""): parse_value(n) for n in _children(case, "inputNode")}
        invocable = case.get("invocableName")
        for node in _children(case, "resultNode"):
            result.total += 1
            name = node.get("name", "")
            expected_el = _child(node, "expected")
            expected = parse_value(expected_el) if expected_el is not None else None
            try:
                if case.get("type") == "decisionService" and invocable:
                    ds = _Session(model, {}).get(invocable)
                    params = ds.params if isinstance(ds, FeelFunction) else ()
                    out = (
                        ds.invoke([inputs.get(p) for p in params], EvalState(None))
                        if isinstance(ds, FeelFunction)
                        else None
                    )
                    actual = out.get(name) if type(out) is dict and len(out) > 1 else out
                else:
                    actual = model.evaluate(name, inputs)
            except (FeelError, _EvalError, RecursionError) as exc:
                result.failures.append(f"{path.name}#{case.get('id')}/{name}: {exc}")
                continue
            if same_value(expected, actual):
                result.passed += 1
            else:
                result.failures.append(
                    f"{path.name}#{case.get('id')}/{name}: expected {_format(expected)}, "
                    f"got {_format(actual)}"
                )


def run_tck(directory: Path, name_filter: str = "") -> TckResult:
    """Run every model with its test files under ``directory``.

    Result nodes that cannot be run (parse errors, unsupported elements)
    count as not passed.
    """
    outcome = TckResult()
    for dmn in sorted(directory.rglob("*.dmn")):
        folder = dmn.parent
        if name_filter and name_filter not in folder.name:
            continue
        stem = dmn.stem
        tests = sorted(folder.glob(f"{stem}-test-*.xml"))
        if not tests:
            continue
        result = DirectoryResult(folder.name)
        try:
            model = Model(dmn)
        except ET.ParseError as exc:
            for t in tests:
                root = ET.parse(t).getroot()  # noqa: S314
                result.total += sum(1 for _ in root.iter() if _local(_.tag) == "resultNode")
            result.failures.append(f"cannot load model: {exc}")
            outcome.directories.append(result)
            continue
        for t in tests:
            _run_test_file(model, t, result)
        outcome.directories.append(result)
    return outcome
