"""What a process may not do or see: passwords never leave the runtime (also where a
driver repeats what it was given), SQLite opens only files in the operator's folders,
and no URL can switch on a driver option that reaches the runtime's files."""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sql_databases import MARIADB, POSTGRES, Database

from tasklink.core import Redactor
from tasklink.sql import connector
from tasklink.sql._errors import scrub, sql_error
from tasklink.testing import run_job


def run(variables: dict[str, Any], operation: str = "query", **options: Any) -> Any:
    return run_job(connector, variables, operation=operation, **options)


def seen(outcome: Any, caplog: pytest.LogCaptureFixture) -> str:
    """Everything of a job that leaves the runtime: its outcome and its log."""
    return repr(outcome) + json.dumps(getattr(outcome, "output", None), default=str) + caplog.text


def test_a_secret_a_driver_repeats_in_its_error_is_masked(
    postgres: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "s3cret-api-key-7f21c0"
    # asyncpg refuses text for an integer parameter and quotes the value it was given.
    outcome = run(
        {
            "connection": postgres.connection,
            "statement": "SELECT CAST(:n AS INT) + 1 AS n",
            "parameters": {"n": "{{secrets.API_KEY}}"},
        },
        secrets={"API_KEY": secret},
    )
    assert outcome.kind == "failed", outcome
    assert "***" in outcome.message  # the driver did quote it: masked
    assert secret not in seen(outcome, caplog)


@pytest.fixture
def mariadb_login(mariadb: Database) -> Iterator[tuple[str, str]]:
    user, password = f"tl_{uuid.uuid4().hex[:10]}", f"Pw-{uuid.uuid4().hex}"
    for host in ("%", "localhost"):
        mariadb.run(
            f"CREATE USER '{user}'@'{host}' IDENTIFIED BY '{password}'",
            f"GRANT SELECT ON test.* TO '{user}'@'{host}'",
        )
    try:
        yield user, password
    finally:
        for host in ("%", "localhost"):
            mariadb.run(f"DROP USER IF EXISTS '{user}'@'{host}'")


def test_a_password_written_into_the_url_is_taken_as_a_secret(
    mariadb_login: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user, password = mariadb_login
    url = f"mariadb://{user}:{password}@{MARIADB}/test"
    ok = run({"connection": {"type": "url", "url": url}, "statement": "SELECT CURRENT_USER() AS u"})
    assert ok.kind == "completed", ok
    assert ok.output["rows"][0]["u"].startswith(user)
    # A failure names the database by its URL, without the password.
    missing = run(
        {"connection": {"type": "url", "url": url}, "statement": "SELECT * FROM nowhere_x"}
    )
    assert missing.code == "SQL_SYNTAX_ERROR"
    assert f"mariadb://{user}@" in missing.message
    assert password not in seen(ok, caplog) + seen(missing, caplog)
    twice = run(
        {"connection": {"type": "url", "url": url, "password": "x"}, "statement": "SELECT 1"}
    )
    assert (twice.code, twice.retries) == ("INVALID_INPUT", 0)
    assert "give it once" in twice.message and password not in twice.message


def test_an_invalid_url_is_never_repeated() -> None:
    secret_url = "postgres://app:hunter2-very-secret@db.example.com:99999/x"
    outcome = run({"connection": {"type": "url", "url": secret_url}, "statement": "SELECT 1"})
    assert (outcome.code, outcome.retries) == ("INVALID_INPUT", 0)
    assert "connection.url" in outcome.message and "port" in outcome.message
    assert "hunter2" not in repr(outcome)


def test_a_driver_message_holding_a_url_password_is_scrubbed() -> None:
    class DriverError(Exception):
        pass

    error = sql_error(
        DriverError("could not use postgresql://app:pa55word@db:5432/x; password=pa55word"),
        dialect="postgresql",
        where="postgresql://app@db:5432/x",
    )
    assert "pa55word" not in error.message
    assert "postgresql://app:***@db" in error.message and "password=***" in error.message
    assert scrub("jdbc:mysql://u:p@h/d") == "jdbc:mysql://u:***@h/d"
    # The runtime's redactor masks what it knows besides: a password given as a secret.
    redactor = Redactor()
    redactor.add("pa55word-long")
    assert "pa55word-long" not in redactor.redact(
        sql_error(DriverError("login failed for pa55word-long"), dialect="mysql", where="w").message
    )


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("postgresql://app@h/db?sslmode=disable", "sslmode"),
        ("mysql://app@h/db?local_infile=1", "local_infile"),
        ("mysql://app@h/db?read_default_file=/etc/mysql/my.cnf", "read_default_file"),
        ("mysql://app@h/db?password=x", "password option"),
        ("sqlite:///x.db?mode=rw", "no options"),
        ("ftp://app@h/db", "must start with"),
    ],
)
def test_urls_cannot_switch_on_driver_options(url: str, problem: str) -> None:
    outcome = run({"connection": {"type": "url", "url": url}, "statement": "SELECT 1"})
    assert (outcome.code, outcome.retries) == ("INVALID_INPUT", 0)
    assert "connection.url" in outcome.message and problem in outcome.message


