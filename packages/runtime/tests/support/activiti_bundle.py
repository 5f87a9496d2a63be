"""A stand-in for an Activiti runtime bundle: publishes integration requests exactly as
Activiti Cloud does (a JSON ``IntegrationRequest`` on the topic exchange named by the
destination, routing key = destination) and records what comes back on the result and
error destinations it listens on (queues ``<destination>.<service>`` bound with ``#``).

It also models what the runtime bundle does with a reply (``executions``), after
Activiti/activiti-cloud ``activiti-cloud-runtime-bundle-service/.../connectors/channel/``
``ServiceTaskIntegrationResultEventHandler`` and ``ServiceTaskIntegrationErrorEventHandler``
with Activiti/Activiti ``ErrorPropagation``: the integration context of the reply is
deleted (a second reply for it is ignored); a result whose ``clientId`` is the waiting
task's completes it; an error whose ``errorClassName`` is ``CloudBpmnError``'s is
propagated as a BPMN error with ``errorCode`` (``errorMessage`` when the code is null) to
the first error boundary event of the task that catches the code (or every code: an error
event definition without ``errorRef``); any other error, or a BPMN error nothing catches,
records an integration error and leaves the task waiting.
"""

from __future__ import annotations

import asyncio
import functools
import json
import subprocess
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"

#: ``CloudBpmnError.class.getName()``, which ServiceTaskIntegrationErrorEventHandler
#: compares ``errorClassName`` with (written out here, not imported from the runtime under
#: test, so a wrong constant there fails the tests).
CLOUD_BPMN_ERROR_CLASS = "org.activiti.cloud.api.process.model.CloudBpmnError"


@dataclass(frozen=True)
class ErrorBoundary:
    """An error boundary event attached to the service task: it catches ``error_code``
    (the ``errorCode`` its ``errorRef`` resolves to), or any code when ``None``."""

    id: str
    error_code: str | None = None

    def catches(self, code: str) -> bool:
        return self.error_code is None or self.error_code == code


@dataclass
class Execution:
    """The service task's execution, waiting for its integration context's reply.

    ``state``: ``waiting`` (no reply yet, or an integration error: the task waits, its
    integration context deleted), ``completed`` (a result triggered it), ``caught`` (a
    BPMN error went to the boundary event ``caught_by``).
    """

    context_id: str
    activity_id: str
    boundaries: tuple[ErrorBoundary, ...] = ()
    state: Literal["waiting", "completed", "caught"] = "waiting"
    variables: dict[str, Any] = field(default_factory=dict)
    caught_by: str | None = None
    bpmn_error: str | None = None
    integration_errors: list[dict[str, Any]] = field(default_factory=list)
    context_deleted: bool = False


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
        #: The modelled engine state, by integration context id.
        self.executions: dict[str, Execution] = {}
        #: Replies for an integration context that no longer exists (ignored, as Activiti).
        self.ignored: list[dict[str, Any]] = []
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
        if kind == "result":
            self._on_result(document)
        else:
            self._on_error(document)
        self.received += 1
        await message.ack()
        self._changed.set()

    def _waiting(self, document: dict[str, Any]) -> Execution | None:
        """The execution whose integration context the reply names, its context deleted
        (DeleteIntegrationContextCmd); ``None`` when the context is gone already."""
        context = document.get("integrationContext") or {}
        execution = self.executions.get(str(context.get("id")))
        if execution is None or execution.context_deleted:
            self.ignored.append(document)
            return None
        execution.context_deleted = True
        return execution

    def _on_result(self, document: dict[str, Any]) -> None:
        execution = self._waiting(document)
        if execution is None:
            return
        context = document["integrationContext"]
        if context.get("clientId") == execution.activity_id:  # TriggerCmd
            execution.state = "completed"
            execution.variables.update(context.get("outBoundVariables") or {})

    def _on_error(self, document: dict[str, Any]) -> None:
        execution = self._waiting(document)
        if execution is None:
            return
        context = document["integrationContext"]
        if (
            document.get("errorClassName") == CLOUD_BPMN_ERROR_CLASS
            and context.get("clientId") == execution.activity_id
        ):
            # PropagateCloudBpmnErrorCmd: the code, else the message, as the error code.
            code = document.get("errorCode") or document.get("errorMessage")
            catcher = next((b for b in execution.boundaries if b.catches(str(code))), None)
            if catcher is not None:
                execution.state = "caught"
                execution.caught_by = catcher.id
                execution.bpmn_error = code
                return
            # ErrorPropagation throws "No catching boundary event found": the handler
            # falls back to recording the integration error.
        execution.integration_errors.append(document)

    def request(
        self,
        connector_type: str,
        variables: dict[str, Any] | None = None,
        *,
        context_id: str | None = None,
        boundaries: Sequence[ErrorBoundary] = (),
        **overrides: Any,
    ) -> dict[str, Any]:
        """An IntegrationRequest document as the runtime bundle serialises it, for the
        service task ``ServiceTask_1`` with the error boundary events ``boundaries``; its
        execution waits in :attr:`executions`."""
        process = str(uuid.uuid4())
        context_id = context_id or str(uuid.uuid4())
        self.executions[context_id] = Execution(context_id, "ServiceTask_1", tuple(boundaries))
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
                "id": context_id,
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
