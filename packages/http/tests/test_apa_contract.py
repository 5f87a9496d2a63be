"""Alfresco Process Automation's REST connector contract (connector ``rest``): its
actions, inputs, outputs and error codes, through the REST connector's own path."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tasklink.core import Completed, Failed, Outcome
from tasklink.http import connector
from tasklink.http._connector import apa_rest
from tasklink.testing import arun_job, httpbin

ACTIONS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


async def run(action: str, variables: dict[str, Any], **options: Any) -> Outcome:
    return await arun_job(apa_rest.get_operation(action), variables, strict=False, **options)


async def completed(action: str, variables: dict[str, Any], **options: Any) -> dict[str, Any]:
    outcome = await run(action, variables, **options)
    assert isinstance(outcome, Completed), outcome
    output: dict[str, Any] = outcome.output
    return output


async def failed(action: str, variables: dict[str, Any], **options: Any) -> Failed:
    outcome = await run(action, variables, **options)
    assert isinstance(outcome, Failed), outcome
    return outcome


def test_the_contract_is_declared_beside_the_connector() -> None:
    assert apa_rest in connector.contracts
    assert (apa_rest.engine, apa_rest.key) == ("activiti", "rest")
    assert [op.action for op in apa_rest.operations.values()] == ACTIONS
    assert apa_rest.get_operation("GET").qualified_name == "rest.GET"
    assert not apa_rest.legacy_secrets
    assert set(apa_rest.errors) >= {
        "MISSING_INPUT",
        "INVALID_INPUT",
        "UNKNOWN_ERROR",
        "NOT_FOUND",
        "PROXY_AUTHENTICATION_REQUIRED",
        "GATEWAY_TIMEOUT",
    }
    assert "UNPROCESSABLE_ENTITY" not in apa_rest.errors  # APA does not list it


@pytest.mark.parametrize("action", ACTIONS)
async def test_every_action_and_its_outputs(server: httpbin.TestServer, action: str) -> None:
    output = await completed(
        action,
        {
            "restUrl": f"{server.url}/anything",
            "restUrlParams": {"q": "a b"},
            "requestHeaders": {"X-Request-Id": "r-1"},
            "requestPayload": {"order": 42},
        },
    )
    expected = {"restStatus"}
    if action not in ("HEAD", "OPTIONS"):
        expected.add("restResult")
    if action != "TRACE":
        expected.add("responseHeaders")
        assert output["responseHeaders"]["Content-Type"] == ["application/json"]
    assert set(output) == expected
    assert output["restStatus"] == 200
    if "restResult" in output:
        seen = output["restResult"]
        assert (seen["method"], seen["args"]) == (action, {"q": "a b"})
        assert seen["headers"]["X-Request-Id"] == "r-1"
        # The payload goes with POST, PUT and PATCH only.
        payload = '{"order":42}' if action in ("POST", "PUT", "PATCH") else ""
        assert seen["data"] == payload


async def test_repeated_headers_are_lists_as_sent(server: httpbin.TestServer) -> None:
    output = await completed(
        "GET", {"restUrl": f"{server.url}/response-headers?Vary=a&Vary=b&ETag=v1"}
    )
    assert output["responseHeaders"]["Vary"] == ["a", "b"]
    assert output["responseHeaders"]["ETag"] == ["v1"]


@pytest.mark.parametrize(
    ("payload", "data", "content_type"),
    [
        ({"a": [1, None]}, '{"a":[1,null]}', "application/json"),
        ('{"typed": "as text"}', '{"typed": "as text"}', "application/json"),
        ("plain words", "plain words", "text/plain; charset=utf-8"),
        ([1, 2], "[1,2]", "application/json"),
    ],
)
async def test_payloads(
    server: httpbin.TestServer, payload: Any, data: str, content_type: str
) -> None:
    output = await completed(
        "POST", {"restUrl": f"{server.url}/anything", "requestPayload": payload}
    )
    seen = output["restResult"]
    assert (seen["data"], seen["headers"]["Content-Type"]) == (data, content_type)


async def test_json_inputs_given_as_text(server: httpbin.TestServer) -> None:
    output = await completed(
        "GET",
        {
            "restUrl": f"{server.url}/anything",
            "restUrlParams": json.dumps({"page": 2}),
            "requestHeaders": json.dumps({"X-Id": "7"}),
        },
    )
    assert output["restResult"]["args"] == {"page": "2"}
    assert output["restResult"]["headers"]["X-Id"] == "7"


async def test_rest_url_encoded(server: httpbin.TestServer) -> None:
    encoded = await completed("GET", {"restUrl": f"{server.url}/anything/a b"})
    assert encoded["restResult"]["path"] == "/anything/a%20b"
    refused = await failed("GET", {"restUrl": f"{server.url}/anything/a b", "restUrlEncoded": True})
    assert refused.code == "INVALID_INPUT" and refused.variables["fields"] == ["restUrl"]


async def test_timeout_in_milliseconds_and_circuit_breaker(server: httpbin.TestServer) -> None:
    slow = {"restUrl": f"{server.url}/delay/1", "circuitBreaker": True}
    failure = await failed("GET", {**slow, "timeout": 300}, retries=3)
    assert (failure.code, failure.retries) == ("REQUEST_TIMEOUT", 2)
    assert (await completed("GET", {**slow, "timeout": 5000}))["restStatus"] == 200


@pytest.mark.parametrize(
    ("status", "code", "retried"),
    [
        (400, "BAD_REQUEST", False),
        (404, "NOT_FOUND", False),
        (407, "PROXY_AUTHENTICATION_REQUIRED", False),
        (410, "GONE", False),
        (422, "UNKNOWN_ERROR", False),  # not in APA's list
        (429, "UNKNOWN_ERROR", True),
        (503, "SERVICE_UNAVAILABLE", True),
    ],
)
async def test_status_errors_carry_apas_codes_and_the_outputs(
    server: httpbin.TestServer, status: int, code: str, retried: bool
) -> None:
    failure = await failed("GET", {"restUrl": f"{server.url}/problem/{status}"}, retries=3)
    assert failure.code == code
    assert failure.retries == (2 if retried else 0)
    assert failure.variables["restStatus"] == status
    assert failure.variables["restResult"] == {"title": "problem", "status": status}
    assert failure.variables["responseHeaders"]["Content-Type"] == ["application/problem+json"]


async def test_failures_without_a_status(
    server: httpbin.TestServer, tls_server: httpbin.TestServer
) -> None:
    refused = await failed("GET", {"restUrl": "http://127.0.0.1:9/"})
    assert refused.code == "SERVICE_UNAVAILABLE"
    untrusted = await failed("GET", {"restUrl": f"{tls_server.url}/get"})
    assert untrusted.code == "UNKNOWN_ERROR" and "TLS" in untrusted.message
    missing = await failed("GET", {})
    assert (missing.code, missing.variables["fields"]) == ("MISSING_INPUT", ["restUrl"])


async def test_authentication(server: httpbin.TestServer) -> None:
    basic = await completed(
        "GET",
        {
            "restUrl": f"{server.url}/basic-auth/ada/pw-1",
            "authentication": {"type": "basic", "username": "ada", "password": "pw-1"},
        },
    )
    assert basic["restResult"] == {"authenticated": True, "user": "ada"}
    bearer = await completed(
        "GET",
        {
            "restUrl": f"{server.url}/bearer",
            "authentication": {"type": "bearer", "token": "{{secrets.TOKEN}}"},
        },
        secrets={"TOKEN": "apa-token-123"},
    )
    assert bearer["restResult"] == {"authenticated": True, "token": "***"}
    server.oauth.clients["apa-client"] = "apa-secret-1"
    oauth = {
        "type": "clientCredentials",
        "clientId": "apa-client",
        "clientSecret": "apa-secret-1",
        "endpoint": f"{server.url}/oauth/token",
        "scope": "read",
    }
    granted = await completed(
        "GET", {"restUrl": f"{server.url}/oauth/protected", "authentication": oauth}
    )
    assert granted["restResult"] == {"ok": True}
    refused = await failed(
        "GET",
        {
            "restUrl": f"{server.url}/oauth/protected",
            "authentication": {**oauth, "clientSecret": "wrong-secret-1"},
        },
    )
    assert refused.code == "UNAUTHORIZED"
    # Placeholders in headers work too, masked in what comes back.
    headers = await completed(
        "GET",
        {
            "restUrl": f"{server.url}/headers",
            "requestHeaders": {"Authorization": "Bearer {{secrets.TOKEN}}"},
        },
        secrets={"TOKEN": "apa-token-456"},
    )
    assert headers["restResult"]["headers"]["Authorization"] == "Bearer ***"
