"""The order process on Camunda 8: jobs of type ``tasklink:sql:1`` with the ``operation``
header, run by the Camunda worker against the fake Orchestration Cluster gateway
(``packages/runtime/tests/camunda/camunda_fakes``: every exchange checked against the
official API document) and the real MariaDB of this machine.

Each job's variables are what the engine hands the worker: the process's variables plus
the task's input mappings (the password among them as ``{{secrets.DB_PASSWORD}}``).
Outputs come back through ``resultVariable`` and ``resultExpression`` (FEEL over the rows)
and become the next jobs' inputs; a constraint violation becomes a BPMN error through
``errorExpression``, or an incident without one.
"""

from __future__ import annotations

import json
import logging
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sql_databases import MARIADB, Database

from tasklink.core import MappingSecretProvider
from tasklink.sql import connector

ROOT = Path(__file__).resolve().parents[3]
FAKES = ROOT / "packages" / "runtime" / "tests" / "camunda"
if str(FAKES) not in sys.path:
    sys.path.insert(0, str(FAKES))

from camunda_fakes import WorkerHarness  # noqa: E402
from camunda_fakes.process import CamundaProcess, spec_checked_gateway  # noqa: E402
from camunda_fakes.rest import FakeRestGateway  # noqa: E402

from tasklink.runtime.camunda import RestGateway  # noqa: E402

JOB_TYPE = "tasklink:sql:1"
CONFLICT_AS_BPMN_ERROR = (
    '=if error.code = "CONFLICT" then bpmnError("DUPLICATE_ORDER", error.message, '
    "{mariadbError: error.variables.errorNumber}) else null"
)


@pytest.fixture
async def gateway() -> AsyncIterator[FakeRestGateway]:
    async with spec_checked_gateway() as fake:
        yield fake


@pytest.fixture
def login(mariadb: Database, table: str) -> Iterator[tuple[str, str]]:
    """A MariaDB user with a password, allowed to use ``table``."""
    user, password = f"tl_{uuid.uuid4().hex[:10]}", f"camunda-{uuid.uuid4().hex}"
    for host in ("%", "localhost"):
        mariadb.run(
            f"CREATE USER '{user}'@'{host}' IDENTIFIED BY '{password}'",
            f"GRANT ALL ON test.{table} TO '{user}'@'{host}'",
        )
    try:
        yield user, password
    finally:
        for host in ("%", "localhost"):
            mariadb.run(f"DROP USER IF EXISTS '{user}'@'{host}'")


async def test_an_order_process_runs_through_the_camunda_worker(
    mariadb: Database,
    table: str,
    login: tuple[str, str],
    gateway: FakeRestGateway,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    user, password = login
    await mariadb.afetch(
        f"CREATE TABLE {table} (id INT AUTO_INCREMENT PRIMARY KEY, customer VARCHAR(20), "
        "total DECIMAL(10,2), sku VARCHAR(20) UNIQUE)"
    )
    store = gateway.store
    rest = RestGateway(gateway.rest_address)
    harness = WorkerHarness(
        [connector], rest, secrets=MappingSecretProvider({"DB_PASSWORD": password}), concurrency=1
    )
    p = CamundaProcess(
        store,
        JOB_TYPE,
        {
            "connection": {
                "type": "detailed",
                "databaseType": "mariadb",
                "host": MARIADB.rsplit(":", 1)[0],
                "port": int(MARIADB.rsplit(":", 1)[1]),
                "database": "test",
                "username": user,
                "password": "{{secrets.DB_PASSWORD}}",
            }
        },
        variables={"customer": "ada"},
    )
    async with harness:
        out = await p.ok(
            "transaction",
            {
                "statements": [
                    {
                        "statement": f"INSERT INTO {table} (customer, total, sku) "
                        "VALUES (:customer, :total, :sku)",
                        "parameters": {"customer": p.variables["customer"], "total": t, "sku": s},
                    }
                    for t, s in ((12.5, "A-1"), (7.25, "B-2"))
                ]
            },
            resultExpression="={orderIds: for r in results return r.lastInsertId}",
        )
        assert out["orderIds"] == [1, 2]

        out = await p.ok(
            "query",
            {
                "statement": f"SELECT id, total FROM {table} WHERE id IN :ids ORDER BY id",
                "parameters": {"ids": p.variables["orderIds"]},
            },
            resultExpression="={orderTotal: sum(for r in rows return r.total)}",
        )
        assert out["orderTotal"] == 19.75

        out = await p.ok(
            "execute",
            {
                "statement": f"UPDATE {table} SET total = 0 WHERE customer = :customer",
                "parameters": {"customer": "ada"},
            },
            resultVariable="update",
        )
        assert out["update"]["affectedRows"] == 2

        # A duplicate SKU: CONFLICT, a BPMN error through errorExpression.
        duplicate = {
            "statement": f"INSERT INTO {table} (customer, sku) VALUES ('bob', :sku)",
            "parameters": {"sku": "A-1"},
        }
        thrown = await p.task("execute", duplicate, errorExpression=CONFLICT_AS_BPMN_ERROR)
        assert (thrown["kind"], thrown["errorCode"]) == ("error", "DUPLICATE_ORDER")
        assert thrown["variables"] == {"mariadbError": 1062}
        assert "Duplicate entry" in thrown["errorMessage"]
        # Without an error expression: an incident at once (not retried).
        incident = await p.task("execute", duplicate)
        assert (incident["kind"], incident["retries"]) == ("fail", 0), incident

    assert await mariadb.afetch(f"SELECT COUNT(*), SUM(total) FROM {table}") == [(2, 0)]
    # Every job ran once; the password never reached a command, a variable or a log line.
    assert all(job.activations == 1 for job in store.jobs.values())
    assert password not in json.dumps(p.outcomes)
    assert password not in json.dumps(store.outcomes, default=str)
    assert caplog.records, "the worker logged nothing to check"
    assert password not in caplog.text
    assert password not in "\n".join(str(r.__dict__) for r in caplog.records)
