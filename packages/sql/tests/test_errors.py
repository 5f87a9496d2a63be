"""Failures reach the process with the connector's stable codes, against the real
databases: what each database reports, read into a code, whether a retry may help, and
the database's own state or number in the variables."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sql_databases import MARIADB, POSTGRES, Database

from tasklink.sql import connector
from tasklink.testing import arun_job, run_job


def fail(connection: dict[str, Any], operation: str = "query", **variables: Any) -> Any:
    outcome = run_job(connector, {"connection": connection, **variables}, operation=operation)
    assert outcome.kind == "failed", outcome
    return outcome


def test_syntax_errors(database: Database) -> None:
    outcome = fail(database.connection, statement="SELEC 1")
    assert (outcome.code, outcome.retries) == ("SQL_SYNTAX_ERROR", 0)
    assert "SELEC" in outcome.message
    expected = {
        "postgresql": ("sqlState", "42601"),
        "mariadb": ("errorNumber", 1064),
        "sqlite": ("sqliteError", "SQLITE_ERROR"),
    }[database.kind]
    assert outcome.variables[expected[0]] == expected[1]
    missing = fail(database.connection, statement="SELECT * FROM no_such_table_here")
    assert missing.code == "SQL_SYNTAX_ERROR"


def test_constraint_violations_are_conflicts(database: Database, table: str) -> None:
    parent = f"{table}_p"
    database.run(
        f"CREATE TABLE {parent} (id INT PRIMARY KEY)",
        f"INSERT INTO {parent} VALUES (1)",
        f"CREATE TABLE {table} (id INT PRIMARY KEY, code VARCHAR(10) UNIQUE NOT NULL, "
        f"qty INT CHECK (qty > 0), parent INT REFERENCES {parent} (id))",
        f"INSERT INTO {table} VALUES (1, 'a', 1, 1)",
    )
    try:
        cases = {
            "unique": f"INSERT INTO {table} VALUES (2, 'a', 1, 1)",
            "not null": f"INSERT INTO {table} VALUES (3, NULL, 1, 1)",
            "check": f"INSERT INTO {table} VALUES (4, 'd', 0, 1)",
            "foreign key": f"INSERT INTO {table} VALUES (5, 'e', 1, 99)",
        }
        for what, statement in cases.items():
            outcome = fail(database.connection, "execute", statement=statement)
            assert (outcome.code, outcome.retries) == ("CONFLICT", 0), (what, outcome)
        unique = fail(database.connection, "execute", statement=cases["unique"])
        if database.kind == "postgresql":
            assert unique.variables["sqlState"] == "23505"
            assert unique.variables["constraint"] == f"{table}_code_key"
            assert "already exists" in unique.message  # the server's detail
        elif database.kind == "mariadb":
            assert unique.variables["errorNumber"] == 1062
        else:
            assert unique.variables["sqliteError"] == "SQLITE_CONSTRAINT_UNIQUE"
        assert database.fetch(f"SELECT COUNT(*) FROM {table}") == [(1,)]
    finally:
        database.run(f"DROP TABLE IF EXISTS {table}", f"DROP TABLE IF EXISTS {parent}")


def test_values_that_do_not_fit(server: Database, table: str) -> None:
    server.run(f"CREATE TABLE {table} (small SMALLINT, word VARCHAR(3))")
    for statement in (
        f"INSERT INTO {table} (small) VALUES (100000)",
        f"INSERT INTO {table} (word) VALUES ('toolong')",
    ):
        outcome = fail(server.connection, "execute", statement=statement)
        assert (outcome.code, outcome.retries) == ("DATA_ERROR", 0), outcome
    if server.kind == "postgresql":
        outcome = fail(server.connection, statement="SELECT 1 / 0 AS n")
        assert outcome.variables["sqlState"] == "22012"


def test_a_value_sqlite_cannot_bind(sqlite: Database) -> None:
    outcome = fail(sqlite.connection, statement="SELECT :v AS v", parameters={"v": [1, 2]})
    assert (outcome.code, outcome.retries) == ("DATA_ERROR", 0)


@contextlib.contextmanager
def _closed_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]  # bound, not listening: connections are refused


@pytest.mark.parametrize("scheme", ["postgresql", "mariadb"])
def test_a_refused_connection_is_retried(scheme: str) -> None:
    with _closed_port() as port:
        outcome = fail(
            {"type": "url", "url": f"{scheme}://app@127.0.0.1:{port}/test"},
            statement="SELECT 1",
        )
    assert (outcome.code, outcome.retries) == ("CONNECTION_FAILED", 2)
    assert outcome.message.startswith("cannot connect to ")
    assert f"127.0.0.1:{port}" in outcome.message


def test_a_missing_database_is_not_retried(server: Database) -> None:
    url = server.connection["url"].rsplit("/", 1)[0] + f"/nodb_{uuid.uuid4().hex[:8]}"
    outcome = fail({"type": "url", "url": url}, statement="SELECT 1")
    assert (outcome.code, outcome.retries) == ("CONNECTION_FAILED", 0)


def test_postgresql_refuses_an_unknown_role() -> None:
    outcome = fail(
        {"type": "url", "url": f"postgresql://nobody_{uuid.uuid4().hex[:8]}@{POSTGRES}/test"},
        statement="SELECT 1",
    )
    assert (outcome.code, outcome.retries) == ("AUTHENTICATION_FAILED", 0)
    assert outcome.variables["sqlState"] == "28000"


@pytest.fixture
def mariadb_user(mariadb: Database, table: str) -> Iterator[tuple[str, str]]:
    """A MariaDB user with a password, allowed to read ``table`` only."""
    user, password = f"tl_{uuid.uuid4().hex[:10]}", f"pw-{uuid.uuid4().hex}"
    mariadb.run(
        f"CREATE TABLE {table} (id INT)",
        f"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'",
        f"CREATE USER '{user}'@'localhost' IDENTIFIED BY '{password}'",
        f"GRANT SELECT ON test.{table} TO '{user}'@'%'",
        f"GRANT SELECT ON test.{table} TO '{user}'@'localhost'",
    )
    try:
        yield user, password
    finally:
        mariadb.run(
            f"DROP USER IF EXISTS '{user}'@'%'", f"DROP USER IF EXISTS '{user}'@'localhost'"
        )


def test_mariadb_logins_and_permissions(mariadb_user: tuple[str, str], table: str) -> None:
    user, password = mariadb_user
    connection = {"type": "url", "url": f"mariadb://{user}@{MARIADB}/test", "password": password}
    read = run_job(
        connector,
        {"connection": connection, "statement": f"SELECT * FROM {table}"},
        operation="query",
    )
    assert read.kind == "completed", read
    denied = fail(connection, "execute", statement=f"INSERT INTO {table} VALUES (1)")
    assert (denied.code, denied.retries) == ("PERMISSION_DENIED", 0)
    assert denied.variables["errorNumber"] == 1142
    refused = fail({**connection, "password": "not-the-password"}, statement="SELECT 1")
    assert (refused.code, refused.retries) == ("AUTHENTICATION_FAILED", 0)
    assert refused.variables["errorNumber"] == 1045
    assert "not-the-password" not in refused.message


def test_postgresql_permissions(postgres: Database, table: str) -> None:
    role = f"tl_{uuid.uuid4().hex[:10]}"
    postgres.run(f"CREATE TABLE {table} (id INT)", f"CREATE ROLE {role} LOGIN")
    try:
        outcome = fail(
            {"type": "url", "url": f"postgresql://{role}@{POSTGRES}/test"},
            statement=f"SELECT * FROM {table}",
        )
        assert (outcome.code, outcome.retries) == ("PERMISSION_DENIED", 0)
        assert outcome.variables["sqlState"] == "42501"
    finally:
        postgres.run(f"DROP ROLE IF EXISTS {role}")


def test_statements_over_the_time_limit(database: Database) -> None:
    slow = {
        "postgresql": "SELECT pg_sleep(5)",
        "mariadb": "SELECT SLEEP(5) AS s",
        "sqlite": "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c "
        "WHERE n < 1000000000) SELECT COUNT(*) AS n FROM c",
    }[database.kind]
    outcome = fail(database.connection, statement=slow, timeoutInSeconds=0.5)
    assert (outcome.code, outcome.retries) == ("TIMEOUT", 2)
    # The database cancelled it: the pooled connection goes on serving.
    expected = {
        "postgresql": ("sqlState", "57014"),
        "mariadb": ("errorNumber", 1969),
        "sqlite": ("sqliteError", "SQLITE_INTERRUPT"),
    }[database.kind]
    assert outcome.variables[expected[0]] == expected[1]


@contextlib.asynccontextmanager
async def _silent_server() -> AsyncIterator[int]:
    """A TCP server that accepts connections and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.close()
        server.close()


