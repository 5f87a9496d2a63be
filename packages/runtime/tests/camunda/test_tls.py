"""TLS towards a self-managed Camunda: a private CA (``CAMUNDA_MTLS_CA*``) and a client
certificate (``CAMUNDA_MTLS_CERT*`` / ``CAMUNDA_MTLS_KEY*``), over REST (gateway and OAuth
token endpoint) and gRPC, against fakes serving certificates of a throwaway CA."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from camunda_fakes import JobStore, WorkerHarness
from camunda_fakes.rest import OAUTH, FakeRestGateway

from tasklink.client import tokens
from tasklink.core import Redactor
from tasklink.runtime import EngineError, SettingsError, load_settings
from tasklink.runtime.camunda import (
    ActivationRequest,
    AuthenticationError,
    CamundaSettings,
    GatewayError,
    build_gateway,
)
from tasklink.testing.fixtures import echo

ECHO = echo.job_type


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def client_cert(ca: trustme.CA) -> trustme.LeafCert:
    return ca.issue_cert("tasklink-worker@example.org")


def _server_context(ca: trustme.CA, *, client_certs: bool) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    if client_certs:
        context.verify_mode = ssl.CERT_REQUIRED
        ca.configure_trust(context)
    return context


async def _gateway(
    store: JobStore, spec: Any, ca: trustme.CA, *, client_certs: bool = False, **kwargs: Any
) -> AsyncIterator[FakeRestGateway]:
    fake = FakeRestGateway(store, spec, **kwargs)
    await fake.start(ssl_context=_server_context(ca, client_certs=client_certs))
    try:
        yield fake
    finally:
        await fake.stop()
    assert fake.violations == []


@pytest.fixture
async def tls_gateway(
    store: JobStore, camunda_spec: Any, ca: trustme.CA
) -> AsyncIterator[FakeRestGateway]:
    """HTTPS with OAuth: the gateway and its token endpoint both serve the private CA's cert."""
    async for fake in _gateway(store, camunda_spec, ca, auth="oauth", oauth_client=OAUTH):
        yield fake


@pytest.fixture
async def mtls_gateway(
    store: JobStore, camunda_spec: Any, ca: trustme.CA
) -> AsyncIterator[FakeRestGateway]:
    """HTTPS that refuses a client without a certificate of the private CA."""
    async for fake in _gateway(store, camunda_spec, ca, client_certs=True):
        yield fake


@pytest.fixture
async def mtls_oauth_gateway(
    store: JobStore, camunda_spec: Any, ca: trustme.CA
) -> AsyncIterator[FakeRestGateway]:
    """mTLS with OAuth: the token endpoint, on the same server, wants the certificate too."""
    fake = _gateway(store, camunda_spec, ca, client_certs=True, auth="oauth", oauth_client=OAUTH)
    async for started in fake:
        yield started


def _pem(blob: trustme.Blob) -> str:
    return blob.bytes().decode("ascii")


async def _serves_a_job(store: JobStore, settings: CamundaSettings) -> None:
    job = store.add(ECHO, {"operation": "echo_message", "message": "Ada"})
    async with WorkerHarness((echo,), build_gateway(settings)):
        await store.wait_for(lambda: store.done(job))
    assert [o.kind for o in store.outcomes_of(job.key)] == ["complete"]


async def _activates(settings: CamundaSettings) -> None:
    """One activation goes through (the gateway has no job of the type)."""
    gateway = build_gateway(settings)
    try:  # a request timeout of -1: no long poll
        assert await gateway.activate(ActivationRequest(ECHO, "w", 1000, 1, -1)) == []
    finally:
        await gateway.aclose()


async def _activation_error(settings: CamundaSettings) -> GatewayError:
    gateway = build_gateway(settings)
    try:
        with pytest.raises(GatewayError) as info:
            await gateway.activate(ActivationRequest(ECHO, "w", 1000, 1, 0))
    finally:
        await gateway.aclose()
    return info.value


