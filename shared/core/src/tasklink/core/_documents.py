"""Documents: files that move between tasks without riding in process variables.

A connector's models take and return :class:`Document` values. A document is content,
read as a stream within a size limit, plus metadata (file name, content type, size,
custom properties). In process variables a document travels as a small *reference*, a JSON
object whose ``"camunda.document.type"`` says what it is (Camunda 8's own forms):

``{"camunda.document.type": "camunda", "storeId", "documentId", "contentHash", "metadata"}``
    content in Camunda's document store (resolved by the Camunda runtime);
``{"camunda.document.type": "inline", "content", "name", "contentType"}``
    the content itself, text, or base64 with ``"encoding": "base64"``: small files;
``{"camunda.document.type": "external", "url", "name"}``
    content fetched from an http(s) URL through the shared outbound client, with its guard
    and limits (a bare ``"https://..."`` string means the same);
``{"camunda.document.type": "local", "path"}``
    a file of the machine ``tasklink invoke`` runs on (only there).

Which references a job accepts, and what a document the operation returns becomes, is
the engine's :class:`DocumentStore`: Camunda's stores them in its document store, Activiti
answers them inline, ``tasklink invoke`` writes them to a folder. Content a connector
produces is spooled to a temporary file past 1 MiB, so a large file never sits in memory
whole.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import os
import tempfile
import typing
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol, runtime_checkable

from pydantic import BaseModel
from pydantic_core import PydanticCustomError, core_schema

from ._errors import ConnectorError, InputError

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler

    from ._context import JobInfo

__all__ = [
    "DEFAULT_DOCUMENT_MAX_BYTES",
    "DOCUMENT_TYPE",
    "Document",
    "DocumentCode",
    "DocumentError",
    "DocumentMetadata",
    "DocumentStore",
    "InlineDocumentStore",
    "contains_documents",
    "document_json",
    "spooled_file",
    "store_documents",
]

#: The key that tells document references apart (Camunda's discriminator).
DOCUMENT_TYPE = "camunda.document.type"
#: The most a job reads of one document unless the runtime says otherwise.
DEFAULT_DOCUMENT_MAX_BYTES = 100 * 1024 * 1024
#: Content up to this size stays in memory; beyond, it is spooled to a temporary file.
SPOOL_MEMORY_BYTES = 1024 * 1024
CHUNK_BYTES = 64 * 1024
# A document larger than this is not answered inline by default (it would ride in the
# process variables, which engines keep small).
DEFAULT_INLINE_MAX_BYTES = 1024 * 1024


class DocumentCode:
    """Codes of document failures."""

    DOCUMENT_TOO_LARGE = "DOCUMENT_TOO_LARGE"
    DOCUMENT_NOT_FOUND = "DOCUMENT_NOT_FOUND"


@dataclass(frozen=True, slots=True)
class DocumentMetadata:
    """What is known of a document besides its content."""

    file_name: str | None = None
    content_type: str | None = None
    size: int | None = None
    custom_properties: Mapping[str, Any] = field(default_factory=dict)
    expires_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Camunda's ``metadata`` object (camelCase, unknown values left out)."""
        out: dict[str, Any] = {}
        for key, value in (
            ("contentType", self.content_type),
            ("fileName", self.file_name),
            ("size", self.size),
            ("expiresAt", self.expires_at),
        ):
            if value is not None:
                out[key] = value
        if self.custom_properties:
            out["customProperties"] = dict(self.custom_properties)
        return out

    @classmethod
    def from_json(cls, data: Any) -> DocumentMetadata:
        """From Camunda's ``metadata`` object; what does not fit is left out."""
        if not isinstance(data, Mapping):
            return cls()
        size = data.get("size")
        custom = data.get("customProperties")
        return cls(
            file_name=_text(data.get("fileName")),
            content_type=_text(data.get("contentType")),
            size=size if isinstance(size, int) and not isinstance(size, bool) else None,
            custom_properties=dict(custom) if isinstance(custom, Mapping) else {},
            expires_at=_text(data.get("expiresAt")),
        )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


Opener = Callable[[], AsyncIterator[bytes]]


