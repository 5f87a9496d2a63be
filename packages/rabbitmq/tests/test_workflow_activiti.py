"""A process publishing to RabbitMQ runs on tasklink's Activiti runtime: integration
requests for ``rabbitmq.PUBLISH``, published over the real RabbitMQ as an Activiti runtime
bundle publishes them (``packages/runtime/tests/support/activiti_bundle.py``), answered by
the Activiti adapter, whose connector publishes the process's messages to queues of the
test's own on the same broker.

Each service task maps the connection with the password as ``{{secrets.RABBITMQ_PASSWORD}}``
(the runtime resolves it from its secret provider); its outputs become process variables
(APA's output mapping) which a later task maps to its inputs. Documents travel inline
(Activiti has no document store). A declared error code reaches the process as a BPMN
error (``CloudBpmnError``) that an error boundary event catches by code.
"""

from __future__ import annotations

import base64
import json
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from rabbitmq_broker import HOST, PORT, USER, Broker

from tasklink.core import MappingSecretProvider
from tasklink.rabbitmq import connector
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

PASSWORD = "guest"


@pytest.fixture
async def bundle() -> AsyncIterator[RuntimeBundle]:
    async with started_bundle() as started:
        yield started


@pytest.fixture
async def process(bundle: RuntimeBundle) -> AsyncIterator[ActivitiProcess]:
    """The Activiti runtime serving the RabbitMQ connector, the password in its secret
    ``RABBITMQ_PASSWORD``, and a process instance to send tasks for."""
    settings = activiti_settings(bundle, concurrency=4)
    pipeline = Pipeline(
        [connector], settings, secrets=MappingSecretProvider({"RABBITMQ_PASSWORD": PASSWORD})
    )
    connection = {
        "connection": {
            "type": "host",
            "host": HOST,
            "port": PORT,
            "username": USER,
            "password": "{{secrets.RABBITMQ_PASSWORD}}",
        }
    }
    async with served(bundle, pipeline) as adapter:
        yield ActivitiProcess(bundle, pipeline, adapter, "rabbitmq", connection)


async def test_a_publishing_process_runs_through_the_activiti_adapter(
    process: ActivitiProcess, broker: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    p = process
    exchange = await broker.exchange()
    events = await broker.bound_queue(exchange, "order.*")
    invoices = await broker.queue()

    # PUBLISH an order event (JSON, headers, a correlation ID); the message ID becomes a
    # process variable.
    out = await p.ok(
        "PUBLISH",
        {
            "exchange": exchange.name,
            "routingKey": "order.created",
            "body": {"orderId": 42, "total": 99.5},
            "headers": {"tenant": "eu", "attempt": 1},
            "properties": {"correlationId": "order-42", "type": "order.created"},
        },
        eventId="messageId",
    )
    assert (out["exchange"], out["routingKey"], out["confirmed"]) == (
        exchange.name,
        "order.created",
        True,
    )
    message = await broker.get(events)
    assert json.loads(message.body) == {"orderId": 42, "total": 99.5}
    assert message.message_id == p.variables["eventId"]
    assert (message.headers, message.correlation_id) == ({"tenant": "eu", "attempt": 1}, "order-42")

    # PUBLISH an inline document to a queue through the default exchange, with the ID
    # of the event as its correlation ID (mapped from the process variable).
    invoice = b"%PDF-1.4 invoice 42"
    document = {
        "camunda.document.type": "inline",
        "content": base64.b64encode(invoice).decode(),
        "encoding": "base64",
        "fileName": "invoice-42.pdf",
        "contentType": "application/pdf",
    }
    out = await p.ok(
        "PUBLISH",
        {
            "routingKey": invoices.name,
            "document": document,
            "properties": {"correlationId": p.variables["eventId"]},
        },
    )
    assert (out["bodySize"], out["contentType"]) == (len(invoice), "application/pdf")
    message = await broker.get(invoices)
    assert (message.body, message.content_type) == (invoice, "application/pdf")
    assert message.correlation_id == p.variables["eventId"]

    # No queue for the routing key: UNROUTABLE, a BPMN error the boundary catches.
    kind, reply, execution = await p.task(
        "PUBLISH",
        {"exchange": exchange.name, "routingKey": "invoice.created", "body": "x"},
        ErrorBoundary("NotFound", "NOT_FOUND"),
        ErrorBoundary("NobodyListens", "UNROUTABLE"),
    )
    assert kind == "error"
    assert (reply["errorClassName"], reply["errorCode"]) == (CLOUD_BPMN_ERROR_CLASS, "UNROUTABLE")
    assert "'invoice.created'" in reply["errorMessage"]
    assert reply["integrationContext"]["outBoundVariables"]["replyCode"] == 312
    assert (execution.state, execution.caught_by) == ("caught", "NobodyListens")

    # The password never reached a reply, a process variable or a log line (the redactor
    # masks "guest" wherever it stands, the user name too).
    secret_free = json.dumps(p.replies) + json.dumps(
        [e.variables for e in p.bundle.executions.values()]
    )
    assert f":{PASSWORD}@" not in secret_free and '"password": "guest"' not in secret_free
    assert caplog.records, "the runtime logged nothing to check"
    assert f"{USER}:{PASSWORD}" not in caplog.text