async def test_a_private_ca_is_trusted_by_the_gateway_and_token_clients(
    store: JobStore, tls_gateway: FakeRestGateway, ca: trustme.CA, tmp_path: Path
) -> None:
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    oauth = {
        "client_id": OAUTH.client_id,
        "client_secret": OAUTH.client_secret,
        "oauth_url": tls_gateway.token_url,
        "audience": OAUTH.audience,
    }
    await _serves_a_job(
        store,
        CamundaSettings(rest_address=tls_gateway.url, mtls_ca_path=str(ca_file), **oauth),
    )
    assert tls_gateway.token_requests, "the token came from the HTTPS identity provider"
    tokens.clear()  # as in a new process: the token must come through the token client's TLS
    untrusted = await _activation_error(CamundaSettings(rest_address=tls_gateway.url, **oauth))
    # The token request comes first: it fails, naming the setting that would fix it.
    assert isinstance(untrusted, AuthenticationError) and untrusted.status is None
    assert "certificate" in str(untrusted).lower() and "mtls_ca" in str(untrusted)


async def test_a_client_certificate_opens_an_mtls_gateway(
    store: JobStore,
    mtls_gateway: FakeRestGateway,
    ca: trustme.CA,
    client_cert: trustme.LeafCert,
    tmp_path: Path,
) -> None:
    # Inline PEM with literal "\n", as it comes from an environment variable.
    inline = {
        "mtls_ca": _pem(ca.cert_pem).replace("\n", "\\n"),
        "mtls_cert": _pem(client_cert.cert_chain_pems[0]).replace("\n", "\\n"),
        "mtls_key": _pem(client_cert.private_key_pem).replace("\n", "\\n"),
    }
    await _serves_a_job(store, CamundaSettings(rest_address=mtls_gateway.url, **inline))
    refused = await _activation_error(
        CamundaSettings(rest_address=mtls_gateway.url, mtls_ca=inline["mtls_ca"])
    )
    assert refused.status is None


async def test_the_token_endpoint_is_reached_with_the_client_certificate(
    store: JobStore,
    mtls_oauth_gateway: FakeRestGateway,
    ca: trustme.CA,
    client_cert: trustme.LeafCert,
    tmp_path: Path,
) -> None:
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    client_cert.cert_chain_pems[0].write_to_path(str(cert_file))
    client_cert.private_key_pem.write_to_path(str(key_file))
    settings = CamundaSettings(
        rest_address=mtls_oauth_gateway.url,
        client_id=OAUTH.client_id,
        client_secret=OAUTH.client_secret,
        oauth_url=mtls_oauth_gateway.token_url,
        audience=OAUTH.audience,
        mtls_ca=_pem(ca.cert_pem),
        mtls_cert_path=str(cert_file),  # files, as given
        mtls_key_path=str(key_file),
    )
    await _serves_a_job(store, settings)
    assert len(mtls_oauth_gateway.token_requests) == 1
    anonymous = settings.model_copy(update={"mtls_cert_path": None, "mtls_key_path": None})
    tokens.clear()  # as in a new process
    refused = await _activation_error(anonymous)
    assert isinstance(refused, AuthenticationError) and refused.status is None
    assert len(mtls_oauth_gateway.token_requests) == 1  # the handshake refused it


async def test_an_encrypted_key_loads_with_its_passphrase_and_is_registered_as_a_secret(
    store: JobStore,
    mtls_gateway: FakeRestGateway,
    ca: trustme.CA,
    client_cert: trustme.LeafCert,
) -> None:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(client_cert.private_key_pem.bytes(), None)
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"open-sesame-42"),
    ).decode("ascii")
    settings = CamundaSettings(
        rest_address=mtls_gateway.url,
        mtls_ca=_pem(ca.cert_pem),
        mtls_cert=_pem(client_cert.cert_chain_pems[0]),
        mtls_key=encrypted,
        mtls_key_passphrase="open-sesame-42",
    )
    redactor = Redactor()
    gateway = build_gateway(settings, redactor)
    await gateway.aclose()
    assert "open-sesame-42" in redactor and encrypted in redactor
    await _serves_a_job(store, settings)

    wrong = settings.model_copy(update={"mtls_key_passphrase": None})
    with pytest.raises(EngineError, match="mtls_cert / mtls_key") as info:
        build_gateway(wrong)
    assert "BEGIN" not in str(info.value)
    grpc = settings.model_copy(update={"protocol": "grpc"})
    with pytest.raises(EngineError, match="unencrypted private key"):
        build_gateway(grpc)


