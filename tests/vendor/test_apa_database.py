"""Processes modelled with Alfresco Process Automation's database connectors run on
tasklink: integration requests for ``postgresql.<ACTION>`` and ``mariadb.<ACTION>`` (and a
project's own instance name), as an Activiti runtime bundle publishes them over RabbitMQ,
answered by the SQL connector's APA contracts through the Activiti adapter, with
``vendor_contracts`` turned on, against the real PostgreSQL and MariaDB of this machine.
The connections come from APA's configuration names, kept with the runtime's secrets."""

from __future__ import annotations

import json
import logging
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tasklink.core import MappingSecretProvider
from tasklink.runtime import Pipeline, build_pipeline
from tasklink.runtime.activiti import CLOUD_BPMN_ERROR, ActivitiAdapter
from tasklink.sql import connector as sql_connector

ROOT = Path(__file__).resolve().parents[2]
for folder in (
    ROOT / "packages" / "runtime" / "tests" / "support",
    ROOT / "packages" / "sql" / "tests",
):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from activiti_bundle import RuntimeBundle  # noqa: E402
from activiti_runtime import activiti_settings, served, started_bundle  # noqa: E402
from sql_databases import MARIADB, POSTGRES, Database, address, require  # noqa: E402

PG_PASSWORD = "apa-postgres-password-19ad"


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def postgres() -> Database:
    require(POSTGRES, "PostgreSQL")
    return Database("postgresql", {})


@pytest.fixture
def mariadb() -> Database:
    require(MARIADB, "MariaDB")
    return Database("mariadb", {})


@pytest.fixture
def table(postgres: Database, mariadb: Database) -> Iterator[str]:
    """``flavors`` of APA's examples, on both servers, under a name of this test's own."""
    name = f"flavors_{uuid.uuid4().hex[:10]}"
    for database in (postgres, mariadb):
        database.run(f"CREATE TABLE {name} (flavor VARCHAR(20) PRIMARY KEY, stock INT NOT NULL)")
    yield name
    for database in (postgres, mariadb):
        database.run(f"DROP TABLE IF EXISTS {name}")


@pytest.fixture
def login(mariadb: Database, table: str) -> Iterator[tuple[str, str]]:
    user, password = f"tl_{uuid.uuid4().hex[:10]}", f"apa-{uuid.uuid4().hex}"
    for host in ("%", "localhost"):
        mariadb.run(
            f"CREATE USER '{user}'@'{host}' IDENTIFIED BY '{password}'",
            f"GRANT ALL ON test.{table} TO '{user}'@'{host}'",
        )
    yield user, password
    for host in ("%", "localhost"):
        mariadb.run(f"DROP USER IF EXISTS '{user}'@'{host}'")


@pytest.fixture
async def bundle(prefix: str) -> AsyncIterator[RuntimeBundle]:
    async with started_bundle(prefix) as started:
        yield started


class Runtime:
    def __init__(self, pipeline: Pipeline, adapter: ActivitiAdapter, secrets: list[str]) -> None:
        self.pipeline = pipeline
        self.adapter = adapter
        self.secrets = secrets

    def destination(self, implementation: str) -> str:
        return self.adapter.destination(self.pipeline.find_operation(implementation))


@pytest.fixture
async def runtime(bundle: RuntimeBundle, login: tuple[str, str]) -> AsyncIterator[Runtime]:
    user, password = login
    pg_host, pg_port = address(POSTGRES)
    my_host, my_port = address(MARIADB)
    settings = {
        # The PostgreSQL connector: APA's default datasource from host, port and name.
        "DB_USERNAME": "postgres",
        "DB_PASSWORD": PG_PASSWORD,
        "POSTGRES_HOST": pg_host,
        "POSTGRES_PORT": str(pg_port),
        "DB_NAME": "test",
        # A MariaDB connector instance the project named orders-db: its own settings.
        "ORDERS_DB_DB_USERNAME": user,
        "ORDERS_DB_DB_PASSWORD": password,
        "ORDERS_DB_DB_DATASOURCE": f"jdbc:mariadb://{my_host}:{my_port}/test",
        "ORDERS_DB_DB_DRIVER_CLASS_NAME": "org.mariadb.jdbc.Driver",
    }
    pipeline = build_pipeline(
        activiti_settings(
            bundle,
            retries=1,
            vendor_contracts=("postgresql", "mariadb", "sqlserver"),
            vendor_names={"mariadb": ("orders-db",)},
        ),
        connectors=[sql_connector],
        secrets=MappingSecretProvider(settings),
    )
    async with served(bundle, pipeline) as adapter:
        yield Runtime(pipeline, adapter, [PG_PASSWORD, password])


