"""The Activiti / APA extensions mappings: loading, inputs, outputs, JSON patch, initial values."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tasklink.engine._activiti_mapping import (
    MappingError,
    ProcessExtensions,
    TaskMapping,
    load_extensions,
)

VARIABLES = {"customer": "Ada", "amount": 42, "order": {"id": "o-1", "items": [{"price": 9.5}]}}


def _document(process: dict[str, Any], process_id: str = "Process_1") -> dict[str, Any]:
    return {"id": "proc-1", "name": "invoice", "extensions": {process_id: process}}


def _task(entry: Any = None, constants: dict[str, Any] | None = None) -> TaskMapping:
    """Task_1's mapping from a document holding ``entry`` (None: no entry) and ``constants``."""
    process: dict[str, Any] = {"mappings": {} if entry is None else {"Task_1": entry}}
    if constants is not None:
        process["constants"] = {"Task_1": {name: {"value": v} for name, v in constants.items()}}
    return load_extensions(_document(process), "Process_1").mapping("Task_1")


def _refused(process: dict[str, Any], message: str) -> None:
    """Loading ``process`` fails with exactly ``message``."""
    with pytest.raises(MappingError, match=f"^{re.escape(message)}$"):
        load_extensions(_document(process), "Process_1")


def _input(name: str, kind: Any, value: Any) -> dict[str, Any]:
    return {"inputs": {name: {"type": kind, "value": value}}}


def _output(name: str, kind: str, value: Any) -> dict[str, Any]:
    return {"outputs": {name: {"type": kind, "value": value}}}


def _patch(*operations: dict[str, Any]) -> TaskMapping:
    return _task(_output("order", "jsonpatch", list(operations)))


# --- the document forms ------------------------------------------------------------------------


def test_mapping_error_is_a_value_error() -> None:
    assert issubclass(MappingError, ValueError)


def test_keyed_form_selects_the_process() -> None:
    other = {"properties": {"p": {"id": "p", "name": "other", "type": "string", "value": "x"}}}
    mine = {"properties": {"q": {"id": "q", "name": "customer", "type": "string", "value": "A"}}}
    document = {"extensions": {"Other": other, "Process_1": mine}}
    assert load_extensions(document, "Process_1").variables == {"customer": "A"}


def test_unkeyed_single_process_form() -> None:
    document = {
        "extensions": {
            "properties": {"u": {"id": "u", "name": "customer", "type": "string", "value": "A"}},
            "mappings": {"Task_1": {"inputs": {}}},
        }
    }
    extensions = load_extensions(document, "whatever")
    assert extensions.variables == {"customer": "A"}
    assert extensions.mapping("Task_1").inputs(VARIABLES) == {}


@pytest.mark.parametrize("extensions", [{}, {"Process_1": {}}, {"mappings": None}])
def test_empty_extensions_are_the_defaults(extensions: dict[str, Any]) -> None:
    loaded = load_extensions({"extensions": extensions}, "Process_1")
    assert loaded.variables == {}
    assert loaded.mapping("Task_1").inputs(VARIABLES) == {}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "extensions file: expected an object, got an array"),
        ({"id": "x"}, 'extensions file: no "extensions" member'),
        ({"extensions": "x"}, "extensions: expected an object, got the string 'x'"),
        (
            {"extensions": [{"processId": "Process_1"}]},
            "extensions: a list of process entries is not supported; "
            'write {"<processId>": {"properties": ..., "mappings": ..., "constants": ...}}',
        ),
        (
            {"extensions": {"Other": {}, "Third": {}}},
            "extensions: no entry for process 'Process_1' (the file has Other, Third)",
        ),
        (
            {"extensions": {"Process_1": []}},
            "extensions.Process_1: expected an object, got an array",
        ),
    ],
)
def test_document_shape_errors(document: Any, message: str) -> None:
    with pytest.raises(MappingError, match=f"^{re.escape(message)}$"):
        load_extensions(document, "Process_1")


# --- malformed mappings: refused at load time, naming the place -----------------------------