async def test_a_server_that_never_answers_times_out() -> None:
    async with _silent_server() as port:
        connection = {"type": "url", "url": f"postgresql://app@127.0.0.1:{port}/test"}
        # No connection within connectTimeoutInSeconds.
        outcome = await arun_job(
            connector,
            {"connection": connection, "statement": "SELECT 1", "connectTimeoutInSeconds": 0.5},
            operation="query",
        )
        assert (outcome.kind, outcome.code) == ("failed", "TIMEOUT"), outcome
        # The client's deadline (timeoutInSeconds plus a second), below the connect timeout.
        outcome = await arun_job(
            connector,
            {
                "connection": {
                    **connection,
                    "url": connection["url"].replace("postgresql", "mariadb"),
                },
                "statement": "SELECT 1",
                "connectTimeoutInSeconds": 60,
                "timeoutInSeconds": 0.2,
            },
            operation="query",
        )
        assert (outcome.kind, outcome.code, outcome.retries) == ("failed", "TIMEOUT", 2), outcome


async def test_a_lock_held_elsewhere(postgres: Database, mariadb: Database, table: str) -> None:
    import aiomysql
    import asyncpg

    host, port = POSTGRES.rsplit(":", 1)
    for database in (postgres, mariadb):
        await asyncio.to_thread(
            database.run,
            f"CREATE TABLE {table} (id INT PRIMARY KEY, n INT)",
            f"INSERT INTO {table} VALUES (1, 0)",
        )
    holder = await asyncpg.connect(
        host=host, port=int(port), user="postgres", database="test", password=""
    )
    my_host, my_port = MARIADB.rsplit(":", 1)
    my_holder = await aiomysql.connect(
        host=my_host, port=int(my_port), user="root", password="", db="test"
    )
    try:
        await holder.execute("BEGIN")
        await holder.execute(f"SELECT * FROM {table} FOR UPDATE")
        outcome = await arun_job(
            connector,
            {
                "connection": postgres.connection,
                "statement": f"SELECT * FROM {table} FOR UPDATE NOWAIT",
            },
            operation="query",
        )
        assert (outcome.code, outcome.retries) == ("DEADLOCK", 2), outcome
        assert outcome.variables["sqlState"] == "55P03"
        async with my_holder.cursor() as cursor:
            await cursor.execute("BEGIN")
            await cursor.execute(f"SELECT * FROM {table} FOR UPDATE")
        outcome = await arun_job(
            connector,
            {
                "connection": mariadb.connection,
                "statements": [
                    {"statement": "SET SESSION innodb_lock_wait_timeout = 1"},
                    {"statement": f"UPDATE {table} SET n = 1"},
                ],
            },
            operation="transaction",
        )
        assert (outcome.code, outcome.retries) == ("DEADLOCK", 2), outcome
        assert outcome.variables["errorNumber"] == 1205
        assert outcome.variables["statementIndex"] == 1
    finally:
        await holder.close()
        await my_holder.ensure_closed()