@pytest.mark.parametrize(
    ("connection", "field"),
    [
        (
            {
                "type": "detailed",
                "databaseType": "postgresql",
                "host": "/var/run/postgresql",
                "username": "postgres",
            },
            "connection.host",
        ),
        ({"type": "detailed", "databaseType": "mysql", "username": "root"}, "connection.host"),
        ({"type": "url", "url": "postgresql://127.0.0.1:5432/test"}, "connection.username"),
    ],
)
def test_no_ambient_connection(connection: dict[str, Any], field: str) -> None:
    # No Unix socket (the runtime's own identity), no user taken from the environment.
    outcome = run({"connection": connection, "statement": "SELECT 1"})
    assert outcome.kind == "failed" and outcome.retries == 0, outcome
    assert outcome.message.startswith(field), outcome.message


def test_mariadb_never_sends_local_files(mariadb: Database, table: str) -> None:
    mariadb.run(f"CREATE TABLE {table} (line TEXT)")
    outcome = run(
        {
            "connection": mariadb.connection,
            "statement": f"LOAD DATA LOCAL INFILE '/etc/hostname' INTO TABLE {table}",
        },
        "execute",
    )
    assert outcome.kind == "failed", outcome
    assert mariadb.fetch(f"SELECT COUNT(*) FROM {table}") == [(0,)]


# -- SQLite's files ---------------------------------------------------------------------


def _sqlite(path: str) -> dict[str, Any]:
    return {"type": "url", "url": f"sqlite:///{path}"}


def test_sqlite_files_need_the_operators_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TASKLINK_SQL_SQLITE_DIRS", raising=False)
    target = tmp_path / "x.db"
    outcome = run({"connection": _sqlite(str(target)), "statement": "SELECT 1"})
    assert (outcome.code, outcome.retries) == ("INVALID_INPUT", 0)
    assert (
        "TASKLINK_SQL_SQLITE_DIRS" in outcome.message and "no folder is allowed" in outcome.message
    )
    assert not target.exists()
    detailed = {"type": "detailed", "databaseType": "sqlite", "database": str(target)}
    outcome = run({"connection": detailed, "statement": "SELECT 1"})
    assert outcome.message.startswith("connection.database:")


def test_sqlite_files_outside_the_folders_are_refused(sqlite_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.db"
    escape = sqlite_dir / "link.db"
    escape.symlink_to(outside)
    for path in (str(outside), f"{sqlite_dir}/../outside.db", str(escape), "relative.db"):
        outcome = run({"connection": _sqlite(path), "statement": "SELECT 1"})
        assert (outcome.code, outcome.retries) == ("INVALID_INPUT", 0), path
        assert "outside them" in outcome.message
    assert not outside.exists()
    inside = run({"connection": _sqlite(str(sqlite_dir / "in.db")), "statement": "SELECT 1 AS a"})
    assert inside.kind == "completed"
    folder = run({"connection": _sqlite(str(sqlite_dir)), "statement": "SELECT 1"})
    assert "is a folder" in folder.message


def test_sqlite_cannot_open_other_files_from_sql(sqlite: Database, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    for statement in (
        f"ATTACH DATABASE '{other}' AS other",
        f"VACUUM INTO '{other}'",
    ):
        outcome = run({"connection": sqlite.connection, "statement": statement}, "execute")
        assert (outcome.code, outcome.retries) == ("PERMISSION_DENIED", 0), statement
    assert not other.exists()


def test_sqlite_relative_paths_resolve_from_the_working_directory(
    sqlite_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(sqlite_dir)
    outcome = run(
        {"connection": _sqlite("shop.db"), "statement": "CREATE TABLE t (a INT)"}, "execute"
    )
    assert outcome.kind == "completed", outcome
    assert (sqlite_dir / "shop.db").is_file()
    assert os.path.samefile(Path.cwd(), sqlite_dir)


def test_tls_that_is_asked_for_is_never_skipped(server: Database) -> None:
    # Whatever the server offers: with tls require, a session runs encrypted or not at all
    # (aiomysql alone would carry on in the clear with a server without TLS).
    check = {
        "postgresql": "SELECT ssl AS encrypted FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        "mariadb": "SELECT VARIABLE_VALUE <> '' AS encrypted FROM "
        "information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'SSL_CIPHER'",
    }[server.kind]
    outcome = run({"connection": server.connection, "statement": check, "tls": "require"})
    if outcome.kind == "completed":
        assert outcome.output["rows"][0]["encrypted"] in (True, 1), outcome
    else:
        assert (outcome.code, outcome.retries) == ("TLS_FAILED", 0), outcome
        assert "does not offer TLS" in outcome.message
    plain = run({"connection": server.connection, "statement": "SELECT 1 AS one", "tls": "disable"})
    assert plain.kind == "completed", plain


@pytest.mark.parametrize("scheme", ["postgresql", "mariadb"])
def test_metadata_and_blocked_hosts_are_refused_before_connecting(
    scheme: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Process data names the host: the cloud metadata service is never a database, and
    # the operator's blocked networks hold for databases too (private ones stay open).
    metadata = run(
        {
            "connection": {"type": "url", "url": f"{scheme}://u:p@169.254.169.254:5432/test"},
            "statement": "SELECT 1",
        }
    )
    assert (metadata.code, metadata.retries) == ("BLOCKED_ADDRESS", 0)
    assert "refused by the outbound policy" in metadata.message
    monkeypatch.setenv("TASKLINK_HTTP_BLOCKED_NETWORKS", "127.0.0.0/8")
    address = POSTGRES if scheme == "postgresql" else MARIADB
    blocked = run(
        {
            "connection": {"type": "url", "url": f"{scheme}://u:p@{address}/test"},
            "statement": "SELECT 1",
        }
    )
    assert (blocked.code, blocked.retries) == ("BLOCKED_ADDRESS", 0)
