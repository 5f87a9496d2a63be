"""``sendEmailSmtp``: Camunda's send, through this connector's ``send``.

Result ``{subject, sent: true, messageId}`` (Camunda's ``SendEmailResponse``). The body is
chosen by ``contentType`` as Camunda does: ``PLAIN`` sends ``body``, ``HTML`` sends
``htmlBody``, ``MULTIPART`` both (as ``multipart/alternative``). A ``Reply-To`` among
``headers`` becomes the Reply-To of the message; the other headers the connector writes
itself (From, To, Subject, Content-Type...) cannot be replaced through ``headers``.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from tasklink.core import Context, ErrorCode, InputError

from .._models import Connection, SendEmail
from .._send import send_email
from ._models import SmtpAction

__all__ = ["send"]

_ACTION = "data.smtpAction"
# Our field -> Camunda's variable, for the messages of input errors.
_VENDOR_FIELDS = {
    "from": f"{_ACTION}.from",
    "to": f"{_ACTION}.to",
    "cc": f"{_ACTION}.cc",
    "bcc": f"{_ACTION}.bcc",
    "replyTo": f"{_ACTION}.headers",
    "subject": f"{_ACTION}.subject",
    "text": f"{_ACTION}.body",
    "html": f"{_ACTION}.htmlBody",
    "headers": f"{_ACTION}.headers",
    "attachments": f"{_ACTION}.attachments",
}


def _required(value: Any, name: str) -> None:
    if value is None:
        field = f"{_ACTION}.{name}"
        raise InputError(f"{field}: required", code=ErrorCode.MISSING_INPUT, field=field)


def _message(action: SmtpAction, connection: Connection) -> SendEmail:
    """The ``send`` input of ``action``; its problems name Camunda's variables."""
    _required(action.sender, "from")
    _required(action.to, "to")
    _required(action.subject, "subject")
    content_type = action.content_type or "PLAIN"
    if content_type in ("PLAIN", "MULTIPART"):
        _required(action.body, "body")
    if content_type in ("HTML", "MULTIPART"):
        _required(action.html_body, "htmlBody")
    headers = {str(k): "" if v is None else str(v) for k, v in (action.headers or {}).items()}
    reply_to = [headers.pop(k) for k in list(headers) if k.lower() == "reply-to"]
    values = {
        "connection": connection,
        "from": action.sender,
        "to": action.to,
        "cc": action.cc or [],
        "bcc": action.bcc or [],
        "replyTo": ",".join(reply_to),
        "subject": action.subject,
        "text": action.body if content_type in ("PLAIN", "MULTIPART") else None,
        "html": action.html_body if content_type in ("HTML", "MULTIPART") else None,
        "headers": headers,
        "attachments": action.attachments or [],
    }
    try:
        return SendEmail.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        ours = str(error["loc"][0]) if error["loc"] else ""
        field = _VENDOR_FIELDS.get(ours, _ACTION)
        raise InputError(f"{field}: {error['msg']}", field=field) from None


def _renamed(error: InputError) -> InputError:
    """``error`` naming Camunda's variable instead of ours (``text`` -> ``data.smtpAction.body``,
    ``attachments[0]`` -> ``data.smtpAction.attachments[0]``)."""
    field = error.field or ""
    ours = field.split(".", 1)[0].split("[", 1)[0]
    vendor = _VENDOR_FIELDS.get(ours)
    if vendor is None:
        return error
    renamed = vendor + field[len(ours) :]
    message = error.message
    if message.startswith(field):
        message = renamed + message[len(field) :]
    return InputError(message, code=error.code, field=renamed, variables=error.variables)


async def send(action: SmtpAction | None, connection: Connection, ctx: Context) -> dict[str, Any]:
    """Send the message of ``action`` over ``connection``."""
    message = _message(action or SmtpAction(), connection)
    try:
        result = await send_email(message, ctx)
    except InputError as exc:
        raise _renamed(exc) from None
    return {"subject": message.subject, "sent": True, "messageId": result.message_id}