@pytest.mark.parametrize(
    ("process", "message"),
    [
        ({"mappings": []}, "extensions.mappings: expected an object, got an array"),
        (
            {"mappings": {"Task_1": "all"}},
            "extensions.mappings.Task_1: expected an object, got the string 'all'",
        ),
        (
            {"mappings": {"Task_1": {"mappingType": "MAP_SOME"}}},
            "extensions.mappings.Task_1.mappingType: unknown mappingType 'MAP_SOME' "
            "(expected MAP_ALL, MAP_ALL_INPUTS or MAP_ALL_OUTPUTS)",
        ),
        (
            {"mappings": {"Task_1": {"inputs": [1]}}},
            "extensions.mappings.Task_1.inputs: expected an object, got an array",
        ),
        (
            {"mappings": {"Task_1": {"outputs": {"x": 1}}}},
            "extensions.mappings.Task_1.outputs.x: expected an object, got a number",
        ),
        (
            {"mappings": {"Task_1": _input("url", "varable", "u")}},
            "extensions.mappings.Task_1.inputs.url: unknown mapping type 'varable' "
            "(expected variable, value or jsonpatch)",
        ),
        (
            {"mappings": {"Task_1": _input("url", 3, "u")}},
            "extensions.mappings.Task_1.inputs.url: unknown mapping type 3 "
            "(expected variable, value or jsonpatch)",
        ),
        (
            {"mappings": {"Task_1": {"inputs": {"url": {"value": "u"}}}}},
            "extensions.mappings.Task_1.inputs.url: no 'type' (expected variable, value or "
            "jsonpatch)",
        ),
        (
            {"mappings": {"Task_1": {"inputs": {"url": {"type": "value"}}}}},
            "extensions.mappings.Task_1.inputs.url: no 'value'",
        ),
        (
            {"mappings": {"Task_1": _input("url", "variable", 7)}},
            "extensions.mappings.Task_1.inputs.url.value: a variable mapping names a variable, "
            "got a number",
        ),
        (
            {"mappings": {"Task_1": _output("url", "variable", "")}},
            "extensions.mappings.Task_1.outputs.url.value: a variable mapping names a variable, "
            "got the string ''",
        ),
        (
            {"mappings": {"Task_1": _input("doc", "jsonpatch", [])}},
            "extensions.mappings.Task_1.inputs.doc: jsonpatch mappings apply to outputs only",
        ),
        (
            {"constants": {"Task_1": {"limit": 5}}},
            "extensions.constants.Task_1.limit: expected an object, got a number",
        ),
        (
            {"constants": {"Task_1": {"limit": {"val": 5}}}},
            "extensions.constants.Task_1.limit: no 'value'",
        ),
        (
            {"constants": {"Task_1": []}},
            "extensions.constants.Task_1: expected an object, got an array",
        ),
    ],
)
def test_malformed_mappings_are_refused(process: dict[str, Any], message: str) -> None:
    _refused(process, message)


@pytest.mark.parametrize(
    ("expression", "kind"),
    [
        ("${amount + 1}", "value"),
        ("${customer.toUpperCase()}", "value"),
        ("total: ${amount > 3 ? 'a' : 'b'}", "value"),
        ("${}", "value"),
        ("${1}", "value"),
    ],
)
def test_unsupported_expressions_are_refused_at_load(expression: str, kind: str) -> None:
    inner = expression[expression.index("${") + 2 : expression.rindex("}")]
    _refused(
        {"mappings": {"Task_1": _input("url", kind, {"nested": [expression]})}},
        f"extensions.mappings.Task_1.inputs.url: unsupported expression '${{{inner}}}': only a "
        "variable name followed by .member, [index] or ['key'] steps is supported",
    )


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"op": "add"}, ": expected a list of JSON patch operations, got an object"),
        ([1], "[0]: expected an object, got a number"),
        (
            [{"op": "merge", "path": "/a"}],
            "[0].op: unknown operation 'merge' (expected add, remove, replace, move, copy or test)",
        ),
        (
            [{"path": "/a"}],
            "[0].op: unknown operation None (expected add, remove, replace, move, copy or test)",
        ),
        ([{"op": "add", "value": 1}], "[0]: a add operation needs 'path'"),
        ([{"op": "add", "path": "/a"}], "[0]: a add operation needs 'value'"),
        ([{"op": "test", "path": "/a"}], "[0]: a test operation needs 'value'"),
        ([{"op": "move", "path": "/a"}], "[0]: a move operation needs 'from'"),
        ([{"op": "copy", "path": "/a"}], "[0]: a copy operation needs 'from'"),
        (
            [{"op": "remove", "path": "a"}],
            "[0].path: bad JSON pointer 'a': it must be empty or start with '/'",
        ),
        (
            [{"op": "copy", "from": "/a~2", "path": "/b"}],
            "[0].from: bad JSON pointer '/a~2': '~' must be followed by 0 or 1",
        ),
        ([{"op": "remove", "path": 3}], "[0].path: expected a JSON pointer, got a number"),
        (
            [{"op": "add", "path": "/a", "value": "${a.b()}"}],
            "[0].value: unsupported expression '${a.b()}': only a variable name followed by "
            ".member, [index] or ['key'] steps is supported",
        ),
    ],
)
def test_malformed_patches_are_refused(patch: Any, message: str) -> None:
    where = "extensions.mappings.Task_1.outputs.order.value"
    _refused({"mappings": {"Task_1": _output("order", "jsonpatch", patch)}}, where + message)


