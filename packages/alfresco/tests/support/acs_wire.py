"""Reading request bodies as they arrive: ``Content-Length`` or chunked, and
``multipart/form-data`` part by part, so an upload of any size passes in bounded memory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import HTTP
from typing import Protocol

from .acs_store import CHUNK

__all__ = ["BodyError", "FormPart", "body_chunks", "boundary_of", "multipart_events"]


class Readable(Protocol):
    """What a request body is read from (the handler's ``rfile``)."""

    def read(self, size: int = -1, /) -> bytes: ...

    def readline(self, size: int = -1, /) -> bytes: ...


class BodyError(ValueError):
    """A body that cannot be read as its headers say."""


def body_chunks(stream: Readable, length: int | None, chunked: bool) -> Iterator[bytes]:
    """The request body from ``stream``: ``length`` bytes, or chunked transfer coding."""
    if chunked:
        while True:
            line = stream.readline(1024)
            if not line:
                raise BodyError("the chunked body ended early")
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError as exc:
                raise BodyError(f"bad chunk size line {line!r}") from exc
            if size == 0:
                while stream.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return
            remaining = size
            while remaining:
                piece = stream.read(min(CHUNK, remaining))
                if not piece:
                    raise BodyError("the chunked body ended early")
                remaining -= len(piece)
                yield piece
            stream.readline(16)  # the CRLF after the chunk
        return
    remaining = length or 0
    while remaining > 0:
        piece = stream.read(min(CHUNK, remaining))
        if not piece:
            raise BodyError(f"the body ended {remaining} bytes early")
        remaining -= len(piece)
        yield piece


def boundary_of(content_type: str) -> str | None:
    """The ``boundary`` parameter of a multipart content type."""
    for param in content_type.split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "boundary":
            return value.strip().strip('"') or None
    return None


@dataclass
class FormPart:
    """A part's headers; its data follows as ``bytes`` events, then ``None``."""

    name: str
    filename: str | None
    content_type: str | None
    headers: dict[str, str] = field(default_factory=dict)


def multipart_events(chunks: Iterator[bytes], boundary: str) -> Iterator[FormPart | bytes | None]:
    """Parse a multipart body as it streams: for each part a :class:`FormPart`, its data
    as ``bytes`` pieces, then ``None``. Raises :class:`BodyError` when it is malformed."""
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    keep = len(delimiter) + 2
    buffer = b"\r\n"  # so the first delimiter looks like every other one
    state = "preamble"
    finished = False
    source = iter(chunks)
    exhausted = False
    while not finished:
        progressed = False
        if state in ("preamble", "data"):
            index = buffer.find(delimiter)
            if index >= 0:
                if state == "data":
                    if index:
                        yield buffer[:index]
                    yield None
                buffer = buffer[index + len(delimiter) :]
                state = "after"
                progressed = True
            elif len(buffer) > keep:
                if state == "data":
                    yield buffer[:-keep]
                buffer = buffer[-keep:]
        if state == "after" and len(buffer) >= 2:
            if buffer.startswith(b"--"):
                finished = True
                break
            end = buffer.find(b"\r\n")
            if end >= 0:
                buffer = buffer[end + 2 :]
                state = "headers"
                progressed = True
        if state == "headers":
            if buffer.startswith(b"\r\n"):
                head, buffer = b"", buffer[2:]
            else:
                end = buffer.find(b"\r\n\r\n")
                if end < 0:
                    if len(buffer) > 64 * 1024:
                        raise BodyError("a part's headers are larger than 64 KiB")
                    head = None
                else:
                    head, buffer = buffer[:end], buffer[end + 4 :]
            if head is not None:
                yield _part(head)
                state = "data"
                progressed = True
        if progressed:
            continue
        if exhausted:
            raise BodyError("the multipart body ended before its closing boundary")
        piece = next(source, None)
        if piece is None:
            exhausted = True
        else:
            buffer += piece
    for _ in source:  # the epilogue
        pass


def _part(head: bytes) -> FormPart:
    message = BytesHeaderParser(policy=HTTP).parsebytes(head + b"\r\n\r\n")
    headers = {key: str(value) for key, value in message.items()}
    name = message.get_param("name", header="content-disposition")
    filename = message.get_param("filename", header="content-disposition")
    content_type = message.get("content-type")
    return FormPart(
        name=name if isinstance(name, str) else "",
        filename=filename if isinstance(filename, str) else None,
        content_type=str(content_type) if content_type else None,
        headers=headers,
    )
