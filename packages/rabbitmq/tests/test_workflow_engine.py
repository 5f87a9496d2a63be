"""A whole process on the embedded engine (``tasklink.testing.arun_process``):
``tests/processes/order-events.bpmn`` announces an order with this connector, writes an
audit line with Camunda's own RabbitMQ connector (the same broker, through the vendor
contract), and asks for a refund on a routing key where a queue may or may not listen.
Both paths run against the real RabbitMQ: with a queue for refunds the process ends at
"Refund requested"; without one, UNROUTABLE becomes the BPMN error NO_CONSUMER that the
boundary event catches."""

from __future__ import annotations

import json
from pathlib import Path

from rabbitmq_broker import AMQP_URL, Broker

from tasklink.testing import arun_process

PROCESS = Path(__file__).resolve().parent / "processes" / "order-events.bpmn"
SECRETS = {"RABBITMQ_URL": AMQP_URL}


async def test_the_order_is_announced_audited_and_the_refund_requested(broker: Broker) -> None:
    exchange = await broker.exchange()
    created = await broker.bound_queue(exchange, "order.created")
    audit = await broker.bound_queue(exchange, "order.audit")
    refunds = await broker.bound_queue(exchange, "order.refund")
    result = await arun_process(
        PROCESS,
        variables={"exchange": exchange.name, "orderId": 42, "total": 99.5},
        secrets=SECRETS,
    )
    assert result.state == "completed", result.incident
    assert result.path == ["order-placed", "announce", "audit", "ask-refund", "refund-requested"]
    assert result.variables["announcedAs"] == "order-42-created"
    assert result.variables["auditResult"] == {"statusResult": "success"}
    assert result.variables["refundRequest"]["routingKey"] == "order.refund"

    announced = await broker.get(created)
    assert json.loads(announced.body) == {"orderId": 42, "total": 99.5}
    assert (announced.message_id, announced.headers) == ("order-42-created", {"tenant": "eu"})
    assert (await broker.get(audit)).body == b"announced order-42-created"
    assert (await broker.get(refunds)).body == b"refund 42"
    assert AMQP_URL not in json.dumps(result.variables)


async def test_without_a_refund_queue_the_boundary_event_catches_no_consumer(
    broker: Broker,
) -> None:
    exchange = await broker.exchange()
    created = await broker.bound_queue(exchange, "order.created")
    result = await arun_process(
        PROCESS,
        variables={"exchange": exchange.name, "orderId": 43, "total": 12.0},
        secrets=SECRETS,
    )
    assert result.state == "completed", result.incident
    # The audit line reached no queue: Camunda's connector publishes without mandatory,
    # so it is dropped, as there. The refund's UNROUTABLE interrupts its task.
    assert result.path == ["order-placed", "announce", "audit", "no-consumer", "nobody-listens"]
    assert "routing key 'order.refund' to no queue" in result.variables["refundProblem"]
    assert json.loads((await broker.get(created)).body)["orderId"] == 43
