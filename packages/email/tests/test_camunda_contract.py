"""Camunda's e-mail connector (``io.camunda:email:1``) served by ours: Camunda's variables
in, Camunda's results out, against aiosmtpd and Dovecot."""

from __future__ import annotations

import base64
import email
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest

from tasklink.core import Completed, Failed
from tasklink.email import connector
from tasklink.email._connector import camunda
from tasklink.testing import run_job

SMTP_SECRET = "smtp-pass-8d1c7e5a"


@pytest.fixture
def trusted_ca(ca_pem: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Camunda's templates have no CA input: the runtime's trust store holds the test CA
    (``SSL_CERT_FILE``, the shared trust policy)."""
    path = tmp_path / "ca.pem"
    path.write_text(ca_pem)
    monkeypatch.setenv("SSL_CERT_FILE", str(path))


def run(variables: dict[str, Any], secrets: dict[str, str] | None = None) -> Any:
    return run_job(camunda, variables, secrets=secrets or {})


def ok(variables: dict[str, Any], secrets: dict[str, str] | None = None) -> Any:
    outcome = run(variables, secrets)
    assert isinstance(outcome, Completed), outcome
    return outcome.output


def failed(variables: dict[str, Any], secrets: dict[str, str] | None = None) -> Failed:
    outcome = run(variables, secrets)
    assert isinstance(outcome, Failed), outcome
    return outcome


# --- SMTP -------------------------------------------------------------------------------


def smtp_job(smtp: Any, crypto: str = "TLS", *, auth: bool = True, **action: Any) -> dict[str, Any]:
    port = {"TLS": smtp.starttls_port, "SSL": smtp.tls_port, "NONE": smtp.plain_port}[crypto]
    authentication: dict[str, Any] = (
        {"type": "simple", "username": smtp.username, "password": "secrets.SMTP_PASSWORD"}
        if auth
        else {"type": "noAuth"}
    )
    return {
        "authentication": authentication,
        "protocol": "smtp",
        "data": {
            "smtpActionDiscriminator": "sendEmailSmtp",
            "smtpConfig": {
                "smtpHost": "127.0.0.1",
                "smtpPort": port,
                "smtpCryptographicProtocol": crypto,
            },
            "smtpAction": {
                "from": "Orders <orders@example.test>",
                "to": "ada@example.test",
                "subject": "Hello",
                "contentType": "PLAIN",
                "body": "Hi Ada",
                # The template's attachment helpers arrive beside attachments.
                "data_smtpAction_attachments_documentMode": "none",
                "attachments": None,
                **action,
            },
        },
    }


def last_message(smtp: Any) -> tuple[Any, EmailMessage]:
    received = smtp.received[-1]
    message = email.message_from_bytes(received.data, policy=default)
    assert isinstance(message, EmailMessage)
    return received, message


def test_send_returns_camundas_result_and_resolves_legacy_secrets(
    smtp: Any, trusted_ca: None
) -> None:
    job = smtp_job(
        smtp,
        to=["ada@example.test", "bob@example.test"],
        cc="carol@example.test",
        bcc="dave@example.test",
        headers={"X-Ticket": 42, "Reply-To": "help@example.test"},
        contentType="MULTIPART",
        body="plain text",
        htmlBody="<p>html</p>",
        attachments=[
            {
                "camunda.document.type": "inline",
                "name": "invoice.txt",
                "contentType": "text/plain",
                "content": "Total: 42",
            }
        ],
    )
    output = ok(job, {"SMTP_PASSWORD": SMTP_SECRET})
    assert output == {"subject": "Hello", "sent": True, "messageId": output["messageId"]}
    received, message = last_message(smtp)
    assert message["Message-ID"] == output["messageId"]
    assert sorted(received.recipients) == [
        "ada@example.test",
        "bob@example.test",
        "carol@example.test",
        "dave@example.test",
    ]
    assert "Bcc" not in message and message["Cc"] == "carol@example.test"
    assert message["X-Ticket"] == "42" and message["Reply-To"] == "help@example.test"
    assert message.get_body(("plain",)).get_content().strip() == "plain text"  # type: ignore[union-attr]
    assert message.get_body(("html",)).get_content().strip() == "<p>html</p>"  # type: ignore[union-attr]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "invoice.txt"
    assert attachment.get_content() == "Total: 42"


@pytest.mark.parametrize("crypto", ["TLS", "SSL", "NONE"])
def test_smtp_cryptographic_protocols_mean_starttls_implicit_tls_and_plain(
    smtp: Any, trusted_ca: None, crypto: str
) -> None:
    # NONE goes to the plain server, which takes mail without logging in.
    output = ok(
        smtp_job(smtp, crypto, auth=crypto != "NONE", subject=f"via {crypto}"),
        {"SMTP_PASSWORD": SMTP_SECRET},
    )
    assert output["sent"] is True
    assert last_message(smtp)[1]["Subject"] == f"via {crypto}"


def test_html_content_takes_html_body_only(smtp: Any, trusted_ca: None) -> None:
    ok(
        smtp_job(smtp, contentType="HTML", body="ignored", htmlBody="<b>only</b>"),
        {"SMTP_PASSWORD": SMTP_SECRET},
    )
    message = last_message(smtp)[1]
    assert message.get_content_type() == "text/html"
    assert "ignored" not in message.as_string()


def test_send_problems_name_camundas_variables(smtp: Any) -> None:
    secrets = {"SMTP_PASSWORD": SMTP_SECRET}
    missing = failed(smtp_job(smtp, contentType="HTML", htmlBody=None), secrets)
    assert missing.input_error and missing.code == "MISSING_INPUT"
    assert missing.message.startswith("data.smtpAction.htmlBody")
    bad = failed(smtp_job(smtp, to="not an address"), secrets)
    assert bad.input_error and "data.smtpAction.to" in bad.message
    header = failed(smtp_job(smtp, headers={"Subject": "x"}), secrets)
    assert header.input_error and header.message.startswith("data.smtpAction.headers")
    no_host = smtp_job(smtp)
    del no_host["data"]["smtpConfig"]
    assert failed(no_host, secrets).message.startswith("data.smtpConfig.smtpHost")


def test_a_refused_login_is_masked_and_not_retried(smtp: Any, trusted_ca: None) -> None:
    wrong = "wrong-secret-5e1d9a"
    outcome = failed(smtp_job(smtp), {"SMTP_PASSWORD": wrong})
    assert outcome.code == "AUTHENTICATION_FAILED" and outcome.retries == 0
    assert wrong not in repr(outcome)


def test_an_email_account_configuration_wins_over_blank_inline_fields(
    smtp: Any, trusted_ca: None
) -> None:
    job = smtp_job(smtp)
    job["authentication"] = {"type": "simple", "username": "", "password": ""}
    job["data"]["smtpConfig"] = {
        "smtpHost": "",
        "smtpPort": 587,
        "smtpCryptographicProtocol": "TLS",
    }
    job["emailAccountConfiguration"] = {
        "username": smtp.username,
        "password": "{{secrets.SMTP_PASSWORD}}",
        "smtpHost": "127.0.0.1",
        "smtpPort": smtp.tls_port,
        "smtpCryptographicProtocol": "SSL",
    }
    assert ok(job, {"SMTP_PASSWORD": SMTP_SECRET})["sent"] is True


# --- IMAP -------------------------------------------------------------------------------


def deliver(mailbox: Any, subject: str, **extra: Any) -> str:
    message = EmailMessage()
    message["From"] = extra.pop("sender", "Ann Sender <ann@example.test>")
    message["To"] = mailbox.address
    message["Subject"] = subject
    message_id = extra.pop("message_id", f"<{subject.replace(' ', '-')}@example.test>")
    message["Message-ID"] = message_id
    if "date" in extra:
        message["Date"] = extra.pop("date")
    message.set_content(extra.pop("body", f"body of {subject}"))
    for name, (content, file_name, maintype, subtype) in extra.pop("files", {}).items():
        message.add_attachment(
            content, maintype=maintype, subtype=subtype, filename=file_name, disposition=name
        )
    mailbox.server.deliver(mailbox.user, message.as_bytes())
    return message_id


def mailbox_job(
    mailbox: Any, protocol: str, action: str, crypto: str = "TLS", **inputs: Any
) -> dict[str, Any]:
    server = mailbox.server
    ports = {
        ("imap", "TLS"): server.imaps_port,
        ("imap", "SSL"): server.imaps_port,
        ("imap", "NONE"): server.imap_port,
        ("pop3", "TLS"): server.pop3s_port,
        ("pop3", "SSL"): server.pop3s_port,
        ("pop3", "NONE"): server.pop3_port,
    }
    return {
        "authentication": {
            "type": "simple",
            "username": mailbox.user,
            "password": "secrets.MAIL_PASSWORD",
        },
        "protocol": protocol,
        "data": {
            f"{protocol}ActionDiscriminator": action,
            f"{protocol}Config": {
                f"{protocol}Host": "127.0.0.1",
                f"{protocol}Port": ports[(protocol, crypto)],
                f"{protocol}CryptographicProtocol": crypto,
            },
            f"{protocol}Action": inputs,
        },
    }


@pytest.fixture
def secrets(mailbox: Any) -> dict[str, str]:
    return {"MAIL_PASSWORD": mailbox.password}


def test_imap_list_sorts_all_then_limits(
    mailbox: Any, trusted_ca: None, secrets: dict[str, str]
) -> None:
    deliver(mailbox, "middle", date="Tue, 02 Jun 2026 10:00:00 +0000", body="x" * 500)
    deliver(mailbox, "newest", date="Wed, 03 Jun 2026 10:00:00 +0000", body="x" * 5000)
    deliver(mailbox, "oldest", date="Mon, 01 Jun 2026 10:00:00 +0000", body="x")
    by_received = ok(mailbox_job(mailbox, "imap", "listEmailsImap", maxToBeRead=2), secrets)
    assert [m["subject"] for m in by_received] == ["middle", "newest"]
    assert by_received[0] == {
        "messageId": "<middle@example.test>",
        "fromAddress": "ann@example.test",
        "subject": "middle",
        "size": by_received[0]["size"],
    }
    by_sent = ok(
        mailbox_job(
            mailbox,
            "imap",
            "listEmailsImap",
            sortField="SENT_DATE",
            sortOrder="DESC",
            maxToBeRead=100,
            listEmailsFolder="INBOX",
        ),
        secrets,
    )
    assert [m["subject"] for m in by_sent] == ["newest", "middle", "oldest"]
    by_size = ok(
        mailbox_job(mailbox, "imap", "listEmailsImap", sortField="SIZE", maxToBeRead="1"), secrets
    )
    assert [m["subject"] for m in by_size] == ["oldest"]


@pytest.mark.parametrize("crypto", ["SSL", "NONE"])
def test_imap_cryptographic_protocols(
    mailbox: Any, trusted_ca: None, secrets: dict[str, str], crypto: str
) -> None:
    deliver(mailbox, "hello")
    listed = ok(mailbox_job(mailbox, "imap", "listEmailsImap", crypto), secrets)
    assert [m["subject"] for m in listed] == ["hello"]


def test_imap_search_takes_camundas_criteria_tree(
    mailbox: Any, trusted_ca: None, secrets: dict[str, str]
) -> None:
    deliver(mailbox, "invoice 1", sender="billing@example.test", body="amount due")
    deliver(mailbox, "invoice 2", sender="other@example.test", body="paid")
    deliver(mailbox, "newsletter", sender="billing@example.test", body="news")
    criteria = {
        "operator": "AND",
        "criteria": [
            {"field": "SUBJECT", "value": "invoice"},
            {
                "operator": "OR",
                "criteria": [
                    {"field": "FROM", "value": "billing@example.test"},
                    {"field": "BODY", "value": "PAID"},
                ],
            },
        ],
    }
    found = ok(mailbox_job(mailbox, "imap", "searchEmailsImap", criteria=criteria), secrets)
    assert found == [
        {"messageId": "<invoice-1@example.test>", "subject": "invoice 1"},
        {"messageId": "<invoice-2@example.test>", "subject": "invoice 2"},
    ]
    one = {"field": "SUBJECT", "value": "newsletter"}
    assert [
        m["subject"]
        for m in ok(mailbox_job(mailbox, "imap", "searchEmailsImap", criteria=one), secrets)
    ] == ["newsletter"]
    missing = failed(mailbox_job(mailbox, "imap", "searchEmailsImap"), secrets)
    assert missing.input_error and missing.message.startswith("data.imapAction.criteria")
    bad = {"operator": "AND", "criteria": [{"field": "TO", "value": "x"}]}
    wrong = failed(mailbox_job(mailbox, "imap", "searchEmailsImap", criteria=bad), secrets)
    assert wrong.input_error
    assert wrong.message.startswith("data.imapAction.criteria.criteria[0].field")


def test_imap_read_returns_camundas_shape_with_attachments_as_documents(
    mailbox: Any, trusted_ca: None, secrets: dict[str, str]
) -> None:
    message_id = deliver(
        mailbox,
        "with files",
        body="see attached",
        files={
            "attachment": (b"%PDF-1.4 data", "report.pdf", "application", "pdf"),
            "inline": (b"\x89PNG data", "logo.png", "image", "png"),
        },
    )
    read = ok(mailbox_job(mailbox, "imap", "readEmailImap", messageId=message_id), secrets)
    assert read["messageId"] == message_id
    assert read["fromAddress"] == "ann@example.test"
    assert read["subject"] == "with files"
    assert read["plainTextBody"].strip() == "see attached"
    assert read["htmlBody"] is None and read["errors"] == []
    assert {"key": "Subject", "value": "with files"} in read["headers"]
    assert read["receivedDateTime"].endswith("Z")
    # The inline image is not an attachment, as in Camunda's reader.
    [document] = read["attachments"]
    assert document["name"] == "report.pdf" and document["contentType"] == "application/pdf"
    assert base64.b64decode(document["content"]) == b"%PDF-1.4 data"
    # Reading did not mark it seen: a listing through our own connector tells.
    listed = run_job(
        connector,
        {"connection": mailbox.connection("imap", "none")},
        operation="imap_list",
    )
    assert isinstance(listed, Completed) and listed.output["messages"][0]["seen"] is False


def test_imap_move_creates_the_target_folder_and_delete_removes(
    mailbox: Any, trusted_ca: None, secrets: dict[str, str]
) -> None:
    message_id = deliver(mailbox, "to archive")
    moved = ok(
        mailbox_job(
            mailbox,
            "imap",
            "moveEmailImap",
            messageId=message_id,
            fromFolder="INBOX",
            toFolder="Archive.2026",
        ),
        secrets,
    )
    assert moved == {"messageId": message_id, "from": "INBOX", "to": "Archive.2026"}
    assert ok(mailbox_job(mailbox, "imap", "listEmailsImap"), secrets) == []
    # "Archive.2026" is Archive/2026 on this server, whose delimiter is "/".
    inside = ok(
        mailbox_job(mailbox, "imap", "listEmailsImap", listEmailsFolder="Archive/2026"), secrets
    )
    assert [m["messageId"] for m in inside] == [message_id]
    deleted = ok(
        mailbox_job(
            mailbox,
            "imap",
            "deleteEmailImap",
            messageId=message_id,
            deleteEmailFolder="Archive.2026",
        ),
        secrets,
    )
    assert deleted == {"messageId": message_id, "deleted": True}
    assert (
        ok(mailbox_job(mailbox, "imap", "listEmailsImap", listEmailsFolder="Archive.2026"), secrets)
        == []
    )
    gone = failed(mailbox_job(mailbox, "imap", "readEmailImap", messageId=message_id), secrets)
    assert gone.code == "MESSAGE_NOT_FOUND" and gone.retries == 0
    missing = failed(
        mailbox_job(mailbox, "imap", "listEmailsImap", listEmailsFolder="Nope"), secrets
    )
    assert missing.code == "FOLDER_NOT_FOUND"


def test_imap_needs_a_login(mailbox: Any) -> None:
    job = mailbox_job(mailbox, "imap", "listEmailsImap")
    job["authentication"] = {"type": "noAuth"}
    outcome = failed(job)
    assert outcome.input_error and outcome.message.startswith("authentication.type")


# --- POP3 -------------------------------------------------------------------------------


def test_pop3_list_search_read_and_delete(
    mailbox: Any, trusted_ca: None, secrets: dict[str, str]
) -> None:
    deliver(mailbox, "first", date="Mon, 01 Jun 2026 10:00:00 +0000", body="hello world")
    second = deliver(
        mailbox,
        "second",
        date="Tue, 02 Jun 2026 10:00:00 +0000",
        body="goodbye",
        files={"attachment": (b"a,b\n1,2\n", "data.csv", "text", "csv")},
    )
    listed = ok(mailbox_job(mailbox, "pop3", "listEmailsPop3", sortOrder="DESC"), secrets)
    assert [m["subject"] for m in listed] == ["second", "first"]
    assert listed[0]["fromAddress"] == "ann@example.test" and listed[0]["size"] > 0
    by_size = ok(
        mailbox_job(mailbox, "pop3", "listEmailsPop3", "NONE", sortField="SIZE", maxToBeRead=1),
        secrets,
    )
    assert [m["subject"] for m in by_size] == ["first"]

    criteria = {
        "operator": "OR",
        "criteria": [
            {"field": "BODY", "value": "WORLD"},
            {"field": "FROM", "value": "nobody@example.test"},
        ],
    }
    found = ok(mailbox_job(mailbox, "pop3", "searchEmailsPop3", criteria=criteria), secrets)
    assert found == [{"messageId": "<first@example.test>", "subject": "first"}]
    by_sender = {"field": "FROM", "value": "ANN@example.test"}
    assert (
        len(ok(mailbox_job(mailbox, "pop3", "searchEmailsPop3", criteria=by_sender), secrets)) == 2
    )

    # Without angle brackets, as a process may hold it.
    read = ok(mailbox_job(mailbox, "pop3", "readEmailPop3", messageId=second.strip("<>")), secrets)
    assert read["subject"] == "second" and read["receivedDateTime"] is None
    [document] = read["attachments"]
    assert base64.b64decode(document["content"]) == b"a,b\n1,2\n"
    # Reading does not delete: it is still listed.
    assert len(ok(mailbox_job(mailbox, "pop3", "listEmailsPop3"), secrets)) == 2

    deleted = ok(mailbox_job(mailbox, "pop3", "deleteEmailPop3", messageId=second), secrets)
    assert deleted == {"messageId": second, "deleted": True}
    assert [m["subject"] for m in ok(mailbox_job(mailbox, "pop3", "listEmailsPop3"), secrets)] == [
        "first"
    ]
    gone = failed(mailbox_job(mailbox, "pop3", "readEmailPop3", messageId=second), secrets)
    assert gone.code == "MESSAGE_NOT_FOUND"


# --- the declaration --------------------------------------------------------------------


def test_the_contract_is_declared_beside_our_connector() -> None:
    assert camunda in connector.contracts
    assert (camunda.engine, camunda.job_type, camunda.serves) == (
        "camunda",
        "io.camunda:email:1",
        connector,
    )
    assert camunda.legacy_secrets
    assert set(camunda.errors) == set(connector.errors)
    assert "AUTHENTICATION_FAILED" in connector.errors
    from tasklink.runtime.camunda import fetch_variables

    fetched = fetch_variables(camunda) or ()
    assert {"authentication", "protocol", "data", "emailAccountConfiguration"} <= set(fetched)
