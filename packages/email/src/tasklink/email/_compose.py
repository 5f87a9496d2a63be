"""Building the MIME message of ``send`` from its validated input.

Everything that can be wrong with the input is found here, before any connection is
opened: nothing is sent when the input is invalid.
"""

from __future__ import annotations

import email
import io
from collections.abc import Sequence
from dataclasses import dataclass
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8, default
from email.utils import formatdate, make_msgid

from tasklink.core import InputError

from ._addresses import addr_spec, check_header_text
from ._attachments import AttachmentFile
from ._models import SendEmail

__all__ = ["Composed", "compose"]


@dataclass(frozen=True, slots=True)
class Composed:
    """A message ready to send, with its envelope."""

    message: EmailMessage
    sender: str
    recipients: list[str]
    message_id: str


def _unique(addresses: list[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for address in addresses:
        key = address.lower()
        if key not in seen:
            seen.add(key)
            out.append(address)
    return out


def _bodies(data: SendEmail) -> tuple[str, str | None, str | None]:
    """Subject, text and HTML, rendered when a template engine is chosen."""
    subject, text, html = data.subject, data.text, data.html
    if not (text and text.strip()) and not (html and html.strip()):
        raise InputError("text: give a plain text body, an HTML body (html) or both", field="text")
    if data.template_engine == "jinja2":
        from ._render import render

        values = data.template_data
        subject = render("subject", subject, values) if subject else subject
        text = render("text", text, values) if text else text
        html = render("html", html, values, html=True) if html else html
        try:
            check_header_text(subject)
        except ValueError as exc:
            raise InputError(f"subject: the rendered subject {exc}", field="subject") from None
    return subject, text, html


def _flatten(message: EmailMessage, *, utf8: bool = False) -> None:
    """Serialize ``message`` the ways the SMTP client may (8-bit, and 7-bit for servers
    without 8BITMIME), so that what cannot be encoded is an input error now rather than a
    failure after connecting."""
    policy = SMTPUTF8 if utf8 else SMTP
    for cte_type in ("8bit", "7bit"):
        BytesGenerator(io.BytesIO(), policy=policy.clone(cte_type=cte_type)).flatten(message)


def _attach_message(message: EmailMessage, raw: bytes, subtype: str, file_name: str) -> None:
    """Attach a ``message/*`` part (an ``.eml`` file, a delivery report...).

    RFC 2046 forbids base64 for ``message/*``. ASCII content goes as written (7bit); an
    8-bit ``message/rfc822`` is parsed and attached as a message, which the generator
    re-encodes as needed. Content that still cannot be written in 7 bits goes as
    ``application/octet-stream`` (base64), which mail clients open by the file name.
    """
    if raw.isascii():
        message.add_attachment(
            raw, maintype="message", subtype=subtype, filename=file_name, cte="7bit"
        )
        return
    if subtype == "rfc822":
        inner = email.message_from_bytes(raw, policy=default)
        part = EmailMessage(policy=SMTP)
        part.set_content(inner, disposition="attachment", filename=file_name)
        try:
            _flatten(part)
        except (UnicodeError, ValueError, LookupError, TypeError):
            pass  # falls through to octet-stream
        else:
            message.add_attachment(inner, filename=file_name)
            return
    message.add_attachment(
        raw,
        maintype="application",
        subtype="octet-stream",
        filename=file_name,
        cte="base64",
    )


def _bodies_in(message: EmailMessage, text: str | None, html: str | None, charset: str) -> None:
    """The text and/or HTML body in ``charset``; text the charset cannot write is an
    input error naming ``charset``."""
    try:
        if text and text.strip():
            message.set_content(text, charset=charset)
            if html and html.strip():
                message.add_alternative(html, subtype="html", charset=charset)
        else:
            message.set_content(html or "", subtype="html", charset=charset)
    except (UnicodeError, LookupError) as exc:
        raise InputError(
            f"charset: the body cannot be written in {charset}: {exc}", field="charset"
        ) from None


def compose(
    data: SendEmail, attachments: Sequence[AttachmentFile], *, charset: str = "utf-8"
) -> Composed:
    """Build the message with the ``attachments`` read from ``data.attachments``, its
    bodies in ``charset``; raises :class:`InputError` naming the field for bad input."""
    subject, text, html = _bodies(data)
    sender = addr_spec(data.sender)
    domain = sender.rpartition("@")[2]
    message_id = make_msgid(domain=domain)

    message = EmailMessage(policy=SMTP)
    message["From"] = data.sender
    message["To"] = ", ".join(data.to)
    if data.cc:
        message["Cc"] = ", ".join(data.cc)
    if data.reply_to:
        message["Reply-To"] = ", ".join(data.reply_to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id
    for name, value in data.headers.items():
        message[name] = value

    _bodies_in(message, text, html, charset)

    for attachment in attachments:
        if attachment.maintype == "message":
            _attach_message(message, attachment.content, attachment.subtype, attachment.file_name)
        else:
            message.add_attachment(
                attachment.content,
                maintype=attachment.maintype,
                subtype=attachment.subtype,
                filename=attachment.file_name,
                cte="base64",
            )

    recipients = _unique([addr_spec(a) for a in (*data.to, *data.cc, *data.bcc)])
    utf8 = not (sender.isascii() and all(r.isascii() for r in recipients))
    try:
        _flatten(message, utf8=utf8)
    except (UnicodeError, ValueError, LookupError, TypeError) as exc:
        raise InputError(f"the message cannot be encoded for sending: {exc}") from None
    return Composed(message=message, sender=sender, recipients=recipients, message_id=message_id)