# --- inputs ------------------------------------------------------------------------------------


def test_no_entry_sends_the_constants_only() -> None:
    # Activiti since 7.1 and APA's "Don't map variables".
    task = _task(None, constants={"limit": 200, "customer": "constant"})
    assert task.inputs(VARIABLES) == {"limit": 200, "customer": "constant"}


def test_a_null_entry_is_no_entry() -> None:
    process = {"mappings": {"Task_1": None}}
    task = load_extensions(_document(process), "Process_1").mapping("Task_1")
    assert task.inputs(VARIABLES) == {}
    assert task.outputs({"r": 1}, VARIABLES) == {}


def test_an_unknown_task_gets_the_default_mapping() -> None:
    extensions = load_extensions(_document({}), "Process_1")
    assert extensions.mapping("Nowhere") == TaskMapping("Nowhere")
    assert TaskMapping().inputs({"a": 1}) == {}
    assert TaskMapping().outputs({"r": 1}, {}) == {}


@pytest.mark.parametrize("mapping_type", ["MAP_ALL", "MAP_ALL_INPUTS", "map_all_inputs"])
def test_map_all_inputs_sends_every_variable_over_the_constants(mapping_type: str) -> None:
    entry = {"mappingType": mapping_type, **_input("ignored", "value", "x")}
    task = _task(entry, constants={"limit": 200, "customer": "variable wins"})
    assert task.inputs(VARIABLES) == {**VARIABLES, "limit": 200}


@pytest.mark.parametrize("entry", [{"inputs": {}}, {"outputs": {}}, {}, {"inputs": None}])
def test_an_entry_without_inputs_sends_only_the_constants(entry: dict[str, Any]) -> None:
    assert _task(entry, constants={"limit": 200}).inputs(VARIABLES) == {"limit": 200}


def test_map_all_outputs_keeps_explicit_inputs() -> None:
    entry = {"mappingType": "MAP_ALL_OUTPUTS", **_input("who", "variable", "customer")}
    assert _task(entry).inputs(VARIABLES) == {"who": "Ada"}


@pytest.mark.parametrize("kind", ["variable", "VARIABLE", "Variable"])
def test_variable_input_takes_the_variable(kind: str) -> None:
    assert _task(_input("who", kind, "customer")).inputs(VARIABLES) == {"who": "Ada"}


@pytest.mark.parametrize("variables", [{}, {"customer": None}])
def test_variable_input_of_a_missing_or_null_variable_is_left_out(
    variables: dict[str, Any],
) -> None:
    assert _task(_input("who", "variable", "customer"), {"limit": 1}).inputs(variables) == {
        "limit": 1
    }


def test_constants_win_over_mapped_inputs() -> None:
    task = _task(_input("limit", "value", 5), constants={"limit": 200})
    assert task.inputs(VARIABLES) == {"limit": 200}


