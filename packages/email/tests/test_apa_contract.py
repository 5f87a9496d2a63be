"""Alfresco Process Automation's ``SEND`` served by our e-mail connector: APA's inputs and
configuration names in, APA's error codes out, against aiosmtpd."""

from __future__ import annotations

import base64
import email
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest

from tasklink.core import Completed, Connector, Failed
from tasklink.email import connector
from tasklink.email._connector import apa
from tasklink.testing import run_job

SMTP_SECRET = "smtp-pass-8d1c7e5a"


@pytest.fixture
def trusted_ca(ca_pem: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """APA's configuration has no CA: the runtime's trust store holds the test CA."""
    path = tmp_path / "ca.pem"
    path.write_text(ca_pem)
    monkeypatch.setenv("SSL_CERT_FILE", str(path))


def settings(smtp: Any, **overrides: str) -> dict[str, str]:
    """APA's connection configuration, as the operator sets it in the secret providers."""
    return {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.starttls_port),
        "EMAIL_USERNAME": smtp.username,
        "EMAIL_PASSWORD": SMTP_SECRET,
        "EMAIL_SMTP_AUTH": "true",
        "EMAIL_SMTP_STARTTLS": "true",
        **overrides,
    }


def inline(text: str | bytes, name: str, content_type: str | None = None) -> dict[str, Any]:
    data = text.encode() if isinstance(text, str) else text
    reference: dict[str, Any] = {
        "camunda.document.type": "inline",
        "content": base64.b64encode(data).decode(),
        "encoding": "base64",
        "name": name,
    }
    if content_type:
        reference["contentType"] = content_type
    return reference


def send(
    variables: dict[str, Any], secrets: dict[str, str], target: Connector = apa
) -> Completed | Failed:
    message = {"from": "orders@example.test", "to": "ada@example.test", **variables}
    outcome = run_job(target, message, secrets=secrets)
    assert isinstance(outcome, Completed | Failed), outcome
    return outcome


def last(smtp: Any) -> EmailMessage:
    message = email.message_from_bytes(smtp.received[-1].data, policy=default)
    assert isinstance(message, EmailMessage)
    return message


def test_send_takes_apas_inputs_and_configuration(smtp: Any, trusted_ca: None) -> None:
    outcome = send(
        {
            "to": "ada@example.test, bob@example.test",
            "cc": "carol@example.test",
            "bcc": "dave@example.test",
            "subject": "Your order",
            "html": "<p>Shipped</p>",
            "text": "Shipped",
            "attachments": inline("Total: 42", "invoice.txt", "text/plain"),  # one file
        },
        settings(smtp),
    )
    # APA's SEND has no outputs: nothing lands in the process.
    assert isinstance(outcome, Completed) and outcome.output == {}
    received = smtp.received[-1]
    assert sorted(received.recipients) == [
        "ada@example.test",
        "bob@example.test",
        "carol@example.test",
        "dave@example.test",
    ]
    message = last(smtp)
    assert message["Subject"] == "Your order" and "Bcc" not in message
    assert message.get_body(("html",)).get_content().strip() == "<p>Shipped</p>"  # type: ignore[union-attr]
    assert message.get_body(("plain",)).get_content().strip() == "Shipped"  # type: ignore[union-attr]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "invoice.txt"


def test_a_freemarker_template_renders_metadata_into_the_html_body(
    smtp: Any, trusted_ca: None
) -> None:
    template = inline(
        "<#-- greeting -->\n<p>Hello ${customer.name}, order ${order.id} "
        '(${order["ship to"]}), ${coupon!"no coupon"}${note!} ${customer.name?upper_case} '
        "${customer.bio?no_esc}</p>",
        "welcome.ftl",
    )
    metadata = (
        '{"customer": {"name": "Ada <Lovelace>", "bio": "<i>math</i>"}, '
        '"order": {"id": 1042, "ship to": "London"}}'
    )
    outcome = send({"subject": "Hi", "template": template, "metadata": metadata}, settings(smtp))
    assert isinstance(outcome, Completed), outcome
    html = last(smtp).get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert html.strip() == (
        "<p>Hello Ada &lt;Lovelace&gt;, order 1042 (London), no coupon ADA &lt;LOVELACE&gt; "
        "<i>math</i></p>"
    )


def test_a_jinja2_template_file_renders_loops_into_a_text_body(smtp: Any, trusted_ca: None) -> None:
    template = inline(
        "{% for item in items %}- {{ item.name }} x{{ item.count }}\n{% endfor %}",
        "order.txt.j2",
    )
    metadata = {"items": [{"name": "tea", "count": 2}, {"name": "cake", "count": 1}]}
    outcome = send({"template": template, "metadata": metadata}, settings(smtp))
    assert isinstance(outcome, Completed), outcome
    message = last(smtp)
    assert message.get_content_type() == "text/plain"
    assert message.get_content().replace("\r\n", "\n") == "- tea x2\n- cake x1\n"


