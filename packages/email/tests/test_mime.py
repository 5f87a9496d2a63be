"""Reading a message from its file: the outline reads as the whole message does, and bodies
left in the file decode as the email package decodes them whole (no servers)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
from email import message_from_bytes
from email.policy import default
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasklink.core import Document
from tasklink.email import _decode, _mime
from tasklink.email._mime import outline
from tasklink.email._parse import content_fields

EVERYTHING_IN_MEMORY = 2**62  # a threshold no body passes: only attached messages stay out


def read(raw: bytes, threshold: int) -> dict[str, Any]:
    """The content fields, each document replaced by its bytes."""
    fields = content_fields(
        outline(io.BytesIO(raw), threshold=threshold), len(raw), with_documents=True
    )
    for attachment in fields["attachments"]:
        document: Document = attachment.pop("document")
        attachment["content"] = asyncio.run(document.read())
    return fields


# --- decoders ----------------------------------------------------------------------------


def email_package_decodes(encoding: bytes, body: bytes) -> bytes:
    part = message_from_bytes(b"Content-Transfer-Encoding: " + encoding + b"\r\n\r\n" + body)
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload


def decoded(encoding: bytes, body: bytes) -> bytes:
    out = io.BytesIO()
    size = _decode.decode_body(io.BytesIO(body), 0, len(body), encoding.decode(), out)
    assert size == len(out.getvalue())
    return out.getvalue()


def base64_bodies() -> st.SearchStrategy[bytes]:
    """base64 as written (wrapped lines), with stray characters and padding mixed in, but
    never one character past a whole quantum (where the email package gives up)."""

    def spoil(encoded: bytes, inserts: list[tuple[int, bytes]]) -> bytes:
        for position, junk in sorted(inserts, reverse=True):
            encoded = encoded[:position] + junk + encoded[position:]
        return encoded

    return st.builds(
        spoil,
        st.binary(max_size=200).map(base64.encodebytes),
        st.lists(
            st.tuples(st.integers(0, 300), st.sampled_from([b" ", b"!", b"=", b"==", b"\r", b"*"])),
            max_size=4,
        ),
    )


QP_BODIES = st.one_of(
    st.binary(max_size=200).map(lambda data: binascii.b2a_qp(data, istext=False)),
    st.lists(
        st.sampled_from([b"=", b"=\r\n", b"=\n", b"=4", b"1", b"=4F", b"\r", b"\n", b"a "])
    ).map(b"".join),
)


@settings(max_examples=200, deadline=None)
@given(
    body=base64_bodies() | QP_BODIES | st.binary(max_size=100),
    encoding=st.sampled_from([b"base64", b"quoted-printable", b"8bit", b"x-unknown"]),
    chunk=st.sampled_from([1, 2, 3, 5, 64]),
)
def test_bodies_decode_chunk_by_chunk_as_the_email_package_decodes_them(
    body: bytes, encoding: bytes, chunk: int
) -> None:
    if encoding == b"base64":
        try:
            base64.b64decode(body.translate(None, b"\r\n *!") + b"==", validate=False)
        except binascii.Error:
            return  # one character past a quantum: see _decode._Base64
    with mock.patch.object(_decode, "CHUNK_BYTES", chunk):
        assert decoded(encoding, body) == email_package_decodes(encoding, body)


# --- outlines ----------------------------------------------------------------------------

LINE_ENDS = st.sampled_from([b"\r\n", b"\n", b"\r"])


@st.composite
def leaves(draw: st.DrawFn, eol: bytes) -> bytes:
    """A part with a body in some transfer encoding, as an attachment, inline or a text."""
    encoding = draw(st.sampled_from([b"base64", b"quoted-printable", b"8bit", b"x-uuencode"]))
    content_type = draw(st.sampled_from([b"text/plain", b"text/html", b"application/pdf"]))
    data = draw(st.binary(max_size=150))
    if encoding == b"base64":
        body = draw(base64_bodies())
    elif encoding == b"quoted-printable":
        body = draw(QP_BODIES)
    elif encoding == b"x-uuencode":
        body = b"begin 644 a\n" + binascii.b2a_uu(data[:45]) + b"`\nend\n"
    else:
        body = data
    headers = [b"Content-Type: " + content_type, b"Content-Transfer-Encoding: " + encoding]
    disposition = draw(st.sampled_from([None, b"attachment", b"inline"]))
    if disposition:
        headers.append(b"Content-Disposition: " + disposition + b'; filename="f.bin"')
    return eol.join(headers) + eol + eol + body.replace(b"\n", eol)


@st.composite
def messages(draw: st.DrawFn, depth: int = 0) -> bytes:
    eol = draw(LINE_ENDS)
    kind = draw(st.sampled_from(["leaf", "multipart", "message"] if depth < 3 else ["leaf"]))
    if kind == "leaf":
        return draw(leaves(eol))
    if kind == "message":
        inner = draw(messages(depth + 1))
        return b"Content-Type: message/rfc822" + eol + eol + inner
    boundary = draw(st.sampled_from([b"b", b"b1", b"=_x"]))
    subtype = draw(st.sampled_from([b"mixed", b"alternative", b"related", b"digest"]))
    parts = draw(st.lists(messages(depth + 1), min_size=1, max_size=3))
    preamble = draw(st.sampled_from([b"", b"preamble" + eol, b"--b0" + eol]))
    closing = draw(st.sampled_from([b"--" + boundary + b"--" + eol, b""]))  # may be missing
    body = preamble
    for part in parts:
        body += b"--" + boundary + eol + part + eol
    body += closing + draw(st.sampled_from([b"", b"epilogue" + eol, b"--" + eol]))
    return (
        b"Content-Type: multipart/" + subtype + b'; boundary="' + boundary + b'"' + eol + eol + body
    )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=messages(), block=st.sampled_from([1, 2, 3, 7, 64 * 1024]))
def test_bodies_left_in_the_file_read_as_parsed_in_memory(raw: bytes, block: int) -> None:
    # Threshold 0 leaves every body it can in the file; the other reads all in memory.
    with (
        mock.patch.object(_mime, "BLOCK_BYTES", block),
        mock.patch.object(_decode, "CHUNK_BYTES", 3),
    ):
        assert read(raw, 0) == read(raw, EVERYTHING_IN_MEMORY)


def test_a_large_attachment_stays_out_of_the_parsed_outline() -> None:
    data = bytes(range(256)) * 8192  # 2 MiB
    message = message_from_bytes(b"Subject: big\r\n\r\n", policy=default)
    message.set_content("the text")
    message.add_attachment(data, maintype="application", subtype="zip", filename="a.zip")
    raw = message.as_bytes()
    parsed = outline(io.BytesIO(raw))
    assert len(parsed.message.as_bytes()) < 2000, "the attachment was parsed in memory"
    fields = read(raw, _mime.LARGE_BODY_BYTES)
    assert fields["text"] == "the text\n"
    [attachment] = fields["attachments"]
    assert (attachment["file_name"], attachment["size"]) == ("a.zip", len(data))
    assert attachment["content"] == data


def test_a_large_text_body_is_read_back_from_the_file() -> None:
    text = "Grüße, " * 20000 + "\n"
    message = message_from_bytes(b"Subject: long\r\n\r\n", policy=default)
    message.set_content(text, cte="quoted-printable")
    raw = message.as_bytes()
    assert len(raw) > _mime.LARGE_BODY_BYTES
    assert read(raw, _mime.LARGE_BODY_BYTES)["text"] == text


def test_an_attached_message_is_returned_as_sent() -> None:
    inner = b"Subject: inner\r\nFrom: x@example.test\r\n\r\nbody line\r\n"
    raw = (
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain"
        b"\r\n\r\nhi\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"\r\n--b--\r\n"
    )
    [attachment] = read(raw, _mime.LARGE_BODY_BYTES)["attachments"]
    assert attachment["content"] == inner
    assert attachment["size"] == len(inner)


def test_long_lines_and_bare_cr_line_ends_split_as_the_parser_splits_them() -> None:
    long_line = bytes(range(14, 256)) * 1200  # 290 KB without a line end
    raw = (
        b"Content-Type: multipart/mixed; boundary=b\r\r--b\rContent-Type: text/plain\r\r"
        b"text\r--b\rContent-Type: application/octet-stream\rContent-Transfer-Encoding: "
        b"binary\r\r" + long_line + b"\r--b\r\n--b-- \t\r\n"
    )
    with mock.patch.object(_mime, "BLOCK_BYTES", 1000):  # less than a line's kept start
        left_in_file = read(raw, 0)
    assert left_in_file == read(raw, EVERYTHING_IN_MEMORY)
    assert left_in_file["text"] == "text"
    assert [a["content"] for a in left_in_file["attachments"]] == [long_line, b""]


def test_deeply_nested_multiparts_are_walked_without_recursion() -> None:
    raw = b"Content-Type: text/plain\r\n\r\nhi\r\n"
    for level in range(600):  # deeper than Python's recursion limit allows a recursive walk
        boundary = b"b%d" % level
        head = b"Content-Type: multipart/mixed; boundary=%s\r\n\r\n--%s\r\n" % (boundary, boundary)
        raw = head + raw + b"\r\n--%s--\r\n" % boundary
    assert read(raw, 0)["text"] == "hi\n"
