"""One TLS trust policy: the base store (certifi, or the operator's), a connection's own CA
certificates, the same trust as certificates for libraries that take no SSLContext (a PEM
bundle, a bundle file), client identities from PEM text or files, and messages naming the
caller's fields."""

from __future__ import annotations

import gc
import shutil
import ssl
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import certifi
import pytest
import trustme

from tasklink import client
from tasklink.core import ConnectorError, Context, InputError
from tasklink.testing import httpbin

Fetch = Callable[..., Awaitable[client.Response]]
Failure = Callable[..., Awaitable[ConnectorError]]
FIELDS = client.TlsFields(ca="smtp.caCertificate", client_certificate="smtp.clientCertificate")


def pem(blob: Any) -> str:
    return blob.bytes().decode()


def ssl_context() -> ssl.SSLContext:
    """The context of the base store alone."""
    return client.ssl_context(client.DEFAULT_TLS)


def encrypted_key(identity: trustme.LeafCert, password: bytes) -> str:
    from cryptography.hazmat.primitives import serialization

    private = serialization.load_pem_private_key(identity.private_key_pem.bytes(), None)
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password),
    ).decode()


# -- server certificates -----------------------------------------------------------------------


async def test_an_unknown_ca_is_a_tls_failure_that_is_not_retried(
    tls_server: httpbin.TestServer, failure: Failure
) -> None:
    error = await failure(f"{tls_server.url}/get")
    assert (error.code, error.retryable) == ("TLS_FAILED", False)
    assert error.message.startswith(
        f"GET {tls_server.url}/get failed: the server's TLS certificate was not accepted"
    )
    assert error.message.endswith("; set CA certificate for a private CA")


async def test_an_extra_ca_certificate_is_trusted(
    tls_server: httpbin.TestServer, ca: trustme.CA, fetch: Fetch
) -> None:
    response = await fetch(f"{tls_server.url}/get", tls=client.TlsConfig(ca_pem=pem(ca.cert_pem)))
    assert response.json()["clientCertificate"] is None


def test_the_base_store_stays_trusted_beside_an_extra_ca(ca: trustme.CA) -> None:
    # One job may reach a private API and a public token endpoint: certifi plus its CA.
    base = len(ssl_context().get_ca_certs())
    assert base > 100  # Mozilla's list
    extra = client.ssl_context(client.TlsConfig(ca_pem=pem(ca.cert_pem)))
    assert len(extra.get_ca_certs()) == base + 1


async def test_verification_can_be_turned_off(tls_server: httpbin.TestServer, fetch: Fetch) -> None:
    response = await fetch(f"{tls_server.url}/get", tls=client.TlsConfig(verify=False))
    assert response.status == 200


async def test_the_host_name_is_checked(
    localhost_tls_server: httpbin.TestServer, ca: trustme.CA, fetch: Fetch, failure: Failure
) -> None:
    # Same server, same CA: trusted as localhost, refused as 127.0.0.1 (not in the cert).
    tls = client.TlsConfig(ca_pem=pem(ca.cert_pem))
    assert (await fetch(f"{localhost_tls_server.url}/get", tls=tls)).status == 200
    by_address = localhost_tls_server.url.replace("localhost", "127.0.0.1")
    error = await failure(f"{by_address}/get", tls=tls)
    assert (error.code, error.retryable) == ("TLS_FAILED", False)


async def test_ssl_cert_file_replaces_the_base_store(
    tls_server: httpbin.TestServer,
    ca: trustme.CA,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fetch: Fetch,
) -> None:
    bundle = tmp_path / "corporate.pem"
    bundle.write_text(pem(ca.cert_pem))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    # The operator's bundle instead of certifi's list, not beside it.
    assert len(ssl_context().get_ca_certs()) == 1
    assert (await fetch(f"{tls_server.url}/get")).status == 200
    # A file that is not there leaves certifi's list in place.
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    assert len(ssl_context().get_ca_certs()) > 100


def test_certifi_is_the_base_store_whatever_the_system_has() -> None:
    trusted = ssl.create_default_context(cafile=certifi.where()).get_ca_certs()
    assert ssl_context().get_ca_certs() == trusted


# -- the same trust as certificates ------------------------------------------------------------


def trusted_by(bundle: bytes) -> list[bytes]:
    """The certificates a context built from ``bundle`` trusts (DER, sorted)."""
    context = ssl.create_default_context(cadata=bundle.decode("ascii", "replace"))
    return sorted(context.get_ca_certs(binary_form=True))


