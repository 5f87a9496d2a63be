"""IMAP operations against a real Dovecot: listing, search criteria, flags, folders, errors."""

from __future__ import annotations

import base64
from datetime import date, timedelta
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


def failed(operation: str, variables: dict[str, Any], **options: Any) -> Failed:
    outcome = run_job(connector, variables, operation=operation, **options)
    assert isinstance(outcome, Failed), outcome
    return outcome


def deliver(mailbox: Any, subject: str, sender: str = "a@example.test", **extra: Any) -> None:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mailbox.address
    message["Subject"] = subject
    message["Message-ID"] = extra.pop("message_id", f"<{abs(hash(subject))}@example.test>")
    message.set_content(extra.pop("body", f"body of {subject}"))
    for name, value in extra.items():
        message[name] = value
    mailbox.server.deliver(mailbox.user, message.as_bytes())


@pytest.fixture
def imap(mailbox: Any, ca_pem: str) -> dict[str, Any]:
    return mailbox.connection("imap", "tls", caCertificate=ca_pem)


def test_list_is_newest_first_with_limit_and_total(mailbox: Any, imap: dict[str, Any]) -> None:
    for n in range(5):
        deliver(mailbox, f"message {n}")
    listed = ok("imap_list", {"connection": imap, "limit": 3})
    assert listed["folder"] == "INBOX"
    assert listed["total"] == 5
    assert [m["subject"] for m in listed["messages"]] == ["message 4", "message 3", "message 2"]
    uids = [m["uid"] for m in listed["messages"]]
    assert uids == sorted(uids, reverse=True)
    first = listed["messages"][0]
    assert first["size"] > 0
    assert first["receivedAt"] is not None
    assert first["flags"] == [] or "\\Recent" in first["flags"]


def test_search_criteria(mailbox: Any, imap: dict[str, Any]) -> None:
    deliver(mailbox, "Invoice March", sender="billing@shop.example", body="total 10 EUR")
    deliver(mailbox, "Invoice April", sender="billing@shop.example", body="total 20 EUR")
    deliver(mailbox, "Hello", sender="friend@example.test", body="how are you")
    deliver(mailbox, "Café menu", sender="cafe@example.test", body="crème brûlée")

    def subjects(**criteria: Any) -> list[str]:
        found = ok("imap_search", {"connection": imap, **criteria})
        return sorted(m["subject"] for m in found["messages"])

    assert subjects(**{"from": "billing@"}) == ["Invoice April", "Invoice March"]
    assert subjects(**{"from": "billing@", "subject": "april"}) == ["Invoice April"]
    assert subjects(body="how are") == ["Hello"]
    assert subjects(to=mailbox.address, subject="Invoice") == ["Invoice April", "Invoice March"]
    assert subjects(subject="Café") == ["Café menu"]  # non-ASCII: CHARSET UTF-8
    assert subjects(body="brûlée") == ["Café menu"]
    today = date.today()
    assert len(subjects(since=(today - timedelta(days=1)).isoformat())) == 4
    assert subjects(before=(today - timedelta(days=1)).isoformat()) == []
    assert subjects(subject="no such subject") == []


def test_search_unseen_only_and_mark(mailbox: Any, imap: dict[str, Any]) -> None:
    deliver(mailbox, "one")
    deliver(mailbox, "two")
    listed = ok("imap_list", {"connection": imap})
    one = next(m for m in listed["messages"] if m["subject"] == "one")
    marked = ok("imap_mark", {"connection": imap, "uid": one["uid"], "seen": True})
    assert marked["uids"] == [one["uid"]]
    unseen = ok("imap_search", {"connection": imap, "unseenOnly": True})
    assert [m["subject"] for m in unseen["messages"]] == ["two"]
    seen_flags = ok("imap_list", {"connection": imap})
    assert next(m for m in seen_flags["messages"] if m["uid"] == one["uid"])["seen"] is True
    ok("imap_mark", {"connection": imap, "uid": one["uid"], "seen": False})
    assert ok("imap_list", {"connection": imap, "unseenOnly": True})["total"] == 2


def test_read_does_not_mark_seen_unless_asked(mailbox: Any, imap: dict[str, Any]) -> None:
    deliver(mailbox, "peek")
    [summary] = ok("imap_list", {"connection": imap})["messages"]
    read = ok("imap_read", {"connection": imap, "uid": summary["uid"]})
    assert read["seen"] is False
    assert read["folder"] == "INBOX"
    assert ok("imap_list", {"connection": imap, "unseenOnly": True})["total"] == 1


