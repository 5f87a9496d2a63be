"""``send`` against real aiosmtpd servers: security modes, authentication, refusals."""

from __future__ import annotations

import base64
import email
import socket
from email.policy import default
from typing import Any

import pytest

from tasklink.core import Completed, Failed
from tasklink.email import connector
from tasklink.testing import run_job


def send(variables: dict[str, Any], **options: Any) -> Any:
    return run_job(connector, variables, operation="send", **options)


def message(connection: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "connection": connection,
        "from": "Orders <orders@example.test>",
        "to": ["someone@example.test"],
        "subject": "Your order",
        "text": "Thank you",
        **fields,
    }


def last_message(smtp: Any) -> email.message.EmailMessage:
    parsed = email.message_from_bytes(smtp.received[-1].data, policy=default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


@pytest.mark.parametrize("security", ["starttls", "tls"])
@pytest.mark.parametrize("method", ["auto", "plain", "login"])
def test_sends_over_tls_with_authentication(
    smtp: Any, ca_pem: str, security: str, method: str
) -> None:
    before = len(smtp.received)
    outcome = send(
        message(smtp.connection(security, caCertificate=ca_pem, authMethod=method)),
    )
    assert isinstance(outcome, Completed), outcome
    assert outcome.output["accepted"] == ["someone@example.test"]
    assert outcome.output["refused"] == []
    assert len(smtp.received) == before + 1
    sent = last_message(smtp)
    assert sent["Message-ID"] == outcome.output["messageId"]
    assert sent["Subject"] == "Your order"
    assert sent.get_content().strip() == "Thank you"


def test_sends_without_security_or_login(smtp: Any) -> None:
    outcome = send(message(smtp.connection("none")))
    assert isinstance(outcome, Completed), outcome
    assert smtp.received[-1].recipients == ["someone@example.test"]


def test_envelope_and_headers(smtp: Any, ca_pem: str) -> None:
    pdf = bytes(range(256)) * 4
    outcome = send(
        message(
            smtp.connection("tls", caCertificate=ca_pem),
            to='a@example.test, "Doe, Jane" <jane@example.test>',
            cc=["c@example.test"],
            bcc="hidden@example.test",
            replyTo="support@example.test",
            subject="Grüße",
            html="<p>Thank <b>you</b></p>",
            headers={"X-Ticket": "42"},
            attachments=[
                {
                    "fileName": "invoice.pdf",
                    "content": base64.b64encode(pdf).decode(),
                    "contentType": "application/pdf",
                }
            ],
        )
    )
    assert isinstance(outcome, Completed), outcome
    received = smtp.received[-1]
    assert received.sender == "orders@example.test"
    assert received.recipients == [
        "a@example.test",
        "jane@example.test",
        "c@example.test",
        "hidden@example.test",
    ]
    assert b"hidden@example.test" not in received.data  # bcc stays in the envelope
    sent = last_message(smtp)
    assert sent["To"] == 'a@example.test, "Doe, Jane" <jane@example.test>'
    assert sent["Cc"] == "c@example.test"
    assert sent["Reply-To"] == "support@example.test"
    assert sent["Subject"] == "Grüße"
    assert sent["X-Ticket"] == "42"
    assert sent.get_body(("plain",)).get_content().strip() == "Thank you"
    assert sent.get_body(("html",)).get_content().strip() == "<p>Thank <b>you</b></p>"
    [attachment] = list(sent.iter_attachments())
    assert attachment.get_filename() == "invoice.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == pdf


def test_jinja2_templates_render_with_process_data(smtp: Any) -> None:
    outcome = send(
        message(
            smtp.connection("none"),
            subject="Order {{ order.id }}",
            text="Hello {{ customer }}, {% for i in order['items'] %}{{ i }};{% endfor %}",
            html="<p>Hello {{ customer }}</p>",
            templateEngine="jinja2",
            templateData={"customer": "<Ann & Bob>", "order": {"id": 7, "items": ["a", "b"]}},
        )
    )
    assert isinstance(outcome, Completed), outcome
    sent = last_message(smtp)
    assert sent["Subject"] == "Order 7"
    assert sent.get_body(("plain",)).get_content().strip() == "Hello <Ann & Bob>, a;b;"
    # HTML is autoescaped; text is not.
    assert sent.get_body(("html",)).get_content().strip() == "<p>Hello &lt;Ann &amp; Bob&gt;</p>"


def test_without_templates_braces_are_sent_as_written(smtp: Any) -> None:
    outcome = send(message(smtp.connection("none"), text="{{ not a template }}"))
    assert isinstance(outcome, Completed), outcome
    assert last_message(smtp).get_content().strip() == "{{ not a template }}"


def test_refused_recipients_are_reported(smtp: Any) -> None:
    outcome = send(
        message(
            smtp.connection("none"),
            to=["ok@example.test", "refused-1@example.test"],
            cc="busy@example.test",
        )
    )
    assert isinstance(outcome, Completed), outcome
    assert outcome.output["accepted"] == ["ok@example.test"]
    refused = {r["address"]: r["code"] for r in outcome.output["refused"]}
    assert refused == {"refused-1@example.test": 550, "busy@example.test": 450}
    assert smtp.received[-1].recipients == ["ok@example.test"]


def test_every_recipient_refused_permanently_is_not_retried(smtp: Any) -> None:
    outcome = send(message(smtp.connection("none"), to="refused@example.test"), retries=3)
    assert isinstance(outcome, Failed)
    assert outcome.code == "RECIPIENTS_REFUSED"
    assert outcome.retries == 0
    assert outcome.variables["refused"][0]["address"] == "refused@example.test"


def test_every_recipient_refused_temporarily_is_retried(smtp: Any) -> None:
    outcome = send(message(smtp.connection("none"), to="busy@example.test"), retries=3)
    assert isinstance(outcome, Failed)
    assert outcome.code == "RECIPIENTS_REFUSED"
    assert outcome.retries == 2


def test_wrong_password_is_an_authentication_failure_not_retried(smtp: Any, ca_pem: str) -> None:
    before = len(smtp.received)
    outcome = send(
        message(
            smtp.connection("starttls", caCertificate=ca_pem, password="{{secrets.SMTP_PASSWORD}}")
        ),
        secrets={"SMTP_PASSWORD": "definitely-not-the-password"},
        retries=3,
    )
    assert isinstance(outcome, Failed)
    assert outcome.code == "AUTHENTICATION_FAILED"
    assert outcome.retries == 0
    assert "definitely-not-the-password" not in repr(outcome)
    assert len(smtp.received) == before


def test_server_requiring_authentication_refuses_anonymous_sender(smtp: Any, ca_pem: str) -> None:
    connection = smtp.connection("starttls", caCertificate=ca_pem)
    del connection["username"], connection["password"]
    outcome = send(message(connection))
    assert isinstance(outcome, Failed)
    assert outcome.code == "SENDER_REFUSED"  # 530 authentication required, at MAIL FROM
    assert outcome.retries == 0


def test_connection_refused_is_retried() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connections are refused
        outcome = send(
            message({"host": "127.0.0.1", "port": port, "security": "none", "timeout": 5}),
            retries=3,
        )
    assert isinstance(outcome, Failed)
    assert outcome.code == "CONNECTION_FAILED"
    assert outcome.retries == 2
    assert not outcome.input_error


def test_untrusted_certificate_is_a_tls_failure(smtp: Any) -> None:
    outcome = send(message(smtp.connection("tls")), retries=3)  # no caCertificate
    assert isinstance(outcome, Failed)
    assert outcome.code == "TLS_FAILED"
    assert outcome.retries == 0


def test_certificate_check_can_be_turned_off(smtp: Any) -> None:
    outcome = send(message(smtp.connection("tls", verifyCertificate=False)))
    assert isinstance(outcome, Completed), outcome


def test_implicit_tls_against_a_plain_port_is_a_tls_failure(smtp: Any, ca_pem: str) -> None:
    connection = smtp.connection("none") | {"security": "tls", "caCertificate": ca_pem}
    outcome = send(message(connection), retries=3)
    assert isinstance(outcome, Failed)
    assert outcome.code in {"TLS_FAILED", "CONNECTION_FAILED", "TIMEOUT"}, outcome


def test_starttls_required_but_not_offered(smtp: Any, ca_pem: str) -> None:
    connection = smtp.connection("none") | {"security": "starttls", "caCertificate": ca_pem}
    outcome = send(message(connection), retries=3)
    assert isinstance(outcome, Failed)
    assert outcome.code == "TLS_FAILED"
    assert outcome.retries == 0


def test_silent_server_is_a_retryable_timeout() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)  # the kernel accepts the connection; nobody ever greets
        connection = {
            "host": "127.0.0.1",
            "port": sock.getsockname()[1],
            "security": "none",
            "timeout": 0.5,
        }
        outcome = send(message(connection), retries=3)
    assert isinstance(outcome, Failed)
    assert outcome.code == "TIMEOUT"
    assert outcome.retries == 2


