"""Input checks, URL reading, header encoding and failure classification, without a
broker: every problem is an input error naming its field before anything is sent."""

from __future__ import annotations

import struct
from typing import Any

import pytest
from aiormq import exceptions as amqp
from pamqp import decode

from tasklink.core import InputError, JobExecutor, MappingSecretProvider
from tasklink.rabbitmq import Publish, connector
from tasklink.rabbitmq._amqp import Properties, encode_table
from tasklink.rabbitmq._errors import Failure, classify
from tasklink.rabbitmq._target import Target, parse_url

BASE: dict[str, Any] = {
    "connection": {"type": "url", "url": "amqp://guest:guest@127.0.0.1/"},
    "routingKey": "orders",
    "body": {"a": 1},
}


def bind(**changes: Any) -> Publish:
    executor = JobExecutor(MappingSecretProvider({}))
    model = executor.bind(connector.get_operation("publish"), {**BASE, **changes}, strict=True)
    assert isinstance(model, Publish)
    return model


def refused(**changes: Any) -> InputError:
    with pytest.raises(InputError) as caught:
        bind(**changes)
    return caught.value


# -- URLs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("amqp://127.0.0.1", Target("127.0.0.1", 5672, "/", "guest", "guest")),
        ("amqp://ada:pw@mq.example.com/", Target("mq.example.com", 5672, "/", "ada", "pw")),
        ("AMQPS://ada:pw@MQ.example.com", Target("mq.example.com", 5671, "/", "ada", "pw", True)),
        ("amqp://ada:pw@host:5673/%2F", Target("host", 5673, "/", "ada", "pw")),
        ("amqp://a%40b:p%3Aw%2F@host/shop%2Feu", Target("host", 5672, "shop/eu", "a@b", "p:w/")),
        ("amqp://ada@host/orders", Target("host", 5672, "orders", "ada", "guest")),
        ("amqp://[::1]:5672/v", Target("::1", 5672, "v", "guest", "guest")),
        (
            "amqp://h/?heartbeat=30&connection_timeout=2500",
            Target("h", 5672, "/", "guest", "guest", heartbeat=30, connect_timeout=2.5),
        ),
    ],
)
def test_urls_are_read_as_rabbitmqs_uri_specification_says(url: str, expected: Target) -> None:
    assert parse_url(url) == expected


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://host/", "must start with amqp:// or amqps://"),
        ("amqp:///vhost", "names no host"),
        ("amqp://host:99999/", "is not a valid URL"),
        ("amqp://host/a/b", "write a '/' in its name as %2F"),
        ("amqp://host/?cacertfile=/etc/ca.pem", "'cacertfile' is not supported"),
        ("amqp://host/?heartbeat=soon", "heartbeat must be a whole number"),
    ],
)
def test_bad_urls_are_refused_without_quoting_them(url: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem) as caught:
        parse_url(url.replace("host", "ada:hunter22@host"))
    assert "hunter22" not in str(caught.value)
    error = refused(connection={"type": "url", "url": url})
    assert error.variables["fields"] == ["connection.url"]
    assert problem in error.message


def test_query_parameters_the_vendor_contract_ignores() -> None:
    assert parse_url("amqps://h/?cacertfile=x&verify=verify_none", strict=False).tls is True


def test_the_display_form_has_no_credentials() -> None:
    target = parse_url("amqps://ada:hunter22@[::1]:5671/shop%2Feu")
    assert target.display == "amqps://[::1]:5671/shop%2Feu"
    assert "hunter22" not in repr(target)
    assert "hunter22" not in repr(target.identity)


# -- the other fields ----------------------------------------------------------------------


