"""Camunda's ``io.camunda:connector-rabbitmq:1`` served by the connector: Camunda's
validation, body and property conversions (cases from its own ``RabbitMqMessageTest``,
``ValidationPropertiesUtilTest`` and request fixtures), then jobs of the contract
against the real RabbitMQ on 127.0.0.1:5672."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import aio_pika
import pytest
from rabbitmq_broker import HOST, PASSWORD, PORT, USER, Broker

from tasklink.core import Failed, InputError
from tasklink.rabbitmq._camunda import body_bytes, properties_of
from tasklink.rabbitmq._contracts import camunda
from tasklink.testing import arun_job

URI = {"authType": "uri", "uri": "{{secrets.RABBITMQ_URI}}"}
CREDENTIALS = {"authType": "credentials", "userName": USER, "password": "{{secrets.PASSWORD}}"}
SECRETS = {"RABBITMQ_URI": f"amqp://{USER}:{PASSWORD}@{HOST}:{PORT}/%2F", "PASSWORD": PASSWORD}


def credentials_routing(exchange: str, routing_key: str) -> dict[str, Any]:
    return {
        "exchange": exchange,
        "routingKey": routing_key,
        "virtualHost": "/",
        "hostName": HOST,
        "port": str(PORT),
    }


async def run(variables: dict[str, Any], **options: Any) -> Any:
    return await arun_job(camunda, variables, secrets=SECRETS, **options)


# -- MessageUtil.getBodyAsByteArray ------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "sent"),
    [
        ('{"key": "value"}', b'{"key":"value"}'),
        ('{\n "key":\n "value"} \n ', b'{"key":"value"}'),
        ('{"key": -1}', b'{"key":-1}'),
        ('{"key": 0.369}', b'{"key":0.369}'),
        ("[1, 2] and then some", b"[1,2]"),  # readTree stops after the first value
        ("simple text", b"simple text"),
        ("true", b"true"),
        ("42", b"42"),
        ('"quoted"', b'"quoted"'),
        ("{14:-23}", b"{14:-23}"),
        ("NaN", b"NaN"),
        ("Gr\u00fc\u00dfe \u201cWorld\u201d", "Gr\u00fc\u00dfe \u201cWorld\u201d".encode()),
        ({"key": '"simple" value'}, b'{"key":"\\"simple\\" value"}'),
        ({"value": "Hello \u201c \u201d"}, '{"value":"Hello \u201c \u201d"}'.encode()),
        ([1, {"a": None}], b'[1,{"a":null}]'),
        (42, b"42"),
        (False, b"false"),
    ],
)
def test_bodies_are_converted_as_camundas_message_util_does(body: Any, sent: bytes) -> None:
    assert body_bytes(body) == sent


# -- MessageUtil.toAmqpBasicProperties ---------------------------------------------------


def test_properties_take_the_java_names_and_jacksons_coercions() -> None:
    found = properties_of(
        {
            "contentType": "text/plan",
            "contentEncoding": "UTF-8",
            "headers": {"key": "value", "n": 1},
            "deliveryMode": "2",
            "priority": 3.0,
            "correlationId": 7,
            "replyTo": "replies",
            "expiration": "60000",
            "messageId": "00000001",
            "timestamp": 1700000000000,
            "type": "t",
            "userId": "1234",
            "appId": True,
            "clusterId": "ignored",
        }
    )
    assert found == {
        "content_type": "text/plan",
        "content_encoding": "UTF-8",
        "headers": {"key": "value", "n": 1},
        "delivery_mode": 2,
        "priority": 3,
        "correlation_id": "7",
        "reply_to": "replies",
        "expiration": "60000",
        "message_id": "00000001",
        "timestamp": datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC),
        "message_type": "t",
        "user_id": "1234",
        "app_id": "true",
    }
    assert properties_of(None) == {}
    assert properties_of({"timestamp": "2024-05-17T09:30:00Z"})["timestamp"] == datetime(
        2024, 5, 17, 9, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("properties", "field", "problem"),
    [
        ({"wrongField": "text/plan"}, "message.properties.wrongField", "unsupported field"),
        ({"Encoding": "x"}, "message.properties.Encoding", "[Encoding] for properties"),
        ({"headers12": {}}, "message.properties.headers12", "unsupported field"),
        ("contentType=json", "message.properties", "must be an object"),
        ({"deliveryMode": 3}, "message.properties.deliveryMode", "from 1 to 2"),
        ({"priority": "high"}, "message.properties.priority", "whole number"),
        ({"expiration": "soon"}, "message.properties.expiration", "whole number"),
        ({"timestamp": "yesterday"}, "message.properties.timestamp", "epoch milliseconds"),
        ({"headers": "key=value"}, "message.properties.headers", "must be an object"),
        ({"headers": {"n": 2**70}}, "message.properties.headers", "n: a whole number"),
        ({"contentType": {"a": 1}}, "message.properties.contentType", "must be text"),
    ],
)
def test_unsupported_properties_are_input_errors(properties: Any, field: str, problem: str) -> None:
    with pytest.raises(InputError) as caught:
        properties_of(properties)
    assert caught.value.field == field
    assert problem in caught.value.message


# -- RabbitMqRequest validation ------------------------------------------------------------


@pytest.mark.parametrize(
    ("variables", "fields"),
    [
        (
            {"authentication": {"authType": "uri"}, "routing": {"exchange": "x"}},
            ["authentication.uri", "routing.routingKey", "message.body"],
        ),
        (
            {
                "authentication": {"authType": "uri", "uri": " "},
                "routing": {"exchange": " ", "routingKey": "k"},
                "message": {"body": "x"},
            },
            ["authentication.uri", "routing.exchange"],
        ),
        (
            {
                "authentication": {"authType": "credentials", "userName": "u"},
                "routing": {"exchange": "x", "routingKey": "k", "hostName": "h"},
                "message": {"body": {"a": 1}},
            },
            ["authentication.password", "routing.virtualHost", "routing.port"],
        ),
        (
            {"routing": {"exchange": "x", "routingKey": "k"}, "message": {"body": 1}},
            ["authentication.authType"],
        ),
    ],
)
async def test_missing_inputs_name_camundas_variables(
    variables: dict[str, Any], fields: list[str]
) -> None:
    outcome = await run(variables)
    assert isinstance(outcome, Failed), outcome
    assert (outcome.code, outcome.retries) == ("MISSING_INPUT", 0)
    assert outcome.variables["fields"] == fields


@pytest.mark.parametrize(
    ("authentication", "routing", "field"),
    [
        ({"authType": "URI", "uri": "amqp://h"}, {}, "authentication.authType"),
        ({"authType": "uri", "uri": "http://h"}, {}, "authentication.uri"),
        (CREDENTIALS, {"port": "five"}, "routing.port"),
    ],
)
async def test_invalid_inputs_name_camundas_variables(
    authentication: dict[str, Any], routing: dict[str, Any], field: str
) -> None:
    outcome = await run(
        {
            "authentication": authentication,
            "routing": {**credentials_routing("x", "k"), **routing},
            "message": {"body": "x"},
        }
    )
    assert isinstance(outcome, Failed), outcome
    assert (outcome.code, outcome.retries, outcome.variables["fields"]) == (
        "INVALID_INPUT",
        0,
        [field],
    )


# -- jobs against the broker ---------------------------------------------------------------


async def test_uri_authentication_publishes_with_the_properties(broker: Broker) -> None:
    exchange = await broker.exchange(aio_pika.ExchangeType.DIRECT)
    queue = await broker.bound_queue(exchange, "orders")
    outcome = await run(
        {
            "authentication": URI,
            "routing": {"exchange": exchange.name, "routingKey": "orders"},
            "message": {
                "body": '{"orderId": 42, "note": "Hello \u201c \u201d"}',
                "properties": {
                    "contentType": "application/json",
                    "headers": {"source": "camunda", "amount": 12.5},
                    "deliveryMode": 2,
                    "messageId": "camunda-42",
                    "timestamp": 1700000000000,
                },
            },
        },
        headers={"resultVariable": "result"},
    )
    assert outcome.kind == "completed", outcome
    assert outcome.variables == {"result": {"statusResult": "success"}}
    message = await broker.get(queue)
    assert message.body == '{"orderId":42,"note":"Hello \u201c \u201d"}'.encode()
    assert message.headers == {"source": "camunda", "amount": 12.5}
    assert (message.content_type, message.message_id) == ("application/json", "camunda-42")
    assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert message.timestamp == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


async def test_credentials_without_properties_send_plain_text(broker: Broker) -> None:
    exchange = await broker.exchange(aio_pika.ExchangeType.DIRECT)
    queue = await broker.bound_queue(exchange, "greetings")
    outcome = await run(
        {
            "authentication": CREDENTIALS,
            "routing": credentials_routing(exchange.name, "greetings"),
            "message": {"body": "Hello, RabbitMQ!", "properties": {}},
            "unknownInput": "ignored, as Camunda's mapper ignores it",
        }
    )
    assert outcome.kind == "completed", outcome
    message = await broker.get(queue)
    assert (message.body, message.content_type, message.headers) == (b"Hello, RabbitMQ!", None, {})
    assert message.delivery_mode == aio_pika.DeliveryMode.NOT_PERSISTENT


async def test_an_unroutable_message_is_dropped_as_with_camunda(broker: Broker) -> None:
    exchange = await broker.exchange(aio_pika.ExchangeType.DIRECT)
    outcome = await run(
        {
            "authentication": URI,
            "routing": {"exchange": exchange.name, "routingKey": f"nobody-{uuid.uuid4().hex}"},
            "message": {"body": {"a": 1}},
        }
    )
    assert outcome.kind == "completed", outcome
    assert outcome.output == {"statusResult": "success"}


async def test_failures_keep_the_connectors_codes(broker: Broker) -> None:
    missing = await run(
        {
            "authentication": URI,
            "routing": {"exchange": f"missing-{uuid.uuid4().hex[:8]}", "routingKey": "k"},
            "message": {"body": "x"},
        },
        headers={
            "errorExpression": '=if error.code = "NOT_FOUND" then bpmnError("NO_EXCHANGE", '
            "error.message, {exchange: error.variables.exchange}) else null"
        },
    )
    assert missing.kind == "bpmn_error", missing
    assert missing.code == "NO_EXCHANGE"
    assert missing.variables["exchange"].startswith("missing-")
    assert "routing.exchange" in missing.message
    wrong = await run(
        {
            "authentication": {**CREDENTIALS, "password": "wrong-camunda-password-7"},
            "routing": credentials_routing("amq.direct", "k"),
            "message": {"body": "x"},
        }
    )
    assert isinstance(wrong, Failed), wrong
    assert (wrong.code, wrong.retries) == ("AUTHENTICATION_FAILED", 0)
    assert "wrong-camunda-password-7" not in repr(wrong)


async def test_the_message_body_from_a_feel_context(broker: Broker) -> None:
    queue = await broker.queue()
    await queue.bind("amq.direct", "feel-" + queue.name)
    body = {"orderId": 42, "lines": [{"sku": "A-1", "qty": 2}]}
    outcome = await run(
        {
            "authentication": URI,
            "routing": {"exchange": "amq.direct", "routingKey": "feel-" + queue.name},
            "message": {"body": body},
        }
    )
    assert outcome.kind == "completed", outcome
    message = await broker.get(queue)
    assert message.body == json.dumps(body, separators=(",", ":")).encode()


async def test_the_legacy_secret_form_of_the_uri(broker: Broker) -> None:
    # Template version 2 offers `secrets.NAME` (without braces) for the URI.
    queue = await broker.queue()
    await queue.bind("amq.direct", "legacy-" + queue.name)
    outcome = await run(
        {
            "authentication": {"authType": "uri", "uri": "secrets.RABBITMQ_URI"},
            "routing": {"exchange": "amq.direct", "routingKey": "legacy-" + queue.name},
            "message": {"body": "legacy"},
        }
    )
    assert outcome.kind == "completed", outcome
    assert (await broker.get(queue)).body == b"legacy"