class _OracleError:
    def __init__(self, full_code: str) -> None:
        self.full_code = full_code


def test_errors_of_the_optional_drivers_are_read_too() -> None:
    from tasklink.sql._errors import classify

    # python-oracledb carries an error object with its ORA- code.
    oracle = type("DatabaseError", (Exception,), {"__module__": "oracledb.exceptions"})
    assert classify(oracle(_OracleError("ORA-00001"))) == (
        "CONFLICT",
        False,
        {"oracleError": "ORA-00001"},
    )
    assert classify(oracle(_OracleError("ORA-00060")))[:2] == ("DEADLOCK", True)
    # pyodbc (SQL Server) puts the SQLSTATE first.
    odbc = type("IntegrityError", (Exception,), {"__module__": "pyodbc"})
    assert classify(odbc("23000", "[23000] Violation of PRIMARY KEY constraint"))[:2] == (
        "CONFLICT",
        False,
    )
    assert classify(odbc("42S02", "Invalid object name"))[0] == "SQL_SYNTAX_ERROR"
    # A driver's error over a refused connection.
    wrapped = RuntimeError("cannot connect")
    wrapped.__cause__ = ConnectionRefusedError(111, "refused")
    assert classify(wrapped)[:2] == ("CONNECTION_FAILED", True)
