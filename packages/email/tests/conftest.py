"""Real mail servers for the tests: aiosmtpd (SMTP) and Debian's Dovecot (IMAP, POP3).

* ``certificates``: a throw-away CA (trustme) and a server certificate for 127.0.0.1.
* ``dovecot``: a private Dovecot (:mod:`tasklink.testing.dovecot`) on loopback high ports
  with its own configuration, users from a passwd-file, Maildirs under a temp dir.
  Skipped when Dovecot is not installed (``tests/setup_dovecot.sh`` installs it).
* ``smtp``: aiosmtpd servers with authentication: STARTTLS on one port, implicit TLS on
  another, and a plain one. They refuse recipients whose local part starts with
  ``refused`` (550) or ``busy`` (450), record every message, and deliver to Dovecot users
  through dovecot-lda when a Dovecot instance is attached.
* ``mailbox``: a fresh Dovecot user per test, so tests never see each other's mail.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tasklink.testing.dovecot import Dovecot, DovecotUnavailableError, free_port, start_dovecot

SMTP_USER = "sender"
SMTP_PASSWORD = "smtp-pass-8d1c7e5a"
DOMAIN = "example.test"


def pytest_configure(config: pytest.Config) -> None:
    # aiosmtpd warns when AUTH is required without STARTTLS: on the implicit-TLS port the
    # whole connection is TLS, which aiosmtpd does not take into account.
    config.addinivalue_line(
        "filterwarnings", "ignore:Requiring AUTH while not requiring TLS:UserWarning"
    )


# --- certificates -----------------------------------------------------------------------


@dataclass(frozen=True)
class Certificates:
    ca_pem: str
    cert_file: Path
    key_file: Path
    server_context: Any  # ssl.SSLContext for aiosmtpd


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    import ssl

    import trustme

    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1", "localhost")
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    issued.cert_chain_pems[0].write_to_path(str(cert_file))
    issued.private_key_pem.write_to_path(str(key_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    issued.configure_cert(context)
    return Certificates(ca.cert_pem.bytes().decode(), cert_file, key_file, context)


# --- Dovecot ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def dovecot(certificates: Certificates) -> Iterator[Dovecot]:
    try:
        instance = start_dovecot(certificates.cert_file, certificates.key_file, users=MAILBOXES)
    except DovecotUnavailableError as exc:
        if exc.skippable:
            pytest.skip(str(exc))
        pytest.fail(str(exc))
    yield instance
    instance.stop()


_user_numbers = itertools.count(1)
MAILBOXES = 100  # users created up front; each test taking a mailbox gets the next one


@dataclass(frozen=True)
class Mailbox:
    """A fresh Dovecot user with an empty INBOX."""

    user: str
    password: str
    address: str
    server: Dovecot

    def connection(self, protocol: str, security: str = "tls", **extra: Any) -> dict[str, Any]:
        ports = {
            ("imap", "tls"): self.server.imaps_port,
            ("imap", "starttls"): self.server.imap_port,
            ("imap", "none"): self.server.imap_port,
            ("pop3", "tls"): self.server.pop3s_port,
            ("pop3", "starttls"): self.server.pop3_port,
            ("pop3", "none"): self.server.pop3_port,
        }
        return {
            "host": "127.0.0.1",
            "port": ports[(protocol, security)],
            "security": security,
            "username": self.user,
            "password": self.password,
            **extra,
        }


@pytest.fixture
def mailbox(dovecot: Dovecot) -> Mailbox:
    number = next(_user_numbers)
    if number > MAILBOXES:
        pytest.fail(f"more than {MAILBOXES} tests take a mailbox: raise MAILBOXES")
    user = f"user{number}"
    return Mailbox(user, dovecot.users[user], f"{user}@{DOMAIN}", dovecot)


# --- SMTP -------------------------------------------------------------------------------


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes


@dataclass
class SmtpServers:
    """aiosmtpd servers sharing one handler."""

    starttls_port: int
    tls_port: int
    plain_port: int
    handler: Any
    controllers: list[Any]
    username: str = SMTP_USER
    password: str = SMTP_PASSWORD

    @property
    def received(self) -> list[Received]:
        return list(self.handler.received)

    def connection(self, security: str = "starttls", **extra: Any) -> dict[str, Any]:
        port = {"starttls": self.starttls_port, "tls": self.tls_port, "none": self.plain_port}[
            security
        ]
        values: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": port,
            "security": security,
            "timeout": 10,
        }
        if security != "none":
            values |= {"username": SMTP_USER, "password": SMTP_PASSWORD}
        return values | extra


class _Handler:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.store: Dovecot | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        local = address.partition("@")[0]
        if local.startswith("refused"):
            return "550 5.1.1 no such user here"
        if local.startswith("busy"):
            return "450 4.2.1 mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data = bytes(envelope.original_content or envelope.content)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), data))
        store = self.store
        if store is not None:
            loop = asyncio.get_running_loop()
            for rcpt in envelope.rcpt_tos:
                local, _, domain = rcpt.partition("@")
                if domain == DOMAIN and local in store.users:
                    await loop.run_in_executor(None, store.deliver, local, data, envelope.mail_from)
        return "250 Message accepted for delivery"


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == SMTP_USER.encode()
        and auth_data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="session")
def smtp(certificates: Certificates) -> Iterator[SmtpServers]:
    from aiosmtpd.controller import Controller

    handler = _Handler()
    common: dict[str, Any] = {
        "hostname": "127.0.0.1",
        "authenticator": _authenticator,
        "auth_required": True,
        "ident": "tasklink-test-smtp",
    }
    starttls = Controller(
        handler,
        port=free_port(),
        tls_context=certificates.server_context,
        require_starttls=True,
        **common,
    )
    # aiosmtpd only counts STARTTLS as TLS for auth_require_tls; this port is TLS throughout.
    implicit = Controller(
        handler,
        port=free_port(),
        ssl_context=certificates.server_context,
        auth_require_tls=False,
        **common,
    )
    plain = Controller(handler, hostname="127.0.0.1", port=free_port(), ident="tasklink-test-smtp")
    controllers = [starttls, implicit, plain]
    for controller in controllers:
        controller.start()
    try:
        yield SmtpServers(
            starttls_port=starttls.port,
            tls_port=implicit.port,
            plain_port=plain.port,
            handler=handler,
            controllers=controllers,
        )
    finally:
        for controller in controllers:
            controller.stop()


@pytest.fixture
def mail_system(smtp: SmtpServers, dovecot: Dovecot) -> Iterator[SmtpServers]:
    """The SMTP servers delivering into Dovecot."""
    smtp.handler.store = dovecot
    try:
        yield smtp
    finally:
        smtp.handler.store = None


@pytest.fixture
def ca_pem(certificates: Certificates) -> str:
    return certificates.ca_pem
