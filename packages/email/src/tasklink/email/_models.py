"""The connection settings every operation shares, and the input and output of ``send``.

Field names are snake_case in Python and camelCase on the wire (``replyTo``,
``templateData``), as Camunda and Activiti process variables are.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    PrivateAttr,
    ValidationInfo,
    field_validator,
)

from tasklink.core import DOCUMENT_TYPE, CamelInputModel, CamelOutputModel, Document, field

from ._addresses import (
    check_header_name,
    check_header_text,
    normalize_address,
    normalize_address_list,
    split_addresses,
)

__all__ = [
    "Attachment",
    "Connection",
    "RefusedRecipient",
    "Security",
    "SendEmail",
    "SendResult",
]

Security = Literal["none", "starttls", "tls"]

# Headers the connector writes itself; a custom header may not replace them.
RESERVED_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "bcc",
        "reply-to",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "content-disposition",
    }
)
_CONTENT_TYPE = re.compile(r"^[A-Za-z0-9!#$&^_.+\-]+/[A-Za-z0-9!#$&^_.+\-]+$")
_WHITESPACE = re.compile(r"\s+")
#: Default of ``maxAttachmentBytes``: 25 MiB, about what common providers accept.
DEFAULT_MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024


def _host(value: str) -> str:
    check_header_text(value)
    value = value.strip()
    if not value or any(c.isspace() for c in value) or "/" in value:
        raise ValueError("must be a host name or IP address")
    return value


#: A mail server's host name or IP address (surrounding blanks removed).
Host = Annotated[str, AfterValidator(_host)]
HeaderText = Annotated[str, AfterValidator(check_header_text)]
AddressList = Annotated[
    list[str],
    BeforeValidator(split_addresses, json_schema_input_type=list[str] | str | None),
    AfterValidator(normalize_address_list),
]


class Connection(CamelInputModel):
    """Where and how to reach a mail server; shared by SMTP, IMAP and POP3 operations."""

    host: Host = field(description="Host name or IP address of the mail server", group="connection")
    port: int | None = field(
        None,
        description=(
            "Server port. Empty: the protocol's default for the security mode "
            "(SMTP 25 / 587 / 465, IMAP 143 / 143 / 993, POP3 110 / 110 / 995 for "
            "none / starttls / tls)"
        ),
        ge=1,
        le=65535,
        group="connection",
    )
    security: Security = field(
        "tls",
        description=(
            "Transport security: 'tls' (implicit TLS from the first byte), 'starttls' "
            "(plain connection upgraded with STARTTLS, which must succeed) or 'none'"
        ),
        group="connection",
        choice_labels={"none": "None", "starttls": "STARTTLS", "tls": "TLS (implicit)"},
    )
    username: HeaderText | None = field(
        None,
        description="User name for authentication; empty to send without logging in (SMTP only)",
        group="connection",
    )
    password: str | None = field(
        None,
        description=(
            "Password for authentication (no CR, LF or NUL); use a secret such as "
            "{{secrets.MAIL_PASSWORD}}"
        ),
        secret=True,
        group="connection",
    )
    auth_method: Literal["auto", "plain", "login"] = field(
        "auto",
        title="Authentication method",
        description=(
            "Authentication mechanism: 'auto' picks the best the server offers, or force "
            "'plain' or 'login'"
        ),
        group="connection",
    )
    timeout: float = field(
        30.0,
        description="Seconds to wait for the connection and for each server reply",
        gt=0,
        le=600,
        group="connection",
    )
    verify_certificate: bool = field(
        True,
        description="Check the server's TLS certificate and host name (turn off only for tests)",
        group="connection",
    )
    ca_certificate: str | None = field(
        None,
        title="CA certificate (PEM)",
        description=(
            "PEM-encoded CA certificate(s) to trust in addition to the default store, for "
            "servers with a private certificate authority"
        ),
        multiline=True,
        group="connection",
    )

    # Not an input: whoever builds the connection from a vendor's variables names them.
    _host_field: str = PrivateAttr("connection.host")

    @property
    def host_field(self) -> str:
        """The host's name as the process gives it, for errors about the host itself."""
        return self._host_field

    def with_host_field(self, name: str) -> Connection:
        """This connection, its host named ``name`` in errors (``EMAIL_HOST``)."""
        self._host_field = name
        return self

    @field_validator("password")
    @classmethod
    def _needs_username(cls, value: str | None, info: ValidationInfo) -> str | None:
        # POP3 PASS and IMAP LOGIN send the password on a command line: CR or LF would end
        # the command and let the rest run as another; NUL separates SASL PLAIN fields.
        if value and any(c in value for c in "\r\n\0"):
            raise ValueError("must not contain CR, LF or NUL characters")
        if value and not info.data.get("username"):
            raise ValueError("a password needs a username")
        return value


def _non_empty(value: list[str]) -> list[str]:
    if not value:
        raise ValueError("at least one recipient is required")
    return value


def _base64(value: str) -> str:
    compact = _WHITESPACE.sub("", value)
    try:
        base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("is not valid base64") from None
    return compact


