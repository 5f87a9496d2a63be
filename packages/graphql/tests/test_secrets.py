"""No secret reaches a result, an error or a log line: neither where the server echoes it
(data, GraphQL error messages), nor in the failures of the HTTP stack and TLS, nor when a
process wrote a credential straight into the URL."""

from __future__ import annotations

import json
import logging

import pytest
from graphql_server import TOKEN, GraphqlServer

from tasklink.core import Completed, RedactingFilter, Redactor
from tasklink.graphql import connector
from tasklink.testing import arun_job, run_job


def test_a_token_echoed_in_the_data_comes_back_masked(graphql_server: GraphqlServer) -> None:
    outcome = run_job(
        connector,
        {
            "url": f"{graphql_server.url}/graphql",
            "query": '{ auth: header(name: "Authorization") id: header(name: "X-Session") }',
            "headers": {"X-Session": "session {{secrets.SESSION}}"},
            "authentication": {"type": "bearer", "token": "{{secrets.TOKEN}}"},
        },
        secrets={"TOKEN": TOKEN, "SESSION": "session-secret-8d2"},
        headers={"resultVariable": "reply"},
    )
    assert isinstance(outcome, Completed), outcome
    # Both were sent (the server saw them), and the result shows them masked.
    seen = graphql_server.requests[-1].headers
    assert (seen["authorization"], seen["x-session"]) == (
        f"Bearer {TOKEN}",
        "session session-secret-8d2",
    )
    assert outcome.output["data"] == {"auth": "Bearer ***", "id": "session ***"}
    assert TOKEN not in json.dumps(outcome.variables)


def test_a_secret_in_a_graphql_error_message_is_masked(graphql_server: GraphqlServer) -> None:
    outcome = run_job(
        connector,
        {
            "url": f"{graphql_server.url}/graphql",
            "query": "mutation Cancel($id: ID!) { cancelOrder(id: $id) { id } }",
            "variables": {"id": "{{secrets.ORDER}}"},
        },
        secrets={"ORDER": "order-secret-31c"},
    )
    assert (outcome.kind, outcome.code) == ("failed", "GRAPHQL_ERROR")
    # The server said "No order order-secret-31c": in the message and in the variables.
    assert outcome.message.endswith("failed with GraphQL errors: No order ***")
    assert outcome.variables["errors"][0]["message"] == "No order ***"
    assert "order-secret-31c" not in repr(outcome)


async def test_a_credential_written_into_the_url_stays_out_of_errors_and_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Not a {{secrets.*}} placeholder, so nothing tells the redactor: the messages of the
    # client and of httpx's failures must not carry the URL's query or user info.
    redactor = Redactor()
    caplog.handler.addFilter(RedactingFilter(redactor))
    caplog.set_level(logging.DEBUG)
    outcome = await arun_job(
        connector,
        {"url": "http://127.0.0.1:9/graphql?api_key=literal-key-77", "query": "{ hello }"},
        redactor=redactor,
    )
    assert (outcome.kind, outcome.code) == ("failed", "CONNECTION_FAILED")
    assert outcome.message.startswith("POST http://127.0.0.1:9/graphql failed")
    # User info in the URL is refused as the REST connector refuses it, without echoing it.
    refused = await arun_job(
        connector,
        {"url": "http://reader:literal-password-4@127.0.0.1:9/graphql", "query": "{ hello }"},
        redactor=redactor,
    )
    assert (refused.kind, refused.code) == ("failed", "INVALID_INPUT")
    assert "must not contain credentials" in refused.message
    everything = repr(outcome) + repr(refused) + caplog.text
    assert "GraphQL anonymous query over POST to http://127.0.0.1:9/graphql" in caplog.text
    for secret in ("literal-key-77", "literal-password-4"):
        assert secret not in everything


def test_a_bad_client_key_is_named_without_its_content(graphql_server: GraphqlServer) -> None:
    key = (
        "-----BEGIN PRIVATE KEY-----\nbm90LWEta2V5LXNlY3JldC1tYXRlcmlhbA==\n"
        "-----END PRIVATE KEY-----"
    )
    certificate = "-----BEGIN CERTIFICATE-----\nbm90LWEtY2VydA==\n-----END CERTIFICATE-----"
    outcome = run_job(
        connector,
        {
            "url": f"{graphql_server.url.replace('http:', 'https:')}/graphql",
            "query": "{ hello }",
            "tls": {"clientCertificate": certificate, "clientKey": "{{secrets.KEY}}"},
        },
        secrets={"KEY": key},
    )
    assert (outcome.kind, outcome.code) == ("failed", "INVALID_INPUT"), outcome
    assert "tls.clientCertificate" in outcome.message
    assert "bm90LWEta2V5" not in repr(outcome)
