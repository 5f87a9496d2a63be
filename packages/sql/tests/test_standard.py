"""The standard suite every tasklink connector package runs, against the real databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tasklink.sql import connector
from tasklink.testing import SecretCase, StandardConnectorSuite

_CONNECTION = {"type": "url", "url": "postgresql://app@db.example.com:5432/orders"}


class TestStandard(StandardConnectorSuite):
    connector = connector
    package_dir = Path(__file__).resolve().parents[1]
    # Discovery must not load SQLAlchemy or a driver: the operations import them.
    heavy_modules = ("sqlalchemy", "asyncpg", "aiomysql", "pymysql", "aiosqlite", "greenlet")

    @pytest.fixture
    def valid_inputs(self) -> dict[str, dict[str, Any]]:
        common = {
            "connection": {**_CONNECTION, "password": "pw-1234"},
            "tls": "verify",
            "connectTimeoutInSeconds": 5,
            "timeoutInSeconds": 30,
            "maxRows": 50,
            "decimals": "string",
        }
        return {
            "query": {
                **common,
                "statement": "SELECT * FROM orders WHERE id = :id",
                "parameters": {"id": 7},
            },
            "execute": {
                **common,
                "statement": "UPDATE orders SET status = :status",
                "parameters": {"status": "paid"},
            },
            "transaction": {
                **common,
                "isolationLevel": "serializable",
                "statements": [
                    {
                        "statement": "DELETE FROM lines WHERE order_id = :id",
                        "parameters": {"id": 7},
                    },
                    {"statement": "DELETE FROM orders WHERE id = 7"},
                ],
            },
        }

    @pytest.fixture
    def secret_cases(self, postgres_url: str, mariadb_url: str) -> list[SecretCase]:
        secrets = {"DB_PASSWORD": "suite-db-password-0001", "TOKEN": "suite-token-0000000002"}
        postgres = {"type": "url", "url": postgres_url, "password": "{{secrets.DB_PASSWORD}}"}
        mariadb = {"type": "url", "url": mariadb_url, "password": "{{secrets.DB_PASSWORD}}"}
        echo = {"statement": "SELECT :token AS token", "parameters": {"token": "{{secrets.TOKEN}}"}}
        return [
            # PostgreSQL trusts local logins: the password is sent and ignored; the token
            # comes back in a row, masked.
            SecretCase("query", {"connection": postgres, **echo}, secrets),
            # A driver's error quoting the value (text where an integer is wanted).
            SecretCase(
                "query",
                {
                    "connection": postgres,
                    "statement": "SELECT CAST(:n AS INT) AS n",
                    "parameters": {"n": "{{secrets.TOKEN}}"},
                },
                secrets,
            ),
            # MariaDB refuses root with a password: the refusal names no password.
            SecretCase("query", {"connection": mariadb, **echo}, secrets),
            # A password written into a URL is a secret too.
            SecretCase(
                "execute",
                {
                    "connection": {
                        "type": "url",
                        "url": postgres_url.replace("@", ":{{secrets.DB_PASSWORD}}@", 1),
                    },
                    "statement": "SELECT 1 FROM no_such_table",
                },
                secrets,
            ),
            # Nothing listens: a connection failure.
            SecretCase(
                "transaction",
                {
                    "connection": {
                        "type": "detailed",
                        "databaseType": "postgresql",
                        "host": "127.0.0.1",
                        "port": 9,
                        "username": "app",
                        "password": "{{secrets.DB_PASSWORD}}",
                    },
                    "statements": [{"statement": "SELECT 1"}],
                },
                secrets,
            ),
        ]

    @pytest.fixture
    def readme_environment(self, postgres_url: str, mariadb_url: str) -> dict[str, str]:
        return {"SQL_EXAMPLE_POSTGRES": postgres_url, "SQL_EXAMPLE_MARIADB": mariadb_url}
