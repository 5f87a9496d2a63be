"""TLS towards a database follows the trust policy every tasklink connection shares
(``tasklink.client.ssl_context``: certifi's list or the operator's ``SSL_CERT_FILE`` /
``SSL_CERT_DIR``, plus ``caCertificate``), whatever the machine's own store holds.

The local PostgreSQL offers no TLS, so the handshakes run against a stand-in that speaks
PostgreSQL's opening (SSLRequest, then TLS with a throwaway CA's certificate) and refuses
the password: a job that is refused its password got through the handshake.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import trustme

from tasklink import client
from tasklink.core import InputError
from tasklink.sql import connector
from tasklink.sql._engines import _connect_oracle, ssl_context
from tasklink.sql._urls import Target, TlsMode
from tasklink.testing import run_job

#: PostgreSQL's SSLRequest: length 8, then the request code 80877103.
SSL_REQUEST = struct.pack("!ii", 8, 80877103)


@pytest.fixture(autouse=True)
def _isolated(outbound_isolation: None) -> None:
    """No SSL_CERT_FILE / SSL_CERT_DIR of the machine: the base store is certifi's."""


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def pem(ca: trustme.CA) -> str:
    return ca.cert_pem.bytes().decode("ascii")


def target(tls: TlsMode, ca_certificate: str | None = None, **kwargs: Any) -> Target:
    where: dict[str, Any] = {"dialect": "postgresql", "host": "127.0.0.1", "port": 5432}
    where.update(kwargs)
    return Target(database="db", username="app", tls=tls, ca_certificate=ca_certificate, **where)


def trusted(context: ssl.SSLContext) -> list[bytes]:
    return sorted(context.get_ca_certs(binary_form=True))


# -- the contexts the connector builds ----------------------------------------------------------


def test_verify_trusts_the_shared_policy_and_the_ca_certificate(ca: trustme.CA) -> None:
    context = ssl_context(target("verify", pem(ca)))
    assert context is not None
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_REQUIRED, True)
    shared = client.ssl_context(client.TlsConfig(ca_pem=pem(ca)))
    assert trusted(context) == trusted(shared)  # certifi's list plus the CA, not the system's
    assert ca.cert_pem.bytes() in {ssl.DER_cert_to_PEM_cert(c).encode() for c in trusted(context)}
    plain = ssl_context(target("verify"))
    assert plain is not None and trusted(plain) == trusted(client.ssl_context())


def test_require_encrypts_without_verifying_and_the_other_modes_take_no_context() -> None:
    context = ssl_context(target("require"))
    assert context is not None
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_NONE, False)
    assert ssl_context(target("default")) is None
    assert ssl_context(target("disable")) is None


def test_an_unreadable_ca_certificate_names_the_field() -> None:
    with pytest.raises(InputError) as raised:
        ssl_context(target("verify", "not a certificate"))
    assert (raised.value.field, raised.value.message) == (
        "caCertificate",
        "caCertificate: not a readable PEM certificate",
    )


@pytest.mark.parametrize(
    ("tls", "protocol", "verify_mode", "dn_match"),
    [
        ("verify", "tcps", ssl.CERT_REQUIRED, True),
        ("require", "tcps", ssl.CERT_NONE, False),
        ("default", "tcp", None, False),
    ],
    ids=["verify", "require", "default"],
)
def test_oracle_is_given_the_same_context(
    ca: trustme.CA,
    monkeypatch: pytest.MonkeyPatch,
    tls: TlsMode,
    protocol: str,
    verify_mode: ssl.VerifyMode | None,
    dn_match: bool,
) -> None:
    # No Oracle server here: a stand-in for oracledb records what the connector passes.
    seen: dict[str, Any] = {}

    async def connect_async(**kwargs: Any) -> str:
        seen.update(kwargs)
        return "connection"

    monkeypatch.setitem(sys.modules, "oracledb", SimpleNamespace(connect_async=connect_async))
    oracle = target(tls, pem(ca) if tls == "verify" else None, dialect="oracle", port=1521)
    assert asyncio.run(_connect_oracle(oracle)) == "connection"
    assert (seen["protocol"], seen["ssl_server_dn_match"]) == (protocol, dn_match)
    context = seen["ssl_context"]
    if verify_mode is None:
        assert context is None
        return
    assert context.verify_mode == verify_mode
    if tls == "verify":
        assert trusted(context) == trusted(client.ssl_context(client.TlsConfig(ca_pem=pem(ca))))


# -- handshakes ---------------------------------------------------------------------------------


class TlsPostgres:
    """Answers PostgreSQL's SSLRequest with ``S``, serves TLS with ``certificate``, then
    refuses the password (SQLSTATE 28P01)."""

    def __init__(self, certificate: trustme.LeafCert) -> None:
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        certificate.configure_cert(self._context)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self.handshakes = 0
        self._thread = threading.Thread(target=self._serve, name="tls-postgres", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._listener.close()
        self._thread.join(timeout=5)

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:  # closed
                return
            with connection, contextlib.suppress(OSError):  # a refused handshake
                self._answer(connection)

    def _answer(self, connection: socket.socket) -> None:
        connection.settimeout(10)
        if connection.recv(len(SSL_REQUEST), socket.MSG_WAITALL) != SSL_REQUEST:
            return
        connection.sendall(b"S")
        with self._context.wrap_socket(connection, server_side=True) as tls:
            self.handshakes += 1
            tls.recv(4096)  # the startup message
            tls.sendall(_error_response("28P01", 'password authentication failed for user "app"'))


def _error_response(state: str, message: str) -> bytes:
    fields = ((b"S", "FATAL"), (b"V", "FATAL"), (b"C", state), (b"M", message))
    body = b"".join(kind + text.encode() + b"\0" for kind, text in fields) + b"\0"
    return b"E" + struct.pack("!i", len(body) + 4) + body


@pytest.fixture(scope="module")
def server(ca: trustme.CA) -> Iterator[TlsPostgres]:
    running = TlsPostgres(ca.issue_cert("127.0.0.1"))
    yield running
    running.close()


def connect(server: TlsPostgres, tls: TlsMode, ca_certificate: str | None = None) -> Any:
    connection = {
        "type": "detailed",
        "databaseType": "postgresql",
        "host": "127.0.0.1",
        "port": server.port,
        "database": "db",
        "username": "app",
        "password": "tls-test-password",
    }
    variables: dict[str, Any] = {"connection": connection, "statement": "SELECT 1", "tls": tls}
    if ca_certificate is not None:
        variables["caCertificate"] = ca_certificate
    return run_job(connector, variables, operation="query")


def test_a_ca_certificate_is_trusted_for_verify(server: TlsPostgres, ca: trustme.CA) -> None:
    before = server.handshakes
    outcome = connect(server, "verify", pem(ca))
    assert outcome.code == "AUTHENTICATION_FAILED", outcome  # past the handshake
    assert server.handshakes == before + 1
    refused = connect(server, "verify")  # certifi's list does not know the CA
    assert (refused.code, refused.retries) == ("TLS_FAILED", 0), refused
    assert server.handshakes == before + 1


def test_the_operators_ssl_cert_file_is_the_default_store(
    server: TlsPostgres, ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = tmp_path / "corporate.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    outcome = connect(server, "verify")
    assert outcome.code == "AUTHENTICATION_FAILED", outcome


def test_require_accepts_a_certificate_nobody_trusts(server: TlsPostgres) -> None:
    outcome = connect(server, "require")
    assert outcome.code == "AUTHENTICATION_FAILED", outcome