async def call(
    bundle: RuntimeBundle, runtime: Runtime, implementation: str, variables: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """Publish an integration request for ``implementation``; the kind of reply (result or
    error) and the reply, which holds no password."""
    request = bundle.request(implementation, variables)
    context_id = request["integrationContext"]["id"]
    await bundle.publish(runtime.destination(implementation), request)
    [reply] = await bundle.wait_for(context_id)
    for secret in runtime.secrets:
        assert secret not in json.dumps(reply)
    return bundle.kinds[context_id][0], reply


def result(reply: dict[str, Any]) -> Any:
    outbound = reply["integrationContext"]["outBoundVariables"]
    assert set(outbound) == {"result"}, outbound
    return outbound["result"]


async def test_the_four_actions_on_postgresql(
    bundle: RuntimeBundle,
    runtime: Runtime,
    postgres: Database,
    table: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    kind, reply = await call(
        bundle,
        runtime,
        "postgresql.INSERT",
        {
            "query": f"INSERT INTO {table} (flavor, stock) VALUES ({{type}}, {{stock}})",
            # An Activiti json variable: its value arrives as text.
            "metadata": {"type": "json", "value": json.dumps({"type": "mint", "stock": 3})},
        },
    )
    assert kind == "result", reply
    assert result(reply) == 1
    kind, reply = await call(
        bundle,
        runtime,
        "postgresql.UPDATE",
        {
            "query": f"UPDATE {table} SET stock = stock + {{more}} WHERE flavor = {{type}}",
            "metadata": {"type": "mint", "more": 2},
        },
    )
    assert (kind, result(reply)) == ("result", 1)
    kind, reply = await call(
        bundle,
        runtime,
        "postgresql.SELECT",
        {
            "query": f"SELECT flavor, stock FROM {table} WHERE flavor = {{type}}",
            "metadata": {"type": "mint"},
        },
    )
    assert (kind, result(reply)) == ("result", [{"flavor": "mint", "stock": 5}])
    kind, reply = await call(
        bundle,
        runtime,
        "postgresql.DELETE",
        {"query": f"DELETE FROM {table} WHERE flavor = {{type}}", "metadata": {"type": "mint"}},
    )
    assert (kind, result(reply)) == ("result", 1)
    assert postgres.fetch(f"SELECT COUNT(*) FROM {table}") == [(0,)]
    assert PG_PASSWORD not in caplog.text


async def test_a_named_mariadb_instance_with_its_own_datasource(
    bundle: RuntimeBundle, runtime: Runtime, mariadb: Database, table: str
) -> None:
    kind, reply = await call(
        bundle,
        runtime,
        "orders-db.INSERT",
        {
            "query": f"INSERT INTO {table} VALUES ({{f}}, 1), ('plain', 2)",
            "metadata": {"f": "it's {odd}"},
        },
    )
    assert (kind, result(reply)) == ("result", 2)
    kind, reply = await call(
        bundle, runtime, "orders-db.SELECT", {"query": f"SELECT * FROM {table} ORDER BY stock"}
    )
    assert result(reply) == [{"flavor": "it's {odd}", "stock": 1}, {"flavor": "plain", "stock": 2}]


async def test_failures_in_apas_codes(bundle: RuntimeBundle, runtime: Runtime, table: str) -> None:
    await call(
        bundle, runtime, "orders-db.INSERT", {"query": f"INSERT INTO {table} VALUES ('mint', 1)"}
    )
    cases: list[tuple[str, dict[str, Any], str, str | None]] = [
        (
            "orders-db.INSERT",
            {"query": f"INSERT INTO {table} VALUES ('mint', 2)"},
            "DUPLICATE_KEY_ERROR",
            "CONFLICT",
        ),
        (
            "orders-db.INSERT",
            {"query": f"INSERT INTO {table} VALUES ('lemon', NULL)"},
            "DATA_INTEGRITY_VIOLATION_ERROR",
            "CONFLICT",
        ),
        ("postgresql.SELECT", {"query": "SELEC 1"}, "SQL_GRAMMAR_ERROR", "SQL_SYNTAX_ERROR"),
        (
            "postgresql.SELECT",
            {"query": f"SELECT * FROM {table} WHERE flavor = {{type}}"},
            "MISSING_INPUT",
            None,
        ),
        # No datasource for the SQL Server connector (DB_USERNAME and DB_PASSWORD are
        # shared: APA's names are the same for its three database connectors).
        ("sqlserver.SELECT", {"query": "SELECT 1"}, "MISSING_INPUT", None),
    ]
    for implementation, variables, code, cause in cases:
        kind, reply = await call(bundle, runtime, implementation, variables)
        assert (kind, reply["errorCode"]) == ("error", code), (implementation, reply)
        if cause is not None:
            # A code APA's definition declares: a BPMN error an error boundary catches.
            assert reply["errorClassName"] == CLOUD_BPMN_ERROR
            assert reply["integrationContext"]["outBoundVariables"]["cause"] == cause
    kind, reply = await call(bundle, runtime, "sqlserver.SELECT", {"query": "SELECT 1"})
    assert reply["errorMessage"].startswith("DB_DATASOURCE: the database is not configured")
