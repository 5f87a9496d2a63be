"""The fake gateway's document store: content in unnamed temporary files, written and read
in chunks, so documents of any size pass with bounded memory (in a gateway of its own
process too: the system frees the files when the process ends, however it ends).

As Camunda's stores do, it hashes the content with SHA-256 (hex) while storing it, answers
the ``DocumentReference`` of the API, and treats a document past its ``expiresAt`` as gone.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import IO, Any

__all__ = ["CHUNK", "STORE_ID", "DocumentVault", "StoredDocument", "Upload", "pattern"]

CHUNK = 64 * 1024
STORE_ID = "in-memory"  # the id of Camunda's in-memory store


def pattern(size: int) -> Iterator[bytes]:
    """``size`` bytes of reproducible content that is not one repeated block, in chunks."""
    produced = 0
    block = 0
    while produced < size:
        seed = hashlib.sha256(block.to_bytes(8, "big")).digest()
        chunk = (seed * (CHUNK // len(seed)))[: size - produced]
        produced += len(chunk)
        block += 1
        yield chunk


class Upload:
    """Content on its way in: appended to a temporary file and hashed chunk by chunk."""

    def __init__(self) -> None:
        # Unbuffered: what is written is on disk for the positional reads of downloads.
        self.handle: IO[bytes] = tempfile.TemporaryFile(buffering=0)  # noqa: SIM115 - kept open
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self.handle.write(chunk)
        self.digest.update(chunk)
        self.size += len(chunk)

    def discard(self) -> None:
        self.handle.close()


@dataclass
class StoredDocument:
    document_id: str
    handle: IO[bytes] = field(repr=False)
    size: int
    content_hash: str
    metadata: dict[str, Any]  # the API's DocumentMetadataResponse

    def chunks(self) -> Iterator[bytes]:
        # Positional reads: downloads of one document at the same time share the file.
        offset = 0
        while offset < self.size:
            chunk = os.pread(self.handle.fileno(), CHUNK, offset)
            if not chunk:
                return
            offset += len(chunk)
            yield chunk

    @property
    def expired(self) -> bool:
        expires = self.metadata.get("expiresAt")
        return isinstance(expires, str) and datetime.fromisoformat(expires) <= datetime.now(UTC)

    def reference(self) -> dict[str, Any]:
        """The API's ``DocumentReference`` of this document."""
        return {
            "camunda.document.type": "camunda",
            "storeId": STORE_ID,
            "documentId": self.document_id,
            "contentHash": self.content_hash,
            "metadata": dict(self.metadata),
        }


class DocumentVault:
    """Documents by id."""

    def __init__(self) -> None:
        self.documents: dict[str, StoredDocument] = {}

    def upload(self) -> Upload:
        return Upload()

    def store(
        self,
        upload: Upload,
        metadata: Mapping[str, Any],
        *,
        file_name: str | None = None,
        content_type: str | None = None,
    ) -> StoredDocument:
        """Keep what ``upload`` received; ``metadata`` is the request's ``metadata`` part,
        ``file_name`` and ``content_type`` those of its file part (used where it has none)."""
        document_id = str(uuid.uuid4())
        custom = metadata.get("customProperties")
        document = StoredDocument(
            document_id=document_id,
            handle=upload.handle,
            size=upload.size,
            content_hash=upload.digest.hexdigest(),
            metadata={
                "contentType": metadata.get("contentType")
                or content_type
                or "application/octet-stream",
                "fileName": metadata.get("fileName") or file_name or document_id,
                "expiresAt": metadata.get("expiresAt"),
                "size": upload.size,
                "processDefinitionId": metadata.get("processDefinitionId"),
                "processInstanceKey": metadata.get("processInstanceKey"),
                "customProperties": dict(custom) if isinstance(custom, Mapping) else {},
            },
        )
        self.documents[document_id] = document
        return document

    def add(self, content: bytes | Iterable[bytes], **metadata: Any) -> StoredDocument:
        """Store ``content`` (bytes, or chunks such as :func:`pattern`) as if uploaded,
        with ``metadata`` in the API's names (``fileName=...``, ``contentType=...``)."""
        upload = self.upload()
        for chunk in [content] if isinstance(content, bytes) else content:
            upload.write(chunk)
        return self.store(upload, metadata)

    def get(self, document_id: str) -> StoredDocument | None:
        """The document, unless unknown or expired (an expired one is deleted, as Camunda's
        stores do when it is asked for)."""
        document = self.documents.get(document_id)
        if document is not None and document.expired:
            self.delete(document_id)
            return None
        return document

    def expire(self, document_id: str) -> None:
        past = datetime.now(UTC) - timedelta(minutes=1)
        self.documents[document_id].metadata["expiresAt"] = past.isoformat()

    def delete(self, document_id: str) -> bool:
        document = self.documents.pop(document_id, None)
        if document is None:
            return False
        document.handle.close()
        return True

    def clear(self) -> None:
        for document_id in list(self.documents):
            self.delete(document_id)
