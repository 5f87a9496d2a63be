"""TLS contexts: one trust policy for every connector and the runtime.

The base trust store is certifi's copy of Mozilla's CA list, the same on every machine;
an operator replaces it with the file and / or hashed directory in ``SSL_CERT_FILE`` /
``SSL_CERT_DIR`` (a corporate bundle, say), as httpx and OpenSSL read them. A connection's own CA
certificates (``TlsConfig.ca_pem``) are trusted in addition, so one job can reach both a
private API and a public token endpoint. Verification can be switched off per
connection, never globally.

Libraries that take no ``SSLContext`` get the same trust as certificates:
:func:`ca_bundle` (PEM data, for grpc) and :func:`ca_bundle_file` (a file, for botocore).

A client identity (mutual TLS) is given as PEM text or as files. ``ssl`` loads
certificates and keys from files only: PEM text passes through private temporary files
(mode 0600) that are deleted at once; files are used as they are.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tasklink.core import InputError

if TYPE_CHECKING:
    import ssl

__all__ = [
    "DEFAULT_TLS",
    "CaBundleFile",
    "TlsConfig",
    "TlsFields",
    "ca_bundle",
    "ca_bundle_file",
    "ssl_context",
]


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


def _base_store() -> tuple[str | None, str | None]:
    """The base store's file and directory, as the environment sets them now."""
    return _base_locations(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


def _base_context() -> ssl.SSLContext:
    import ssl

    cafile, capath = _base_store()
    return ssl.create_default_context(cafile=cafile, capath=capath)


def _load_ca(context: ssl.SSLContext, ca_pem: str, field_name: str) -> None:
    import ssl

    try:
        context.load_verify_locations(cadata=ca_pem)
    except (ssl.SSLError, ValueError):
        raise InputError(
            f"{field_name}: not a readable PEM certificate", field=field_name
        ) from None


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
            _load_ca(context, config.ca_pem, names.ca)
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


# -- the same trust as certificates, for libraries that take no SSLContext ---------------------

_PEM_CERTIFICATE = re.compile(
    rb"-----BEGIN ((?:TRUSTED |X509 )?CERTIFICATE)-----.+?-----END \1-----", re.DOTALL
)
# The names OpenSSL looks a CA up by in a hashed directory (c_rehash, update-ca-certificates):
# the subject hash and a sequence number; CRLs (<hash>.r<n>) and the other files are not read.
_HASHED_NAME = re.compile(r"[0-9a-f]{8}\.[0-9]+")


def _certificates(pem: bytes) -> list[bytes]:
    return [match.group(0) for match in _PEM_CERTIFICATE.finditer(pem)]


def _base_certificates() -> list[bytes]:
    cafile, capath = _base_store()
    found = _certificates(Path(cafile).read_bytes()) if cafile else []
    if capath:
        for entry in sorted(Path(capath).iterdir()):
            if _HASHED_NAME.fullmatch(entry.name):
                try:
                    found += _certificates(entry.read_bytes())
                except OSError:  # a dangling link or an unreadable file: OpenSSL skips it too
                    continue
    return found


def ca_bundle(config: TlsConfig = DEFAULT_TLS, fields: TlsFields | None = None) -> bytes:
    """The certificates a verifying connection of ``config`` trusts, as one PEM bundle.

    The base store (certifi's list, or the files of ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``)
    followed by ``config.ca_pem``, each certificate once: what :func:`ssl_context`
    trusts, for libraries that take certificates instead of a context (grpc's
    ``root_certificates``). Of an ``SSL_CERT_DIR`` the hashed files (``<hash>.<n>``) are
    read now, as OpenSSL would look them up; :func:`ssl_context` reads them when a
    handshake needs them. Only trust is concerned: ``verify`` and the client identity are
    the caller's to apply. An unreadable ``ca_pem`` is an
    :class:`~tasklink.core.InputError` naming ``fields.ca``.
    """
    import ssl

    certificates = _base_certificates()
    if config.ca_pem:
        _load_ca(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), config.ca_pem, (fields or TlsFields()).ca)
        certificates += _certificates(config.ca_pem.encode("utf-8", "replace"))
    return b"\n".join(dict.fromkeys(certificates)) + b"\n"


class CaBundleFile:
    """:func:`ca_bundle` written to a private file (mode 0600), for libraries that read
    trusted certificates from a path only (botocore's ``verify=``).

    One file per content, shared by every holder; it is deleted once no holder is left
    (or when the process exits). Keep the object as long as the client that reads
    ``path``: such a client reads the file again for every new connection.
    """

    __slots__ = ("__weakref__", "path")

    def __init__(self, content: bytes) -> None:
        handle, self.path = tempfile.mkstemp(prefix="tasklink-ca-", suffix=".pem")
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        weakref.finalize(self, _remove, self.path)

    def __repr__(self) -> str:
        return f"CaBundleFile({self.path!r})"


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):  # already gone (a cleaned temporary folder)
        os.unlink(path)


_bundle_files: weakref.WeakValueDictionary[bytes, CaBundleFile] = weakref.WeakValueDictionary()
_bundle_files_lock = threading.Lock()


def ca_bundle_file(
    config: TlsConfig = DEFAULT_TLS, fields: TlsFields | None = None
) -> CaBundleFile:
    """:func:`ca_bundle` of ``config`` in a file: the one already written for the same
    certificates while it is held, else a new one. Thread-safe."""
    content = ca_bundle(config, fields)
    digest = hashlib.sha256(content).digest()
    with _bundle_files_lock:
        bundle = _bundle_files.get(digest)
        if bundle is None:
            bundle = _bundle_files[digest] = CaBundleFile(content)
        return bundle
