"""Parsing received messages, folder-name encoding and address handling (no servers)."""

from __future__ import annotations

import base64
from email.message import EmailMessage

import pytest

from tasklink.email._addresses import normalize_address, split_addresses
from tasklink.email._parse import content_fields, parse
from tasklink.email._utf7 import decode_mailbox, encode_mailbox


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

    fields = content_fields(parse(raw), len(raw), with_content=True)
    assert fields["subject"] == "Grüße"
    assert fields["sender"] == "A <a@example.test>"
    assert fields["to"] == ["b@example.test", "C <c@example.test>"]
    assert fields["text"] == "plain\nlines\n"
    assert fields["html"].strip() == '<p><img src="cid:logo"></p>'
    assert fields["headers"]["Received"] == "from one, from two"
    by_type = {a["content_type"]: a for a in fields["attachments"]}
    assert set(by_type) == {"image/png", "message/rfc822"}
    assert by_type["image/png"]["content_id"] == "<logo>"
    assert base64.b64decode(by_type["image/png"]["content"]) == b"\x89PNG..."
    assert b"inner body" in base64.b64decode(by_type["message/rfc822"]["content"])


def test_garbage_headers_do_not_fail_a_read() -> None:
    raw = (
        b"From: broken <<<@@\r\nDate: not a date\r\nSubject: ok\r\n"
        b"Content-Type: text/plain; charset=x-unknown-charset\r\n\r\nbody \xff\r\n"
    )
    fields = content_fields(parse(raw), len(raw), with_content=False)
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
