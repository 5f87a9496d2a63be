"""Processes modelled with Camunda's own GraphQL template run on tasklink unchanged.

Every version of Camunda's GraphQL template (``graphql-outbound-connector.json`` of the
npm package ``@camunda/connectors-element-templates``: versions 1 to 4 and 6 to 13) is
applied to service tasks as the modeler does, with the form's defaults plus filled-in
values, and the jobs run through the Camunda worker (the fake Orchestration Cluster
gateway, every exchange checked against the official API document) on the GraphQL
connector's Camunda contract, against the GraphQL test server of ``packages/graphql``
(graphql-core behind a small HTTP app, on a loopback port).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tasklink.core import MappingSecretProvider, RedactingFilter
from tasklink.graphql._contracts import camunda as camunda_graphql
from tasklink.testing.vendor_templates import (
    AppliedTemplate,
    apply_template,
    camunda_template,
    templates_dir,
)

ROOT = Path(__file__).resolve().parents[2]
for folder in (
    ROOT / "packages" / "runtime" / "tests" / "camunda",
    ROOT / "packages" / "graphql" / "tests" / "support",
):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from camunda_fakes import WorkerHarness  # noqa: E402
from camunda_fakes.process import spec_checked_gateway  # noqa: E402
from camunda_fakes.rest import FakeRestGateway  # noqa: E402
from graphql_server import TOKEN, GraphqlServer, start  # noqa: E402

from tasklink.runtime.camunda import CamundaDocumentStore, RestGateway  # noqa: E402

TEMPLATE = "graphql-outbound-connector"
JOB_TYPE = "io.camunda:connector-graphql:1"
ORDER = "query Order($id: ID!) { order(id: $id) { id status customer } }"


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


@pytest.fixture(scope="module")
def graphql_server() -> Iterator[GraphqlServer]:
    running = start()
    yield running
    running.shutdown()
    running.server_close()


@pytest.fixture
def server(graphql_server: GraphqlServer, outbound_isolation: None) -> GraphqlServer:
    graphql_server.reset()
    return graphql_server


@pytest.fixture
async def gateway() -> AsyncIterator[FakeRestGateway]:
    async with spec_checked_gateway() as fake:
        yield fake


async def run(
    gateway: FakeRestGateway,
    *applied: AppliedTemplate,
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
    rest = RestGateway(gateway.rest_address)
    harness = WorkerHarness(
        [camunda_graphql],
        rest,
        secrets=MappingSecretProvider({"GRAPHQL_TOKEN": TOKEN}),
        documents=CamundaDocumentStore(rest.client),
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


def binding_of(template: dict[str, Any], name: str) -> dict[str, Any] | None:
    for prop in template["properties"]:
        if prop["binding"].get("name") == name or prop["binding"].get("key") == name:
            return dict(prop)
    return None


def method(template: dict[str, Any], wanted: str) -> str:
    """The template's own spelling of a method."""
    prop = binding_of(template, "graphql.method")
    assert prop is not None
    return next(str(c["value"]) for c in prop["choices"] if c["value"].lower() == wanted)


def filled_in(template: dict[str, Any], server: GraphqlServer, **values: Any) -> dict[str, Any]:
    """What a process designer types into the form: the private endpoint, a bearer token
    from a secret (where each version binds it), a header, the result variable."""
    filled: dict[str, Any] = {
        "graphql.url": f"{server.url}/private/graphql",
        "graphql.headers": '={"X-Order": string(orderId)}',
        "authentication.type": "bearer",
        "resultVariable": "result",
        "retryBackoff": "PT0S",
    }
    # Versions 1 to 3 bind the token to graphql.authentication.token.
    token = "authentication.token"
    if binding_of(template, token) is None:
        token = "graphql.authentication.token"
    assert binding_of(template, token) is not None
    filled[token] = "{{secrets.GRAPHQL_TOKEN}}"
    return {**filled, **values}


