"""Processes modelled with Alfresco Process Automation's e-mail connector run on tasklink:
integration requests for ``email.SEND``, as an Activiti runtime bundle publishes them over
RabbitMQ, answered by the e-mail connector's APA contract through the Activiti adapter
(``vendor_contracts`` turned on, so APA's ``email.SEND`` takes over our own connector's
operation of that name; ``vendor_names`` adds a project's instance name), sending through
aiosmtpd with APA's connection configuration from the secret providers."""

from __future__ import annotations

import base64
import email
import json
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
import trustme

from tasklink.core import MappingSecretProvider
from tasklink.email import connector as email_connector
from tasklink.runtime import Pipeline, build_pipeline
from tasklink.runtime.activiti import CLOUD_BPMN_ERROR, ActivitiAdapter
from tasklink.testing.dovecot import free_port

ROOT = Path(__file__).resolve().parents[2]
SUPPORT = ROOT / "packages" / "runtime" / "tests" / "support"
if str(SUPPORT) not in sys.path:
    sys.path.insert(0, str(SUPPORT))

from activiti_bundle import RuntimeBundle  # noqa: E402
from activiti_runtime import activiti_settings, served, started_bundle  # noqa: E402

SMTP_USER = "apa-mailer"
SMTP_PASSWORD = "apa-smtp-secret-9e2b7c"


class _Recorder:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.startswith("refused"):
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 OK"


@pytest.fixture(scope="module")
def ca_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    import ssl

    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return folder / "ca.pem", context


@pytest.fixture(scope="module")
def smtp(ca_file: tuple[Path, Any]) -> Iterator[tuple[int, _Recorder]]:
    """aiosmtpd with STARTTLS required and a login, as APA's EMAIL_SMTP_STARTTLS and
    EMAIL_SMTP_AUTH describe it."""
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
        tls_context=ca_file[1],
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    controller.start()
    try:
        yield controller.port, recorder
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def trusted(ca_file: tuple[Path, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file[0]))


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def bundle(prefix: str) -> AsyncIterator[RuntimeBundle]:
    async with started_bundle(prefix) as started:
        yield started


class Runtime:
    def __init__(self, pipeline: Pipeline, adapter: ActivitiAdapter) -> None:
        self.pipeline = pipeline
        self.adapter = adapter

    def destination(self, qualified_name: str) -> str:
        return self.adapter.destination(self.pipeline.find_operation(qualified_name))


@pytest.fixture
async def runtime(
    prefix: str, bundle: RuntimeBundle, smtp: tuple[int, _Recorder]
) -> AsyncIterator[Runtime]:
    settings = activiti_settings(
        bundle,
        retries=1,
        vendor_contracts=("email",),
        vendor_names={"email": ("email", "email-connector")},
    )
    # APA's connection configuration, where the operator keeps the runtime's secrets.
    configuration = {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp[0]),
        "EMAIL_USERNAME": SMTP_USER,
        "EMAIL_PASSWORD": SMTP_PASSWORD,
        "EMAIL_SMTP_AUTH": "true",
        "EMAIL_SMTP_STARTTLS": "true",
    }
    pipeline = build_pipeline(
        settings, connectors=[email_connector], secrets=MappingSecretProvider(configuration)
    )
    async with served(bundle, pipeline) as adapter:
        yield Runtime(pipeline, adapter)


async def call(
    bundle: RuntimeBundle, runtime: Runtime, implementation: str, variables: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """Publish an integration request for ``implementation``; the kind of reply (result or
    error) and the reply, in which the SMTP password never appears."""
    request = bundle.request(implementation, variables)
    context_id = request["integrationContext"]["id"]
    await bundle.publish(runtime.destination(implementation), request)
    [reply] = await bundle.wait_for(context_id)
    assert SMTP_PASSWORD not in json.dumps(reply)
    return bundle.kinds[context_id][0], reply


def received(smtp: tuple[int, _Recorder]) -> tuple[list[str], EmailMessage]:
    recipients, data = smtp[1].messages[-1]
    message = email.message_from_bytes(data, policy=default)
    assert isinstance(message, EmailMessage)
    return recipients, message


async def test_send_takes_apas_inputs(
    bundle: RuntimeBundle, runtime: Runtime, smtp: tuple[int, _Recorder]
) -> None:
    attachment = {
        "camunda.document.type": "inline",
        "content": base64.b64encode(b"Total: 42").decode(),
        "encoding": "base64",
        "name": "invoice.txt",
        "contentType": "text/plain",
    }
    kind, reply = await call(
        bundle,
        runtime,
        "email.SEND",
        {
            "to": {"type": "string", "value": "ada@example.test, bob@example.test"},
            "from": {"type": "string", "value": "orders@example.test"},
            "cc": "carol@example.test",
            "subject": {"type": "string", "value": "Your order"},
            "html": "<p>Shipped</p>",
            "text": "Shipped",
            "charset": "UTF-8",
            "attachments": {"type": "json", "value": json.dumps([attachment])},
        },
    )
    assert kind == "result", reply
    # APA's SEND has no outputs.
    assert reply["integrationContext"]["outBoundVariables"] == {}
    recipients, message = received(smtp)
    assert sorted(recipients) == ["ada@example.test", "bob@example.test", "carol@example.test"]
    assert message["Subject"] == "Your order"
    [part] = list(message.iter_attachments())
    assert part.get_filename() == "invoice.txt"


async def test_a_template_with_metadata_and_a_projects_instance_name(
    bundle: RuntimeBundle, runtime: Runtime, smtp: tuple[int, _Recorder]
) -> None:
    template = {
        "camunda.document.type": "inline",
        "content": "<p>Happy ${timeOfYear.season}, ${name}!</p>",
        "name": "greeting.ftl",
    }
    kind, reply = await call(
        bundle,
        runtime,
        "email-connector.SEND",  # APA's documentation names its instance so
        {
            "to": "ada@example.test",
            "from": "orders@example.test",
            "subject": "Greetings",
            "template": template,
            "metadata": {
                "type": "json",
                "value": json.dumps({"timeOfYear": {"season": "spring"}, "name": "Ada"}),
            },
        },
    )
    assert kind == "result", reply
    _, message = received(smtp)
    html = message.get_body(("html",))
    assert html is not None and html.get_content().strip() == "<p>Happy spring, Ada!</p>"


async def test_failures_carry_apas_codes_as_bpmn_errors(
    bundle: RuntimeBundle, runtime: Runtime
) -> None:
    kind, reply = await call(
        bundle,
        runtime,
        "email.SEND",
        {"to": "refused@example.test", "from": "orders@example.test", "text": "x"},
    )
    assert kind == "error"
    # A code APA's definition declares: a BPMN error an error boundary event catches.
    assert reply["errorCode"] == "EMAIL_SEND_ERROR"
    assert reply["errorClassName"] == CLOUD_BPMN_ERROR

    kind, reply = await call(
        bundle,
        runtime,
        "email.SEND",
        {
            "to": "ada@example.test",
            "from": "orders@example.test",
            "template": {
                "camunda.document.type": "inline",
                "content": "<#list xs as x>${x}</#list>",
                "name": "list.ftl",
            },
        },
    )
    assert kind == "error" and reply["errorCode"] == "TEMPLATE_SYNTAX_ERROR"
