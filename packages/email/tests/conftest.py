"""Real mail servers for the tests: aiosmtpd (SMTP) and Debian's Dovecot (IMAP, POP3).

* ``certificates``: a throw-away CA (trustme) and a server certificate for 127.0.0.1.
* ``dovecot``: a private Dovecot instance on loopback high ports with its own base_dir and
  configuration (no system config), users from a passwd-file, Maildirs under a temp dir.
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
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

DOVECOT = Path("/usr/sbin/dovecot")
DOVECOT_LDA = Path("/usr/lib/dovecot/dovecot-lda")
SMTP_USER = "sender"
SMTP_PASSWORD = "smtp-pass-8d1c7e5a"
DOMAIN = "example.test"


def pytest_configure(config: pytest.Config) -> None:
    # aiosmtpd warns when AUTH is required without STARTTLS: on the implicit-TLS port the
    # whole connection is TLS, which aiosmtpd does not take into account.
    config.addinivalue_line(
        "filterwarnings", "ignore:Requiring AUTH while not requiring TLS:UserWarning"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(
    port: int, timeout: float = 15.0, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise TimeoutError(f"the server exited with status {process.returncode}")
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


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


@dataclass
class Dovecot:
    """A running private Dovecot; ``add_user`` creates mailboxes on the fly."""

    root: Path
    config: Path
    imap_port: int
    imaps_port: int
    pop3_port: int
    pop3s_port: int
    uid: int
    gid: int
    process: subprocess.Popen[bytes] | None = None
    users: dict[str, str] = field(default_factory=dict)

    def write_users(self, count: int) -> None:
        """Create ``count`` users up front: Dovecot notices a changed passwd-file by its
        mtime in whole seconds, too coarse to add users while tests run."""
        lines = []
        for number in range(1, count + 1):
            name, password = f"user{number}", f"pw-{number}-c0ffee-{os.getpid()}"
            self.users[name] = password
            home = self.root / "home" / name
            lines.append(f"{name}:{{PLAIN}}{password}:{self.uid}:{self.gid}::{home}::\n")
        (self.root / "users").write_text("".join(lines), encoding="utf-8")

    def deliver(self, user: str, raw: bytes, sender: str = "sender@example.test") -> None:
        """Deliver a message into ``user``'s INBOX with dovecot-lda."""
        done = subprocess.run(
            [str(DOVECOT_LDA), "-c", str(self.config), "-d", user, "-f", sender],
            input=raw,
            capture_output=True,
            timeout=30,
            check=False,
        )
        if done.returncode != 0:
            log = (self.root / "dovecot.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"dovecot-lda failed: {done.stderr.decode(errors='replace')}{log}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _dovecot_config(d: Dovecot, certificates: Certificates, login_user: str) -> str:
    root = d.root
    return f"""# written by tasklink-email's tests
base_dir = {root}/run
state_dir = {root}/state
instance_name = tasklink-email-test-{os.getpid()}
log_path = {root}/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
shutdown_clients = yes
ssl = yes
ssl_cert = <{certificates.cert_file}
ssl_key = <{certificates.key_file}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
first_valid_uid = 1
default_login_user = {login_user}
default_internal_user = {login_user}
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Archive {{
    auto = create
  }}
  mailbox Trash {{
    auto = create
    special_use = \\Trash
  }}
}}
# No auth penalty: tests log in with wrong passwords on purpose, from the same address.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {d.imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {d.imaps_port}
    ssl = yes
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {d.pop3_port}
  }}
  inet_listener pop3s {{
    address = 127.0.0.1
    port = {d.pop3s_port}
    ssl = yes
  }}
}}
"""


@pytest.fixture(scope="session")
def dovecot(certificates: Certificates) -> Iterator[Dovecot]:
    if not DOVECOT.is_file() or not DOVECOT_LDA.is_file():
        pytest.skip("Dovecot is not installed: run packages/email/tests/setup_dovecot.sh as root")
    if os.geteuid() == 0:
        # Mail processes may not run as root: use nobody, and make the tree reachable.
        account = pwd.getpwnam("nobody")
        login_user = "dovenull"
    else:
        account = pwd.getpwuid(os.geteuid())
        login_user = account.pw_name
    root = Path(tempfile.mkdtemp(prefix="tasklink-dovecot-"))
    root.chmod(0o755)
    (root / "home").mkdir()
    if os.geteuid() == 0:
        os.chown(root / "home", account.pw_uid, account.pw_gid)
    instance = Dovecot(
        root=root,
        config=root / "dovecot.conf",
        imap_port=free_port(),
        imaps_port=free_port(),
        pop3_port=free_port(),
        pop3s_port=free_port(),
        uid=account.pw_uid,
        gid=account.pw_gid,
    )
    instance.write_users(MAILBOXES)
    instance.config.write_text(_dovecot_config(instance, certificates, login_user), "utf-8")
    instance.process = subprocess.Popen(
        [str(DOVECOT), "-F", "-c", str(instance.config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for port in (
            instance.imap_port,
            instance.imaps_port,
            instance.pop3_port,
            instance.pop3s_port,
        ):
            wait_for_port(port, process=instance.process)
    except TimeoutError:
        instance.stop()
        log = (
            (root / "dovecot.log").read_text(errors="replace")
            if (root / "dovecot.log").exists()
            else ""
        )
        stderr = (
            instance.process.stderr.read().decode(errors="replace")
            if instance.process.stderr
            else ""
        )
        shutil.rmtree(root, ignore_errors=True)
        if os.geteuid() != 0:  # Dovecot as an ordinary user depends on the local set-up
            pytest.skip(f"Dovecot did not start as a non-root user:\n{stderr}\n{log}")
        pytest.fail(f"Dovecot did not start:\n{stderr}\n{log}")
    yield instance
    instance.stop()
    shutil.rmtree(root, ignore_errors=True)


_user_numbers = itertools.count(1)
MAILBOXES = 60  # users created up front; each test taking a mailbox gets the next one


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
