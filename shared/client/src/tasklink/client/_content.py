"""Request bodies that are produced while they are sent, and multipart/form-data.

A body made of documents is never held whole: :class:`StreamedContent` opens it afresh
for every send (a 307/308 redirect or a renewed credential repeats the request), and
:func:`multipart` writes the parts' heads between the documents' chunks. Without a known
length such a body goes out with ``Transfer-Encoding: chunked``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from tasklink.core import Document

__all__ = ["FormField", "FormFile", "StreamedContent", "multipart", "new_boundary"]

MULTIPART_TYPE = "multipart/form-data"
# Characters HTML5 (and httpx) escape in multipart name and filename parameters.
_PARAM_ESCAPES = {'"': "%22", "\\": "\\\\", **{chr(c): f"%{c:02X}" for c in range(0x20)}}
_PARAM_ESCAPE = re.compile("|".join(re.escape(c) for c in _PARAM_ESCAPES))
_TCHARS = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_MEDIA_TYPE = re.compile(rf"{_TCHARS}/{_TCHARS}\s*(;[\x20-\x7e\t]*)?")


@dataclass(frozen=True, slots=True)
class StreamedContent:
    """A request body read chunk by chunk: ``open()`` gives a fresh iterator over it each
    time it is sent. ``length``, when known, is sent as ``Content-Length``."""

    open: Callable[[], AsyncIterator[bytes]]
    length: int | None = None


@dataclass(frozen=True, slots=True)
class FormField:
    """A text part of a multipart body; ``content_type`` is sent when given (a JSON part
    says ``application/json``)."""

    name: str
    value: str
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class FormFile:
    """A file part of a multipart body: bytes, or a document read as the body is sent.
    ``file_name`` and ``content_type`` default to the document's metadata (else the
    part's name and ``application/octet-stream``)."""

    name: str
    content: bytes | Document
    file_name: str | None = None
    content_type: str | None = None


def new_boundary() -> str:
    """A fresh multipart boundary (tests replace this to record stable cassettes)."""
    return secrets.token_hex(16)


def _param(value: str) -> str:
    return _PARAM_ESCAPE.sub(lambda m: _PARAM_ESCAPES[m.group(0)], value)


def _media_type(value: str | None) -> str | None:
    # A document's content type comes from a reference the process wrote: a line break
    # would add part headers of its own, so what is not a media type is left out.
    return value if value and _MEDIA_TYPE.fullmatch(value) else None


def _head(boundary: str, part: FormField | FormFile) -> bytes:
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="{_param(part.name)}"'
    if isinstance(part, FormFile):
        meta = part.content.metadata if isinstance(part.content, Document) else None
        file_name = part.file_name or (meta.file_name if meta else None) or part.name
        content_type = _media_type(part.content_type or (meta.content_type if meta else None))
        head += f'; filename="{_param(file_name)}"\r\n'
        head += f"Content-Type: {content_type or 'application/octet-stream'}\r\n"
    elif part.content_type:
        head += f"\r\nContent-Type: {part.content_type}\r\n"
    else:
        head += "\r\n"
    return head.encode("utf-8") + b"\r\n"


def multipart(parts: Sequence[FormField | FormFile]) -> tuple[bytes | StreamedContent, str]:
    """The ``multipart/form-data`` body of ``parts`` and its ``Content-Type``: bytes when
    every part is in memory, else :class:`StreamedContent` that reads each document as it
    goes (memory stays bounded whatever their size)."""
    boundary = new_boundary()
    content_type = f"{MULTIPART_TYPE}; boundary={boundary}"
    pieces: list[bytes | Document] = []
    for part in parts:
        pieces.append(_head(boundary, part))
        if isinstance(part, FormField):
            pieces.append(part.value.encode("utf-8"))
        else:
            pieces.append(part.content)
        pieces.append(b"\r\n")
    pieces.append(f"--{boundary}--\r\n".encode("ascii"))
    if not any(isinstance(piece, Document) for piece in pieces):
        return b"".join(piece for piece in pieces if isinstance(piece, bytes)), content_type

    async def body() -> AsyncIterator[bytes]:
        for piece in pieces:
            if isinstance(piece, Document):
                async for chunk in piece.chunks():
                    yield chunk
            else:
                yield piece

    return StreamedContent(body), content_type
