"""A connector that takes and returns documents, for the runtime's document tests (Camunda,
Activiti, ``tasklink invoke``): ``files``, job type ``tasklink-test:files:1``.

* ``digest``: reads ``document`` chunk by chunk; answers its SHA-256, size, file name and
  content type, and ``note`` (a text field: ``"@..."`` there stays text);
* ``copy``: streams ``document`` into a new one named ``copy-of-<name>`` (spooled to a
  temporary file past 1 MiB); answers it and the SHA-256 of what it read;
* ``pass_on``: answers ``document`` as it came;
* ``make``: answers ``count`` new documents of ``size`` bytes each; with ``broken``, the
  last one fails half-way through its content (a source that breaks while it is stored).
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

from pydantic import BaseModel

from tasklink.core import (
    Connector,
    ConnectorError,
    Document,
    DocumentMetadata,
    InputModel,
    field,
)

__all__ = ["files"]

files = Connector(
    id="io.tasklink.test.files",
    name="files",
    title="Files",
    job_type="tasklink-test:files:1",
    description="Reads, copies, passes on and makes documents (tests)",
    package=__name__,
    icon=None,
)


class Read(InputModel):
    document: Document = field(description="The document to read")
    note: str = field("", description="A text, kept as it is")


class Digest(BaseModel):
    sha256: str
    size: int
    file_name: str | None
    content_type: str | None
    note: str


class Copied(BaseModel):
    document: Document
    sha256: str


class Passed(BaseModel):
    document: Document


class Make(InputModel):
    size: int = field(description="Bytes per document")
    count: int = field(1, description="How many documents")
    broken: bool = field(False, description="Let the last document fail half-way")


class Made(BaseModel):
    documents: list[Document]


@files.operation(name="Digest", description="The SHA-256 and size of a document")
async def digest(input: Read) -> Digest:
    hasher = hashlib.sha256()
    size = 0
    async for chunk in input.document.chunks():
        hasher.update(chunk)
        size += len(chunk)
    meta = input.document.metadata
    return Digest(
        sha256=hasher.hexdigest(),
        size=size,
        file_name=meta.file_name,
        content_type=meta.content_type,
        note=input.note,
    )


@files.operation(name="Copy", description="A copy of a document")
async def copy(input: Read) -> Copied:
    hasher = hashlib.sha256()

    async def read() -> AsyncIterator[bytes]:
        async for chunk in input.document.chunks():
            hasher.update(chunk)
            yield chunk

    meta = input.document.metadata
    duplicate = await Document.from_chunks(
        read(),
        file_name=f"copy-of-{meta.file_name}",
        content_type=meta.content_type,
        custom_properties={"copiedBy": "files.copy"},
    )
    return Copied(document=duplicate, sha256=hasher.hexdigest())


@files.operation(name="Pass on", description="The document as it came")
async def pass_on(input: Read) -> Passed:
    return Passed(document=input.document)


def _content(size: int, *, broken: bool = False) -> AsyncIterator[bytes]:
    async def chunks() -> AsyncIterator[bytes]:
        block = bytes(range(256)) * 256  # 64 KiB
        left = size // 2 if broken else size
        while left > 0:
            piece = block[:left]
            left -= len(piece)
            yield piece
        if broken:
            raise ConnectorError("the source broke half-way", code="SOURCE_BROKE")

    return chunks()


@files.operation(name="Make", description="New documents of generated content")
async def make(input: Make) -> Made:
    documents = [
        Document(
            lambda last=(number == input.count - 1): _content(
                input.size, broken=input.broken and last
            ),
            DocumentMetadata(f"made-{number}.bin", "application/octet-stream"),
            limit=None,
        )
        for number in range(input.count)
    ]
    return Made(documents=documents)
