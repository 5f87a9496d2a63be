"""The ``execute`` operation against the GraphQL test server: what it sends (POST and GET,
variables, operation names, headers), what it returns, and how GraphQL errors, HTTP
errors, answers that are not GraphQL and limits become outcomes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from graphql_server import GraphqlServer

from tasklink import client
from tasklink.core import Completed, ConnectorError, Context, Failed
from tasklink.graphql import GraphqlRequest, connector
from tasklink.testing import run_job

ORDER = "query Order($id: ID!) { order(id: $id) { id status total customer } }"
SEVERAL = """
query Orders($status: String) { orders(status: $status) { id } }
mutation Create($input: OrderInput!) { createOrder(input: $input) { id status customer } }
query Hello { hello(name: "Bob") }
"""


def endpoint(server: GraphqlServer, path: str = "/graphql") -> str:
    return f"{server.url}{path}"


def completed(variables: dict[str, Any], **options: Any) -> dict[str, Any]:
    outcome = run_job(connector, variables, **options)
    assert isinstance(outcome, Completed), outcome
    output: dict[str, Any] = outcome.output
    return output


def failed(variables: dict[str, Any], **options: Any) -> Failed:
    outcome = run_job(connector, variables, **options)
    assert isinstance(outcome, Failed), outcome
    return outcome


# -- queries and mutations -----------------------------------------------------------------


def test_a_query_with_variables_over_post(graphql_server: GraphqlServer) -> None:
    output = completed(
        {"url": endpoint(graphql_server), "query": ORDER, "variables": {"id": "1"}},
        headers={"resultVariable": "reply"},
    )
    assert output["data"] == {
        "order": {"id": "1", "status": "shipped", "total": 99.5, "customer": "Ada"}
    }
    assert output["errors"] is None
    assert output["extensions"] == {"server": "graphql-core"}
    assert (output["status"], output["reason"]) == (200, "OK")
    assert output["headers"]["x-served-by"] == "graphql-test-server"

    [seen] = graphql_server.requests
    assert seen.method == "POST" and seen.query == {}
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["accept"] == "application/graphql-response+json, application/json;q=0.9"
    assert seen.headers["user-agent"].startswith("tasklink-graphql/")
    # Only what was given: no operationName member without one.
    assert json.loads(seen.body) == {"query": ORDER, "variables": {"id": "1"}}


def test_a_mutation_changes_the_servers_state(graphql_server: GraphqlServer) -> None:
    create = {
        "url": endpoint(graphql_server),
        "query": SEVERAL,
        "operationName": "Create",
        "variables": {"input": {"customer": "Linus", "total": 7.25}},
    }
    output = completed(create)
    assert output["data"] == {"createOrder": {"id": "3", "status": "new", "customer": "Linus"}}
    assert graphql_server.orders["3"]["total"] == 7.25
    assert json.loads(graphql_server.requests[-1].body)["operationName"] == "Create"


def test_the_operation_name_picks_one_of_several(graphql_server: GraphqlServer) -> None:
    url = endpoint(graphql_server)
    orders = completed(
        {"url": url, "query": SEVERAL, "operationName": "Orders", "variables": {"status": "new"}}
    )
    assert orders["data"] == {"orders": [{"id": "2"}]}
    hello = completed({"url": url, "query": SEVERAL, "operationName": "Hello"})
    assert hello["data"] == {"hello": "Hello Bob"}


def test_a_query_over_get_travels_in_the_query_string(graphql_server: GraphqlServer) -> None:
    output = completed(
        {
            "url": endpoint(graphql_server) + "?tenant=acme",
            "method": "get",
            "query": SEVERAL,
            "operationName": "Orders",
            "variables": '{"status": "shipped"}',  # JSON text is read too
        }
    )
    assert output["data"] == {"orders": [{"id": "1"}]}
    [seen] = graphql_server.requests
    assert (seen.method, seen.body) == ("GET", b"")
    assert "content-type" not in seen.headers
    assert seen.query == {
        "tenant": ["acme"],  # what the URL carries stays
        "query": [SEVERAL],
        "variables": ['{"status":"shipped"}'],
        "operationName": ["Orders"],
    }


def test_headers_are_sent_and_may_replace_accept(graphql_server: GraphqlServer) -> None:
    output = completed(
        {
            "url": endpoint(graphql_server),
            "query": '{ id: header(name: "X-Request-Id") n: header(name: "X-Count") }',
            "headers": {"X-Request-Id": "r-42", "X-Count": 3, "X-Skipped": None},
        }
    )
    assert output["data"] == {"id": "r-42", "n": "3"}
    assert "x-skipped" not in graphql_server.requests[-1].headers
    # A server that predates GraphQL over HTTP, asked for JSON only.
    legacy = completed(
        {"url": endpoint(graphql_server), "query": "{ hello }", "headers": {"accept": JSON}}
    )
    assert legacy["headers"]["content-type"] == "application/json; charset=utf-8"
    assert graphql_server.requests[-1].headers["accept"] == JSON


JSON = "application/json"


# -- GraphQL errors ------------------------------------------------------------------------


def test_graphql_errors_fail_with_the_errors_and_the_partial_data(
    graphql_server: GraphqlServer,
) -> None:
    outcome = failed(
        {"url": endpoint(graphql_server), "query": "query Mixed { hello flaky }"}, retries=3
    )
    assert (outcome.code, outcome.retries, outcome.input_error) == ("GRAPHQL_ERROR", 0, False)
    assert outcome.message == (
        f"query Mixed at {endpoint(graphql_server)} failed with GraphQL errors: "
        "The flaky service is down"
    )
    variables = outcome.variables
    assert variables["data"] == {"hello": "Hello world", "flaky": None}
    assert variables["errors"] == [
        {
            "message": "The flaky service is down",
            "locations": [{"line": 1, "column": 21}],
            "path": ["flaky"],
            "extensions": {"code": "UNAVAILABLE"},
        }
    ]
    assert variables["extensions"] == {"server": "graphql-core"}
    assert (variables["status"], variables["reason"]) == (200, "OK")
    assert variables["headers"]["x-served-by"] == "graphql-test-server"


def test_allow_errors_completes_with_errors_and_partial_data(
    graphql_server: GraphqlServer,
) -> None:
    output = completed(
        {"url": endpoint(graphql_server), "query": "{ hello flaky }", "allowErrors": True}
    )
    assert output["data"] == {"hello": "Hello world", "flaky": None}
    assert [e["path"] for e in output["errors"]] == [["flaky"]]


def test_several_errors_are_counted_in_the_message(graphql_server: GraphqlServer) -> None:
    outcome = failed({"url": endpoint(graphql_server), "query": "{ a: flaky b: flaky }"})
    assert outcome.code == "GRAPHQL_ERROR"
    assert outcome.message.endswith(
        "failed with GraphQL errors: The flaky service is down (and 1 more)"
    )
    assert outcome.variables["data"] == {"a": None, "b": None}
    # A non-null field failed: its null reaches the root, there is no data at all.
    unknown = failed({"url": endpoint(graphql_server), "query": "{ me { name } }"})
    assert unknown.message.endswith("failed with GraphQL errors: Not authenticated")
    assert unknown.variables["data"] is None


def test_an_error_expression_turns_graphql_errors_into_a_bpmn_error(
    graphql_server: GraphqlServer,
) -> None:
    outcome = run_job(
        connector,
        {"url": endpoint(graphql_server), "query": "mutation { cancelOrder(id: 8) { id } }"},
        headers={
            "errorExpression": '=if error.code = "GRAPHQL_ERROR" then bpmnError("NO_ORDER", '
            "error.message, {problem: error.variables.errors[1].extensions.code}) else null"
        },
    )
    assert (outcome.kind, outcome.code) == ("bpmn_error", "NO_ORDER"), outcome
    assert outcome.variables == {"problem": "NOT_FOUND"}


# -- HTTP errors and answers that are not GraphQL ------------------------------------------


def test_a_document_the_server_cannot_run_is_a_bad_request(graphql_server: GraphqlServer) -> None:
    outcome = failed({"url": endpoint(graphql_server), "query": "{ nope }"})
    assert (outcome.code, outcome.retries) == ("BAD_REQUEST", 0)
    assert outcome.message == (
        f"POST {endpoint(graphql_server)} failed with HTTP 400 Bad Request: "
        "Cannot query field 'nope' on type 'Query'."
    )
    assert outcome.variables["errors"][0]["message"] == "Cannot query field 'nope' on type 'Query'."
    assert outcome.variables["body"] == {"errors": outcome.variables["errors"]}
    assert outcome.variables["status"] == 400
    # Asked for JSON only, the same server answers 200: a GraphQL error.
    legacy = failed(
        {"url": endpoint(graphql_server), "query": "{ nope }", "headers": {"Accept": JSON}}
    )
    assert (legacy.code, legacy.variables["data"]) == ("GRAPHQL_ERROR", None)


def test_a_variable_of_the_wrong_type_is_a_bad_request(graphql_server: GraphqlServer) -> None:
    outcome = failed(
        {"url": endpoint(graphql_server), "query": ORDER, "variables": {"id": {"not": "an id"}}}
    )
    assert outcome.code == "BAD_REQUEST"
    assert "$id" in outcome.variables["errors"][0]["message"]


def test_a_refused_request_is_unauthorized_with_its_challenge(
    graphql_server: GraphqlServer,
) -> None:
    outcome = failed({"url": endpoint(graphql_server, "/private/graphql"), "query": "{ hello }"})
    assert (outcome.code, outcome.retries) == ("UNAUTHORIZED", 0)
    assert outcome.message.endswith("failed with HTTP 401 Unauthorized: Authentication required")
    assert outcome.variables["headers"]["www-authenticate"] == 'Bearer realm="graphql"'


def test_an_unavailable_server_is_retried_after_its_retry_after(
    graphql_server: GraphqlServer,
) -> None:
    outcome = failed({"url": endpoint(graphql_server, "/unavailable"), "query": "{ hello }"})
    assert (outcome.code, outcome.retries) == ("SERVICE_UNAVAILABLE", 2)
    assert outcome.backoff is not None and outcome.backoff.total_seconds() == 7
    assert outcome.variables["body"] == "down for maintenance"
    assert outcome.variables["errors"] is None


@pytest.mark.parametrize(
    ("path", "status", "advice"),
    [
        ("/html", 200, "it sent a body of text/html; charset=utf-8, not a GraphQL response"),
        ("/not-json", 200, "it sent a body of application/json, not a GraphQL response"),
        ("/moved", 301, "it redirects to {url}/graphql: set url to the endpoint itself"),
    ],
)
def test_an_answer_that_is_not_graphql_is_an_invalid_response(
    graphql_server: GraphqlServer, path: str, status: int, advice: str
) -> None:
    outcome = failed({"url": endpoint(graphql_server, path), "query": "{ hello }"})
    assert (outcome.code, outcome.retries) == ("INVALID_RESPONSE", 0)
    assert outcome.message.startswith(f"POST {endpoint(graphql_server, path)} answered {status}")
    assert advice.format(url=graphql_server.url) in outcome.message
    assert outcome.variables["status"] == status


def test_a_missing_route_is_not_found(graphql_server: GraphqlServer) -> None:
    outcome = failed({"url": endpoint(graphql_server, "/nowhere"), "query": "{ hello }"})
    assert (outcome.code, outcome.variables["body"]) == ("NOT_FOUND", "no such route")


# -- limits --------------------------------------------------------------------------------


def test_a_response_larger_than_the_limit_fails(graphql_server: GraphqlServer) -> None:
    query = "{ blob(size: 50000) }"
    outcome = failed({"url": endpoint(graphql_server), "query": query, "maxResponseBytes": 10000})
    assert (outcome.code, outcome.retries) == ("RESPONSE_TOO_LARGE", 0)
    assert "maxResponseBytes (10000 bytes)" in outcome.message
    within = completed({"url": endpoint(graphql_server), "query": query})
    assert len(within["data"]["blob"]) == 50000


def test_a_slow_answer_times_out_naming_the_field(graphql_server: GraphqlServer) -> None:
    outcome = failed(
        {
            "url": endpoint(graphql_server),
            "query": "{ slow(seconds: 2) }",
            "readTimeoutInSeconds": 0.2,
        }
    )
    assert (outcome.code, outcome.retries) == ("TIMEOUT", 2)
    assert outcome.message.endswith("no response data within 0.2 s (readTimeoutInSeconds)")


def test_a_default_request_has_a_total_deadline_of_60_seconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What the connector hands the shared client, which enforces it (tested there).
    handed: list[client.Request] = []

    async def send(request: client.Request, ctx: Context) -> client.Response:
        handed.append(request)
        raise ConnectorError("taken", code="TAKEN", retryable=False)

    monkeypatch.setattr(client, "send", send)
    outcome = failed({"url": "https://api.example.com/graphql", "query": "{ hello }"})
    assert outcome.code == "TAKEN", outcome
    [request] = handed
    assert request.timeouts == client.Timeouts(connect=20.0, read=20.0, total=60.0)
    assert request.fields.total_timeout == "totalTimeoutInSeconds"


def test_nothing_listening_is_a_connection_failure() -> None:
    outcome = failed({"url": "http://127.0.0.1:9/graphql", "query": "{ hello }"})
    assert (outcome.code, outcome.retries) == ("CONNECTION_FAILED", 2)


# -- input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"url": "ftp://example.com/graphql"}, "url", "has the unsupported scheme 'ftp'"),
        ({"url": "https://api.example.com/a b"}, "url", "must not contain spaces"),
        ({"query": "  "}, "query", "must not be empty"),
        ({"query": "query { a"}, "query", "is not a GraphQL request: a '{' or '(' is never closed"),
        ({"query": "type Query { a: Int }"}, "query", "type system definition"),
        ({"query": "subscription { orderUpdated { id } }"}, "query", "subscriptions stream"),
        ({"query": "mutation M { x }", "method": "GET"}, "method", "GET cannot run mutation M"),
        ({"query": "query A { a } query B { b }"}, "operationName", "defines 2 operations"),
        ({"operationName": "Other"}, "operationName", "no operation named 'Other'"),
        ({"operationName": "1st"}, "operationName", "must be a GraphQL name"),
        ({"variables": "[1, 2]"}, "variables", "valid dictionary"),
        ({"variables": "{not json"}, "variables", "must be an object of variable values"),
        ({"variables": {"x": float("nan")}}, "variables", "NaN or infinity"),
        (
            {"headers": {"Content-Type": "text/plain"}},
            "headers.Content-Type",
            "set by the connector",
        ),
        ({"headers": {"Bad Name": "x"}}, "headers.Bad Name", "not a valid header name"),
        ({"headers": {"X-A": "a\r\nX-Injected: 1"}}, "headers.X-A", "line breaks"),
        ({"headers": {"X-Name": "Jos\u00e9"}}, "headers.X-Name", "must be ASCII"),
        ({"method": "PUT"}, "method", "'POST' or 'GET'"),
        ({"readTimeoutInSeconds": -1}, "readTimeoutInSeconds", "greater than or equal to 0"),
        ({"authentication": {"type": "bearer", "token": " "}}, "authentication.token", "empty"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    changes: dict[str, Any], field: str, message: str
) -> None:
    variables = {"url": "https://api.example.com/graphql", "query": "{ hello }", **changes}
    outcome = failed(variables)
    assert (outcome.code, outcome.retries, outcome.input_error) == ("INVALID_INPUT", 0, True)
    assert field in outcome.variables["fields"], outcome.message
    assert message in outcome.message


def test_the_model_tells_the_operation_and_the_payload() -> None:
    request = GraphqlRequest.model_validate(
        {"url": "https://x.example/graphql", "query": SEVERAL, "operationName": "Create"}
    )
    assert request.operation.describe() == "mutation Create"
    assert request.payload() == {"query": SEVERAL, "operationName": "Create"}
    assert GraphqlRequest.model_validate(
        {"url": "https://x.example/graphql", "query": "{ a }", "variables": " "}
    ).payload() == {"query": "{ a }"}
