"""DOWNLOAD_CONTENT, LIST_VERSIONS, REVERT_VERSION and CREATE_SHARED_LINK against the
fake repository, and content streamed both ways."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
from pathlib import Path
from typing import Any

from tasklink.alfresco import connector
from tasklink.core import Document
from tasklink.testing import arun_job

from .helpers import connection, ok, run


def test_download_as_document_text_and_json(acs: Any) -> None:
    node = acs.create_file(
        "/Company Home/Shared", "d.json", b'{"total": 42}', mime_type="application/json"
    )
    as_doc = ok(acs, "download_content", nodeId=node.id)
    reference = as_doc["document"]
    assert base64.b64decode(reference["content"]) == b'{"total": 42}'
    assert reference["name"] == "d.json"
    assert reference["contentType"].startswith("application/json")
    assert set(as_doc) == {"response", "document"}
    assert as_doc["response"]["entry"]["id"] == node.id
    as_text = ok(acs, "download_content", path="/Shared/d.json", outputFormat="text")
    assert as_text["text"] == '{"total": 42}'
    as_json = ok(acs, "download_content", file=[{"id": node.id}], outputFormat="json")
    assert as_json["json"] == {"total": 42}
    assert set(as_json) == {"response", "json"}


def test_content_over_max_bytes_or_not_json_fails_without_retry(acs: Any) -> None:
    node = acs.create_file("/Company Home/Shared", "big.txt", b"x" * 2000)
    big = run(acs, "download_content", nodeId=node.id, outputFormat="text", maxBytes=1000)
    assert (big.code, big.retries) == ("UNKNOWN_ERROR", 0)
    assert "2000 bytes, more than maxBytes (1000)" in big.message
    not_json = run(acs, "download_content", nodeId=node.id, outputFormat="json")
    assert (not_json.code, not_json.retries) == ("INVALID_RESULT_FORMAT", 0)


def test_a_large_file_streams_up_and_down(acs: Any, tmp_path: Path) -> None:
    """8 MiB through a document from a local file up, and back into a document."""
    source = tmp_path / "big.bin"
    block = os.urandom(1024 * 1024)
    with source.open("wb") as handle:
        for _ in range(8):
            handle.write(block)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()

    async def scenario() -> Any:
        document = Document.from_path(source, content_type="application/octet-stream")
        created = await arun_job(
            connector,
            {
                "connection": connection(acs),
                "fileName": "big.bin",
                "targetFolderId": acs.shared_id,
                "sourceDocument": document,
            },
            operation="create_file",
            secrets={"ACS_PASSWORD": acs.password},
        )
        assert created.kind == "completed", created
        node_id = created.output["file"][0]["id"]
        assert hashlib.sha256(acs.content(node_id)).hexdigest() == digest

        class Keep:  # a document store that keeps what the job returns, unread
            max_bytes = None
            kept: Document | None = None

            def open(self, reference: Any, field: str) -> Document:
                raise AssertionError("no document references here")

            async def save(self, doc: Document, job: Any) -> dict[str, Any]:
                Keep.kept = doc
                return {"camunda.document.type": "kept"}

        downloaded = await arun_job(
            connector,
            {"connection": connection(acs), "nodeId": node_id},
            operation="download_content",
            secrets={"ACS_PASSWORD": acs.password},
            documents=Keep(),  # type: ignore[arg-type]
        )
        assert downloaded.kind == "completed", downloaded
        assert Keep.kept is not None
        content = hashlib.sha256()
        async for chunk in Keep.kept.chunks():
            content.update(chunk)
        return content.hexdigest()

    assert asyncio.run(scenario()) == digest


def test_versions_are_listed_and_reverted(acs: Any) -> None:
    node = acs.create_file("/Company Home/Shared", "v.txt", b"one")
    ok(acs, "update_file_content", targetFileId=node.id, sourceText="two")
    history = ok(acs, "list_versions", nodeId=node.id)
    assert [v["id"] for v in history["versions"]] == ["1.1", "1.0"]
    reverted = ok(
        acs,
        "revert_version",
        nodeId=node.id,
        versionId="1.0",
        versionComment="back",
        majorVersion=True,
    )
    assert reverted["version"]["id"] == "2.0"
    assert acs.content(node.id) == b"one"
    missing = run(acs, "revert_version", nodeId=node.id, versionId="9.9")
    assert missing.code == "NOT_FOUND"
    assert f"version '9.9' of node {node.id!r} (nodeId) does not exist" in missing.message


def test_a_shared_link_downloads_without_login(acs: Any) -> None:
    node = acs.create_file("/Company Home/Shared", "s.txt", b"shared!")
    out = ok(acs, "create_shared_link", nodeId=node.id, expiresAt="2099-01-01T00:00:00.000+0000")
    assert out["sharedLinkId"] == out["response"]["entry"]["id"]
    link = out["sharedLinkId"]
    assert link in acs.repo.shared_links
    # The public content URL of the core API (the fake does not serve it).
    assert out["contentUrl"] == f"{acs.core_url}/shared-links/{link}/content"
    again = run(acs, "create_shared_link", nodeId=node.id)
    assert again.code == "CONFLICT"
