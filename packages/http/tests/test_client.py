"""The connector's use of the shared client (``tasklink.client``, tested in its own package):
its field names in the client's messages, its shutdown, and one job through each of the
guard, OAuth, TLS and redirects to show the client's behaviour reaches the connector."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any, NoReturn

import pytest
import trustme

from tasklink import client
from tasklink.client import _pool
from tasklink.core import Completed, ConnectorError, Context, Failed
from tasklink.http import connector
from tasklink.testing import arun_job


def pem(blob: Any) -> str:
    return blob.bytes().decode()


@pytest.fixture
def full_backlog() -> Iterator[int]:
    """A port whose accept queue is full: new connections hang until they time out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    filler = socket.create_connection(("127.0.0.1", port))
    yield port
    filler.close()
    listener.close()


# -- its field names in the client's messages --------------------------------------------------


async def test_the_clients_messages_name_the_connectors_fields(
    server: Any, tls_server: Any, ca: trustme.CA, full_backlog: int
) -> None:
    other = ca.issue_cert("other@example.com")
    cases: list[tuple[dict[str, Any], str, str]] = [
        (
            {"url": f"http://127.0.0.1:{full_backlog}/", "connectionTimeoutInSeconds": 0.2},
            "TIMEOUT",
            "no connection within 0.2 s (connectionTimeoutInSeconds)",
        ),
        (
            {"url": f"{server.url}/delay/1", "readTimeoutInSeconds": 0.2},
            "TIMEOUT",
            "no response data within 0.2 s (readTimeoutInSeconds)",
        ),
        (
            {"url": f"{server.url}/delay/1", "totalTimeoutInSeconds": 0.2},
            "TIMEOUT",
            "not finished within 0.2 s (totalTimeoutInSeconds)",
        ),
        (
            {"url": f"{server.url}/bytes/600", "maxResponseBytes": 500},
            "RESPONSE_TOO_LARGE",
            "larger than maxResponseBytes (500 bytes); raise the limit",
        ),
        (
            {"url": f"{server.url}/redirect-loop", "followRedirects": True, "maxRedirects": 1},
            "TOO_MANY_REDIRECTS",
            "more than 1 redirects (maxRedirects)",
        ),
        ({"url": f"{tls_server.url}/get"}, "TLS_FAILED", "set tls.caCertificate for a private"),
        (
            {
                "url": "https://localhost:9/",
                "tls": {
                    "clientCertificate": pem(ca.issue_cert("one@example.com").cert_chain_pems[0]),
                    "clientKey": pem(other.private_key_pem),
                },
            },
            "INVALID_INPUT",
            "tls.clientCertificate: the client certificate and key could not be loaded",
        ),
        (
            {
                "url": f"{server.url}/get",
                "authentication": {
                    "type": "oauth2_client_credentials",
                    "tokenUrl": "http://xn--a.example/token",  # not decodable IDNA
                    "clientId": "a",
                    "clientSecret": "secret-value",
                },
            },
            "INVALID_INPUT",
            "authentication.tokenUrl: ",
        ),
    ]
    for variables, code, says in cases:
        outcome = await arun_job(connector, variables)
        assert isinstance(outcome, Failed), outcome
        assert outcome.code == code, outcome
        assert says in outcome.message, outcome.message


@pytest.mark.parametrize("store_response", [False, True])
async def test_a_default_request_has_a_total_deadline_of_60_seconds(
    monkeypatch: pytest.MonkeyPatch, store_response: bool
) -> None:
    # What the connector hands the shared client, which enforces it (tested there).
    handed: list[client.Request] = []

    def taken(request: client.Request) -> NoReturn:
        handed.append(request)
        raise ConnectorError("taken", code="TAKEN", retryable=False)

    async def send(request: client.Request, ctx: Context) -> client.Response:
        taken(request)

    @contextlib.asynccontextmanager
    async def stream(request: client.Request, ctx: Context) -> AsyncIterator[Any]:
        taken(request)
        yield

    monkeypatch.setattr(client, "send", send)
    monkeypatch.setattr(client, "stream", stream)
    variables = {"url": "https://api.example.com/orders", "storeResponse": store_response}
    outcome = await arun_job(connector, variables)
    assert isinstance(outcome, Failed) and outcome.code == "TAKEN", outcome
    [request] = handed
    assert request.timeouts == client.Timeouts(connect=20.0, read=20.0, total=60.0)
    assert request.fields.total_timeout == "totalTimeoutInSeconds"


