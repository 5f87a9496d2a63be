"""What the connector returns: status, headers and the body read by its content type, and
its rule for maxResponseBytes against the operator's ceiling (reading within limits and
decompression are the shared client's, tested in tasklink-client)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tasklink.core import Completed, Failed
from tasklink.http import connector
from tasklink.testing import arun_job


async def get(server: Any, path: str, **variables: Any) -> dict[str, Any]:
    outcome = await arun_job(connector, {"url": f"{server.url}{path}", **variables})
    assert isinstance(outcome, Completed), outcome
    return outcome.output


async def test_json_response(server: Any) -> None:
    output = await get(server, "/json")
    assert output["status"] == 200
    assert output["reason"] == "OK"
    assert output["bodyType"] == "json"
    assert output["body"]["slideshow"]["title"] == "Sample Slide Show"
    assert output["contentType"] == "application/json"
    assert output["url"] == f"{server.url}/json"


async def test_text_is_decoded_with_its_charset(server: Any) -> None:
    output = await get(server, "/xml")
    assert output["bodyType"] == "text"
    assert output["body"].endswith("<p>café</p>")


async def test_json_that_does_not_parse_is_returned_as_text(server: Any) -> None:
    output = await get(server, "/invalid-json")
    assert (output["bodyType"], output["body"]) == ("text", "{not json")


async def test_binary_is_base64_with_its_content_type_and_file_name(server: Any) -> None:
    output = await get(server, "/download")
    assert output["bodyType"] == "binary"
    body = output["body"]
    assert body["contentType"] == "image/png"
    assert body["filename"] == "pixel.png"
    assert base64.b64decode(body["content"]).startswith(b"\x89PNG")


async def test_octet_stream_is_binary(server: Any) -> None:
    output = await get(server, "/bytes/64")
    assert output["bodyType"] == "binary"
    assert len(base64.b64decode(output["body"]["content"])) == 64
    assert output["body"]["filename"] is None


async def test_empty_body_is_null(server: Any) -> None:
    output = await get(server, "/status/204")
    assert (output["status"], output["body"], output["bodyType"]) == (204, None, "empty")


async def test_headers_are_lower_case_and_credentials_are_masked(server: Any) -> None:
    output = await get(
        server,
        "/response-headers",
        queryParameters={"X-Request-Id": "r-1", "WWW-Authenticate": 'Bearer realm="x"'},
    )
    headers = output["headers"]
    assert headers["x-request-id"] == "r-1"
    assert headers["www-authenticate"] == 'Bearer realm="x"'
    cookie = await get(server, "/set-cookie")
    assert cookie["headers"]["set-cookie"] == "***"
    assert "s3cr3t-session" not in str(cookie)


async def test_a_body_in_an_unknown_coding_is_binary(server: Any) -> None:
    # Returned undecoded by the client: whatever its type, only its bytes can be passed on.
    output = await get(server, "/encoded", queryParameters={"text": '{"a": 1}', "coding": "br"})
    assert output["bodyType"] == "binary"
    assert base64.b64decode(output["body"]["content"]) == b'{"a": 1}'
    assert output["body"]["contentType"] == "application/json"
    assert output["headers"]["content-encoding"] == "br"


async def test_result_variable_and_output_mapping(server: Any) -> None:
    outcome = await arun_job(
        connector, {"url": f"{server.url}/json"}, headers={"resultVariable": "reply"}
    )
    assert isinstance(outcome, Completed)
    assert outcome.variables["reply"]["status"] == 200


# -- maxResponseBytes and the operator's ceiling ---------------------------------------------
# The template writes the default into every diagram: left at it, the field is no choice of
# the process and yields to a lower ceiling; any other value is, and above the ceiling it is
# an input error.

CEILING = "TASKLINK_HTTP_MAX_RESPONSE_BYTES"


async def test_a_limit_above_the_default_ceiling_is_refused_before_sending(server: Any) -> None:
    before = len(server.log)
    outcome = await arun_job(
        connector, {"url": f"{server.url}/large?size=10", "maxResponseBytes": 1024**3}
    )
    assert isinstance(outcome, Failed), outcome
    assert (outcome.code, outcome.retries, outcome.input_error) == ("INVALID_INPUT", 0, True)
    assert outcome.message == (
        "maxResponseBytes: 1073741824 is more than the operator allows: at most 33554432 "
        "bytes (TASKLINK_HTTP_MAX_RESPONSE_BYTES)"
    )
    assert len(server.log) == before


async def test_a_limit_up_to_the_ceiling_is_the_jobs_choice(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CEILING, "20000000")
    output = await get(server, "/large", queryParameters={"size": 1000}, maxResponseBytes=20000000)
    assert len(output["body"]) == 1000
    refused = await arun_job(
        connector, {"url": f"{server.url}/large?size=10", "maxResponseBytes": 20000001}
    )
    assert isinstance(refused, Failed) and refused.code == "INVALID_INPUT", refused
    assert "at most 20000000 bytes" in refused.message


@pytest.mark.parametrize("sent", [{}, {"maxResponseBytes": 10 * 1024 * 1024}])
async def test_the_default_limit_yields_to_a_lower_ceiling(
    server: Any, monkeypatch: pytest.MonkeyPatch, sent: dict[str, Any]
) -> None:
    # Left out, or sent as the template's default value: no choice of the process author.
    monkeypatch.setenv(CEILING, "4096")
    within = await get(server, "/large", queryParameters={"size": 4096}, **sent)
    assert len(within["body"]) == 4096
    outcome = await arun_job(
        connector, {"url": f"{server.url}/large", "queryParameters": {"size": 4097}, **sent}
    )
    assert isinstance(outcome, Failed), outcome
    assert outcome.code == "RESPONSE_TOO_LARGE"
    assert outcome.variables == {"status": 200, "maxResponseBytes": 4096}
    assert "4096 bytes, the most the operator allows (TASKLINK_HTTP_MAX_RESPONSE_BYTES)" in (
        outcome.message
    )


# With storeResponse the body is streamed into a document, spooled to disk: the document
# store bounds it, not the ceiling on bodies held in memory. An error status's body is read
# into the error, into memory: the ceiling holds it.


@pytest.mark.parametrize("sent", [{}, {"maxResponseBytes": 300 * 1024 * 1024}])
async def test_a_stored_responses_error_body_is_held_to_the_ceiling(
    server: Any, monkeypatch: pytest.MonkeyPatch, sent: dict[str, Any]
) -> None:
    monkeypatch.setenv(CEILING, "4096")
    # 8 KiB once inflated, answered with a 500.
    error = {"size": 8192, "status": 500}
    outcome = await arun_job(
        connector,
        {
            "url": f"{server.url}/gzip-bomb",
            "queryParameters": error,
            "storeResponse": True,
            **sent,
        },
    )
    assert isinstance(outcome, Failed), outcome
    assert (outcome.code, outcome.retries) == ("RESPONSE_TOO_LARGE", 0)
    assert outcome.variables == {"status": 500, "maxResponseBytes": 4096}
    assert "4096 bytes, the most the operator allows (TASKLINK_HTTP_MAX_RESPONSE_BYTES)" in (
        outcome.message
    )


async def test_a_stored_response_may_be_larger_than_the_ceiling(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CEILING, "4096")
    output = await get(
        server,
        "/large",
        queryParameters={"size": 8192, "chunked": 1},
        storeResponse=True,
        maxResponseBytes=1024 * 1024,
    )
    assert output["bodyType"] == "document"
    assert base64.b64decode(output["document"]["content"]) == b"x" * 8192


# -- file names from Content-Disposition -----------------------------------------------------


@pytest.mark.parametrize(
    ("disposition", "filename"),
    [
        ('attachment; filename="report.pdf"', "report.pdf"),
        ('attachment; filename="../../../etc/passwd"', "passwd"),
        ('attachment; filename="/etc/passwd"', "passwd"),
        ('attachment; filename="C:\\\\Windows\\\\evil.exe"', "evil.exe"),
        ("attachment; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd", "passwd"),
        ("attachment; filename*=UTF-8''%2Fetc%2Fshadow", "shadow"),
        ("attachment; filename*=UTF-8''evil%0D%0A%00.txt", "evil.txt"),  # CR, LF, NUL
        ("attachment; filename*=UTF-8''a%3Ab%2A.txt", "a_b_.txt"),  # ':' and '*' for Windows
        ("attachment; filename*=UTF-8''invoice%E2%80%AEfdp.exe", "invoicefdp.exe"),  # bidi
        ("attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf", "résumé.pdf"),
        ('attachment; filename=".."', None),
        ("attachment; filename*=UTF-8''..%2F..%2F", None),
        ("attachment", None),
    ],
)
async def test_file_names_are_reduced_to_a_safe_base_name(
    server: Any, disposition: str, filename: str | None
) -> None:
    output = await get(server, "/disposition", queryParameters={"value": disposition})
    assert output["bodyType"] == "binary"
    assert output["body"]["filename"] == filename
    # The header itself stays as the server sent it: it is what was said, not a name to use.
    assert output["headers"]["content-disposition"] == disposition


@pytest.mark.parametrize(
    "disposition",
    [
        'attachment; filename="../../etc/passwd"',
        "attachment; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd%0D%0A",  # CR, LF
        "attachment; filename*=UTF-8''%2Fetc%2F%0D%0Apasswd",
    ],
)
async def test_a_stored_response_is_named_with_the_safe_base_name(
    server: Any, disposition: str
) -> None:
    output = await get(
        server, "/disposition", queryParameters={"value": disposition}, storeResponse=True
    )
    assert output["bodyType"] == "document"
    assert output["document"]["name"] == "passwd"
