"""Documents: multipart parts and binary bodies from documents, the response stored as a
document, and bad references named by their field."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest

from tasklink.core import DOCUMENT_TYPE, Completed, Failed, InlineDocumentStore
from tasklink.http import connector
from tasklink.testing import arun_job, httpbin

MIB = 1024 * 1024


def inline(content: bytes, name: str, content_type: str | None = None) -> dict[str, Any]:
    reference = {
        DOCUMENT_TYPE: "inline",
        "content": base64.b64encode(content).decode(),
        "encoding": "base64",
        "name": name,
    }
    if content_type:
        reference["contentType"] = content_type
    return reference


async def upload(server: httpbin.TestServer, **variables: Any) -> dict[str, Any]:
    outcome = await arun_job(
        connector, {"url": f"{server.url}/upload", "method": "POST", **variables}
    )
    assert isinstance(outcome, Completed), outcome
    return outcome.output["body"]


async def test_documents_become_multipart_file_parts(server: httpbin.TestServer) -> None:
    report = b"%PDF-1.7 " + bytes(range(256)) * 40
    received = await upload(
        server,
        bodyType="multipart",
        body={
            "report": inline(report, "report.pdf", "application/pdf"),
            "pictures": [
                inline(b"a", "a.png", "image/png"),
                f"{server.url}/download",  # a URL in a multipart body stays text
            ],
            "note": "monthly",
        },
    )
    parts = [(p["name"], p["filename"], p["contentType"], p["size"]) for p in received["parts"]]
    assert parts == [
        ("report", "report.pdf", "application/pdf", len(report)),
        ("pictures", "a.png", "image/png", 1),
        ("pictures", None, "text/plain", len(f"{server.url}/download")),
        ("note", None, "text/plain", 7),
    ]
    assert received["parts"][0]["sha256"] == hashlib.sha256(report).hexdigest()
    assert received["transferEncoding"] == "chunked", "documents are streamed"


async def test_an_external_document_is_fetched_into_the_part(
    server: httpbin.TestServer,
) -> None:
    received = await upload(
        server,
        bodyType="multipart",
        body={"file": {DOCUMENT_TYPE: "external", "url": f"{server.url}/download"}},
    )
    [part] = received["parts"]
    assert part["sha256"] == hashlib.sha256(httpbin.PNG).hexdigest()


async def test_a_document_is_a_binary_body(server: httpbin.TestServer) -> None:
    content = bytes(range(256)) * 1000
    received = await upload(
        server, bodyType="binary", body=inline(content, "blob.bin", "application/x-blob")
    )
    assert received["contentType"] == "application/x-blob"
    assert received["sha256"] == hashlib.sha256(content).hexdigest()
    received = await upload(
        server,
        bodyType="binary",
        body=inline(content, "blob.bin", "application/x-blob"),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert received["contentType"] == "application/octet-stream", "the header wins"


async def test_the_response_is_stored_as_a_document(server: httpbin.TestServer) -> None:
    outcome = await arun_job(connector, {"url": f"{server.url}/download", "storeResponse": True})
    assert isinstance(outcome, Completed), outcome
    output = outcome.output
    assert (output["body"], output["bodyType"]) == (None, "document")
    document = output["document"]
    assert document[DOCUMENT_TYPE] == "inline"
    assert (document["name"], document["contentType"]) == ("pixel.png", "image/png")
    assert base64.b64decode(document["content"]) == httpbin.PNG
    unnamed = await arun_job(connector, {"url": f"{server.url}/bytes/100", "storeResponse": True})
    assert isinstance(unnamed, Completed)
    assert unnamed.output["document"]["name"] == "100", "named after the URL's last segment"


async def test_a_large_response_is_spooled_not_read_into_the_result(
    server: httpbin.TestServer,
) -> None:
    saved: list[int] = []

    class Counting(InlineDocumentStore):
        async def save(self, document: Any, job: Any) -> dict[str, Any]:
            saved.append(len(await document.read()))
            return {DOCUMENT_TYPE: "inline", "content": "", "name": "kept"}

    size = 40 * MIB  # above the 32 MiB ceiling of bodies read whole
    outcome = await arun_job(
        connector,
        {
            "url": f"{server.url}/large?size={size}&chunked=1",
            "storeResponse": True,
        },
        documents=Counting(),
    )
    assert isinstance(outcome, Completed), outcome
    assert saved == [size]
    too_large = await arun_job(
        connector,
        {
            "url": f"{server.url}/large?size={size}&chunked=1",
            "storeResponse": True,
            "maxResponseBytes": MIB,
        },
    )
    assert isinstance(too_large, Failed)
    assert too_large.code == "RESPONSE_TOO_LARGE" and too_large.retries == 0


async def test_an_error_status_keeps_its_body_in_the_error(server: httpbin.TestServer) -> None:
    outcome = await arun_job(connector, {"url": f"{server.url}/problem/404", "storeResponse": True})
    assert isinstance(outcome, Failed) and outcome.code == "NOT_FOUND"
    assert outcome.variables["body"] == {"title": "problem", "status": 404}


@pytest.mark.parametrize(
    ("body_type", "body", "field", "problem"),
    [
        ("multipart", {"file": {DOCUMENT_TYPE: "s3"}}, "body.file", "unknown document type"),
        (
            "multipart",
            {"files": [{DOCUMENT_TYPE: "inline", "content": 1}]},
            "body.files[0]",
            "content as a string",
        ),
        ("binary", {DOCUMENT_TYPE: "local", "path": "/etc/passwd"}, "body", "local files"),
        (
            "binary",
            {DOCUMENT_TYPE: "inline", "content": "@@", "encoding": "base64"},
            "body",
            "not base64",
        ),
    ],
)
async def test_bad_references_name_their_field(
    server: httpbin.TestServer, body_type: str, body: Any, field: str, problem: str
) -> None:
    sent = len(server.log)
    outcome = await arun_job(
        connector,
        {"url": f"{server.url}/upload", "method": "POST", "bodyType": body_type, "body": body},
    )
    assert isinstance(outcome, Failed) and outcome.retries == 0
    assert f"{field}: " in outcome.message and problem in outcome.message
    assert len(server.log) == sent, "nothing was sent"


async def test_a_document_failing_as_it_is_sent_names_its_place(
    server: httpbin.TestServer,
) -> None:
    outcome = await arun_job(
        connector,
        {
            "url": f"{server.url}/upload",
            "method": "POST",
            "bodyType": "multipart",
            "body": {"files": [{DOCUMENT_TYPE: "external", "url": f"{server.url}/status/404"}]},
        },
    )
    assert isinstance(outcome, Failed) and outcome.code == "NOT_FOUND"
    assert outcome.message.startswith("body.files[0]: the document at "), outcome.message


async def test_a_stored_response_is_bounded_by_the_document_store(
    server: httpbin.TestServer,
) -> None:
    outcome = await arun_job(
        connector,
        {"url": f"{server.url}/large?size={2 * MIB}&chunked=1", "storeResponse": True},
        documents=InlineDocumentStore(max_bytes=MIB, inline_max_bytes=4 * MIB),
    )
    assert isinstance(outcome, Failed) and outcome.code == "RESPONSE_TOO_LARGE"
    assert outcome.variables["maxResponseBytes"] == MIB
    # A process cannot raise the store's bound: the body is not spooled past it.
    raised = await arun_job(
        connector,
        {
            "url": f"{server.url}/large?size={2 * MIB}&chunked=1",
            "storeResponse": True,
            "maxResponseBytes": 4 * MIB,
        },
        documents=InlineDocumentStore(max_bytes=MIB, inline_max_bytes=4 * MIB),
    )
    assert isinstance(raised, Failed) and raised.code == "RESPONSE_TOO_LARGE"
    assert raised.variables["maxResponseBytes"] == MIB
