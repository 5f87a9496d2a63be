"""Round trips through real servers: SMTP (aiosmtpd) -> dovecot-lda -> IMAP / POP3 (Dovecot)."""

from __future__ import annotations

import base64
from typing import Any

from tasklink.core import Completed, Failed
from tasklink.email import connector
from tasklink.testing import run_job

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 64 + b"\r\n.\r\n..\n%%EOF"  # dots, CRLFs, all bytes


def ok(operation: str, variables: dict[str, Any], **options: Any) -> Any:
    outcome = run_job(connector, variables, operation=operation, **options)
    assert isinstance(outcome, Completed), outcome
    return outcome.output


def send_to(mail_system: Any, ca_pem: str, address: str, **fields: Any) -> dict[str, Any]:
    return ok(
        "send",
        {
            "connection": mail_system.connection("starttls", caCertificate=ca_pem),
            "from": "Shop <shop@example.test>",
            "to": address,
            "subject": "Invoice 1001",
            "text": "Your invoice is attached.",
            "html": "<p>Your <b>invoice</b> is attached.</p>",
            "attachments": [
                {
                    "fileName": "invoice-1001.pdf",
                    "content": base64.b64encode(PDF).decode(),
                    "contentType": "application/pdf",
                }
            ],
            **fields,
        },
    )


def test_imap_round_trip(mail_system: Any, mailbox: Any, ca_pem: str) -> None:
    sent = send_to(mail_system, ca_pem, mailbox.address, headers={"X-Order": "1001"})
    send_to(mail_system, ca_pem, mailbox.address, subject="Newsletter", attachments=[])
    imap = mailbox.connection("imap", "tls", caCertificate=ca_pem)

    found = ok("imap_search", {"connection": imap, "subject": "Invoice", "from": "shop@"})
    assert found["total"] == 1
    [summary] = found["messages"]
    assert summary["messageId"] == sent["messageId"]
    assert summary["from"] == "Shop <shop@example.test>"
    assert summary["to"] == [mailbox.address]
    assert summary["seen"] is False
    uid = summary["uid"]

    read = ok(
        "imap_read",
        {"connection": imap, "uid": uid, "includeAttachmentContent": True, "markAsSeen": True},
    )
    assert read["subject"] == "Invoice 1001"
    assert read["text"].strip() == "Your invoice is attached."
    assert read["html"].strip() == "<p>Your <b>invoice</b> is attached.</p>"
    assert read["headers"]["X-Order"] == "1001"
    [attachment] = read["attachments"]
    assert attachment["fileName"] == "invoice-1001.pdf"
    assert attachment["contentType"] == "application/pdf"
    assert attachment["size"] == len(PDF)
    document = attachment["document"]  # answered inline by the test runs' document store
    assert document["camunda.document.type"] == "inline"
    assert (document["name"], document["contentType"]) == ("invoice-1001.pdf", "application/pdf")
    assert base64.b64decode(document["content"]) == PDF  # byte for byte
    assert read["seen"] is True

    unseen = ok("imap_list", {"connection": imap, "unseenOnly": True})
    assert [m["subject"] for m in unseen["messages"]] == ["Newsletter"]

    moved = ok(
        "imap_move", {"connection": imap, "messageId": sent["messageId"], "targetFolder": "Archive"}
    )
    assert moved["uids"] == [uid]
    assert len(moved["targetUids"]) == 1
    inbox = ok("imap_list", {"connection": imap})
    assert [m["subject"] for m in inbox["messages"]] == ["Newsletter"]
    archived = ok("imap_list", {"connection": imap, "folder": "Archive"})
    assert [m["messageId"] for m in archived["messages"]] == [sent["messageId"]]
    assert archived["messages"][0]["uid"] == moved["targetUids"][0]

    ok("imap_delete", {"connection": imap, "folder": "Archive", "messageId": sent["messageId"]})
    assert ok("imap_list", {"connection": imap, "folder": "Archive"})["total"] == 0
    gone = run_job(
        connector,
        {"connection": imap, "folder": "Archive", "uid": moved["targetUids"][0]},
        operation="imap_read",
    )
    assert isinstance(gone, Failed)
    assert gone.code == "MESSAGE_NOT_FOUND"


def test_pop3_round_trip(mail_system: Any, mailbox: Any, ca_pem: str) -> None:
    sent = send_to(mail_system, ca_pem, mailbox.address)
    send_to(mail_system, ca_pem, mailbox.address, subject="Second", attachments=[])
    pop3 = mailbox.connection("pop3", "tls", caCertificate=ca_pem)

    listed = ok("pop3_list", {"connection": pop3})
    assert listed["total"] == 2
    assert [m["subject"] for m in listed["messages"]] == ["Second", "Invoice 1001"]
    first = listed["messages"][1]
    assert first["messageId"] == sent["messageId"]

    read = ok(
        "pop3_read", {"connection": pop3, "uid": first["uid"], "includeAttachmentContent": True}
    )
    assert read["text"].strip() == "Your invoice is attached."
    assert read["html"].strip() == "<p>Your <b>invoice</b> is attached.</p>"
    assert base64.b64decode(read["attachments"][0]["document"]["content"]) == PDF
    assert read["deleted"] is False

    ok("pop3_delete", {"connection": pop3, "uid": first["uid"]})
    after = ok("pop3_list", {"connection": pop3})
    assert [m["subject"] for m in after["messages"]] == ["Second"]
    missing = run_job(connector, {"connection": pop3, "uid": first["uid"]}, operation="pop3_read")
    assert isinstance(missing, Failed)
    assert missing.code == "MESSAGE_NOT_FOUND"
    assert missing.retries == 0
