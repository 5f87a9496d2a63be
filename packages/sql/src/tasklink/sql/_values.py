"""Rows as JSON objects: column values converted to what process variables hold.

=====================  =============================================================
database value         JSON
=====================  =============================================================
DECIMAL, NUMERIC       a number, exact up to 15 significant digits (what a double, the
                       number of Zeebe and most JSON readers, holds exactly); longer
                       values as text, so no digit is lost silently. ``decimals:
                       "string"``: always text. NaN and infinities: text.
float NaN, infinity    text (``"NaN"``, ``"Infinity"``): JSON has no such numbers
date, time, timestamp  ISO 8601 text (``2024-05-01``, ``2024-05-01T10:15:00+00:00``;
                       PostgreSQL's are read as text in UTC, see :mod:`._engines`)
interval (PostgreSQL)  ISO 8601 duration (``P1DT2H``)
TIME (MySQL)           ``HH:MM:SS[.ffffff]`` (the driver reads it as a duration)
UUID                   text
bytes (BLOB, bytea)    base64 text
JSON, JSONB            the JSON value itself (MySQL's JSON type too; MariaDB stores
                       JSON as text and it comes as text)
arrays (PostgreSQL)    lists, their items converted alike
anything else          its text (``inet``, geometric types, ranges...)
=====================  =============================================================

Camunda's JDBC connector returns what Jackson makes of the JDBC objects: BigDecimal as
a JSON number with every digit (then a double in Zeebe), dates as ISO text.

The conversion is planned per column on the first rows: a column of a typed database
(everything but SQLite, whose columns may mix types) whose values are plain JSON is not
looked at again, so a result of text and integer columns costs one ``dict`` per row.
"""

from __future__ import annotations

import base64
import math
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Context, Decimal
from typing import Any

__all__ = ["PgNumeric", "RowConverter", "column_names", "duration", "json_value"]

#: Types whose values are JSON as they are (float is not: NaN and infinities are not).
_PLAIN = frozenset({str, int, bool, type(None)})
#: Significant digits a double holds exactly.
_DOUBLE_DIGITS = 15


def duration(value: timedelta) -> str:
    """An ISO 8601 duration (``P1DT2H30M``, ``-PT0.5S``)."""
    total = value.days * 86400 + value.seconds
    micros = value.microseconds
    sign = ""
    if total < 0:
        sign = "-"
        total, micros = -total - (1 if micros else 0), (1_000_000 - micros) % 1_000_000
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{sign}P{days}D" if days else f"{sign}P"
    clock = ""
    if hours:
        clock += f"{hours}H"
    if minutes:
        clock += f"{minutes}M"
    if seconds or micros or not (days or clock):
        clock += f"{seconds}.{micros:06d}".rstrip("0").rstrip(".") + "S"
    return f"{text}T{clock}" if clock else text


def _clock(value: timedelta) -> str:
    """MySQL's TIME (read as a duration by the driver) as ``[-]HH:MM:SS[.ffffff]``."""
    total = value.days * 86400 + value.seconds
    micros = value.microseconds
    sign = ""
    if total < 0:
        sign = "-"
        total, micros = -total - (1 if micros else 0), (1_000_000 - micros) % 1_000_000
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    fraction = f".{micros:06d}" if micros else ""
    return f"{sign}{hours:02d}:{minutes:02d}:{seconds:02d}{fraction}"


#: Rounds to the significant digits a double holds: a decimal that comes out equal fits.
_DOUBLE = Context(prec=_DOUBLE_DIGITS)


def _decimal_number(value: Decimal) -> Any:
    if value.is_finite() and value.adjusted() < _DOUBLE_DIGITS and _DOUBLE.plus(value) == value:
        number = float(value)
        return int(number) if number.is_integer() else number
    return _decimal_text(value)


def _decimal_text(value: Decimal) -> str:
    if not value.is_finite():
        return str(_special(float(value)))
    return str(value)


class PgNumeric(str):
    """A PostgreSQL ``numeric`` as the exact text the server sent (see :mod:`._engines`):
    cheaper to read than a ``Decimal``, and converted like one."""

    __slots__ = ()


def _numeric_number(text: str) -> Any:
    digits = len(text) - (text[0] == "-") - ("." in text)
    if digits <= _DOUBLE_DIGITS and text[-1].isdigit():
        number = float(text)
        return int(number) if number.is_integer() else number
    return _decimal_number(Decimal(text))  # many digits (or NaN): decided exactly


def _numeric_text(text: str) -> str:
    return str(text) if text[-1].isdigit() else _decimal_text(Decimal(text))