@pytest.mark.parametrize(
    ("template", "metadata", "code"),
    [
        (inline("<#if vip>VIP</#if>", "a.ftl"), {}, "TEMPLATE_SYNTAX_ERROR"),
        (inline("${customer.name}", "a.ftl"), {"customer": {}}, "TEMPLATE_METADATA_ERROR"),
        (inline("${items}", "a.ftl"), {"items": [1]}, "TEMPLATE_METADATA_ERROR"),
        (inline("${a +}", "a.ftl"), {}, "TEMPLATE_SYNTAX_ERROR"),
        (inline("{{ missing.x }}", "a.j2"), {}, "TEMPLATE_METADATA_ERROR"),
        (inline("{% for %}", "a.j2"), {}, "TEMPLATE_SYNTAX_ERROR"),
        (inline(b"\xff\xfe\x00bad", "a.ftl"), {}, "TEMPLATE_READ_ERROR"),
    ],
)
def test_template_problems_carry_apas_codes(
    smtp: Any, template: dict[str, Any], metadata: dict[str, Any], code: str
) -> None:
    before = len(smtp.received)
    outcome = send({"template": template, "metadata": metadata}, settings(smtp))
    assert isinstance(outcome, Failed) and outcome.input_error, outcome
    assert outcome.code == code and outcome.message.startswith("template")
    assert len(smtp.received) == before  # nothing sent


def test_charset_writes_the_bodies_in_it(smtp: Any, trusted_ca: None) -> None:
    outcome = send({"text": "Grüße", "charset": "ISO-8859-1"}, settings(smtp))
    assert isinstance(outcome, Completed), outcome
    message = last(smtp)
    assert message.get_content_charset() == "iso-8859-1"
    assert message.get_content().strip() == "Grüße"
    unknown = send({"text": "x", "charset": "klingon"}, settings(smtp))
    assert isinstance(unknown, Failed) and unknown.code == "INVALID_INPUT"
    assert "charset" in unknown.message
    cannot = send({"text": "€", "charset": "ascii"}, settings(smtp))
    assert isinstance(cannot, Failed) and cannot.code == "INVALID_INPUT"


def test_failures_carry_apas_codes_and_mask_the_password(smtp: Any, trusted_ca: None) -> None:
    wrong = "wrong-password-3c9f2e"
    refused = send({"text": "x"}, settings(smtp, EMAIL_PASSWORD=wrong))
    assert isinstance(refused, Failed)
    assert refused.code == "EMAIL_AUTHENTICATION_ERROR" and refused.retries == 0
    assert refused.variables["cause"] == "AUTHENTICATION_FAILED"
    assert wrong not in repr(refused)

    from tasklink.testing.dovecot import free_port

    closed = send({"text": "x"}, settings(smtp, EMAIL_PORT=str(free_port())))
    assert isinstance(closed, Failed) and closed.code == "EMAIL_CONNECTION_ERROR"
    assert closed.retries == 2  # retried, as connection failures are

    nobody = send({"to": "refused@example.test", "text": "x"}, settings(smtp))
    assert isinstance(nobody, Failed) and nobody.code == "EMAIL_SEND_ERROR"

    unconfigured = send({"text": "x"}, {})
    assert isinstance(unconfigured, Failed) and unconfigured.code == "MISSING_INPUT"
    assert unconfigured.message.startswith("EMAIL_HOST")

    no_user = settings(smtp)
    del no_user["EMAIL_USERNAME"]
    missing = send({"text": "x"}, no_user)
    assert isinstance(missing, Failed) and missing.message.startswith("EMAIL_USERNAME")

    bad_input = send({"to": "not an address", "text": "x"}, settings(smtp))
    assert isinstance(bad_input, Failed) and bad_input.code == "INVALID_INPUT"
    assert "to: " in bad_input.message


def test_without_auth_and_starttls_it_sends_in_plain_text(smtp: Any) -> None:
    plain = settings(
        smtp, EMAIL_PORT=str(smtp.plain_port), EMAIL_SMTP_AUTH="false", EMAIL_SMTP_STARTTLS="false"
    )
    outcome = send({"subject": "plain", "text": "x"}, plain)
    assert isinstance(outcome, Completed), outcome
    assert last(smtp)["Subject"] == "plain"


def test_implicit_tls_with_email_smtp_ssl(smtp: Any, trusted_ca: None) -> None:
    outcome = send(
        {"subject": "ssl", "text": "x"},
        settings(smtp, EMAIL_PORT=str(smtp.tls_port), EMAIL_SMTP_SSL="true"),
    )
    assert isinstance(outcome, Completed), outcome


def test_an_instance_of_another_name_reads_its_own_settings_first(
    smtp: Any, trusted_ca: None
) -> None:
    billing = apa.renamed("billing-mail")
    shared = settings(smtp, EMAIL_PORT="1")  # the shared port is wrong for this instance
    own = {**shared, "BILLING_MAIL_EMAIL_PORT": str(smtp.starttls_port)}
    outcome = send({"subject": "billing", "text": "x"}, own, target=billing)
    assert isinstance(outcome, Completed), outcome
    assert last(smtp)["Subject"] == "billing"


def test_the_contract_is_declared_with_apas_names_and_codes() -> None:
    assert apa in connector.contracts and apa.serves is connector
    assert (apa.engine, apa.key) == ("activiti", "email")
    assert [op.qualified_name for op in apa.operations.values()] == ["email.SEND"]
    assert set(apa.errors) == {
        "MISSING_INPUT",
        "INVALID_INPUT",
        "TEMPLATE_READ_ERROR",
        "TEMPLATE_METADATA_ERROR",
        "TEMPLATE_SYNTAX_ERROR",
        "EMAIL_CONNECTION_ERROR",
        "EMAIL_AUTHENTICATION_ERROR",
        "EMAIL_SEND_ERROR",
        "UNKNOWN_ERROR",
        "BAD_REQUEST",
        "UNAUTHORIZED",
        "FORBIDDEN",
        "NOT_FOUND",
        "INTERNAL_SERVER_ERROR",
        "BAD_GATEWAY",
        "SERVICE_UNAVAILABLE",
        "GATEWAY_TIMEOUT",
    }
    assert not apa.legacy_secrets
