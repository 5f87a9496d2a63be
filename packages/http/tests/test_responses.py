"""What the connector returns: status, headers and the body read by its content type."""

from __future__ import annotations

import base64
from typing import Any

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


async def test_result_variable_and_output_mapping(server: Any) -> None:
    outcome = await arun_job(
        connector, {"url": f"{server.url}/json"}, headers={"resultVariable": "reply"}
    )
    assert isinstance(outcome, Completed)
    assert outcome.variables["reply"]["status"] == 200
