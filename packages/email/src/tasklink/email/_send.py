"""The ``send`` operation: read the attachments and compose first, then talk to the server."""

from __future__ import annotations

import asyncio

from tasklink.core import Context

from ._attachments import read_attachments
from ._compose import compose
from ._models import SendEmail, SendResult
from ._smtp import send_composed
from ._tls import register_credentials, tls_context

__all__ = ["send_email"]


async def send_email(data: SendEmail, ctx: Context) -> SendResult:
    """Read the attachments and compose the message (every input error, and every
    attachment that cannot be read, surfaces here, before any connection) and send it."""
    register_credentials(data.connection, ctx)
    if data.connection.security != "none":
        tls_context(data.connection)  # a bad caCertificate is an input error, found early
    attachments = await read_attachments(data.attachments, data.max_attachment_bytes)
    if data.template_engine == "jinja2":
        # Rendering is CPU work of unknown size: keep it off the event loop.
        composed = await asyncio.to_thread(compose, data, attachments)
    else:
        composed = compose(data, attachments)
    return await send_composed(data.connection, composed, ctx)
