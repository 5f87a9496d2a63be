"""The shared standard suite, plus the servers its README and secret checks need."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tasklink.email import connector
from tasklink.testing import SecretCase, StandardConnectorSuite

SMTP_SECRET = "smtp-secret-value-7f3a9c"
IMAP_SECRET = "imap-secret-value-2b8e41"


class TestStandard(StandardConnectorSuite):
    connector = connector
    package_dir = Path(__file__).resolve().parents[1]
    heavy_modules = ("aiosmtplib", "jinja2", "imaplib", "poplib")

    @pytest.fixture
    def valid_inputs(self) -> dict[str, dict[str, Any]]:
        imap = {"host": "imap.example.com", "username": "u", "password": "p"}
        pop3 = {"host": "pop.example.com", "username": "u", "password": "p"}
        return {
            "send": {
                "connection": {"host": "smtp.example.com", "security": "starttls"},
                "from": "a@example.com",
                "to": ["b@example.com"],
                "subject": "s",
                "text": "t",
                "attachments": [{"fileName": "a.txt", "content": "aGk="}],
            },
            "imap_folders": {"connection": imap},
            "imap_list": {"connection": imap, "folder": "INBOX", "limit": 5},
            "imap_search": {"connection": imap, "subject": "x", "since": "2026-01-01"},
            "imap_read": {"connection": imap, "uid": 1},
            "imap_move": {"connection": imap, "uid": 1, "targetFolder": "Archive"},
            "imap_delete": {"connection": imap, "messageId": "<a@example.com>"},
            "imap_mark": {"connection": imap, "uid": 1, "seen": False},
            "pop3_list": {"connection": pop3, "limit": 5},
            "pop3_read": {"connection": pop3, "uid": "abc"},
            "pop3_delete": {"connection": pop3, "uid": "abc"},
        }

    @pytest.fixture
    def secret_cases(self, smtp: Any, mailbox: Any, ca_pem: str) -> list[SecretCase]:
        """Successful SMTP and IMAP logins, failed POP3 and SMTP logins, all with secrets."""
        good_smtp = smtp.connection("starttls", caCertificate=ca_pem)
        good_smtp["password"] = "{{secrets.SMTP_PASSWORD}}"
        imap = mailbox.connection("imap", "tls", caCertificate=ca_pem)
        imap["password"] = "{{secrets.IMAP_PASSWORD}}"
        pop3 = mailbox.connection("pop3", "tls", caCertificate=ca_pem)
        pop3["password"] = "{{secrets.IMAP_PASSWORD}}"
        message = {
            "connection": good_smtp,
            "from": "a@example.test",
            "to": "b@example.test",
            "text": "hello",
        }
        return [
            SecretCase("send", message, {"SMTP_PASSWORD": smtp.password}),
            SecretCase("imap_list", {"connection": imap}, {"IMAP_PASSWORD": mailbox.password}),
            SecretCase("pop3_list", {"connection": pop3}, {"IMAP_PASSWORD": IMAP_SECRET}),
            SecretCase(
                "send",
                {**message, "connection": {**good_smtp, "password": "{{secrets.SMTP_PASSWORD}}"}},
                {"SMTP_PASSWORD": SMTP_SECRET},  # wrong: the server refuses it
            ),
        ]

    @pytest.fixture
    def readme_environment(
        self, mail_system: Any, mailbox: Any, certificates: Any, tmp_path: Path
    ) -> dict[str, str]:
        ca_file = tmp_path / "ca.pem"
        ca_file.write_text(certificates.ca_pem)
        return {
            "SSL_CERT_FILE": str(ca_file),  # the examples trust the test CA like a system CA
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(mail_system.starttls_port),
            "SMTP_USER": mail_system.username,
            "TASKLINK_SECRET_SMTP_PASSWORD": mail_system.password,
            "IMAP_HOST": "127.0.0.1",
            "IMAP_PORT": str(mailbox.server.imaps_port),
            "MAIL_USER": mailbox.user,
            "TASKLINK_SECRET_MAIL_PASSWORD": mailbox.password,
            "MAIL_TO": mailbox.address,
        }
