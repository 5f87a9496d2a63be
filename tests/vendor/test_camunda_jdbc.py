"""Processes modelled with Camunda's own SQL connector template run on tasklink unchanged.

Every version of Camunda's template (``jdbc-outbound-connector.json`` of the npm package
``@camunda/connectors-element-templates``: versions 1 to 6) is applied to service tasks as
the modeler does, with a JDBC URI and with host, port and database, named and positional
variables, with and without ``returnResults``, and a stored connection credential where
the version has one; the jobs run through the Camunda worker (the fake Orchestration
Cluster gateway, every exchange checked against the official API document) on the SQL
connector's Camunda contract, against the real PostgreSQL and MariaDB of this machine.
"""

from __future__ import annotations

import json
import logging
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tasklink.core import MappingSecretProvider, RedactingFilter
from tasklink.sql._contracts import camunda as camunda_jdbc
from tasklink.testing.vendor_templates import (
    AppliedTemplate,
    apply_template,
    camunda_template,
    templates_dir,
)

ROOT = Path(__file__).resolve().parents[2]
for folder in (
    ROOT / "packages" / "runtime" / "tests" / "camunda",
    ROOT / "packages" / "sql" / "tests",
):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from camunda_fakes import WorkerHarness  # noqa: E402
from camunda_fakes.process import spec_checked_gateway  # noqa: E402
from camunda_fakes.rest import FakeRestGateway  # noqa: E402
from sql_databases import MARIADB, POSTGRES, Database, address, require  # noqa: E402

from tasklink.runtime.camunda import RestGateway  # noqa: E402

TEMPLATE = "jdbc-outbound-connector"
JOB_TYPE = "io.camunda:connector-jdbc:1"


def official_versions() -> list[dict[str, Any]]:
    """Every version of the template the npm package holds (none when not installed)."""
    folder = templates_dir()
    if folder is None or not (folder / f"{TEMPLATE}.json").is_file():
        return []
    loaded = json.loads((folder / f"{TEMPLATE}.json").read_text("utf-8"))
    versions = loaded if isinstance(loaded, list) else [loaded]
    return sorted(versions, key=lambda t: int(t.get("version", 0)))


VERSIONS = official_versions()


def version_id(template: dict[str, Any]) -> str:
    return f"v{template.get('version', 0)}"


@pytest.fixture
async def gateway() -> AsyncIterator[FakeRestGateway]:
    async with spec_checked_gateway() as fake:
        yield fake


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
    """A table of this test's own on both servers: parts (name, qty)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    postgres.run(f"CREATE TABLE {name} (id SERIAL PRIMARY KEY, name TEXT UNIQUE, qty INT)")
    mariadb.run(
        f"CREATE TABLE {name} (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20) UNIQUE, qty INT)"
    )
    yield name
    postgres.run(f"DROP TABLE IF EXISTS {name}")
    mariadb.run(f"DROP TABLE IF EXISTS {name}")


@pytest.fixture
def login(mariadb: Database, table: str) -> Iterator[tuple[str, str]]:
    """A MariaDB user with a password, allowed to use ``table``."""
    user, password = f"tl_{uuid.uuid4().hex[:10]}", f"jdbc-{uuid.uuid4().hex}"
    for host in ("%", "localhost"):
        mariadb.run(
            f"CREATE USER '{user}'@'{host}' IDENTIFIED BY '{password}'",
            f"GRANT ALL ON test.{table} TO '{user}'@'{host}'",
        )
    yield user, password
    for host in ("%", "localhost"):
        mariadb.run(f"DROP USER IF EXISTS '{user}'@'{host}'")


async def run(
    gateway: FakeRestGateway,
    *applied: AppliedTemplate,
    secrets: dict[str, str],
    caplog: pytest.LogCaptureFixture | None = None,
) -> list[dict[str, Any]]:
    """Each job's last command, after the worker ran them one after the other."""
    store = gateway.store
    jobs = []
    for job in applied:
        assert job.job_type == JOB_TYPE
        jobs.append(
            store.add(
                str(job.job_type),
                job.variables,
                headers=job.headers,
                retries=job.retries if job.retries is not None else 3,
            )
        )
    harness = WorkerHarness(
        [camunda_jdbc],
        RestGateway(gateway.rest_address),
        secrets=MappingSecretProvider(secrets),
        concurrency=1,
    )
    if caplog is not None:
        caplog.handler.addFilter(RedactingFilter(harness.pipeline.redactor))
    async with harness:
        await store.wait_for(lambda: store.done(*jobs), timeout=60)
    return [
        {"kind": last.kind, **last.body}
        for last in (store.outcomes_of(job.key)[-1] for job in jobs)
    ]


