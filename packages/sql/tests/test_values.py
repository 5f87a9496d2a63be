"""Database values as JSON (the conversions the operations apply to every row)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest

from tasklink.sql._values import PgNumeric, RowConverter, column_names, duration, json_value


@pytest.mark.parametrize(
    ("value", "number", "text"),
    [
        (Decimal("12.50"), 12.5, "12.50"),
        (Decimal("3"), 3, "3"),
        (Decimal("-0.001"), -0.001, "-0.001"),
        (Decimal("123456789012345"), 123456789012345, "123456789012345"),
        # More digits than a double holds: never rounded silently.
        (Decimal("1234567890123456"), "1234567890123456", "1234567890123456"),
        (Decimal("0.1234567890123456789"), "0.1234567890123456789", "0.1234567890123456789"),
        (Decimal("1.50000000000000000000"), 1.5, "1.50000000000000000000"),
        (Decimal("NaN"), "NaN", "NaN"),
        (Decimal("-Infinity"), "-Infinity", "-Infinity"),
        (PgNumeric("12.50"), 12.5, "12.50"),
        (PgNumeric("-7"), -7, "-7"),
        (PgNumeric("12345678901234567.891"), "12345678901234567.891", "12345678901234567.891"),
        (PgNumeric("1.50000000000000000000"), 1.5, "1.50000000000000000000"),
        (PgNumeric("NaN"), "NaN", "NaN"),
    ],
)
def test_decimals(value: Decimal | PgNumeric, number: object, text: str) -> None:
    assert json_value(value, decimals="number") == number
    assert json_value(value, decimals="string") == text
    assert type(json_value(value, decimals="string")) is str


def test_other_values() -> None:
    assert json_value(float("nan")) == "NaN"
    assert json_value(float("inf")) == "Infinity"
    assert json_value(2.5) == 2.5
    assert json_value(date(2024, 5, 1)) == "2024-05-01"
    moment = datetime(2024, 5, 1, 10, 15, tzinfo=timezone(timedelta(hours=2)))
    assert json_value(moment) == "2024-05-01T10:15:00+02:00"
    assert json_value(time(10, 30, 0, 500)) == "10:30:00.000500"
    ident = uuid.uuid4()
    assert json_value(ident) == str(ident)
    assert json_value(b"\x00\xff") == "AP8="
    assert json_value(memoryview(b"ab")) == "YWI="
    assert json_value([Decimal("1.5"), [b"\x01"]]) == [1.5, ["AQ=="]]
    assert json_value({"a": 1}) == {"a": 1}
    assert json_value(timedelta(hours=1), dialect="mariadb") == "01:00:00"
    assert json_value(timedelta(hours=-1, microseconds=5), dialect="mysql") == "-00:59:59.999995"


@pytest.mark.parametrize(
    ("span", "iso"),
    [
        (timedelta(0), "PT0S"),
        (timedelta(days=1, hours=2), "P1DT2H"),
        (timedelta(minutes=1, seconds=30, microseconds=250000), "PT1M30.25S"),
        (timedelta(days=3), "P3D"),
        (timedelta(seconds=-0.5), "-PT0.5S"),
        (timedelta(days=-1, hours=-2), "-P1DT2H"),
    ],
)
def test_durations(span: timedelta, iso: str) -> None:
    assert duration(span) == iso


def test_column_names_are_made_unique() -> None:
    assert column_names(["id", "id", "name", "id", "id_2"]) == [
        "id",
        "id_2",
        "name",
        "id_3",
        "id_2_2",
    ]


def test_a_typed_column_is_planned_by_its_first_value() -> None:
    converter = RowConverter(["a", "b", "c"], decimals="number", dialect="postgresql")
    rows = converter.rows([(None, "x", Decimal("1.5")), (b"\x01", "y", Decimal("2"))])
    assert rows == [{"a": None, "b": "x", "c": 1.5}, {"a": "AQ==", "b": "y", "c": 2}]


def test_an_untyped_sqlite_column_is_converted_value_by_value() -> None:
    converter = RowConverter(["v"], decimals="number", dialect="sqlite")
    assert converter.rows([("a",), (b"\x01",), (1,), (None,)]) == [
        {"v": "a"},
        {"v": "AQ=="},
        {"v": 1},
        {"v": None},
    ]