@pytest.mark.parametrize(
    "literal", [200, 1.5, True, None, "plain", ["a", 1], {"k": {"n": [1, False]}}]
)
def test_value_input_is_the_literal(literal: Any) -> None:
    assert _task(_input("x", "VALUE", literal)).inputs(VARIABLES) == {"x": literal}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("${customer}", "Ada"),
        ("${amount}", 42),
        ("${order}", VARIABLES["order"]),
        ("${order.items}", [{"price": 9.5}]),
        ("${order.items[0].price}", 9.5),
        ("${order['id']}", "o-1"),
        ('${order["items"][0]["price"]}', 9.5),
        ("${ order . items [ 0 ] }", {"price": 9.5}),
        ("${flag}", False),
        ("${nothing}", None),
    ],
)
def test_a_whole_expression_is_the_value_itself(expression: str, expected: Any) -> None:
    variables = {**VARIABLES, "flag": False, "nothing": None}
    assert _task(_input("x", "value", expression)).inputs(variables) == {"x": expected}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Dear ${customer}", "Dear Ada"),
        ("${customer} owes ${amount}", "Ada owes 42"),
        ("price ${order.items[0].price}", "price 9.5"),
        ("flag=${flag}, nothing=${nothing}", "flag=false, nothing=null"),
        ("order: ${order}", 'order: {"id":"o-1","items":[{"price":9.5}]}'),
        ("items: ${order.items}", 'items: [{"price":9.5}]'),
        ("${unclosed", "${unclosed"),
        ("$customer {customer}", "$customer {customer}"),
    ],
)
def test_expressions_inside_text_are_replaced_by_their_text(template: str, expected: str) -> None:
    variables = {**VARIABLES, "flag": False, "nothing": None}
    assert _task(_input("x", "value", template)).inputs(variables) == {"x": expected}


def test_expressions_are_resolved_throughout_a_literal() -> None:
    literal = {"to": ["${customer}", "x-${amount}"], "meta": {"${customer}": "${order.id}"}, "n": 1}
    expected = {"to": ["Ada", "x-42"], "meta": {"${customer}": "o-1"}, "n": 1}
    assert _task(_input("x", "value", literal)).inputs(VARIABLES) == {"x": expected}


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("${total}", "variable 'total' is not set"),
        ("${order.total}", "order has no member 'total'"),
        ("${order.items[3]}", "order.items has no index 3 (length 1)"),
        ("${order.items.first}", "order.items is an array; 'first' is not an index"),
        ("${customer.name}", "customer is the string 'Ada', it has no member 'name'"),
    ],
)
def test_unresolvable_input_expressions_name_task_input_and_expression(
    expression: str, problem: str
) -> None:
    task = _task(_input("url", "value", f"see {expression}"))
    message = f"extensions.mappings.Task_1.inputs.url: cannot resolve '{expression}': {problem}"
    with pytest.raises(MappingError, match=f"^{re.escape(message)}$"):
        task.inputs(VARIABLES)


def test_an_index_step_on_an_object_reads_the_key() -> None:
    task = _task(_input("x", "value", "${codes[7]}"))
    assert task.inputs({"codes": {"7": "seven"}}) == {"x": "seven"}


def test_inputs_are_copies() -> None:
    variables = {"order": {"items": [1]}}
    for entry in ({"mappingType": "MAP_ALL"}, _input("o", "value", "${order}")):
        sent = _task(entry).inputs(variables)
        next(iter(sent.values()))["items"].append(2)
        assert variables == {"order": {"items": [1]}}


# --- outputs -----------------------------------------------------------------------------------

OUTBOUND = {"status": "sent", "id": "m-7", "details": {"code": 250}}


def test_no_entry_sets_nothing() -> None:
    assert _task(None).outputs(OUTBOUND, VARIABLES) == {}


@pytest.mark.parametrize("mapping_type", ["MAP_ALL", "MAP_ALL_OUTPUTS", "map_all"])
def test_map_all_outputs_sets_every_outbound_variable(mapping_type: str) -> None:
    entry = {"mappingType": mapping_type, **_output("ignored", "value", 1)}
    assert _task(entry).outputs(OUTBOUND, VARIABLES) == OUTBOUND


@pytest.mark.parametrize("entry", [{"outputs": {}}, {"inputs": {}}, {}])
def test_an_entry_without_outputs_sets_nothing(entry: dict[str, Any]) -> None:
    assert _task(entry).outputs(OUTBOUND, VARIABLES) == {}


