"""TLS towards a self-managed Camunda: a private CA to trust and a client identity (mTLS).

Read from ``CAMUNDA_MTLS_*`` as Camunda's Python SDK reads them. The same material serves
the REST gateway and its OAuth token endpoint (a server that asks for no client
certificate is sent none) and the gRPC channel.
"""

from __future__ import annotations

import os
import ssl
import tempfile
from dataclasses import dataclass

__all__ = ["GatewayTls"]


@dataclass(frozen=True, repr=False)
class GatewayTls:
    """PEM material: ``ca`` to trust, ``cert`` and ``key`` to present (``*_path``: the files
    they were read from, if any)."""

    ca: bytes | None = None
    cert: bytes | None = None
    key: bytes | None = None
    key_passphrase: str | None = None
    cert_path: str | None = None
    key_path: str | None = None

    def __repr__(self) -> str:  # never the key
        return f"GatewayTls(ca={self.ca is not None}, client_cert={self.cert is not None})"

    @property
    def key_encrypted(self) -> bool:
        """The key is a PKCS#8 or traditional OpenSSL PEM under a passphrase."""
        return self.key is not None and (
            b"BEGIN ENCRYPTED PRIVATE KEY" in self.key or b"Proc-Type: 4,ENCRYPTED" in self.key
        )

    def ssl_context(self) -> ssl.SSLContext:
        """An HTTPS context: httpx's default trust store plus ``ca``, presenting ``cert``.

        Raises :class:`ValueError` naming the setting whose PEM does not load.
        """
        import httpx

        context = httpx.create_ssl_context()
        if self.ca is not None:
            try:
                context.load_verify_locations(cadata=self.ca.decode("utf-8", "replace"))
            except (ssl.SSLError, ValueError) as exc:
                raise ValueError(f"mtls_ca: not a PEM certificate ({exc})") from None
        if self.cert is not None and self.key is not None:
            with tempfile.TemporaryDirectory(prefix="tasklink-mtls-") as folder:
                # ssl loads certificates and keys from files only: inline PEM goes to a
                # private temporary file for the moment of loading; files are used as given.
                cert_file = self.cert_path or _private_file(folder, "cert.pem", self.cert)
                key_file = self.key_path or _private_file(folder, "key.pem", self.key)
                # Without a passphrase, an encrypted key must fail, not make OpenSSL prompt
                # on the terminal: an empty one does that.
                password = self.key_passphrase if self.key_passphrase is not None else ""
                try:
                    context.load_cert_chain(cert_file, key_file, password=password)
                except (ssl.SSLError, ValueError, OSError) as exc:
                    # OpenSSL names what failed (a key mismatch, a wrong passphrase), not data.
                    raise ValueError(
                        f"mtls_cert / mtls_key: the client certificate and key do not load ({exc})"
                    ) from None
        return context


def _private_file(folder: str, name: str, data: bytes) -> str:
    path = os.path.join(folder, name)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    return path