async def test_shutdown_closes_the_pooled_clients(server: Any) -> None:
    assert isinstance(await arun_job(connector, {"url": f"{server.url}/get"}), Completed)
    [pooled] = _pool._states[asyncio.get_running_loop()].clients.values()
    await connector.aclose()
    assert pooled.client.is_closed
    assert asyncio.get_running_loop() not in _pool._states


# -- the client's behaviour, through the connector ---------------------------------------------


async def test_a_refused_address_fails_the_job_without_retries(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS", "true")
    before = len(server.log)
    url = f"{server.url.replace('127.0.0.1', 'localhost')}/get"
    outcome = await arun_job(connector, {"url": url}, retries=3)
    assert isinstance(outcome, Failed), outcome
    assert (outcome.code, outcome.retries) == ("BLOCKED_ADDRESS", 0)
    assert "127.0.0.1" not in outcome.message  # the host is refused, not its address
    assert len(server.log) == before


async def test_an_oauth_job_maps_its_fields_and_caches_the_token(server: Any) -> None:
    oauth = server.oauth
    oauth.clients["job-client"] = "job-client-secret-1"
    oauth.requests.clear()
    job = {
        "url": f"{server.url}/bearer",
        "authentication": {
            "type": "oauth2_client_credentials",
            "tokenUrl": f"{server.url}/oauth/token",
            "clientId": "job-client",
            "clientSecret": "{{secrets.CLIENT_SECRET}}",
            "clientAuthentication": "body",
            "audience": "https://api.example",
            "scopes": "read,  write",
        },
    }
    for _ in range(2):
        outcome = await arun_job(connector, job, secrets={"CLIENT_SECRET": "job-client-secret-1"})
        assert isinstance(outcome, Completed), outcome
        # The server echoes the token; the job's result has it masked.
        assert outcome.output["body"] == {"authenticated": True, "token": "***"}
    assert [request["form"] for request in oauth.requests] == [
        {
            "grant_type": "client_credentials",
            "client_id": "job-client",
            "client_secret": "job-client-secret-1",
            "audience": "https://api.example",
            "scope": "read write",
        }
    ]


async def test_a_tls_job_maps_its_ca_and_client_identity(tls_server: Any, ca: trustme.CA) -> None:
    from cryptography.hazmat.primitives import serialization

    identity = ca.issue_cert("svc@example.com", common_name="encrypted-key-client")
    private = serialization.load_pem_private_key(identity.private_key_pem.bytes(), None)
    encrypted = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"key-password-1"),
    ).decode()
    tls = {
        "caCertificate": pem(ca.cert_pem),
        "clientCertificate": pem(identity.cert_chain_pems[0]),
        "clientKey": "{{secrets.CLIENT_KEY}}",
        "clientKeyPassword": "{{secrets.KEY_PASSWORD}}",
    }
    outcome = await arun_job(
        connector,
        {"url": f"{tls_server.url}/get", "tls": tls},
        secrets={"CLIENT_KEY": encrypted, "KEY_PASSWORD": "key-password-1"},
    )
    assert isinstance(outcome, Completed), outcome
    assert outcome.output["body"]["clientCertificate"] == "encrypted-key-client"
    unverified = await arun_job(
        connector, {"url": f"{tls_server.url}/get", "tls": {"verify": False}}
    )
    assert isinstance(unverified, Completed), unverified


async def test_a_redirect_to_another_origin_is_followed_without_credentials(server: Any) -> None:
    other = server.url.replace("127.0.0.1", "localhost")
    outcome = await arun_job(
        connector,
        {
            "url": f"{server.url}/redirect-to",
            "queryParameters": {"url": f"{other}/anything"},
            "followRedirects": True,
            "authentication": {"type": "bearer", "token": "t0ken-value"},
        },
    )
    assert isinstance(outcome, Completed), outcome
    assert (outcome.output["status"], outcome.output["url"]) == (200, f"{other}/anything")
    assert "Authorization" not in outcome.output["body"]["headers"]
    assert server.log[-2]["headers"]["Authorization"] == "Bearer t0ken-value"
