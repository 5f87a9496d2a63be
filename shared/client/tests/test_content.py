"""Bodies and responses of any size: streamed request bodies, multipart with documents,
streamed responses and documents fetched from a URL."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from tasklink import client
from tasklink.core import ConnectorError, Context, Document, DocumentMetadata
from tasklink.testing import httpbin

Fetch = Callable[..., Awaitable[client.Response]]
MIB = 1024 * 1024


def pattern(size: int) -> bytes:
    return bytes(range(256)) * (size // 256) + bytes(range(size % 256))


def chunked_document(size: int, *, file_name: str = "big.bin") -> Document:
    """A document of ``size`` bytes produced 64 KiB at a time, never held whole."""
    block = pattern(65536)

    async def opener() -> AsyncIterator[bytes]:
        left = size
        while left > 0:
            yield block[: min(left, len(block))]
            left -= len(block)

    return Document(opener, DocumentMetadata(file_name, "application/x-test", size))


def expected_digest(size: int) -> str:
    digest = hashlib.sha256()
    block = pattern(65536)
    left = size
    while left > 0:
        digest.update(block[: min(left, len(block))])
        left -= len(block)
    return digest.hexdigest()


# -- multipart ----------------------------------------------------------------------------


def test_parts_in_memory_make_bytes() -> None:
    content, content_type = client.multipart(
        [
            client.FormField("note", "caf\u00e9"),
            client.FormFile("file", b"abc", file_name='a"b.txt', content_type="text/plain"),
        ]
    )
    assert isinstance(content, bytes)
    boundary = content_type.partition("boundary=")[2]
    assert (
        content
        == (
            f'--{boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\ncaf\u00e9\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a%22b.txt"\r\n'
            f"Content-Type: text/plain\r\n\r\nabc\r\n--{boundary}--\r\n"
        ).encode()
    )


async def test_a_multipart_body_of_documents_streams_as_it_is_sent(
    server: httpbin.TestServer, fetch: Fetch
) -> None:
    size = 5 * MIB + 7
    content, content_type = client.multipart(
        [client.FormField("note", "hello"), client.FormFile("file", chunked_document(size))]
    )
    assert isinstance(content, client.StreamedContent) and content.length is None
    response = await fetch(
        f"{server.url}/upload", method="POST", content=content, content_type=content_type
    )
    summary = response.json()
    assert summary["transferEncoding"] == "chunked"
    assert [(p["name"], p["filename"], p["contentType"]) for p in summary["parts"]] == [
        ("note", None, "text/plain"),
        ("file", "big.bin", "application/x-test"),
    ]
    assert (summary["parts"][1]["size"], summary["parts"][1]["sha256"]) == (
        size,
        expected_digest(size),
    )


async def test_a_streamed_body_is_sent_again_on_a_307(
    server: httpbin.TestServer, fetch: Fetch
) -> None:
    size = 300_000
    content = client.StreamedContent(chunked_document(size).chunks, length=size)
    response = await fetch(
        f"{server.url}/redirect-to",
        method="PUT",
        query=[("url", "/upload"), ("status_code", "307")],
        content=content,
        content_type="application/octet-stream",
        follow_redirects=True,
    )
    summary = response.json()
    assert (summary["size"], summary["sha256"]) == (size, expected_digest(size))
    assert summary["transferEncoding"] is None, "a known length is sent as Content-Length"


async def test_a_document_failing_midway_fails_the_request(
    server: httpbin.TestServer, ctx: Context
) -> None:
    document = chunked_document(2 * MIB)
    document.limit = MIB
    content, content_type = client.multipart([client.FormFile("attachment", document)])
    with pytest.raises(ConnectorError) as caught:
        await client.send(
            client.Request(
                "POST", f"{server.url}/upload", content=content, content_type=content_type
            ),
            ctx,
        )
    assert caught.value.code == "DOCUMENT_TOO_LARGE"
    assert caught.value.message.startswith("document: the document is larger than")


# -- streamed responses and external documents ----------------------------------------------


async def test_a_streamed_response_is_read_in_pieces_within_its_limit(
    server: httpbin.TestServer, ctx: Context
) -> None:
    request = client.Request(
        "GET", f"{server.url}/large", query=[("size", str(3 * MIB)), ("chunked", "1")]
    )
    async with client.stream(request, ctx) as response:
        assert (response.status, response.content_type) == (200, "text/plain")
        sizes = [len(chunk) async for chunk in response.chunks()]
    assert sum(sizes) == 3 * MIB and max(sizes) < MIB
    limited = client.Request(
        "GET",
        f"{server.url}/large",
        query=[("size", str(3 * MIB)), ("chunked", "1")],
        max_response_bytes=MIB,
    )

    async def read_all() -> None:
        async with client.stream(limited, ctx) as response:
            async for _ in response.chunks():
                pass

    with pytest.raises(ConnectorError) as caught:
        await read_all()
    assert caught.value.code == "RESPONSE_TOO_LARGE"


async def test_an_external_document_is_fetched_when_read(server: httpbin.TestServer) -> None:
    document = client.external_document(f"{server.url}/download", field="attachment")
    assert document.metadata.file_name == "download" and document.metadata.content_type is None
    content = await document.read()
    assert content == httpbin.PNG and document.metadata.content_type == "image/png"


async def test_external_documents_fail_with_the_field_named(server: httpbin.TestServer) -> None:
    missing = client.external_document(f"{server.url}/status/404", field="attachment")
    with pytest.raises(ConnectorError) as caught:
        await missing.read()
    assert caught.value.code == "NOT_FOUND" and not caught.value.retryable
    assert caught.value.message.startswith(
        f"attachment: the document at {server.url}/status/404 could not be fetched"
    )
    large = client.external_document(
        f"{server.url}/large?size=5000", limit=4000, field="attachment"
    )
    with pytest.raises(ConnectorError) as caught:
        await large.read()
    assert caught.value.code in ("RESPONSE_TOO_LARGE", "DOCUMENT_TOO_LARGE")


async def test_external_documents_pass_the_outbound_guard(
    server: httpbin.TestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(client.ENV_BLOCK_PRIVATE_NETWORKS, "true")
    document = client.external_document(f"{server.url}/download", field="attachment")
    with pytest.raises(ConnectorError) as caught:
        await document.read()
    assert caught.value.code == "BLOCKED_ADDRESS" or "blocked" in caught.value.message


def test_a_content_type_that_is_no_media_type_is_left_out() -> None:
    # A document's content type comes from process data: the same check applies to it.
    parts = [
        client.FormFile("kept", b"x", content_type="text/csv; charset=utf-8"),
        client.FormFile("dropped", b"x", content_type="text/plain\r\nX-Injected: yes"),
    ]
    content, _ = client.multipart(parts)
    assert isinstance(content, bytes)
    assert b"X-Injected" not in content
    assert b"Content-Type: text/csv; charset=utf-8\r\n" in content
    assert content.count(b"Content-Type: application/octet-stream\r\n") == 1
