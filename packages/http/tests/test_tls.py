"""TLS: certificate checks, extra CA certificates and client certificates (mutual TLS)."""

from __future__ import annotations

from typing import Any

import pytest
import trustme

from tasklink.core import Completed, Failed
from tasklink.http import connector
from tasklink.testing import arun_job


def pem(blob: Any) -> str:
    return blob.bytes().decode()


async def test_an_unknown_ca_is_a_tls_error_that_is_not_retried(tls_server: Any) -> None:
    outcome = await arun_job(connector, {"url": f"{tls_server.url}/get"})
    assert isinstance(outcome, Failed)
    assert outcome.code == "TLS_FAILED"
    assert outcome.retries == 0
    assert "tls.caCertificate" in outcome.message


async def test_an_extra_ca_certificate_is_trusted(tls_server: Any, ca: trustme.CA) -> None:
    outcome = await arun_job(
        connector,
        {"url": f"{tls_server.url}/get", "tls": {"caCertificate": pem(ca.cert_pem)}},
    )
    assert isinstance(outcome, Completed), outcome
    assert outcome.output["body"]["clientCertificate"] is None


async def test_verification_can_be_turned_off(tls_server: Any) -> None:
    outcome = await arun_job(connector, {"url": f"{tls_server.url}/get", "tls": {"verify": False}})
    assert isinstance(outcome, Completed), outcome


async def test_the_host_name_is_checked(localhost_tls_server: Any, ca: trustme.CA) -> None:
    # Same server, same CA: trusted as localhost, refused as 127.0.0.1 (not in the cert).
    tls = {"caCertificate": pem(ca.cert_pem)}
    ok = await arun_job(connector, {"url": f"{localhost_tls_server.url}/get", "tls": tls})
    assert isinstance(ok, Completed), ok
    by_address = localhost_tls_server.url.replace("localhost", "127.0.0.1")
    outcome = await arun_job(connector, {"url": f"{by_address}/get", "tls": tls})
    assert isinstance(outcome, Failed)
    assert outcome.code == "TLS_FAILED"
    assert outcome.retries == 0


@pytest.mark.parametrize("combined", [False, True])
async def test_client_certificate(tls_server: Any, ca: trustme.CA, combined: bool) -> None:
    client = ca.issue_cert("order-service@example.com", common_name="order-service")
    chain = "".join(pem(blob) for blob in client.cert_chain_pems)
    key = pem(client.private_key_pem)
    tls = {"caCertificate": pem(ca.cert_pem)}
    if combined:
        tls["clientCertificate"] = chain + key
    else:
        tls["clientCertificate"] = chain
        tls["clientKey"] = "{{secrets.CLIENT_KEY}}"
    outcome = await arun_job(
        connector,
        {"url": f"{tls_server.url}/get", "tls": tls},
        secrets={"CLIENT_KEY": key},
    )
    assert isinstance(outcome, Completed), outcome
    assert outcome.output["body"]["clientCertificate"] == "order-service"


async def test_an_encrypted_client_key_with_its_password(tls_server: Any, ca: trustme.CA) -> None:
    from cryptography.hazmat.primitives import serialization

    client = ca.issue_cert("svc@example.com", common_name="encrypted-key-client")
    private = serialization.load_pem_private_key(client.private_key_pem.bytes(), None)
    encrypted = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"key-password-1"),
    ).decode()
    tls = {
        "caCertificate": pem(ca.cert_pem),
        "clientCertificate": pem(client.cert_chain_pems[0]),
        "clientKey": encrypted,
    }
    ok = await arun_job(
        connector,
        {"url": f"{tls_server.url}/get", "tls": {**tls, "clientKeyPassword": "key-password-1"}},
    )
    assert isinstance(ok, Completed), ok
    assert ok.output["body"]["clientCertificate"] == "encrypted-key-client"
    wrong = await arun_job(
        connector,
        {"url": f"{tls_server.url}/get", "tls": {**tls, "clientKeyPassword": "wrong-password"}},
    )
    assert isinstance(wrong, Failed)
    assert (wrong.code, wrong.input_error) == ("INVALID_INPUT", True)
    assert "tls.clientCertificate" in wrong.message
    assert "wrong-password" not in repr(wrong)


async def test_a_key_that_does_not_match_the_certificate(ca: trustme.CA) -> None:
    one = ca.issue_cert("one@example.com")
    other = ca.issue_cert("other@example.com")
    outcome = await arun_job(
        connector,
        {
            "url": "https://localhost:9/",
            "tls": {
                "clientCertificate": pem(one.cert_chain_pems[0]),
                "clientKey": pem(other.private_key_pem),
            },
        },
    )
    assert isinstance(outcome, Failed)
    assert outcome.input_error
    assert outcome.code == "INVALID_INPUT"


async def test_unreadable_ca_certificate(ca: trustme.CA) -> None:
    broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    outcome = await arun_job(
        connector, {"url": "https://localhost:9/", "tls": {"caCertificate": broken}}
    )
    assert isinstance(outcome, Failed)
    assert outcome.input_error
    assert "tls.caCertificate" in outcome.message
