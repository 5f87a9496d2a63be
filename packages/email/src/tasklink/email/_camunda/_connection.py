"""The connection of a Camunda e-mail job: its server and login, as this connector's
:class:`~tasklink.email.Connection`.

Camunda's ``CryptographicProtocol`` means one thing per protocol (its
``JakartaUtils.createProperties``): for SMTP, ``TLS`` sets ``mail.smtp.starttls.enable``
(STARTTLS) and ``SSL`` ``mail.smtp.ssl.enable`` (TLS from the first byte); for IMAP and
POP3 both ``TLS`` and ``SSL`` choose the ``imaps`` / ``pop3s`` store, which speaks TLS
from the first byte (``starttls.enable`` has nothing to upgrade there). ``NONE`` is plain
text everywhere. Unlike Jakarta Mail's ``starttls.enable``, which sends in plain text when
the server offers no STARTTLS, STARTTLS here must succeed.
"""

from __future__ import annotations

from typing import Literal

from tasklink.core import ErrorCode, InputError

from .._models import Connection, Security
from ._models import CamundaEmailRequest, CryptographicProtocol

__all__ = ["Protocol", "connection"]

Protocol = Literal["smtp", "imap", "pop3"]

SECURITY: dict[Protocol, dict[CryptographicProtocol, Security]] = {
    "smtp": {"NONE": "none", "TLS": "starttls", "SSL": "tls"},
    "imap": {"NONE": "none", "TLS": "tls", "SSL": "tls"},
    "pop3": {"NONE": "none", "TLS": "tls", "SSL": "tls"},
}


def _missing(field: str, what: str) -> InputError:
    return InputError(f"{field}: {what}", code=ErrorCode.MISSING_INPUT, field=field)


def connection(request: CamundaEmailRequest, protocol: Protocol) -> Connection:
    """The server and login of ``protocol``: from ``emailAccountConfiguration`` when it
    names a host for the protocol (a stored account wins over the inline fields, which the
    modeler writes anyway), else from ``authentication`` and ``data.<protocol>Config``.
    An empty port is the protocol's usual one for the encryption (SMTP 587 / 465 / 25,
    IMAP 993 / 143, POP3 995 / 110)."""
    account = request.email_account_configuration
    if account is not None and getattr(account, f"{protocol}_host"):
        where = "emailAccountConfiguration"
        host_field = f"{where}.{protocol}Host"
        host: str | None = getattr(account, f"{protocol}_host")
        port: int | None = getattr(account, f"{protocol}_port")
        crypto: CryptographicProtocol = getattr(account, f"{protocol}_cryptographic_protocol")
        auth_type = "simple"
        username, password = account.username, account.password
    else:
        config = getattr(request.data, f"{protocol}_config")
        host = getattr(config, f"{protocol}_host") if config is not None else None
        host_field = f"data.{protocol}Config.{protocol}Host"
        if not host:
            raise _missing(host_field, f"the {protocol.upper()} server host")
        port = getattr(config, f"{protocol}_port")
        crypto = getattr(config, f"{protocol}_cryptographic_protocol")
        auth = request.authentication
        if auth is None:
            raise _missing("authentication", "give authentication.type simple or noAuth")
        where, auth_type = "authentication", auth.type
        username, password = auth.username, auth.password
    if auth_type == "noAuth":
        if protocol != "smtp":
            raise InputError(
                f"authentication.type: noAuth is only supported for SMTP; "
                f"{protocol.upper()} needs a username and password",
                field="authentication.type",
            )
        username = password = None
    elif not username:
        raise _missing(f"{where}.username", "simple authentication needs a username")
    elif not password:
        raise _missing(f"{where}.password", "simple authentication needs a password")
    return Connection(
        host=host,
        port=port,
        security=SECURITY[protocol][crypto],
        username=username,
        password=password,
    ).with_host_field(host_field)