def trusted(context: ssl.SSLContext) -> list[bytes]:
    return sorted(context.get_ca_certs(binary_form=True))


def hashed_dir(folder: Path, *authorities: trustme.CA) -> Path:
    """A CA directory as OpenSSL reads one: each certificate under its subject hash."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command hashes the CA directory")
    folder.mkdir()
    for number, authority in enumerate(authorities):
        authority.cert_pem.write_to_path(str(folder / f"ca-{number}.pem"))
    subprocess.run([openssl, "rehash", str(folder)], check=True, capture_output=True)
    return folder


@pytest.mark.parametrize("with_ca", [False, True])
def test_the_bundle_trusts_what_the_context_trusts(ca: trustme.CA, with_ca: bool) -> None:
    tls = client.TlsConfig(ca_pem=pem(ca.cert_pem)) if with_ca else client.DEFAULT_TLS
    bundle = client.ca_bundle(tls)
    assert trusted_by(bundle) == trusted(client.ssl_context(tls))
    assert (ca.cert_pem.bytes().strip() in bundle) is with_ca
    assert len(trusted_by(bundle)) > 100  # certifi's list stays beside the CA


async def test_ssl_cert_file_and_dir_are_the_base_of_the_context_and_the_bundle(
    tls_server: httpbin.TestServer,
    ca: trustme.CA,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fetch: Fetch,
) -> None:
    corporate, private = trustme.CA(), trustme.CA()
    bundle_file = tmp_path / "corporate.pem"
    corporate.cert_pem.write_to_path(str(bundle_file))
    folder = hashed_dir(tmp_path / "certs", ca)  # the test server's CA, found by its hash
    (folder / "unhashed.pem").write_bytes(private.cert_pem.bytes())  # OpenSSL never reads it
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle_file))
    monkeypatch.setenv("SSL_CERT_DIR", str(folder))
    assert (await fetch(f"{tls_server.url}/get")).status == 200  # through the directory
    bundle = client.ca_bundle(client.TlsConfig(ca_pem=pem(private.cert_pem)))
    expected = (corporate.cert_pem, ca.cert_pem, private.cert_pem)  # file, directory, own CA
    assert bundle == b"\n".join(blob.bytes().strip() for blob in expected) + b"\n"
    # The directory alone, without the file, is the whole base store as well.
    monkeypatch.delenv("SSL_CERT_FILE")
    assert client.ca_bundle() == ca.cert_pem.bytes().strip() + b"\n"


def test_a_bundle_file_is_written_once_and_removed_when_no_longer_held(ca: trustme.CA) -> None:
    own = client.TlsConfig(ca_pem=pem(ca.cert_pem))
    first = client.ca_bundle_file(own)
    path = Path(first.path)
    assert path.read_bytes() == client.ca_bundle(own)
    assert path.stat().st_mode & 0o777 == 0o600
    assert client.ca_bundle_file(client.TlsConfig(ca_pem=pem(ca.cert_pem))) is first
    base = client.ca_bundle_file()
    assert base.path != first.path
    del first
    gc.collect()
    assert not path.exists()
    assert Path(base.path).exists()


# -- client identities ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def identity(ca: trustme.CA) -> trustme.LeafCert:
    return ca.issue_cert("order-service@example.com", common_name="order-service")


@pytest.mark.parametrize("combined", [False, True])
async def test_a_client_identity_from_pem(
    tls_server: httpbin.TestServer,
    ca: trustme.CA,
    identity: trustme.LeafCert,
    fetch: Fetch,
    combined: bool,
) -> None:
    chain = "".join(pem(blob) for blob in identity.cert_chain_pems)
    key = pem(identity.private_key_pem)
    tls = client.TlsConfig(
        ca_pem=pem(ca.cert_pem),
        client_cert_pem=chain + key if combined else chain,
        client_key_pem=None if combined else key,
    )
    response = await fetch(f"{tls_server.url}/get", tls=tls)
    assert response.json()["clientCertificate"] == "order-service"
    assert "BEGIN" not in repr(tls)  # never key material in a repr


async def test_a_client_identity_from_files(
    tls_server: httpbin.TestServer,
    ca: trustme.CA,
    identity: trustme.LeafCert,
    tmp_path: Path,
    fetch: Fetch,
) -> None:
    certificate, key = tmp_path / "client.crt", tmp_path / "client.key"
    certificate.write_text("".join(pem(blob) for blob in identity.cert_chain_pems))
    key.write_text(encrypted_key(identity, b"file-key-password"))
    tls = client.TlsConfig(
        ca_pem=pem(ca.cert_pem),
        client_cert_file=str(certificate),
        client_key_file=str(key),
        client_key_password="file-key-password",
    )
    response = await fetch(f"{tls_server.url}/get", tls=tls)
    assert response.json()["clientCertificate"] == "order-service"


def test_pem_material_passes_through_private_files_deleted_at_once(
    identity: trustme.LeafCert, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, int] = {}
    load = ssl.SSLContext.load_cert_chain

    def loading(self: ssl.SSLContext, certfile: str, keyfile: Any = None, **kw: Any) -> None:
        for path in (Path(certfile), Path(keyfile)):
            seen[str(path)] = path.stat().st_mode & 0o777
        load(self, certfile, keyfile, **kw)

    monkeypatch.setattr(ssl.SSLContext, "load_cert_chain", loading)
    tls = client.TlsConfig(
        client_cert_pem=pem(identity.cert_chain_pems[0]),
        client_key_pem=pem(identity.private_key_pem),
    )
    client.ssl_context(tls)
    assert [(Path(path).name, mode) for path, mode in seen.items()] == [
        ("cert.pem", 0o600),
        ("key.pem", 0o600),
    ]
    assert not any(Path(path).exists() for path in seen)


async def test_an_encrypted_client_key_with_its_password(
    tls_server: httpbin.TestServer,
    ca: trustme.CA,
    ctx: Context,
    fetch: Fetch,
) -> None:
    identity = ca.issue_cert("svc@example.com", common_name="encrypted-key-client")
    config = {
        "ca_pem": pem(ca.cert_pem),
        "client_cert_pem": pem(identity.cert_chain_pems[0]),
        "client_key_pem": encrypted_key(identity, b"key-password-1"),
    }
    tls = client.TlsConfig(**config, client_key_password="key-password-1")
    response = await fetch(f"{tls_server.url}/get", tls=tls)
    assert response.json()["clientCertificate"] == "encrypted-key-client"
    for password in ("wrong-password", None):  # without one it fails, never prompts
        wrong = client.TlsConfig(**config, client_key_password=password)
        with pytest.raises(InputError) as raised:
            await client.send(client.Request("GET", f"{tls_server.url}/get", tls=wrong), ctx)
        assert raised.value.field == "client certificate"
        assert "wrong-password" not in raised.value.message


# -- unreadable material, named by the caller's fields ----------------------------------------


def test_a_key_that_does_not_match_the_certificate(ca: trustme.CA) -> None:
    one = ca.issue_cert("one@example.com")
    other = ca.issue_cert("other@example.com")
    tls = client.TlsConfig(
        client_cert_pem=pem(one.cert_chain_pems[0]), client_key_pem=pem(other.private_key_pem)
    )
    with pytest.raises(InputError) as raised:
        client.ssl_context(tls, FIELDS)
    assert raised.value.field == "smtp.clientCertificate"
    assert raised.value.message.startswith(
        "smtp.clientCertificate: the client certificate and key could not be loaded"
    )


def test_a_certificate_without_its_key(ca: trustme.CA) -> None:
    tls = client.TlsConfig(client_cert_pem=pem(ca.issue_cert("x@example.com").cert_chain_pems[0]))
    with pytest.raises(InputError, match="no key given"):
        client.ssl_context(tls, FIELDS)


@pytest.mark.parametrize(
    "broken",
    ["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "not a certificate"],
)
def test_an_unreadable_ca_certificate(broken: str) -> None:
    for build in (client.ssl_context, client.ca_bundle, client.ca_bundle_file):
        with pytest.raises(InputError) as raised:
            build(client.TlsConfig(ca_pem=broken), FIELDS)
        assert (raised.value.field, raised.value.message) == (
            "smtp.caCertificate",
            "smtp.caCertificate: not a readable PEM certificate",
        )
    # Without names of its own the caller gets the generic ones.
    with pytest.raises(InputError, match=r"^CA certificate: "):
        client.ssl_context(client.TlsConfig(ca_pem=broken))


async def test_send_names_the_callers_tls_fields(
    tls_server: httpbin.TestServer, ctx: Context, failure: Failure
) -> None:
    fields = client.FieldNames(tls=FIELDS)
    broken = client.TlsConfig(
        ca_pem="-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    )
    with pytest.raises(InputError) as raised:
        await client.send(
            client.Request("GET", "https://localhost:9/", tls=broken, fields=fields), ctx
        )
    assert raised.value.field == "smtp.caCertificate"
    error = await failure(f"{tls_server.url}/get", fields=fields)
    assert error.message.endswith("; set smtp.caCertificate for a private CA")
