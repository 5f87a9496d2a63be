"""Parsing received messages, folder-name encoding and address handling (no servers)."""

from __future__ import annotations

import asyncio
import io
from email.message import EmailMessage
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tasklink.core import Document
from tasklink.email._addresses import normalize_address, split_addresses
from tasklink.email._mailbox_models import MessageContent, MessageSummary
from tasklink.email._mime import LARGE_BODY_BYTES, outline
from tasklink.email._parse import content_fields, parse, summary_fields
from tasklink.email._utf7 import decode_mailbox, encode_mailbox


def read(
    raw: bytes, *, with_documents: bool = True, threshold: int = LARGE_BODY_BYTES
) -> dict[str, Any]:
    """The content fields of ``raw`` as imap_read and pop3_read make them."""
    source = outline(io.BytesIO(raw), threshold=threshold)
    return content_fields(source, len(raw), with_documents=with_documents)


def content(document: Document | None) -> bytes:
    assert document is not None
    return asyncio.run(document.read())


def contents(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with each document replaced by its bytes, to compare."""
    attachments = [
        {**attachment, "document": content(attachment["document"])}
        for attachment in fields["attachments"]
    ]
    return {**fields, "attachments": attachments}


def check(fields: dict[str, Any]) -> None:
    """The fields make a valid output, and each document holds as many bytes as its size."""
    for attachment in fields["attachments"]:
        if attachment["document"] is not None:
            assert len(content(attachment["document"])) == attachment["size"]
    MessageContent.model_validate(fields)


def test_related_html_with_inline_image_and_attached_message() -> None:
    message = EmailMessage()
    message["From"] = "A <a@example.test>"
    message["To"] = "b@example.test, C <c@example.test>"
    message["Received"] = "from one"
    message["Subject"] = "=?utf-8?q?Gr=C3=BC=C3=9Fe?="
    message.set_content("plain\r\nlines\r\n")
    message.add_alternative('<p><img src="cid:logo"></p>', subtype="html")
    html = message.get_payload()[1]
    html.add_related(b"\x89PNG...", maintype="image", subtype="png", cid="<logo>")
    inner = EmailMessage()
    inner["Subject"] = "forwarded"
    inner.set_content("inner body")
    message.add_attachment(inner)
    raw = message.as_bytes().replace(
        b"Received: from one", b"Received: from one\nReceived: from two"
    )

    fields = read(raw)
    assert fields["subject"] == "Grüße"
    assert fields["sender"] == "A <a@example.test>"
    assert fields["to"] == ["b@example.test", "C <c@example.test>"]
    assert fields["text"] == "plain\nlines\n"
    assert fields["html"].strip() == '<p><img src="cid:logo"></p>'
    assert fields["headers"]["Received"] == "from one, from two"
    by_type = {a["content_type"]: a for a in fields["attachments"]}
    assert set(by_type) == {"image/png", "message/rfc822"}
    assert by_type["image/png"]["content_id"] == "<logo>"
    png = by_type["image/png"]["document"]
    assert content(png) == b"\x89PNG..."
    assert png.metadata.content_type == "image/png"
    # An attached message is returned as it was sent.
    [inner_raw] = [p for p in raw.split(b"\n--") if b"Subject: forwarded" in p]
    attached = content(by_type["message/rfc822"]["document"])
    assert attached.startswith(b"Subject: forwarded") and attached in inner_raw


@pytest.mark.parametrize(
    ("sent", "returned"),
    [
        ("../../../etc/passwd", "passwd"),
        ("C:\\Windows\\evil.exe", "evil.exe"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("..", None),
    ],
)
def test_attachment_names_are_safe_base_names(sent: str, returned: str | None) -> None:
    message = EmailMessage()
    message.set_content("see attachment")
    message.add_attachment(b"data", maintype="application", subtype="octet-stream", filename=sent)
    raw = message.as_bytes()
    [attachment] = read(raw)["attachments"]
    assert attachment["file_name"] == returned
    assert attachment["document"].metadata.file_name == returned


def test_garbage_headers_do_not_fail_a_read() -> None:
    raw = (
        b"From: broken <<<@@\r\nDate: not a date\r\nSubject: ok\r\n"
        b"Content-Type: text/plain; charset=x-unknown-charset\r\n\r\nbody \xff\r\n"
    )
    fields = read(raw, with_documents=False)
    assert fields["date"] is None
    assert fields["subject"] == "ok"
    assert fields["text"].startswith("body ")
    assert fields["attachments"] == []


@pytest.mark.parametrize(
    ("name", "wire"),
    [("INBOX", '"INBOX"'), ("Entwürfe", '"Entw&APw-rfe"'), ("A&B", '"A&-B"'), ('q"x', '"q\\"x"')],
)
def test_mailbox_names(name: str, wire: str) -> None:
    assert encode_mailbox(name) == wire
    assert decode_mailbox(wire[1:-1].replace('\\"', '"')) == name


def test_rfc3501_example_decodes() -> None:
    assert decode_mailbox("~peter/mail/&U,BTFw-/&ZeVnLIqe-") == "~peter/mail/台北/日本語"


def test_address_lists_split_outside_quotes() -> None:
    assert split_addresses('"Doe, Jane" <j@example.test>; b@example.test,,') == [
        '"Doe, Jane" <j@example.test>',
        "b@example.test",
    ]
    assert normalize_address('"Doe, Jane" <j@example.test>') == '"Doe, Jane" <j@example.test>'
    assert normalize_address("Jörg <joerg@exämple.test>") == "Jörg <joerg@xn--exmple-cua.test>"
    assert normalize_address('"A \\"B\\" C" <a@example.test>') == '"A \\"B\\" C" <a@example.test>'

    with pytest.raises(ValueError, match="non-ASCII before the @"):
        normalize_address("jörg@example.test")


MALFORMED = [b"Cc: <", b'To: "', b"From: :;<'.", b"Message-ID: <<@>", b"Reply-To: <"]


@pytest.mark.parametrize("header", MALFORMED)
def test_malformed_structured_headers_fall_back_to_raw_text(header: bytes) -> None:
    raw = header + b"\r\nSubject: still here\r\n\r\nbody\r\n"
    summary = summary_fields(parse(raw), len(raw))
    fields = read(raw, with_documents=False)
    assert summary["subject"] == fields["subject"] == "still here"
    name, _, value = header.decode().partition(": ")
    assert fields["headers"][name] == value
    MessageContent.model_validate(fields).model_dump_json()


HEADER_NAMES = [
    "From",
    "To",
    "Cc",
    "Reply-To",
    "Subject",
    "Date",
    "Message-ID",
    "Content-Type",
    "Content-Disposition",
    "Content-Transfer-Encoding",
    "Content-ID",
    "MIME-Version",
    "X-Other",
]


# Random bytes, and short strings of the characters address and Message-ID parsers trip on.
HEADER_VALUES = st.one_of(
    st.binary(max_size=40),
    st.text(alphabet="<>\"@:;,.()[]\\=?' \tabc\xe9", max_size=12).map(
        lambda text: text.encode("utf-8")
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Found by this test: CPython's parser raised IndexError / HeaderParseError on these.
@example(headers=[("Content-Type", b"\x00;\x00*")], body=b"")
@example(headers=[("Content-Disposition", b"\x00;\x00*")], body=b"")
@given(
    headers=st.lists(
        st.tuples(st.sampled_from(HEADER_NAMES), HEADER_VALUES), min_size=1, max_size=6
    ),
    body=st.binary(max_size=60),
)
def test_parser_never_raises_on_random_header_bytes(
    headers: list[tuple[str, bytes]], body: bytes
) -> None:
    raw = b"".join(name.encode() + b": " + value + b"\r\n" for name, value in headers)
    raw += b"\r\n" + body
    message = parse(raw)
    MessageSummary.model_validate(summary_fields(message, len(raw))).model_dump_json()
    MessageContent.model_validate(read(raw, with_documents=False)).model_dump_json()
    fields = read(raw)
    check(fields)
    assert contents(read(raw, threshold=0)) == contents(fields)


# Whole messages: multiparts (also with broken or empty boundaries) and attached messages,
# nested, each part with random headers, so the parser's part handling meets bad input too.
CONTENT_TYPES = st.sampled_from(
    [
        b"text/plain; charset=utf-8",
        b"text/html; charset=x-unknown",
        b"application/pdf; name=a.pdf",
        b"multipart/mixed; boundary=b",
        b"multipart/alternative; boundary=b",
        b"multipart/related; boundary=",
        b"message/rfc822",
    ]
)


def _assemble(
    content_type: bytes, headers: list[tuple[str, bytes]], parts: list[bytes], body: bytes
) -> bytes:
    head = b"Content-Type: " + content_type + b"\r\n"
    head += b"".join(name.encode() + b": " + value + b"\r\n" for name, value in headers)
    if content_type.startswith(b"multipart/"):
        body = b"".join(b"--b\r\n" + part + b"\r\n" for part in parts) + b"--b--\r\n"
    elif content_type == b"message/rfc822":
        body = parts[0] if parts else body
    return head + b"\r\n" + body


MESSAGES = st.recursive(
    st.builds(
        _assemble,
        CONTENT_TYPES | HEADER_VALUES,
        st.lists(st.tuples(st.sampled_from(HEADER_NAMES), HEADER_VALUES), max_size=3),
        st.just([]),
        st.binary(max_size=30),
    ),
    lambda inner: st.builds(
        _assemble,
        CONTENT_TYPES,
        st.lists(st.tuples(st.sampled_from(HEADER_NAMES), HEADER_VALUES), max_size=3),
        st.lists(inner, min_size=1, max_size=3),
        st.binary(max_size=30),
    ),
    max_leaves=6,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=MESSAGES)
# Found by this test: a multipart whose payload did not split made get_body() raise.
@example(
    raw=_assemble(
        b"multipart/mixed; boundary=b",
        [],
        [_assemble(b"multipart/related; boundary=", [("From", b"\n")], [], b"")],
        b"",
    )
)
def test_parser_never_raises_on_random_nested_messages(raw: bytes) -> None:
    message = parse(raw)
    MessageSummary.model_validate(summary_fields(message, len(raw))).model_dump_json()
    MessageContent.model_validate(read(raw, with_documents=False)).model_dump_json()
    fields = read(raw)
    check(fields)
    # Bodies left in the file (all of them, at threshold 0) read as those parsed in memory.
    assert contents(read(raw, threshold=0)) == contents(fields)


@pytest.mark.parametrize(
    "attached",
    [
        b"Cc: " + b"x" * 90 + b"\xff<\r\n\r\nbody",
        b"Reply-To: :;multipart/signed; " + b"a" * 80 + b"\r\n\r\nbody",
    ],
    ids=["address-refold", "group-refold"],
)
def test_an_attached_message_that_cannot_be_rewritten_does_not_fail_the_read(
    attached: bytes,
) -> None:
    # Found by a structured fuzzer: writing the attached message refolds its headers.
    raw = (
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: text/plain\r\n\r\nhi\r\n--b\r\n"
        b"Content-Type: message/rfc822\r\n\r\n" + attached + b"\r\n--b--\r\n"
    )
    fields = read(raw)
    message = MessageContent.model_validate(fields)
    assert message.text == "hi"
    assert [a.content_type for a in message.attachments] == ["message/rfc822"]
    assert content(message.attachments[0].document) == attached
