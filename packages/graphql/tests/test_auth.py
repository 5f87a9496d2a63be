"""Authentication and TLS: the REST connector's models, applied by the shared client,
against the GraphQL test server (which tells who it took the caller for) and the OAuth 2.0
token endpoint of ``tasklink.testing.httpbin``."""

from __future__ import annotations

from typing import Any

import pytest
import trustme
from graphql_server import API_KEY, PASSWORD, TOKEN, USER, GraphqlServer

from tasklink.core import Completed, Failed
from tasklink.graphql import connector
from tasklink.testing import httpbin, run_job

ME = "{ me { name scheme } }"


def pem(blob: Any) -> str:
    return str(blob.bytes().decode())


def me(url: str, authentication: dict[str, Any], **secrets: str) -> Completed | Failed:
    outcome = run_job(
        connector,
        {"url": url, "query": ME, "authentication": authentication},
        secrets=secrets,
    )
    assert isinstance(outcome, Completed | Failed), outcome
    return outcome


@pytest.mark.parametrize(
    ("authentication", "secrets", "who"),
    [
        ({"type": "bearer", "token": "{{secrets.T}}"}, {"T": TOKEN}, "token holder"),
        # A pasted "Bearer " prefix is dropped, as in the REST connector.
        ({"type": "bearer", "token": "Bearer {{secrets.T}}"}, {"T": TOKEN}, "token holder"),
        (
            {"type": "basic", "username": USER, "password": "{{secrets.P}}"},
            {"P": PASSWORD},
            USER,
        ),
        (
            {"type": "api_key", "name": "X-API-Key", "value": "{{secrets.K}}"},
            {"K": API_KEY},
            "key holder",
        ),
        (
            {"type": "api_key", "location": "query", "name": "api_key", "value": "{{secrets.K}}"},
            {"K": API_KEY},
            "key holder",
        ),
    ],
)
def test_each_scheme_reaches_the_private_endpoint(
    graphql_server: GraphqlServer,
    authentication: dict[str, Any],
    secrets: dict[str, str],
    who: str,
) -> None:
    outcome = me(f"{graphql_server.url}/private/graphql", authentication, **secrets)
    assert isinstance(outcome, Completed), outcome
    assert outcome.output["data"]["me"]["name"] == who


def test_wrong_credentials_are_refused_by_the_server(graphql_server: GraphqlServer) -> None:
    url = f"{graphql_server.url}/private/graphql"
    outcome = me(url, {"type": "bearer", "token": "{{secrets.T}}"}, T="not-the-token-1")
    assert (outcome.kind, outcome.code) == ("failed", "UNAUTHORIZED")
    # The open endpoint answers, but the field needs a caller: a GraphQL error.
    open_endpoint = f"{graphql_server.url}/graphql"
    outcome = me(open_endpoint, {"type": "basic", "username": USER, "password": "wrong-pass-1"})
    assert (outcome.kind, outcome.code) == ("failed", "GRAPHQL_ERROR")
    assert outcome.variables["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}


def test_oauth2_client_credentials_fetch_and_cache_a_token(
    graphql_server: GraphqlServer, server: httpbin.TestServer
) -> None:
    server.oauth.clients["graphql-client"] = "graphql-client-secret-1"
    server.oauth.requests.clear()
    oauth = {
        "type": "oauth2_client_credentials",
        "tokenUrl": f"{server.url}/oauth/token",
        "clientId": "graphql-client",
        "clientSecret": "{{secrets.SECRET}}",
        "scopes": "orders:read",
    }
    url = f"{graphql_server.url}/private/graphql"
    for _ in range(2):
        outcome = me(url, oauth, SECRET="graphql-client-secret-1")
        assert isinstance(outcome, Completed), outcome
        assert outcome.output["data"]["me"]["scheme"] == "bearer"
    # The second job used the cached token.
    assert [r["form"]["scope"] for r in server.oauth.requests] == ["orders:read"]
    refused = me(url, oauth, SECRET="wrong-secret-1")
    # The cached token is per credentials: the wrong secret asks, and is refused.
    assert (refused.kind, refused.code) == ("failed", "AUTHENTICATION_FAILED")


def test_https_with_the_servers_ca_and_a_client_certificate(
    graphql_tls_server: GraphqlServer, httpbin_ca: trustme.CA
) -> None:
    url = f"{graphql_tls_server.url}/graphql"
    query = "{ hello clientCertificate }"
    untrusted = run_job(connector, {"url": url, "query": query})
    assert (untrusted.kind, untrusted.code, untrusted.retries) == ("failed", "TLS_FAILED", 0)

    trusted = run_job(
        connector, {"url": url, "query": query, "tls": {"caCertificate": pem(httpbin_ca.cert_pem)}}
    )
    assert isinstance(trusted, Completed), trusted
    assert trusted.output["data"] == {"hello": "Hello world", "clientCertificate": None}

    identity = httpbin_ca.issue_cert("graphql-client@example.com", common_name="graphql-client")
    mutual = run_job(
        connector,
        {
            "url": url,
            "query": query,
            "tls": {
                "caCertificate": pem(httpbin_ca.cert_pem),
                "clientCertificate": pem(identity.cert_chain_pems[0]),
                "clientKey": "{{secrets.KEY}}",
            },
        },
        secrets={"KEY": pem(identity.private_key_pem)},
    )
    assert isinstance(mutual, Completed), mutual
    assert mutual.output["data"]["clientCertificate"] == "graphql-client"

    unverified = run_job(connector, {"url": url, "query": query, "tls": {"verify": False}})
    assert isinstance(unverified, Completed), unverified
