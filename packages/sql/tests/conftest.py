"""Fixtures of the connector's tests: the real PostgreSQL and MariaDB of this machine
(started by ``tests/setup_databases.sh``; see :mod:`sql_databases`), SQLite files in
temporary folders, and tables with names of their own, dropped after each test."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sql_databases import MARIADB, POSTGRES, Database, require


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The URL of the test database on PostgreSQL (no password: local trust auth)."""
    require(POSTGRES, "PostgreSQL")
    return f"postgresql://postgres@{POSTGRES}/test"


@pytest.fixture(scope="session")
def mariadb_url() -> str:
    """The URL of the test database on MariaDB (root without a password)."""
    require(MARIADB, "MariaDB")
    return f"mariadb://root@{MARIADB}/test"


@pytest.fixture
def sqlite_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder the operator allows SQLite files in (``TASKLINK_SQL_SQLITE_DIRS``)."""
    folder = tmp_path / "databases"
    folder.mkdir()
    monkeypatch.setenv("TASKLINK_SQL_SQLITE_DIRS", str(folder))
    return folder


@pytest.fixture
def postgres(postgres_url: str) -> Database:
    return Database("postgresql", {"type": "url", "url": postgres_url})


@pytest.fixture
def mariadb(mariadb_url: str) -> Database:
    return Database("mariadb", {"type": "url", "url": mariadb_url})


@pytest.fixture
def sqlite(sqlite_dir: Path) -> Database:
    path = sqlite_dir / "test.db"
    return Database("sqlite", {"type": "url", "url": f"sqlite:///{path}"}, path)


@pytest.fixture(params=["postgresql", "mariadb", "sqlite"])
def database(request: pytest.FixtureRequest) -> Database:
    """Each of the three databases in turn."""
    fixture: Database = request.getfixturevalue(
        {"postgresql": "postgres", "mariadb": "mariadb", "sqlite": "sqlite"}[request.param]
    )
    return fixture


@pytest.fixture(params=["postgresql", "mariadb"])
def server(request: pytest.FixtureRequest) -> Database:
    """Each database server in turn (not SQLite)."""
    fixture: Database = request.getfixturevalue(
        {"postgresql": "postgres", "mariadb": "mariadb"}[request.param]
    )
    return fixture


@pytest.fixture
def table(request: pytest.FixtureRequest) -> Iterator[str]:
    """A table name of this test's own, dropped afterwards from the databases the test
    uses."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    used = [
        request.getfixturevalue(f)
        for f in ("database", "server", "postgres", "mariadb", "sqlite")
        if f in request.fixturenames
    ]
    yield name
    for database in used:
        database.run(f"DROP TABLE IF EXISTS {name}")
