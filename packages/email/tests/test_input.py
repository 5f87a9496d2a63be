"""Bad input is an input error naming the field, and nothing is sent."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tasklink.core import Failed
from tasklink.email import connector
from tasklink.testing import run_job


@pytest.fixture
def base(smtp: Any) -> dict[str, Any]:
    return {
        "connection": smtp.connection("none"),
        "from": "orders@example.test",
        "to": "someone@example.test",
        "subject": "Hello",
        "text": "Hi",
    }


def rejected(smtp: Any, variables: dict[str, Any]) -> Failed:
    before = len(smtp.received)
    outcome = run_job(connector, variables, operation="send", retries=3)
    assert isinstance(outcome, Failed), outcome
    assert outcome.input_error, outcome
    assert outcome.retries == 0
    assert len(smtp.received) == before, "a message was sent despite invalid input"
    return outcome


INJECTIONS = ["x@example.test\r\nBcc: victim@example.test", "x@example.test\nBcc: v@e.test"]


@pytest.mark.parametrize("name", ["from", "to", "cc", "bcc", "replyTo"])
@pytest.mark.parametrize("value", INJECTIONS)
def test_header_injection_in_addresses(
    smtp: Any, base: dict[str, Any], name: str, value: str
) -> None:
    outcome = rejected(smtp, {**base, name: value})
    assert name in outcome.message
    assert "line breaks" in outcome.message


@pytest.mark.parametrize("name", ["to", "cc"])
def test_header_injection_in_address_lists(smtp: Any, base: dict[str, Any], name: str) -> None:
    outcome = rejected(smtp, {**base, name: ["ok@example.test", INJECTIONS[0]]})
    assert name in outcome.message


@pytest.mark.parametrize(
    "subject", ["Hi\r\nBcc: victim@example.test", "Hi\nX-Evil: 1", "Hi\rX", "Hi\u2028X"]
)
def test_header_injection_in_subject(smtp: Any, base: dict[str, Any], subject: str) -> None:
    outcome = rejected(smtp, {**base, "subject": subject})
    assert "subject" in outcome.message


@pytest.mark.parametrize(
    ("headers", "problem"),
    [
        ({"X-Note": "a\r\nBcc: victim@example.test"}, "line breaks"),
        ({"X-Bad\r\nBcc": "victim@example.test"}, "line breaks"),
        ({"X Space": "1"}, "not a valid header name"),
        ({"X-Colon:": "1"}, "not a valid header name"),
        ({"Bcc": "victim@example.test"}, "set by the connector"),
        ({"content-type": "text/html"}, "set by the connector"),
    ],
)
def test_bad_custom_headers(
    smtp: Any, base: dict[str, Any], headers: dict[str, str], problem: str
) -> None:
    outcome = rejected(smtp, {**base, "headers": headers})
    assert "headers" in outcome.message
    assert problem in outcome.message


@pytest.mark.parametrize(
    "address", ["not-an-address", "a@", "@example.test", "a b@example.test", "a@@example.test"]
)
def test_invalid_addresses(smtp: Any, base: dict[str, Any], address: str) -> None:
    outcome = rejected(smtp, {**base, "to": ["ok@example.test", address]})
    assert outcome.code == "INVALID_INPUT"
    assert "to: " in outcome.message
    assert "entry 1" in outcome.message


def test_no_recipient(smtp: Any, base: dict[str, Any]) -> None:
    outcome = rejected(smtp, {**base, "to": " "})
    assert "to" in outcome.message
    assert "at least one recipient" in outcome.message


@pytest.mark.parametrize("content", ["not base64!", "QUJD=X", "QQ"])
def test_attachment_not_base64(smtp: Any, base: dict[str, Any], content: str) -> None:
    attachments = [{"fileName": "ok.txt", "content": "aGk="}, {"fileName": "a", "content": content}]
    outcome = rejected(smtp, {**base, "attachments": attachments})
    assert "attachments[1].content" in outcome.message
    assert "base64" in outcome.message


def test_attachment_base64_may_be_wrapped(smtp: Any, base: dict[str, Any]) -> None:
    wrapped = base64.encodebytes(b"x" * 200).decode()  # 76-column lines, as MIME writes them
    outcome = run_job(
        connector,
        {**base, "attachments": [{"fileName": "x.bin", "content": wrapped}]},
        operation="send",
    )
    assert not isinstance(outcome, Failed), outcome


@pytest.mark.parametrize(
    ("attachment", "field"),
    [
        ({"fileName": "a\r\nb.txt", "content": "aGk="}, "attachments[0].fileName"),
        ({"fileName": " ", "content": "aGk="}, "attachments[0].fileName"),
        ({"fileName": "a.txt", "content": "aGk=", "contentType": "nonsense"}, "contentType"),
        ({"fileName": "a.txt", "content": "aGk=", "contentType": "multipart/mixed"}, "contentType"),
        ({"content": "aGk="}, "attachments[0].fileName"),
    ],
)
def test_bad_attachment_fields(
    smtp: Any, base: dict[str, Any], attachment: dict[str, Any], field: str
) -> None:
    outcome = rejected(smtp, {**base, "attachments": [attachment]})
    assert field in outcome.message


@pytest.mark.parametrize("body", [{}, {"text": ""}, {"text": "  ", "html": "\n"}])
def test_body_missing_both_text_and_html(
    smtp: Any, base: dict[str, Any], body: dict[str, Any]
) -> None:
    variables = {k: v for k, v in base.items() if k != "text"} | body
    outcome = rejected(smtp, variables)
    assert outcome.message.startswith("text:")
    assert "html" in outcome.message


@pytest.mark.parametrize(
    ("field", "template", "problem"),
    [
        ("text", "Hello {{ name ", "syntax error"),
        ("html", "{% for x in items %}", "syntax error"),
        ("subject", "{{ name.__class__.__mro__ }}", "not allowed"),
        ("text", "{{ ''.__class__.__subclasses__() }}", "not allowed"),
        ("text", "{{ cycler.__init__.__globals__ }}", "not allowed"),
        ("text", "{{ items.append(1) }}", "not allowed"),
        ("text", "{{ name.__len__() }}", "not allowed"),
        ("text", "{% include '/etc/passwd' %}", "cannot include"),
        ("html", "{% extends 'base.html' %}", "cannot include"),
        ("text", "{% import 'macros' as m %}", "cannot include"),
        ("text", "Hello {{ missing_value }}", "templateData does not have"),
        ("text", "{{ 1 / 0 }}", "failed"),
        ("subject", '{{ "a" * 1000000000 }}', "exceeds a limit"),
        ("html", '{{ "a"|center(1000000000)|length }}', "exceeds a limit"),
        ("text", "{{ (1000000000 ** 1000000000) > 0 }}", "exceeds a limit"),
        (
            "text",
            "{% for i in range(9999) %}{% for j in range(9999) %}{% endfor %}{% endfor %}",
            "exceeds a limit",
        ),
    ],
)
def test_bad_templates(
    smtp: Any, base: dict[str, Any], field: str, template: str, problem: str
) -> None:
    variables = {
        **base,
        field: template,
        "templateEngine": "jinja2",
        "templateData": {"name": "Ann", "items": [1, 2]},
    }
    outcome = rejected(smtp, variables)
    assert outcome.message.startswith(f"{field}:"), outcome.message
    assert problem in outcome.message, outcome.message


def test_rendered_subject_with_line_break(smtp: Any, base: dict[str, Any]) -> None:
    variables = {
        **base,
        "subject": "Order {{ id }}",
        "templateEngine": "jinja2",
        "templateData": {"id": "1\r\nBcc: victim@example.test"},
    }
    outcome = rejected(smtp, variables)
    assert outcome.message.startswith("subject:")


@pytest.mark.parametrize(
    ("connection", "field"),
    [
        ({"host": "mail example"}, "connection.host"),
        ({"host": "h", "port": 0}, "connection.port"),
        ({"host": "h", "port": 70000}, "connection.port"),
        ({"host": "h", "security": "ssl"}, "connection.security"),
        ({"host": "h", "password": "x-password"}, "connection.password"),
        ({"host": "h", "timeout": 0}, "connection.timeout"),
        ({"host": "h", "authMethod": "cram-md5"}, "connection.authMethod"),
        ({"host": "h", "caCertificate": "not a certificate"}, "connection.caCertificate"),
        ({"port": 25}, "connection.host"),
    ],
)
def test_bad_connection_settings(
    smtp: Any, base: dict[str, Any], connection: dict[str, Any], field: str
) -> None:
    outcome = rejected(smtp, {**base, "connection": connection})
    assert field in outcome.message
    assert "x-password" not in outcome.message


@pytest.mark.parametrize(
    ("operation", "variables", "field"),
    [
        ("imap_read", {}, "uid"),
        ("imap_read", {"uid": 1, "messageId": "<a@b>"}, "uid"),
        ("imap_move", {"uid": 0, "targetFolder": "X"}, "uid"),
        ("imap_move", {"uid": 1, "targetFolder": ""}, "targetFolder"),
        ("imap_list", {"folder": "IN\r\nBOX"}, "folder"),
        ("imap_list", {"limit": 0}, "limit"),
        ("imap_search", {"subject": "a\r\nb"}, "subject"),
        ("imap_search", {"since": "yesterday"}, "since"),
        ("imap_search", {"since": "2026-02-01", "before": "2026-01-01"}, "before"),
        ("imap_read", {"messageId": "a b@c"}, "messageId"),
        ("imap_list", {"connection": {"host": "127.0.0.1"}}, "connection.username"),
        (
            "imap_list",
            {"connection": {"host": "127.0.0.1", "username": "u"}},
            "connection.password",
        ),
        ("pop3_read", {"uid": ""}, "uid"),
        ("imap_read", {"uid": 4294967296}, "uid"),
        ("imap_read", {"uid": 1, "maxMessageBytes": 0}, "maxMessageBytes"),
        ("pop3_read", {"uid": "a", "maxMessageBytes": 2**31}, "maxMessageBytes"),
        ("imap_delete", {"uid": 10**30}, "uid"),
        *[
            (
                operation,
                {"connection": {"host": "127.0.0.1", "username": "u", "password": password}},
                "connection.password",
            )
            for operation in ("pop3_list", "imap_list")
            for password in ("p\r\nDELE 1", "p\nQUIT", "p\0x")
        ],
        (
            "pop3_list",
            {"connection": {"host": "127.0.0.1", "username": "u\0v", "password": "p"}},
            "connection.username",
        ),
        (
            "pop3_list",
            {"connection": {"host": "127.0.0.1", "username": "u"}},
            "connection.password",
        ),
    ],
)
def test_bad_mailbox_input(operation: str, variables: dict[str, Any], field: str) -> None:
    # Port 9 (discard) is never contacted: the input is refused first.
    connection = {"host": "127.0.0.1", "port": 9, "username": "u", "password": "p-1234"}
    outcome = run_job(connector, {"connection": connection, **variables}, operation=operation)
    assert isinstance(outcome, Failed), outcome
    assert outcome.input_error, outcome
    assert field in outcome.message, outcome.message


def test_message_id_gets_angle_brackets() -> None:
    from tasklink.email import ImapRead

    model = ImapRead.model_validate({"connection": {"host": "h"}, "messageId": "abc@example.test"})
    assert model.message_id == "<abc@example.test>"
