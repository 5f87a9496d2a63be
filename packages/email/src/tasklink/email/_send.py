"""The ``send`` operation: read the attachments and compose first, then talk to the server."""

from __future__ import annotations

import asyncio

from tasklink.core import Context

from ._attachments import read_attachments
from ._compose import compose
from ._models import SendEmail, SendResult
from ._smtp import send_composed
from ._tls import register_credentials, tls_context

__all__ = ["deliver", "send_email"]


async def send_email(data: SendEmail, ctx: Context) -> SendResult:
    """The ``send`` operation: :func:`deliver` in UTF-8."""
    return await deliver(data, ctx, charset="utf-8")


async def deliver(data: SendEmail, ctx: Context, *, charset: str) -> SendResult:
    """Read the attachments and compose the message (every input error, and every
    attachment that cannot be read, surfaces here, before any connection) and send it;
    the bodies are written in ``charset``."""
    register_credentials(data.connection, ctx)
    if data.connection.security != "none":
        tls_context(data.connection)  # a bad caCertificate is an input error, found early
    attachments = await read_attachments(data.attachments, data.max_attachment_bytes)
    if data.template_engine == "jinja2":
        # Rendering is CPU work of unknown size: keep it off the event loop.
        composed = await asyncio.to_thread(compose, data, attachments, charset=charset)
    else:
        composed = compose(data, attachments, charset=charset)
    return await send_composed(data.connection, composed, ctx)