async def test_grpc_trusts_the_private_ca_and_presents_the_client_certificate(
    store: JobStore, ca: trustme.CA, client_cert: trustme.LeafCert
) -> None:
    pytest.importorskip("pyzeebe", reason="the gRPC adapter needs tasklink-runtime[zeebe]")
    import grpc
    from camunda_fakes.zeebe import FakeZeebe

    server = ca.issue_cert("127.0.0.1", "localhost")
    credentials = grpc.ssl_server_credentials(
        [(server.private_key_pem.bytes(), server.cert_chain_pems[0].bytes())],
        root_certificates=ca.cert_pem.bytes(),
        require_client_auth=True,
    )
    zeebe = FakeZeebe(store)
    address = await zeebe.start(credentials)
    try:
        await _serves_a_job(
            store,
            CamundaSettings(
                protocol="grpc",
                grpc_address=address,  # a bare host:port: the TLS material turns TLS on
                mtls_ca=_pem(ca.cert_pem),
                mtls_cert=_pem(client_cert.cert_chain_pems[0]),
                mtls_key=_pem(client_cert.private_key_pem),
            ),
        )
    finally:
        await zeebe.stop()


@pytest.fixture
async def tls_zeebe(store: JobStore, ca: trustme.CA) -> AsyncIterator[str]:
    """A gRPC gateway over TLS with a certificate of the private CA (no client certificate
    asked); its address."""
    pytest.importorskip("pyzeebe", reason="the gRPC adapter needs tasklink-runtime[zeebe]")
    import grpc
    from camunda_fakes.zeebe import FakeZeebe

    server = ca.issue_cert("127.0.0.1", "localhost")
    credentials = grpc.ssl_server_credentials(
        [(server.private_key_pem.bytes(), server.cert_chain_pems[0].bytes())]
    )
    zeebe = FakeZeebe(store)
    address = await zeebe.start(credentials)
    try:
        yield address
    finally:
        await zeebe.stop()


async def test_grpc_trusts_the_shared_store_beside_a_private_ca(
    store: JobStore,
    tls_zeebe: str,
    ca: trustme.CA,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    outbound_isolation: None,
) -> None:
    # As over REST: the operator's store (here SSL_CERT_FILE, holding the gateway's CA)
    # is trusted on its own and beside mtls_ca, not replaced by it or by grpc's own list.
    corporate = tmp_path / "corporate.pem"
    ca.cert_pem.write_to_path(str(corporate))
    monkeypatch.setenv("SSL_CERT_FILE", str(corporate))
    grpc_tls = CamundaSettings(protocol="grpc", grpc_address=tls_zeebe, grpc_tls=True)
    await _activates(grpc_tls)
    await _activates(grpc_tls.model_copy(update={"mtls_ca": _pem(trustme.CA().cert_pem)}))
    monkeypatch.delenv("SSL_CERT_FILE")  # certifi's list alone does not know the CA
    refused = await _activation_error(grpc_tls)
    assert refused.status == 503, refused
    await _activates(grpc_tls.model_copy(update={"mtls_ca": _pem(ca.cert_pem)}))


async def test_grpc_refuses_an_unreadable_ca_at_start(outbound_isolation: None) -> None:
    pytest.importorskip("pyzeebe", reason="the gRPC adapter needs tasklink-runtime[zeebe]")
    settings = CamundaSettings(
        protocol="grpc", grpc_address="127.0.0.1:1", mtls_ca="not a certificate"
    )
    with pytest.raises(EngineError, match=r"^camunda mtls_ca: not a readable PEM certificate$"):
        build_gateway(settings)


def _load(tmp_path: Path, environ: dict[str, str]) -> CamundaSettings:
    config = tmp_path / "tasklink.toml"
    config.write_text("")
    runtime = load_settings({"engine": "camunda"}, environ=environ, config_file=config)
    return CamundaSettings.load(runtime, environ)