def test_read_without_attachment_content_gives_names_and_sizes(
    mailbox: Any, imap: dict[str, Any]
) -> None:
    message = EmailMessage()
    message["From"] = "a@example.test"
    message["To"] = mailbox.address
    message["Subject"] = "with files"
    message.set_content("see files")
    message.add_attachment(b"\x00\x01\x02" * 100, maintype="image", subtype="png", filename="a.png")
    message.add_attachment("ünïcode text\n", filename="notes.txt")
    mailbox.server.deliver(mailbox.user, message.as_bytes())
    [summary] = ok("imap_list", {"connection": imap})["messages"]
    read = ok("imap_read", {"connection": imap, "uid": summary["uid"]})
    files = {a["fileName"]: a for a in read["attachments"]}
    assert set(files) == {"a.png", "notes.txt"}
    assert files["a.png"]["size"] == 300
    assert files["a.png"]["contentType"] == "image/png"
    assert files["a.png"]["document"] is None
    assert files["notes.txt"]["contentType"] == "text/plain"
    assert read["text"].strip() == "see files"
    assert read["html"] is None


def test_folders_and_non_ascii_folder_names(mailbox: Any, imap: dict[str, Any]) -> None:
    deliver(mailbox, "to archive", message_id="<arch@example.test>")
    names = {f["name"] for f in ok("imap_folders", {"connection": imap})["folders"]}
    assert {"INBOX", "Archive", "Trash"} <= names
    missing = failed(
        "imap_move",
        {"connection": imap, "messageId": "arch@example.test", "targetFolder": "Entwürfe"},
    )
    assert missing.code == "FOLDER_NOT_FOUND"
    assert missing.retries == 0
    assert "Entwürfe" in missing.message


def test_missing_folder(imap: dict[str, Any]) -> None:
    outcome = failed("imap_list", {"connection": imap, "folder": "No Such Folder"}, retries=3)
    assert outcome.code == "FOLDER_NOT_FOUND"
    assert outcome.retries == 0
    assert outcome.variables["folder"] == "No Such Folder"


def test_missing_message(imap: dict[str, Any]) -> None:
    for selector in ({"uid": 4242}, {"messageId": "<nope@example.test>"}):
        for operation in ("imap_read", "imap_move", "imap_delete", "imap_mark"):
            extra = {"targetFolder": "Archive"} if operation == "imap_move" else {}
            outcome = failed(operation, {"connection": imap, **selector, **extra}, retries=3)
            assert outcome.code == "MESSAGE_NOT_FOUND", (operation, outcome)
            assert outcome.retries == 0


def test_delete_leaves_other_deleted_flags_alone(mailbox: Any, imap: dict[str, Any]) -> None:
    deliver(mailbox, "keep", message_id="<keep@example.test>")
    deliver(mailbox, "drop", message_id="<drop@example.test>")
    deleted = ok("imap_delete", {"connection": imap, "messageId": "<drop@example.test>"})
    assert len(deleted["uids"]) == 1
    assert [m["subject"] for m in ok("imap_list", {"connection": imap})["messages"]] == ["keep"]


@pytest.mark.parametrize("security", ["starttls", "none"])
def test_other_security_modes(mailbox: Any, ca_pem: str, security: str) -> None:
    deliver(mailbox, "hello")
    connection = mailbox.connection("imap", security, caCertificate=ca_pem)
    listed = ok("imap_list", {"connection": connection})
    assert listed["total"] == 1


@pytest.mark.parametrize("method", ["plain", "login"])
def test_authentication_methods(mailbox: Any, ca_pem: str, method: str) -> None:
    connection = mailbox.connection("imap", "tls", caCertificate=ca_pem, authMethod=method)
    assert ok("imap_list", {"connection": connection})["total"] == 0


def test_wrong_password(mailbox: Any, ca_pem: str) -> None:
    connection = mailbox.connection(
        "imap", "tls", caCertificate=ca_pem, password="{{secrets.IMAP_PASSWORD}}"
    )
    outcome = failed(
        "imap_list", {"connection": connection}, secrets={"IMAP_PASSWORD": "wrong-password-123"}
    )
    assert outcome.code == "AUTHENTICATION_FAILED"
    assert outcome.retries == 0
    assert "wrong-password-123" not in repr(outcome)
    encoded = base64.b64encode(f"\0{mailbox.user}\0wrong-password-123".encode()).decode()
    assert encoded not in repr(outcome)


