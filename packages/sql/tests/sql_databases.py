"""The databases of the connector's tests: where the real PostgreSQL and MariaDB of this
machine are (``TASKLINK_TEST_POSTGRES``, ``TASKLINK_TEST_MARIADB``: ``host:port``, defaults
``127.0.0.1:5432`` as ``postgres`` and ``127.0.0.1:3306`` as ``root`` without a password,
database ``test``: the accounts a fresh Debian install of each has locally), and plain
driver access to arrange data and check what the connector did. Shared by the package's
tests and the vendor-contract tests in ``tests/vendor``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import socket
import sqlite3
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

__all__ = ["MARIADB", "POSTGRES", "Database", "address", "require"]

POSTGRES = os.environ.get("TASKLINK_TEST_POSTGRES", "127.0.0.1:5432")
MARIADB = os.environ.get("TASKLINK_TEST_MARIADB", "127.0.0.1:3306")


def address(text: str) -> tuple[str, int]:
    """``host:port`` as a pair."""
    host, _, port = text.rpartition(":")
    return host, int(port)


def _reachable(where: str) -> bool:
    try:
        with socket.create_connection(address(where), timeout=2):
            return True
    except OSError:
        return False


def require(where: str, name: str) -> None:
    """Fail the test, saying how to start it, when the server does not listen."""
    if not _reachable(where):
        pytest.fail(
            f"{name} is not running on {where}: run `bash packages/sql/tests/"
            "setup_databases.sh` (as root it starts it)"
        )


@dataclass
class Database:
    """A database of the tests: its connection variables, and plain driver access to
    arrange data and check what the connector did (not through the connector)."""

    kind: str  # postgresql, mariadb, sqlite
    connection: dict[str, Any]
    path: Path | None = None

    @property
    def auto_id(self) -> str:
        """A column type for a generated integer key."""
        return {
            "postgresql": "SERIAL PRIMARY KEY",
            "mariadb": "INT AUTO_INCREMENT PRIMARY KEY",
            "sqlite": "INTEGER PRIMARY KEY",
        }[self.kind]

    def run(self, *statements: str) -> None:
        for statement in statements:
            self.fetch(statement)

    def fetch(self, statement: str) -> list[tuple[Any, ...]]:
        if self.kind == "sqlite":
            assert self.path is not None
            with sqlite3.connect(self.path) as connection:
                rows = connection.execute(statement).fetchall()
            connection.close()
            return rows
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self.afetch(statement))
        # Called from an async test: its loop runs in this thread, so in another one.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, self.afetch(statement)).result()

    async def afetch(self, statement: str) -> list[tuple[Any, ...]]:
        """:meth:`fetch` for async tests (PostgreSQL and MariaDB)."""
        if self.kind == "postgresql":
            import asyncpg

            host, port = address(POSTGRES)
            connection = await asyncpg.connect(
                host=host, port=port, user="postgres", database="test", password=""
            )
            try:
                return [tuple(r) for r in await connection.fetch(statement)]
            finally:
                await connection.close()
        import aiomysql

        host, port = address(MARIADB)
        conn = await aiomysql.connect(
            host=host, port=port, user="root", password="", db="test", autocommit=True
        )
        try:
            async with conn.cursor() as cursor:
                with warnings.catch_warnings():  # DROP TABLE IF EXISTS warns of none
                    warnings.simplefilter("ignore")
                    await cursor.execute(statement)
                return list(await cursor.fetchall())
        finally:
            conn.close()
