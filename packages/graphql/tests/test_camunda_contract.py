"""Camunda's GraphQL connector contract (``io.camunda:connector-graphql:1``): its inputs,
the request it sends, its result and its errors, against the GraphQL test server.

(``tests/vendor/test_camunda_graphql.py`` applies Camunda's own templates, every version,
and runs the jobs through the Camunda worker.)"""

from __future__ import annotations

import json
from typing import Any

import pytest
from graphql_server import PASSWORD, TOKEN, USER, GraphqlServer

from tasklink.core import DOCUMENT_TYPE, Completed, Failed, Outcome
from tasklink.graphql import connector
from tasklink.graphql._contracts import camunda
from tasklink.testing import run_job


def run(variables: dict[str, Any], **options: Any) -> Outcome:
    # Engines hand a job every variable in scope: unknown ones are ignored (strict off).
    return run_job(camunda, variables, strict=False, **options)


def completed(variables: dict[str, Any], **options: Any) -> dict[str, Any]:
    outcome = run(variables, **options)
    assert isinstance(outcome, Completed), outcome
    output: dict[str, Any] = outcome.output
    return output


def failed(variables: dict[str, Any], **options: Any) -> Failed:
    outcome = run(variables, **options)
    assert isinstance(outcome, Failed), outcome
    return outcome


def task(server: GraphqlServer, path: str = "/graphql", **graphql: Any) -> dict[str, Any]:
    return {"graphql": {"url": f"{server.url}{path}", "method": "post", **graphql}}


def test_the_contract_is_declared_beside_the_connector() -> None:
    assert camunda in connector.contracts
    assert (camunda.engine, camunda.key) == ("camunda", "io.camunda:connector-graphql:1")
    assert camunda.legacy_secrets
    operation = camunda.get_operation()
    assert (operation.id, operation.target) == ("request", "._camunda:run")
    for code in ("GRAPHQL_ERROR", "400", "401", "408", "SSL_HANDSHAKE_FAILED", "OAUTH_TOKEN_ERROR"):
        assert code in camunda.errors


def test_post_sends_query_and_variables_and_returns_camundas_result(
    graphql_server: GraphqlServer,
) -> None:
    output = completed(
        task(
            graphql_server,
            query="query Order($id: ID!) { order(id: $id) { id status } }",
            variables={"id": "1"},
        )
    )
    assert set(output) == {"status", "headers", "body", "reason", "document"}
    assert (output["status"], output["reason"], output["document"]) == (200, "OK", None)
    assert output["body"]["data"] == {"order": {"id": "1", "status": "shipped"}}
    assert output["headers"]["X-Served-By"] == "graphql-test-server"  # names as sent
    [seen] = graphql_server.requests
    assert seen.method == "POST"
    assert seen.headers["content-type"] == "application/json"
    assert json.loads(seen.body) == {
        "query": "query Order($id: ID!) { order(id: $id) { id status } }",
        "variables": {"id": "1"},
    }


def test_get_sends_query_and_variables_as_query_parameters(graphql_server: GraphqlServer) -> None:
    output = completed(
        task(
            graphql_server,
            method="get",
            query="query Orders($s: String) { orders(status: $s) { id } }",
            variables='{"s": "new"}',  # JSON text, as Camunda's binding reads it
            headers='{"X-Tenant": "acme"}',
        )
    )
    assert output["body"]["data"] == {"orders": [{"id": "2"}]}
    [seen] = graphql_server.requests
    assert (seen.method, seen.body, seen.headers["x-tenant"]) == ("GET", b"", "acme")
    assert seen.query == {
        "query": ["query Orders($s: String) { orders(status: $s) { id } }"],
        "variables": ['{"s": "new"}'],
    }


def test_the_query_is_unescaped_as_camunda_does(graphql_server: GraphqlServer) -> None:
    # Text pasted from a JSON string: literal \n and \" sequences.
    output = completed(task(graphql_server, query='{\\n  hello(name: \\"Ada\\")\\n}'))
    assert output["body"]["data"] == {"hello": "Hello Ada"}
    assert json.loads(graphql_server.requests[-1].body) == {"query": '{  hello(name: "Ada")}'}


def test_graphql_errors_fail_as_camunda_fails_them(graphql_server: GraphqlServer) -> None:
    outcome = failed(task(graphql_server, query="{ hello flaky }"), retries=3)
    assert (outcome.code, outcome.message) == ("GRAPHQL_ERROR", "The flaky service is down")
    assert outcome.retries == 2  # Camunda's runtime retries every connector error
    response = outcome.variables["response"]
    assert response["body"]["data"] == {"hello": "Hello world", "flaky": None}
    assert response["body"]["errors"][0]["path"] == ["flaky"]
    assert response["headers"]["Content-Type"] == "application/json; charset=utf-8"
    # Camunda sends no Accept header: validation errors come as 200 with errors too.
    invalid = failed(task(graphql_server, query="{ nope }"))
    assert (invalid.code, invalid.message) == (
        "GRAPHQL_ERROR",
        "Cannot query field 'nope' on type 'Query'.",
    )


