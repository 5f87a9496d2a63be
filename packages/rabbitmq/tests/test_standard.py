"""The standard suite every tasklink connector package runs, against the real RabbitMQ."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from rabbitmq_broker import AMQP_URL, HOST, PORT, closed_port, require_rabbitmq

from tasklink.rabbitmq import connector
from tasklink.testing import SecretCase, StandardConnectorSuite, check_package_exports


class TestStandard(StandardConnectorSuite):
    connector = connector
    package_dir = Path(__file__).resolve().parents[1]
    # Discovery must not load the AMQP stack: the operation imports it when it first runs.
    heavy_modules = ("aio_pika", "aiormq", "pamqp")

    @pytest.fixture
    def valid_inputs(self) -> dict[str, dict[str, Any]]:
        return {
            "publish": {
                "connection": {"type": "url", "url": "amqps://ada:s3cret@mq.example.com/shop"},
                "tls": {"verify": True},
                "exchange": "orders",
                "routingKey": "order.created",
                "body": {"orderId": 42},
                "headers": {"source": "shop", "attempt": 1},
                "properties": {"messageId": "order-42", "priority": 5, "expiration": 60000},
                "persistent": True,
                "mandatory": True,
                "maxBodyBytes": 1024,
                "connectTimeoutInSeconds": 5,
                "publishTimeoutInSeconds": 5,
            }
        }

    @pytest.fixture
    def secret_cases(self) -> list[SecretCase]:
        require_rabbitmq()
        # Not mandatory: a routing key no queue has, so the broker confirms and drops it.
        drop = {"routingKey": f"suite-{uuid.uuid4().hex}", "mandatory": False}
        host = {
            "type": "host",
            "host": HOST,
            "port": PORT,
            "username": "guest",
            "password": "{{secrets.RABBITMQ_PASSWORD}}",
        }
        refused = f"amqp://guest:suite-refused-password-3@127.0.0.1:{closed_port()}/%2F"
        return [
            SecretCase(
                "publish",
                {
                    "connection": {
                        "type": "url",
                        "url": "amqp://guest:{{secrets.RABBITMQ_PASSWORD}}@127.0.0.1/",
                    },
                    "body": {"ok": True},
                    **drop,
                },
                {"RABBITMQ_PASSWORD": "guest"},
            ),
            SecretCase(
                "publish", {"connection": host, "body": "x", **drop}, {"RABBITMQ_PASSWORD": "guest"}
            ),
            # A refused login: nothing of the password in the error either.
            SecretCase(
                "publish",
                {"connection": host, "body": "x", **drop},
                {"RABBITMQ_PASSWORD": "suite-wrong-password-1"},
            ),
            # The whole URL as a secret, to a port nothing listens on.
            SecretCase(
                "publish",
                {
                    "connection": {"type": "url", "url": "{{secrets.RABBITMQ_URL}}"},
                    "body": 1,
                    **drop,
                },
                {"RABBITMQ_URL": refused},
            ),
        ]

    @pytest.fixture
    def readme_environment(self) -> dict[str, str]:
        require_rabbitmq()
        return {"RABBITMQ_URL": AMQP_URL}


def test_the_public_api_resolves() -> None:
    import tasklink.rabbitmq as rabbitmq

    assert check_package_exports(rabbitmq) == []