EIGHT_BIT_EML = {
    "utf-8 body": "Subject: Grüße\r\nContent-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln\r\n".encode(),
    "no charset": b"Subject: raw\r\n\r\nbody \xff\xfe\r\n",
    "raw header bytes": b"Subject: \xc3\xa4 \xff\r\nFrom: \xe9@x\r\n\r\nb\xe9\r\n",
}


@pytest.mark.parametrize("security", ["none", "starttls"])
@pytest.mark.parametrize("raw", list(EIGHT_BIT_EML.values()), ids=list(EIGHT_BIT_EML))
def test_eight_bit_eml_attachment_is_sent(
    smtp: Any, ca_pem: str, raw: bytes, security: str
) -> None:
    attachment = {
        "fileName": "forwarded.eml",
        "content": base64.b64encode(raw).decode(),
        "contentType": "message/rfc822",
    }
    connection = smtp.connection(security, caCertificate=ca_pem)
    outcome = send(message(connection, attachments=[attachment]), retries=0)
    assert isinstance(outcome, Completed), outcome
    parts = [p for p in last_message(smtp).iter_attachments() if p.get_filename()]
    assert [p.get_filename() for p in parts] == ["forwarded.eml"]
    part = parts[0]
    if part.get_content_type() == "message/rfc822":
        inner = part.get_content()
        assert inner["Subject"] == email.message_from_bytes(raw, policy=default)["Subject"]
        if raw == EIGHT_BIT_EML["utf-8 body"]:
            assert inner.get_content().rstrip() == "Grüße aus Köln"
    else:  # what cannot be written in 7 bits goes byte for byte as octet-stream
        assert part.get_content_type() == "application/octet-stream"
        assert part.get_content() == raw
