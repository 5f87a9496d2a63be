"""Running an ``io.camunda:connector-rabbitmq:1`` job: Camunda's RabbitMQ connector
(``connectors/rabbitmq``: ``RabbitMqFunction``, ``MessageUtil``,
``ValidationPropertiesUtil``, ``ConnectionFactorySupplier``) on this connector's
publisher (:mod:`._amqp`).

What Camunda does, done here the same way:

* **Validation** (``RabbitMqRequest`` and its records): ``authentication.authType`` is
  ``uri`` or ``credentials``; ``uri``, ``userName``, ``password``, ``routing.exchange``
  and ``routing.routingKey`` must not be blank, nor, with credentials,
  ``routing.virtualHost``, ``routing.hostName`` and ``routing.port``; ``message.body``
  must be given. A failure is an input error naming Camunda's variable.
* **Connection** (``ConnectionFactorySupplier``): the URI as RabbitMQ's URI
  specification reads it (query parameters other than ``heartbeat`` and
  ``connection_timeout`` are ignored), or host, port, virtual host, user name and
  password without TLS.
* **Body** (``MessageUtil.getBodyAsByteArray``): a text that parses as a JSON object or
  array (Jackson's ``readTree``: leading blanks skipped, anything after the first value
  ignored) is sent re-serialized compact; any other text (plain words, a JSON string,
  number or boolean) as it is; a non-text value (a FEEL context, list, number) as compact
  JSON. UTF-8 throughout.
* **Properties** (``MessageUtil.toAmqpBasicProperties``): an object whose keys must be
  fields of the Java client's ``AMQP.BasicProperties`` (``contentType``,
  ``contentEncoding``, ``headers``, ``deliveryMode``, ``priority``, ``correlationId``,
  ``replyTo``, ``expiration``, ``messageId``, ``timestamp``, ``type``, ``userId``,
  ``appId``, ``clusterId``), converted as Jackson converts them: numbers and booleans to
  text, numeric text to numbers, ``timestamp`` from epoch milliseconds or ISO 8601.
  ``clusterId`` is deprecated in AMQP 0-9-1 and not sent.
* **Publish**: not mandatory (an unroutable message is dropped, as with Camunda); the
  result is ``{"statusResult": "success"}``.

Where tasklink does better, on purpose: the broker confirms every message (Camunda's
connector sends without confirms, so a refused message was lost unnoticed; here it is
``NACKED``, retried); an ``amqps://`` URI has the broker's certificate verified by
tasklink's trust policy (Camunda's Java client trusts any certificate for such URIs;
trust a private CA with ``SSL_CERT_FILE``); connections are pooled instead of opened per
job; an unsupported property is an input error (an incident) rather than a failure
retried in vain; failures carry the connector's codes (``NOT_FOUND``, ``FORBIDDEN``,
``AUTHENTICATION_FAILED``...) for ``errorExpression``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from tasklink.client import DEFAULT_TLS
from tasklink.core import Context, ErrorCode, InputError

from . import _amqp
from ._camunda_models import CamundaRabbitMqRequest
from ._errors import FieldNames
from ._models import check_table
from ._target import Target, parse_url

__all__ = ["BASIC_PROPERTIES", "RESULT", "body_bytes", "properties_of", "run"]

#: The fields of the Java client's ``com.rabbitmq.client.AMQP.BasicProperties``, which
#: Camunda's ``ValidationPropertiesUtil`` accepts as property names.
BASIC_PROPERTIES = (
    "contentType",
    "contentEncoding",
    "headers",
    "deliveryMode",
    "priority",
    "correlationId",
    "replyTo",
    "expiration",
    "messageId",
    "timestamp",
    "type",
    "userId",
    "appId",
    "clusterId",
)
#: ``RabbitMqResult.success()``.
RESULT = {"statusResult": "success"}
#: The Java client's defaults: 60 s to connect; Camunda waits for no confirm at all.
CONNECT_TIMEOUT = 60.0
PUBLISH_TIMEOUT = 60.0
FIELDS = FieldNames(
    exchange="routing.exchange",
    routing_key="routing.routingKey",
    connect_timeout=None,
    publish_timeout=None,
    max_body_bytes=None,
    ca_certificate=None,
    client_certificate=None,
)
_PROPERTIES = "message.properties"


def _invalid(problems: list[tuple[str, str]], *, missing: bool) -> InputError:
    fields = [name for name, _ in problems]
    return InputError(
        "invalid input: " + "; ".join(f"{name}: {problem}" for name, problem in problems),
        code=ErrorCode.MISSING_INPUT if missing else ErrorCode.INVALID_INPUT,
        field=fields[0],
        variables={"fields": fields, "problemCount": len(problems)},
    )


def _check(request: CamundaRabbitMqRequest) -> None:
    """Camunda's bean validation of ``RabbitMqRequest``: every blank field at once."""
    auth, routing, message = request.authentication, request.routing, request.message
    missing: list[tuple[str, str]] = []
    if auth is None or auth.auth_type is None:
        missing.append(("authentication.authType", "required: uri or credentials"))
    elif auth.auth_type not in ("uri", "credentials"):
        raise _invalid([("authentication.authType", "must be uri or credentials")], missing=False)
    elif auth.auth_type == "uri" and auth.uri is None:
        missing.append(("authentication.uri", "must not be blank"))
    elif auth.auth_type == "credentials":
        for name, value in (("userName", auth.user_name), ("password", auth.password)):
            if value is None:
                missing.append((f"authentication.{name}", "must not be blank"))
    names = ["exchange", "routingKey"]
    if auth is not None and auth.auth_type == "credentials":
        names += ["virtualHost", "hostName", "port"]
    attributes = {
        "exchange": "exchange",
        "routingKey": "routing_key",
        "virtualHost": "virtual_host",
        "hostName": "host_name",
        "port": "port",
    }
    for name in names:
        if routing is None or getattr(routing, attributes[name]) is None:
            missing.append((f"routing.{name}", "must not be blank"))
    if message is None or message.body is None:
        missing.append(("message.body", "must not be null"))
    if missing:
        raise _invalid(missing, missing=True)