@pytest.mark.parametrize("template", VERSIONS, ids=[version_id(t) for t in VERSIONS])
async def test_each_version_runs_queries_mutations_and_errors(
    template: dict[str, Any],
    gateway: FakeRestGateway,
    server: GraphqlServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    version = int(template.get("version", 0))
    process = {"orderId": 1}
    query = apply_template(
        template,
        filled_in(
            template,
            server,
            **{
                "graphql.method": method(template, "get"),
                "graphql.query": ORDER,
                "graphql.variables": "={id: orderId}",
            },
        ),
        variables=process,
    )
    mutation = apply_template(
        template,
        filled_in(
            template,
            server,
            **{
                "graphql.method": method(template, "post"),
                "graphql.query": "mutation New($o: OrderInput!) { createOrder(input: $o) { id } }",
                "graphql.variables": '={o: {customer: "Linus", total: 5}}',
            },
        ),
        variables=process,
    )
    error_values = filled_in(
        template,
        server,
        **{
            "graphql.method": method(template, "post"),
            "graphql.query": "{ hello flaky }",
            "errorExpression": '=if error.code = "GRAPHQL_ERROR" then bpmnError("FLAKY", '
            "error.message, {partial: error.variables.response.body.data}) else null",
        },
    )
    errors = apply_template(template, error_values, variables=process)
    # The form's own method default: post in versions 1 to 4, get from 6 on.
    default = binding_of(template, "graphql.method") or {}
    assert default.get("value") == ("post" if version <= 4 else "get")

    got, created, flaky = await run(gateway, query, mutation, errors, caplog=caplog)

    assert got["kind"] == "complete", got
    result = got["variables"]["result"]
    assert set(result) == {"status", "headers", "body", "reason", "document"}
    assert (result["status"], result["document"]) == (200, None)
    assert result["body"]["data"] == {"order": {"id": "1", "status": "shipped", "customer": "Ada"}}
    assert result["headers"]["X-Served-By"] == "graphql-test-server"
    seen = server.requests[0]
    assert (seen.method, seen.headers["x-order"]) == ("GET", "1")
    assert json.loads(seen.query["variables"][0]) == {"id": 1}
    assert seen.headers["authorization"] == f"Bearer {TOKEN}"

    assert created["kind"] == "complete", created
    assert created["variables"]["result"]["body"]["data"] == {"createOrder": {"id": "3"}}
    assert json.loads(server.requests[1].body) == {
        "query": "mutation New($o: OrderInput!) { createOrder(input: $o) { id } }",
        "variables": {"o": {"customer": "Linus", "total": 5}},
    }

    assert flaky == {
        "kind": "error",
        "errorCode": "FLAKY",
        "errorMessage": "The flaky service is down",
        "variables": {"partial": {"hello": "Hello world", "flaky": None}},
    }

    everything = json.dumps([got, created, flaky]) + "\n".join(
        r.getMessage() for r in caplog.records
    )
    assert TOKEN not in everything


async def test_a_stored_credential_and_text_results_of_the_latest(
    gateway: FakeRestGateway, server: GraphqlServer
) -> None:
    template = camunda_template(TEMPLATE)
    credential = {"authentication": {"type": "bearer", "token": "{{secrets.GRAPHQL_TOKEN}}"}}
    stored = apply_template(
        template,
        {
            "authenticationConfiguration": "=credential",
            "graphql.url": f"{server.url}/private/graphql",
            "graphql.method": "post",
            "graphql.query": "{ me { scheme } }",
            "documentReturnFormat": "TEXT",
            "resultExpression": "={text: body}",
        },
        variables={"credential": credential},
    )
    # With a credential the form hides the task's own authentication.
    assert "authentication" not in stored.variables
    assert stored.variables["authenticationConfiguration"] == credential
    [outcome] = await run(gateway, stored)
    assert outcome["kind"] == "complete", outcome
    assert json.loads(outcome["variables"]["text"])["data"] == {"me": {"scheme": "bearer"}}


async def test_http_errors_keep_camundas_codes(
    gateway: FakeRestGateway, server: GraphqlServer
) -> None:
    template = camunda_template(TEMPLATE)
    refused = apply_template(
        template,
        {
            "graphql.url": f"{server.url}/private/graphql",
            "graphql.method": "post",
            "graphql.query": "{ hello }",
            "errorExpression": '=if error.code = "401" then bpmnError("DENIED", error.message, '
            "{body: error.variables.response.body}) else null",
        },
    )
    [outcome] = await run(gateway, refused)
    assert outcome == {
        "kind": "error",
        "errorCode": "DENIED",
        "errorMessage": "Unauthorized",
        "variables": {"body": {"errors": [{"message": "Authentication required"}]}},
    }
