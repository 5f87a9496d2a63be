"""Reading a response body within a size limit, decoding its ``Content-Encoding`` in steps.

httpx inflates every network chunk whole, through every stacked coding, before the caller
sees it: a few kilobytes of ``gzip, gzip`` become gigabytes in memory before any limit can
be checked. So the connector reads the raw bytes and inflates them itself, at most
:data:`DECODE_STEP` bytes per call, and every coding's output counts against the limit:
reading stops after at most ``limit + DECODE_STEP`` decoded bytes per coding.

Decoded: ``gzip`` (``x-gzip``), ``deflate`` (zlib-wrapped or, as some servers send it, raw)
and ``identity``, at most :data:`MAX_CODINGS` of them stacked. The connector asks for just
these (``Accept-Encoding: gzip, deflate``) unless the job sets ``Accept-Encoding`` itself;
a body in any other coding (``br``, ``zstd``...), or stacked deeper, is returned as it came
(binary, with ``Content-Encoding`` in the response headers), the limit counting its raw
bytes.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

__all__ = [
    "DECODE_STEP",
    "MAX_CODINGS",
    "BodyTooLargeError",
    "is_left_encoded",
    "iter_limited",
    "read_limited",
]

DECODE_STEP = 64 * 1024
MAX_CODINGS = 2
_GZIP = 16 + zlib.MAX_WBITS
_DECODABLE = frozenset({"gzip", "x-gzip", "deflate"})


class BodyTooLargeError(Exception):
    """The body (or one of its decoding steps) is larger than the limit."""


def _codings(content_encoding: str | None) -> list[str]:
    if not content_encoding:
        return []
    codings = (c.strip().lower() for c in content_encoding.split(","))
    return [c for c in codings if c and c != "identity"]


def is_left_encoded(content_encoding: str | None) -> bool:
    """Whether a body with this ``Content-Encoding`` is returned undecoded."""
    codings = _codings(content_encoding)
    return len(codings) > MAX_CODINGS or any(c not in _DECODABLE for c in codings)


def _decoding_error(message: str) -> Exception:
    import httpx

    return httpx.DecodingError(message)


class _Inflater:
    """One coding, inflated at most :data:`DECODE_STEP` bytes at a time; its total
    output is bounded by ``limit``."""

    def __init__(self, coding: str, limit: int) -> None:
        self._deflate = coding == "deflate"
        self._zlib = zlib.decompressobj(zlib.MAX_WBITS if self._deflate else _GZIP)
        self._started = False
        self._limit = limit
        self._produced = 0

    @property
    def eof(self) -> bool:
        return self._zlib.eof

    def _count(self, piece: bytes) -> bytes:
        self._produced += len(piece)
        if self._produced > self._limit:
            raise BodyTooLargeError
        return piece

    def feed(self, data: bytes) -> Iterator[bytes]:
        while not self._zlib.eof:
            try:
                piece = self._zlib.decompress(data, DECODE_STEP)
            except zlib.error as exc:
                if self._deflate and not self._started:
                    # "deflate" without the zlib wrapper: common enough to accept.
                    self._started = True
                    self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                message = f"the response body is not valid {self._name}: {exc}"
                raise _decoding_error(message) from None
            self._started = True
            data = self._zlib.unconsumed_tail
            if piece:
                yield self._count(piece)
            # A full step may leave output pending inside zlib even when all input is in.
            if not data and len(piece) < DECODE_STEP:
                return

    def flush(self) -> bytes:
        # Everything pending was taken out by feed(), so this is at most a few bytes.
        return self._count(self._zlib.flush())

    @property
    def _name(self) -> str:
        return "deflate data" if self._deflate else "gzip data"


class _Chain:
    """Stacked codings, undone last-applied first, each step feeding the next lazily."""

    def __init__(self, codings: list[str], limit: int) -> None:
        self._steps = [_Inflater(coding, limit) for coding in reversed(codings)]

    @property
    def done(self) -> bool:
        return self._steps[0].eof

    def _through(self, index: int, data: bytes) -> Iterator[bytes]:
        if index == len(self._steps):
            yield data
            return
        for piece in self._steps[index].feed(data):
            yield from self._through(index + 1, piece)

    def feed(self, data: bytes) -> Iterator[bytes]:
        return self._through(0, data)

    def flush(self) -> Iterator[bytes]:
        for index, step in enumerate(self._steps):
            tail = step.flush()
            if tail:
                yield from self._through(index + 1, tail)


async def iter_limited(
    response: httpx.Response, limit: int, declared: str = ""
) -> AsyncIterator[bytes]:
    """The body of ``response``, decoded, piece by piece; raises
    :class:`BodyTooLargeError` as soon as it (or a decoding step) passes ``limit`` bytes.
    ``declared`` is the ``Content-Length`` header, if the caller has it at hand."""
    declared = declared or response.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise BodyTooLargeError
    if response.is_stream_consumed:
        # A transport that built the response in memory (httpx.MockTransport, the seam
        # connector tests use): httpx holds the body already; only its size is left.
        content = response.content
        if len(content) > limit:
            raise BodyTooLargeError
        if content:
            yield content
        return
    encoding = response.headers.get("content-encoding")
    codings = _codings(encoding)
    chain = _Chain(codings, limit) if codings and not is_left_encoded(encoding) else None
    size = 0
    async for raw in response.aiter_raw():
        for piece in (raw,) if chain is None else chain.feed(raw):
            size += len(piece)
            if size > limit:
                raise BodyTooLargeError
            yield piece
        if chain is not None and chain.done:
            break  # anything after the end of the stream is not part of the body
    if chain is not None:
        # Each step's own limit bounds these; the total is checked once more.
        for piece in chain.flush():
            size += len(piece)
            if size > limit:
                raise BodyTooLargeError
            yield piece


async def read_limited(response: httpx.Response, limit: int, declared: str = "") -> bytes:
    """The body of ``response``, decoded (:func:`iter_limited`, joined)."""
    chunks = [piece async for piece in iter_limited(response, limit, declared)]
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
