"""Reading a raw message from a file without holding its large parts in memory.

Python's email package parses a message whole: a 20 MB attachment costs its 27 MB of
base64 text and several copies of it. Here the message file is scanned line by line,
finding its parts as the email package's feed parser finds them (the same line ends,
header blocks and boundary lines), and an *outline* is written: the message with the
body of every large part, and of every attached message, replaced by a token line. The
email package parses the outline, so headers, structure, bodies and file names are
still read by its rules, in memory that stays small; a part whose payload is a token is
read from the file: decoded chunk by chunk into an attachment (:meth:`Outline.decode`),
or put back as the payload of a large text body (:meth:`Outline.restore`).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from typing import IO

from ._decode import decode_body
from ._parse import LENIENT, parse

__all__ = ["LARGE_BODY_BYTES", "Body", "Outline", "outline"]

#: A body larger than this stays in the file; smaller ones are parsed in memory.
LARGE_BODY_BYTES = 64 * 1024
# The file is read in blocks of this size.
BLOCK_BYTES = 64 * 1024
# Of a line only this much is kept to look at: enough for any header name, boundary
# or separator line (a longer line is none of them).
HEAD_BYTES = 4096
# The feed parser's own patterns (email.feedparser): line ends, and a header line.
_LINE_END = re.compile(rb"\r\n|\r|\n")
_HEADER_LINE = re.compile(rb"^(From |[\041-\071\073-\176]*:|[\t ])")
# A line starting with "--" (after the line end before it): only such lines delimit.
_DASHES_LINE = re.compile(rb"[\r\n]--")
# Bodies in these transfer encodings stay in memory: only the email package decodes them.
_UUENCODE = frozenset({"x-uuencode", "uuencode", "uue", "x-uue"})
_HEADER_PARSER = BytesHeaderParser(policy=LENIENT)


@dataclass(frozen=True, slots=True)
class Body:
    """A body left in the file: ``start`` to ``end`` (without the line end that belongs
    to the next boundary), in the Content-Transfer-Encoding ``encoding``."""

    start: int
    end: int
    encoding: str


@dataclass(frozen=True, slots=True)
class _Line:
    start: int
    end: int
    head: bytes  # the line with its line end, or its first HEAD_BYTES bytes

    @property
    def whole(self) -> bool:
        return len(self.head) == self.end - self.start


class _Boundary:
    """The delimiter lines of one multipart, matched as the feed parser matches them."""

    def __init__(self, boundary: str) -> None:
        try:
            separator = b"--" + boundary.encode("ascii", "surrogateescape")
        except UnicodeEncodeError:
            # A decoded RFC 2231 boundary with characters no line (bytes read as ASCII
            # with surrogate escapes) can hold: the feed parser never matches it either.
            self._pattern = None
        else:
            self._pattern = re.compile(
                re.escape(separator) + rb"(?P<end>--)?[ \t]*(?:\r\n|\r|\n)?$"
            )

    def match(self, line: _Line) -> bool | None:
        """``None``: not a delimiter line; ``True``: the closing one; ``False``: between
        parts."""
        if self._pattern is None or not line.whole or not line.head.startswith(b"--"):
            return None
        found = self._pattern.match(line.head)
        return None if found is None else found.group("end") is not None


class _Lines:
    """The lines of a file as the feed parser splits them (after CRLF, CR or LF), with
    their offsets, and its false ends: a delimiter line of an enclosing multipart ends
    the part being read, and is left to be read again."""

    def __init__(self, source: IO[bytes]) -> None:
        self._source = source
        self._buffer = b""
        self._offset = 0  # file offset of self._buffer[0]
        self._pos = 0  # next unread byte in self._buffer
        self._at_eof = False
        self._pushed: list[_Line] = []
        self.boundaries: list[_Boundary] = []

    def position(self) -> int:
        """The file offset of the next line."""
        return self._pushed[-1].start if self._pushed else self._offset + self._pos

    def push_back(self, line: _Line) -> None:
        self._pushed.append(line)

    def next(self) -> _Line | None:
        """The next line; ``None`` at the end of the file or of the current part."""
        line = self._pushed.pop() if self._pushed else self._read()
        if line is None:
            return None
        if line.head[:2] == b"--" and any(b.match(line) is not None for b in self.boundaries):
            self._pushed.append(line)
            return None
        return line

    def skip_plain(self) -> None:
        """Move past lines that do not start with "--", which can delimit nothing: a block
        at a time rather than a line at a time, for the bodies of large parts."""
        while not self._pushed:
            while len(self._buffer) - self._pos < 2:
                if not self._more():
                    return
            if self._buffer.startswith(b"--", self._pos):
                return
            found = _DASHES_LINE.search(self._buffer, self._pos)
            if found is not None:
                self._pos = found.start() + 1
                return
            last_lf = self._buffer.rfind(b"\n", self._pos)
            if last_lf >= 0:
                self._pos = last_lf + 1  # a line starts after every LF
            elif self._read() is None:  # no LF in sight: a line at a time
                return

    def _more(self) -> bool:
        """Append the next block of the file to the buffer, dropping what was read."""
        if self._at_eof:
            return False
        self._offset += self._pos
        self._buffer = self._buffer[self._pos :]
        self._pos = 0
        self._source.seek(self._offset + len(self._buffer))
        data = self._source.read(BLOCK_BYTES)
        if not data:
            self._at_eof = True
            return False
        self._buffer += data
        return True

    def _read(self) -> _Line | None:
        if self._pos == len(self._buffer) and not self._more():
            return None
        start = self._offset + self._pos
        head: bytes | None = None  # set once the line is known to be long
        while True:
            found = _LINE_END.search(self._buffer, self._pos)
            # A CR at the end of the buffer may be the first half of a CRLF.
            if found is not None and (found.end() < len(self._buffer) or found.group() != b"\r"):
                end = found.end()
                break
            if head is None and len(self._buffer) - self._pos > HEAD_BYTES:
                head = self._buffer[self._pos : self._pos + HEAD_BYTES]
            if head is not None:  # a long line: skip through it, keeping a final CR
                self._pos = max(self._pos, len(self._buffer) - 1)
            if not self._more():
                end = len(self._buffer)
                break
        if head is None:
            head = self._buffer[self._pos : end]
        self._pos = end
        return _Line(start, self._offset + end, head)


@dataclass(slots=True)
class _Multipart:
    """A multipart being walked: its boundary, and whether one of its parts is open."""

    boundary: _Boundary
    digest: bool
    in_part: bool = False


class _Scanner:
    """Walks the parts of a message as ``email.feedparser.FeedParser._parsegen`` does and
    notes the bodies to leave in the file. It keeps the open multiparts in a list rather
    than recursing: a hostile message may nest them thousands deep."""

    def __init__(self, source: IO[bytes], threshold: int) -> None:
        self._source = source
        self._lines = _Lines(source)
        self._threshold = threshold
        self.bodies: list[Body] = []

    def scan(self) -> None:
        lines = self._lines
        top = self._part(in_multipart=False, default_type="text/plain")
        open_multiparts = [top] if top is not None else []
        while open_multiparts:
            current = open_multiparts[-1]
            if current.in_part:  # back from one of its parts
                lines.boundaries.pop()
                current.in_part = False
            if not self._next_part(current.boundary):
                self._to_end()  # the epilogue
                open_multiparts.pop()
                continue
            lines.boundaries.append(current.boundary)
            current.in_part = True
            default_type = "message/rfc822" if current.digest else "text/plain"
            nested = self._part(in_multipart=True, default_type=default_type)
            if nested is not None:
                open_multiparts.append(nested)

    def _part(self, *, in_multipart: bool, default_type: str) -> _Multipart | None:
        """Read a part's header block; a multipart is returned to be walked, any other
        part is read to its end."""
        lines = self._lines
        headers: list[_Line] = []
        while (line := lines.next()) is not None:
            if not _HEADER_LINE.match(line.head):
                if not _LINE_END.match(line.head):  # not the empty separator line: body
                    lines.push_back(line)
                break
            headers.append(line)
        # The parser takes a "From " line ending the header block for the first line of
        # the body, and drops the header before it: a body that is not one stretch of the
        # file, and headers an outline would not reproduce. Such a part stays as it is.
        as_is = len(headers) > 1 and headers[-1].head.startswith(b"From ")
        message = self._headers(headers)
        message.set_default_type(default_type)
        maintype = message.get_content_maintype()
        boundary = message.get_boundary() if maintype == "multipart" else None
        if boundary is not None:
            return _Multipart(_Boundary(boundary), message.get_content_subtype() == "digest")
        start = lines.position()
        end = self._to_end()
        encoding = str(message.get("content-transfer-encoding", "")).lower()
        # Attached messages always: their bytes as sent are the attachment.
        large = maintype == "message" or (
            end - start > self._threshold and encoding not in _UUENCODE
        )
        if large and not as_is:
            # RFC 2046: the line end before a boundary belongs to it. (The parser leaves it
            # to a multipart without a boundary, whose body it reads as text.)
            if in_multipart and maintype != "multipart":
                end -= self._line_end_before(start, end)
            self.bodies.append(Body(start, end, encoding))
        return None

    def _next_part(self, boundary: _Boundary) -> bool:
        """Read to the next part of a multipart; ``False`` at its end."""
        lines = self._lines
        while True:
            lines.skip_plain()  # the preamble
            line = lines.next()
            if line is None:
                return False
            closing = boundary.match(line)
            if closing is None:
                continue
            if closing:
                return False
            # Delimiter lines right after this one delimit nothing: skip them.
            while (after := lines.next()) is not None and boundary.match(after) is not None:
                pass
            if after is not None:
                lines.push_back(after)
            return True

    def _to_end(self) -> int:
        """Read to the end of the current part; returns its offset."""
        while True:
            self._lines.skip_plain()
            if self._lines.next() is None:
                return self._lines.position()

    def _headers(self, headers: list[_Line]) -> Message:
        if not headers:
            return EmailMessage(policy=LENIENT)
        return _HEADER_PARSER.parsebytes(_slice(self._source, headers[0].start, headers[-1].end))

    def _line_end_before(self, start: int, end: int) -> int:
        tail = _slice(self._source, max(start, end - 2), end)
        if tail.endswith(b"\r\n"):
            return 2
        return 1 if tail.endswith((b"\r", b"\n")) else 0


@dataclass(frozen=True)
class Outline:
    """A message parsed from its outline, and the bodies left in its file."""

    message: EmailMessage
    source: IO[bytes]
    bodies: dict[str, Body]

    def body(self, part: Message) -> Body | None:
        """The body of ``part`` left in the file, if it was."""
        payload = part.get_payload()
        if isinstance(payload, list):  # message/*: the token is the attached message
            inner = payload[0] if len(payload) == 1 else None
            payload = inner.get_payload() if isinstance(inner, Message) else None
        return self.bodies.get(payload.strip()) if isinstance(payload, str) else None

    def restore(self, part: Message) -> None:
        """Give a text part left in the file the payload the email package would have
        read (so it decodes it by its own rules)."""
        body = self.body(part)
        if body is not None:
            raw = _slice(self.source, body.start, body.end)
            part.set_payload(raw.decode("ascii", "surrogateescape"))

    def decode(self, body: Body, into: IO[bytes] | None) -> int:
        """Decode ``body`` into ``into`` (``None``: only count); returns its size."""
        return decode_body(self.source, body.start, body.end, body.encoding, into)


def outline(source: IO[bytes], *, threshold: int = LARGE_BODY_BYTES) -> Outline:
    """Scan the raw message in ``source`` and parse its outline; bodies larger than
    ``threshold`` bytes stay in ``source``, which must stay open while the outline is
    used."""
    scanner = _Scanner(source, threshold)
    scanner.scan()
    nonce = secrets.token_hex(16)
    tokens = {f"tasklink-body-{nonce}-{n}": body for n, body in enumerate(scanner.bodies)}
    skeleton = bytearray()
    position = 0
    for token, body in tokens.items():
        skeleton += _slice(source, position, body.start)
        skeleton += token.encode("ascii") + b"\r\n"
        position = body.end
    skeleton += _slice(source, position, None)
    return Outline(parse(bytes(skeleton)), source, tokens)


def _slice(source: IO[bytes], start: int, end: int | None) -> bytes:
    source.seek(start)
    return source.read(-1 if end is None else end - start)
