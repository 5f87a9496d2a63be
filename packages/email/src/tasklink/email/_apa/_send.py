"""APA's ``SEND``, through this connector's ``send``: the connection from the configured
settings, the body from ``html`` / ``text`` or the rendered ``template``, the failures in
APA's codes. APA documents no outputs (its result is always taken as a success), so
nothing is returned: with *map all output variables* no variable appears that APA would
not have written."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from tasklink.core import ConnectorError, Context, InputError

from .._models import SendEmail
from .._send import deliver
from ._errors import apa_error
from ._models import ApaSendEmail
from ._settings import connection
from ._template import render_template

__all__ = ["send"]

# Our input names that are not APA's: a problem with them names APA's input.
_APA_FIELDS = {"replyTo": "to", "headers": "to"}


async def _message(data: ApaSendEmail, ctx: Context) -> SendEmail:
    html, text = data.html, data.text
    if data.template is not None:
        rendered = await render_template(data.template, data.metadata or {})
        if rendered.html:
            html = rendered.body
        else:
            text = rendered.body
    values: dict[str, Any] = {
        "connection": connection(ctx),
        "from": data.sender,
        "to": data.to,
        "cc": data.cc,
        "bcc": data.bcc,
        "subject": data.subject,
        "text": text,
        "html": html,
        "attachments": data.attachments or [],
    }
    try:
        return SendEmail.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        ours = str(error["loc"][0]) if error["loc"] else "to"
        field = _APA_FIELDS.get(ours, ours)
        raise InputError(f"{field}: {error['msg']}", field=field) from None


async def send(data: ApaSendEmail, ctx: Context) -> dict[str, Any]:
    """Send the message; its failures carry APA's codes (our own in ``cause``)."""
    try:
        message = await _message(data, ctx)
        await deliver(message, ctx, charset=data.charset or "utf-8")
    except (InputError, ConnectorError) as exc:
        raise apa_error(exc) from None
    return {}