def test_non_ascii_credentials(mailbox: Any, ca_pem: str) -> None:
    # AUTHENTICATE PLAIN carries UTF-8: a wrong non-ASCII password is just wrong.
    auto = mailbox.connection("imap", "tls", caCertificate=ca_pem, password="pässwörd-✓")
    outcome = failed("imap_list", {"connection": auto}, retries=3)
    assert outcome.code == "AUTHENTICATION_FAILED"
    assert outcome.retries == 0
    # LOGIN cannot carry it: an input error naming the field, not a retried crash.
    for name, value in (("password", "pässwörd-✓"), ("username", "üser")):
        login = mailbox.connection("imap", "tls", caCertificate=ca_pem, authMethod="login")
        login[name] = value
        outcome = failed("imap_list", {"connection": login}, retries=3)
        assert outcome.input_error, outcome
        assert outcome.retries == 0
        assert outcome.message.startswith(f"connection.{name}:"), outcome.message
        assert "pässwörd" not in repr(outcome)


def test_untrusted_certificate(mailbox: Any) -> None:
    outcome = failed("imap_list", {"connection": mailbox.connection("imap", "tls")}, retries=3)
    assert outcome.code == "TLS_FAILED"
    assert outcome.retries == 0


def test_nothing_listening_is_a_retryable_connection_failure(mailbox: Any) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        connection = mailbox.connection("imap", "none") | {"port": sock.getsockname()[1]}
        outcome = failed("imap_list", {"connection": connection}, retries=3)
    assert outcome.code == "CONNECTION_FAILED"
    assert outcome.retries == 2


@pytest.mark.parametrize("capability", ["LITERAL+", None])
def test_non_ascii_search_without_literal_plus(
    mailbox: Any, imap: dict[str, Any], capability: str | None
) -> None:
    """Servers without LITERAL+ get a synchronizing literal (one) or quoted UTF-8 (more)."""
    from tasklink.core import Context, JobInfo, MappingSecretProvider, Redactor, SecretResolver
    from tasklink.email._imap import imap_session
    from tasklink.email._models import Connection

    deliver(mailbox, "Über uns", body="Grüße aus Köln")
    deliver(mailbox, "Other", body="Grüße")
    ctx = Context(JobInfo(), SecretResolver(MappingSecretProvider({}), Redactor()))
    with imap_session(Connection.model_validate(imap), ctx) as session:
        if capability is None:
            session.capabilities -= {"LITERAL+", "LITERAL-"}
        session.select("INBOX", readonly=True)
        one = session.search([], [(b"SUBJECT", "Über")])
        two = session.search([b"UNSEEN"], [(b"SUBJECT", "Über"), (b"BODY", "Köln")])
        none = session.search([], [(b"BODY", "Grüße"), (b"SUBJECT", "Ünknown")])
    assert len(one) == 1
    assert two == one
    assert none == []


@pytest.mark.parametrize("operation", ["imap_list", "pop3_list"])
def test_silent_server_is_a_retryable_timeout(operation: str) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)  # the kernel accepts the connection; nobody ever greets
        connection = {
            "host": "127.0.0.1",
            "port": sock.getsockname()[1],
            "security": "none",
            "username": "u",
            "password": "p-1234",
            "timeout": 0.5,
        }
        outcome = failed(operation, {"connection": connection}, retries=3)
    assert outcome.code == "TIMEOUT"
    assert outcome.retries == 2


def test_malformed_headers_do_not_break_list_or_read(mailbox: Any, imap: dict[str, Any]) -> None:
    deliver(mailbox, "fine before")
    for header in (b"Cc: <", b'To: "', b"From: :;<'.", b"Message-ID: <<@>"):
        raw = header + b"\r\nSubject: broken " + header + b"\r\n\r\nbody\r\n"
        mailbox.server.deliver(mailbox.user, raw)
    deliver(mailbox, "fine after")
    listed = ok("imap_list", {"connection": imap})
    assert listed["total"] == 6
    subjects = [m["subject"] for m in listed["messages"]]
    assert subjects[0] == "fine after" and subjects[-1] == "fine before"
    cc = next(m for m in listed["messages"] if m["subject"] == "broken Cc: <")
    read = ok("imap_read", {"connection": imap, "uid": cc["uid"]})
    assert read["headers"]["Cc"] == "<"
    assert read["text"] == "body\n"


