from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tasklink.core import (
    InputError,
    TaskMapping,
    decode_typed_value,
    decode_variables,
    map_inputs,
    map_outputs,
    map_result,
)


def test_map_result_without_expressions() -> None:
    assert map_result({"a": 1}, result_variable="out") == {"out": {"a": 1}}
    assert map_result({"a": 1}, result_variable="  ") == {}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ({"type": "string", "value": "x"}, "x"),
        ({"type": "integer", "value": "42"}, 42),
        ({"type": "long", "value": "9007199254740993"}, 9007199254740993),
        ({"type": "boolean", "value": "TRUE"}, True),
        ({"type": "double", "value": "1.5"}, 1.5),
        ({"type": "bigdecimal", "value": "0.1"}, Decimal("0.1")),
        ({"type": "date", "value": "2024-02-29"}, "2024-02-29"),
        ({"type": "json", "value": '{"a": [1]}'}, {"a": [1]}),
        ({"type": "integer", "value": 7}, 7),
        ({"type": "string", "value": None}, None),
        ({"type": "custom", "value": "x"}, {"type": "custom", "value": "x"}),
        (
            {"type": "string", "value": "x", "extra": 1},
            {"type": "string", "value": "x", "extra": 1},
        ),
        ("plain", "plain"),
    ],
)
def test_decode_typed_values(typed: Any, expected: Any) -> None:
    assert decode_typed_value(typed) == expected


def test_wrongly_typed_value_names_the_variable() -> None:
    with pytest.raises(InputError, match="variable 'age'"):
        decode_variables({"age": {"type": "integer", "value": "old"}})


MAPPING = TaskMapping.from_json(
    {
        "inputs": {
            "url": {"type": "VARIABLE", "value": "endpoint"},
            "method": {"type": "VALUE", "value": "GET"},
            "missing": {"type": "VARIABLE", "value": "nope"},
        },
        "outputs": {
            "status": {"type": "VARIABLE", "value": "statusCode"},
            "fixed": {"type": "VALUE", "value": 1},
            "customer": {
                "type": "JSONPATCH",
                "value": [
                    {"op": "add", "path": "/address/city", "value": "Bern"},
                    {"op": "replace", "path": "/tags/${index}", "value": "vip"},
                ],
            },
        },
    }
)


def test_map_inputs_by_mapping_and_modes() -> None:
    variables = {"endpoint": "https://x", "other": 1}
    assert map_inputs(MAPPING, variables, {"c": 2}) == {"url": "https://x", "method": "GET", "c": 2}
    assert map_inputs(None, variables) == {}
    all_inputs = TaskMapping.from_json({"mappingType": "MAP_ALL_INPUTS"})
    assert map_inputs(all_inputs, variables) == variables


def test_map_outputs_with_json_patch() -> None:
    variables = {"customer": {"name": "Ada", "tags": ["a", "b"]}, "index": 1}
    out = map_outputs(MAPPING, {"statusCode": 200}, variables)
    assert out["status"] == 200 and out["fixed"] == 1
    assert out["customer"] == {"name": "Ada", "address": {"city": "Bern"}, "tags": ["a", "vip"]}
    assert variables["customer"] == {"name": "Ada", "tags": ["a", "b"]}, "not mutated"


def test_map_outputs_respects_declared_variables_and_modes() -> None:
    out = map_outputs(MAPPING, {"statusCode": 200}, {"index": 0}, declared={"status"})
    assert set(out) == {"status"}
    everything = TaskMapping.from_json({"mappingType": "MAP_ALL"})
    assert map_outputs(everything, {"a": 1}, {}) == {"a": 1}
    assert map_outputs(None, {"a": 1}, {}) == {}


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"inputs": {"a": {"type": "SPEL", "value": "x"}}}, "unknown type"),
        ({"mappingType": "MAP_SOME"}, "unknown mappingType"),
        ({"outputs": {"a": "VARIABLE"}}, "needs a type"),
    ],
)
def test_bad_mappings_are_input_errors(mapping: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        TaskMapping.from_json(mapping)


def test_json_patch_path_variable_must_be_string_or_integer() -> None:
    bad = TaskMapping.from_json(
        {
            "outputs": {
                "c": {"type": "JSONPATCH", "value": [{"op": "add", "path": "/${v}", "value": 1}]}
            }
        }
    )
    with pytest.raises(InputError, match=r"path variable \$v"):
        map_outputs(bad, {}, {"v": [1]})


@pytest.mark.parametrize(
    "typed",
    [
        {"type": "integer", "value": "1_000"},
        {"type": "double", "value": "nan"},
        {"type": "double", "value": "inf"},
        {"type": "bigdecimal", "value": "Infinity"},
        {"type": "date", "value": "nope"},
        {"type": "date", "value": "2024-02-30"},
        {"type": "json", "value": "[" * 100_000 + "]" * 100_000},
    ],
)
def test_bad_typed_values_are_input_errors(typed: dict[str, str]) -> None:
    with pytest.raises(InputError, match="variable 'v'"):
        decode_variables({"v": typed})


def test_dates_with_a_time_part_keep_the_day() -> None:
    assert decode_typed_value({"type": "date", "value": "2024-02-29T10:00:00Z"}) == "2024-02-29"


def test_mappings_and_variables_must_be_objects() -> None:
    with pytest.raises(InputError, match="must be an object"):
        TaskMapping.from_json([])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="must be an object"):
        decode_variables([1])  # type: ignore[arg-type]


def test_json_patch_indexes_are_bounded() -> None:
    far = TaskMapping.from_json(
        {"outputs": {"c": {"type": "JSONPATCH", "value": [{"op": "add", "path": "/l/${i}"}]}}}
    )
    with pytest.raises(InputError, match="beyond"):
        map_outputs(far, {}, {"c": {"l": []}, "i": 2_000_000})
