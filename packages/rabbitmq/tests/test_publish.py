"""The ``publish`` operation against the real RabbitMQ on 127.0.0.1:5672: each test
declares its own queues and exchanges, runs jobs through the core path (``arun_job``:
secrets, validation, the operation, output mapping), and consumes what arrived."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aio_pika
import pytest
from rabbitmq_broker import AMQP_URL, HOST, PASSWORD, PORT, USER, Broker, closed_port

from tasklink.core import Document, DocumentMetadata, Failed, RedactingFilter, Redactor
from tasklink.rabbitmq import _amqp as amqp
from tasklink.rabbitmq import connector
from tasklink.testing import arun_job

URL_CONNECTION = {"type": "url", "url": "amqp://guest:{{secrets.RABBITMQ_PASSWORD}}@127.0.0.1/"}
HOST_CONNECTION = {
    "type": "host",
    "host": HOST,
    "port": PORT,
    "username": USER,
    "password": "{{secrets.RABBITMQ_PASSWORD}}",
}
SECRETS = {"RABBITMQ_PASSWORD": PASSWORD}


async def publish(variables: dict[str, Any], **options: Any) -> Any:
    return await arun_job(
        connector,
        {"connection": URL_CONNECTION, **variables},
        secrets=options.pop("secrets", SECRETS),
        **options,
    )


def failed(outcome: Any, code: str) -> Failed:
    assert isinstance(outcome, Failed), outcome
    assert outcome.code == code, outcome
    return outcome


# -- bodies --------------------------------------------------------------------------------


async def test_json_to_a_queue_through_the_default_exchange(broker: Broker) -> None:
    queue = await broker.queue()
    order = {"orderId": 42, "total": 99.95, "items": ["book", "pen"], "paid": True, "note": None}
    outcome = await publish(
        {"routingKey": queue.name, "body": order}, headers={"resultVariable": "sent"}
    )
    assert outcome.kind == "completed", outcome
    sent = outcome.variables["sent"]
    message = await broker.get(queue)
    assert json.loads(message.body) == order
    assert message.body == json.dumps(order, separators=(",", ":")).encode()
    assert (message.content_type, message.content_encoding) == ("application/json", "UTF-8")
    assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    uuid.UUID(sent["messageId"])  # a new UUID, the one the message carries
    assert message.message_id == sent["messageId"]
    assert sent == {
        "messageId": sent["messageId"],
        "exchange": "",
        "routingKey": queue.name,
        "confirmed": True,
        "bodySize": len(message.body),
        "contentType": "application/json",
    }


async def test_text_with_headers_and_every_property_through_a_topic_exchange(
    broker: Broker,
) -> None:
    exchange = await broker.exchange()
    queue = await broker.bound_queue(exchange, "orders.*")
    headers = {
        "source": "shop",
        "attempt": 3,
        "big": 2**40,
        "negative": -70000,
        "amount": 99.95,
        "urgent": False,
        "nothing": None,
        "tags": ["a", 1, 2.5, True],
        "customer": {"id": "c-7", "vip": True, "score": 0.1},
    }
    stamp = datetime(2024, 5, 17, 9, 30, 15, tzinfo=UTC)
    properties = {
        "messageId": "order-42-created",
        "correlationId": "corr-7",
        "replyTo": "replies",
        "expiration": 60000,
        "priority": 7,
        "type": "order.created",
        "appId": "shop",
        "userId": USER,
        "timestamp": stamp.isoformat(),
        "contentType": "text/x-order",
        "contentEncoding": "latin-1",
    }
    outcome = await publish(
        {
            "exchange": exchange.name,
            "routingKey": "orders.created",
            "body": "Order 42 \u2705",
            "headers": headers,
            "properties": properties,
            "persistent": False,
        }
    )
    assert outcome.kind == "completed", outcome
    assert outcome.output["messageId"] == "order-42-created"
    assert outcome.output["contentType"] == "text/x-order"
    message = await broker.get(queue)
    assert message.body == "Order 42 \u2705".encode()
    assert message.headers == headers  # 99.95 and 0.1 exact: doubles, not 32-bit floats
    assert (message.exchange, message.routing_key) == (exchange.name, "orders.created")
    assert message.delivery_mode == aio_pika.DeliveryMode.NOT_PERSISTENT
    assert (message.message_id, message.correlation_id, message.reply_to) == (
        "order-42-created",
        "corr-7",
        "replies",
    )
    assert (message.priority, message.type, message.app_id, message.user_id) == (
        7,
        "order.created",
        "shop",
        USER,
    )
    assert message.expiration == 60.0  # aio-pika reads the milliseconds as seconds
    assert message.timestamp == stamp
    assert (message.content_type, message.content_encoding) == ("text/x-order", "latin-1")


async def test_text_defaults_to_text_plain_utf8(broker: Broker) -> None:
    queue = await broker.queue()
    outcome = await publish({"routingKey": queue.name, "body": ""})
    assert outcome.kind == "completed", outcome
    message = await broker.get(queue)
    assert (message.body, message.content_type, message.content_encoding) == (
        b"",
        "text/plain",
        "UTF-8",
    )
    assert outcome.output["bodySize"] == 0


async def test_numbers_and_booleans_are_json(broker: Broker) -> None:
    queue = await broker.queue()
    for body in (42, 2.5, True):
        outcome = await publish({"routingKey": queue.name, "body": body})
        assert outcome.kind == "completed", outcome
        message = await broker.get(queue)
        assert (json.loads(message.body), message.content_type) == (body, "application/json")


async def test_a_document_is_sent_as_its_bytes(broker: Broker) -> None:
    queue = await broker.queue()
    pdf = b"%PDF-1.7 " + bytes(range(256)) * 64
    document = Document.from_bytes(pdf, file_name="invoice.pdf", content_type="application/pdf")
    outcome = await publish({"routingKey": queue.name, "document": document})
    assert outcome.kind == "completed", outcome
    assert (outcome.output["bodySize"], outcome.output["contentType"]) == (
        len(pdf),
        "application/pdf",
    )
    message = await broker.get(queue)
    assert (message.body, message.content_type, message.content_encoding) == (
        pdf,
        "application/pdf",
        None,
    )


async def test_an_inline_document_reference_from_the_process(broker: Broker) -> None:
    queue = await broker.queue()
    reference = {
        "camunda.document.type": "inline",
        "content": "a,b\n1,2\n",
        "name": "data.csv",
        "contentType": "text/csv",
    }
    outcome = await publish({"routingKey": queue.name, "document": reference})
    assert outcome.kind == "completed", outcome
    message = await broker.get(queue)
    assert (message.body, message.content_type) == (b"a,b\n1,2\n", "text/csv")


async def test_bodies_over_max_body_bytes_are_refused_before_publishing(broker: Broker) -> None:
    queue = await broker.queue()
    known = Document.from_bytes(b"x" * 2048, file_name="big.bin")
    outcome = failed(
        await publish({"routingKey": queue.name, "document": known, "maxBodyBytes": 1024}),
        "MESSAGE_TOO_LARGE",
    )
    assert outcome.retries == 0
    assert "2048 bytes" in outcome.message and "maxBodyBytes" in outcome.message

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"y" * 512

    # A document of unknown size: refused while it is read.
    unknown = Document(chunks, DocumentMetadata(file_name="stream.bin"))
    failed(
        await publish({"routingKey": queue.name, "document": unknown, "maxBodyBytes": 1024}),
        "MESSAGE_TOO_LARGE",
    )
    failed(
        await publish({"routingKey": queue.name, "body": "z" * 2000, "maxBodyBytes": 1024}),
        "MESSAGE_TOO_LARGE",
    )
    assert await broker.count(queue) == 0


# -- routing and refusals ------------------------------------------------------------------


async def test_an_unroutable_mandatory_message_is_an_error_not_retried(broker: Broker) -> None:
    exchange = await broker.exchange(aio_pika.ExchangeType.DIRECT)
    outcome = failed(
        await publish({"exchange": exchange.name, "routingKey": "nobody", "body": {"a": 1}}),
        "UNROUTABLE",
    )
    assert outcome.retries == 0
    assert outcome.variables["replyCode"] == 312
    assert outcome.variables["replyText"] == "NO_ROUTE"
    assert (outcome.variables["exchange"], outcome.variables["routingKey"]) == (
        exchange.name,
        "nobody",
    )
    assert f"exchange {exchange.name!r}" in outcome.message
    # Not mandatory: the broker drops it, and confirms.
    dropped = await publish(
        {"exchange": exchange.name, "routingKey": "nobody", "body": {"a": 1}, "mandatory": False}
    )
    assert dropped.kind == "completed", dropped
    assert dropped.output["confirmed"] is True


async def test_a_missing_exchange_is_not_found_and_the_connection_serves_on(
    broker: Broker,
) -> None:
    queue = await broker.queue()
    missing = f"no-such-exchange-{uuid.uuid4().hex[:8]}"
    outcome = failed(
        await publish({"exchange": missing, "routingKey": "k", "body": "x"}), "NOT_FOUND"
    )
    assert outcome.retries == 0
    assert missing in outcome.message and "'/'" in outcome.message
    assert outcome.variables["replyCode"] == 404
    # The broker closed that job's channel only: the pooled connection publishes on.
    assert (await publish({"routingKey": queue.name, "body": "after"})).kind == "completed"
    assert (await broker.get(queue)).body == b"after"


async def test_publishing_to_an_internal_exchange_is_forbidden(broker: Broker) -> None:
    internal = await broker.exchange(internal=True)
    outcome = failed(
        await publish({"exchange": internal.name, "routingKey": "k", "body": "x"}), "FORBIDDEN"
    )
    assert outcome.retries == 0
    assert outcome.variables["replyCode"] == 403
    assert "internal exchange" in outcome.message


async def test_a_negative_confirm_is_nacked_and_retried(broker: Broker) -> None:
    # A queue that holds one message and rejects publishes beyond: the broker nacks.
    queue = await broker.queue(**{"x-max-length": 1, "x-overflow": "reject-publish"})
    assert (await publish({"routingKey": queue.name, "body": "first"})).kind == "completed"
    outcome = failed(
        await publish({"routingKey": queue.name, "body": "second"}, retries=3), "NACKED"
    )
    assert outcome.retries == 2  # retried: the queue may have room later
    assert outcome.variables["routingKey"] == queue.name
    assert await broker.count(queue) == 1


async def test_a_user_id_other_than_the_connections_is_a_bad_request(broker: Broker) -> None:
    queue = await broker.queue()
    outcome = failed(
        await publish(
            {"routingKey": queue.name, "body": "x", "properties": {"userId": "someone-else"}}
        ),
        "BAD_REQUEST",
    )
    assert outcome.retries == 0
    assert "user_id property set to 'someone-else'" in outcome.message
    assert outcome.variables["replyCode"] == 406


async def test_a_virtual_host_that_does_not_exist_is_forbidden() -> None:
    connection = {"type": "url", "url": "amqp://guest:guest@127.0.0.1:5672/no-such-vhost"}
    outcome = failed(
        await arun_job(connector, {"connection": connection, "routingKey": "k", "body": "x"}),
        "FORBIDDEN",
    )
    assert outcome.retries == 0
    assert "virtual host 'no-such-vhost'" in outcome.message
    assert outcome.variables == {"replyCode": 530, "virtualHost": "no-such-vhost"}


# -- connections ---------------------------------------------------------------------------


async def test_host_and_credentials_fields(broker: Broker) -> None:
    queue = await broker.queue()
    outcome = await arun_job(
        connector,
        {"connection": HOST_CONNECTION, "routingKey": queue.name, "body": {"via": "fields"}},
        secrets=SECRETS,
    )
    assert outcome.kind == "completed", outcome
    assert json.loads((await broker.get(queue)).body) == {"via": "fields"}


async def test_a_wrong_password_fails_authentication_masked(
    broker: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-rabbit-password-5d1c"
    redactor = Redactor()
    caplog.handler.addFilter(RedactingFilter(redactor))
    # Typed into the URL literally, not as a secret: masked all the same.
    connection = {"type": "url", "url": f"amqp://guest:{wrong}@127.0.0.1:5672/%2F"}
    outcome = failed(
        await arun_job(
            connector,
            {"connection": connection, "routingKey": "k", "body": "x"},
            redactor=redactor,
        ),
        "AUTHENTICATION_FAILED",
    )
    assert outcome.retries == 0
    assert "user 'guest'" in outcome.message and "ACCESS_REFUSED" in outcome.message
    assert caplog.records, "nothing was logged to check"
    assert wrong not in repr(outcome) + caplog.text
    assert wrong not in "\n".join(str(r.__dict__) for r in caplog.records)


async def test_a_closed_port_is_a_retryable_connection_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    password = "refused-rabbit-password-9f3e"
    redactor = Redactor()
    caplog.handler.addFilter(RedactingFilter(redactor))
    port = closed_port()
    connection = {"type": "url", "url": f"amqps://ada:{password}@127.0.0.1:{port}/orders"}
    outcome = failed(
        await arun_job(
            connector,
            {"connection": connection, "routingKey": "k", "body": "x"},
            retries=3,
            redactor=redactor,
        ),
        "CONNECTION_FAILED",
    )
    assert outcome.retries == 2
    assert f"amqps://127.0.0.1:{port}/orders" in outcome.message
    assert password not in repr(outcome) + caplog.text
    assert password not in "\n".join(str(r.__dict__) for r in caplog.records)


async def test_a_broker_that_never_answers_times_out() -> None:
    from rabbitmq_broker import SilentServer

    async with SilentServer() as silent:
        connection = {"type": "url", "url": f"amqp://guest:guest@127.0.0.1:{silent.port}/"}
        outcome = failed(
            await arun_job(
                connector,
                {
                    "connection": connection,
                    "routingKey": "k",
                    "body": "x",
                    "connectTimeoutInSeconds": 0.5,
                },
                retries=2,
            ),
            "TIMEOUT",
        )
    assert outcome.retries == 1
    assert "within 0.5 s (connectTimeoutInSeconds)" in outcome.message


async def test_a_confirm_that_never_comes_times_out(broker: Broker) -> None:
    from rabbitmq_broker import Proxy

    queue = await broker.queue()
    async with Proxy() as proxy:
        connection = {"type": "url", "url": f"amqp://guest:guest@127.0.0.1:{proxy.port}/"}
        variables = {
            "connection": connection,
            "routingKey": queue.name,
            "body": "x",
            "publishTimeoutInSeconds": 0.5,
        }
        assert (await arun_job(connector, variables)).kind == "completed"
        proxy.freeze()  # the broker's answers (the next confirm) no longer arrive
        outcome = failed(await arun_job(connector, variables, retries=3), "TIMEOUT")
    assert outcome.retries == 2
    assert "did not confirm" in outcome.message and "(publishTimeoutInSeconds)" in outcome.message
    assert "messageId" in outcome.message


async def test_connections_are_pooled_per_target_and_replaced_when_closed(
    broker: Broker,
) -> None:
    queue = await broker.queue()
    for n in range(3):
        assert (await publish({"routingKey": queue.name, "body": n})).kind == "completed"
    pool = amqp._pools[asyncio.get_running_loop()]
    [entry] = pool.entries.values()
    assert entry.leases == 0 and len(entry.idle) == 1  # one connection, one channel reused
    first = entry.connection
    # The same broker through the fields: the same target, the same connection.
    outcome = await arun_job(
        connector,
        {"connection": HOST_CONNECTION, "routingKey": queue.name, "body": "fields"},
        secrets=SECRETS,
    )
    assert outcome.kind == "completed"
    assert [e.connection for e in pool.entries.values()] == [first]
    # A connection that closed (a broker restart) is replaced on the next publish.
    await first.close()
    assert (await publish({"routingKey": queue.name, "body": "again"})).kind == "completed"
    [entry] = pool.entries.values()
    assert entry.connection is not first and not entry.connection.is_closed
    # Another user is another target.
    await arun_job(
        connector,
        {
            "connection": {"type": "url", "url": "amqp://guest:wrong-password-x@127.0.0.1/"},
            "routingKey": queue.name,
            "body": "x",
        },
    )
    assert len(pool.entries) == 1  # the refused login left nothing behind
    # The shutdown hook closes them.
    await connector.aclose()
    assert entry.connection.is_closed
    assert asyncio.get_running_loop() not in amqp._pools
    assert [json.loads(m.body) for m in [await broker.get(queue) for _ in range(3)]] == [0, 1, 2]


async def test_concurrent_publishes_each_have_their_own_channel(broker: Broker) -> None:
    queue = await broker.queue()
    missing = f"missing-{uuid.uuid4().hex[:8]}"
    jobs = [
        publish({"exchange": missing, "routingKey": "k", "body": n})
        if n % 3 == 0
        else publish({"routingKey": queue.name, "body": n})
        for n in range(30)
    ]
    outcomes = await asyncio.gather(*jobs)
    for n, outcome in enumerate(outcomes):
        if n % 3 == 0:
            failed(outcome, "NOT_FOUND")
        else:
            assert outcome.kind == "completed", (n, outcome)
    received = sorted([json.loads((await broker.get(queue)).body) for _ in range(20)])
    assert received == [n for n in range(30) if n % 3]
    ids = {outcome.output["messageId"] for outcome in outcomes if outcome.kind == "completed"}
    assert len(ids) == 20


async def test_the_outbound_policy_applies_to_the_broker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS", "true")
    outcome = failed(
        await arun_job(
            connector,
            {"connection": {"type": "url", "url": AMQP_URL}, "routingKey": "k", "body": "x"},
        ),
        "BLOCKED_ADDRESS",
    )
    assert outcome.retries == 0
    assert "amqp://127.0.0.1:5672/%2F" in outcome.message
    monkeypatch.setenv("TASKLINK_HTTP_ALLOWED_NETWORKS", "127.0.0.0/8")
    queue_name = f"policy-{uuid.uuid4().hex[:8]}"
    allowed = await arun_job(
        connector,
        {
            "connection": {"type": "url", "url": AMQP_URL},
            "routingKey": queue_name,
            "body": "x",
            "mandatory": False,
        },
    )
    assert allowed.kind == "completed", allowed


async def test_the_least_recently_used_idle_connection_is_closed_beyond_the_limit(
    broker: Broker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(amqp, "MAX_CONNECTIONS_PER_LOOP", 2)
    queue = await broker.queue()
    opened = []
    for heartbeat in (30, 31, 32):  # the heartbeat is part of a target: three targets
        url = f"amqp://guest:guest@127.0.0.1:5672/%2F?heartbeat={heartbeat}"
        variables = {"connection": {"type": "url", "url": url}, "routingKey": queue.name}
        outcome = await arun_job(connector, {**variables, "body": heartbeat})
        assert outcome.kind == "completed", outcome
        pool = amqp._pools[asyncio.get_running_loop()]
        opened.append(list(pool.entries.values())[-1].connection)
    assert [e.connection for e in pool.entries.values()] == opened[1:]
    await asyncio.gather(*pool.closing)
    assert opened[0].is_closed and not opened[2].is_closed
