"""What the connector's tests use to arrange and check the real RabbitMQ of this machine
(127.0.0.1:5672, guest/guest): queues and exchanges with unique names, removed when the
test ends, and the messages that reached them; and a TCP proxy to the broker that can
terminate TLS or stop passing the broker's answers.

Imported by the package's tests and by ``tests/vendor/test_camunda_rabbitmq.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import pytest
from aio_pika.abc import (
    AbstractChannel,
    AbstractConnection,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
)

__all__ = [
    "AMQP_URL",
    "HOST",
    "PASSWORD",
    "PORT",
    "USER",
    "Broker",
    "Proxy",
    "SilentServer",
    "broker_session",
    "closed_port",
    "require_rabbitmq",
]

HOST, PORT, USER, PASSWORD = "127.0.0.1", 5672, "guest", "guest"
AMQP_URL = f"amqp://{USER}:{PASSWORD}@{HOST}:{PORT}/%2F"
# Seconds a test waits for a message to arrive before it fails (a bound, not a timing
# assertion: a message that arrives at all arrives within milliseconds).
ARRIVAL = 10.0


def require_rabbitmq() -> None:
    """Fail with the reason when RabbitMQ does not listen on 127.0.0.1:5672 (the test run
    starts it: ``scripts/run_tests.py``)."""
    try:
        with socket.create_connection((HOST, PORT), timeout=2):
            return
    except OSError:
        pytest.fail(
            "RabbitMQ is not running on 127.0.0.1:5672: start it with "
            "`rabbitmq-server -detached && rabbitmqctl await_startup`"
        )


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def unique(prefix: str) -> str:
    return f"tasklink-test-{prefix}-{uuid.uuid4().hex[:12]}"


@dataclass
class Broker:
    """A connection of the test's own, and the queues and exchanges it declared."""

    connection: AbstractConnection
    channel: AbstractChannel
    exchanges: list[AbstractExchange] = field(default_factory=list)
    queues: list[AbstractQueue] = field(default_factory=list)

    async def queue(self, name: str | None = None, **arguments: Any) -> AbstractQueue:
        """A new queue (removed when the test ends); ``arguments`` are x-arguments."""
        queue = await self.channel.declare_queue(
            name or unique("q"), durable=False, arguments=arguments or None
        )
        self.queues.append(queue)
        return queue

    async def exchange(
        self,
        kind: aio_pika.ExchangeType = aio_pika.ExchangeType.TOPIC,
        *,
        internal: bool = False,
    ) -> AbstractExchange:
        """A new exchange (removed when the test ends)."""
        exchange = await self.channel.declare_exchange(
            unique("x"), kind, durable=False, internal=internal
        )
        self.exchanges.append(exchange)
        return exchange

    async def bound_queue(self, exchange: AbstractExchange, routing_key: str) -> AbstractQueue:
        queue = await self.queue()
        await queue.bind(exchange, routing_key)
        return queue

    async def get(self, queue: AbstractQueue) -> AbstractIncomingMessage:
        """The next message of ``queue``, acknowledged (fails after :data:`ARRIVAL`)."""
        async with asyncio.timeout(ARRIVAL):
            while True:
                message = await queue.get(no_ack=True, fail=False)
                if message is not None:
                    return message
                await asyncio.sleep(0.05)

    async def count(self, queue: AbstractQueue) -> int:
        """Messages ready in ``queue`` (a passive declare)."""
        declared = await self.channel.declare_queue(queue.name, passive=True)
        return int(declared.declaration_result.message_count or 0)

    async def close(self) -> None:
        if self.channel.is_closed:
            self.channel = await self.connection.channel()
        for queue in self.queues:
            with contextlib.suppress(Exception):
                await self.channel.queue_delete(queue.name)
        for exchange in self.exchanges:
            with contextlib.suppress(Exception):
                await self.channel.exchange_delete(exchange.name)
        await self.connection.close()


@asynccontextmanager
async def broker_session() -> AsyncIterator[Broker]:
    require_rabbitmq()
    connection = await aio_pika.connect(AMQP_URL, timeout=10)
    broker = Broker(connection, await connection.channel())
    try:
        yield broker
    finally:
        await broker.close()


class Proxy:
    """A TCP proxy on a free loopback port to the broker. With ``tls`` (a server context)
    clients speak TLS to it (``amqps``) and it speaks plain AMQP on. :meth:`freeze`
    stops passing the broker's answers on: a broker that stopped answering."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.tls = tls
        self.frozen = False
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def __aenter__(self) -> Proxy:
        self._server = await asyncio.start_server(self._serve, HOST, 0, ssl=self.tls)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        for writer in self._writers:
            writer.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def freeze(self) -> None:
        self.frozen = True

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(HOST, PORT)
        except OSError:
            writer.close()
            return
        self._writers += [writer, upstream_writer]
        await asyncio.gather(
            self._pump(reader, upstream_writer, downstream=False),
            self._pump(upstream_reader, writer, downstream=True),
            return_exceptions=True,
        )

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, downstream: bool
    ) -> None:
        try:
            while data := await reader.read(65536):
                if downstream and self.frozen:
                    continue
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()


class SilentServer:
    """Accepts connections on a loopback port and never says a word: a broker that does
    not answer the protocol header."""

    def __init__(self) -> None:
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def __aenter__(self) -> SilentServer:
        async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self._writers.append(writer)

        self._server = await asyncio.start_server(hold, HOST, 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        for writer in self._writers:
            writer.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