class Document:
    """A file a job takes or returns: content read in chunks, within a size limit, plus
    :class:`DocumentMetadata`.

    ``reference`` is the JSON the document came from, if it came from one (returned as it
    is when a job passes the document on). ``field`` names the input it came from, for
    messages.
    """

    __slots__ = ("_open", "_spool", "field", "limit", "metadata", "reference")

    def __init__(
        self,
        opener: Opener,
        metadata: DocumentMetadata,
        *,
        reference: Mapping[str, Any] | None = None,
        limit: int | None = DEFAULT_DOCUMENT_MAX_BYTES,
        field: str = "document",
    ) -> None:
        self._open = opener
        self._spool: IO[bytes] | None = None
        self.metadata = metadata
        self.reference = dict(reference) if reference is not None else None
        self.limit = limit
        self.field = field

    def __repr__(self) -> str:
        meta = self.metadata
        return (
            f"Document(file_name={meta.file_name!r}, content_type={meta.content_type!r}, "
            f"size={meta.size!r})"
        )

    # -- reading --------------------------------------------------------------------------

    async def chunks(self) -> AsyncIterator[bytes]:
        """The content, chunk by chunk; a :class:`~tasklink.core.ConnectorError`
        (``DOCUMENT_TOO_LARGE``) as soon as it passes the limit."""
        read = 0
        # Closed at once when the reader stops early (a limit, a failed upload), so a
        # download's connection is not left to the garbage collector.
        opened = self._open()
        try:
            async for chunk in opened:
                read += len(chunk)
                if self.limit is not None and read > self.limit:
                    raise ConnectorError(
                        f"{self.field}: the document is larger than {self.limit} bytes, the most "
                        "a job may read",
                        code=DocumentCode.DOCUMENT_TOO_LARGE,
                        retryable=False,
                    )
                yield chunk
        finally:
            close = getattr(opened, "aclose", None)
            if close is not None:
                await close()

    async def read(self) -> bytes:
        """The whole content (mind the memory: prefer :meth:`chunks` for large files)."""
        return b"".join([chunk async for chunk in self.chunks()])

    async def text(self, encoding: str = "utf-8") -> str:
        """The content decoded as text."""
        return (await self.read()).decode(encoding)

    # -- making documents -------------------------------------------------------------------

    @classmethod
    def from_bytes(
        cls,
        content: bytes,
        *,
        file_name: str | None = None,
        content_type: str | None = None,
        custom_properties: Mapping[str, Any] | None = None,
    ) -> Document:
        """A document of ``content`` held in memory (small content)."""

        async def opener() -> AsyncIterator[bytes]:
            for start in range(0, len(content), CHUNK_BYTES):
                yield content[start : start + CHUNK_BYTES]

        metadata = DocumentMetadata(
            file_name, content_type, len(content), dict(custom_properties or {})
        )
        return cls(opener, metadata, limit=None)

    @classmethod
    def from_path(
        cls,
        path: str | os.PathLike[str],
        *,
        file_name: str | None = None,
        content_type: str | None = None,
        limit: int | None = DEFAULT_DOCUMENT_MAX_BYTES,
        field: str = "document",
    ) -> Document:
        """A document of the file at ``path``, read when the content is read."""
        location = Path(path)

        async def opener() -> AsyncIterator[bytes]:
            try:
                # A local file of tasklink invoke, read in small chunks: no thread needed.
                handle = location.open("rb")  # noqa: ASYNC230
            except OSError as exc:
                raise InputError(
                    f"{field}: the file {location} cannot be read ({exc.strerror})",
                    field=field,
                ) from None
            with handle:
                while chunk := handle.read(CHUNK_BYTES):
                    yield chunk

        size = location.stat().st_size if location.is_file() else None
        metadata = DocumentMetadata(file_name or location.name, content_type, size)
        return cls(opener, metadata, limit=limit, field=field)

    @classmethod
    async def from_chunks(
        cls,
        chunks: AsyncIterable[bytes],
        *,
        file_name: str | None = None,
        content_type: str | None = None,
        custom_properties: Mapping[str, Any] | None = None,
        limit: int | None = DEFAULT_DOCUMENT_MAX_BYTES,
        field: str = "document",
    ) -> Document:
        """A document of content produced chunk by chunk (a download, a decoded
        attachment), spooled to a temporary file past 1 MiB so memory stays bounded."""
        spool = spooled_file()
        size = 0
        try:
            async for chunk in chunks:
                size += len(chunk)
                if limit is not None and size > limit:
                    raise ConnectorError(
                        f"{field}: the document is larger than {limit} bytes",
                        code=DocumentCode.DOCUMENT_TOO_LARGE,
                        retryable=False,
                    )
                spool.write(chunk)
        except BaseException:
            spool.close()
            raise
        return cls.from_file(
            spool,
            file_name=file_name,
            content_type=content_type,
            custom_properties=custom_properties,
            field=field,
        )

    @classmethod
    def from_file(
        cls,
        handle: IO[bytes],
        *,
        file_name: str | None = None,
        content_type: str | None = None,
        custom_properties: Mapping[str, Any] | None = None,
        field: str = "document",
    ) -> Document:
        """A document of an open binary file (a :class:`tempfile.SpooledTemporaryFile` a
        connector filled in a worker thread, say), read from its start each time. The
        document owns ``handle`` and closes it when it is discarded."""
        size = handle.seek(0, os.SEEK_END)
        metadata = DocumentMetadata(file_name, content_type, size, dict(custom_properties or {}))
        document = cls(_file_reader(handle), metadata, limit=None, field=field)
        document._spool = handle
        return document

    def __del__(self) -> None:
        if self._spool is not None:
            with contextlib.suppress(Exception):
                self._spool.close()

    # -- in models -------------------------------------------------------------------------

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.with_info_plain_validator_function(
            _validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                _serialize, info_arg=True
            ),
        )


