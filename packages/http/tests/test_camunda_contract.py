"""Camunda's REST connector contract (``io.camunda:http-json:1``): its inputs, result and
errors, through the REST connector's own path, against the local test servers."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import trustme

from tasklink.core import DOCUMENT_TYPE, BpmnErrorThrown, Completed, Failed, Outcome
from tasklink.http import connector
from tasklink.http._connector import camunda_rest
from tasklink.testing import arun_job, httpbin


def pem(blob: Any) -> str:
    return str(blob.bytes().decode())


async def run(variables: dict[str, Any], **options: Any) -> Outcome:
    # Engines hand a job every variable in scope: unknown ones are ignored (strict off).
    return await arun_job(camunda_rest, variables, strict=False, **options)


async def completed(variables: dict[str, Any], **options: Any) -> dict[str, Any]:
    outcome = await run(variables, **options)
    assert isinstance(outcome, Completed), outcome
    output: dict[str, Any] = outcome.output
    return output


async def failed(variables: dict[str, Any], **options: Any) -> Failed:
    outcome = await run(variables, **options)
    assert isinstance(outcome, Failed), outcome
    return outcome


def echoed(output: dict[str, Any]) -> dict[str, Any]:
    """What the test server saw (its /anything echo)."""
    body: dict[str, Any] = output["body"]
    return body


# -- the declaration ----------------------------------------------------------------------


def test_the_contract_is_declared_beside_the_connector() -> None:
    assert camunda_rest in connector.contracts
    assert (camunda_rest.engine, camunda_rest.key) == ("camunda", "io.camunda:http-json:1")
    assert camunda_rest.legacy_secrets
    operation = camunda_rest.get_operation()
    assert (operation.id, operation.target) == ("request", "._camunda:request")
    for code in ("404", "408", "500", "SSL_HANDSHAKE_FAILED", "OAUTH_TOKEN_ERROR"):
        assert code in camunda_rest.errors
    for code in ("NOT_FOUND", "TIMEOUT", "TLS_FAILED", "RESPONSE_TOO_LARGE"):
        assert code in connector.errors


# -- the result ---------------------------------------------------------------------------


async def test_the_result_keeps_header_names_and_repeated_headers(
    server: httpbin.TestServer,
) -> None:
    output = await completed(
        {"url": f"{server.url}/response-headers?X-Trace=a&X-Trace=b&ETag=v1", "method": "get"}
    )
    assert set(output) == {"status", "headers", "body", "reason", "document"}
    assert (output["status"], output["reason"], output["document"]) == (200, "OK", None)
    headers = output["headers"]
    assert headers["X-Trace"] == ["a", "b"]  # as sent, repeated as a list
    assert headers["ETag"] == "v1" and "etag" not in headers
    assert headers["Content-Type"] == "application/json"
    assert output["body"] == {"X-Trace": ["a", "b"], "ETag": "v1"}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/json", {"slideshow": {"title": "Sample Slide Show", "slides": []}}),
        ("/encoded?text=123&coding=identity", "123"),  # JSON, but not an object: text
        ("/encoded?text=plain%20words&coding=identity&type=text/plain", "plain words"),
        ("/status/204", None),
    ],
)
async def test_the_legacy_body(server: httpbin.TestServer, path: str, body: Any) -> None:
    output = await completed({"url": f"{server.url}{path}"})
    assert output["body"] == body


@pytest.mark.parametrize(
    ("path", "choice", "body"),
    [
        ("/encoded?text=123&coding=identity", {"choice": "JSON"}, 123),
        (
            "/json",
            {"choice": "TEXT"},
            '{"slideshow": {"title": "Sample Slide Show", "slides": []}}',
        ),
        (
            "/xml",
            {"choice": "TEXT", "encoding": "ISO-8859-1"},
            '<?xml version="1.0" encoding="iso-8859-1"?><p>caf\xe9</p>',
        ),
        ("/status/204", {"choice": "JSON"}, None),  # Camunda fails here; an empty body is null
    ],
)
async def test_document_return_format(
    server: httpbin.TestServer, path: str, choice: dict[str, str], body: Any
) -> None:
    output = await completed({"url": f"{server.url}{path}", "documentReturnFormat": choice})
    assert output["body"] == body


async def test_a_body_that_is_not_the_json_asked_for_fails_with_500(
    server: httpbin.TestServer,
) -> None:
    failure = await failed(
        {"url": f"{server.url}/invalid-json", "documentReturnFormat": {"choice": "JSON"}}
    )
    assert failure.code == "500" and failure.retries == 2
    assert failure.message.startswith("Error while executing an HTTP request")


@pytest.mark.parametrize(
    "variables",
    [{"documentReturnFormat": {"choice": "DOCUMENT"}}, {"storeResponse": True}],
)
async def test_the_body_as_a_document(
    server: httpbin.TestServer, variables: dict[str, Any]
) -> None:
    output = await completed({"url": f"{server.url}/download", **variables})
    assert output["body"] is None
    document = output["document"]
    assert document[DOCUMENT_TYPE] == "inline"
    assert (document["name"], document["contentType"]) == ("pixel.png", "image/png")
    assert base64.b64decode(document["content"]) == httpbin.PNG


async def test_an_unknown_encoding_is_an_input_error() -> None:
    failure = await failed(
        {
            "url": "https://api.example.com",
            "documentReturnFormat": {"choice": "TEXT", "encoding": "klingon-8"},
        }
    )
    assert failure.input_error and "documentReturnFormat.encoding" in failure.message


# -- the body -----------------------------------------------------------------------------


async def test_a_form_body_by_its_content_type(server: httpbin.TestServer) -> None:
    # As Twilio's template sends it: a lower-case header name, a map of fields.
    output = await completed(
        {
            "method": "post",
            "url": f"{server.url}/anything",
            "headers": {"content-type": "application/x-www-form-urlencoded"},
            "body": {"Body": "Hi & bye", "To": "+1 555", "Empty": None, "Tags": ["a", "b"]},
        }
    )
    seen = echoed(output)
    assert seen["data"] == "Body=Hi+%26+bye&To=%2B1+555&Empty&Tags=a&Tags=b"
    assert seen["headers"]["Content-Type"] == "application/x-www-form-urlencoded"


async def test_a_multipart_body_with_text_and_a_document(server: httpbin.TestServer) -> None:
    document = {
        DOCUMENT_TYPE: "inline",
        "content": base64.b64encode(b"%PDF-1.7").decode(),
        "encoding": "base64",
        "name": "a.pdf",
        "contentType": "application/pdf",
    }
    output = await completed(
        {
            "method": "POST",
            "url": f"{server.url}/anything",
            "headers": {"Content-Type": "multipart/form-data"},
            "body": {"note": "hello", "count": 2, "meta": {"a": 1}, "file": document, "x": None},
        }
    )
    seen = echoed(output)
    assert seen["form"] == {"note": "hello", "count": "2", "meta": '{"a":1}'}
    assert seen["files"]["file"] == {
        "filename": "a.pdf",
        "contentType": "application/pdf",
        "base64": base64.b64encode(b"%PDF-1.7").decode(),
    }
    assert seen["headers"]["Content-Type"].startswith("multipart/form-data; boundary=")


@pytest.mark.parametrize(
    ("body", "headers", "data", "content_type"),
    [
        ({"a": 1, "b": [True, None]}, None, '{"a":1,"b":[true,null]}', "application/json"),
        ("not json, sent as is", None, "not json, sent as is", "application/json"),
        ("<x/>", {"Content-Type": "application/xml"}, "<x/>", "application/xml"),
        ([1, 2], {"content-type": "text/plain"}, "[1,2]", "text/plain"),
        (True, None, "true", "application/json"),
    ],
)
async def test_other_bodies(
    server: httpbin.TestServer,
    body: Any,
    headers: dict[str, str] | None,
    data: str,
    content_type: str,
) -> None:
    output = await completed(
        {"method": "PUT", "url": f"{server.url}/anything", "body": body, "headers": headers}
    )
    seen = echoed(output)
    assert (seen["data"], seen["headers"]["Content-Type"]) == (data, content_type)


async def test_ignore_null_values_and_bodyless_methods(server: httpbin.TestServer) -> None:
    output = await completed(
        {
            "method": "PATCH",
            "url": f"{server.url}/anything",
            "body": {"a": None, "b": {"c": None, "d": 1}, "e": [None]},
            "ignoreNullValues": True,
        }
    )
    assert json.loads(echoed(output)["data"]) == {"b": {"d": 1}, "e": [None]}
    for method in ("GET", "DELETE"):
        output = await completed({"method": method, "url": f"{server.url}/anything", "body": {}})
        assert (echoed(output)["data"], echoed(output)["method"]) == ("", method)


# -- the URL, timeouts, redirects ---------------------------------------------------------


async def test_the_url_is_encoded_unless_skip_encoding(server: httpbin.TestServer) -> None:
    output = await completed({"url": f"{server.url}/anything/a b/%2F?q=x y"})
    assert echoed(output)["path"] == "/anything/a%20b/%2F"
    assert echoed(output)["args"] == {"q": "x y"}
    verbatim = await completed({"url": f"{server.url}/anything/%2F%41", "skipEncoding": "true"})
    assert echoed(verbatim)["path"] == "/anything/%2F%41"
    refused = await failed({"url": f"{server.url}/anything/a b", "skipEncoding": "true"})
    assert refused.input_error and refused.variables["fields"] == ["url"]


async def test_timeouts_in_seconds_where_zero_waits_for_ever(server: httpbin.TestServer) -> None:
    slow = f"{server.url}/delay/1.5"
    # readTimeoutInSeconds unset: the connection timeout bounds the read too.
    failure = await failed({"url": slow, "connectionTimeoutInSeconds": "1"})
    assert failure.code == "408"
    assert failure.message == (
        "The request timed out. Please try increasing the read and connection timeouts."
    )
    output = await completed(
        {"url": slow, "connectionTimeoutInSeconds": 1, "readTimeoutInSeconds": 0}
    )
    assert output["status"] == 200


async def test_redirects(server: httpbin.TestServer) -> None:
    not_followed = await completed({"url": f"{server.url}/redirect/1"})
    assert not_followed["status"] == 302 and not_followed["headers"]["Location"] == "/get"
    followed = await completed({"url": f"{server.url}/redirect/2", "followRedirects": True})
    assert followed["status"] == 200
    loop = await failed({"url": f"{server.url}/redirect-loop", "followRedirects": True})
    assert (loop.code, loop.message) == ("500", "An error with the HTTP protocol occurred")


# -- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "code", "message", "body"),
    [
        ("/problem/404", "404", "Not Found", {"title": "problem", "status": 404}),
        ("/problem/422", "422", "Unprocessable Entity", {"title": "problem", "status": 422}),
        ("/status/500", "500", "Internal Server Error", None),
    ],
)
async def test_a_status_error(
    server: httpbin.TestServer, path: str, code: str, message: str, body: Any
) -> None:
    failure = await failed({"url": f"{server.url}{path}"}, retries=3)
    assert (failure.code, failure.message) == (code, message)
    # Camunda's runtime retries every connector error, a 4xx too.
    assert failure.retries == 2
    response = failure.variables["response"]
    assert response["body"] == body
    assert "Content-Length" in response["headers"]


async def test_the_error_expression_sees_the_error_as_camunda_has_it(
    server: httpbin.TestServer,
) -> None:
    expression = (
        '=if error.code = "404" then bpmnError("ORDER_MISSING", error.message, '
        "{problem: error.variables.response.body.title}) else null"
    )
    outcome = await run(
        {"url": f"{server.url}/problem/404"}, headers={"errorExpression": expression}
    )
    assert isinstance(outcome, BpmnErrorThrown), outcome
    assert (outcome.code, outcome.message) == ("ORDER_MISSING", "Not Found")
    assert outcome.variables == {"problem": "problem"}
    passed = await run({"url": f"{server.url}/json"}, headers={"errorExpression": expression})
    assert isinstance(passed, Completed)


async def test_the_error_expression_has_camundas_scope(server: httpbin.TestServer) -> None:
    # Camunda's documented retry pattern: the error at the top and as response.error,
    # job.retries beside them.
    expression = (
        '=if response.error.code = "503" and error.variables.response.body.status = 503 '
        'then jobError("down: " + error.message, {}, job.retries - 2, @"PT2S") else null'
    )
    outcome = await run(
        {"url": f"{server.url}/problem/503"},
        headers={"errorExpression": expression},
        retries=3,
    )
    assert isinstance(outcome, Failed), outcome
    assert (outcome.message, outcome.retries) == ("down: Service Unavailable", 1)
    assert outcome.backoff is not None and outcome.backoff.total_seconds() == 2


async def test_failures_without_a_status(
    server: httpbin.TestServer, tls_server: httpbin.TestServer
) -> None:
    refused = await failed({"url": "http://127.0.0.1:9/nothing-listens"})
    assert refused.code == "408"
    assert refused.message == (
        "An error occurred while executing the request, or the connection was aborted"
    )
    untrusted = await failed({"url": f"{tls_server.url}/get"})
    assert untrusted.code == "SSL_HANDSHAKE_FAILED"
    assert untrusted.message.startswith("TLS handshake failed: ")
    assert untrusted.retries == 2


# -- authentication -----------------------------------------------------------------------


async def test_basic_bearer_and_api_keys(server: httpbin.TestServer) -> None:
    basic = await completed(
        {
            "url": f"{server.url}/basic-auth/ada/pw-1",
            "authentication": {"type": "basic", "username": "ada", "password": "pw-1"},
        }
    )
    assert basic["body"] == {"authenticated": True, "user": "ada"}
    bearer = await completed(
        {
            "url": f"{server.url}/bearer",
            "authentication": {"type": "bearer", "token": "{{secrets.TOKEN}}"},
        },
        secrets={"TOKEN": "bearer-token-123"},
    )
    assert bearer["body"] == {"authenticated": True, "token": "***"}
    header = await completed(
        {
            "url": f"{server.url}/anything",
            "authentication": {"type": "apiKey", "name": "X-Key", "value": "k-1"},
        }
    )
    assert echoed(header)["headers"]["X-Key"] == "***"  # registered for masking
    query = await completed(
        {
            "url": f"{server.url}/anything",
            "authentication": {
                "type": "apiKey",
                "apiKeyLocation": "query",
                "name": "key",
                "value": "k-2",
            },
        }
    )
    assert echoed(query)["args"] == {"key": "***"}


async def test_legacy_secret_placeholders(server: httpbin.TestServer) -> None:
    output = await completed(
        {
            # Camunda's pattern takes "/" into the name: a URL is one whole secret.
            "url": "secrets.BEARER_URL",
            "authentication": {"type": "bearer", "token": "secrets.TOKEN"},
        },
        secrets={"BEARER_URL": f"{server.url}/bearer", "TOKEN": "legacy-token-123"},
    )
    assert output["body"] == {"authenticated": True, "token": "***"}


async def test_an_authentication_configuration_replaces_the_tasks(
    server: httpbin.TestServer,
) -> None:
    output = await completed(
        {
            "url": f"{server.url}/basic-auth/grace/pw-2",
            "authentication": {"type": "noAuth"},
            "authenticationConfiguration": {
                "authentication": {"type": "basic", "username": "grace", "password": "pw-2"}
            },
        }
    )
    assert output["status"] == 200


@pytest.mark.parametrize("client_authentication", ["credentialsBody", "basicAuthHeader"])
async def test_oauth_client_credentials(
    server: httpbin.TestServer, client_authentication: str
) -> None:
    server.oauth.clients["camunda-client"] = "camunda-secret-1"
    output = await completed(
        {
            "url": f"{server.url}/oauth/protected",
            "authentication": {
                "type": "oauth-client-credentials-flow",
                "oauthTokenEndpoint": f"{server.url}/oauth/token",
                "clientId": "camunda-client",
                "clientSecret": "camunda-secret-1",
                "audience": "api",
                "scopes": "read",
                "clientAuthentication": client_authentication,
            },
        }
    )
    assert output["body"] == {"ok": True}
    request = server.oauth.requests[-1]
    assert request["basic"] == (client_authentication == "basicAuthHeader")
    assert (request["form"]["audience"], request["form"]["scope"]) == ("api", "read")


async def test_oauth_refresh_token_and_its_error_codes(server: httpbin.TestServer) -> None:
    server.oauth.clients["refresh-client"] = "refresh-secret-1"
    server.oauth.refresh_tokens.add("rt-valid-1")

    def auth(token: str) -> dict[str, Any]:
        return {
            "url": f"{server.url}/oauth/protected",
            "authentication": {
                "type": "oauth-refresh-token",
                "oauthTokenEndpoint": f"{server.url}/oauth/token",
                "clientId": "refresh-client",
                "clientSecret": "refresh-secret-1",
                "refreshToken": token,
            },
        }

    assert (await completed(auth("rt-valid-1")))["body"] == {"ok": True}
    expired = await failed(auth("rt-unknown-1"))
    assert expired.code == "OAUTH_REFRESH_TOKEN_EXPIRED"
    refused = await failed(
        {
            "url": f"{server.url}/oauth/protected",
            "authentication": {
                "type": "oauth-client-credentials-flow",
                "oauthTokenEndpoint": f"{server.url}/oauth/token",
                "clientId": "nobody",
                "clientSecret": "wrong-secret-1",
                "clientAuthentication": "credentialsBody",
            },
        }
    )
    assert refused.code == "401"
    no_token = await failed(
        {
            "url": f"{server.url}/oauth/protected",
            "authentication": {
                "type": "oauth-client-credentials-flow",
                "oauthTokenEndpoint": f"{server.url}/anything",
                "clientId": "c",
                "clientSecret": "s-secret-1",
            },
        }
    )
    assert no_token.code == "OAUTH_TOKEN_ERROR"


async def test_no_authentication_type_is_none(server: httpbin.TestServer) -> None:
    for authentication in (None, {}, {"type": None}, {"type": "noAuth", "token": "stale"}):
        output = await completed({"url": f"{server.url}/headers", "authentication": authentication})
        assert "Authorization" not in output["body"]["headers"]


# -- TLS ----------------------------------------------------------------------------------


async def test_client_tls(tls_server: httpbin.TestServer, ca: trustme.CA) -> None:
    identity = ca.issue_cert("svc@example.com", common_name="camunda-client")
    output = await completed(
        {
            "url": f"{tls_server.url}/get",
            "clientTls": {
                "trustedCertificate": pem(ca.cert_pem),
                "clientCertificate": pem(identity.cert_chain_pems[0]),
                "clientPrivateKey": pem(identity.private_key_pem),
                "privateKeyPassword": "",
            },
        }
    )
    assert output["body"]["clientCertificate"] == "camunda-client"
    lonely = await failed(
        {
            "url": f"{tls_server.url}/get",
            "clientTls": {"clientPrivateKey": pem(identity.private_key_pem)},
        }
    )
    assert lonely.input_error and lonely.variables["fields"] == ["clientTls"]
    bad = await failed(
        {"url": f"{tls_server.url}/get", "clientTls": {"trustedCertificate": "not pem"}}
    )
    assert bad.input_error and "clientTls.trustedCertificate" in bad.message


# -- input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({}, "url"),
        ({"url": "ftp://example.com"}, "url"),
        ({"url": "https://x.example", "method": "TRACE"}, "method"),
        ({"url": "https://x.example", "authentication": {"type": "magic"}}, "authentication"),
        (
            {"url": "https://x.example", "authentication": {"type": "bearer"}},
            "authentication.token",
        ),
        ({"url": "https://x.example", "headers": {"Bad Name": "1"}}, "headers.Bad Name"),
    ],
)
async def test_bad_input_names_camundas_field(variables: dict[str, Any], field: str) -> None:
    failure = await failed(variables)
    assert failure.input_error and failure.retries == 0
    assert failure.variables["fields"] == [field], failure.message


async def test_template_strings_for_numbers_and_empty_optional_values(
    server: httpbin.TestServer,
) -> None:
    # Older templates write timeouts as text, and leave optional fields empty.
    output = await completed(
        {
            "url": f"{server.url}/get",
            "connectionTimeoutInSeconds": "20",
            "readTimeoutInSeconds": "",
            "headers": "",
            "writeTimeoutInSeconds": "0",
            "groupSetCookieHeaders": False,
        }
    )
    assert output["status"] == 200
