"""Decoding a part's body from the raw message chunk by chunk.

Python's email package decodes a body whole (``Message.get_payload(decode=True)``); these
decoders give the same bytes 64 KiB at a time, so a large attachment is decoded from one
temporary file into another without ever being in memory whole. Where the email package
is lenient with broken input, they are lenient the same way (see :class:`_Base64`).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import IO, Protocol

__all__ = ["decode_body"]

CHUNK_BYTES = 64 * 1024
# Every byte that is neither in the base64 alphabet nor padding: skipped, as
# binascii.a2b_base64 skips it when not strict.
_NOT_BASE64 = bytes(
    set(range(256)) - set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
)
_PADDING = re.compile(rb"=+")
# Quoted-printable is decoded a line at a time; a "line" longer than this (there are none
# in valid quoted-printable, whose lines have at most 76 characters) is cut.
_QP_LINE_LIMIT = 1024 * 1024


class _Decoder(Protocol):
    def feed(self, data: bytes) -> bytes: ...

    def finish(self) -> bytes: ...


class _Identity:
    """7bit, 8bit, binary and encodings the email package does not know: the bytes as
    they are."""

    def feed(self, data: bytes) -> bytes:
        return data

    def finish(self) -> bytes:
        return b""


class _Base64:
    """base64 as the email package decodes it (``email._encoded_words.decode_b``, which
    falls back to ``binascii.a2b_base64`` without strict mode): bytes outside the alphabet
    are skipped, padding that completes a quantum ends the data (the rest is ignored),
    padding that completes none is skipped, and missing padding at the end is supplied.

    One difference: where the characters end one past a whole quantum, the email package
    returns the undecoded text, which cannot be known before the end; here the lone
    character is dropped.
    """

    def __init__(self) -> None:
        self._pending = b""  # alphabet characters (and padding) not yet decoded
        self._ended = False

    def feed(self, data: bytes) -> bytes:
        if self._ended:
            return b""
        data = self._pending + data.translate(None, _NOT_BASE64)
        held = -1
        while (pad := data.find(b"=")) >= 0:
            quantum = pad % 4  # characters of the current quantum before the padding
            padding = _PADDING.match(data, pad)
            assert padding is not None
            run = padding.end() - pad
            if quantum >= 2 and quantum + run >= 4:
                self._ended = True
                return base64.b64decode(data[:pad] + b"=" * (4 - quantum))
            if quantum >= 2 and padding.end() == len(data):
                held = pad - quantum  # the padding may go on in the next chunk
                break
            data = data[:pad] + data[padding.end() :]
        cut = held if held >= 0 else len(data) - len(data) % 4
        self._pending = data[cut:]
        return base64.b64decode(data[:cut])

    def finish(self) -> bytes:
        if self._ended:
            return b""
        data = self._pending.replace(b"=", b"")
        quantum = len(data) % 4
        if quantum == 1:
            data = data[:-1]
        elif quantum:
            data += b"=" * (4 - quantum)
        return base64.b64decode(data)


class _QuotedPrintable:
    """Quoted-printable with ``binascii.a2b_qp``, as ``quopri.decodestring`` does, fed
    whole lines: an escape or a soft line break never spans two chunks."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, data: bytes) -> bytes:
        data = self._pending + data
        cut = data.rfind(b"\n") + 1
        if not cut and len(data) > _QP_LINE_LIMIT:
            cut = len(data)
        self._pending = data[cut:]
        return binascii.a2b_qp(data[:cut])

    def finish(self) -> bytes:
        data, self._pending = self._pending, b""
        return binascii.a2b_qp(data)


def _decoder(encoding: str) -> _Decoder:
    if encoding == "base64":
        return _Base64()
    if encoding == "quoted-printable":
        return _QuotedPrintable()
    return _Identity()


def decode_body(
    source: IO[bytes], start: int, end: int, encoding: str, into: IO[bytes] | None
) -> int:
    """Decode ``source[start:end]``, a body in the Content-Transfer-Encoding ``encoding``
    (lowercase; ``x-uuencode`` is not handled here), into ``into`` (``None``: only count);
    returns the number of decoded bytes."""
    decoder = _decoder(encoding)
    written = 0
    position = start
    while position < end:
        source.seek(position)
        chunk = source.read(min(CHUNK_BYTES, end - position))
        if not chunk:
            break
        position += len(chunk)
        written += _write(into, decoder.feed(chunk))
    return written + _write(into, decoder.finish())


def _write(into: IO[bytes] | None, data: bytes) -> int:
    if into is not None and data:
        into.write(data)
    return len(data)