def _finite(value: float) -> Any:
    # x - x is 0.0 for every finite float, NaN for NaN and infinities.
    return value if value - value == 0.0 else _special(value)


def _special(value: float) -> Any:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def _bytes(value: Any) -> str:
    return base64.b64encode(bytes(value)).decode("ascii")


def json_value(value: Any, *, decimals: str = "number", dialect: str = "postgresql") -> Any:
    """One database value as JSON (see the module's table)."""
    return _converter(type(value), decimals, dialect)(value)


def _converter(kind: type, decimals: str, dialect: str) -> Callable[[Any], Any]:
    """The conversion of values of type ``kind`` (for subclasses too)."""
    if kind in _PLAIN:
        return _same
    if kind is PgNumeric:
        return _numeric_number if decimals == "number" else _numeric_text
    if issubclass(kind, float):
        return _finite
    if issubclass(kind, Decimal):
        return _decimal_number if decimals == "number" else _decimal_text
    if issubclass(kind, datetime | date | time):
        return _isoformat
    if issubclass(kind, timedelta):
        return _clock if dialect in ("mysql", "mariadb") else duration
    if issubclass(kind, uuid.UUID):
        return str
    if issubclass(kind, bytes | bytearray | memoryview):
        return _bytes
    if issubclass(kind, str | int):  # str and int subclasses: bool is plain already
        return _same if issubclass(kind, str) else int
    if issubclass(kind, dict):
        return _same  # decoded JSON: plain already
    if issubclass(kind, list | tuple):

        def nested(value: Any) -> Any:
            return [json_value(item, decimals=decimals, dialect=dialect) for item in value]

        return nested
    return str


def _same(value: Any) -> Any:
    return value


def _isoformat(value: date | time) -> str:
    return value.isoformat()


def column_names(keys: Iterable[str]) -> list[str]:
    """Column names made unique, as row objects need them: a second ``id`` becomes
    ``id_2`` (``SELECT a.id, b.id``)."""
    seen: dict[str, int] = {}
    names: list[str] = []
    for key in keys:
        name = str(key)
        if name in seen:
            count = seen[name] + 1
            while f"{name}_{count}" in seen:
                count += 1
            seen[name] = count
            name = f"{name}_{count}"
        seen[name] = 1
        names.append(name)
    return names


class RowConverter:
    """Turns driver rows into JSON objects, planning the work per column."""

    def __init__(self, names: Sequence[str], *, decimals: str, dialect: str) -> None:
        self.names = list(names)
        self._decimals = decimals
        self._dialect = dialect
        # Typed databases keep one type per column: its first value's type decides how
        # the column is converted. SQLite's columns may mix types: each value decides.
        self._typed = dialect != "sqlite"
        self._pending = list(range(len(self.names)))  # columns without a value seen yet
        self._columns: list[tuple[int, Callable[[Any], Any]]] = []  # (index, converter)
        self._untyped: list[int] = []  # SQLite columns converted value by value
        self._converters: dict[type, Callable[[Any], Any]] = {}

    def _converter_of(self, kind: type) -> Callable[[Any], Any]:
        converter = self._converters.get(kind)
        if converter is None:
            converter = self._converters[kind] = _converter(kind, self._decimals, self._dialect)
        return converter

    def _plan(self, row: Sequence[Any]) -> None:
        still: list[int] = []
        for index in self._pending:
            kind = type(row[index])
            if kind is type(None):
                still.append(index)
            elif not self._typed:
                self._untyped.append(index)
            elif kind not in _PLAIN:
                self._columns.append((index, self._converter_of(kind)))
        self._pending = still

    def _any(self, value: Any) -> Any:
        return self._converter_of(type(value))(value)

    def rows(self, rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
        """The rows as objects by column name, converted column by column (a column's
        values in one comprehension cost less than each row's in a loop)."""
        batch = rows if isinstance(rows, list) else list(rows)
        names = self.names
        if not batch or not names:
            return [{} for _ in batch]
        for row in batch:
            if not self._pending:
                break
            self._plan(row)
        # zip() without strict=: the keyword costs a quarter of each row's dict, and the
        # rows of a result have the width of its names by construction.
        if not self._columns and not self._untyped:
            return [dict(zip(names, row)) for row in batch]  # noqa: B905
        columns: list[Sequence[Any]] = list(zip(*batch))  # noqa: B905
        for index, convert in self._columns:
            columns[index] = [None if value is None else convert(value) for value in columns[index]]
        plain, any_value = _PLAIN, self._any
        for index in self._untyped:
            columns[index] = [
                value if type(value) in plain else any_value(value) for value in columns[index]
            ]
        return [dict(zip(names, row)) for row in zip(*columns)]  # noqa: B905
