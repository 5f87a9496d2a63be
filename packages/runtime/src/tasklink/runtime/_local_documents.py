"""Documents of ``tasklink invoke``: files of the machine it runs on.

In ``--input``, a string ``"@path"`` in a field that takes a document stands for the file
at ``path`` (relative to the working directory): it becomes the local reference
``{"camunda.document.type": "local", "path": ...}``, which only this store opens (a
process must never name the runtime's files). A string elsewhere stays a string: ``@`` is
a fine first character of a text. The documents an operation returns are written into a
folder, one file each, never over an existing file, and the output holds their local
references.
"""

from __future__ import annotations

import contextlib
import mimetypes
import os
import stat
import tempfile
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pydantic import BaseModel

from tasklink.core import (
    DEFAULT_DOCUMENT_MAX_BYTES,
    DOCUMENT_TYPE,
    MAX_FILE_NAME_BYTES,
    ConnectorError,
    Document,
    DocumentError,
    DocumentMetadata,
    ErrorCode,
    InlineDocumentStore,
    safe_file_name,
)

if TYPE_CHECKING:
    from tasklink.core import JobInfo

__all__ = ["DOCUMENTS_DIR_OPTION", "LocalDocumentStore", "local_references"]

#: The command-line option that names the folder (messages point at it).
DOCUMENTS_DIR_OPTION = "--documents-dir"


class LocalDocumentStore(InlineDocumentStore):
    """Local files in, files written into ``folder`` out (a fresh temporary folder,
    created with the first document, when ``None``); ``written`` lists them in order.
    Inline and external references are read as every store reads them."""

    def __init__(
        self, folder: Path | None = None, *, max_bytes: int | None = DEFAULT_DOCUMENT_MAX_BYTES
    ) -> None:
        super().__init__(max_bytes=max_bytes)
        self._folder = folder
        self._fresh = False
        self.written: list[Path] = []

    @property
    def folder(self) -> Path | None:
        """Where documents are written (``None`` until a fresh folder is needed)."""
        return self._folder

    def open_local(self, reference: Mapping[str, Any], field: str) -> Document:
        path = reference.get("path")
        if not isinstance(path, str) or not path:
            raise DocumentError("a local document needs the path of its file")
        location = Path(path).expanduser()
        try:
            info = location.stat()
        except FileNotFoundError:
            raise DocumentError(f"the file {path} does not exist") from None
        except OSError as exc:
            raise DocumentError(f"the file {path} cannot be read ({exc.strerror})") from None
        if not stat.S_ISREG(info.st_mode):
            raise DocumentError(f"{path} is not a file")
        limit = self.max_bytes
        if limit is not None and info.st_size > limit:
            raise DocumentError(
                f"the file {path} is {info.st_size} bytes, more than the {limit} a job may "
                "read (document_max_bytes)"
            )
        known = DocumentMetadata.from_json(reference.get("metadata"))
        name = known.file_name or location.name
        document = Document.from_path(
            location,
            file_name=name,
            content_type=known.content_type or mimetypes.guess_type(name)[0],
            limit=limit,
            field=field,
        )
        document.reference = dict(reference)
        return document

    async def save(self, document: Document, job: JobInfo) -> dict[str, Any]:
        reference = document.reference
        if reference is not None and reference.get(DOCUMENT_TYPE) == "local":
            return dict(reference)  # a file already: passed on as it is
        folder = self._ready_folder()
        name = safe_file_name(document.metadata.file_name) or "document"
        try:
            handle, path = _create(folder, name)
        except OSError as exc:
            raise _unwritable(folder / name, exc) from None
        try:
            # One local job, written in small chunks: blocking writes cost nothing here.
            with handle:
                async for chunk in document.chunks():
                    handle.write(chunk)
        except OSError as exc:
            path.unlink(missing_ok=True)
            raise _unwritable(path, exc) from None
        except BaseException:
            path.unlink(missing_ok=True)  # nothing half-written stays behind
            raise
        self.written.append(path)
        meta = document.metadata
        written = DocumentMetadata(
            file_name=path.name,
            content_type=meta.content_type,
            size=path.stat().st_size,
            custom_properties=meta.custom_properties,
        )
        return {DOCUMENT_TYPE: "local", "path": str(path), "metadata": written.to_json()}

    def discard(self) -> None:
        """Remove the files written so far (and the fresh folder): for a run that failed
        after returning documents, whose output, naming them, is not printed."""
        for path in self.written:
            path.unlink(missing_ok=True)
        self.written.clear()
        if self._fresh and self._folder is not None:
            with contextlib.suppress(OSError):
                self._folder.rmdir()

    def _ready_folder(self) -> Path:
        try:
            if self._folder is None:
                self._folder = Path(tempfile.mkdtemp(prefix="tasklink-documents-"))
                self._fresh = True
            else:
                self._folder.mkdir(parents=True, exist_ok=True)
                self._folder = self._folder.resolve()  # references name files absolutely
        except OSError as exc:
            raise _unwritable(self._folder or Path(tempfile.gettempdir()), exc) from None
        return self._folder


def _unwritable(path: Path, exc: OSError) -> ConnectorError:
    return ConnectorError(
        f"{DOCUMENTS_DIR_OPTION}: {path} cannot be written ({exc.strerror or exc})",
        code=ErrorCode.UNKNOWN_ERROR,
        retryable=False,
    )


def _create(folder: Path, name: str) -> tuple[IO[bytes], Path]:
    """A new file in ``folder`` named ``name``, else ``name-1``, ``name-2``... (before the
    extension): created exclusively, so an existing file is never written over."""
    stem, extension = os.path.splitext(name)
    number = 0
    while True:
        path = folder / (name if number == 0 else _numbered(stem, extension, number))
        try:
            return path.open("xb"), path
        except FileExistsError:
            number += 1


def _numbered(stem: str, extension: str, number: int) -> str:
    suffix = f"-{number}{extension}"
    budget = MAX_FILE_NAME_BYTES - len(suffix.encode("utf-8"))
    # Cut on a character boundary: decode what fits and drop a split last character.
    return stem.encode("utf-8")[:budget].decode("utf-8", errors="ignore") + suffix


# -- "@path" in --input ---------------------------------------------------------------------


def local_references(model: type[BaseModel], data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with every ``"@path"`` string that a field of ``model`` would read as a
    document (at any depth: nested models, lists, dicts) replaced by the local reference
    to that file."""
    out = dict(data)
    for name, info in model.model_fields.items():
        for key in {name, info.alias, info.validation_alias}:
            if isinstance(key, str) and key in out:
                out[key] = _convert(info.annotation, out[key])
    return out


def _convert(annotation: Any, value: Any) -> Any:
    if annotation is Document:
        if isinstance(value, str) and len(value) > 1 and value.startswith("@"):
            return {DOCUMENT_TYPE: "local", "path": value[1:]}
        return value
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return local_references(annotation, value) if isinstance(value, Mapping) else value
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Union or origin is types.UnionType:
        for arg in args:
            converted = _convert(arg, value)
            if converted is not value:
                return converted
        return value
    if origin is typing.Annotated:
        return _convert(args[0], value)
    if not args:
        return value
    if isinstance(value, list) and origin in (list, tuple, set, frozenset, Sequence):
        return [_convert(args[0], item) for item in value]
    if isinstance(value, Mapping) and origin in (dict, Mapping):
        return {key: _convert(args[-1], item) for key, item in value.items()}
    return value