def test_a_body_or_a_document_exactly() -> None:
    missing = refused(body=None)
    assert (missing.code, missing.variables["fields"]) == ("MISSING_INPUT", ["body", "document"])
    both = refused(document={"camunda.document.type": "inline", "content": "x"})
    assert (both.code, both.field) == ("INVALID_INPUT", "document")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"exchange": "x" * 256}, "exchange"),
        ({"routingKey": "é" * 128}, "routingKey"),  # 256 bytes of UTF-8
        ({"properties": {"priority": 256}}, "properties.priority"),
        ({"properties": {"expiration": -1}}, "properties.expiration"),
        ({"properties": {"messageId": "m" * 300}}, "properties.messageId"),
        ({"properties": {"timestamp": "yesterday"}}, "properties.timestamp"),
        ({"properties": {"deliveryMode": 2}}, "properties.deliveryMode"),
        ({"headers": {"n": 2**64}}, "headers"),
        ({"headers": {"k" * 129: 1}}, "headers"),
        ({"headers": "source=shop"}, "headers"),
        ({"connection": {"type": "host", "host": "h", "username": "u"}}, "connection.password"),
        (
            {"connection": {"type": "host", "host": "a b", "username": "u", "password": "p"}},
            "connection.host",
        ),
        ({"connection": {"type": "queue"}}, "connection"),
        ({"maxBodyBytes": 0}, "maxBodyBytes"),
        ({"tls": {"caCertificate": "not pem"}}, "tls.caCertificate"),
        ({"tls": {"clientKey": "-----BEGIN PRIVATE KEY-----"}}, "tls.clientKey"),
    ],
)
def test_bad_input_names_the_field(changes: dict[str, Any], field: str) -> None:
    error = refused(**changes)
    assert any(name.startswith(field) for name in error.variables["fields"]), error.message


def test_header_problems_name_the_path_inside() -> None:
    error = refused(headers={"order": {"lines": [1, {"qty": 2**70}]}})
    assert "order.lines[1].qty: a whole number must fit in 64 bits" in error.message


def test_tls_settings_that_contradict_each_other() -> None:
    error = refused(tls={"verify": False, "caCertificate": "-----BEGIN CERTIFICATE-----"})
    assert error.field == "tls.caCertificate"


def test_host_fields_default_the_port_by_tls() -> None:
    plain = bind(connection={"type": "host", "host": "mq", "username": "u", "password": "p"})
    tls = bind(
        connection={"type": "host", "host": "mq", "username": "u", "password": "p", "tls": True}
    )
    assert (plain.connection.target().port, tls.connection.target().port) == (5672, 5671)


# -- headers on the wire -------------------------------------------------------------------


def test_headers_keep_doubles_exact_and_decode_as_pamqp_reads_them() -> None:
    headers = {
        "amount": 99.95,
        "count": 3,
        "big": -(2**40),
        "flag": True,
        "none": None,
        "nested": {"ratio": 0.1, "names": ["a", 1.5]},
    }
    encoded = encode_table(headers)
    assert b"d" + struct.pack(">d", 99.95) in encoded  # a double, not a 32-bit float
    consumed, decoded = decode.field_table(encoded)
    assert consumed == len(encoded)
    assert decoded == headers
    # The property class writes its headers with it.
    marshalled = Properties(headers=headers, message_id="m").marshal()
    assert encoded in marshalled


# -- failures ------------------------------------------------------------------------------


def test_a_message_the_broker_finds_too_large() -> None:
    failure = Failure(Target("h", 5672, "/", "u", "p"), "publish", "orders", "k", "m-1", 200, 30.0)
    error = classify(
        amqp.ChannelPreconditionFailed(
            "PRECONDITION_FAILED - message size 200 is larger than configured max size 100"
        ),
        failure,
    )
    assert (error.code, error.retryable) == ("MESSAGE_TOO_LARGE", False)
    assert error.variables["replyCode"] == 406
    assert "of 200 bytes" in error.message


@pytest.mark.parametrize(
    ("exc", "code", "retryable"),
    [
        (
            amqp.ConnectionClosed(320, "CONNECTION_FORCED - broker forced"),
            "CONNECTION_FAILED",
            True,
        ),
        (amqp.ConnectionInternalError("INTERNAL_ERROR"), "AMQP_ERROR", True),
        (amqp.ChannelClosed(505, "UNEXPECTED_FRAME"), "AMQP_ERROR", False),
        (amqp.ChannelInvalidStateError("closed"), "CONNECTION_FAILED", True),
    ],
)
def test_other_closes_by_reply_code(exc: BaseException, code: str, retryable: bool) -> None:
    failure = Failure(Target("h", 5672, "/", "u", "p"), "publish", "x", "k")
    error = classify(exc, failure)
    assert (error.code, error.retryable) == (code, retryable)
