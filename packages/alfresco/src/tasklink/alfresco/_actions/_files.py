"""Content and versions: UPDATE_FILE_CONTENT, DOWNLOAD_CONTENT, LIST_VERSIONS and
REVERT_VERSION."""

from __future__ import annotations

import json
from email.message import Message
from typing import Any

from tasklink.core import DEFAULT_DOCUMENT_MAX_BYTES, ConnectorError, Context

from .._content import SMALL_MAX_BYTES, content_source, node_document, streamed
from .._errors import INVALID_RESULT_FORMAT
from .._inputs import DownloadContent, NodeInput, RevertVersion, UpdateFileContent
from .._nodes import choose, fetch, locate
from .._outputs import ActionResult, ContentResult, VersionResult, VersionsResult
from .._repository import Subject, entries, entry
from .._values import node_id_of
from ._common import node_selector, open_repository

__all__ = ["download_content", "list_versions", "revert_version", "update_file_content"]


async def update_file_content(input: UpdateFileContent, ctx: Context) -> ActionResult:
    """UPDATE_FILE_CONTENT: ``PUT /nodes/{nodeId}/content`` (a new version), the body read
    from the source as it is sent."""
    repo = open_repository(input, ctx, "UPDATE_FILE_CONTENT")
    target = choose(
        [
            ("targetFileId", "id", input.target_file_id),
            ("targetFile", "nodes", input.target_file),
            ("targetFilePath", "path", input.target_file_path),
        ],
        noun="file",
    )
    assert target is not None
    source = input.source_file
    content = content_source(
        repo,
        source_node=(
            (
                node_id_of(source) or "",
                Subject(f"source file {node_id_of(source)!r} (sourceFile)", "sourceFile"),
                None,
            )
            if source
            else None
        ),
        document=input.source_document,
        text=input.source_text,
        json_value=input.source_json,
        json_given=input.source_json is not None,
        required=True,
    )
    assert content is not None
    node_id, _ = await locate(repo, target)
    query = [("majorVersion", "true" if input.major_version else "false")]
    if input.version_comment:
        query.append(("comment", input.version_comment))
    if input.new_name:
        query.append(("name", input.new_name))
    subject = target.subject(
        f"the folder of {target.subject()} already holds a node named {input.new_name!r}"
    )
    data = await repo.call(
        "PUT",
        repo.url("core", "nodes", node_id, "content"),
        subject,
        query=query,
        content=streamed(content),
        # The API takes the body as octet-stream; ACS keeps or guesses the mimetype.
        content_type="application/octet-stream",
    )
    return ActionResult(response=data)


def _charset(content_type: str | None) -> str:
    message = Message()
    message["content-type"] = content_type or "text/plain"
    charset = message.get_content_charset()
    return charset or "utf-8"


async def download_content(input: DownloadContent, ctx: Context) -> ContentResult:
    """DOWNLOAD_CONTENT: ``GET /nodes/{nodeId}/content`` as a document (read when the
    engine's store reads it), or into the result as text or JSON."""
    repo = open_repository(input, ctx, "DOWNLOAD_CONTENT")
    selector = node_selector(input)
    node_id, node, data = await fetch(repo, selector)
    subject = selector.subject()
    small = input.output_format != "document"
    limit = input.max_bytes or (SMALL_MAX_BYTES if small else DEFAULT_DOCUMENT_MAX_BYTES)
    found = node.get("content")
    content_info: dict[str, Any] = found if isinstance(found, dict) else {}
    size = content_info.get("sizeInBytes")
    if isinstance(size, int) and size > limit:
        # Known before a byte is read: no transfer that must fail half-way.
        raise ConnectorError(
            f"DOWNLOAD_CONTENT: {subject} holds {size} bytes, more than maxBytes ({limit})",
            code="UNKNOWN_ERROR",
            variables={"sizeInBytes": size, "maxBytes": limit},
            retryable=False,
        )
    name = node.get("name") if isinstance(node.get("name"), str) else None
    mime_type = content_info.get("mimeType")
    if not small:
        # Fetched when the engine's store reads it: straight from the repository into
        # the store, within the job's time, nothing spooled in between.
        document = node_document(
            repo,
            node_id,
            subject,
            name=name,
            limit=limit,
            content_type=mime_type if isinstance(mime_type, str) else None,
            size=size if isinstance(size, int) else None,
            field="maxBytes",
        )
        return ContentResult(response=data, document=document)
    url = repo.url("core", "nodes", node_id, "content")
    async with repo.stream("GET", url, subject, max_bytes=limit) as streamed_response:
        content_type = streamed_response.content_type or mime_type
        raw = await streamed_response.read(limit)
    text = raw.decode(_charset(content_type), errors="replace")
    if input.output_format == "text":
        return ContentResult(response=data, text=text)
    try:
        value: Any = json.loads(text)
    except ValueError:
        raise ConnectorError(
            f"DOWNLOAD_CONTENT: the content of {subject} is not JSON (outputFormat json)",
            code=INVALID_RESULT_FORMAT,
            retryable=False,
        ) from None
    return ContentResult(response=data, json_value=value)


async def list_versions(input: NodeInput, ctx: Context) -> VersionsResult:
    """LIST_VERSIONS: ``GET /nodes/{nodeId}/versions``, newest first."""
    repo = open_repository(input, ctx, "LIST_VERSIONS")
    selector = node_selector(input)
    node_id, _ = await locate(repo, selector)
    data = await repo.call(
        "GET", repo.url("core", "nodes", node_id, "versions"), selector.subject()
    )
    versions, _ = entries(data, "the version history")
    return VersionsResult(response=data, versions=versions)


async def revert_version(input: RevertVersion, ctx: Context) -> VersionResult:
    """REVERT_VERSION: ``POST /nodes/{nodeId}/versions/{versionId}/revert``."""
    repo = open_repository(input, ctx, "REVERT_VERSION")
    selector = node_selector(input)
    node_id, _ = await locate(repo, selector)
    body: dict[str, Any] = {"majorVersion": input.major_version}
    if input.version_comment:
        body["comment"] = input.version_comment
    subject = Subject(f"version {input.version_id!r} of {selector.subject()}", selector.field)
    data = await repo.call(
        "POST",
        repo.url("core", "nodes", node_id, "versions", input.version_id, "revert"),
        subject,
        body=body,
    )
    return VersionResult(response=data, version=entry(data, "the revert answer"))
