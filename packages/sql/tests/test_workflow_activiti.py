"""An order process keeping its data in PostgreSQL runs on tasklink's Activiti runtime:
integration requests for ``sql.<ACTION>``, published over the real RabbitMQ as an
Activiti runtime bundle publishes them (``packages/runtime/tests/support/activiti_bundle.py``),
answered by the Activiti adapter against the real PostgreSQL of this machine.

Each service task maps the connection with the password as ``{{secrets.DB_PASSWORD}}``
(the runtime resolves it from its secret provider); outputs become process variables
(APA's output mapping) which later tasks map to their parameters. A unique key conflict
reaches the process as a BPMN error (``CloudBpmnError``) that an error boundary event
catches by its code.
"""

from __future__ import annotations

import json
import logging
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sql_databases import Database

from tasklink.core import MappingSecretProvider
from tasklink.runtime import Pipeline
from tasklink.sql import connector

ROOT = Path(__file__).resolve().parents[3]
SUPPORT = ROOT / "packages" / "runtime" / "tests" / "support"
if str(SUPPORT) not in sys.path:
    sys.path.insert(0, str(SUPPORT))

from activiti_bundle import CLOUD_BPMN_ERROR_CLASS, ErrorBoundary, RuntimeBundle  # noqa: E402
from activiti_runtime import (  # noqa: E402
    ActivitiProcess,
    activiti_settings,
    served,
    started_bundle,
)

PASSWORD = "activiti-db-password-3c1f"


@pytest.fixture
async def bundle() -> AsyncIterator[RuntimeBundle]:
    async with started_bundle() as started:
        yield started


@pytest.fixture
async def process(postgres: Database, bundle: RuntimeBundle) -> AsyncIterator[ActivitiProcess]:
    """The Activiti runtime serving the SQL connector, the database password in its secret
    ``DB_PASSWORD``, and a process instance to send tasks for."""
    settings = activiti_settings(bundle, concurrency=4)
    pipeline = Pipeline(
        [connector], settings, secrets=MappingSecretProvider({"DB_PASSWORD": PASSWORD})
    )
    connection = {"connection": {**postgres.connection, "password": "{{secrets.DB_PASSWORD}}"}}
    async with served(bundle, pipeline) as adapter:
        yield ActivitiProcess(bundle, pipeline, adapter, "sql", connection)


async def test_an_order_process_runs_through_the_activiti_adapter(
    process: ActivitiProcess, postgres: Database, table: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    p = process
    customer = f"cust-{uuid.uuid4().hex[:6]}"

    await p.ok(
        "EXECUTE",
        {
            "statement": f"CREATE TABLE {table} (id SERIAL PRIMARY KEY, customer TEXT, "
            "total NUMERIC(10,2), due DATE, reference TEXT UNIQUE)"
        },
    )
    # One transaction: the order and its reference, from the process's variables.
    await p.ok(
        "TRANSACTION",
        {
            "statements": [
                {
                    "statement": f"INSERT INTO {table} (customer, total, due) "
                    "VALUES (:customer, :total, :due)",
                    "parameters": {"customer": customer, "total": 99.5, "due": "2024-06-30"},
                },
                {
                    "statement": f"UPDATE {table} SET reference = 'R-' || lastval() "
                    "WHERE id = lastval()"
                },
                {"statement": f"SELECT id, reference FROM {table} WHERE id = lastval()"},
            ]
        },
        steps="results",
    )
    order = p.variables["steps"][2]["rows"][0]
    assert order["reference"] == f"R-{order['id']}"

    # A query's rows become a process variable; the next task maps one to its parameters.
    await p.ok(
        "QUERY",
        {
            "statement": f"SELECT id, total, due FROM {table} WHERE customer = :customer",
            "parameters": {"customer": customer},
        },
        orders="rows",
    )
    assert p.variables["orders"] == [{"id": order["id"], "total": 99.5, "due": "2024-06-30"}]
    await p.ok(
        "EXECUTE",
        {
            "statement": f"UPDATE {table} SET total = total * 2 WHERE id = :id",
            "parameters": {"id": p.variables["orders"][0]["id"]},
        },
        changed="affectedRows",
    )
    assert p.variables["changed"] == 1
    assert await postgres.afetch(f"SELECT total::text FROM {table}") == [("199.00",)]

    # The same reference again: CONFLICT, a BPMN error the boundary event catches.
    kind, reply, execution = await p.task(
        "EXECUTE",
        {
            "statement": f"INSERT INTO {table} (customer, reference) VALUES (:c, :r)",
            "parameters": {"c": customer, "r": order["reference"]},
        },
        ErrorBoundary("Duplicate", "CONFLICT"),
    )
    assert kind == "error"
    assert (reply["errorClassName"], reply["errorCode"]) == (CLOUD_BPMN_ERROR_CLASS, "CONFLICT")
    assert reply["integrationContext"]["outBoundVariables"]["sqlState"] == "23505"
    assert (execution.state, execution.caught_by) == ("caught", "Duplicate")

    # The password never reached a reply, a process variable or a log line.
    assert PASSWORD not in json.dumps(p.replies)
    assert PASSWORD not in json.dumps([e.variables for e in p.bundle.executions.values()])
    assert caplog.records, "the runtime logged nothing to check"
    assert PASSWORD not in caplog.text
    assert PASSWORD not in "\n".join(str(r.__dict__) for r in caplog.records)