def spooled_file() -> IO[bytes]:
    """A new, empty binary temporary file that stays in memory up to 1 MiB and moves to
    disk beyond: where a connector writes content it makes a document of
    (:meth:`Document.from_file`)."""
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)


def _file_reader(handle: IO[bytes]) -> Opener:
    async def opener() -> AsyncIterator[bytes]:
        handle.seek(0)
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk

    return opener


# -- stores ---------------------------------------------------------------------------------


@runtime_checkable
class DocumentStore(Protocol):
    """What an engine does with documents: open the references a job brings, and turn the
    documents an operation returns into references the process keeps. ``max_bytes``: the
    most a job may read or store of one document (``None``: no bound of the store's)."""

    max_bytes: int | None

    def open(self, reference: Mapping[str, Any], field: str) -> Document:
        """A document for ``reference`` whose content is fetched when read (no I/O here;
        ``field`` names it in errors when it is read); :class:`DocumentError` saying what
        is wrong with a reference this store cannot use."""
        ...

    async def save(self, document: Document, job: JobInfo) -> dict[str, Any]:
        """Store ``document`` and return its reference."""
        ...


class DocumentError(ValueError):
    """A reference a store cannot use; the message names what is wrong, never content."""


class InlineDocumentStore:
    """Inline and external references only; returned documents are answered inline (base64)
    up to ``inline_max_bytes``. The store of engines without a document store of their own
    and of tests; the base the other stores extend."""

    def __init__(
        self,
        *,
        max_bytes: int | None = DEFAULT_DOCUMENT_MAX_BYTES,
        inline_max_bytes: int = DEFAULT_INLINE_MAX_BYTES,
    ) -> None:
        self.max_bytes = max_bytes
        self.inline_max_bytes = inline_max_bytes

    def open(self, reference: Mapping[str, Any], field: str) -> Document:
        kind = reference.get(DOCUMENT_TYPE)
        if kind == "inline":
            return self.open_inline(reference, field)
        if kind == "external":
            return self.open_external(reference, field)
        if kind == "camunda":
            return self.open_camunda(reference, field)
        if kind == "local":
            return self.open_local(reference, field)
        raise DocumentError(
            f"unknown document type {kind!r}; expected camunda, inline, external or local"
        )

    def open_inline(self, reference: Mapping[str, Any], field: str) -> Document:
        content = reference.get("content")
        if not isinstance(content, str):
            raise DocumentError("an inline document needs its content as a string")
        encoding = reference.get("encoding")
        if encoding in (None, "", "text"):
            data = content.encode("utf-8")
        elif encoding == "base64":
            try:
                data = base64.b64decode(content, validate=True)
            except (binascii.Error, ValueError):
                raise DocumentError("the content of an inline document is not base64") from None
        else:
            raise DocumentError(f"unknown encoding {encoding!r}; use text or base64")
        if self.max_bytes is not None and len(data) > self.max_bytes:
            raise DocumentError(f"the document is larger than {self.max_bytes} bytes")
        document = Document.from_bytes(
            data,
            file_name=_text(reference.get("name")) or _text(reference.get("fileName")),
            content_type=_text(reference.get("contentType")),
        )
        document.reference = dict(reference)
        document.field = field
        return document

    def open_external(self, reference: Mapping[str, Any], field: str) -> Document:
        url = reference.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise DocumentError("an external document needs an http(s) url")
        try:
            from tasklink.client import external_document
        except ImportError:  # core alone: no network client
            raise DocumentError(
                "external documents are fetched with tasklink-client, which is not installed"
            ) from None
        document = external_document(
            url, name=_text(reference.get("name")), limit=self.max_bytes, field=field
        )
        document.reference = dict(reference)
        return document

    def open_camunda(self, reference: Mapping[str, Any], field: str) -> Document:
        raise DocumentError(
            "a Camunda document reference can only be resolved by a job from Camunda 8"
        )

    def open_local(self, reference: Mapping[str, Any], field: str) -> Document:
        # Reading a file of the machine is for `tasklink invoke` alone: a process must
        # never name the runtime's files.
        raise DocumentError("local files can be used by tasklink invoke only")

    async def save(self, document: Document, job: JobInfo) -> dict[str, Any]:
        if document.reference is not None and document.reference.get(DOCUMENT_TYPE) == "inline":
            return dict(document.reference)  # passed on unchanged
        data = b""
        async for chunk in document.chunks():
            data += chunk
            if len(data) > self.inline_max_bytes:
                raise ConnectorError(
                    f"the document is larger than {self.inline_max_bytes} bytes, the most "
                    "that is answered inline",
                    code=DocumentCode.DOCUMENT_TOO_LARGE,
                    retryable=False,
                )
        meta = document.metadata
        reference: dict[str, Any] = {
            DOCUMENT_TYPE: "inline",
            "content": base64.b64encode(data).decode("ascii"),
            "encoding": "base64",
            "size": len(data),
        }
        if meta.file_name:
            reference["name"] = meta.file_name
        if meta.content_type:
            reference["contentType"] = meta.content_type
        if meta.custom_properties:
            reference["customProperties"] = dict(meta.custom_properties)
        return reference


