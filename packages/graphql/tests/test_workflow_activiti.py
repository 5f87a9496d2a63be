"""A process that reads and changes orders through GraphQL runs on tasklink's Activiti
runtime: integration requests for ``graphql.EXECUTE``, published over the real RabbitMQ as
an Activiti runtime bundle publishes them (``packages/runtime/tests/support/
activiti_bundle.py``), answered by the Activiti adapter against the GraphQL test server.

Each service task maps the endpoint and the bearer token as ``{{secrets.GRAPHQL_TOKEN}}``
(the runtime resolves it from its secret provider); its outputs become process variables
(APA's output mapping) which later tasks map to their inputs. GraphQL errors reach the
process as a BPMN error (``CloudBpmnError``, the code declared by the connector) that an
error boundary event catches by code, with the errors and the partial data.
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
from tasklink.runtime import Pipeline

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


@pytest.fixture
async def bundle() -> AsyncIterator[RuntimeBundle]:
    async with started_bundle() as started:
        yield started


@pytest.fixture
async def process(
    graphql_server: GraphqlServer, bundle: RuntimeBundle
) -> AsyncIterator[ActivitiProcess]:
    """The Activiti runtime serving the GraphQL connector, the token in its secret
    ``GRAPHQL_TOKEN``, and a process instance whose tasks reach the private endpoint."""
    settings = activiti_settings(bundle, concurrency=2)
    pipeline = Pipeline(
        [connector], settings, secrets=MappingSecretProvider({"GRAPHQL_TOKEN": TOKEN})
    )
    connection = {
        "url": f"{graphql_server.url}/private/graphql",
        "authentication": {"type": "bearer", "token": "{{secrets.GRAPHQL_TOKEN}}"},
    }
    async with served(bundle, pipeline) as adapter:
        yield ActivitiProcess(bundle, pipeline, adapter, "graphql", connection)


async def test_a_graphql_process_runs_through_the_activiti_adapter(
    process: ActivitiProcess, graphql_server: GraphqlServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    p = process

    # A query with a variable; its data becomes the process variable "found".
    out = await p.ok(
        "EXECUTE",
        {
            "query": "query New($s: String) { orders(status: $s) { id customer } }",
            "variables": {"s": "new"},
        },
        found="data",
    )
    assert out["status"] == 200
    assert p.variables["found"] == {"orders": [{"id": "2", "customer": "Grace"}]}

    # A mutation over POST, its variables mapped from the previous task's output.
    order_id = p.variables["found"]["orders"][0]["id"]
    out = await p.ok(
        "EXECUTE",
        {
            "query": "mutation Cancel($id: ID!) { cancelOrder(id: $id) { id status } }",
            "variables": {"id": order_id},
        },
        cancelled="data",
    )
    assert p.variables["cancelled"] == {"cancelOrder": {"id": "2", "status": "cancelled"}}
    assert graphql_server.orders["2"]["status"] == "cancelled"

    # Partial data allowed: the task completes with the errors in its outputs.
    out = await p.ok("EXECUTE", {"query": "{ hello flaky }", "allowErrors": True})
    assert out["data"] == {"hello": "Hello world", "flaky": None}
    assert out["errors"][0]["path"] == ["flaky"]

    # GraphQL errors: GRAPHQL_ERROR, a BPMN error the boundary catches at once.
    kind, reply, execution = await p.task(
        "EXECUTE",
        {"query": "mutation { cancelOrder(id: 99) { id } }"},
        ErrorBoundary("Unauthorized", "UNAUTHORIZED"),
        ErrorBoundary("Rejected", "GRAPHQL_ERROR"),
    )
    assert kind == "error"
    assert (reply["errorClassName"], reply["errorCode"]) == (
        CLOUD_BPMN_ERROR_CLASS,
        "GRAPHQL_ERROR",
    )
    assert reply["errorMessage"].endswith("failed with GraphQL errors: No order 99")
    outbound = reply["integrationContext"]["outBoundVariables"]
    assert outbound["errors"][0]["extensions"] == {"code": "NOT_FOUND"}
    assert outbound["data"] is None
    assert (execution.state, execution.caught_by, execution.bpmn_error) == (
        "caught",
        "Rejected",
        "GRAPHQL_ERROR",
    )

    # The token was sent with every request, and never reached a reply or a log line.
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in graphql_server.requests)
    assert TOKEN not in json.dumps(p.replies)
    assert TOKEN not in json.dumps([e.variables for e in p.bundle.executions.values()])
    assert caplog.records, "the runtime logged nothing to check"
    assert TOKEN not in caplog.text