def _without_uidplus(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the session see a server without UIDPLUS and MOVE (Dovecot advertises both)."""
    from tasklink.email._imap import ImapSession

    original = ImapSession.refresh_capabilities

    def refresh(self: ImapSession) -> None:
        original(self)
        self.capabilities -= {"UIDPLUS", "MOVE"}

    monkeypatch.setattr(ImapSession, "refresh_capabilities", refresh)


def _flag_deleted_by_another_client(mailbox: Any, subject: str) -> None:
    import imaplib

    client = imaplib.IMAP4("127.0.0.1", mailbox.server.imap_port)
    try:
        client.login(mailbox.user, mailbox.password)
        client.select("INBOX")
        typ, data = client.search(None, "SUBJECT", f'"{subject}"')
        assert typ == "OK" and data[0]
        client.store(data[0].decode().replace(" ", ","), "+FLAGS", "(\\Deleted)")
    finally:
        client.logout()


def _inbox_flags(mailbox: Any) -> dict[str, str]:
    import imaplib

    client = imaplib.IMAP4("127.0.0.1", mailbox.server.imap_port)
    try:
        client.login(mailbox.user, mailbox.password)
        client.select("INBOX", readonly=True)
        typ, data = client.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        assert typ == "OK"
        out: dict[str, str] = {}
        for item in data:
            if isinstance(item, tuple):
                subject = item[1].decode().split(":", 1)[1].strip()
                out[subject] = item[0].decode()
        return out
    finally:
        client.logout()


@pytest.mark.parametrize("operation", ["imap_delete", "imap_move"])
def test_without_uidplus_other_deleted_mail_survives(
    mailbox: Any, imap: dict[str, Any], monkeypatch: pytest.MonkeyPatch, operation: str
) -> None:
    deliver(mailbox, "theirs", message_id="<theirs@example.test>")
    deliver(mailbox, "mine", message_id="<mine@example.test>")
    _flag_deleted_by_another_client(mailbox, "theirs")
    _without_uidplus(monkeypatch)
    extra = {"targetFolder": "Archive"} if operation == "imap_move" else {}
    done = ok(operation, {"connection": imap, "messageId": "<mine@example.test>", **extra})
    assert done["expunged"] is False
    flags = _inbox_flags(mailbox)
    assert set(flags) == {"theirs", "mine"}, "a folder-wide EXPUNGE removed other mail"
    assert "\\Deleted" in flags["theirs"] and "\\Deleted" in flags["mine"]
    if operation == "imap_move":
        moved = ok("imap_list", {"connection": imap, "folder": "Archive"})
        assert [m["subject"] for m in moved["messages"]] == ["mine"]


def test_with_uidplus_delete_expunges_only_the_message(mailbox: Any, imap: dict[str, Any]) -> None:
    deliver(mailbox, "theirs", message_id="<theirs@example.test>")
    deliver(mailbox, "mine", message_id="<mine@example.test>")
    _flag_deleted_by_another_client(mailbox, "theirs")
    done = ok("imap_delete", {"connection": imap, "messageId": "<mine@example.test>"})
    assert done["expunged"] is True
    assert set(_inbox_flags(mailbox)) == {"theirs"}


def test_message_over_max_message_bytes_is_not_fetched(mailbox: Any, imap: dict[str, Any]) -> None:
    deliver(mailbox, "big", message_id="<big@example.test>", body="x" * 5000)
    listed = ok("imap_list", {"connection": imap})["messages"][0]
    selector = {"connection": imap, "messageId": "<big@example.test>"}
    outcome = failed("imap_read", {**selector, "maxMessageBytes": 1000}, retries=3)
    assert outcome.code == "MESSAGE_TOO_LARGE"
    assert outcome.retries == 0
    assert outcome.variables["size"] == listed["size"] > 5000
    assert outcome.variables["maxMessageBytes"] == 1000
    read = ok("imap_read", {**selector, "maxMessageBytes": listed["size"]})
    assert read["text"].startswith("xxx")
