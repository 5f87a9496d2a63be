from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tasklink.core import InputError, decode_variables
from tasklink.core._camunda_mapping import map_result


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
        ({"type": "file", "value": '[{"id": "n1"}]'}, [{"id": "n1"}]),
        ({"type": "folder", "value": '[{"id": "f1"}]'}, [{"id": "f1"}]),
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
    assert decode_variables({"v": typed}) == {"v": expected}


def test_wrongly_typed_value_names_the_variable() -> None:
    with pytest.raises(InputError, match="variable 'age'"):
        decode_variables({"age": {"type": "integer", "value": "old"}})


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
    day = decode_variables({"d": {"type": "date", "value": "2024-02-29T10:00:00Z"}})
    assert day == {"d": "2024-02-29"}


def test_variables_must_be_an_object() -> None:
    with pytest.raises(InputError, match="must be an object"):
        decode_variables([1])  # type: ignore[arg-type]
