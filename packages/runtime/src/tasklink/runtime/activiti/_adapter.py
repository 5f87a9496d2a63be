"""The Activiti / Alfresco adapter: integration requests from RabbitMQ through the pipeline.

Topology (Spring Cloud Stream's RabbitMQ binder, which Activiti Cloud uses): every served
operation has the destination ``[<prefix><separator>]<connectorName>.<ACTION>``, a durable
topic exchange; the consumer group ``<group>`` reads the durable queue
``<destination>.<group>`` bound to it with ``#``. Unusable messages go to
``<queue>.dlq`` (a plain durable queue we publish to, so existing queues need no
dead-letter arguments).

Delivery guarantee: a request is acknowledged only after the broker confirmed its
integration result, integration error or dead letter (publisher confirms, mandatory
publishing). A crash or a lost connection before that leaves it unacknowledged, and the
broker delivers it again: at least once, nothing lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import json
import logging
from typing import TYPE_CHECKING, Any, Literal, cast
from urllib.parse import urlsplit, urlunsplit

from tasklink.core import (
    Completed,
    Connector,
    Failed,
    InlineDocumentStore,
    InputError,
    Job,
    Operation,
    Outcome,
    decode_variables,
)

from .._backoff import Backoff
from .._engines import EngineError
from .._pipeline import Pipeline
from ._protocol import (
    CONNECTOR_ERROR_CLASS,
    INPUT_ERROR_CLASS,
    IntegrationRequest,
    UnusableMessageError,
    check_request,
    declared_errors,
    error_class,
    error_document,
    job_for,
    parse_request,
    result_document,
    stack_trace,
)
from ._settings import ActivitiSettings

if TYPE_CHECKING:
    import aiormq
    from aio_pika.abc import (
        AbstractIncomingMessage,
        AbstractQueue,
        AbstractRobustChannel,
        AbstractRobustConnection,
    )
    from pamqp.commands import Basic

__all__ = ["ENGINE", "ActivitiAdapter"]

ENGINE = "activiti"

_log = logging.getLogger("tasklink.runtime.activiti")

PublishResult = Literal["published", "unroutable", "too_large", "lost", "failed"]
#: The code of the integration error sent instead of a reply the broker would refuse.
REPLY_TOO_LARGE = "REPLY_TOO_LARGE"
# AMQP's correlation-id is a short string: at most 255 bytes.
_MAX_CORRELATION_ID = 255

# Seconds before a message that broke the adapter itself goes back to its queue.
_POISON_PAUSE = 5.0


def display_url(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


class ActivitiAdapter:
    """Serves a pipeline's operations to Activiti runtime bundles over RabbitMQ."""

    def __init__(self, settings: ActivitiSettings, pipeline: Pipeline) -> None:
        self.settings = settings
        self.pipeline = pipeline
        self._connection: AbstractRobustConnection | None = None
        self._consume: AbstractRobustChannel | None = None
        self._publish: AbstractRobustChannel | None = None
        self._declared: set[str] = set()
        self._consumers: list[tuple[AbstractQueue, str]] = []
        self._stopping = False
        self._error_codes: dict[Connector, frozenset[str]] = {}
        # Activiti has no document store of its own: documents travel inline in the
        # variables (Alfresco nodes are the Alfresco package's to add), so the returned
        # ones are bounded to keep replies small.
        self.documents = InlineDocumentStore(
            max_bytes=pipeline.settings.document_max_bytes,
            inline_max_bytes=settings.inline_document_max_bytes,
        )
        password = urlsplit(settings.url).password
        if password:
            pipeline.redactor.add(password)

    # -- names ------------------------------------------------------------------------

    def destination(self, operation: Operation) -> str:
        """``[<prefix><separator>]<connectorName>.<ACTION>``."""
        prefix = self.settings.destination_prefix
        name = operation.qualified_name
        return f"{prefix}{self.settings.destination_separator}{name}" if prefix else name

    def queue_name(self, operation: Operation) -> str:
        return f"{self.destination(operation)}.{self.settings.group}"

    def dead_letter_queue(self, operation: Operation) -> str:
        return self.queue_name(operation) + self.settings.dead_letter_suffix

    # -- lifecycle ----------------------------------------------------------------------

    async def serve(self) -> None:
        """Start, serve until the pipeline stops, then shut down gracefully."""
        try:
            await self.start()
            await self.pipeline.wait_stopping()
        finally:
            await self.shutdown()

    async def start(self) -> None:
        """Connect, declare the topology, and start consuming."""
        import aio_pika

        self._connection = await self._connect()
        self._connection.close_callbacks.add(self._on_connection_lost)
        self._connection.reconnect_callbacks.add(self._on_reconnected)
        self._publish = await self._connection.channel(
            publisher_confirms=True, on_return_raises=True
        )
        self._consume = await self._connection.channel(publisher_confirms=False)
        await self._consume.set_qos(
            prefetch_count=self.pipeline.settings.concurrency, global_=self.settings.global_qos
        )
        operations = self.pipeline.operations
        _log.info("declaring %d destinations (group %s)", len(operations), self.settings.group)
        queues: list[tuple[AbstractQueue, Operation]] = []
        for operation in operations:
            queue: AbstractQueue
            destination = self.destination(operation)
            try:
                exchange = await self._consume.declare_exchange(
                    destination, aio_pika.ExchangeType.TOPIC, durable=True
                )
                queue = await self._consume.declare_queue(self.queue_name(operation), durable=True)
                await queue.bind(exchange, routing_key="#")
                await self._consume.declare_queue(self.dead_letter_queue(operation), durable=True)
            except aio_pika.exceptions.ChannelClosed as exc:
                raise EngineError(
                    f"cannot declare destination {destination!r} and queue "
                    f"{self.queue_name(operation)!r}: {exc}. An existing exchange must be a "
                    "durable topic exchange and an existing queue durable without arguments."
                ) from exc
            queues.append((queue, operation))
        for queue, operation in queues:
            callback = functools.partial(self._on_message, operation, queue.name)
            tag = await queue.consume(callback, no_ack=False)
            self._consumers.append((queue, tag))
        _log.info(
            "consuming from %d queues on %s (prefetch %d)",
            len(queues),
            display_url(self.settings.url),
            self.pipeline.settings.concurrency,
        )
        self.pipeline.set_ready(True)

    async def _connect(self) -> AbstractRobustConnection:
        import aio_pika

        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.connect_timeout
        backoff = Backoff(initial=0.5, maximum=10.0)
        shown = display_url(self.settings.url)
        while True:
            try:
                return await aio_pika.connect_robust(
                    self.settings.url,
                    reconnect_interval=self.settings.reconnect_interval,
                    client_properties={"connection_name": self.settings.connection_name},
                    timeout=min(10.0, self.settings.connect_timeout),
                )
            except aio_pika.exceptions.ProbableAuthenticationError as exc:
                raise EngineError(f"RabbitMQ at {shown} refused the credentials: {exc}") from exc
            except (aio_pika.exceptions.AMQPError, OSError, TimeoutError) as exc:
                problem = f"{type(exc).__name__}: {exc}"
                delay = backoff.next()
                if self.pipeline.stopping or loop.time() + delay > deadline:
                    raise EngineError(f"cannot connect to RabbitMQ at {shown}: {problem}") from exc
                _log.warning("cannot connect to %s (%s); retrying in %.1fs", shown, problem, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.pipeline.wait_stopping(), delay)

    def _on_connection_lost(self, _sender: Any, exc: BaseException | None = None) -> None:
        if not self._stopping:
            _log.warning("lost the RabbitMQ connection (%s); reconnecting", exc)
            self.pipeline.set_ready(False, "disconnected")

    def _on_reconnected(self, _sender: Any) -> None:
        _log.info("reconnected to RabbitMQ; consuming again")
        if not self._stopping:
            self.pipeline.set_ready(True)

    async def shutdown(self) -> None:
        """Stop consuming, let in-flight requests finish within the grace period, hand the
        rest back to the broker, and close the connection."""
        self._stopping = True
        self.pipeline.set_ready(False, "stopping")
        for queue, tag in self._consumers:
            try:
                await queue.cancel(tag, timeout=5)
            except Exception as exc:  # the connection may be gone; closing requeues anyway
                _log.debug("cancelling consumer %s: %s", tag, exc)
        self._consumers.clear()
        cancelled = await self.pipeline.drain()
        if cancelled:
            _log.warning("handed %d unfinished requests back to RabbitMQ", cancelled)
        if self._connection is not None:
            # Unacknowledged deliveries go back to their queues when the channels close.
            await self._connection.close()
            self._connection = None

    # -- one message --------------------------------------------------------------------

    async def _on_message(
        self, operation: Operation, queue: str, message: AbstractIncomingMessage
    ) -> None:
        if self._stopping or self.pipeline.stopping:
            await self._settle(message, "requeue")
            return
        # aio-pika runs each delivery in a task of its own: work in it (a task less per
        # message). Closing the channel cancels it, and the broker redelivers the request.
        self.pipeline.track()
        await self._handle(operation, queue, message)

    async def _handle(
        self, operation: Operation, queue: str, message: AbstractIncomingMessage
    ) -> None:
        try:
            await self._process(operation, queue, message)
        except asyncio.CancelledError:
            await self._settle(message, "requeue")
            raise
        except Exception as exc:  # a bug here must neither lose the message nor loop on it
            _log.exception("unexpected error handling a message from %s", queue)
            try:
                await self._dead_letter(
                    message, queue, f"internal error: {type(exc).__name__}: {exc}", "internal_error"
                )
            except Exception:
                _log.exception("could not dead-letter it either; it goes back to %s", queue)
                await self._requeue_slowly(message)

    async def _requeue_slowly(self, message: AbstractIncomingMessage) -> None:
        """Requeue, but not at once: a message we cannot get rid of must not spin (its
        redelivery would come straight back). Stopping cuts the pause short."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.pipeline.wait_stopping(), _POISON_PAUSE)
        await self._settle(message, "requeue")

    def _operation_for(self, request: IntegrationRequest, queued: Operation) -> Operation:
        """The queue decides the operation. ``connectorType`` (the BPMN implementation
        string) may carry a different connector name when the engine maps destinations,
        but its action must be the queue's, or name another served operation."""
        connector_type = request.connector_type
        if connector_type is None:
            return queued
        name = connector_type
        prefix = self.settings.destination_prefix + self.settings.destination_separator
        if self.settings.destination_prefix and name.startswith(prefix):
            name = name[len(prefix) :]
        if name.rpartition(".")[2] == queued.action:
            return queued
        try:
            return self.pipeline.find_operation(name)
        except KeyError:
            raise InputError(
                f"unknown connector or action {connector_type!r}: this queue serves "
                f"{queued.qualified_name}",
                field="integrationContext.connectorType",
            ) from None

    async def _process(
        self, queued: Operation, queue: str, message: AbstractIncomingMessage
    ) -> None:
        try:
            request = parse_request(message.body, separator=self.settings.destination_separator)
        except UnusableMessageError as exc:
            await self._dead_letter(message, queue, str(exc), "not_a_request")
            return
        redact = self.pipeline.redactor.redact
        operation = queued  # what the variables were sent for, if the request says nothing
        try:
            operation = self._operation_for(request, queued)
            check_request(request)
        except InputError as exc:
            # The message cannot be served as it is (no context id, nowhere to send the
            # result, an action nobody serves): an integration error, never a BPMN error,
            # since no process modelled this.
            self._rejected(request, queue, exc, operation)
            document = error_document(
                request,
                code=exc.code,
                message=redact(exc.message),
                class_name=INPUT_ERROR_CLASS,
                variables=exc.variables,
            )
            await self._reply(message, queue, request.error_destination, document, request)
            return
        outcome: Outcome | None
        try:
            job = job_for(request, operation, self.settings.retries, self.documents)
        except InputError as exc:  # inbound variables that do not decode: bad input
            self._rejected(request, queue, exc, operation)
            outcome = Failed(
                exc.code,
                redact(exc.message),
                0,
                variables=self.pipeline.redactor.redact_data(exc.variables),
                input_error=True,
            )
        else:
            outcome = await self._execute(operation, job)
        if outcome is None:  # shutting down while waiting to retry
            await self._settle(message, "requeue")
            return
        if isinstance(outcome, Completed):
            assert request.result_destination is not None  # checked by check_request
            destination = request.result_destination
            document = result_document(request, outcome.output)
        else:
            # A BPMN error, or a failure whose code the connector definition declares,
            # goes to the process as a BPMN error; boundary events catch it by code.
            destination = request.error_destination
            document = error_document(
                request,
                code=outcome.code,
                message=outcome.message,
                class_name=error_class(outcome, self.declared_errors(operation)),
                variables=outcome.variables,
                stack=stack_trace(operation),
            )
        await self._reply(message, queue, destination, document, request)

    def _rejected(
        self, request: IntegrationRequest, queue: str, exc: InputError, operation: Operation
    ) -> None:
        # The reply echoes the request: credentials typed into the operation's secret
        # fields are masked there although the request never became a job.
        variables = request.context.get("inBoundVariables")
        if isinstance(variables, dict):
            self.pipeline.executor.register_secrets(operation, _decoded_leniently(variables))
        _log.warning(
            "invalid integration request %s on %s: %s",
            request.context_id,
            queue,
            exc.message,
            extra={"job_key": request.context_id, "code": exc.code},
        )
        self.pipeline.metrics.rejected(ENGINE, "invalid_request")

    def declared_errors(self, operation: Operation) -> frozenset[str]:
        """:func:`declared_errors` of the operation's connector, cached."""
        connector = operation.connector
        codes = self._error_codes.get(connector)
        if codes is None:
            codes = self._error_codes[connector] = declared_errors(connector)
        return codes

    async def _execute(self, operation: Operation, job: Job) -> Outcome | None:
        """Run the job, retrying retryable failures with backoff while attempts remain.
        ``None`` when the runtime started stopping during a backoff."""
        while True:
            outcome = await self.pipeline.run(operation, job)
            if not isinstance(outcome, Failed) or outcome.incident or outcome.input_error:
                return outcome
            delay = (
                outcome.backoff.total_seconds()
                if outcome.backoff is not None
                else self.settings.retry_backoff
            )
            try:
                await asyncio.wait_for(self.pipeline.wait_stopping(), max(delay, 0))
                return None
            except TimeoutError:
                pass
            job = dataclasses.replace(
                job, info=dataclasses.replace(job.info, retries=outcome.retries)
            )

    # -- publishing ---------------------------------------------------------------------

    async def _reply(
        self,
        message: AbstractIncomingMessage,
        queue: str,
        destination: str,
        document: dict[str, Any],
        request: IntegrationRequest | None = None,
        *,
        fallback: bool = True,
    ) -> None:
        """Publish a result or error, then acknowledge the request. A reply the broker
        would refuse for its size is replaced by a ``REPLY_TOO_LARGE`` integration error
        (``fallback``); what cannot be answered at all is dead-lettered with the reason."""
        from pamqp.commands import Basic

        # The echo of the request carries its inbound variables, including credentials
        # typed literally into secret fields: they leave masked like everything else.
        document = self.pipeline.redactor.redact_data(document)
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=str).encode(
            "utf-8"
        )
        limit = self.settings.max_message_bytes
        if len(body) > limit:
            result: PublishResult = "too_large"
            detail = f"more than max_message_bytes ({limit})"
        else:
            context_id = request.context_id if request else None
            if context_id is not None and len(context_id.encode("utf-8")) > _MAX_CORRELATION_ID:
                context_id = None  # the body names the context; the property cannot hold it
            properties = Basic.Properties(
                content_type="application/json",
                delivery_mode=2,  # persistent
                headers=dict(request.headers()) if request else {},
                correlation_id=context_id,
            )
            result, detail = await self._publish_to(
                message, destination, destination, body, properties
            )
        if result == "published":
            await self._settle(message, "ack")
        elif result == "too_large":
            reason = f"the reply to {destination!r} is {len(body)} bytes, {detail}"
            if request is not None and fallback:
                _log.warning("%s; answering with %s instead", reason, REPLY_TOO_LARGE)
                # Without the echo of its inbound variables, which may be what is large:
                # Activiti reads the context of an integration error, not its variables.
                context = {**request.context, "inBoundVariables": {}}
                trimmed = dataclasses.replace(
                    request,
                    raw={**request.raw, "integrationContext": context},
                    context=context,
                )
                error = error_document(
                    trimmed,
                    code=REPLY_TOO_LARGE,
                    message=f"{reason}: return less data",
                    class_name=CONNECTOR_ERROR_CLASS,
                )
                await self._reply(
                    message, queue, request.error_destination, error, request, fallback=False
                )
            else:
                await self._dead_letter(message, queue, reason, "too_large")
        elif result == "unroutable":
            await self._dead_letter(
                message, queue, f"cannot reply to {destination!r}: {detail}", "unroutable"
            )
        elif result == "failed":
            await self._settle(message, "requeue")
        # "lost": the request's channel is gone and the broker delivers it again.

    async def _dead_letter(
        self, message: AbstractIncomingMessage, queue: str, reason: str, kind: str
    ) -> None:
        from pamqp.commands import Basic

        reason = self.pipeline.redactor.redact(reason)
        _log.error("dead-lettering a message from %s: %s", queue, reason, extra={"reason": kind})
        self.pipeline.metrics.rejected(ENGINE, kind)
        headers: dict[str, Any] = dict(message.headers or {})
        headers["x-tasklink-reason"] = reason[:2000]
        headers["x-tasklink-queue"] = queue
        properties = Basic.Properties(
            content_type=message.content_type, delivery_mode=2, headers=headers
        )
        target = queue + self.settings.dead_letter_suffix
        result, detail = await self._publish_to(message, "", target, message.body, properties)
        if result == "published":
            await self._settle(message, "ack")
        elif result != "lost":
            _log.error(
                "could not dead-letter the message (%s: %s); it goes back to %s in %gs",
                result,
                detail,
                queue,
                _POISON_PAUSE,
            )
            await self._requeue_slowly(message)

    async def _declare(self, name: str, timeout: float) -> None:
        import aio_pika

        assert self._publish is not None
        if name not in self._declared:
            # Declared as Spring Cloud Stream's producer would: a durable topic exchange
            # (and re-declared by the robust channel after a reconnection).
            await self._publish.declare_exchange(
                name, aio_pika.ExchangeType.TOPIC, durable=True, timeout=timeout
            )
            self._declared.add(name)

    async def _publish_to(
        self,
        request: AbstractIncomingMessage,
        exchange_name: str,
        routing_key: str,
        body: bytes,
        properties: Basic.Properties,
    ) -> tuple[PublishResult, str]:
        """Publish with confirms, retrying transient channel failures until
        ``publish_timeout``. Every step (declaring, waiting for the channel after a
        reconnection, waiting for the confirm) is bounded by what is left of it, so a
        broker that stops answering cannot hold the request. Gives up early ("lost") when
        the request's own channel is gone, because then the broker redelivers it anyway.
        Returns the result and, for a refusal, the broker's reason."""
        from aiormq import exceptions as amqp

        assert self._publish is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.publish_timeout
        backoff = Backoff(initial=0.1, maximum=2.0)
        while True:
            if not _channel_open(request):
                return "lost", "the request's channel is closed"
            left = deadline - loop.time()
            try:
                if left <= 0:
                    raise TimeoutError(f"no confirm within {self.settings.publish_timeout:g}s")
                if exchange_name:
                    await self._declare(exchange_name, left)
                # Straight to the protocol channel: aio-pika's Message objects cost more
                # than the rest of the reply.
                underlay = self._publish.get_underlay_channel()
                channel = cast(
                    "aiormq.Channel", await asyncio.wait_for(underlay, deadline - loop.time())
                )
                # wait=False: the broker's confirmation is what counts, not the socket
                # write; the timeout bounds the wait for that confirmation.
                await channel.basic_publish(
                    body,
                    exchange=exchange_name,
                    routing_key=routing_key,
                    properties=properties,
                    mandatory=True,
                    wait=False,
                    timeout=max(deadline - loop.time(), 0.001),
                )
                return "published", ""
            except amqp.PublishError:  # returned by the broker: no queue bound
                return "unroutable", "it routes to no queue (is the runtime bundle listening?)"
            except (
                amqp.ChannelNotFoundEntity,
                amqp.ChannelPreconditionFailed,
                amqp.ChannelAccessRefused,
            ) as exc:
                _log.warning("cannot publish to %r: %s", exchange_name or routing_key, exc)
                if _refused_for_size(exc):
                    return "too_large", "more than the broker accepts (its max_message_size)"
                return "unroutable", f"the broker refused it: {exc}"
            except (
                amqp.DeliveryError,
                amqp.AMQPError,
                amqp.ChannelInvalidStateError,
                ConnectionError,
                RuntimeError,
                TimeoutError,
            ) as exc:
                delay = backoff.next()
                if loop.time() + delay > deadline:
                    problem = f"{type(exc).__name__}: {exc}"
                    _log.error(
                        "giving up publishing to %r: %s", exchange_name or routing_key, problem
                    )
                    return "failed", problem
                _log.debug("publishing to %r failed (%s); retrying", exchange_name, exc)
            await asyncio.sleep(delay)

    async def _settle(
        self, message: AbstractIncomingMessage, how: Literal["ack", "requeue"]
    ) -> None:
        """Ack or requeue; a closed channel means the broker already took it back."""
        try:
            channel = message.channel  # the delivery's own protocol channel
            if how == "ack":
                # No need to wait for the socket write: an ack has no answer.
                await channel.basic_ack(message.delivery_tag or 0, wait=False)
            else:
                await channel.basic_nack(message.delivery_tag or 0, requeue=True)
        except Exception as exc:  # channel closed: the broker has taken it back already
            _log.debug("could not %s delivery %s: %s", how, message.delivery_tag, exc)


def _refused_for_size(exc: Exception) -> bool:
    # RabbitMQ closes the channel with PRECONDITION_FAILED - "message size 200 is larger
    # than configured max size 100" (rabbit_channel:check_msg_size/2).
    return "message size" in str(exc) and "max size" in str(exc)


def _channel_open(message: AbstractIncomingMessage) -> bool:
    try:
        return not message.channel.is_closed
    except Exception:
        return False


def _decoded_leniently(variables: dict[str, Any]) -> dict[str, Any]:
    """Each typed variable decoded where it decodes, kept as it is where it does not."""
    decoded: dict[str, Any] = {}
    for name, value in variables.items():
        try:
            decoded[name] = decode_variables({name: value})[name]
        except InputError:
            decoded[name] = value
    return decoded
