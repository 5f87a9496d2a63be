"""POP3 operations against a real Dovecot."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest

from tasklink.core import Completed, Failed
from tasklink.email import connector
from tasklink.testing import run_job


def ok(operation: str, variables: dict[str, Any]) -> Any:
    outcome = run_job(connector, variables, operation=operation)
    assert isinstance(outcome, Completed), outcome
    return outcome.output


def deliver(mailbox: Any, subject: str) -> None:
    message = EmailMessage()
    message["From"] = "Sender <sender@example.test>"
    message["To"] = mailbox.address
    message["Cc"] = "copy@example.test"
    message["Subject"] = subject
    message["Date"] = "Mon, 23 Nov 2026 10:00:00 +0100"
    message.set_content(f"body of {subject}\n.\n..leading dots survive\n")
    mailbox.server.deliver(mailbox.user, message.as_bytes())


@pytest.fixture
def pop3(mailbox: Any, ca_pem: str) -> dict[str, Any]:
    return mailbox.connection("pop3", "tls", caCertificate=ca_pem)


def test_list_newest_first_with_limit(mailbox: Any, pop3: dict[str, Any]) -> None:
    for n in range(4):
        deliver(mailbox, f"pop {n}")
    listed = ok("pop3_list", {"connection": pop3, "limit": 2})
    assert listed["total"] == 4
    assert [m["subject"] for m in listed["messages"]] == ["pop 3", "pop 2"]
    first = listed["messages"][0]
    assert first["number"] == 4
    assert first["from"] == "Sender <sender@example.test>"
    assert first["cc"] == ["copy@example.test"]
    assert first["date"] == "2026-11-23T10:00:00+01:00"
    assert first["size"] > 0
    assert first["uid"]


def test_read_keeps_dot_lines_and_can_delete(mailbox: Any, pop3: dict[str, Any]) -> None:
    deliver(mailbox, "dots")
    [summary] = ok("pop3_list", {"connection": pop3})["messages"]
    read = ok("pop3_read", {"connection": pop3, "uid": summary["uid"], "deleteAfterRead": True})
    assert read["text"] == "body of dots\n.\n..leading dots survive\n"
    assert read["deleted"] is True
    assert read["attachments"] == []
    assert ok("pop3_list", {"connection": pop3})["total"] == 0


@pytest.mark.parametrize("security", ["starttls", "none"])
def test_other_security_modes(mailbox: Any, ca_pem: str, security: str) -> None:
    deliver(mailbox, "hello")
    connection = mailbox.connection("pop3", security, caCertificate=ca_pem)
    assert ok("pop3_list", {"connection": connection})["total"] == 1


def test_wrong_password(mailbox: Any, ca_pem: str) -> None:
    connection = mailbox.connection("pop3", "tls", caCertificate=ca_pem, password="nope-nope-nope")
    outcome = run_job(connector, {"connection": connection}, operation="pop3_list", retries=3)
    assert isinstance(outcome, Failed)
    assert outcome.code == "AUTHENTICATION_FAILED"
    assert outcome.retries == 0
    assert "nope-nope-nope" not in repr(outcome)


def test_missing_message(pop3: dict[str, Any]) -> None:
    for operation in ("pop3_read", "pop3_delete"):
        outcome = run_job(
            connector, {"connection": pop3, "uid": "no-such-uid"}, operation=operation, retries=3
        )
        assert isinstance(outcome, Failed)
        assert outcome.code == "MESSAGE_NOT_FOUND"
        assert outcome.retries == 0


def test_untrusted_certificate(mailbox: Any) -> None:
    outcome = run_job(
        connector, {"connection": mailbox.connection("pop3", "tls")}, operation="pop3_list"
    )
    assert isinstance(outcome, Failed)
    assert outcome.code == "TLS_FAILED"


def test_malformed_headers_do_not_break_list_or_read(mailbox: Any, pop3: dict[str, Any]) -> None:
    deliver(mailbox, "fine")
    for header in (b"Cc: <", b'To: "', b"From: :;<'.", b"Message-ID: <<@>"):
        raw = header + b"\r\nSubject: broken " + header + b"\r\n\r\nbody\r\n"
        mailbox.server.deliver(mailbox.user, raw)
    listed = ok("pop3_list", {"connection": pop3})
    assert listed["total"] == 5
    assert sorted(m["subject"] for m in listed["messages"])[-1] == "fine"
    to = next(m for m in listed["messages"] if m["subject"] == 'broken To: "')
    read = ok("pop3_read", {"connection": pop3, "uid": to["uid"]})
    assert read["headers"]["To"] == '"'


def test_message_over_max_message_bytes_is_not_fetched(mailbox: Any, pop3: dict[str, Any]) -> None:
    deliver(mailbox, "big " + "y" * 3000)
    listed = ok("pop3_list", {"connection": pop3})["messages"][0]
    selector = {"connection": pop3, "uid": listed["uid"], "deleteAfterRead": True}
    outcome = run_job(
        connector, {**selector, "maxMessageBytes": 1000}, operation="pop3_read", retries=3
    )
    assert isinstance(outcome, Failed), outcome
    assert outcome.code == "MESSAGE_TOO_LARGE"
    assert outcome.retries == 0
    assert outcome.variables["size"] == listed["size"] > 3000
    # Nothing was deleted: the failed read did not commit.
    read = ok("pop3_read", {**selector, "maxMessageBytes": listed["size"]})
    assert read["deleted"] is True
