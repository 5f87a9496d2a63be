"""TLS towards a self-managed Camunda: a private CA to trust and a client identity (mTLS).

Read from ``CAMUNDA_MTLS_*`` as Camunda's Python SDK reads them. The same material serves
the REST gateway, its OAuth token endpoint and the gRPC channel, through the trust policy
every tasklink connection shares: :func:`tasklink.client.ssl_context` for HTTPS (a server
that asks for no client certificate is sent none), the same certificates as PEM bytes
(:func:`tasklink.client.ca_bundle`) for gRPC.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tasklink.client import TlsConfig, TlsFields, ca_bundle, ssl_context

if TYPE_CHECKING:
    import ssl

__all__ = ["TLS_FIELDS", "GatewayTls", "grpc_root_certificates"]

#: The settings errors about TLS material name (the operator's own keys).
TLS_FIELDS = TlsFields(ca="mtls_ca", client_certificate="mtls_cert / mtls_key")


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

    def config(self) -> TlsConfig:
        """The material for the shared client: files as the operator gave them, else PEM."""
        return TlsConfig(
            ca_pem=_text(self.ca),
            client_cert_pem=None if self.cert_path else _text(self.cert),
            client_key_pem=None if self.key_path else _text(self.key),
            client_cert_file=self.cert_path,
            client_key_file=self.key_path,
            client_key_password=self.key_passphrase,
        )

    def ssl_context(self) -> ssl.SSLContext:
        """An HTTPS context: the shared trust store plus ``ca``, presenting ``cert``.

        Raises :class:`~tasklink.core.InputError` naming the setting whose PEM does not load
        (an encrypted key without its passphrase included: it never prompts).
        """
        return ssl_context(self.config(), TLS_FIELDS)


def grpc_root_certificates(ca: bytes | None) -> bytes:
    """What a gRPC channel trusts: the shared base store plus ``ca`` (PEM), as over REST;
    neither grpc-core's own bundled list nor ``ca`` alone.

    Raises :class:`~tasklink.core.InputError` naming ``mtls_ca`` when ``ca`` does not load.
    """
    return ca_bundle(TlsConfig(ca_pem=_text(ca)), TLS_FIELDS)


def _text(pem: bytes | None) -> str | None:
    # PEM is ASCII; anything else fails to load and is reported by the setting's name.
    return pem.decode("utf-8", "replace") if pem is not None else None
