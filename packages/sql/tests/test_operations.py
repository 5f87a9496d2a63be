"""The three operations through the job path (``run_job``: secrets, validation, output
mapping), against the real PostgreSQL and MariaDB of this machine and SQLite files; each
test on a table of its own."""

from __future__ import annotations

import base64
from typing import Any

from sql_databases import Database

from tasklink.sql import connector
from tasklink.testing import run_job


def ok(database: Database, operation: str, **variables: Any) -> dict[str, Any]:
    outcome = run_job(
        connector, {"connection": database.connection, **variables}, operation=operation
    )
    assert outcome.kind == "completed", outcome
    output: dict[str, Any] = outcome.output
    return output


def failed(database: Database, operation: str, **variables: Any) -> Any:
    outcome = run_job(
        connector, {"connection": database.connection, **variables}, operation=operation
    )
    assert outcome.kind == "failed", outcome
    return outcome


def orders(database: Database, table: str) -> None:
    database.run(
        f"CREATE TABLE {table} (id {database.auto_id}, customer VARCHAR(40) NOT NULL, "
        "total DECIMAL(10,2), placed DATE, note VARCHAR(100))",
        f"INSERT INTO {table} (customer, total, placed, note) VALUES "
        "('ada', 12.50, '2024-05-01', NULL), ('bob', 3.00, '2024-05-02', 'rush'), "
        "('ada', 99.99, '2024-05-03', 'it''s :fine')",
    )


def test_query_returns_rows_as_objects_with_bound_parameters(
    database: Database, table: str
) -> None:
    orders(database, table)
    out = ok(
        database,
        "query",
        statement=f"SELECT id, customer, total, placed, note FROM {table} "
        "WHERE customer = :customer ORDER BY id",
        parameters={"customer": "ada"},
    )
    assert out["columns"] == ["id", "customer", "total", "placed", "note"]
    assert (out["rowCount"], out["truncated"]) == (2, False)
    first, second = out["rows"]
    assert first["customer"] == "ada" and first["note"] is None
    assert first["total"] == 12.5 and second["total"] == 99.99  # DECIMAL as numbers
    if database.kind == "sqlite":
        assert first["placed"] == "2024-05-01"  # SQLite keeps the text it was given
    else:
        assert (first["placed"], second["placed"]) == ("2024-05-01", "2024-05-03")
    assert second["note"] == "it's :fine"  # a colon in data is data


def test_a_value_is_never_sql(database: Database, table: str) -> None:
    orders(database, table)
    attack = f"ada'; DROP TABLE {table}; --"
    out = ok(
        database,
        "query",
        statement=f"SELECT COUNT(*) AS n FROM {table} WHERE customer = :customer",
        parameters={"customer": attack},
    )
    assert out["rows"] == [{"n": 0}]
    assert database.fetch(f"SELECT COUNT(*) FROM {table}") == [(3,)]


def test_max_rows_truncates_and_says_so(database: Database, table: str) -> None:
    database.run(f"CREATE TABLE {table} (n INT)")
    database.run(f"INSERT INTO {table} (n) VALUES " + ", ".join(f"({i})" for i in range(1, 2501)))
    out = ok(database, "query", statement=f"SELECT n FROM {table} ORDER BY n", maxRows=1200)
    assert (out["rowCount"], out["truncated"]) == (1200, True)
    assert [r["n"] for r in out["rows"]] == list(range(1, 1201))
    out = ok(database, "query", statement=f"SELECT n FROM {table} ORDER BY n", maxRows=2500)
    assert (out["rowCount"], out["truncated"]) == (2500, False)


def test_decimals_as_text_keep_every_digit(server: Database) -> None:
    # (SQLite has no decimal type: its numbers are doubles already.)
    database = server
    statement = "SELECT CAST(12345678901234567.891 AS DECIMAL(30,3)) AS big, " + (
        "CAST(2.50 AS DECIMAL(5,2)) AS small"
    )
    out = ok(database, "query", statement=statement)
    # More digits than a double holds: text rather than a rounded number.
    assert out["rows"] == [{"big": "12345678901234567.891", "small": 2.5}]
    out = ok(database, "query", statement=statement, decimals="string")
    assert out["rows"] == [{"big": "12345678901234567.891", "small": "2.50"}]


def test_list_parameters_expand_after_in(database: Database, table: str) -> None:
    orders(database, table)
    out = ok(
        database,
        "query",
        statement=f"SELECT customer FROM {table} WHERE customer IN :names ORDER BY id",
        parameters={"names": ["bob", "nobody"]},
    )
    assert out["rows"] == [{"customer": "bob"}]


def test_an_object_parameter_is_bound_as_json_text(database: Database, table: str) -> None:
    json_type = {"postgresql": "JSONB", "mariadb": "JSON", "sqlite": "TEXT"}[database.kind]
    database.run(f"CREATE TABLE {table} (doc {json_type})")
    out = ok(
        database,
        "execute",
        statement=f"INSERT INTO {table} (doc) VALUES (:doc)",
        parameters={"doc": {"sku": "A-1", "qty": 2}},
    )
    assert out["affectedRows"] == 1
    out = ok(database, "query", statement=f"SELECT doc FROM {table}")
    doc = out["rows"][0]["doc"]
    if database.kind == "postgresql":
        assert doc == {"sku": "A-1", "qty": 2}  # JSONB comes back as JSON
    else:
        assert isinstance(doc, str) and '"sku"' in doc  # MariaDB's JSON is text


