"""Attachments as documents: sent from document references, read back as documents, through
the executor and a document store as an engine runs them, against aiosmtpd and Dovecot."""

from __future__ import annotations

import asyncio
import base64
import email
import hashlib
import random
from collections.abc import AsyncIterator, Mapping
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest

from tasklink.core import (
    DOCUMENT_TYPE,
    Completed,
    ConnectorError,
    Document,
    DocumentMetadata,
    Failed,
    InlineDocumentStore,
    Job,
    JobExecutor,
    JobInfo,
    MappingSecretProvider,
    Outcome,
)
from tasklink.email import connector

MiB = 1024 * 1024


class CamundaLikeStore(InlineDocumentStore):
    """Opens ``camunda`` references from a dict, as Camunda's store opens its documents,
    and keeps what it is given to store, as Camunda's store would."""

    def __init__(self, files: Mapping[str, bytes] | None = None) -> None:
        super().__init__()
        self.files = dict(files or {})
        self.saved: list[tuple[DocumentMetadata, str, int]] = []

    def open_camunda(self, reference: Mapping[str, Any], field: str) -> Document:
        document_id = str(reference.get("documentId"))

        async def opener() -> AsyncIterator[bytes]:
            if document_id not in self.files:
                raise ConnectorError(
                    # The field as it is when read, as Camunda's store names it.
                    f"{document.field}: no document {document_id!r} in the store",
                    code="DOCUMENT_NOT_FOUND",
                    retryable=False,
                )
            yield self.files[document_id]

        metadata = DocumentMetadata.from_json(reference.get("metadata"))
        document = Document(opener, metadata, reference=reference, field=field)
        return document

    async def save(self, document: Document, job: JobInfo) -> dict[str, Any]:
        # Streamed as Camunda's store uploads it: a large document is never read whole.
        digest = hashlib.sha256()
        size = 0
        async for chunk in document.chunks():
            digest.update(chunk)
            size += len(chunk)
        self.saved.append((document.metadata, digest.hexdigest(), size))
        return {DOCUMENT_TYPE: "camunda", "documentId": f"doc-{len(self.saved)}"}


def run(
    operation: str, variables: Mapping[str, Any], store: InlineDocumentStore | None = None
) -> Outcome:
    executor = JobExecutor(MappingSecretProvider({}), documents=store)
    job = Job(variables, info=JobInfo(engine="test", retries=3), strict=True)
    return asyncio.run(executor.execute(connector.get_operation(operation), job))


def completed(outcome: Outcome) -> Any:
    assert isinstance(outcome, Completed), outcome
    return outcome.output


def camunda(document_id: str, **metadata: Any) -> dict[str, Any]:
    return {DOCUMENT_TYPE: "camunda", "documentId": document_id, "metadata": metadata}


def inline(content: bytes, **extra: Any) -> dict[str, Any]:
    encoded = base64.b64encode(content).decode()
    return {DOCUMENT_TYPE: "inline", "content": encoded, "encoding": "base64", **extra}


# --- send -------------------------------------------------------------------------------


def message(smtp: Any, attachments: list[Any], **fields: Any) -> dict[str, Any]:
    return {
        "connection": smtp.connection("none"),
        "from": "orders@example.test",
        "to": "someone@example.test",
        "subject": "Files",
        "text": "see attached",
        "attachments": attachments,
        **fields,
    }


