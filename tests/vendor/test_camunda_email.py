"""Processes modelled with Camunda's own e-mail template run on tasklink unchanged.

Camunda's e-mail template (``email-outbound-connector.json`` of the npm package
``@camunda/connectors-element-templates``, its latest version) is applied to a service
task as the modeler does, for each of its ten operations, and the jobs run through the
Camunda worker (the fake Orchestration Cluster gateway, every exchange checked against the
official API document) on the e-mail connector's Camunda contract, against aiosmtpd and a
private Dovecot. Read attachments become Camunda documents.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme

from tasklink.core import MappingSecretProvider, RedactingFilter
from tasklink.email._connector import camunda as camunda_email
from tasklink.testing.dovecot import Dovecot, DovecotUnavailableError, free_port, start_dovecot
from tasklink.testing.vendor_templates import AppliedTemplate, apply_template, camunda_template

ROOT = Path(__file__).resolve().parents[2]
FAKES = ROOT / "packages" / "runtime" / "tests" / "camunda"
if str(FAKES) not in sys.path:
    sys.path.insert(0, str(FAKES))

from camunda_fakes import WorkerHarness  # noqa: E402
from camunda_fakes.process import spec_checked_gateway  # noqa: E402
from camunda_fakes.rest import FakeRestGateway  # noqa: E402

from tasklink.runtime.camunda import CamundaDocumentStore, RestGateway  # noqa: E402

SMTP_USER = "mailer"
SMTP_PASSWORD = "smtp-e2e-secret-4b7d1f"
TEMPLATE = "email-outbound-connector"


@dataclass(frozen=True)
class Tls:
    cert: Path
    key: Path
    server_context: Any


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    import ssl

    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1")
    cert, key = folder / "cert.pem", folder / "key.pem"
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    issued.configure_cert(context)
    return Tls(cert, key, context)


@pytest.fixture(autouse=True)
def trusted(tls: Tls, monkeypatch: pytest.MonkeyPatch) -> None:
    """The runtime's trust store holds the test CA (Camunda's templates have no CA input)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(tls.cert.parent / "ca.pem"))


@pytest.fixture(scope="module")
def dovecot(tls: Tls) -> Iterator[Dovecot]:
    try:
        instance = start_dovecot(tls.cert, tls.key, users=6)
    except DovecotUnavailableError as exc:
        if exc.skippable:
            pytest.skip(str(exc))
        pytest.fail(str(exc))
    yield instance
    instance.stop()


class _Recorder:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 OK"


@pytest.fixture(scope="module")
def smtp(tls: Tls) -> Iterator[tuple[int, _Recorder]]:
    """aiosmtpd with STARTTLS required and a login (Camunda's default, TLS)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            SMTP_USER.encode(),
            SMTP_PASSWORD.encode(),
        )
        return AuthResult(success=ok, handled=False)

    recorder = _Recorder()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=tls.server_context,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    controller.start()
    try:
        yield controller.port, recorder
    finally:
        controller.stop()


@pytest.fixture
async def gateway() -> AsyncIterator[FakeRestGateway]:
    async with spec_checked_gateway() as fake:
        yield fake


@pytest.fixture
def template() -> dict[str, Any]:
    return camunda_template(TEMPLATE)


async def run(
    gateway: FakeRestGateway,
    *applied: AppliedTemplate,
    secrets: dict[str, str],
    caplog: pytest.LogCaptureFixture | None = None,
) -> list[dict[str, Any]]:
    """Each job's last command, after the worker ran them all."""
    store = gateway.store
    jobs = [
        store.add(
            str(job.job_type),
            job.variables,
            headers=job.headers,
            retries=job.retries if job.retries is not None else 3,
        )
        for job in applied
    ]
    rest = RestGateway(gateway.rest_address)
    harness = WorkerHarness(
        [camunda_email],
        rest,
        secrets=MappingSecretProvider(secrets),
        documents=CamundaDocumentStore(rest.client),
        concurrency=1,  # one after the other: later jobs see what earlier ones did
    )
    if caplog is not None:
        caplog.handler.addFilter(RedactingFilter(harness.pipeline.redactor))
    async with harness:
        await store.wait_for(lambda: store.done(*jobs), timeout=60)
    return [
        {"kind": store.outcomes_of(job.key)[-1].kind, **store.outcomes_of(job.key)[-1].body}
        for job in jobs
    ]


def deliver(dovecot: Dovecot, user: str, subject: str, **extra: Any) -> str:
    message = EmailMessage()
    message["From"] = extra.pop("sender", "Ann <ann@example.test>")
    message["To"] = f"{user}@example.test"
    message["Subject"] = subject
    message["Message-ID"] = f"<{subject.replace(' ', '-')}.{user}@example.test>"
    message["Date"] = extra.pop("date", "Mon, 01 Jun 2026 10:00:00 +0000")
    message.set_content(extra.pop("body", f"body of {subject}"))
    if "file" in extra:
        name, content = extra.pop("file")
        message.add_attachment(content, maintype="application", subtype="pdf", filename=name)
    dovecot.deliver(user, message.as_bytes())
    return str(message["Message-ID"])


