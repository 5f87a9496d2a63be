"""TLS contexts and default ports from the shared connection settings.

TLS follows the one trust policy of every tasklink connector (``tasklink.client``):
certifi's CA list, or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when set, plus the
connection's ``caCertificate``.
"""

from __future__ import annotations

import ssl
from typing import Literal

from tasklink.client import TlsConfig, TlsFields, ssl_context
from tasklink.core import Context, InputError

from ._models import Connection

__all__ = [
    "DEFAULT_PORTS",
    "Protocol",
    "port_of",
    "register_credentials",
    "require_login",
    "tls_context",
]

Protocol = Literal["SMTP", "IMAP", "POP3"]

DEFAULT_PORTS: dict[Protocol, dict[str, int]] = {
    "SMTP": {"none": 25, "starttls": 587, "tls": 465},
    "IMAP": {"none": 143, "starttls": 143, "tls": 993},
    "POP3": {"none": 110, "starttls": 110, "tls": 995},
}


def port_of(connection: Connection, protocol: Protocol) -> int:
    """The configured port, or the protocol's default for the security mode."""
    return connection.port or DEFAULT_PORTS[protocol][connection.security]


_FIELDS = TlsFields(ca="connection.caCertificate", client_certificate="connection")


def tls_context(connection: Connection) -> ssl.SSLContext:
    """A client context: the shared trust policy plus ``caCertificate``; verification
    unless turned off."""
    return ssl_context(
        TlsConfig(
            verify=connection.verify_certificate,
            # Without verification there is nothing to trust in addition.
            ca_pem=connection.ca_certificate if connection.verify_certificate else None,
        ),
        _FIELDS,
    )


def register_credentials(connection: Connection, ctx: Context) -> None:
    """Mask the encoded forms authentication puts on the wire (AUTH PLAIN / LOGIN send
    base64); the core registers the password itself, as a ``secret=True`` field."""
    import base64

    password = connection.password
    if not password:
        return
    username = connection.username or ""
    for raw in (password, f"\0{username}\0{password}", f"{username}\0{username}\0{password}"):
        ctx.redactor.add(base64.b64encode(raw.encode("utf-8")).decode("ascii"))


def require_login(connection: Connection, protocol: Protocol) -> tuple[str, str]:
    """IMAP and POP3 always log in: username and password are required."""
    if not connection.username:
        raise InputError(
            f"connection.username: {protocol} needs a user name", field="connection.username"
        )
    if not connection.password:
        raise InputError(
            f"connection.password: {protocol} needs a password", field="connection.password"
        )
    return connection.username, connection.password