def test_map_all_inputs_keeps_explicit_outputs() -> None:
    entry = {"mappingType": "MAP_ALL_INPUTS", **_output("result", "variable", "status")}
    assert _task(entry).outputs(OUTBOUND, VARIABLES) == {"result": "sent"}


def test_variable_output_takes_the_outbound_variable() -> None:
    entry = {
        "outputs": {
            "result": {"type": "variable", "value": "status"},
            "code": {"type": "Variable", "value": "details"},
            "absent": {"type": "variable", "value": "missing"},
            "nulled": {"type": "variable", "value": "none"},
        }
    }
    outbound = {**OUTBOUND, "none": None}
    assert _task(entry).outputs(outbound, VARIABLES) == {"result": "sent", "code": {"code": 250}}


def test_value_output_resolves_outbound_first_then_process_variables() -> None:
    entry = _output("summary", "value", {"text": "${customer}: ${status}", "id": "${id}"})
    variables = {**VARIABLES, "status": "process value"}
    assert _task(entry).outputs(OUTBOUND, variables) == {
        "summary": {"text": "Ada: sent", "id": "m-7"}
    }


def test_unresolvable_output_expression_names_task_output_and_expression() -> None:
    task = _task(_output("summary", "value", "${details.reason}"))
    message = (
        "extensions.mappings.Task_1.outputs.summary: cannot resolve '${details.reason}': "
        "details has no member 'reason'"
    )
    with pytest.raises(MappingError, match=f"^{re.escape(message)}$"):
        task.outputs(OUTBOUND, VARIABLES)


def test_outputs_are_copies() -> None:
    outbound = {"details": {"code": 250}}
    for entry in (
        {"mappingType": "MAP_ALL"},
        _output("d", "variable", "details"),
        _output("d", "value", "${details}"),
    ):
        result = _task(entry).outputs(outbound, {})
        next(iter(result.values()))["code"] = 0
        assert outbound == {"details": {"code": 250}}


# --- JSON patch outputs ------------------------------------------------------------------------

ORDER = {"status": "open", "lines": [{"sku": "a"}, {"sku": "b"}], "a/b": 1, "m~n": 2}


def _patched(*operations: dict[str, Any], order: Any = ORDER, **outbound: Any) -> Any:
    return _patch(*operations).outputs(outbound, {**VARIABLES, "order": order})["order"]


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        ({"op": "add", "path": "/note", "value": "x"}, {**ORDER, "note": "x"}),
        ({"op": "add", "path": "/status", "value": "paid"}, {**ORDER, "status": "paid"}),
        (
            {"op": "add", "path": "/lines/1", "value": {"sku": "z"}},
            {**ORDER, "lines": [{"sku": "a"}, {"sku": "z"}, {"sku": "b"}]},
        ),
        (
            {"op": "add", "path": "/lines/-", "value": {"sku": "z"}},
            {**ORDER, "lines": [{"sku": "a"}, {"sku": "b"}, {"sku": "z"}]},
        ),
        (
            {"op": "add", "path": "/lines/2", "value": {"sku": "z"}},
            {**ORDER, "lines": [{"sku": "a"}, {"sku": "b"}, {"sku": "z"}]},
        ),
        ({"op": "add", "path": "", "value": [1]}, [1]),
        ({"op": "remove", "path": "/status"}, {k: v for k, v in ORDER.items() if k != "status"}),
        ({"op": "remove", "path": "/lines/0"}, {**ORDER, "lines": [{"sku": "b"}]}),
        ({"op": "remove", "path": "/a~1b"}, {k: v for k, v in ORDER.items() if k != "a/b"}),
        ({"op": "replace", "path": "/m~0n", "value": 3}, {**ORDER, "m~n": 3}),
        (
            {"op": "replace", "path": "/lines/1/sku", "value": "c"},
            {**ORDER, "lines": [{"sku": "a"}, {"sku": "c"}]},
        ),
        ({"op": "replace", "path": "", "value": {"new": True}}, {"new": True}),
        (
            {"op": "move", "from": "/status", "path": "/state"},
            {**{k: v for k, v in ORDER.items() if k != "status"}, "state": "open"},
        ),
        (
            {"op": "move", "from": "/lines/0", "path": "/lines/1"},
            {**ORDER, "lines": [{"sku": "b"}, {"sku": "a"}]},
        ),
        ({"op": "move", "from": "/status", "path": "/status"}, ORDER),
        (
            {"op": "copy", "from": "/lines/0", "path": "/first"},
            {**ORDER, "first": {"sku": "a"}},
        ),
        ({"op": "test", "path": "/lines/1", "value": {"sku": "b"}}, ORDER),
        ({"op": "test", "path": "/a~1b", "value": 1.0}, ORDER),
    ],
)
def test_each_patch_operation(operation: dict[str, Any], expected: Any) -> None:
    assert _patched(operation) == expected


