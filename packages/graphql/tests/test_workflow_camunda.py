"""The same order process on Camunda 8: jobs of type ``tasklink:graphql:1`` run by the
Camunda worker against the fake Orchestration Cluster gateway
(``packages/runtime/tests/camunda/camunda_fakes``: every exchange checked against the
official API document) and the GraphQL test server.

Each job's variables are what the engine hands the worker: the process's variables plus
the task's input mappings (the token among them as ``{{secrets.GRAPHQL_TOKEN}}``). Outputs
come back through the ``resultVariable`` and ``resultExpression`` headers and become the
next jobs' inputs; GraphQL errors become a BPMN error through ``errorExpression``, or an
incident without one.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from graphql_server import TOKEN, GraphqlServer

from tasklink.core import MappingSecretProvider
from tasklink.graphql import connector

ROOT = Path(__file__).resolve().parents[3]
FAKES = ROOT / "packages" / "runtime" / "tests" / "camunda"
if str(FAKES) not in sys.path:
    sys.path.insert(0, str(FAKES))

from camunda_fakes import WorkerHarness  # noqa: E402
from camunda_fakes.process import CamundaProcess, spec_checked_gateway  # noqa: E402
from camunda_fakes.rest import FakeRestGateway  # noqa: E402

from tasklink.runtime.camunda import RestGateway  # noqa: E402

JOB_TYPE = "tasklink:graphql:1"
GRAPHQL_ERROR_AS_BPMN_ERROR = (
    '=if error.code = "GRAPHQL_ERROR" then bpmnError("ORDER_REJECTED", error.message, '
    "{reason: error.variables.errors[1].extensions.code, partial: error.variables.data}) "
    "else null"
)


@pytest.fixture
async def gateway() -> AsyncIterator[FakeRestGateway]:
    async with spec_checked_gateway() as fake:
        yield fake


async def test_a_graphql_process_runs_through_the_camunda_worker(
    graphql_server: GraphqlServer, gateway: FakeRestGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    store = gateway.store
    harness = WorkerHarness(
        [connector],
        RestGateway(gateway.rest_address),
        secrets=MappingSecretProvider({"GRAPHQL_TOKEN": TOKEN}),
        concurrency=1,
    )
    p = CamundaProcess(
        store,
        JOB_TYPE,
        {
            "url": f"{graphql_server.url}/private/graphql",
            "authentication": {"type": "bearer", "token": "{{secrets.GRAPHQL_TOKEN}}"},
        },
        variables={"orderId": "1"},
    )
    async with harness:
        # A query over GET; the result expression picks what the process needs.
        out = await p.ok(
            "execute",
            {
                "method": "GET",
                "query": "query Order($id: ID!) { order(id: $id) { status total } }",
                "variables": {"id": p.variables["orderId"]},
            },
            resultExpression="={orderStatus: data.order.status, orderTotal: data.order.total}",
        )
        assert out == {"orderStatus": "shipped", "orderTotal": 99.5}
        assert graphql_server.requests[-1].method == "GET"

        # A mutation whose input comes from the process, the whole output in a variable.
        out = await p.ok(
            "execute",
            {
                "query": "mutation New($o: OrderInput!) { createOrder(input: $o) { id } }",
                "variables": {"o": {"customer": "Ada", "total": p.variables["orderTotal"]}},
            },
            resultVariable="created",
        )
        assert out["created"]["data"] == {"createOrder": {"id": "3"}}
        assert out["created"]["status"] == 200

        # GraphQL errors become a BPMN error with the errors' details...
        outcome = await p.task(
            "execute",
            {"query": "mutation { cancelOrder(id: 42) { id } }"},
            errorExpression=GRAPHQL_ERROR_AS_BPMN_ERROR,
        )
        assert outcome["kind"] == "error", outcome
        assert outcome["errorCode"] == "ORDER_REJECTED"
        assert outcome["errorMessage"].endswith("failed with GraphQL errors: No order 42")
        assert outcome["variables"] == {"reason": "NOT_FOUND", "partial": None}

        # ... and without an error expression, an incident at once (no retries).
        outcome = await p.task("execute", {"query": "{ hello flaky }"})
        assert (outcome["kind"], outcome["retries"]) == ("fail", 0), outcome
        assert "The flaky service is down" in outcome["errorMessage"]

    everything = json.dumps(p.outcomes) + caplog.text
    assert TOKEN not in everything
