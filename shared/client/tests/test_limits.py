"""Bounded reading: the response size limit (and the operator's ceiling above it), and
decompression in bounded steps, each stacked coding counted against the limit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from tasklink import client
from tasklink.client._decoding import DECODE_STEP
from tasklink.core import ConnectorError, Context, InputError
from tasklink.testing import httpbin

Fetch = Callable[..., Awaitable[client.Response]]
Failure = Callable[..., Awaitable[ConnectorError]]
CEILING = "TASKLINK_HTTP_MAX_RESPONSE_BYTES"
LIMIT = 100 * 1024


def large(size: int, *, chunked: bool = False) -> list[tuple[str, str]]:
    """The query for ``/large``: ``size`` bytes, without a length if ``chunked``."""
    return [("size", str(size)), ("chunked", "1" if chunked else "0")]


# -- the limit -----------------------------------------------------------------------------------


async def test_a_body_within_the_limit_is_read(server: httpbin.TestServer, fetch: Fetch) -> None:
    for chunked in (False, True):
        response = await fetch(
            f"{server.url}/large", query=large(1000, chunked=chunked), max_response_bytes=1000
        )
        assert response.content == b"x" * 1000


async def test_a_declared_length_over_the_limit_fails_before_reading(
    server: httpbin.TestServer, failure: Failure
) -> None:
    error = await failure(f"{server.url}/large", query=large(5000), max_response_bytes=4999)
    assert (error.code, error.retryable) == ("RESPONSE_TOO_LARGE", False)
    assert error.variables == {"status": 200, "maxResponseBytes": 4999}
    assert error.message == (
        f"GET {server.url}/large: the response body is larger than maximum response size "
        "(4999 bytes); raise the limit or request less data"
    )


async def test_a_streamed_body_over_the_limit_stops_reading(
    server: httpbin.TestServer, failure: Failure
) -> None:
    # 64 MB streamed without a length: refused after about 1 MB instead of reading it.
    error = await failure(
        f"{server.url}/large",
        query=large(64 * 1024 * 1024, chunked=True),
        max_response_bytes=1024 * 1024,
    )
    assert error.code == "RESPONSE_TOO_LARGE"


async def test_the_default_limit(server: httpbin.TestServer, failure: Failure) -> None:
    assert client.DEFAULT_MAX_RESPONSE_BYTES == 10 * 1024 * 1024
    error = await failure(f"{server.url}/large", query=large(client.DEFAULT_MAX_RESPONSE_BYTES + 1))
    assert error.variables == {"status": 200, "maxResponseBytes": 10 * 1024 * 1024}


async def test_a_head_response_has_no_body(server: httpbin.TestServer, fetch: Fetch) -> None:
    response = await fetch(f"{server.url}/json", method="HEAD", max_response_bytes=1)
    assert (response.status, response.content) == (200, b"")
    assert response.content_type == "application/json"
    assert int(response.headers["content-length"]) > 1


# -- the operator's ceiling ------------------------------------------------------------------------


async def test_an_explicit_limit_above_the_ceiling_is_refused_before_sending(
    server: httpbin.TestServer, ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CEILING, "4096")
    before = len(server.log)
    request = client.Request(
        "GET",
        f"{server.url}/large?size=10",
        max_response_bytes=4097,
        explicit_limit=True,
        fields=client.FieldNames(max_response_bytes="sizeLimit"),
    )
    with pytest.raises(InputError) as raised:
        await client.send(request, ctx)
    assert raised.value.field == "sizeLimit"
    assert raised.value.message == (
        "sizeLimit: 4097 is more than the operator allows: at most 4096 bytes "
        "(TASKLINK_HTTP_MAX_RESPONSE_BYTES)"
    )
    assert len(server.log) == before


async def test_an_explicit_limit_up_to_the_ceiling_is_the_callers_choice(
    server: httpbin.TestServer, fetch: Fetch, failure: Failure, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CEILING, "4096")
    within = await fetch(
        f"{server.url}/large", query=large(4096), max_response_bytes=4096, explicit_limit=True
    )
    assert len(within.content) == 4096
    lower = await failure(
        f"{server.url}/large", query=large(600), max_response_bytes=500, explicit_limit=True
    )
    assert lower.variables == {"status": 200, "maxResponseBytes": 500}
    assert "larger than maximum response size (500 bytes); raise the limit" in lower.message


@pytest.mark.parametrize("chunked", [False, True])
async def test_a_limit_not_chosen_yields_to_a_lower_ceiling(
    server: httpbin.TestServer,
    fetch: Fetch,
    failure: Failure,
    monkeypatch: pytest.MonkeyPatch,
    chunked: bool,
) -> None:
    monkeypatch.setenv(CEILING, "4096")
    within = await fetch(f"{server.url}/large", query=large(4096, chunked=chunked))
    assert len(within.content) == 4096
    error = await failure(f"{server.url}/large", query=large(4097, chunked=chunked))
    assert (error.code, error.retryable) == ("RESPONSE_TOO_LARGE", False)
    assert error.variables == {"status": 200, "maxResponseBytes": 4096}
    assert error.message.endswith(
        "larger than 4096 bytes, the most the operator allows "
        "(TASKLINK_HTTP_MAX_RESPONSE_BYTES); request less data"
    )


async def test_a_streamed_body_is_the_callers_to_bound_but_reading_it_whole_is_not(
    server: httpbin.TestServer, ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In pieces (into a document) only the caller's limit applies; whatever is read whole
    # into memory (an error body) is held to the ceiling too, and never grows past it.
    monkeypatch.setenv(CEILING, "4096")
    request = client.Request(
        "GET",
        f"{server.url}/large",
        query=large(8192, chunked=True),
        max_response_bytes=1024 * 1024,
        explicit_limit=True,
        fields=client.FieldNames(max_response_bytes="sizeLimit"),
    )
    async with client.stream(request, ctx) as streamed:
        assert sum([len(chunk) async for chunk in streamed.chunks()]) == 8192
    for wanted, limit, says in [
        (1024 * 1024, 4096, "4096 bytes, the most the operator allows (TASKLINK_HTTP_MAX"),
        (1000, 1000, "larger than sizeLimit (1000 bytes); raise the limit"),
    ]:
        with pytest.raises(ConnectorError) as raised:
            async with client.stream(request, ctx) as streamed:
                await streamed.read(wanted)
        assert (raised.value.code, raised.value.retryable) == ("RESPONSE_TOO_LARGE", False)
        assert raised.value.variables == {"status": 200, "maxResponseBytes": limit}
        assert says in raised.value.message


async def test_the_default_ceiling(server: httpbin.TestServer, ctx: Context) -> None:
    request = client.Request(
        "GET", f"{server.url}/get", max_response_bytes=32 * 1024 * 1024 + 1, explicit_limit=True
    )
    with pytest.raises(InputError, match="at most 33554432 bytes"):
        await client.send(request, ctx)


# -- decompression -------------------------------------------------------------------------------


@pytest.mark.parametrize("coding", ["gzip", "deflate", "raw-deflate", "gzip, identity"])
async def test_gzip_and_deflate_bodies_are_decoded(
    server: httpbin.TestServer, fetch: Fetch, coding: str
) -> None:
    text = '{"greeting": "' + "hello " * 5000 + '"}'
    response = await fetch(f"{server.url}/encoded", query=[("text", text), ("coding", coding)])
    assert response.content == text.encode()
    assert response.encoded is False
    assert response.json()["greeting"].startswith("hello hello")


async def test_only_decodable_codings_are_asked_for(
    server: httpbin.TestServer, fetch: Fetch
) -> None:
    sent = await fetch(f"{server.url}/headers")
    assert sent.json()["headers"]["Accept-Encoding"] == "gzip, deflate"
    mine = await fetch(f"{server.url}/anything", headers={"accept-encoding": "br"})
    raw = mine.json()["rawHeaders"]
    assert [value for name, value in raw if name.lower() == "accept-encoding"] == ["br"]


async def test_a_body_in_an_unknown_coding_is_returned_as_it_came(
    server: httpbin.TestServer, fetch: Fetch
) -> None:
    query = [("text", '{"a": 1}'), ("coding", "br")]
    response = await fetch(f"{server.url}/encoded", query=query)
    assert (response.content, response.encoded) == (b'{"a": 1}', True)
    assert response.headers["content-encoding"] == "br"
    assert response.content_type == "application/json"  # of the content once decoded


async def test_more_than_two_stacked_codings_are_left_encoded(
    server: httpbin.TestServer, fetch: Fetch, inflated: list[int]
) -> None:
    response = await fetch(f"{server.url}/gzip-bomb", query=[("size", "1000"), ("layers", "3")])
    assert response.encoded is True
    assert response.headers["content-encoding"] == "gzip, gzip, gzip"
    assert response.content[:2] == b"\x1f\x8b"  # gzip's magic: as it came
    assert inflated == []  # not even partly inflated


async def test_the_limit_counts_decompressed_bytes(
    server: httpbin.TestServer, failure: Failure
) -> None:
    # A few kB of gzip that inflate to 16 MB: stopped at the limit, not inflated in memory.
    error = await failure(
        f"{server.url}/gzip-bomb",
        query=[("size", str(16 * 1024 * 1024))],
        max_response_bytes=1024 * 1024,
    )
    assert error.code == "RESPONSE_TOO_LARGE"


@pytest.mark.parametrize("layers", [1, 2])
async def test_a_gzip_bomb_is_inflated_only_up_to_the_limit(
    server: httpbin.TestServer, failure: Failure, inflated: list[int], layers: int
) -> None:
    # 8 MB of zeros gzipped once (8 kB) or twice (about 100 bytes), limit 100 kB. httpx
    # would inflate each network chunk whole, through both layers, before any check.
    error = await failure(
        f"{server.url}/gzip-bomb",
        query=[("size", str(8 * 1024 * 1024)), ("layers", str(layers))],
        max_response_bytes=LIMIT,
    )
    assert (error.code, error.retryable) == ("RESPONSE_TOO_LARGE", False)
    assert error.variables == {"status": 200, "maxResponseBytes": LIMIT}
    # Memory stays bounded: no step produced more than DECODE_STEP bytes, and decoding
    # stopped within one step past the limit (per coding: the inner layer is small).
    assert inflated and max(inflated) <= DECODE_STEP
    assert sum(inflated) <= LIMIT + layers * DECODE_STEP


async def test_broken_gzip_is_a_failed_response(
    server: httpbin.TestServer, failure: Failure
) -> None:
    error = await failure(f"{server.url}/response-headers", query=[("Content-Encoding", "gzip")])
    assert (error.code, error.retryable) == ("CONNECTION_FAILED", True)
    assert "not valid gzip data" in error.message
