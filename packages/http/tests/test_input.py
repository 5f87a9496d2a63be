"""Bad input is an input error (an incident, never retried) naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from tasklink.core import Completed, Failed, InputError, JobExecutor, MappingSecretProvider
from tasklink.http import HttpRequest, connector
from tasklink.testing import run_job

URL = "https://api.example.com/items"
FILE = {"content": "aGVsbG8=", "filename": "a.txt"}


def bind(variables: dict[str, Any]) -> Any:
    return JobExecutor(MappingSecretProvider({})).bind(
        connector.get_operation(), variables, strict=True
    )


BAD = [
    # URLs
    ({"url": "api.example.com/items"}, "url", "absolute URL"),
    ({"url": "ftp://example.com/file"}, "url", "unsupported scheme 'ftp'"),
    ({"url": "file:///etc/passwd"}, "url", "unsupported scheme 'file'"),
    ({"url": "https://exa mple.com/"}, "url", "spaces or control characters"),
    ({"url": "https://example.com/a\r\nX-Injected: 1"}, "url", "control characters"),
    ({"url": "https://user:pw@example.com/"}, "url", "credentials"),
    ({"url": "https://example.com:99999/"}, "url", "not a valid URL"),
    ({"url": "http:///path-only"}, "url", "absolute URL"),
    ({"url": ""}, "url", "must not be empty"),
    ({"method": "TRACE"}, "method", "Input should be"),
    # headers
    ({"headers": {"X-Bad": "a\r\nX-Injected: 1"}}, "headers.X-Bad", "line breaks"),
    ({"headers": {"X-Bad": "a\nb"}}, "headers.X-Bad", "line breaks"),
    ({"headers": {"X-Bad": "a\x00b"}}, "headers.X-Bad", "control characters"),
    ({"headers": {"X-Bad": "naïve"}}, "headers.X-Bad", "ASCII"),
    ({"headers": {"Bad Name": "x"}}, "headers.Bad Name", "not a valid header name"),
    ({"headers": {"X-A:b": "x"}}, "headers.X-A:b", "not a valid header name"),
    ({"headers": {"Content-Length": "3"}}, "headers.Content-Length", "set by the connector"),
    ({"headers": {"Accept": "a", "accept": "b"}}, "headers.accept", "given twice"),
    ({"headers": {"X-List": ["a"]}}, "headers.X-List", "Input should be"),
    ({"headers": "Accept: x"}, "headers", "valid dictionary"),
    ({"queryParameters": {"": "x"}}, "queryParameters", "must not be empty"),
    ({"queryParameters": {"a": {"b": 1}}}, "queryParameters.a", "Input should be"),
    # bodies that do not fit the body type
    ({"body": "{not json"}, "body", "not valid JSON text"),
    ({"body": {"n": float("nan")}}, "body", "NaN"),
    ({"bodyType": "text", "body": {"a": 1}}, "body", "needs a string, not an object"),
    ({"bodyType": "form", "body": "a=1"}, "body", "needs an object"),
    ({"bodyType": "form", "body": {"a": {"b": 1}}}, "body.a", "string, number or boolean"),
    ({"bodyType": "multipart", "body": [1, 2]}, "body", "needs an object"),
    ({"bodyType": "multipart", "body": {"f": {"content": "%%"}}}, "body.f.content", "base64"),
    ({"bodyType": "multipart", "body": {"f": {"name": "x"}}}, "body.f", "unknown field 'name'"),
    (
        {"bodyType": "multipart", "body": {"f": {"filename": "a"}}},
        "body.f.content",
        "base64 string",
    ),
    (
        {"bodyType": "multipart", "body": {"f": [FILE, {**FILE, "contentType": "a\nb"}]}},
        "body.f[1].contentType",
        "media type",
    ),
    ({"bodyType": "binary", "body": "not base64!"}, "body", "not valid base64"),
    ({"bodyType": "binary", "body": 12}, "body", "base64 text, a file object or a document"),
    ({"bodyType": "xml", "body": "<a/>"}, "bodyType", "Input should be"),
    (
        {"bodyType": "form", "headers": {"Content-Type": "application/json"}, "body": {"a": 1}},
        "headers.Content-Type",
        "bodyType form",
    ),
    (
        {"bodyType": "text", "headers": {"Content-Type": "text/plain; charset=nope"}, "body": "x"},
        "headers.Content-Type",
        "unknown charset",
    ),
    (
        {"bodyType": "text", "headers": {"Content-Type": "text/plain; charset=ascii"}, "body": "é"},
        "body",
        "ascii",
    ),
    # timeouts, limits, redirects
    (
        {"connectionTimeoutInSeconds": -1},
        "connectionTimeoutInSeconds",
        "greater than or equal to 0",
    ),
    ({"readTimeoutInSeconds": -0.5}, "readTimeoutInSeconds", "greater than or equal to 0"),
    ({"readTimeoutInSeconds": "soon"}, "readTimeoutInSeconds", "valid number"),
    ({"readTimeoutInSeconds": float("inf")}, "readTimeoutInSeconds", "finite number"),
    ({"totalTimeoutInSeconds": -1}, "totalTimeoutInSeconds", "greater than or equal to 0"),
    ({"totalTimeoutInSeconds": float("inf")}, "totalTimeoutInSeconds", "finite number"),
    ({"totalTimeoutInSeconds": float("nan")}, "totalTimeoutInSeconds", "finite number"),
    ({"maxResponseBytes": 0}, "maxResponseBytes", "greater than or equal to 1"),
    ({"maxRedirects": -1}, "maxRedirects", "greater than or equal to 0"),
    # authentication
    (
        {"authentication": {"type": "kerberos"}},
        "authentication",
        "does not match any of the expected tags",
    ),
    ({"authentication": {"token": "x"}}, "authentication", "Unable to extract tag"),
    (
        {"authentication": {"type": "basic", "password": "x"}},
        "authentication.username",
        "Field required",
    ),
    (
        {"authentication": {"type": "basic", "username": "a:b", "password": "x"}},
        "authentication.username",
        "':'",
    ),
    (
        {"authentication": {"type": "bearer", "token": "Bearer "}},
        "authentication.token",
        "must not be empty",
    ),
    (
        {"authentication": {"type": "bearer", "token": "a\r\nb"}},
        "authentication.token",
        "line breaks",
    ),
    (
        {"authentication": {"type": "api_key", "name": "Bad Name", "value": "k"}},
        "authentication.name",
        "header name",
    ),
    (
        {"authentication": {"type": "api_key", "name": "X-Key", "value": "k\n"}},
        "authentication.value",
        "line breaks",
    ),
    (
        {"authentication": {"type": "api_key", "location": "cookie", "name": "k", "value": "v"}},
        "authentication.location",
        "Input should be",
    ),
    (
        {
            "authentication": {
                "type": "oauth2_client_credentials",
                "tokenUrl": "ldap://x",
                "clientId": "a",
                "clientSecret": "b",
            }
        },
        "authentication.tokenUrl",
        "unsupported scheme",
    ),
    (
        {
            "authentication": {
                "type": "oauth2_client_credentials",
                "tokenUrl": "https://x/t",
                "clientId": "a",
            }
        },
        "authentication.clientSecret",
        "Field required",
    ),
    # TLS
    ({"tls": {"caCertificate": "not a pem"}}, "tls.caCertificate", "PEM"),
    (
        {"tls": {"clientKey": "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----"}},
        "tls.clientKey",
        "needs clientCertificate",
    ),
    (
        {
            "tls": {
                "verify": False,
                "caCertificate": "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----",
            }
        },
        "tls.caCertificate",
        "verify is false",
    ),
    # unknown fields
    ({"timeout": 5}, "timeout", "unknown field"),
    (
        {"authentication": {"type": "bearer", "token": "t", "extra": 1}},
        "authentication.extra",
        "unknown field",
    ),
]


@pytest.mark.parametrize(("changes", "field", "problem"), BAD, ids=[b[1] + ":" + b[2] for b in BAD])
def test_bad_input_names_the_field(changes: dict[str, Any], field: str, problem: str) -> None:
    with pytest.raises(InputError) as caught:
        bind({"url": URL, **changes})
    error = caught.value
    assert error.code == "INVALID_INPUT" if "required" not in problem else "MISSING_INPUT"
    assert error.field == field, error.message
    assert f"{field}: " in error.message
    assert problem in error.message


def test_a_bad_input_job_is_an_incident_without_retries() -> None:
    outcome = run_job(connector, {"url": "ftp://example.com/"}, retries=5)
    assert isinstance(outcome, Failed)
    assert (outcome.code, outcome.retries, outcome.input_error) == ("INVALID_INPUT", 0, True)


def test_error_messages_never_repeat_the_offending_value() -> None:
    secret = "s3cret-header-value\r\n"
    with pytest.raises(InputError) as caught:
        bind({"url": URL, "headers": {"X-Token": secret}})
    assert "s3cret" not in caught.value.message


def test_several_problems_are_reported_together() -> None:
    with pytest.raises(InputError) as caught:
        bind({"url": "ftp://x", "readTimeoutInSeconds": -1, "method": "TRACE"})
    for field in ("url", "readTimeoutInSeconds", "method"):
        assert f"{field}: " in caught.value.message


def test_accepted_spellings() -> None:
    request = bind(
        {
            "url": "  https://api.example.com/items  ",
            "method": " patch ",
            "authentication": None,
            "headers": {"X-Spaces": "  padded  "},
            "body": None,
        }
    )
    assert isinstance(request, HttpRequest)
    assert request.url == "https://api.example.com/items"
    assert request.method == "PATCH"
    assert request.authentication.type == "none"
    assert request.request_headers == {"X-Spaces": "padded"}
    assert request.encoded_body is None
    # snake_case names work for Python callers too
    request = bind({"url": URL, "read_timeout_in_seconds": 0, "body_type": "text", "body": ""})
    assert request.read_timeout_in_seconds == 0
    assert request.encoded_body is not None and request.encoded_body.content == b""


def test_unicode_host_names_are_accepted(server: Any) -> None:
    request = bind({"url": "https://bücher.example/straße?q=ü"})
    assert request.url.startswith("https://bücher.example/")


def test_valid_input_runs(server: Any) -> None:
    outcome = run_job(connector, {"url": f"{server.url}/get"})
    assert isinstance(outcome, Completed)
