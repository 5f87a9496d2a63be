"""Building the MIME message of ``send`` from its validated input.

Everything that can be wrong with the input is found here, before any connection is
opened: nothing is sent when the input is invalid.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid

from tasklink.core import InputError

from ._addresses import addr_spec, check_header_text
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


def compose(data: SendEmail) -> Composed:
    """Build the message; raises :class:`InputError` naming the field for bad input."""
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

    if text and text.strip():
        message.set_content(text)
        if html and html.strip():
            message.add_alternative(html, subtype="html")
    else:
        message.set_content(html or "", subtype="html")

    for index, attachment in enumerate(data.attachments):
        content_type = attachment.content_type
        if content_type is None:
            content_type = (
                mimetypes.guess_type(attachment.file_name)[0] or "application/octet-stream"
            )
        maintype, _, subtype = content_type.partition("/")
        if maintype == "multipart":
            raise InputError(
                f"attachments[{index}].contentType: a multipart type cannot be attached",
                field=f"attachments[{index}].contentType",
            )
        data_bytes = attachment.data()
        # RFC 2046: message/* parts may not be base64-encoded.
        cte = "base64"
        if maintype == "message":
            cte = "7bit" if data_bytes.isascii() else "8bit"
        message.add_attachment(
            data_bytes,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.file_name,
            cte=cte,
        )

    recipients = _unique([addr_spec(a) for a in (*data.to, *data.cc, *data.bcc)])
    return Composed(message=message, sender=sender, recipients=recipients, message_id=message_id)