def _target(request: CamundaRabbitMqRequest) -> Target:
    auth, routing = request.authentication, request.routing
    assert auth is not None and routing is not None  # checked
    if auth.auth_type == "uri":
        try:
            return parse_url(str(auth.uri), strict=False)
        except ValueError as exc:
            raise _invalid([("authentication.uri", str(exc))], missing=False) from None
    port = str(routing.port).strip()
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise _invalid([("routing.port", "must be a port number, 1 to 65535")], missing=False)
    return Target(
        host=str(routing.host_name).strip().strip("[]"),
        port=int(port),
        virtual_host=str(routing.virtual_host),
        username=str(auth.user_name),
        password=str(auth.password),
        tls=False,
    )


# -- the body ------------------------------------------------------------------------------


def body_bytes(body: Any) -> bytes:
    """``MessageUtil.getBodyAsByteArray``: the bytes Camunda's connector sends for
    ``body``."""
    if isinstance(body, str):
        text = body.lstrip(" \t\r\n")
        try:
            parsed, _ = json.JSONDecoder(parse_constant=_no_constant).raw_decode(text)
        except ValueError:
            return body.encode("utf-8")  # plain text
        if not isinstance(parsed, dict | list):  # a value node: sent as written
            return body.encode("utf-8")
        body = parsed
    try:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
            "utf-8"
        )
    except (TypeError, ValueError) as exc:
        raise _invalid([("message.body", f"is not JSON ({exc})")], missing=False) from None


def _no_constant(name: str) -> Any:
    # Jackson refuses NaN and Infinity by default: such text is plain text there.
    raise ValueError(name)


# -- the properties ------------------------------------------------------------------------


