"""Input and output models of the RabbitMQ connector.

Fields are snake_case in Python and camelCase in process variables and templates
(``routing_key`` is ``routingKey``). Every check of the input happens here, so a bad job
fails before anything is sent: AMQP's limits (short strings of at most 255 bytes, header
names of at most 128, header values of the types an AMQP table carries), the URL, the
ranges of priority and expiration. Only pydantic and the core are imported: discovery
reads these models.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from tasklink.client import TlsOptions
from tasklink.core import (
    CamelInputModel,
    CamelOutputModel,
    Document,
    ErrorCode,
    InputError,
    field,
)

from ._target import Target, parse_url

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "MAX_BODY_BYTES",
    "Connection",
    "HostConnection",
    "MessageProperties",
    "Publish",
    "Published",
    "TlsOptions",
    "UrlConnection",
    "check_table",
]

MIB = 1024 * 1024
#: RabbitMQ 4's default ``max_message_size``; 3.8 to 3.13 accept 128 MiB.
DEFAULT_MAX_BODY_BYTES = 16 * MIB
#: The most RabbitMQ can be configured to accept (``max_message_size`` is capped there).
MAX_BODY_BYTES = 512 * MIB
# AMQP 0-9-1: a short string is at most 255 bytes, a field (header) name at most 128.
_SHORT_STRING_BYTES = 255
_FIELD_NAME_BYTES = 128
_INT64 = (-(2**63), 2**63 - 1)


def _short_string(value: str) -> str:
    if len(value.encode("utf-8", "surrogatepass")) > _SHORT_STRING_BYTES:
        raise PydanticCustomError("short_string", "must be at most 255 bytes of UTF-8")
    return value


#: A text AMQP carries as a short string.
ShortStr = Annotated[str, AfterValidator(_short_string)]


def _table_problem(value: Any, path: str) -> str | None:
    """Why ``value`` cannot travel in an AMQP table (``path`` names it), or ``None``."""
    if value is None or isinstance(value, bool | str):
        return None
    if isinstance(value, int):
        if not _INT64[0] <= value <= _INT64[1]:
            return f"{path}: a whole number must fit in 64 bits"
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{path}: a number must be finite"
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"{path}: names must be text"
            if len(key.encode("utf-8", "surrogatepass")) > _FIELD_NAME_BYTES:
                return f"{path}: the name {key[:40]!r}... is longer than 128 bytes"
            problem = _table_problem(item, f"{path}.{key}" if path else key)
            if problem:
                return problem
        return None
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            problem = _table_problem(item, f"{path}[{index}]")
            if problem:
                return problem
        return None
    return f"{path}: {type(value).__name__} cannot travel in AMQP headers (text, numbers, "
    "booleans, null, lists and objects can)"


def check_table(value: dict[str, Any], name: str) -> str | None:
    """Why ``value`` is no AMQP table, naming the path inside from ``name`` on
    (``message.properties.headers.order.qty: ...``), or ``None``."""
    return _table_problem(value, name)


def _headers(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    problem = _table_problem(value, "")
    if problem:
        raise PydanticCustomError("amqp_table", problem)
    return value


Headers = Annotated[dict[str, Any] | None, AfterValidator(_headers)]

# -- connection --------------------------------------------------------------------------


def _amqp_url(value: str) -> str:
    try:
        parse_url(value)
    except ValueError as exc:
        raise PydanticCustomError("amqp_url", str(exc)) from None
    return value.strip()


#: An ``amqp://`` or ``amqps://`` URL RabbitMQ's URI specification allows.
AmqpUrl = Annotated[str, AfterValidator(_amqp_url)]


class UrlConnection(CamelInputModel):
    """A broker given by its URL."""

    type: Literal["url"] = field(description="How the connector reaches RabbitMQ")
    url: AmqpUrl = field(
        title="URL",
        description="amqp://user:password@host:5672/vhost, amqps:// for TLS (the password "
        "is masked; a vhost '/' is %2F or nothing)",
        group="connection",
        secret=True,
        placeholder="amqps://user:password@rabbitmq.example.com:5671/%2F",
    )

    def target(self) -> Target:
        """The broker and credentials the URL names."""
        return parse_url(self.url)


class HostConnection(CamelInputModel):
    """A broker given by host, port and credentials."""

    type: Literal["host"] = field(description="How the connector reaches RabbitMQ")
    host: str = field(
        description="Host name or IP address of the broker",
        group="connection",
        min_length=1,
        max_length=253,
        pattern=r"^[^\s/@?#]+$",
        placeholder="rabbitmq.example.com",
    )
    port: int | None = field(
        None,
        description="Port of the broker (5672, or 5671 with TLS, when empty)",
        group="connection",
        ge=1,
        le=65535,
    )
    virtual_host: str = field(
        "/", description="Virtual host to publish in", group="connection", min_length=1
    )
    username: str = field(description="User name", group="connection", min_length=1)
    password: str = field(description="Password", group="connection", secret=True, min_length=1)
    tls: bool = field(
        False, title="Use TLS", description="Connect with TLS (AMQPS)", group="connection"
    )

    def target(self) -> Target:
        """The broker and credentials these fields name."""
        return Target(
            host=self.host.strip("[]"),
            port=self.port or (5671 if self.tls else 5672),
            virtual_host=self.virtual_host,
            username=self.username,
            password=self.password,
            tls=self.tls,
        )


Connection = Annotated[UrlConnection | HostConnection, Field(discriminator="type")]


# -- the message ---------------------------------------------------------------------------


class MessageProperties(CamelInputModel):
    """AMQP's basic properties of the message (the body's content type and the message
    ID are filled in when empty)."""

    content_type: ShortStr | None = field(
        None,
        description="MIME type of the body (application/json, text/plain or the "
        "document's when empty)",
        group="properties",
    )
    content_encoding: ShortStr | None = field(
        None,
        description="Encoding of the body (UTF-8 for JSON and text when empty)",
        group="properties",
    )
    message_id: ShortStr | None = field(
        None,
        title="Message ID",
        description="ID of the message (a new UUID when empty); returned in the output",
        group="properties",
    )
    correlation_id: ShortStr | None = field(
        None,
        title="Correlation ID",
        description="ID relating the message to another, e.g. the request it answers",
        group="properties",
    )
    reply_to: ShortStr | None = field(
        None, description="Queue the receiver should answer to", group="properties"
    )
    expiration: int | None = field(
        None,
        title="Expiration (ms)",
        description="Milliseconds the message may wait in a queue before it is dropped",
        group="properties",
        ge=0,
        le=2**32 - 1,
    )
    priority: int | None = field(
        None,
        description="Priority, 0 to 255 (queues with x-max-priority honour it)",
        group="properties",
        ge=0,
        le=255,
    )
    type: ShortStr | None = field(
        None, description="Type of the message, e.g. order.created", group="properties"
    )
    app_id: ShortStr | None = field(
        None, title="App ID", description="ID of the application that sends it", group="properties"
    )
    user_id: ShortStr | None = field(
        None,
        title="User ID",
        description="User the message claims to come from (RabbitMQ requires the "
        "connection's user)",
        group="properties",
    )
    timestamp: datetime | None = field(
        None,
        description="When the message was made, ISO 8601 (kept to the second)",
        group="properties",
    )


class Publish(CamelInputModel):
    """Publish one message to an exchange, with a publisher confirm."""

    connection: Connection = field(
        description="How the connector reaches RabbitMQ",
        group="connection",
        choice_labels={"url": "URL", "host": "Host and credentials"},
    )
    tls: TlsOptions = field(
        default_factory=TlsOptions,
        title="TLS",
        description="Certificate checks when the connection uses TLS",
        group="tls",
    )
    exchange: ShortStr = field(
        "",
        description="Exchange to publish to; empty: the default exchange, which routes to "
        "the queue named by the routing key",
        group="routing",
    )
    routing_key: ShortStr = field(
        "",
        description="Routing key (with the default exchange: the queue's name)",
        group="routing",
    )
    body: Any = field(
        None,
        description="The message: an object or list is sent as JSON, a text as UTF-8 text, "
        "a number or boolean as JSON",
        group="message",
    )
    document: Document | None = field(
        None,
        description="A document sent as the body instead, with its content type",
        group="message",
    )
    headers: Headers = field(
        None,
        description="Headers: a map of text, numbers, booleans, lists and nested maps",
        group="message",
    )
    properties: MessageProperties = field(
        default_factory=MessageProperties,
        description="AMQP properties: content type, IDs, expiration, priority...",
        group="properties",
    )
    persistent: bool = field(
        True,
        description="Ask durable queues to keep the message on disk (delivery mode 2)",
        group="options",
    )
    mandatory: bool = field(
        True,
        description="Fail with UNROUTABLE when the message reaches no queue (else it is dropped)",
        group="options",
    )
    max_body_bytes: int = field(
        DEFAULT_MAX_BODY_BYTES,
        description="The largest body sent (bytes); larger ones fail with MESSAGE_TOO_LARGE",
        group="options",
        ge=1,
        le=MAX_BODY_BYTES,
    )
    connect_timeout_in_seconds: float = field(
        10,
        description="Seconds to wait for a connection (0 waits without limit)",
        group="timeouts",
        ge=0,
        allow_inf_nan=False,
    )
    publish_timeout_in_seconds: float = field(
        30,
        description="Seconds to wait for the broker to confirm the message (0 waits without limit)",
        group="timeouts",
        ge=0,
        allow_inf_nan=False,
    )

    @model_validator(mode="after")
    def _one_body(self) -> Publish:
        if self.body is None and self.document is None:
            raise InputError(
                "invalid input: body: required: give the message as body (JSON or text) "
                "or as document",
                code=ErrorCode.MISSING_INPUT,
                field="body",
                variables={"fields": ["body", "document"], "problemCount": 1},
            )
        if self.body is not None and self.document is not None:
            raise InputError(
                "invalid input: document: give the message as body or as document, not both",
                field="document",
                variables={"fields": ["body", "document"], "problemCount": 1},
            )
        return self


# -- output --------------------------------------------------------------------------------


class Published(CamelOutputModel):
    """The message the broker confirmed."""

    message_id: str = field(description="ID of the message (the one given, else a new UUID)")
    exchange: str = field(description="Exchange it was published to ('' for the default)")
    routing_key: str = field(description="Routing key it was published with")
    confirmed: bool = field(description="The broker confirmed it (publisher confirm)")
    body_size: int = field(description="Size of the body in bytes")
    content_type: str | None = field(None, description="Content type it was sent with")