def attachments_of(smtp: Any) -> list[tuple[str | None, str, bytes]]:
    sent = email.message_from_bytes(smtp.received[-1].data, policy=default)
    assert isinstance(sent, EmailMessage)
    return [
        (part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
        for part in sent.iter_attachments()
    ]


def test_send_attaches_documents_with_their_metadata(smtp: Any) -> None:
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 8
    store = CamundaLikeStore({"d1": pdf, "d2": b"a,b\n1,2\n"})
    attachments = [
        camunda("d1", fileName="invoice.pdf", contentType="application/pdf"),
        camunda("d2", fileName="table.csv"),  # no content type: guessed from the name
        inline(b"\x00\x01", name="raw.bin", contentType="Application/Octet-Stream; x=1"),
        {DOCUMENT_TYPE: "inline", "content": "plain text"},  # neither name nor type
        {"fileName": "legacy.txt", "content": base64.b64encode(b"old form").decode()},
    ]
    completed(run("send", message(smtp, attachments), store))
    assert attachments_of(smtp) == [
        ("invoice.pdf", "application/pdf", pdf),
        ("table.csv", "text/csv", b"a,b\n1,2\n"),
        ("raw.bin", "application/octet-stream", b"\x00\x01"),
        ("attachment.bin", "application/octet-stream", b"plain text"),
        ("legacy.txt", "text/plain", b"old form"),
    ]


def rejected(smtp: Any, attachments: list[Any], store: Any = None, **fields: Any) -> Failed:
    before = len(smtp.received)
    outcome = run("send", message(smtp, attachments, **fields), store)
    assert isinstance(outcome, Failed), outcome
    assert outcome.retries == 0, outcome
    assert len(smtp.received) == before, "a message was sent despite a bad attachment"
    return outcome


@pytest.mark.parametrize(
    ("attachment", "problem"),
    [
        ("just text", "must be a document reference"),
        (42, "must be a document reference"),
        ({"name": "a.txt"}, "must be a document reference"),
        ({DOCUMENT_TYPE: "weird"}, "unknown document type 'weird'"),
        ({DOCUMENT_TYPE: "inline", "content": "!!", "encoding": "base64"}, "not base64"),
        ({DOCUMENT_TYPE: "local", "path": "/etc/passwd"}, "tasklink invoke only"),
    ],
)
def test_send_refuses_what_is_not_a_document(smtp: Any, attachment: Any, problem: str) -> None:
    outcome = rejected(smtp, [inline(b"fine", name="ok.txt"), attachment])
    assert outcome.input_error
    assert "attachments[1]: " in outcome.message, outcome.message
    assert problem in outcome.message, outcome.message


@pytest.mark.parametrize(
    ("metadata", "field", "problem"),
    [
        ({"fileName": "a\r\nBcc: x@example.test"}, "attachments[0]", "line breaks"),
        ({"fileName": " "}, "attachments[0]", "must not be empty"),
        ({"fileName": "a.eml", "contentType": "multipart/mixed"}, "contentType", "multipart"),
        ({"fileName": "a", "contentType": "no type"}, "attachments[0].contentType", "not a"),
    ],
)
def test_send_refuses_unsafe_document_metadata(
    smtp: Any, metadata: dict[str, Any], field: str, problem: str
) -> None:
    store = CamundaLikeStore({"d": b"x"})
    outcome = rejected(smtp, [camunda("d", **metadata)], store)
    assert outcome.input_error
    assert field in outcome.message and problem in outcome.message, outcome.message


def test_send_reads_every_attachment_within_the_bound_before_sending(smtp: Any) -> None:
    store = CamundaLikeStore({"small": b"x" * 600, "large": b"y" * 600})
    attachments = [camunda("small", fileName="a"), camunda("large", fileName="b")]
    outcome = rejected(smtp, attachments, store, maxAttachmentBytes=1000)
    assert outcome.code == "DOCUMENT_TOO_LARGE"
    assert outcome.message.startswith("attachments[1]: "), outcome.message
    assert "maxAttachmentBytes (1000)" in outcome.message
    missing = rejected(smtp, [camunda("small", fileName="a"), camunda("gone")], store)
    assert missing.code == "DOCUMENT_NOT_FOUND"
    assert missing.message == "attachments[1]: no document 'gone' in the store"


# --- read -------------------------------------------------------------------------------


def deliver_with_files(mailbox: Any, files: list[tuple[str, str, bytes]]) -> None:
    mail = EmailMessage()
    mail["From"] = "a@example.test"
    mail["To"] = mailbox.address
    mail["Subject"] = "files"
    mail["Message-ID"] = "<files@example.test>"
    mail.set_content("see files")
    for name, content_type, content in files:
        maintype, _, subtype = content_type.partition("/")
        mail.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    mailbox.server.deliver(mailbox.user, mail.as_bytes())


FILES = [
    ("photo.png", "image/png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 300),  # 76 KiB
    ("notes.txt", "text/plain", b"line one\nline two\n"),
]


@pytest.mark.parametrize("protocol", ["imap", "pop3"])
def test_read_returns_attachments_as_documents(mailbox: Any, ca_pem: str, protocol: str) -> None:
    deliver_with_files(mailbox, FILES)
    connection = mailbox.connection(protocol, "tls", caCertificate=ca_pem)
    if protocol == "imap":
        selector = {"messageId": "<files@example.test>"}
    else:
        [listed] = completed(run("pop3_list", {"connection": connection}))["messages"]
        selector = {"uid": listed["uid"]}
    variables = {"connection": connection, **selector, "includeAttachmentContent": True}

    # Answered inline, as on Activiti: the reference holds the content.
    read = completed(run(f"{protocol}_read", variables))
    assert read["text"] == "see files\n"
    for (name, content_type, content), attachment in zip(FILES, read["attachments"], strict=True):
        document = attachment["document"]
        assert document[DOCUMENT_TYPE] == "inline"
        assert (document["name"], document["contentType"]) == (name, content_type)
        assert base64.b64decode(document["content"]) == content
        assert document["size"] == attachment["size"] == len(content)

    # Stored, as on Camunda: the reference names the stored document.
    store = CamundaLikeStore()
    stored = completed(run(f"{protocol}_read", variables, store))
    assert [a["document"] for a in stored["attachments"]] == [
        {DOCUMENT_TYPE: "camunda", "documentId": "doc-1"},
        {DOCUMENT_TYPE: "camunda", "documentId": "doc-2"},
    ]
    assert [(m.file_name, m.content_type, digest, size) for m, digest, size in store.saved] == [
        (name, content_type, hashlib.sha256(content).hexdigest(), len(content))
        for name, content_type, content in FILES
    ]


def big_message(address: str, content: bytes) -> bytes:
    """A message with ``content`` attached, written directly: Python's email package would
    take seconds to encode 20 MB."""
    encoded = base64.encodebytes(content).replace(b"\n", b"\r\n")
    return (
        b"From: a@example.test\r\nTo: " + address.encode() + b"\r\nSubject: big\r\n"
        b"Message-ID: <big@example.test>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n'
        b"--b0\r\nContent-Type: text/plain\r\n\r\nThe data is attached.\r\n--b0\r\n"
        b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="data.bin"\r\n\r\n' + encoded + b"--b0--\r\n"
    )


@pytest.mark.parametrize("protocol", ["imap", "pop3"])
def test_a_20_mb_attachment_is_read_as_a_document(mailbox: Any, ca_pem: str, protocol: str) -> None:
    content = random.Random(20).randbytes(20 * 1000 * 1000)
    mailbox.server.deliver(mailbox.user, big_message(mailbox.address, content))
    connection = mailbox.connection(protocol, "tls", caCertificate=ca_pem)
    if protocol == "imap":
        selector: dict[str, Any] = {"messageId": "<big@example.test>"}
    else:
        [listed] = completed(run("pop3_list", {"connection": connection}))["messages"]
        selector = {"uid": listed["uid"]}
    store = CamundaLikeStore()
    variables = {
        "connection": connection,
        **selector,
        "includeAttachmentContent": True,
        "maxMessageBytes": 40 * MiB,  # base64 makes 20 MB about 27.4 MB
    }
    read = completed(run(f"{protocol}_read", variables, store))
    assert read["text"] == "The data is attached."
    [attachment] = read["attachments"]
    assert attachment["document"] == {DOCUMENT_TYPE: "camunda", "documentId": "doc-1"}
    assert attachment["size"] == len(content)
    [(metadata, digest, size)] = store.saved
    assert (metadata.file_name, metadata.content_type) == ("data.bin", "application/octet-stream")
    assert (digest, size) == (hashlib.sha256(content).hexdigest(), len(content))
