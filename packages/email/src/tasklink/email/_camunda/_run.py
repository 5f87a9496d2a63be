"""Running an ``io.camunda:email:1`` job: the connection from Camunda's settings, then the
action its discriminators name, on this connector's SMTP, IMAP and POP3 code.

Sending is async (aiosmtplib) and runs on the event loop, where the documents it attaches
are read; IMAP and POP3 are blocking (imaplib, poplib) and run in a worker thread, as the
runtime runs this connector's own mailbox operations.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tasklink.core import Context

from ._connection import connection
from ._models import CamundaEmailRequest

__all__ = ["run"]


async def run(request: CamundaEmailRequest, ctx: Context) -> Any:
    """Camunda's result for the job: an object, or a list for list and search."""
    data = request.data
    if request.protocol == "smtp":
        from ._send import send

        return await send(data.smtp_action, connection(request, "smtp"), ctx)
    if request.protocol == "imap":
        from . import _imap

        return await asyncio.to_thread(
            _imap.run,
            data.imap_action_discriminator,
            data.imap_action,
            connection(request, "imap"),
            ctx,
        )
    from . import _pop3

    return await asyncio.to_thread(
        _pop3.run,
        data.pop3_action_discriminator,
        data.pop3_action,
        connection(request, "pop3"),
        ctx,
    )
