"""A private Dovecot (IMAP and POP3) for tests and benchmarks that read real mailboxes.

:func:`start_dovecot` runs Debian's Dovecot on loopback high ports with its own base
directory and configuration (no system configuration), users from a passwd-file and
Maildirs under a temporary folder; :meth:`Dovecot.deliver` puts a message into a user's
INBOX with dovecot-lda. :func:`write_message` writes a message with an attachment of any
size to a file without holding it in memory. The Dovecot binaries come from the Debian
packages ``dovecot-imapd`` and ``dovecot-pop3d`` (``packages/email/tests/setup_dovecot.sh``).
"""

from __future__ import annotations

import base64
import hashlib
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
from typing import IO

__all__ = [
    "DOVECOT",
    "DOVECOT_LDA",
    "Dovecot",
    "DovecotUnavailableError",
    "free_port",
    "pattern",
    "start_dovecot",
    "wait_for_port",
    "write_message",
]

DOVECOT = Path("/usr/sbin/dovecot")
DOVECOT_LDA = Path("/usr/lib/dovecot/dovecot-lda")
_BLOCK = 57 * 1024  # a multiple of 57 bytes: whole base64 lines of 76 characters


class DovecotUnavailableError(RuntimeError):
    """Dovecot is not installed, or did not start (the message says why). ``skippable``:
    it is missing, or a non-root user could not start it (which depends on the local
    set-up), so a test may skip rather than fail."""

    def __init__(self, message: str, *, skippable: bool) -> None:
        super().__init__(message)
        self.skippable = skippable


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(
    port: int, timeout: float = 15.0, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Wait until something listens on 127.0.0.1:``port`` (:class:`TimeoutError` if not)."""
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


@dataclass
class Dovecot:
    """A running private Dovecot; ``users`` maps each user name to its password."""

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

    def deliver(
        self, user: str, raw: bytes | IO[bytes], sender: str = "sender@example.test"
    ) -> None:
        """Deliver a message (bytes, or an open file read from its start) into ``user``'s
        INBOX with dovecot-lda."""
        command = [str(DOVECOT_LDA), "-c", str(self.config), "-d", user, "-f", sender]
        if not isinstance(raw, bytes):
            raw.seek(0)
        done = subprocess.run(  # noqa: S603 - a fixed binary, arguments of the test
            command,
            input=raw if isinstance(raw, bytes) else None,
            stdin=None if isinstance(raw, bytes) else raw,
            capture_output=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0:
            log = (self.root / "dovecot.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"dovecot-lda failed: {done.stderr.decode(errors='replace')}{log}")

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)


def _config(d: Dovecot, cert_file: Path, key_file: Path, login_user: str) -> str:
    root = d.root
    return f"""# written by tasklink.testing.dovecot
base_dir = {root}/run
state_dir = {root}/state
instance_name = tasklink-test-{os.getpid()}-{root.name}
log_path = {root}/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
shutdown_clients = yes
ssl = yes
ssl_cert = <{cert_file}
ssl_key = <{key_file}
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


def start_dovecot(cert_file: Path, key_file: Path, *, users: int) -> Dovecot:
    """Start a private Dovecot serving IMAP, IMAPS, POP3 and POP3S with the certificate
    and key at the paths given, and ``users`` users (``user1``...). Raises
    :class:`DovecotUnavailableError` when it is not installed or does not start."""
    if not DOVECOT.is_file() or not DOVECOT_LDA.is_file():
        raise DovecotUnavailableError(
            "Dovecot is not installed: run packages/email/tests/setup_dovecot.sh as root",
            skippable=True,
        )
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
    instance.write_users(users)
    instance.config.write_text(_config(instance, cert_file, key_file, login_user), "utf-8")
    instance.process = subprocess.Popen(  # noqa: S603 - a fixed binary and our own config
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
        log_file = root / "dovecot.log"
        log = log_file.read_text(errors="replace") if log_file.exists() else ""
        instance.stop()
        errors = instance.process.stderr
        stderr = errors.read().decode(errors="replace") if errors is not None else ""
        # As an ordinary user Dovecot depends on the local set-up: a test may skip then.
        raise DovecotUnavailableError(
            f"Dovecot did not start:\n{stderr}\n{log}", skippable=os.geteuid() != 0
        ) from None
    return instance


def pattern(size: int, seed: int = 0) -> Iterator[bytes]:
    """``size`` bytes of a repeating, not compressible-to-nothing pattern, in blocks."""
    block = hashlib.sha256(str(seed).encode()).digest() * (_BLOCK // 32 + 1)
    block = bytes((b + i) % 256 for i, b in enumerate(block[:_BLOCK]))
    left = size
    while left > 0:
        yield block[: min(left, _BLOCK)]
        left -= _BLOCK


def write_message(
    handle: IO[bytes],
    *,
    size: int,
    file_name: str = "payload.bin",
    content_type: str = "application/octet-stream",
    sender: str = "sender@example.test",
    to: str = "user1@example.test",
    subject: str = "A large attachment",
) -> str:
    """Write a MIME message with a text body and an attachment of ``size`` bytes of
    :func:`pattern` (base64, 76-character lines) to ``handle``, a block at a time; returns
    the attachment's SHA-256."""
    boundary = "tasklink-attachment-boundary"
    head = (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
        "Message-ID: <large-attachment@example.test>\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the attachment.\r\n"
        f"--{boundary}\r\nContent-Type: {content_type}\r\n"
        f'Content-Disposition: attachment; filename="{file_name}"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
    )
    handle.write(head.encode("ascii"))
    digest = hashlib.sha256()
    for block in pattern(size):
        digest.update(block)
        handle.write(base64.encodebytes(block).replace(b"\n", b"\r\n"))
    handle.write(f"--{boundary}--\r\n".encode("ascii"))
    handle.flush()
    return digest.hexdigest()
