"""What the connector returns: status, headers and the body read by its content type."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tasklink.client._decoding import DECODE_STEP
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


async def test_problem_json_is_json_too(server: Any) -> None:
    outcome = await arun_job(connector, {"url": f"{server.url}/problem/409"})
    assert isinstance(outcome, Failed)
    assert outcome.variables["bodyType"] == "json"
    assert outcome.variables["body"] == {"title": "problem", "status": 409}


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


async def test_response_within_the_limit_is_read(server: Any) -> None:
    output = await get(server, "/large", queryParameters={"size": 1000}, maxResponseBytes=1000)
    assert len(output["body"]) == 1000


async def test_declared_length_over_the_limit_fails_before_reading(server: Any) -> None:
    outcome = await arun_job(
        connector,
        {"url": f"{server.url}/large", "queryParameters": {"size": 5000}, "maxResponseBytes": 4999},
    )
    assert isinstance(outcome, Failed)
    assert outcome.code == "RESPONSE_TOO_LARGE"
    assert outcome.retries == 0
    assert "maxResponseBytes" in outcome.message
    assert outcome.variables == {"status": 200, "maxResponseBytes": 4999}


async def test_streamed_response_over_the_limit_stops_reading(server: Any) -> None:
    # 64 MB streamed without a length: the job fails after about 1 MB instead of reading it.
    outcome = await arun_job(
        connector,
        {
            "url": f"{server.url}/large",
            "queryParameters": {"size": 64 * 1024 * 1024, "chunked": 1},
            "maxResponseBytes": 1024 * 1024,
        },
    )
    assert isinstance(outcome, Failed)
    assert outcome.code == "RESPONSE_TOO_LARGE"


async def test_limit_counts_decompressed_bytes(server: Any) -> None:
    # A few kB of gzip that inflate to 16 MB: stopped at the limit, not inflated in memory.
    outcome = await arun_job(
        connector,
        {
            "url": f"{server.url}/gzip-bomb",
            "queryParameters": {"size": 16 * 1024 * 1024},
            "maxResponseBytes": 1024 * 1024,
        },
    )
    assert isinstance(outcome, Failed)
    assert outcome.code == "RESPONSE_TOO_LARGE"


LIMIT = 100 * 1024


@pytest.mark.parametrize("layers", [1, 2])
async def test_a_gzip_bomb_is_inflated_only_up_to_the_limit(
    server: Any, inflated: list[int], layers: int
) -> None:
    # 8 MB of zeros gzipped once (8 kB) or twice (about 100 bytes), limit 100 kB. httpx
    # would inflate each network chunk whole, through both layers, before any check.
    outcome = await arun_job(
        connector,
        {
            "url": f"{server.url}/gzip-bomb",
            "queryParameters": {"size": 8 * 1024 * 1024, "layers": layers},
            "maxResponseBytes": LIMIT,
        },
    )
    assert isinstance(outcome, Failed), outcome
    assert outcome.code == "RESPONSE_TOO_LARGE"
    assert outcome.variables == {"status": 200, "maxResponseBytes": LIMIT}
    # Memory stays bounded: no step produced more than DECODE_STEP bytes, and decoding
    # stopped within one step past the limit (per coding: the inner layer is small).
    assert inflated and max(inflated) <= DECODE_STEP
    assert sum(inflated) <= LIMIT + layers * DECODE_STEP


async def test_a_redirect_body_is_drained_within_bounds(server: Any, inflated: list[int]) -> None:
    # A 302 whose (8 kB) body inflates to 8 MB: once read whole to reuse the connection.
    output = await get(
        server,
        "/gzip-bomb",
        queryParameters={"size": 8 * 1024 * 1024, "status": 302, "location": "/get"},
        followRedirects=True,
    )
    assert output["status"] == 200 and output["url"] == f"{server.url}/get"
    assert sum(inflated) <= 64 * 1024 + DECODE_STEP


@pytest.mark.parametrize("coding", ["gzip", "deflate", "raw-deflate", "gzip, identity"])
async def test_gzip_and_deflate_bodies_are_decoded(server: Any, coding: str) -> None:
    text = '{"greeting": "' + "hello " * 5000 + '"}'
    output = await get(server, "/encoded", queryParameters={"text": text, "coding": coding})
    assert output["bodyType"] == "json"
    assert output["body"]["greeting"].startswith("hello hello")
    assert len(output["body"]["greeting"]) == 6 * 5000


async def test_only_decodable_codings_are_asked_for(server: Any) -> None:
    output = await get(server, "/headers")
    assert output["body"]["headers"]["Accept-Encoding"] == "gzip, deflate"
    mine = await get(server, "/headers", headers={"Accept-Encoding": "br"})
    assert mine["body"]["headers"]["Accept-Encoding"] == "br"


async def test_a_body_in_an_unknown_coding_is_returned_as_it_came(server: Any) -> None:
    output = await get(server, "/encoded", queryParameters={"text": '{"a": 1}', "coding": "br"})
    assert output["bodyType"] == "binary"
    assert base64.b64decode(output["body"]["content"]) == b'{"a": 1}'
    assert output["body"]["contentType"] == "application/json"
    assert output["headers"]["content-encoding"] == "br"


async def test_more_than_two_stacked_codings_are_left_encoded(
    server: Any, inflated: list[int]
) -> None:
    output = await get(server, "/gzip-bomb", queryParameters={"size": 1000, "layers": 3})
    assert output["bodyType"] == "binary"
    assert output["headers"]["content-encoding"] == "gzip, gzip, gzip"
    assert inflated == []  # not even partly inflated


async def test_broken_gzip_is_a_failed_response(server: Any) -> None:
    outcome = await arun_job(
        connector,
        {"url": f"{server.url}/response-headers", "queryParameters": {"Content-Encoding": "gzip"}},
    )
    assert isinstance(outcome, Failed)
    assert outcome.code == "CONNECTION_FAILED"
    assert "not valid gzip data" in outcome.message


async def test_result_variable_and_output_mapping(server: Any) -> None:
    outcome = await arun_job(
        connector, {"url": f"{server.url}/json"}, headers={"resultVariable": "reply"}
    )
    assert isinstance(outcome, Completed)
    assert outcome.variables["reply"]["status"] == 200


# -- the operator's ceiling for maxResponseBytes ---------------------------------------------

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


async def test_a_streamed_response_stops_at_a_lowered_ceiling(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 4 MB without a length: within the default limit, over the operator's 1 MB.
    monkeypatch.setenv(CEILING, str(1024 * 1024))
    outcome = await arun_job(
        connector,
        {"url": f"{server.url}/large", "queryParameters": {"size": 4 * 1024 * 1024, "chunked": 1}},
    )
    assert isinstance(outcome, Failed), outcome
    assert outcome.code == "RESPONSE_TOO_LARGE"
    assert outcome.variables == {"status": 200, "maxResponseBytes": 1024 * 1024}


async def test_a_job_may_lower_the_limit_below_the_ceiling(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CEILING, "4096")
    outcome = await arun_job(
        connector, {"url": f"{server.url}/large?size=600", "maxResponseBytes": 500}
    )
    assert isinstance(outcome, Failed), outcome
    assert outcome.code == "RESPONSE_TOO_LARGE"
    assert "larger than maxResponseBytes (500 bytes); raise the limit" in outcome.message


@pytest.mark.parametrize("value", ["0", "-1", "ten", "1.5", "1e6"])
async def test_an_invalid_ceiling_is_a_configuration_error(
    server: Any, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(CEILING, value)
    outcome = await arun_job(connector, {"url": f"{server.url}/get"})
    assert isinstance(outcome, Failed), outcome
    assert (outcome.code, outcome.retries) == ("CONFIGURATION_ERROR", 0)
    assert f"TASKLINK_HTTP_MAX_RESPONSE_BYTES: {value!r} is not a positive integer" in (
        outcome.message
    )


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