def check_content_type(value: str | None) -> str | None:
    """A bare MIME type such as ``application/pdf``, lowercase; ``None`` when empty."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if not _CONTENT_TYPE.match(value):
        raise ValueError(f"{value!r} is not a content type such as 'application/pdf'")
    return value.lower()


def check_file_name(value: str) -> str:
    """A file name that can go into a header: not empty, no line breaks."""
    check_header_text(value)
    if not value.strip():
        raise ValueError("must not be empty")
    return value


class Attachment(CamelInputModel):
    """An attachment written out: its name, its bytes as base64 and optionally its content
    type. Accepted in ``attachments`` besides documents, as it was before them."""

    file_name: Annotated[str, AfterValidator(check_file_name)] = field(
        description="File name shown to the recipient, e.g. 'invoice.pdf'"
    )
    content: Annotated[str, AfterValidator(_base64)] = field(
        description="The file's bytes, base64-encoded"
    )
    content_type: Annotated[str | None, AfterValidator(check_content_type)] = field(
        None,
        description="MIME type such as 'application/pdf'; empty: guessed from the file name",
    )


def _as_reference(value: Any) -> Any:
    """An :class:`Attachment` (or its JSON object) as the inline document it stands for,
    so that every attachment is a :class:`~tasklink.core.Document` once validated; the
    object form is told apart by its ``fileName`` or ``content``."""
    if (
        isinstance(value, Mapping)
        and DOCUMENT_TYPE not in value
        and ("fileName" in value or "content" in value)
    ):
        value = Attachment.model_validate(value)  # its errors name attachments[i].<field>
    if not isinstance(value, Attachment):
        return value
    reference = {
        DOCUMENT_TYPE: "inline",
        "content": value.content,
        "encoding": "base64",
        "name": value.file_name,
    }
    if value.content_type is not None:
        reference["contentType"] = value.content_type
    return reference


#: An attachment of ``send``: a document, or an :class:`Attachment` object.
AttachmentDocument = Annotated[Document, BeforeValidator(_as_reference)]


def _headers(value: dict[str, str]) -> dict[str, str]:
    seen: set[str] = set()
    for name, text in value.items():
        try:
            check_header_name(name)
        except ValueError as exc:
            raise ValueError(f"header {name!r}: {exc}") from None
        lowered = name.lower()
        if lowered in RESERVED_HEADERS:
            raise ValueError(f"header {name!r} is set by the connector; use its own field")
        if lowered in seen:
            raise ValueError(f"header {name!r} is given twice")
        seen.add(lowered)
        try:
            check_header_text(text)
        except ValueError as exc:
            raise ValueError(f"header {name!r}: {exc}") from None
    return value


class SendEmail(CamelInputModel):
    """Input of ``send``: one message to one or more recipients."""

    connection: Connection = field(description="SMTP server settings")
    sender: Annotated[str, AfterValidator(normalize_address)] = field(
        alias="from",
        title="From",
        description="Sender address, e.g. 'Orders <orders@example.com>'",
        group="message",
    )
    to: Annotated[AddressList, AfterValidator(_non_empty)] = field(
        description="Recipients: a list or a comma-separated string of addresses",
        group="message",
    )
    cc: AddressList = field(
        default_factory=list,
        description="Carbon-copy recipients (list or comma-separated)",
        group="message",
    )
    bcc: AddressList = field(
        default_factory=list,
        description="Blind-copy recipients (list or comma-separated); never written into headers",
        group="message",
    )
    reply_to: AddressList = field(
        default_factory=list,
        title="Reply-To",
        description="Addresses replies should go to (list or comma-separated)",
        group="message",
    )
    subject: HeaderText = field("", description="Subject line", group="message")
    text: str | None = field(
        None,
        title="Text body",
        description="Plain text body (a Jinja2 template when templateEngine is 'jinja2')",
        multiline=True,
        group="message",
    )
    html: str | None = field(
        None,
        title="HTML body",
        description="HTML body (a Jinja2 template when templateEngine is 'jinja2', autoescaped)",
        multiline=True,
        group="message",
    )
    headers: Annotated[dict[str, str], AfterValidator(_headers)] = field(
        default_factory=dict,
        description=(
            "Extra headers such as {'X-Ticket': '42'}; From, To, Subject... have their own fields"
        ),
        group="message",
    )
    attachments: list[AttachmentDocument] = field(
        default_factory=list,
        description=(
            "Files to attach: documents (e.g. a document reference another task returned), "
            "or objects with fileName, content (base64) and contentType"
        ),
        group="attachments",
    )
    max_attachment_bytes: int = field(
        DEFAULT_MAX_ATTACHMENT_BYTES,
        description=(
            "Most bytes the attachments may have together (default 26214400 = 25 MiB); "
            "more fails with DOCUMENT_TOO_LARGE before anything is sent"
        ),
        ge=0,
        le=104_857_600,
        group="attachments",
    )
    template_engine: Literal["none", "jinja2"] = field(
        "none",
        description=(
            "'jinja2' renders subject, text and html as sandboxed Jinja2 templates with "
            "templateData; 'none' sends them as given"
        ),
        group="template",
    )
    template_data: dict[str, Any] = field(
        default_factory=dict,
        description="Values the templates can use, e.g. {'order': {'id': 42}}",
        group="template",
    )


class RefusedRecipient(CamelOutputModel):
    """A recipient the SMTP server refused."""

    address: str = field(description="The refused address")
    code: int = field(description="SMTP reply code, e.g. 550")
    message: str = field(description="The server's reply text")


class SendResult(CamelOutputModel):
    """Output of ``send``."""

    message_id: str = field(description="The Message-ID header of the sent message")
    accepted: list[str] = field(description="Envelope recipients the server accepted")
    refused: list[RefusedRecipient] = field(
        description="Envelope recipients the server refused (the others still got the message)"
    )