def mailbox_values(dovecot: Dovecot, user: str, protocol: str, action: str) -> dict[str, Any]:
    """What a designer fills in for a mailbox operation: the server (TLS, Camunda's
    default, is TLS from the first byte for IMAP and POP3) and the login, the password from
    a secret in Camunda's legacy form."""
    port = dovecot.imaps_port if protocol == "imap" else dovecot.pop3s_port
    return {
        "protocol": protocol,
        f"data.{protocol}ActionDiscriminator": action,
        "authentication.username": user,
        "authentication.password": "secrets.MAIL_PASSWORD",
        f"data.{protocol}Config.{protocol}Host": "127.0.0.1",
        f"data.{protocol}Config.{protocol}Port": port,
    }


async def test_send_with_the_template_returns_camundas_result(
    template: dict[str, Any],
    gateway: FakeRestGateway,
    smtp: tuple[int, _Recorder],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    port, recorder = smtp
    values = {
        "authentication.username": SMTP_USER,
        "authentication.password": "{{secrets.SMTP_PASSWORD}}",
        "data.smtpConfig.smtpHost": "127.0.0.1",
        "data.smtpConfig.smtpPort": port,
        "data.smtpAction.from": "orders@example.test",
        "data.smtpAction.to": '=["ada@example.test", customer]',
        "data.smtpAction.subject": '="Order " + string(orderId)',
        "contentType": "MULTIPART",
        "data.smtpAction.body": "Shipped",
        "data.smtpAction.htmlBody": "<p>Shipped</p>",
        "data_smtpAction_attachments_documentMode": "single",
        "data_smtpAction_attachments_single_documentSource": "inline",
        "data_smtpAction_attachments_single_inline_content": "Total: 42",
        "data_smtpAction_attachments_single_inline_fileName": "invoice.txt",
        "data_smtpAction_attachments_single_inline_contentType": "text/plain",
        "resultVariable": "mail",
        "resultExpression": "={sentId: response.messageId}",
    }
    applied = apply_template(
        template, values, variables={"orderId": 42, "customer": "bob@example.test"}
    )
    assert applied.job_type == "io.camunda:email:1"
    [outcome] = await run(gateway, applied, secrets={"SMTP_PASSWORD": SMTP_PASSWORD}, caplog=caplog)
    assert outcome["kind"] == "complete", outcome
    mail = outcome["variables"]["mail"]
    assert mail == {"subject": "Order 42", "sent": True, "messageId": mail["messageId"]}
    assert outcome["variables"]["sentId"] == mail["messageId"]
    recipients, data = recorder.messages[-1]
    assert sorted(recipients) == ["ada@example.test", "bob@example.test"]
    assert b"invoice.txt" in data and mail["messageId"].encode() in data
    logs = "\n".join(r.getMessage() for r in caplog.records)
    assert SMTP_PASSWORD not in json.dumps(outcome) + logs


async def test_the_imap_operations_with_the_template(
    template: dict[str, Any], gateway: FakeRestGateway, dovecot: Dovecot
) -> None:
    user = "user1"
    secrets = {"MAIL_PASSWORD": dovecot.users[user]}
    invoice = deliver(dovecot, user, "invoice 7", file=("invoice.pdf", b"%PDF-1.4 seven"))
    other = deliver(dovecot, user, "hello", date="Tue, 02 Jun 2026 10:00:00 +0000")

    def job(action: str, **values: Any) -> AppliedTemplate:
        return apply_template(template, {**mailbox_values(dovecot, user, "imap", action), **values})

    listed, found, read = await run(
        gateway,
        job(
            "listEmailsImap",
            **{"imapSortField": "SENT_DATE", "imapSortOrder": "DESC", "resultVariable": "emails"},
        ),
        job(
            "searchEmailsImap",
            **{
                "data.imapAction.criteria": {
                    "operator": "OR",
                    "criteria": [
                        {"field": "SUBJECT", "value": "invoice"},
                        {"field": "BODY", "value": "nothing"},
                    ],
                },
                "resultVariable": "found",
            },
        ),
        job("readEmailImap", **{"data.imapAction.messageId": invoice, "resultVariable": "email"}),
        secrets=secrets,
    )
    assert listed["kind"] == "complete", listed
    assert [m["messageId"] for m in listed["variables"]["emails"]] == [other, invoice]
    assert listed["variables"]["emails"][0]["fromAddress"] == "ann@example.test"
    assert found["variables"]["found"] == [{"messageId": invoice, "subject": "invoice 7"}]
    email = read["variables"]["email"]
    assert email["subject"] == "invoice 7" and email["errors"] == []
    [document] = email["attachments"]
    # The attachment is a document in Camunda's store, the variable its reference.
    assert document["camunda.document.type"] == "camunda"
    assert document["metadata"]["fileName"] == "invoice.pdf"
    stored = gateway.documents.get(document["documentId"])
    assert stored is not None and stored.size == len(b"%PDF-1.4 seven")

    moved, deleted = await run(
        gateway,
        job(
            "moveEmailImap",
            **{
                "data.imapAction.messageId": other,
                "data.imapAction.fromFolder": "INBOX",
                "data.imapAction.toFolder": "Done.2026",
                "resultVariable": "moved",
            },
        ),
        job(
            "deleteEmailImap", **{"data.imapAction.messageId": invoice, "resultVariable": "deleted"}
        ),
        secrets=secrets,
    )
    assert moved["variables"]["moved"] == {"messageId": other, "from": "INBOX", "to": "Done.2026"}
    assert deleted["variables"]["deleted"] == {"messageId": invoice, "deleted": True}
    [after] = await run(gateway, job("listEmailsImap", resultVariable="left"), secrets=secrets)
    assert after["variables"]["left"] == []


async def test_the_pop3_operations_with_the_template(
    template: dict[str, Any], gateway: FakeRestGateway, dovecot: Dovecot
) -> None:
    user = "user2"
    secrets = {"MAIL_PASSWORD": dovecot.users[user]}
    first = deliver(dovecot, user, "first", body="hello world")
    second = deliver(dovecot, user, "second", date="Tue, 02 Jun 2026 10:00:00 +0000")

    def job(action: str, **values: Any) -> AppliedTemplate:
        return apply_template(template, {**mailbox_values(dovecot, user, "pop3", action), **values})

    listed, found, read, deleted = await run(
        gateway,
        job("listEmailsPop3", resultVariable="emails"),
        job(
            "searchEmailsPop3",
            **{
                "data.pop3Action.criteria": {"field": "BODY", "value": "WORLD"},
                "resultVariable": "found",
            },
        ),
        job("readEmailPop3", **{"data.pop3Action.messageId": second, "resultVariable": "email"}),
        job("deleteEmailPop3", **{"data.pop3Action.messageId": first, "resultVariable": "deleted"}),
        secrets=secrets,
    )
    assert [m["messageId"] for m in listed["variables"]["emails"]] == [first, second]
    assert found["variables"]["found"] == [{"messageId": first, "subject": "first"}]
    email = read["variables"]["email"]
    assert (email["subject"], email["receivedDateTime"]) == ("second", None)
    assert deleted["variables"]["deleted"] == {"messageId": first, "deleted": True}


async def test_errors_reach_the_error_expression_and_secrets_stay_masked(
    template: dict[str, Any],
    gateway: FakeRestGateway,
    dovecot: Dovecot,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    user = "user3"
    password = dovecot.users[user]
    values = {
        **mailbox_values(dovecot, user, "imap", "readEmailImap"),
        "data.imapAction.messageId": "<nothing@example.test>",
        "errorExpression": '=if error.code = "MESSAGE_NOT_FOUND" then '
        'bpmnError("NO_MAIL", error.message, {folder: error.variables.folder}) else null',
    }
    wrong = {**values, "authentication.password": "{{secrets.WRONG}}"}
    missing, refused = await run(
        gateway,
        apply_template(template, values),
        apply_template(template, wrong),
        secrets={"MAIL_PASSWORD": password, "WRONG": "wrong-pass-61c0a9"},
        caplog=caplog,
    )
    assert missing["kind"] == "error", missing
    assert missing["errorCode"] == "NO_MAIL"
    assert missing["variables"] == {"folder": "INBOX"}
    # A refused login is not what the expression catches: the job fails, not retried.
    assert refused["kind"] == "fail" and refused["retries"] == 0, refused
    everything = json.dumps([missing, refused]) + "\n".join(r.getMessage() for r in caplog.records)
    assert password not in everything and "wrong-pass-61c0a9" not in everything


async def test_a_stored_email_account_wins_over_the_inline_fields(
    template: dict[str, Any], gateway: FakeRestGateway, dovecot: Dovecot
) -> None:
    user = "user4"
    deliver(dovecot, user, "account")
    account = {
        "username": user,
        "password": "{{secrets.MAIL_PASSWORD}}",
        "pop3Host": "127.0.0.1",
        "pop3Port": dovecot.pop3_port,
        "pop3CryptographicProtocol": "NONE",
    }
    values = {
        "protocol": "pop3",
        "data.pop3ActionDiscriminator": "listEmailsPop3",
        "resultVariable": "emails",
    }
    applied = apply_template(template, values, variables={"account": account})
    # As the engine hands it over: the account's object (camunda.vars.env.<name>).
    applied.variables["emailAccountConfiguration"] = account
    [outcome] = await run(gateway, applied, secrets={"MAIL_PASSWORD": dovecot.users[user]})
    assert outcome["kind"] == "complete", outcome
    assert [m["subject"] for m in outcome["variables"]["emails"]] == ["account"]
