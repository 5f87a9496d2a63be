"""Placeholders and parameters before a statement reaches SQLAlchemy: each placeholder
needs a value and each value a placeholder; the vendors' placeholder styles become
``:name`` ones outside quoted text and comments."""

from __future__ import annotations

from typing import Any

import pytest

from tasklink.core import InputError
from tasklink.sql._statements import bind_statement, placeholders, returns_rows_hint, to_named


def test_placeholders_are_found_as_sqlalchemy_finds_them() -> None:
    sql = "SELECT x::int, '10:30', \\:literal, :a, :b, :a FROM t WHERE y = :c"
    assert placeholders(sql) == ["a", "b", "c"]


def test_a_placeholder_without_a_value_is_missing_input() -> None:
    with pytest.raises(InputError) as caught:
        bind_statement("SELECT :a, :b", {"a": 1}, "parameters")
    assert caught.value.code == "MISSING_INPUT"
    assert caught.value.field == "parameters.b"


def test_a_value_without_a_placeholder_is_named() -> None:
    with pytest.raises(InputError) as caught:
        bind_statement("SELECT :a", {"a": 1, "typo": 2}, "statements[1].parameters")
    assert caught.value.code == "INVALID_INPUT"
    assert caught.value.field == "statements[1].parameters.typo"


def test_values_are_converted_for_binding() -> None:
    bound = bind_statement(
        "SELECT :doc, :ids, :rows WHERE id IN :set AND tag = ANY(:ids)",
        {"doc": {"a": 1}, "ids": [1, 2], "rows": [{"a": 1}], "set": [3, 4]},
        "parameters",
    )
    assert bound.values == {
        "doc": '{"a": 1}',  # an object: JSON text
        "ids": [1, 2],  # a list: an array (PostgreSQL)
        "rows": '[{"a": 1}]',  # a list of objects: JSON text
        "set": [3, 4],
    }
    assert bound.expanding == ("set",)  # after IN: one placeholder per item


@pytest.mark.parametrize("value", [[], [{"a": 1}]])
def test_in_lists_must_hold_scalars(value: list[Any]) -> None:
    with pytest.raises(InputError, match=r"parameters\.ids"):
        bind_statement("SELECT 1 WHERE id IN :ids", {"ids": value}, "parameters")


def test_rows_are_streamed_for_reading_statements() -> None:
    for sql in (
        "SELECT 1",
        "  with x as (select 1) select * from x",
        "(SELECT 1)",
        "-- c\nVALUES (1)",
    ):
        assert returns_rows_hint(sql), sql
    for sql in (
        "INSERT INTO t VALUES (1) RETURNING id",
        "UPDATE t SET a = 1",
        "/* x */ DELETE FROM t",
    ):
        assert not returns_rows_hint(sql), sql


def test_positional_placeholders() -> None:
    sql, values = to_named(
        "SELECT '?', \"a?b\", x -- ?\nFROM t WHERE a = ? AND b = ? /* ? */ AND c = ':x'",
        positional=["one", 2],
        field="data.variables",
    )
    assert sql == (
        "SELECT '?', \"a?b\", x -- ?\nFROM t WHERE a = :p1 AND b = :p2 /* ? */ AND c = '\\:x'"
    )
    assert values == {"p1": "one", "p2": 2}
    assert placeholders(sql) == ["p1", "p2"]
    with pytest.raises(InputError, match="more \\? placeholders"):
        to_named("SELECT ?, ?", positional=[1], field="data.variables")
    with pytest.raises(InputError, match="2 values for 1"):
        to_named("SELECT ?", positional=[1, 2], field="data.variables")


def test_named_placeholders_and_jdbi_lists() -> None:
    sql, values = to_named(
        "SELECT * FROM t WHERE name = :name AND id IN (<ids>) AND note = ':name'",
        named={"name": "ada", "ids": [1, 2], "unused": True},
        field="data.variables",
    )
    assert sql == (
        "SELECT * FROM t WHERE name = :name AND id IN (:ids_0, :ids_1) AND note = '\\:name'"
    )
    assert values == {"name": "ada", "ids_0": 1, "ids_1": 2}
    with pytest.raises(InputError) as caught:
        to_named("SELECT :nope", named={}, field="data.variables")
    assert (caught.value.code, caught.value.field) == ("MISSING_INPUT", "data.variables.nope")
    with pytest.raises(InputError, match="list of at least one"):
        to_named("SELECT <ids>", named={"ids": []}, field="data.variables")


def test_apa_braces() -> None:
    sql, values = to_named(
        "INSERT INTO flavors (flavor, shop) VALUES ({type}, { shop.name }) -- {type}",
        named={"type": "mint", "shop": {"name": "corner"}},
        braces=True,
        field="metadata",
    )
    assert sql == "INSERT INTO flavors (flavor, shop) VALUES (:p_type, :p_shop__name) -- {type}"
    assert values == {"p_type": "mint", "p_shop__name": "corner"}
    with pytest.raises(InputError) as caught:
        to_named("SELECT {missing}", named={}, braces=True, field="metadata")
    assert caught.value.field == "metadata.missing"


def test_dollar_quoted_bodies_are_left_alone() -> None:
    sql, values = to_named(
        "DO $body$ BEGIN PERFORM ?; END $body$; SELECT ?", positional=[1], field="v"
    )
    assert sql == "DO $body$ BEGIN PERFORM ?; END $body$; SELECT :p1"
    assert values == {"p1": 1}
