"""A stand-in for an Activiti runtime bundle: publishes integration requests exactly as
Activiti Cloud does (a JSON ``IntegrationRequest`` on the topic exchange named by the
destination, routing key = destination) and records what comes back on the result and
error destinations it listens on (queues ``<destination>.<service>`` bound with ``#``)."""

from __future__ import annotations

import asyncio
import functools
import json
import subprocess
import uuid
from collections import defaultdict
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"


class RuntimeBundle:
    def __init__(self, url: str, prefix: str) -> None:
        self.url = url
        self.prefix = prefix
        self.service = f"{prefix}-rb"
        self.result_destination = f"integrationResult_{self.service}"
        self.error_destination = f"integrationError_{self.service}"
        self.replies: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.headers: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.kinds: dict[str, list[str]] = defaultdict(list)
        self.received = 0
        self._changed = asyncio.Event()
        self._exchanges: set[str] = set()
        self._queues: set[str] = set()

    async def start(self) -> None:
        self.connection = await aio_pika.connect(self.url)
        self.channel = await self.connection.channel(publisher_confirms=True)
        await self.channel.set_qos(prefetch_count=500)
        for kind, destination in (
            ("result", self.result_destination),
            ("error", self.error_destination),
        ):
            exchange = await self.channel.declare_exchange(
                destination, aio_pika.ExchangeType.TOPIC, durable=True
            )
            queue = await self.channel.declare_queue(f"{destination}.{self.service}", durable=True)
            await queue.bind(exchange, "#")
            self._exchanges.add(destination)
            self._queues.add(queue.name)
            await queue.consume(functools.partial(self._record, kind))

    async def _record(self, kind: str, message: AbstractIncomingMessage) -> None:
        document = json.loads(message.body)
        context_id = str(document.get("integrationContext", {}).get("id"))
        self.replies[context_id].append(document)
        self.headers[context_id].append(dict(message.headers or {}))
        self.kinds[context_id].append(kind)
        self.received += 1
        await message.ack()
        self._changed.set()

    def request(
        self,
        connector_type: str,
        variables: dict[str, Any] | None = None,
        *,
        context_id: str | None = None,
        **overrides: Any,
    ) -> dict[str, Any]:
        """An IntegrationRequest document as the runtime bundle serialises it."""
        process = str(uuid.uuid4())
        document: dict[str, Any] = {
            "appName": "test-app",
            "appVersion": "1",
            "serviceName": self.service,
            "serviceFullName": self.service,
            "serviceType": "runtime-bundle",
            "serviceVersion": "",
            "resultDestination": self.result_destination,
            "errorDestination": self.error_destination,
            "integrationContext": {
                "id": context_id or str(uuid.uuid4()),
                "processInstanceId": process,
                "rootProcessInstanceId": process,
                "parentProcessInstanceId": None,
                "executionId": str(uuid.uuid4()),
                "processDefinitionId": "Process_1:1:abc",
                "processDefinitionKey": "Process_1",
                "processDefinitionVersion": 1,
                "businessKey": "order-42",
                "clientId": "ServiceTask_1",
                "clientName": "Call the connector",
                "clientType": "ServiceTask",
                "appVersion": "1",
                "connectorType": connector_type,
                "inBoundVariables": variables or {},
                "outBoundVariables": {},
            },
        }
        document.update(overrides)
        return document

    async def publish(self, destination: str, document: Any) -> None:
        body = document if isinstance(document, bytes) else json.dumps(document).encode()
        exchange = await self.channel.get_exchange(destination, ensure=False)
        self._exchanges.add(destination)
        await exchange.publish(
            aio_pika.Message(
                body,
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key=destination,
        )

    async def wait_for(
        self, context_id: str, count: int = 1, timeout: float = 20
    ) -> list[dict[str, Any]]:
        async def until() -> None:
            while len(self.replies.get(context_id, ())) < count:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(until(), timeout)
        return self.replies[context_id]

    async def wait_total(self, total: int, timeout: float = 60) -> None:
        async def until() -> None:
            while len(self.replies) < total:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(until(), timeout)

    async def drain_queue(self, name: str) -> list[AbstractIncomingMessage]:
        """Every message now in queue ``name`` (e.g. a dead-letter queue), acknowledged."""
        channel = await self.connection.channel()
        try:
            queue = await channel.declare_queue(name, passive=True)
            messages = []
            while (message := await queue.get(fail=False, timeout=5)) is not None:
                await message.ack()
                messages.append(message)
            return messages
        finally:
            await channel.close()

    async def message_count(self, name: str) -> int:
        channel = await self.connection.channel()
        try:
            queue = await channel.declare_queue(name, passive=True)
            return int(queue.declaration_result.message_count or 0)
        finally:
            await channel.close()

    async def cleanup(self, exchanges: set[str], queues: set[str]) -> None:
        channel = await self.connection.channel()
        for name in queues | self._queues:
            await channel.queue_delete(name)
        for name in exchanges | self._exchanges:
            await channel.exchange_delete(name)
        await channel.close()

    async def close(self) -> None:
        await self.connection.close()


def close_connection_on_server(connection_name: str) -> int:
    """Close, from the broker's side, every connection whose client named itself so."""
    listing = subprocess.run(
        ["rabbitmqctl", "list_connections", "-q", "pid", "client_properties"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    closed = 0
    marker = f'{{"connection_name","{connection_name}"}}'
    for line in listing.stdout.splitlines():
        pid, _, properties = line.partition("\t")
        if marker in properties:
            subprocess.run(
                ["rabbitmqctl", "close_connection", pid, "closed by the reconnect test"],
                check=True,
                capture_output=True,
                timeout=60,
            )
            closed += 1
    return closed
