"""TLS towards an S3 endpoint follows the trust policy every tasklink connection shares
(``tasklink.client.ca_bundle_file``: certifi's list or the operator's ``SSL_CERT_FILE`` /
``SSL_CERT_DIR``, plus ``caCertificate``), against moto serving HTTPS with a throwaway
CA's certificate."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from moto_server import ACCESS_KEY, SECRET_KEY, MotoServer, start_moto_server

from tasklink.s3 import connector
from tasklink.s3._client import close_clients
from tasklink.testing import run_job


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def tls_moto(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """moto over HTTPS, with a certificate of ``ca`` for 127.0.0.1."""
    folder = tmp_path_factory.mktemp("moto-tls")
    chain, key = folder / "server.pem", folder / "server.key"
    leaf = ca.issue_cert("127.0.0.1", "localhost")
    leaf.cert_chain_pems[0].write_to_path(str(chain))
    leaf.private_key_pem.write_to_path(str(key))
    server = start_moto_server(tls=(str(chain), str(key)))
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _isolated(outbound_isolation: None) -> Iterator[None]:
    """No CA store of the machine; no client cached under another test's environment."""
    yield
    close_clients()


def pem(ca: trustme.CA) -> str:
    return ca.cert_pem.bytes().decode("ascii")


def create_bucket(server: MotoServer, **tls: Any) -> Any:
    variables = {
        "endpoint": server.url,
        "pathStyle": True,
        "region": "us-east-1",
        "authentication": {"type": "credentials", "accessKey": ACCESS_KEY, "secretKey": SECRET_KEY},
        "bucket": f"tls-{uuid.uuid4().hex[:16]}",
        "maxAttempts": 1,
        **tls,
    }
    return run_job(connector, variables, operation="create_bucket")


def test_a_ca_certificate_is_trusted_and_verification_is_on_by_default(
    tls_moto: MotoServer, ca: trustme.CA
) -> None:
    assert create_bucket(tls_moto, caCertificate=pem(ca)).kind == "completed"
    refused = create_bucket(tls_moto)  # certifi's list does not know the CA
    assert (refused.code, refused.retries) == ("TLS_FAILED", 0), refused


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_verification_can_be_turned_off(tls_moto: MotoServer) -> None:
    assert create_bucket(tls_moto, verifyTls=False).kind == "completed"


def test_the_operators_store_stays_trusted_beside_a_ca_certificate(
    tls_moto: MotoServer, ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The endpoint's CA is in the operator's hashed directory, the job names another CA:
    # both are trusted, as by every other tasklink connection.
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command hashes the CA directory")
    folder = tmp_path / "certs"
    folder.mkdir()
    ca.cert_pem.write_to_path(str(folder / "operator-ca.pem"))
    subprocess.run([openssl, "rehash", str(folder)], check=True, capture_output=True)
    monkeypatch.setenv("SSL_CERT_DIR", str(folder))
    assert create_bucket(tls_moto).kind == "completed"
    outcome = create_bucket(tls_moto, caCertificate=pem(trustme.CA()))
    assert outcome.kind == "completed", outcome


def test_an_unreadable_ca_certificate_names_the_field(tls_moto: MotoServer) -> None:
    outcome = create_bucket(tls_moto, caCertificate="not a certificate")
    assert (outcome.code, outcome.retries) == ("INVALID_INPUT", 0), outcome
    assert outcome.message == "caCertificate: not a readable PEM certificate"
