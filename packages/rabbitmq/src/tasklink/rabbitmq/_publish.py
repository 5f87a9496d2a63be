"""The ``publish`` operation: the message made from the job's input (body, headers,
properties), then published with a confirm by :mod:`._amqp`.

Bodies: an object, a list, a number or a boolean is sent as compact JSON
(``application/json``), a text as UTF-8 (``text/plain``), a document as its bytes with
its own content type. JSON and text also say ``UTF-8`` as their content encoding, as
Spring AMQP's message converters write and read it. A body is held whole (AMQP sends a
message in one piece), so it is bounded by ``maxBodyBytes``, checked before a document
is read where its size is known and while it is read otherwise.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from tasklink.core import ConnectorError, Context, Document, InputError

from . import _amqp
from ._errors import FieldNames
from ._models import Publish, Published

__all__ = ["FIELDS", "json_body", "publish", "read_document"]

#: The connector's names for its inputs, in messages.
FIELDS = FieldNames()


def too_large(size: int | str, limit: int, what: str, name: str | None) -> ConnectorError:
    """``MESSAGE_TOO_LARGE`` for a body over ``limit`` bytes."""
    named = f" ({name})" if name else ""
    return ConnectorError(
        f"{what}: the body is {size} bytes, more than the {limit} bytes allowed{named}",
        code="MESSAGE_TOO_LARGE",
        variables={"maxBodyBytes": limit},
        retryable=False,
    )


async def read_document(
    document: Document, limit: int, field: str, limit_name: str | None
) -> bytes:
    """The document's content, at most ``limit`` bytes (refused before reading when its
    size is known to be larger)."""
    size = document.metadata.size
    if size is not None and size > limit:
        raise too_large(size, limit, field, limit_name)
    chunks: list[bytes] = []
    read = 0
    async for chunk in document.chunks():
        read += len(chunk)
        if read > limit:
            raise too_large(f"more than {limit}", limit, field, limit_name)
        chunks.append(chunk)
    return b"".join(chunks)


def json_body(value: Any, field: str) -> bytes:
    """``value`` as compact UTF-8 JSON; an input error naming ``field`` when it is not
    JSON (NaN, infinity, a Python object)."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InputError(f"invalid input: {field}: is not JSON ({exc})", field=field) from None
    return text.encode("utf-8")


async def _body(input: Publish) -> tuple[bytes, str, str | None]:
    """The body's bytes, content type and content encoding."""
    if input.document is not None:
        document = input.document
        data = await read_document(
            document, input.max_body_bytes, "document", FIELDS.max_body_bytes
        )
        return data, document.metadata.content_type or "application/octet-stream", None
    if isinstance(input.body, str):
        data, content_type = input.body.encode("utf-8"), "text/plain"
    else:
        data, content_type = json_body(input.body, "body"), "application/json"
    if len(data) > input.max_body_bytes:
        raise too_large(len(data), input.max_body_bytes, "body", FIELDS.max_body_bytes)
    return data, content_type, "UTF-8"


async def publish(input: Publish, ctx: Context) -> Published:
    """Publish one message and wait for the broker's confirm."""
    target = input.connection.target()
    ctx.redactor.add(target.password)
    body, content_type, content_encoding = await _body(input)
    given = input.properties
    message_id = given.message_id or str(uuid.uuid4())
    properties = _amqp.Properties(
        content_type=given.content_type or content_type,
        content_encoding=given.content_encoding or content_encoding,
        headers=input.headers or None,
        delivery_mode=2 if input.persistent else 1,
        priority=given.priority,
        correlation_id=given.correlation_id,
        reply_to=given.reply_to,
        expiration=str(given.expiration) if given.expiration is not None else None,
        message_id=message_id,
        timestamp=given.timestamp,
        message_type=given.type,
        user_id=given.user_id,
        app_id=given.app_id,
    )
    message = _amqp.Outgoing(input.exchange, input.routing_key, body, properties, input.mandatory)
    await _amqp.publish(
        ctx,
        target,
        input.tls.config(),
        message,
        connect_timeout=input.connect_timeout_in_seconds or None,
        publish_timeout=input.publish_timeout_in_seconds or None,
        names=FIELDS,
    )
    where = f"exchange {input.exchange!r}" if input.exchange else "the default exchange"
    ctx.logger.info(
        "published message %s (%d bytes) to %s with routing key %r on %s",
        message_id,
        len(body),
        where,
        input.routing_key,
        target.display,
    )
    return Published(
        message_id=message_id,
        exchange=input.exchange,
        routing_key=input.routing_key,
        confirmed=True,
        body_size=len(body),
        content_type=properties.content_type,
    )
