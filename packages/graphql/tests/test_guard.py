"""The operator's outbound policy (the shared client's guard) applies to GraphQL jobs: the
endpoint and the OAuth 2.0 token URL are checked after DNS, before anything is sent."""

from __future__ import annotations

import pytest
from graphql_server import GraphqlServer

from tasklink.core import Completed
from tasklink.graphql import connector
from tasklink.testing import httpbin, run_job


def localhost(url: str) -> str:
    return url.replace("127.0.0.1", "localhost")


def test_private_networks_blocked_refuses_the_endpoint_before_sending(
    graphql_server: GraphqlServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS", "true")
    url = localhost(f"{graphql_server.url}/graphql")
    outcome = run_job(connector, {"url": url, "query": "{ hello }"}, retries=3)
    assert (outcome.kind, outcome.code, outcome.retries) == ("failed", "BLOCKED_ADDRESS", 0)
    assert "refused by the outbound policy" in outcome.message
    assert "127.0.0.1" not in outcome.message  # the host is refused, not its address
    assert graphql_server.requests == []


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TASKLINK_HTTP_ALLOWED_NETWORKS", "127.0.0.0/8"),
        ("TASKLINK_HTTP_ALLOWED_HOSTS", "localhost"),
    ],
)
def test_an_allowed_network_or_host_is_reached(
    graphql_server: GraphqlServer, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv("TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS", "true")
    monkeypatch.setenv(variable, value)
    url = localhost(f"{graphql_server.url}/graphql")
    outcome = run_job(connector, {"url": url, "query": "{ hello }"})
    assert isinstance(outcome, Completed), outcome
    assert outcome.output["data"] == {"hello": "Hello world"}


def test_a_blocked_network_is_refused_on_its_own(
    graphql_server: GraphqlServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKLINK_HTTP_BLOCKED_NETWORKS", "127.0.0.1/32")
    outcome = run_job(connector, {"url": f"{graphql_server.url}/graphql", "query": "{ hello }"})
    assert (outcome.kind, outcome.code) == ("failed", "BLOCKED_ADDRESS")
    assert graphql_server.requests == []


def test_cloud_metadata_addresses_are_always_refused() -> None:
    # No policy set: link-local addresses are refused all the same, before any connection.
    outcome = run_job(
        connector,
        {
            "url": "http://169.254.169.254/graphql",
            "query": "{ hello }",
            "connectionTimeoutInSeconds": 1,
        },
    )
    assert (outcome.kind, outcome.code, outcome.retries) == ("failed", "BLOCKED_ADDRESS", 0)


def test_the_token_url_passes_the_guard_too(
    graphql_server: GraphqlServer, server: httpbin.TestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS", "true")
    monkeypatch.setenv("TASKLINK_HTTP_ALLOWED_HOSTS", "localhost")  # the endpoint's host only
    server.oauth.clients["guarded-client"] = "guarded-secret-1"
    server.oauth.requests.clear()
    outcome = run_job(
        connector,
        {
            "url": localhost(f"{graphql_server.url}/private/graphql"),
            "query": "{ me { name } }",
            "authentication": {
                "type": "oauth2_client_credentials",
                "tokenUrl": f"{server.url}/oauth/token",  # 127.0.0.1: not allowed
                "clientId": "guarded-client",
                "clientSecret": "guarded-secret-1",
            },
        },
    )
    assert (outcome.kind, outcome.code) == ("failed", "BLOCKED_ADDRESS")
    assert server.oauth.requests == []
    assert graphql_server.requests == []
