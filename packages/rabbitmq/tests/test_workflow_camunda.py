"""The same kind of process on Camunda 8: jobs of type ``tasklink:rabbitmq:1``, run by the
Camunda worker against the fake Orchestration Cluster gateway
(``packages/runtime/tests/camunda/camunda_fakes``: every exchange checked against the
official API document; documents in its document store), publishing to the real RabbitMQ.

Each job's variables are what the engine hands the worker: the process's variables plus
the task's input mappings (the connection URL as ``{{secrets.RABBITMQ_URL}}``). Outputs
come back through the ``resultVariable`` and ``resultExpression`` headers; a failure
becomes an incident, or a BPMN error through ``errorExpression``.
"""

from __future__ import annotations

import json
import logging
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from rabbitmq_broker import AMQP_URL, Broker

from tasklink.core import MappingSecretProvider
from tasklink.rabbitmq import connector

ROOT = Path(__file__).resolve().parents[3]
FAKES = ROOT / "packages" / "runtime" / "tests" / "camunda"
if str(FAKES) not in sys.path:
    sys.path.insert(0, str(FAKES))

from camunda_fakes import WorkerHarness  # noqa: E402
from camunda_fakes.process import CamundaProcess, spec_checked_gateway  # noqa: E402
from camunda_fakes.rest import FakeRestGateway  # noqa: E402

from tasklink.runtime.camunda import CamundaDocumentStore, RestGateway  # noqa: E402

JOB_TYPE = "tasklink:rabbitmq:1"
NOT_FOUND_AS_BPMN_ERROR = (
    '=if error.code = "NOT_FOUND" then bpmnError("NO_EXCHANGE", error.message, '
    "{exchange: error.variables.exchange, replyCode: error.variables.replyCode}) else null"
)


@pytest.fixture
async def gateway() -> AsyncIterator[FakeRestGateway]:
    async with spec_checked_gateway() as fake:
        yield fake


async def test_a_publishing_process_runs_through_the_camunda_worker(
    gateway: FakeRestGateway, broker: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    store = gateway.store
    rest = RestGateway(gateway.rest_address)
    harness = WorkerHarness(
        [connector],
        rest,
        secrets=MappingSecretProvider({"RABBITMQ_URL": AMQP_URL}),
        documents=CamundaDocumentStore(rest.client),
        concurrency=1,
    )
    exchange = await broker.exchange()
    shipped = await broker.bound_queue(exchange, "order.shipped")
    labels = await broker.queue()
    p = CamundaProcess(
        store,
        JOB_TYPE,
        {"connection": {"type": "url", "url": "{{secrets.RABBITMQ_URL}}"}},
        variables={"orderId": 42},
    )
    label = gateway.documents.add(b"ZPL^XA^FO50,50^FDOrder 42^FS^XZ", fileName="label.zpl")
    async with harness:
        # An order event: the message ID through resultExpression.
        out = await p.ok(
            "publish",
            {
                "exchange": exchange.name,
                "routingKey": "order.shipped",
                "body": {"orderId": p.variables["orderId"], "carrier": "DHL"},
                "properties": {"messageId": "order-42-shipped", "appId": "shop"},
            },
            resultExpression="={eventId: messageId, eventSize: bodySize}",
        )
        assert out == {"eventId": "order-42-shipped", "eventSize": 30}
        message = await broker.get(shipped)
        assert json.loads(message.body) == {"orderId": 42, "carrier": "DHL"}
        assert (message.message_id, message.app_id) == ("order-42-shipped", "shop")

        # A document of the cluster's store as the body, to a queue.
        out = await p.ok(
            "publish",
            {"routingKey": labels.name, "document": label.reference()},
            resultVariable="sent",
        )
        assert out["sent"]["contentType"] == "application/octet-stream"
        assert (await broker.get(labels)).body == b"ZPL^XA^FO50,50^FDOrder 42^FS^XZ"

        # A missing exchange: NOT_FOUND, a BPMN error through errorExpression.
        missing = f"missing-{uuid.uuid4().hex[:8]}"
        thrown = await p.task(
            "publish",
            {"exchange": missing, "routingKey": "k", "body": "x"},
            errorExpression=NOT_FOUND_AS_BPMN_ERROR,
        )
        assert (thrown["kind"], thrown["errorCode"]) == ("error", "NO_EXCHANGE")
        assert thrown["variables"] == {"exchange": missing, "replyCode": 404}
        # Without an error expression: an incident at once (not retried).
        incident = await p.task("publish", {"exchange": missing, "routingKey": "k", "body": "x"})
        assert (incident["kind"], incident["retries"]) == ("fail", 0), incident

    assert all(job.activations == 1 for job in store.jobs.values())
    assert AMQP_URL not in json.dumps(p.outcomes) + json.dumps(store.outcomes, default=str)
    assert caplog.records, "the worker logged nothing to check"
    assert AMQP_URL not in caplog.text