def _text(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        text = str(value)
        if len(text.encode("utf-8")) > 255:
            raise _invalid([(name, "must be at most 255 bytes of UTF-8")], missing=False)
        return text
    raise _invalid([(name, "must be text")], missing=False)


def _integer(name: str, value: Any, low: int, high: int) -> int:
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value.strip())
    if number is None or not low <= number <= high:
        raise _invalid([(name, f"must be a whole number from {low} to {high}")], missing=False)
    return number


def _timestamp(name: str, value: Any) -> datetime:
    """A ``java.util.Date`` as Jackson reads one: epoch milliseconds (a number, or digits
    as text), else ISO 8601 (UTC when it names no zone)."""
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(value / 1000, tz=UTC)
        if isinstance(value, str):
            text = value.strip()
            if text.lstrip("-").isdigit():
                return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
            moment = datetime.fromisoformat(text)
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        pass
    raise _invalid([(name, "must be epoch milliseconds or an ISO 8601 date-time")], missing=False)


def properties_of(properties: Any) -> dict[str, Any]:
    """``MessageUtil.toAmqpBasicProperties``: the properties as keyword arguments of
    :class:`~._amqp.Properties` (empty for none)."""
    if properties is None:
        return {}
    if not isinstance(properties, dict):
        raise _invalid([(_PROPERTIES, "must be an object of AMQP properties")], missing=False)
    unknown = [key for key in properties if key not in BASIC_PROPERTIES]
    if unknown:
        # ValidationPropertiesUtil: "Unsupported field [<name>] for properties".
        raise _invalid(
            [
                (
                    f"{_PROPERTIES}.{unknown[0]}",
                    f"unsupported field [{unknown[0]}] for properties (they are "
                    f"{', '.join(BASIC_PROPERTIES)})",
                )
            ],
            missing=False,
        )
    found: dict[str, Any] = {}
    texts = {
        "contentType": "content_type",
        "contentEncoding": "content_encoding",
        "correlationId": "correlation_id",
        "replyTo": "reply_to",
        "messageId": "message_id",
        "type": "message_type",
        "userId": "user_id",
        "appId": "app_id",
    }
    for key, value in properties.items():
        name = f"{_PROPERTIES}.{key}"
        if value is None or key == "clusterId":
            continue
        if key in texts:
            found[texts[key]] = _text(name, value)
        elif key == "headers":
            if not isinstance(value, dict):
                raise _invalid([(name, "must be an object")], missing=False)
            problem = check_table(value, name)
            if problem:
                raise _invalid([(name, problem.removeprefix(f"{name}."))], missing=False)
            found["headers"] = value
        elif key == "deliveryMode":
            found["delivery_mode"] = _integer(name, value, 1, 2)
        elif key == "priority":
            found["priority"] = _integer(name, value, 0, 255)
        elif key == "expiration":
            found["expiration"] = str(_integer(name, value, 0, 2**32 - 1))
        elif key == "timestamp":
            found["timestamp"] = _timestamp(name, value)
    return found


async def run(request: CamundaRabbitMqRequest, ctx: Context) -> dict[str, Any]:
    """Publish the job's message as Camunda's connector does; Camunda's result."""
    _check(request)
    target = _target(request)
    ctx.redactor.add(target.password)
    assert request.routing is not None and request.message is not None  # checked
    properties = _amqp.Properties(**properties_of(request.message.properties))
    message = _amqp.Outgoing(
        exchange=str(request.routing.exchange),
        routing_key=str(request.routing.routing_key),
        body=body_bytes(request.message.body),
        properties=properties,
        mandatory=False,
    )
    await _amqp.publish(
        ctx,
        target,
        DEFAULT_TLS,
        message,
        connect_timeout=target.connect_timeout or CONNECT_TIMEOUT,
        publish_timeout=PUBLISH_TIMEOUT,
        names=FIELDS,
    )
    return dict(RESULT)
