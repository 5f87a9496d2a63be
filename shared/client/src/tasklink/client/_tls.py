"""TLS contexts: one trust policy for every connector and the runtime.

The base trust store is certifi's copy of Mozilla's CA list, the same on every machine;
an operator replaces it with the file or directory in ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``
(a corporate bundle, say), as httpx and OpenSSL read them. A connection's own CA
certificates (``TlsConfig.ca_pem``) are trusted in addition, so one job can reach both a
private API and a public token endpoint. Verification can be switched off per
connection, never globally.

A client identity (mutual TLS) is given as PEM text or as files. ``ssl`` loads
certificates and keys from files only: PEM text passes through private temporary files
(mode 0600) that are deleted at once; files are used as they are.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tasklink.core import InputError

if TYPE_CHECKING:
    import ssl

__all__ = ["DEFAULT_TLS", "TlsConfig", "TlsFields", "ssl_context"]


@dataclass(frozen=True, slots=True)
class TlsFields:
    """How the caller names its TLS settings in error messages (its own field names)."""

    ca: str = "CA certificate"
    client_certificate: str = "client certificate"


@dataclass(frozen=True, slots=True)
class TlsConfig:
    """What a connection trusts and presents.

    ``ca_pem``: CA certificates (PEM) trusted besides the base store. ``client_cert_pem``
    / ``client_key_pem`` (or ``client_cert_file`` / ``client_key_file``): the client
    identity for mutual TLS, the key encrypted with ``client_key_password`` if given.
    ``verify=False`` accepts any server certificate: only for tests against servers you
    control. Hashable: pooled clients are kept per configuration.
    """

    verify: bool = True
    ca_pem: str | None = None
    client_cert_pem: str | None = None
    client_key_pem: str | None = None
    client_key_password: str | None = field(default=None, repr=False)
    client_cert_file: str | None = None
    client_key_file: str | None = None

    def __repr__(self) -> str:  # never key material
        return (
            f"TlsConfig(verify={self.verify}, ca={self.ca_pem is not None}, "
            f"client_certificate={self.has_client_identity})"
        )

    @property
    def has_client_identity(self) -> bool:
        return bool(self.client_cert_pem or self.client_cert_file)

    @property
    def is_default(self) -> bool:
        """The base trust store and nothing else (the common case)."""
        return self is DEFAULT_TLS or self == DEFAULT_TLS


#: Verification against the base trust store, no client identity.
DEFAULT_TLS = TlsConfig()


def _base_locations(cafile: str | None, capath: str | None) -> tuple[str | None, str | None]:
    usable_file = cafile if cafile and Path(cafile).is_file() else None
    usable_dir = capath if capath and Path(capath).is_dir() else None
    if usable_file or usable_dir:
        return usable_file, usable_dir
    import certifi

    return certifi.where(), None


def _base_context() -> ssl.SSLContext:
    import ssl

    cafile, capath = _base_locations(
        os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
    )
    return ssl.create_default_context(cafile=cafile, capath=capath)


def ssl_context(config: TlsConfig = DEFAULT_TLS, fields: TlsFields | None = None) -> ssl.SSLContext:
    """An SSL client context for ``config``.

    Unreadable material is an :class:`~tasklink.core.InputError` naming the caller's field
    (``fields``), never the material itself.
    """
    import ssl  # deferred: models that carry a TlsConfig are imported by discovery

    names = fields or TlsFields()
    if config.verify:
        context = _base_context()
        if config.ca_pem:
            try:
                context.load_verify_locations(cadata=config.ca_pem)
            except (ssl.SSLError, ValueError):
                raise InputError(
                    f"{names.ca}: not a readable PEM certificate", field=names.ca
                ) from None
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if config.has_client_identity:
        _load_client_identity(context, config, names.client_certificate)
    return context


def _load_client_identity(context: ssl.SSLContext, config: TlsConfig, field_name: str) -> None:
    import ssl

    with tempfile.TemporaryDirectory(prefix="tasklink-tls-") as folder:
        certfile = config.client_cert_file or _private_file(
            folder, "cert.pem", config.client_cert_pem
        )
        keyfile = config.client_key_file or (
            _private_file(folder, "key.pem", config.client_key_pem)
            if config.client_key_pem
            else None
        )
        # Without a password an encrypted key must fail, not make OpenSSL prompt on the
        # terminal: an empty password does that.
        password = config.client_key_password if config.client_key_password is not None else ""
        try:
            context.load_cert_chain(certfile, keyfile, password=password)
        except (ssl.SSLError, ValueError, OSError):
            raise InputError(
                f"{field_name}: the client certificate and key could not be loaded (no key "
                "given, a wrong key password, or a key that does not match)",
                field=field_name,
            ) from None


def _private_file(folder: str, name: str, text: str | None) -> str:
    path = os.path.join(folder, name)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text or "")
    return path