# -- validation and serialization --------------------------------------------------------------

_DEFAULT_STORE = InlineDocumentStore()
_NOT_A_REFERENCE = (
    'must be a document reference (an object with "camunda.document.type") or an http(s) URL'
)


def _validate(value: Any, info: core_schema.ValidationInfo) -> Document:
    if isinstance(value, Document):
        return value
    context = info.context if isinstance(info.context, Mapping) else {}
    store = context.get("documents") or _DEFAULT_STORE
    field = info.field_name or "document"
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        value = {DOCUMENT_TYPE: "external", "url": value}
    if not isinstance(value, Mapping) or DOCUMENT_TYPE not in value:
        raise PydanticCustomError("document", _NOT_A_REFERENCE)
    try:
        document: Document = store.open(value, field)
    except DocumentError as exc:
        raise PydanticCustomError("document", "{problem}", {"problem": str(exc)}) from None
    return document


def _serialize(document: Document, info: core_schema.SerializationInfo) -> Any:
    if info.mode == "python":
        return document
    return document_json(document)


def document_json(document: Document) -> dict[str, Any]:
    """The reference a document is written as in JSON (the executor stores every document
    an operation returns first, which gives it one)."""
    if document.reference is None:
        raise ValueError("a document must be stored before it becomes JSON")
    return document.reference


def contains_documents(value: Any) -> bool:
    """Whether ``value`` (an operation's result) holds a :class:`Document` anywhere. Never
    raises, whatever the value (a container that holds itself, say). Of a model only the
    fields that may hold documents are looked at, so a large JSON body costs nothing."""
    if isinstance(value, BaseModel) and not _document_fields(type(value)):
        return False  # the common result: a model without document fields, ~0.1 us
    return next(_documents_in(value), None) is not None


async def store_documents(value: Any, store: DocumentStore, job: JobInfo) -> None:
    """Store every :class:`Document` ``value`` holds with ``store``; each one's
    ``reference`` becomes what the store answered, which is how it serializes."""
    for document in _documents_in(value):
        document.reference = await store.save(document, job)


_CONTAINERS = (Document, Mapping, list, tuple, BaseModel)


def _documents_in(value: Any) -> Iterator[Document]:
    """Every document in ``value``, once each, depth first in the order they appear
    (so a store numbers them as the result lists them); containers met again are
    skipped."""
    pending = [value]
    seen: set[int] = set()
    while pending:
        item = pending.pop()
        if isinstance(item, _CONTAINERS):
            if id(item) in seen:
                continue
            seen.add(id(item))
        children: list[Any]
        if isinstance(item, Document):
            yield item
            continue
        if isinstance(item, BaseModel):
            children = [getattr(item, name) for name in _document_fields(type(item))]
        elif isinstance(item, Mapping):
            children = list(item.values())
        elif isinstance(item, list | tuple):
            children = list(item)
        else:
            continue
        pending.extend(reversed(children))  # the stack pops the first child next


@functools.cache
def _document_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``model`` that may hold a :class:`Document`, at any depth."""
    return tuple(
        name
        for name, info in model.model_fields.items()
        if _annotation_takes_documents(info.annotation)
    )


def _annotation_takes_documents(annotation: Any, seen: frozenset[Any] = frozenset()) -> bool:
    if annotation is Document:
        return True
    if annotation in seen:
        return False
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return any(
            _annotation_takes_documents(info.annotation, seen | {annotation})
            for info in annotation.model_fields.values()
        )
    return any(_annotation_takes_documents(arg, seen) for arg in typing.get_args(annotation))
