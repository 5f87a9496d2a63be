"""Processes modelled with Alfresco Process Automation's REST connector run on tasklink:
integration requests for ``rest.<ACTION>``, as an Activiti runtime bundle publishes them
over RabbitMQ, answered by the REST connector's APA contract through the Activiti
adapter, with ``vendor_contracts`` turned on (and ``vendor_names`` for a project that
named its connector instance otherwise)."""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tasklink.core import MappingSecretProvider
from tasklink.http import connector as http_connector
from tasklink.runtime import Pipeline, build_pipeline
from tasklink.runtime.activiti import CLOUD_BPMN_ERROR, ActivitiAdapter
from tasklink.testing import httpbin

ROOT = Path(__file__).resolve().parents[2]
SUPPORT = ROOT / "packages" / "runtime" / "tests" / "support"
if str(SUPPORT) not in sys.path:
    sys.path.insert(0, str(SUPPORT))

from activiti_bundle import RuntimeBundle  # noqa: E402
from activiti_runtime import activiti_settings, served, started_bundle  # noqa: E402

TOKEN = "apa-rest-token-5d2e"


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def bundle(prefix: str) -> AsyncIterator[RuntimeBundle]:
    async with started_bundle(prefix) as started:
        yield started


@pytest.fixture(autouse=True)
def _isolated(outbound_isolation: None) -> None:
    """No operator setting or proxy from the environment."""


class Runtime:
    def __init__(self, pipeline: Pipeline, adapter: ActivitiAdapter) -> None:
        self.pipeline = pipeline
        self.adapter = adapter

    def destination(self, qualified_name: str) -> str:
        return self.adapter.destination(self.pipeline.find_operation(qualified_name))


@pytest.fixture
async def runtime(prefix: str, bundle: RuntimeBundle) -> AsyncIterator[Runtime]:
    settings = activiti_settings(
        bundle,
        retries=1,
        vendor_contracts=("rest",),
        vendor_names={"rest": ("rest", "billing-api")},
    )
    pipeline = build_pipeline(
        settings,
        connectors=[http_connector],
        secrets=MappingSecretProvider({"API_TOKEN": TOKEN}),
    )
    async with served(bundle, pipeline) as adapter:
        yield Runtime(pipeline, adapter)


async def call(
    bundle: RuntimeBundle, runtime: Runtime, implementation: str, variables: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """Publish an integration request for ``implementation`` (``rest.GET``); the kind of
    reply (result or error) and the reply."""
    request = bundle.request(implementation, variables)
    context_id = request["integrationContext"]["id"]
    await bundle.publish(runtime.destination(implementation), request)
    [reply] = await bundle.wait_for(context_id)
    assert TOKEN not in json.dumps(reply)
    return bundle.kinds[context_id][0], reply


async def test_the_actions_answer_with_apas_outputs(
    bundle: RuntimeBundle, runtime: Runtime, httpbin_server: httpbin.TestServer
) -> None:
    url = f"{httpbin_server.url}/anything"
    kind, reply = await call(
        bundle,
        runtime,
        "rest.GET",
        {
            "restUrl": {"type": "string", "value": url},
            "restUrlParams": {"type": "json", "value": json.dumps({"page": 2})},
            "requestHeaders": {"Authorization": "Bearer {{secrets.API_TOKEN}}"},
            "timeout": {"type": "integer", "value": "5000"},
            "circuitBreaker": {"type": "boolean", "value": "true"},
        },
    )
    assert kind == "result"
    outbound = reply["integrationContext"]["outBoundVariables"]
    assert set(outbound) == {"restResult", "restStatus", "responseHeaders"}
    assert outbound["restStatus"] == 200
    assert outbound["responseHeaders"]["Content-Type"] == ["application/json"]
    seen = outbound["restResult"]
    assert (seen["method"], seen["args"]) == ("GET", {"page": "2"})
    assert seen["headers"]["Authorization"] == "Bearer ***"

    kind, reply = await call(
        bundle, runtime, "rest.POST", {"restUrl": url, "requestPayload": {"order": 42}}
    )
    assert kind == "result"
    assert reply["integrationContext"]["outBoundVariables"]["restResult"]["json"] == {"order": 42}

    kind, reply = await call(bundle, runtime, "rest.HEAD", {"restUrl": url})
    assert kind == "result"
    assert set(reply["integrationContext"]["outBoundVariables"]) == {
        "restStatus",
        "responseHeaders",
    }


async def test_a_status_error_is_an_integration_error_with_apas_code(
    bundle: RuntimeBundle, runtime: Runtime, httpbin_server: httpbin.TestServer
) -> None:
    kind, reply = await call(
        bundle, runtime, "rest.DELETE", {"restUrl": f"{httpbin_server.url}/problem/404"}
    )
    assert kind == "error"
    # A code APA's definition declares: a BPMN error an error boundary event catches.
    assert reply["errorCode"] == "NOT_FOUND"
    assert reply["errorClassName"] == CLOUD_BPMN_ERROR
    outbound = reply["integrationContext"]["outBoundVariables"]
    assert outbound["restStatus"] == 404
    assert outbound["restResult"] == {"title": "problem", "status": 404}


async def test_a_project_names_its_connector_instance(
    bundle: RuntimeBundle, runtime: Runtime, httpbin_server: httpbin.TestServer
) -> None:
    # vendor_names serves the same contract as "billing-api" too.
    kind, reply = await call(
        bundle,
        runtime,
        "billing-api.PUT",
        {
            "restUrl": f"{httpbin_server.url}/anything",
            "requestPayload": "plain text",
        },
    )
    assert kind == "result"
    seen = reply["integrationContext"]["outBoundVariables"]["restResult"]
    assert (seen["method"], seen["data"]) == ("PUT", "plain text")
