"""Fixtures of the connector's tests: the real RabbitMQ of this machine (through
``rabbitmq_broker.py``), and the connector's pooled connections closed after every test, on the
test's own event loop."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rabbitmq_broker import Broker, broker_session

from tasklink.rabbitmq._amqp import close_connections


@pytest.fixture
async def broker() -> AsyncIterator[Broker]:
    """A connection to 127.0.0.1:5672 for arranging and checking; what it declared is
    removed afterwards."""
    async with broker_session() as session:
        yield session


@pytest.fixture(autouse=True)
async def _pooled_connections_closed(outbound_isolation: None) -> AsyncIterator[None]:
    """No operator outbound policy from the environment (the broker is on loopback); the
    connector's pooled connections closed when the test ends."""
    yield
    await close_connections()