def test_patch_creates_missing_parent_objects_like_activiti() -> None:
    operations = (
        {"op": "add", "path": "/customer/address/city", "value": "Oslo"},
        {"op": "copy", "from": "/customer", "path": "/billing/to"},
    )
    expected = {"customer": {"address": {"city": "Oslo"}}}
    assert _patched(*operations, order=None) == {
        **expected,
        "billing": {"to": expected["customer"]},
    }


def test_patch_of_an_unset_variable_starts_from_an_empty_object() -> None:
    task = _patch({"op": "add", "path": "/status", "value": "new"})
    assert task.outputs({}, {}) == {"order": {"status": "new"}}


def test_patch_of_an_array_variable() -> None:
    assert _patched({"op": "add", "path": "/0", "value": "x"}, order=["y"]) == ["x", "y"]


def test_patch_values_resolve_outbound_then_process_variables() -> None:
    operation = {"op": "add", "path": "/sent", "value": {"by": "${customer}", "id": "${id}"}}
    assert _patched(operation, id="m-7")["sent"] == {"by": "Ada", "id": "m-7"}


def test_patch_path_variables_become_one_escaped_token() -> None:
    task = _patch({"op": "add", "path": "/${key}/${index}", "value": 1})
    assert task.outputs({}, {"key": "a/b~c", "index": 0}) == {"order": {"a/b~c": {"0": 1}}}


def test_patch_path_variables_must_be_strings_or_integers() -> None:
    task = _patch({"op": "add", "path": "/${flag}", "value": 1})
    message = (
        "extensions.mappings.Task_1.outputs.order.value[0]: '${flag}' in a JSON pointer must "
        "be a string or an integer, got a boolean"
    )
    with pytest.raises(MappingError, match=f"^{re.escape(message)}$"):
        task.outputs({}, {"flag": True})


def test_patch_leaves_the_current_value_unchanged_even_when_it_fails() -> None:
    order = {"status": "open", "lines": []}
    operations = (
        {"op": "add", "path": "/status", "value": "paid"},
        {"op": "test", "path": "/status", "value": "open"},
    )
    with pytest.raises(MappingError):
        _patched(*operations, order=order)
    assert order == {"status": "open", "lines": []}
    assert _patched(operations[0], order=order) == {"status": "paid", "lines": []}
    assert order == {"status": "open", "lines": []}


