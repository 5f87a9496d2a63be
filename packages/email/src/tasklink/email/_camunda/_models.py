"""The job variables of Camunda's e-mail connector (``io.camunda:email:1``), as its
element template (``io.camunda.connectors.email.v1``, versions 1 to 8) binds them.

Three top-level variables: ``authentication`` (``type`` ``simple`` or ``noAuth``),
``protocol`` (``smtp``, ``imap``, ``pop3``) and ``data``, which holds the action
discriminator and the action's inputs of the chosen protocol (``data.smtpAction``,
``data.imapAction``, ``data.pop3Action``) and its server (``data.smtpConfig``...).
Version 8 adds ``emailAccountConfiguration``, a stored account the engine hands over as
an object (``username``, ``password``, ``<protocol>Host``, ``<protocol>Port``,
``<protocol>CryptographicProtocol``); it wins over the inline fields, which the modeler
then still writes, blank.

Unknown nested fields are ignored, as Camunda's runtime ignores them: the template's
attachment helpers (``data.smtpAction.data_smtpAction_attachments_*``) arrive beside the
``attachments`` they feed. Which inputs an action needs is checked when it runs, naming
Camunda's variable (``data.smtpAction.to``), since the template sends only the chosen
action's inputs.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, ConfigDict

from tasklink.core import CamelInputModel, field

from .._addresses import check_header_text, normalize_address
from .._models import AddressList, AttachmentDocument, HeaderText, Host

__all__ = [
    "CamundaAuthentication",
    "CamundaEmailAccount",
    "CamundaEmailData",
    "CamundaEmailRequest",
    "CryptographicProtocol",
    "ImapAction",
    "ImapConfig",
    "Pop3Action",
    "Pop3Config",
    "SmtpAction",
    "SmtpConfig",
]

#: Camunda's ``CryptographicProtocol``: what each means depends on the protocol.
CryptographicProtocol = Literal["TLS", "SSL", "NONE"]
SortOrder = Literal["ASC", "DESC"]


def _blank_is_none(value: Any) -> Any:
    """A blank string is no value: the modeler writes hidden fields blank."""
    return None if isinstance(value, str) and not value.strip() else value


def _password(value: str | None) -> str | None:
    # Sent on an IMAP or POP3 command line: CR or LF would end the command.
    if value is not None and any(c in value for c in "\r\n\0"):
        raise ValueError("must not contain CR, LF or NUL characters")
    return value


def _header_text(value: str | None) -> str | None:
    return None if value is None else check_header_text(value)


def _sender(value: str | None) -> str | None:
    return None if value is None else normalize_address(value)


_BLANK = BeforeValidator(_blank_is_none)
Text = Annotated[str | None, _BLANK]
HostName = Annotated[Host | None, _BLANK]
UserName = Annotated[HeaderText | None, _BLANK]
Password = Annotated[str | None, _BLANK, AfterValidator(_password)]
Recipients = Annotated[AddressList | None, _BLANK]


class _Vendor(CamelInputModel):
    # Camunda's runtime ignores fields its classes do not have.
    model_config = ConfigDict(extra="ignore")


class CamundaAuthentication(_Vendor):
    """``authentication``: ``simple`` (username and password) or ``noAuth`` (SMTP only)."""

    type: Literal["simple", "noAuth"] = field(
        "simple", description="simple: log in with username and password; noAuth: send without"
    )
    username: UserName = field(None, description="User name (simple)")
    password: Password = field(None, description="Password (simple)", secret=True)


class SmtpConfig(_Vendor):
    """``data.smtpConfig``."""

    smtp_host: HostName = field(None, description="SMTP server host")
    smtp_port: int | None = field(None, description="SMTP server port", ge=1, le=65535)
    smtp_cryptographic_protocol: CryptographicProtocol = field(
        "TLS", description="TLS: STARTTLS; SSL: TLS from the first byte; NONE: plain"
    )


class ImapConfig(_Vendor):
    """``data.imapConfig``."""

    imap_host: HostName = field(None, description="IMAP server host")
    imap_port: int | None = field(None, description="IMAP server port", ge=1, le=65535)
    imap_cryptographic_protocol: CryptographicProtocol = field(
        "TLS", description="TLS and SSL: TLS from the first byte (imaps); NONE: plain"
    )


class Pop3Config(_Vendor):
    """``data.pop3Config``."""

    pop3_host: HostName = field(None, description="POP3 server host")
    pop3_port: int | None = field(None, description="POP3 server port", ge=1, le=65535)
    pop3_cryptographic_protocol: CryptographicProtocol = field(
        "TLS", description="TLS and SSL: TLS from the first byte (pop3s); NONE: plain"
    )


class CamundaEmailAccount(_Vendor):
    """``emailAccountConfiguration`` (template version 8): a stored account of one
    protocol, as the engine resolves it."""

    protocol: Literal["smtp", "imap", "pop3"] | None = field(
        None, description="The protocol the account was created for"
    )
    username: UserName = field(None, description="User name")
    password: Password = field(None, description="Password", secret=True)
    smtp_host: HostName = field(None, description="SMTP server host")
    smtp_port: int | None = field(None, description="SMTP server port", ge=1, le=65535)
    smtp_cryptographic_protocol: CryptographicProtocol = field("TLS", description="SMTP encryption")
    imap_host: HostName = field(None, description="IMAP server host")
    imap_port: int | None = field(None, description="IMAP server port", ge=1, le=65535)
    imap_cryptographic_protocol: CryptographicProtocol = field("TLS", description="IMAP encryption")
    pop3_host: HostName = field(None, description="POP3 server host")
    pop3_port: int | None = field(None, description="POP3 server port", ge=1, le=65535)
    pop3_cryptographic_protocol: CryptographicProtocol = field("TLS", description="POP3 encryption")


class SmtpAction(_Vendor):
    """``data.smtpAction`` (``sendEmailSmtp``)."""

    sender: Annotated[str | None, _BLANK, AfterValidator(_sender)] = field(
        None, alias="from", description="Sender address"
    )
    to: Recipients = field(None, description="Recipients: a comma-separated string or a list")
    cc: Recipients = field(None, description="Carbon-copy recipients")
    bcc: Recipients = field(None, description="Blind-copy recipients")
    headers: dict[str, Any] | None = field(None, description="Extra headers by name")
    subject: Annotated[str | None, AfterValidator(_header_text)] = field(
        None, description="Subject line"
    )
    content_type: Literal["PLAIN", "HTML", "MULTIPART"] | None = field(
        None, description="PLAIN (body), HTML (htmlBody) or MULTIPART (both); empty: PLAIN"
    )
    body: str | None = field(None, description="Plain text body (PLAIN, MULTIPART)")
    html_body: str | None = field(None, description="HTML body (HTML, MULTIPART)")
    attachments: list[AttachmentDocument] | None = field(None, description="Documents to attach")


class _MailboxAction(_Vendor):
    max_to_be_read: int = field(100, description="list: return at most this many messages", ge=0)
    sort_order: SortOrder = field("ASC", description="list: ASC or DESC")
    criteria: Any = field(
        None,
        description="search: {field: FROM|SUBJECT|BODY, value} or "
        "{operator: AND|OR, criteria: [...]}, nested",
    )
    message_id: Text = field(None, description="read, delete, move: the Message-ID header")


class ImapAction(_MailboxAction):
    """``data.imapAction``: the inputs of every IMAP action (the template sends the
    chosen action's)."""

    list_emails_folder: Text = field(None, description="list: folder (empty: INBOX)")
    sort_field: Literal["RECEIVED_DATE", "SENT_DATE", "SIZE"] = field(
        "RECEIVED_DATE", description="list: sort by"
    )
    search_email_folder: Text = field(None, description="search: folder (empty: INBOX)")
    read_email_folder: Text = field(None, description="read: folder (empty: INBOX)")
    delete_email_folder: Text = field(None, description="delete: folder (empty: INBOX)")
    from_folder: Text = field(None, description="move: source folder")
    to_folder: Text = field(None, description="move: target folder (created when missing)")


class Pop3Action(_MailboxAction):
    """``data.pop3Action``: the inputs of every POP3 action."""

    sort_field: Literal["SENT_DATE", "SIZE"] = field("SENT_DATE", description="list: sort by")


class CamundaEmailData(_Vendor):
    """``data``: the action of the chosen protocol, its inputs and its server."""

    smtp_action_discriminator: Literal["sendEmailSmtp"] = field(
        "sendEmailSmtp", description="SMTP action"
    )
    imap_action_discriminator: Literal[
        "listEmailsImap", "searchEmailsImap", "readEmailImap", "deleteEmailImap", "moveEmailImap"
    ] = field("listEmailsImap", description="IMAP action")
    pop3_action_discriminator: Literal[
        "listEmailsPop3", "searchEmailsPop3", "readEmailPop3", "deleteEmailPop3"
    ] = field("listEmailsPop3", description="POP3 action")
    smtp_config: SmtpConfig | None = field(None, description="SMTP server")
    imap_config: ImapConfig | None = field(None, description="IMAP server")
    pop3_config: Pop3Config | None = field(None, description="POP3 server")
    smtp_action: SmtpAction | None = field(None, description="Inputs of the SMTP action")
    imap_action: ImapAction | None = field(None, description="Inputs of the IMAP action")
    pop3_action: Pop3Action | None = field(None, description="Inputs of the POP3 action")


class CamundaEmailRequest(_Vendor):
    """The variables of an ``io.camunda:email:1`` job."""

    authentication: CamundaAuthentication | None = field(
        None, description="How to log in (simple or noAuth)"
    )
    protocol: Literal["smtp", "imap", "pop3"] = field("smtp", description="smtp, imap or pop3")
    data: CamundaEmailData = field(
        default_factory=CamundaEmailData, description="The action, its inputs and its server"
    )
    email_account_configuration: CamundaEmailAccount | None = field(
        None, description="A stored e-mail account (template version 8); wins over the inline"
    )