def test_execute_reports_rows_and_generated_keys(database: Database, table: str) -> None:
    orders(database, table)
    out = ok(
        database,
        "execute",
        statement=f"UPDATE {table} SET note = :note WHERE customer = :customer",
        parameters={"note": "vip", "customer": "ada"},
    )
    assert out == {"affectedRows": 2, "lastInsertId": None, "generatedKeys": [], "truncated": False}
    out = ok(
        database,
        "execute",
        statement=f"INSERT INTO {table} (customer, total) VALUES (:customer, :total)",
        parameters={"customer": "cy", "total": 1.25},
    )
    assert out["affectedRows"] == 1
    if database.kind == "postgresql":
        assert out["lastInsertId"] is None  # PostgreSQL tells through RETURNING
    else:
        assert out["lastInsertId"] == 4
    out = ok(
        database,
        "execute",
        statement=f"INSERT INTO {table} (customer) VALUES (:a), (:b) RETURNING id, customer",
        parameters={"a": "dee", "b": "eve"},
    )
    assert out["affectedRows"] == 2
    assert out["generatedKeys"] == [{"id": 5, "customer": "dee"}, {"id": 6, "customer": "eve"}]
    out = ok(database, "execute", statement=f"DELETE FROM {table} WHERE total IS NULL")
    assert out["affectedRows"] == 2
    assert database.fetch(f"SELECT COUNT(*) FROM {table}") == [(4,)]


def test_a_query_that_returns_no_rows_changes_nothing(database: Database, table: str) -> None:
    orders(database, table)
    outcome = failed(database, "query", statement=f"DELETE FROM {table}")
    assert (outcome.code, outcome.retries) == ("INVALID_INPUT", 0)
    assert "use the execute operation" in outcome.message
    assert database.fetch(f"SELECT COUNT(*) FROM {table}") == [(3,)]


def test_a_transaction_commits_every_statement(database: Database, table: str) -> None:
    orders(database, table)
    last_id = {
        "postgresql": "lastval()",
        "mariadb": "LAST_INSERT_ID()",
        "sqlite": ("last_insert_rowid()"),
    }[database.kind]
    out = ok(
        database,
        "transaction",
        statements=[
            {
                "statement": f"INSERT INTO {table} (customer, total) VALUES (:c, :t)",
                "parameters": {"c": "fay", "t": 10},
            },
            # The same connection: the database's own last id reaches the next statement.
            {"statement": f"UPDATE {table} SET note = 'first' WHERE id = {last_id}"},
            {"statement": f"SELECT customer, note FROM {table} WHERE note = 'first'"},
            {"statement": f"DELETE FROM {table} WHERE customer = :c", "parameters": {"c": "bob"}},
        ],
    )
    inserted, updated, selected, deleted = out["results"]
    assert inserted["affectedRows"] == 1 and updated["affectedRows"] == 1
    assert selected["rows"] == [{"customer": "fay", "note": "first"}]
    assert selected["columns"] == ["customer", "note"]
    assert deleted["affectedRows"] == 1
    assert out["affectedRows"] == 3
    assert database.fetch(f"SELECT customer FROM {table} ORDER BY id") == [
        ("ada",),
        ("ada",),
        ("fay",),
    ]


def test_a_failing_statement_rolls_the_transaction_back(database: Database, table: str) -> None:
    orders(database, table)
    outcome = failed(
        database,
        "transaction",
        statements=[
            {"statement": f"DELETE FROM {table} WHERE customer = 'ada'"},
            {"statement": f"INSERT INTO {table} (customer) VALUES ('gil')"},
            {"statement": f"INSERT INTO {table} (customer) VALUES (NULL)"},  # NOT NULL
            {"statement": f"DELETE FROM {table}"},
        ],
    )
    assert outcome.code == "CONFLICT"
    assert outcome.variables["statementIndex"] == 2
    assert "statement 3" in outcome.message
    assert database.fetch(f"SELECT COUNT(*) FROM {table}") == [(3,)]


def test_isolation_levels(database: Database, table: str) -> None:
    orders(database, table)
    levels = (
        ["serializable"]
        if database.kind == "sqlite"
        else [
            "read_committed",
            "repeatable_read",
            "serializable",
        ]
    )
    for level in levels:
        out = ok(
            database,
            "transaction",
            isolationLevel=level,
            statements=[{"statement": f"SELECT COUNT(*) AS n FROM {table}"}],
        )
        assert out["results"][0]["rows"] == [{"n": 3}]
    if database.kind == "sqlite":
        outcome = failed(
            database,
            "transaction",
            isolationLevel="repeatable_read",
            statements=[{"statement": "SELECT 1"}],
        )
        assert (outcome.code, outcome.retries) == ("INVALID_INPUT", 0)
        assert "isolationLevel" in outcome.message