@pytest.mark.parametrize(
    ("operation", "problem"),
    [
        (
            {"op": "test", "path": "/status", "value": "closed"},
            'test failed at \'/status\': found "open", expected "closed"',
        ),
        (
            {"op": "test", "path": "/a~1b", "value": True},
            "test failed at '/a~1b': found 1, expected true",
        ),
        ({"op": "remove", "path": "/missing"}, "'/missing': no member 'missing'"),
        ({"op": "replace", "path": "/missing", "value": 1}, "'/missing': no member 'missing'"),
        (
            {"op": "remove", "path": "/lines/2"},
            "'/lines/2': index 2 is out of range (array length 2)",
        ),
        (
            {"op": "add", "path": "/lines/3", "value": 1},
            "'/lines/3': index 3 is out of range (array length 2)",
        ),
        ({"op": "add", "path": "/lines/01", "value": 1}, "'/lines/01': '01' is not an array index"),
        (
            {"op": "replace", "path": "/lines/-", "value": 1},
            "'/lines/-': '-' is not an array index",
        ),
        (
            {"op": "add", "path": "/status/x", "value": 1},
            "'/status/x': cannot add a member to the string 'open'",
        ),
        ({"op": "remove", "path": "/status/x"}, "'/status/x': the string 'open' has no member 'x'"),
        ({"op": "copy", "from": "/nope", "path": "/x"}, "'/nope': no member 'nope'"),
        (
            {"op": "move", "from": "/lines", "path": "/lines/0"},
            "cannot move '/lines' into its own child '/lines/0'",
        ),
        ({"op": "remove", "path": ""}, "cannot remove the whole document"),
        (
            {"op": "add", "path": "/x", "value": "${missing}"},
            "cannot resolve '${missing}': variable 'missing' is not set",
        ),
    ],
)
def test_failing_patch_operations_name_the_operation(
    operation: dict[str, Any], problem: str
) -> None:
    message = f"extensions.mappings.Task_1.outputs.order.value[1]: {problem}"
    with pytest.raises(MappingError, match=f"^{re.escape(message)}$"):
        _patched({"op": "test", "path": "/status", "value": "open"}, operation)


def test_patching_a_scalar_variable_is_refused() -> None:
    message = (
        "extensions.mappings.Task_1.outputs.order: process variable 'order' is the string 'x'; "
        "a JSON patch applies to an object or an array"
    )
    with pytest.raises(MappingError, match=f"^{re.escape(message)}$"):
        _patched({"op": "add", "path": "/a", "value": 1}, order="x")


@pytest.mark.parametrize(
    ("path", "value"), [("/n", 1.0), ("/o", {"a": [1, {"b": None}]}), ("/f", False)]
)
def test_patch_test_passes_on_equal_json(path: str, value: Any) -> None:
    order = {"n": 1, "f": False, "o": {"a": [1, {"b": None}]}}
    assert _patched({"op": "test", "path": path, "value": value}, order=order) == order


@pytest.mark.parametrize(
    ("path", "value"),
    [("/n", True), ("/f", 0), ("/o", {"a": [1, {"b": 0}]}), ("/o", {"a": [1]}), ("/n", "1")],
)
def test_patch_test_fails_on_different_json(path: str, value: Any) -> None:
    order = {"n": 1, "f": False, "o": {"a": [1, {"b": None}]}}
    with pytest.raises(MappingError, match="test failed"):
        _patched({"op": "test", "path": path, "value": value}, order=order)


# --- initial variables -------------------------------------------------------------------------


def _properties(*definitions: dict[str, Any]) -> dict[str, Any]:
    return {
        "properties": {f"uuid-{i}": {"id": f"uuid-{i}", **d} for i, d in enumerate(definitions)}
    }


def _initial(kind: str, value: Any) -> Any:
    process = _properties({"name": "v", "type": kind, "required": False, "value": value})
    return load_extensions(_document(process), "Process_1").variables["v"]


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("string", "Ada", "Ada"),
        ("string", "", ""),
        ("integer", 7, 7),
        ("integer", "-12", -12),
        ("integer", 3.0, 3),
        ("Integer", " 5 ", 5),
        ("boolean", True, True),
        ("boolean", "true", True),
        ("boolean", "FALSE", False),
        ("json", '{"a": [1, 2]}', {"a": [1, 2]}),
        ("json", {"a": 1}, {"a": 1}),
        ("file", '[{"id": "node-1"}]', [{"id": "node-1"}]),
        ("folder", '[{"id": "f-1"}]', [{"id": "f-1"}]),
        ("folder", {"name": "mint-folder"}, {"name": "mint-folder"}),
        ("array", '["mint", "strawberry"]', ["mint", "strawberry"]),
        ("array", "mint, strawberry", ["mint", "strawberry"]),
        ("array", ["a"], ["a"]),
        ("date", "2024-05-01", "2024-05-01"),
        ("datetime", "2024-05-01 10:00:00", "2024-05-01 10:00:00"),
        ("some-future-type", {"kept": True}, {"kept": True}),
    ],
)
def test_initial_values_are_typed(kind: str, value: Any, expected: Any) -> None:
    assert _initial(kind, value) == expected
    assert type(_initial(kind, value)) is type(expected)


