"""SSL contexts from the TLS options of a request.

Extra CA certificates are trusted in addition to the default store (certifi, or
``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when set, as httpx does), so one job can reach both a
private API and a public token endpoint. Client certificates arrive as PEM text; ``ssl``
only loads them from files, so they pass through private temporary files (mode 0600)
that are deleted at once.
"""

from __future__ import annotations

import os
import ssl
import tempfile
from pathlib import Path

from tasklink.core import InputError

from ._models import TlsOptions

__all__ = ["build_ssl_context"]


def _default_context() -> ssl.SSLContext:
    cafile = os.environ.get("SSL_CERT_FILE")
    capath = os.environ.get("SSL_CERT_DIR")
    if (cafile and Path(cafile).is_file()) or (capath and Path(capath).is_dir()):
        return ssl.create_default_context(
            cafile=cafile if cafile and Path(cafile).is_file() else None,
            capath=capath if capath and Path(capath).is_dir() else None,
        )
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def _load_client_certificate(context: ssl.SSLContext, tls: TlsOptions) -> None:
    assert tls.client_certificate is not None
    with tempfile.TemporaryDirectory(prefix="tasklink-http-") as folder:
        certfile = Path(folder, "cert.pem")
        certfile.write_text(tls.client_certificate)
        certfile.chmod(0o600)
        keyfile = None
        if tls.client_key:
            keyfile = Path(folder, "key.pem")
            keyfile.touch(0o600)
            keyfile.write_text(tls.client_key)
        try:
            context.load_cert_chain(certfile, keyfile, password=tls.client_key_password)
        except (ssl.SSLError, ValueError, OSError):
            raise InputError(
                "tls.clientCertificate: the client certificate and key could not be loaded "
                "(no key given, a wrong key password, or a key that does not match)",
                field="tls.clientCertificate",
            ) from None


def build_ssl_context(tls: TlsOptions) -> ssl.SSLContext:
    """An SSL context for ``tls``; unreadable certificates are input errors."""
    if tls.verify:
        context = _default_context()
        if tls.ca_certificate:
            try:
                context.load_verify_locations(cadata=tls.ca_certificate)
            except (ssl.SSLError, ValueError):
                raise InputError(
                    "tls.caCertificate: not a readable PEM certificate",
                    field="tls.caCertificate",
                ) from None
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if tls.client_certificate:
        _load_client_certificate(context, tls)
    return context