def _has(template: dict[str, Any], prop: str) -> bool:
    return any(p.get("id") == prop for p in template["properties"])


@pytest.mark.parametrize("template", VERSIONS, ids=[version_id(t) for t in VERSIONS])
async def test_each_version_with_a_jdbc_uri_on_postgresql(
    template: dict[str, Any],
    gateway: FakeRestGateway,
    postgres: Database,
    table: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "pg-uri-password-81f0"  # PostgreSQL trusts local logins: sent, not needed
    host, port = address(POSTGRES)
    base = {
        "database": "POSTGRESQL",
        "connection.authType": "uri",
        "connection.uri": f"jdbc:postgresql://{host}:{port}/test?sslmode=disable",
        "connection.uriProperties": '{user: "postgres", password: "{{secrets.PG_PASSWORD}}"}',
        "retryBackoff": "PT0S",
    }

    def task(**values: Any) -> AppliedTemplate:
        return apply_template(template, {**base, **values}, variables={"minimum": 2})

    inserted, selected, counted = await run(
        gateway,
        # Positional variables (JDBC's ?), a list.
        task(
            **{
                "data.query": f"INSERT INTO {table} (name, qty) VALUES (?, ?), (?, ?)",
                "data.variables": '["bolt", 4, "nut", 1]',
                "resultVariable": "insert",
            }
        ),
        # Named variables, a FEEL context over the process's variables.
        task(
            **{
                "data.returnResults": True,
                "data.query": f"SELECT name, qty FROM {table} WHERE qty >= :min ORDER BY name",
                "data.variables": "{min: minimum}",
                "resultExpression": "={parts: resultSet}",
            }
        ),
        # Returning results from a DML statement, and a Jdbi list.
        task(
            **{
                "data.returnResults": True,
                "data.query": f"UPDATE {table} SET qty = qty + 1 WHERE name IN (<names>) "
                "RETURNING name, qty",
                "data.variables": '{names: ["nut"]}',
                "resultVariable": "updated",
            }
        ),
        secrets={"PG_PASSWORD": secret},
        caplog=caplog,
    )
    assert inserted["kind"] == "complete", inserted
    assert inserted["variables"] == {"insert": {"modifiedRows": 2}}
    assert selected["kind"] == "complete", selected
    assert selected["variables"] == {"parts": [{"name": "bolt", "qty": 4}]}
    assert counted["variables"] == {"updated": {"resultSet": [{"name": "nut", "qty": 2}]}}
    assert postgres.fetch(f"SELECT name, qty FROM {table} ORDER BY name") == [
        ("bolt", 4),
        ("nut", 2),
    ]
    everything = json.dumps([inserted, selected, counted]) + caplog.text
    assert secret not in everything


@pytest.mark.parametrize("template", VERSIONS, ids=[version_id(t) for t in VERSIONS])
async def test_each_version_with_host_and_port_on_mariadb(
    template: dict[str, Any],
    gateway: FakeRestGateway,
    mariadb: Database,
    table: str,
    login: tuple[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    user, password = login
    host, port = address(MARIADB)
    base = {
        "database": "MARIADB",
        "connection.authType": "detailed",
        "connection.host": host,
        "connection.port": str(port),
        "connection.username": user,
        "connection.password": "{{secrets.DB_PASSWORD}}",
        "connection.databaseName": "test",
        "retryBackoff": "PT0S",
    }

    def task(**values: Any) -> AppliedTemplate:
        return apply_template(template, {**base, **values})

    inserted, selected, as_update = await run(
        gateway,
        task(
            **{
                "data.query": f"INSERT INTO {table} (name, qty) VALUES (:name, :qty)",
                "data.variables": '{name: "washer", qty: 10}',
                "resultVariable": "insert",
            }
        ),
        task(
            **{
                "data.returnResults": True,
                "data.query": f"SELECT id, name, qty FROM {table} WHERE name = ?",
                "data.variables": '["washer"]',
                "resultVariable": "rows",
            }
        ),
        # A SELECT without returnResults: run as an update, -1 rows as Camunda's.
        task(**{"data.query": f"SELECT * FROM {table}", "resultVariable": "count"}),
        secrets={"DB_PASSWORD": password},
        caplog=caplog,
    )
    assert inserted["variables"] == {"insert": {"modifiedRows": 1}}, inserted
    assert selected["variables"] == {
        "rows": {"resultSet": [{"id": 1, "name": "washer", "qty": 10}]}
    }, selected
    assert as_update["variables"] == {"count": {"modifiedRows": -1}}, as_update
    assert password not in json.dumps([inserted, selected, as_update]) + caplog.text


@pytest.mark.parametrize(
    "template",
    [t for t in VERSIONS if _has(t, "connectionConfiguration")],
    ids=[version_id(t) for t in VERSIONS if _has(t, "connectionConfiguration")],
)
async def test_a_stored_connection_credential(
    template: dict[str, Any],
    gateway: FakeRestGateway,
    mariadb: Database,
    table: str,
    login: tuple[str, str],
) -> None:
    user, password = login
    host, port = address(MARIADB)
    # The credential's own template (io.camunda.connectors:jdbc-connection) names the
    # database too: version 6 maps the top-level one only without a credential.
    credential = {
        "database": "MARIADB",
        "host": host,
        "port": str(port),
        "databaseName": "test",
        "username": user,
        "password": "{{secrets.DB_PASSWORD}}",
    }
    applied = apply_template(
        template,
        {
            "connectionConfiguration": credential,
            # What the modeler still holds of the inline connection loses to it.
            "connection.authType": "uri",
            "data.returnResults": True,
            "data.query": "SELECT CURRENT_USER() AS who",
            "resultVariable": "result",
        },
    )
    assert applied.variables["configuration"]["username"] == user
    [outcome] = await run(gateway, applied, secrets={"DB_PASSWORD": password})
    assert outcome["kind"] == "complete", outcome
    assert outcome["variables"]["result"]["resultSet"][0]["who"].startswith(user)


async def test_failures_keep_the_connectors_codes(
    gateway: FakeRestGateway, postgres: Database, table: str
) -> None:
    template = camunda_template(TEMPLATE)
    host, port = address(POSTGRES)
    postgres.run(f"INSERT INTO {table} (name, qty) VALUES ('bolt', 1)")
    base = {
        "connection.authType": "uri",
        "connection.uri": f"jdbc:postgresql://{host}:{port}/test?user=postgres",
        "retryBackoff": "PT0S",
    }
    no_rows, duplicate, caught, syntax = await run(
        gateway,
        # returnResults without rows: Jdbi's NoResultsException; nothing changed here.
        apply_template(
            template,
            {
                **base,
                "data.returnResults": True,
                "data.query": f"UPDATE {table} SET qty = 99",
            },
        ),
        apply_template(
            template,
            {**base, "data.query": f"INSERT INTO {table} (name) VALUES ('bolt')"},
        ),
        apply_template(
            template,
            {
                **base,
                "data.query": f"INSERT INTO {table} (name) VALUES ('bolt')",
                "errorExpression": '=if error.code = "CONFLICT" then bpmnError("DUPLICATE", '
                "error.message, {state: error.variables.sqlState}) else null",
            },
        ),
        apply_template(template, {**base, "data.query": "SELEC 1"}),
        secrets={},
    )
    assert (no_rows["kind"], no_rows["retries"]) == ("fail", 0), no_rows
    assert "data.returnResults" in no_rows["errorMessage"]
    assert postgres.fetch(f"SELECT qty FROM {table}") == [(1,)]
    assert (duplicate["kind"], duplicate["retries"]) == ("fail", 0), duplicate
    assert "duplicate key" in duplicate["errorMessage"]
    assert (caught["kind"], caught["errorCode"]) == ("error", "DUPLICATE"), caught
    assert caught["variables"] == {"state": "23505"}
    assert (syntax["kind"], syntax["retries"]) == ("fail", 0), syntax
    assert "syntax error" in syntax["errorMessage"]


async def test_a_password_in_the_uri_is_masked(gateway: FakeRestGateway, table: str) -> None:
    template = camunda_template(TEMPLATE)
    host, port = address(POSTGRES)
    password = "in-the-uri-pw-4c2d"
    [outcome] = await run(
        gateway,
        apply_template(
            template,
            {
                "connection.authType": "uri",
                "connection.uri": f"jdbc:postgresql://{host}:{port}/test?user=postgres&password={password}",
                "data.returnResults": True,
                "data.query": "SELECT :pw AS echoed",
                "data.variables": f'{{pw: "{password}"}}',
                "resultVariable": "result",
            },
        ),
        secrets={},
    )
    assert outcome["kind"] == "complete", outcome
    assert outcome["variables"]["result"] == {"resultSet": [{"echoed": "***"}]}