def test_only_properties_with_a_value_are_initial_variables() -> None:
    process = _properties(
        {"name": "a", "type": "string", "value": "x"},
        {"name": "b", "type": "string"},
        {"name": "c", "type": "integer", "value": None},
        {"name": "d", "type": "json", "value": "  "},
        {"name": "e", "value": "untyped"},
    )
    variables = load_extensions(_document(process), "Process_1").variables
    assert variables == {"a": "x", "e": "untyped"}


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        (
            {"name": "v", "type": "integer", "value": "seven"},
            "uuid-0.value: an integer variable needs a whole number, got the string 'seven'",
        ),
        (
            {"name": "v", "type": "integer", "value": True},
            "uuid-0.value: an integer variable needs a whole number, got a boolean",
        ),
        (
            {"name": "v", "type": "integer", "value": 2.5},
            "uuid-0.value: an integer variable needs a whole number, got a number",
        ),
        (
            {"name": "v", "type": "boolean", "value": "yes"},
            "uuid-0.value: a boolean variable needs true or false, got the string 'yes'",
        ),
        (
            {"name": "v", "type": "json", "value": "{oops"},
            "uuid-0.value: a json variable's value is not valid JSON (Expecting property name "
            "enclosed in double quotes: line 1 column 2 (char 1))",
        ),
        (
            {"name": "v", "type": "array", "value": 3},
            "uuid-0.value: an array variable needs an array, got a number",
        ),
        ({"type": "string", "value": "x"}, "uuid-0.name: expected the variable's name, got null"),
        ({"name": "v", "type": 1}, "uuid-0.type: expected a type name, got a number"),
    ],
)
def test_malformed_properties_are_refused(definition: dict[str, Any], message: str) -> None:
    _refused(_properties(definition), f"extensions.properties.{message}")


def test_property_shape_errors() -> None:
    _refused({"properties": []}, "extensions.properties: expected an object, got an array")
    _refused(
        {"properties": {"u": "x"}},
        "extensions.properties.u: expected an object, got the string 'x'",
    )
    _refused(
        _properties({"name": "v", "type": "string"}, {"name": "v", "type": "integer"}),
        "extensions.properties.uuid-1.name: variable 'v' is also declared at "
        "extensions.properties.uuid-0",
    )


# --- a whole document --------------------------------------------------------------------------


def test_a_modeler_document_end_to_end() -> None:
    document = {
        "id": "process-6a1c",
        "name": "send-invoice",
        "extensions": {
            "Process_send": {
                "properties": _properties(
                    {"name": "customer", "type": "json", "value": '{"email": "ada@example.com"}'},
                    {"name": "invoice", "type": "json"},
                    {"name": "attempts", "type": "integer", "value": "0"},
                )["properties"],
                "mappings": {
                    "Task_send": {
                        "inputs": {
                            "to": {"type": "value", "value": "${customer.email}"},
                            "subject": {"type": "value", "value": "Invoice for ${customer.email}"},
                            "tries": {"type": "variable", "value": "attempts"},
                        },
                        "outputs": {
                            "invoice": {
                                "type": "jsonpatch",
                                "value": [
                                    {"op": "add", "path": "/delivery/id", "value": "${messageId}"},
                                    {
                                        "op": "add",
                                        "path": "/delivery/tries",
                                        "value": "${attempts}",
                                    },
                                ],
                            },
                            "attempts": {"type": "value", "value": 1},
                        },
                    }
                },
                "constants": {"Task_send": {"from": {"value": "billing@example.com"}}},
            }
        },
    }
    extensions = load_extensions(document, "Process_send")
    assert isinstance(extensions, ProcessExtensions)
    variables = dict(extensions.variables)
    assert variables == {"customer": {"email": "ada@example.com"}, "attempts": 0}
    task = extensions.mapping("Task_send")
    assert task.inputs(variables) == {
        "to": "ada@example.com",
        "subject": "Invoice for ada@example.com",
        "tries": 0,
        "from": "billing@example.com",
    }
    assert task.outputs({"messageId": "<m-1@example.com>", "extra": 1}, variables) == {
        "invoice": {"delivery": {"id": "<m-1@example.com>", "tries": 0}},
        "attempts": 1,
    }