def test_camunda_mtls_variables_are_read_and_checked(
    tmp_path: Path, ca: trustme.CA, client_cert: trustme.LeafCert
) -> None:
    ca_file, cert_file, key_file = (tmp_path / n for n in ("ca.pem", "cert.pem", "key.pem"))
    ca.cert_pem.write_to_path(str(ca_file))
    client_cert.cert_chain_pems[0].write_to_path(str(cert_file))
    client_cert.private_key_pem.write_to_path(str(key_file))
    settings = _load(
        tmp_path,
        {
            "CAMUNDA_MTLS_CA_PATH": str(ca_file),
            "CAMUNDA_MTLS_CERT_PATH": str(cert_file),
            "CAMUNDA_MTLS_KEY_PATH": str(key_file),
        },
    )
    tls = settings.gateway_tls()
    assert tls is not None and tls.ca == ca.cert_pem.bytes()
    assert tls.key == client_cert.private_key_pem.bytes()
    inline = _load(
        tmp_path,
        {
            "CAMUNDA_MTLS_CERT_PATH": str(cert_file),
            "CAMUNDA_MTLS_KEY": _pem(client_cert.private_key_pem),
        },
    )
    assert "PRIVATE" not in repr(tls) + repr(inline) + repr(inline.gateway_tls())
    assert _load(tmp_path, {}).gateway_tls() is None

    with pytest.raises(SettingsError, match=r"mtls_ca_path \(from CAMUNDA_MTLS_CA_PATH\)"):
        _load(tmp_path, {"CAMUNDA_MTLS_CA_PATH": str(tmp_path / "missing.pem")})
    pasted = _pem(client_cert.private_key_pem)  # the PEM itself where a path belongs
    with pytest.raises(SettingsError, match="not a readable file") as info:
        _load(tmp_path, {"CAMUNDA_MTLS_CERT_PATH": str(cert_file), "CAMUNDA_MTLS_KEY_PATH": pasted})
    assert "PRIVATE" not in str(info.value)
    with pytest.raises(SettingsError, match="needs its private key"):
        _load(tmp_path, {"CAMUNDA_MTLS_CERT_PATH": str(cert_file)})
    with pytest.raises(SettingsError, match="needs the encrypted key"):
        _load(tmp_path, {"CAMUNDA_MTLS_KEY_PASSPHRASE": "pw"})
    with pytest.raises(EngineError, match="mtls_ca: not a readable PEM certificate"):
        build_gateway(_load(tmp_path, {"CAMUNDA_MTLS_CA": "not a certificate"}))


def test_inline_pem_and_its_file_are_one_setting_won_by_the_stronger_source(
    tmp_path: Path, ca: trustme.CA
) -> None:
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    stale = trustme.CA().cert_pem.bytes().decode("ascii")
    environ = {"TASKLINK_CAMUNDA_MTLS_CA_PATH": str(ca_file), "CAMUNDA_MTLS_CA": stale}
    tls = _load(tmp_path, environ).gateway_tls()
    assert tls is not None and tls.ca == ca.cert_pem.bytes()
    # Among Camunda's own variables, inline PEM wins, as in Camunda's SDK; a stale path
    # beside it is not even read.
    environ = {"CAMUNDA_MTLS_CA_PATH": str(tmp_path / "gone.pem"), "CAMUNDA_MTLS_CA": stale}
    tls = _load(tmp_path, environ).gateway_tls()
    assert tls is not None and tls.ca == stale.encode()


async def test_grpc_takes_a_passphrase_only_for_a_key_that_needs_none(
    ca: trustme.CA, client_cert: trustme.LeafCert
) -> None:
    pytest.importorskip("pyzeebe", reason="the gRPC adapter needs tasklink-runtime[zeebe]")
    settings = CamundaSettings(
        protocol="grpc",
        grpc_address="127.0.0.1:1",
        mtls_ca=_pem(ca.cert_pem),
        mtls_cert=_pem(client_cert.cert_chain_pems[0]),
        mtls_key=_pem(client_cert.private_key_pem),
        mtls_key_passphrase="unused",
    )
    gateway = build_gateway(settings)  # a plain key: the passphrase is not needed
    await gateway.aclose()
