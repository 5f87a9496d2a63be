"""``amqps`` against the real RabbitMQ, through a TLS-terminating proxy on loopback whose
certificate a throwaway CA (``trustme``) signed for 127.0.0.1: the broker's certificate
is checked by tasklink's one trust policy (the base store plus ``tls.caCertificate``),
and a client certificate is presented for mutual TLS."""

from __future__ import annotations

import json
import ssl
from collections.abc import AsyncIterator
from typing import Any

import pytest
import trustme
from rabbitmq_broker import Broker, Proxy

from tasklink.core import Failed
from tasklink.rabbitmq import connector
from tasklink.testing import arun_job


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
async def tls_proxy(ca: trustme.CA) -> AsyncIterator[Proxy]:
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    async with Proxy(tls=server) as proxy:
        yield proxy


def amqps(proxy: Proxy, **tls: Any) -> dict[str, Any]:
    return {
        "connection": {
            "type": "url",
            "url": f"amqps://guest:{{{{secrets.PASSWORD}}}}@127.0.0.1:{proxy.port}/%2F",
        },
        "tls": tls,
    }


async def test_an_untrusted_certificate_fails_tls_not_retried(tls_proxy: Proxy) -> None:
    outcome = await arun_job(
        connector,
        {**amqps(tls_proxy), "routingKey": "k", "body": "x"},
        secrets={"PASSWORD": "guest"},
        retries=3,
    )
    assert isinstance(outcome, Failed), outcome
    assert (outcome.code, outcome.retries) == ("TLS_FAILED", 0)
    assert "certificate verify failed" in outcome.message or "certificate" in outcome.message
    assert "tls.caCertificate" in outcome.message


async def test_the_ca_certificate_makes_it_trusted(
    tls_proxy: Proxy, ca: trustme.CA, broker: Broker
) -> None:
    queue = await broker.queue()
    ca_pem = ca.cert_pem.bytes().decode()
    outcome = await arun_job(
        connector,
        {**amqps(tls_proxy, caCertificate=ca_pem), "routingKey": queue.name, "body": {"tls": 1}},
        secrets={"PASSWORD": "guest"},
    )
    assert outcome.kind == "completed", outcome
    assert json.loads((await broker.get(queue)).body) == {"tls": 1}


async def test_host_fields_with_tls_and_a_client_certificate(
    ca: trustme.CA, broker: Broker
) -> None:
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    server.verify_mode = ssl.CERT_REQUIRED  # mutual TLS: the client must present one
    ca.configure_trust(server)
    client = ca.issue_cert("tasklink-client")
    queue = await broker.queue()
    async with Proxy(tls=server) as proxy:
        outcome = await arun_job(
            connector,
            {
                "connection": {
                    "type": "host",
                    "host": "127.0.0.1",
                    "port": proxy.port,
                    "username": "guest",
                    "password": "guest",
                    "tls": True,
                },
                "tls": {
                    "caCertificate": ca.cert_pem.bytes().decode(),
                    "clientCertificate": client.cert_chain_pems[0].bytes().decode(),
                    "clientKey": "{{secrets.CLIENT_KEY}}",
                },
                "routingKey": queue.name,
                "body": "mutual",
            },
            secrets={"CLIENT_KEY": client.private_key_pem.bytes().decode()},
        )
        assert outcome.kind == "completed", outcome
    assert (await broker.get(queue)).body == b"mutual"


async def test_verification_can_be_turned_off_for_tests(tls_proxy: Proxy, broker: Broker) -> None:
    queue = await broker.queue()
    outcome = await arun_job(
        connector,
        {**amqps(tls_proxy, verify=False), "routingKey": queue.name, "body": "unverified"},
        secrets={"PASSWORD": "guest"},
    )
    assert outcome.kind == "completed", outcome
    assert (await broker.get(queue)).body == b"unverified"


async def test_unreadable_pem_is_an_input_error_naming_the_field(tls_proxy: Proxy) -> None:
    broken = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"
    outcome = await arun_job(
        connector,
        {**amqps(tls_proxy, caCertificate=broken), "routingKey": "k", "body": "x"},
        secrets={"PASSWORD": "guest"},
    )
    assert isinstance(outcome, Failed), outcome
    assert (outcome.code, outcome.retries) == ("INVALID_INPUT", 0)
    assert outcome.message.startswith("tls.caCertificate")