def test_postgresql_values(postgres: Database) -> None:
    out = ok(
        postgres,
        "query",
        statement="SELECT CAST(:day AS date) + 1 AS next_day, "
        "CAST(:at AS timestamptz) AS at_utc, CAST(:local AS timestamp) AS local_time, "
        "'1 day 2 hours 3 seconds'::interval AS span, "
        "'6ecd8c99-4036-403d-bf84-cf8400f67836'::uuid AS id, '\\x00ff10'::bytea AS raw, "
        "'{\"a\"\\: [1, 2]}'::jsonb AS doc, ARRAY[1.5, 2]::numeric[] AS list, "
        "'NaN'::float8 AS nan, '-Infinity'::float8 AS minus_inf, 0.25::float4 AS quarter, "
        "'10:30'::time AS clock, '10:30+02'::timetz AS clock_tz, true AS yes, "
        "9007199254740993::bigint AS big",
        parameters={
            "day": "2024-02-28",
            "at": "2024-05-01T10:15:00+02:00",
            "local": "2024-05-01T10:15:00",
        },
    )
    assert out["rows"] == [
        {
            "next_day": "2024-02-29",
            "at_utc": "2024-05-01T08:15:00+00:00",
            "local_time": "2024-05-01T10:15:00",
            "span": "P1DT2H3S",
            "id": "6ecd8c99-4036-403d-bf84-cf8400f67836",
            "raw": base64.b64encode(b"\x00\xff\x10").decode(),
            "doc": {"a": [1, 2]},
            "list": [1.5, 2],
            "nan": "NaN",
            "minus_inf": "-Infinity",
            "quarter": 0.25,
            "clock": "10:30:00",
            "clock_tz": "10:30:00+02:00",
            "yes": True,
            "big": 9007199254740993,
        }
    ]


def test_postgresql_takes_dates_as_text_and_lists_as_arrays(postgres: Database, table: str) -> None:
    postgres.run(f"CREATE TABLE {table} (id INT, due DATE, at TIMESTAMPTZ, span INTERVAL)")
    ok(
        postgres,
        "execute",
        statement=f"INSERT INTO {table} VALUES (:id, :due, :at, :span)",
        parameters={"id": 1, "due": "2024-12-24", "at": "2024-12-24T18:00:00Z", "span": "PT90M"},
    )
    assert postgres.fetch(f"SELECT due::text, span::text FROM {table}") == [
        ("2024-12-24", "01:30:00")
    ]
    out = ok(
        postgres,
        "query",
        statement=f"SELECT id FROM {table} WHERE id = ANY(:ids)",
        parameters={"ids": [1, 2]},
    )
    assert out["rows"] == [{"id": 1}]


def test_mariadb_values(mariadb: Database) -> None:
    out = ok(
        mariadb,
        "query",
        statement="SELECT CAST('2024-05-01 10:15:00' AS DATETIME) AS at, "
        "CAST('10:30:01' AS TIME) AS clock, CAST('-01:00:00' AS TIME) AS earlier, "
        "UNHEX('00FF10') AS raw, CAST(1.5 AS DOUBLE) AS real_number, "
        "CAST(:day AS DATE) AS day",
        parameters={"day": "2024-05-01"},
    )
    assert out["rows"] == [
        {
            "at": "2024-05-01T10:15:00",
            "clock": "10:30:01",
            "earlier": "-01:00:00",
            "raw": base64.b64encode(b"\x00\xff\x10").decode(),
            "real_number": 1.5,
            "day": "2024-05-01",
        }
    ]


def test_sqlite_columns_may_mix_types(sqlite: Database, table: str) -> None:
    sqlite.run(
        f"CREATE TABLE {table} (v)",
        f"INSERT INTO {table} VALUES (1), ('two'), (x'00ff'), (NULL), (2.5)",
    )
    out = ok(sqlite, "query", statement=f"SELECT v FROM {table} ORDER BY rowid")
    assert [r["v"] for r in out["rows"]] == [1, "two", "AP8=", None, 2.5]


def test_sqlite_in_memory(sqlite_dir: object) -> None:
    out = run_job(
        connector,
        {"connection": {"type": "url", "url": "sqlite://"}, "statement": "SELECT 1 + 1 AS two"},
        operation="query",
    )
    assert out.kind == "completed" and out.output["rows"] == [{"two": 2}]


def test_detailed_connection(postgres_url: str, mariadb_url: str) -> None:
    for kind, url in (("postgresql", postgres_url), ("mariadb", mariadb_url)):
        address = url.split("@", 1)[1].split("/", 1)[0]
        host, port = address.rsplit(":", 1)
        connection = {
            "type": "detailed",
            "databaseType": kind,
            "host": host,
            "port": int(port),
            "database": "test",
            "username": "postgres" if kind == "postgresql" else "root",
        }
        out = run_job(
            connector,
            {"connection": connection, "statement": "SELECT 7 AS seven"},
            operation="query",
        )
        assert out.kind == "completed" and out.output["rows"] == [{"seven": 7}], out
