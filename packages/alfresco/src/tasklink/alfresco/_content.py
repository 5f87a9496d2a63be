"""Content in and out of the repository, streamed both ways within a size limit.

Uploads read their source as it is sent (a document, another node's content, text or
JSON); a downloaded document is read from the repository when its reader (the engine's
document store) reads it, and content returned as text or JSON is read whole, bounded. A
file of any size passes with memory bounded by the chunk size, not by the file.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from tasklink import client
from tasklink.core import DEFAULT_DOCUMENT_MAX_BYTES, Document, DocumentMetadata, InputError

from ._repository import Repository, Subject

__all__ = [
    "COPY_MAX_BYTES",
    "SMALL_MAX_BYTES",
    "content_source",
    "node_document",
    "streamed",
]

#: The most a node's content copied into another node may be (UPDATE_FILE_CONTENT and
#: CREATE_FILE from a File variable).
COPY_MAX_BYTES = DEFAULT_DOCUMENT_MAX_BYTES
#: The default limit of content returned as text or JSON in the result.
SMALL_MAX_BYTES = 1024 * 1024


def node_document(
    repo: Repository,
    node_id: str,
    subject: Subject,
    *,
    name: str | None,
    limit: int,
    content_type: str | None = None,
    size: int | None = None,
    field: str | None = None,
) -> Document:
    """A document whose content is ``GET /nodes/{nodeId}/content``, fetched when read:
    whoever reads it (a document store, an upload) takes the bytes straight from the
    repository, with nothing spooled in between."""
    document: Document

    async def opener() -> AsyncIterator[bytes]:
        url = repo.url("core", "nodes", node_id, "content")
        async with repo.stream("GET", url, subject, max_bytes=limit) as response:
            if response.content_type:
                document.metadata = DocumentMetadata(
                    name, response.content_type, document.metadata.size
                )
            async for chunk in response.chunks():
                yield chunk

    document = Document(
        opener,
        DocumentMetadata(file_name=name, content_type=content_type, size=size),
        limit=limit,
        field=field or subject.field or "sourceFile",
    )
    return document


def content_source(
    repo: Repository,
    *,
    source_node: tuple[str, Subject, str | None] | None,
    document: Document | None,
    text: str | None,
    json_value: Any,
    json_given: bool,
    fields: tuple[str, str, str, str] = (
        "sourceFile",
        "sourceDocument",
        "sourceText",
        "sourceJson",
    ),
    required: bool,
) -> Document | None:
    """The content to upload, from the first source given: another node, a document,
    text (UTF-8), or a JSON value (serialized). ``None`` when none is and that is fine."""
    if source_node is not None:
        node_id, subject, name = source_node
        return node_document(repo, node_id, subject, name=name, limit=COPY_MAX_BYTES)
    if document is not None:
        return document
    if text is not None:
        return Document.from_bytes(text.encode("utf-8"), content_type="text/plain")
    if json_given:
        return Document.from_bytes(
            json.dumps(json_value, ensure_ascii=False).encode("utf-8"),
            content_type="application/json",
        )
    if required:
        raise InputError(
            f"invalid input: give the content: one of {', '.join(fields[:-1])} or {fields[-1]}",
            code="MISSING_INPUT",
            field=fields[0],
            variables={"fields": list(fields), "problemCount": 1},
        )
    return None


def streamed(document: Document) -> client.StreamedContent:
    """A request body read from ``document`` as it is sent (again for a repeated send).
    Its length is sent when the document's content is its own (text, JSON); other
    documents go chunked, as a size in a reference is only a claim."""
    length = (
        document.metadata.size if document.reference is None and document.limit is None else None
    )
    return client.StreamedContent(document.chunks, length=length)
