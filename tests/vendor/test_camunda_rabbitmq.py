"""Processes modelled with Camunda's own RabbitMQ template run on tasklink unchanged.

Every version of Camunda's RabbitMQ outbound template (``rabbitmq-outbound-connector.json``
of the npm package ``@camunda/connectors-element-templates``: versions 1 to 6) is applied
to service tasks as the modeler does, for both of its connection types, and the jobs run
through the Camunda worker (the fake Orchestration Cluster gateway, every exchange checked
against the official API document) on the RabbitMQ connector's Camunda contract, against
the real RabbitMQ on 127.0.0.1:5672: each message is consumed from a queue of the test's
own and checked.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aio_pika
import pytest

from tasklink.core import MappingSecretProvider, RedactingFilter
from tasklink.rabbitmq._amqp import close_connections
from tasklink.rabbitmq._contracts import camunda as camunda_rabbitmq
from tasklink.testing.vendor_templates import (
    AppliedTemplate,
    apply_template,
    camunda_template,
    templates_dir,
)

ROOT = Path(__file__).resolve().parents[2]
for folder in (
    ROOT / "packages" / "runtime" / "tests" / "camunda",
    ROOT / "packages" / "rabbitmq" / "tests",
):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from camunda_fakes import WorkerHarness  # noqa: E402
from camunda_fakes.process import spec_checked_gateway  # noqa: E402
from camunda_fakes.rest import FakeRestGateway  # noqa: E402
from rabbitmq_broker import HOST, PORT, USER, Broker, broker_session  # noqa: E402

from tasklink.runtime.camunda import RestGateway  # noqa: E402

TEMPLATE = "rabbitmq-outbound-connector"
JOB_TYPE = "io.camunda:connector-rabbitmq:1"
PASSWORD = "guest"
SECRETS = {
    "RABBITMQ_URI": f"amqp://{USER}:{PASSWORD}@{HOST}:{PORT}/%2F",
    "RABBITMQ_PASSWORD": PASSWORD,
}


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
async def broker() -> AsyncIterator[Broker]:
    async with broker_session() as session:
        yield session
    await close_connections()


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
    harness = WorkerHarness(
        [camunda_rabbitmq],
        RestGateway(gateway.rest_address),
        secrets=MappingSecretProvider(SECRETS),
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


def uri_task(exchange: str, routing_key: str, **values: Any) -> dict[str, Any]:
    return {
        "authentication.authType": "uri",
        "authentication.uri": "{{secrets.RABBITMQ_URI}}",
        "routing.exchange": exchange,
        "routing.routingKey": routing_key,
        "resultVariable": "result",
        **values,
    }


def credentials_task(exchange: str, routing_key: str, **values: Any) -> dict[str, Any]:
    return {
        "authentication.authType": "credentials",
        "authentication.userName": USER,
        "authentication.password": "{{secrets.RABBITMQ_PASSWORD}}",
        "routing.exchange": exchange,
        "routing.routingKey": routing_key,
        "routing.virtualHost": "/",
        "routing.hostName": HOST,
        "routing.port": str(PORT),
        "resultVariable": "result",
        **values,
    }


@pytest.mark.parametrize("template", VERSIONS, ids=[version_id(t) for t in VERSIONS])
async def test_each_version_publishes_with_both_connection_types(
    template: dict[str, Any],
    gateway: FakeRestGateway,
    broker: Broker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    exchange = await broker.exchange(aio_pika.ExchangeType.DIRECT)
    queue = await broker.bound_queue(exchange, "orders")
    [dropdown] = [
        p for p in template["properties"] if p["binding"].get("name") == "authentication.authType"
    ]
    assert {c["value"] for c in dropdown["choices"]} == {"uri", "credentials"}
    process = {"orderId": 42, "customer": "Ada"}
    by_uri = apply_template(
        template,
        uri_task(
            exchange.name,
            "orders",
            **{
                "message.body": '{"orderId": 42, "status": "created"}',
                "message.properties": '={contentType: "application/json", '
                'headers: {source: "camunda", customer: customer}, deliveryMode: 2}',
            },
        ),
        variables=process,
    )
    by_credentials = apply_template(
        template,
        credentials_task(exchange.name, "orders", **{"message.body": "=orderId + 1"}),
        variables=process,
    )
    # The dropdown decides which inputs the job gets.
    assert set(by_uri.variables["authentication"]) == {"authType", "uri"}
    assert set(by_credentials.variables["routing"]) == {
        "exchange",
        "routingKey",
        "virtualHost",
        "hostName",
        "port",
    }
    uri_outcome, credentials_outcome = await run(gateway, by_uri, by_credentials, caplog=caplog)

    for outcome in (uri_outcome, credentials_outcome):
        assert outcome["kind"] == "complete", outcome
        assert outcome["variables"] == {"result": {"statusResult": "success"}}
    first, second = await broker.get(queue), await broker.get(queue)
    assert first.body == b'{"orderId":42,"status":"created"}'
    assert first.content_type == "application/json"
    assert first.headers == {"source": "camunda", "customer": "Ada"}
    assert first.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert (second.body, second.content_type) == (b"43", None)
    assert second.delivery_mode == aio_pika.DeliveryMode.NOT_PERSISTENT
    everything = json.dumps([uri_outcome, credentials_outcome]) + caplog.text
    assert "amqp://guest:guest@" not in everything


async def test_failures_of_the_latest_reach_the_error_expression_masked(
    gateway: FakeRestGateway, broker: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    template = camunda_template(TEMPLATE)
    missing = apply_template(
        template,
        uri_task(
            "tasklink-test-no-such-exchange",
            "k",
            **{
                "message.body": "x",
                "errorExpression": '=if error.code = "NOT_FOUND" then bpmnError('
                '"NO_EXCHANGE", error.message, {exchange: error.variables.exchange}) else null',
            },
        ),
    )
    wrong_password = "wrong-vendor-password-4c1"
    refused = apply_template(
        template,
        {
            **credentials_task("amq.direct", "k", **{"message.body": "x"}),
            "authentication.password": wrong_password,
        },
    )
    unsupported = apply_template(
        template,
        uri_task(
            "amq.direct",
            "k",
            **{"message.body": "x", "message.properties": '={wrongField: "x"}'},
        ),
    )
    thrown, failed, incident = await run(gateway, missing, refused, unsupported, caplog=caplog)
    assert thrown == {
        "kind": "error",
        "errorCode": "NO_EXCHANGE",
        "errorMessage": thrown["errorMessage"],
        "variables": {"exchange": "tasklink-test-no-such-exchange"},
    }
    assert "tasklink-test-no-such-exchange" in thrown["errorMessage"]
    # A refused login and an unsupported property: incidents at once, not retries.
    assert (failed["kind"], failed["retries"]) == ("fail", 0), failed
    assert "refused the login" in failed["errorMessage"]
    assert (incident["kind"], incident["retries"]) == ("fail", 0), incident
    assert (
        "Unsupported field [wrongField] for properties".lower() in incident["errorMessage"].lower()
    )
    everything = json.dumps([thrown, failed, incident]) + caplog.text
    assert wrong_password not in everything
