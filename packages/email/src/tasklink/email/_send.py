"""The ``send`` operation: validate and compose first, then talk to the server."""

from __future__ import annotations

import asyncio

from tasklink.core import Context

from ._compose import compose
from ._models import SendEmail, SendResult
from ._smtp import send_composed
from ._tls import register_credentials, tls_context

__all__ = ["send_email"]


async def send_email(data: SendEmail, ctx: Context) -> SendResult:
    """Compose the message (every input error surfaces here, before any connection) and
    send it."""
    register_credentials(data.connection, ctx)
    if data.connection.security != "none":
        tls_context(data.connection)  # a bad caCertificate is an input error, found early
    if data.template_engine == "jinja2":
        # Rendering is CPU work of unknown size: keep it off the event loop.
        composed = await asyncio.to_thread(compose, data)
    else:
        composed = compose(data)
    return await send_composed(data.connection, composed, ctx)