def test_errors_are_found_in_a_text_body_and_not_in_a_document(
    graphql_server: GraphqlServer,
) -> None:
    text = failed(
        {
            **task(graphql_server, query="{ flaky }"),
            "documentReturnFormat": {"choice": "TEXT", "encoding": "UTF-8"},
        }
    )
    assert text.code == "GRAPHQL_ERROR"
    assert text.variables["response"]["body"]["data"] == {"flaky": None}
    stored = completed(
        {**task(graphql_server, query="{ flaky }"), "documentReturnFormat": {"choice": "DOCUMENT"}}
    )
    assert stored["body"] is None
    assert stored["document"][DOCUMENT_TYPE] == "inline"
    legacy = completed({**task(graphql_server, query="{ hello }")})
    assert legacy["body"]["data"] == {"hello": "Hello world"}


def test_http_errors_keep_camundas_status_codes(graphql_server: GraphqlServer) -> None:
    refused = failed(task(graphql_server, "/private/graphql", query="{ hello }"))
    assert (refused.code, refused.message) == ("401", "Unauthorized")
    assert refused.variables["response"]["body"] == {
        "errors": [{"message": "Authentication required"}]
    }
    timed_out = failed(task(graphql_server, query="{ slow(seconds: 2) }", readTimeoutInSeconds=0.2))
    assert timed_out.code == "408"


@pytest.mark.parametrize(
    ("authentication", "where"),
    [
        ({"authentication": {"type": "bearer", "token": "{{secrets.TOKEN}}"}}, "bearer"),
        (
            {"authentication": {"type": "basic", "username": USER, "password": "secrets.PASSWORD"}},
            "basic",
        ),
        # A stored credential wins over the task's own authentication.
        (
            {
                "authentication": {"type": "noAuth"},
                "authenticationConfiguration": {
                    "authentication": {"type": "bearer", "token": "{{secrets.TOKEN}}"}
                },
            },
            "bearer",
        ),
    ],
)
def test_camundas_authentication(
    graphql_server: GraphqlServer, authentication: dict[str, Any], where: str
) -> None:
    variables = {**task(graphql_server, "/private/graphql", query="{ me { scheme } }")}
    output = completed(
        {**variables, **authentication}, secrets={"TOKEN": TOKEN, "PASSWORD": PASSWORD}
    )
    assert output["body"]["data"] == {"me": {"scheme": where}}


def test_the_token_where_templates_1_to_3_put_it(graphql_server: GraphqlServer) -> None:
    variables = task(
        graphql_server,
        "/private/graphql",
        query="{ me { scheme } }",
        authentication={"token": "{{secrets.TOKEN}}"},
    )
    output = completed(
        {**variables, "authentication": {"type": "bearer"}}, secrets={"TOKEN": TOKEN}
    )
    assert output["body"]["data"] == {"me": {"scheme": "bearer"}}


@pytest.mark.parametrize(
    ("variables", "code", "field"),
    [
        ({"graphql": {"method": "post", "query": "{ a }"}}, "MISSING_INPUT", "graphql.url"),
        (
            {"graphql": {"method": "post", "url": "http://x.example"}},
            "MISSING_INPUT",
            "graphql.query",
        ),
        (
            {"graphql": {"method": "post", "url": "http://x.example", "query": "  "}},
            "INVALID_INPUT",
            "graphql.query",
        ),
        ({}, "MISSING_INPUT", "graphql"),
        (
            {"graphql": {"method": "post", "url": "ftp://x.example", "query": "{ a }"}},
            "INVALID_INPUT",
            "graphql.url",
        ),
        (
            {"graphql": {"method": "fetch", "url": "http://x.example", "query": "{ a }"}},
            "INVALID_INPUT",
            "graphql.method",
        ),
        (
            {
                "graphql": {
                    "method": "post",
                    "url": "http://x.example",
                    "query": "{ a }",
                    "connectionTimeoutInSeconds": -1,
                }
            },
            "INVALID_INPUT",
            "graphql.connectionTimeoutInSeconds",
        ),
        (
            {
                "graphql": {
                    "method": "post",
                    "url": "http://x.example",
                    "query": "{ a }",
                    "variables": "{not json",
                }
            },
            "INVALID_INPUT",
            "graphql.variables",
        ),
        (
            {
                "graphql": {"method": "post", "url": "http://x.example", "query": "{ a }"},
                "authentication": {"type": "bearer"},
            },
            "MISSING_INPUT",
            "authentication.token",
        ),
    ],
)
def test_bad_input_names_camundas_variable(
    variables: dict[str, Any], code: str, field: str
) -> None:
    outcome = failed(variables)
    assert (outcome.code, outcome.retries) == (code, 0), outcome.message
    assert field in outcome.variables["fields"], outcome.message


def test_an_input_error_of_the_client_names_camundas_variable(
    graphql_server: GraphqlServer,
) -> None:
    variables = task(graphql_server, query="{ hello }")
    variables["graphql"]["url"] = "http://xn--zz.example/graphql"  # httpx refuses the name
    outcome = failed(variables)
    assert (outcome.code, outcome.retries) == ("INVALID_INPUT", 0)
    assert outcome.message.startswith("graphql.url: ")
    # A header value that is not ASCII: the REST contract's check, named in our terms.
    outcome = failed(task(graphql_server, query="{ hello }", headers={"X-Name": "Jos\u00e9"}))
    assert outcome.variables["fields"] == ["graphql.headers.X-Name"]
