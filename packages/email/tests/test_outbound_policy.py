"""The operator's outbound policy (``TASKLINK_HTTP_*``) for the mail servers a job names:
link-local and cloud metadata addresses and blocked networks refused before any
connection, private networks (where mail servers live) open, and the connection made to
the address that was checked."""

from __future__ import annotations

import errno
import ipaddress
import socket
from collections.abc import Callable
from typing import Any

import pytest

from tasklink.core import Completed, Failed
from tasklink.email import connector
from tasklink.email._connector import apa, camunda
from tasklink.testing import run_job

METADATA = "169.254.169.254"
METADATA_RULE = "it is a link-local or cloud metadata address"

Job = Callable[[str], tuple[str, dict[str, Any]]]


@pytest.fixture(autouse=True)
def _isolated(outbound_isolation: None) -> None:
    """No operator setting from the environment (tasklink.testing's fixture)."""


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """The (address, port) of every TCP connection opened; any but loopback is refused at
    once, so nothing leaves this machine."""
    seen: list[tuple[str, int]] = []
    real = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        seen.append((str(address[0]), int(address[1])))
        if not ipaddress.ip_address(address[0]).is_loopback:
            raise ConnectionRefusedError(errno.ECONNREFUSED, "the test network has no route")
        real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return seen


@pytest.fixture
def names(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """``names[host] = [address, ...]``: the resolver's answers for ``host``, one per
    lookup (the last repeats). Other names resolve as usual. Lookups are recorded under
    ``""``."""
    answers: dict[str, list[str]] = {"": []}
    real = socket.getaddrinfo

    def lookup(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in answers or not name:
            return real(host, port, *args, **kwargs)
        answers[""].append(name)
        queue = answers[name]
        address = queue.pop(0) if len(queue) > 1 else queue[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port)))]

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    return answers


def smtp_job(host: str, **connection: Any) -> dict[str, Any]:
    return {
        "connection": {"host": host, "security": "none", **connection},
        "from": "orders@example.test",
        "to": ["someone@example.test"],
        "subject": "Your order",
        "text": "Thank you",
    }


def mailbox_job(host: str, **connection: Any) -> dict[str, Any]:
    return {"connection": {"host": host, "username": "u", "password": "p", **connection}}


# (operation, the job, protocol, default port)
PROTOCOLS = [
    pytest.param("send", smtp_job, "SMTP", 25, id="smtp"),
    pytest.param("imap_list", mailbox_job, "IMAP", 993, id="imap"),
    pytest.param("pop3_list", mailbox_job, "POP3", 995, id="pop3"),
]


def failed(target: Any, variables: dict[str, Any], **options: Any) -> Failed:
    outcome = run_job(target, variables, **options)
    assert isinstance(outcome, Failed), outcome
    return outcome


def refused(target: Any, variables: dict[str, Any], **options: Any) -> Failed:
    outcome = failed(target, variables, **options)
    assert (outcome.code, outcome.retries) == ("BLOCKED_ADDRESS", 0), outcome
    return outcome


@pytest.mark.parametrize(("operation", "job", "protocol", "port"), PROTOCOLS)
def test_a_metadata_address_is_refused_before_any_connection(
    connects: list[tuple[str, int]], operation: str, job: Any, protocol: str, port: int
) -> None:
    outcome = refused(connector, job(METADATA), operation=operation)
    assert outcome.message.startswith(
        f"connection.host: the {protocol} server {METADATA}:{port} is refused by the "
        f"outbound policy: {METADATA_RULE}"
    )
    assert outcome.variables["field"] == "connection.host"
    assert connects == []


@pytest.mark.parametrize(("operation", "job", "protocol", "port"), PROTOCOLS)
def test_a_name_for_a_metadata_address_is_refused(
    connects: list[tuple[str, int]],
    names: dict[str, list[str]],
    operation: str,
    job: Any,
    protocol: str,
    port: int,
) -> None:
    names["mail.test"] = [METADATA]
    outcome = refused(connector, job("mail.test"), operation=operation)
    assert outcome.message.startswith(f"connection.host: the {protocol} server mail.test:{port}")
    assert "169.254" not in outcome.message  # the rule, never the address
    assert connects == []


def test_loopback_servers_stay_reachable_with_private_networks_blocked(
    smtp: Any, mailbox: Any, ca_pem: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As under `tasklink run`: mail servers live on private networks, so the rule that
    # refuses them to HTTP requests leaves them open.
    monkeypatch.setenv("TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS", "true")
    sent = run_job(
        connector, smtp_job(**smtp.connection("starttls", caCertificate=ca_pem)), operation="send"
    )
    assert isinstance(sent, Completed), sent
    for protocol in ("imap", "pop3"):
        connection = mailbox.connection(protocol, "tls", caCertificate=ca_pem)
        listed = run_job(connector, {"connection": connection}, operation=f"{protocol}_list")
        assert isinstance(listed, Completed), listed


def test_blocked_networks_refuse_a_mail_server(
    smtp: Any, monkeypatch: pytest.MonkeyPatch, connects: list[tuple[str, int]]
) -> None:
    monkeypatch.setenv("TASKLINK_HTTP_BLOCKED_NETWORKS", "127.0.0.0/8")
    before = len(smtp.received)
    outcome = refused(connector, smtp_job(**smtp.connection("none")), operation="send")
    assert "TASKLINK_HTTP_BLOCKED_NETWORKS" in outcome.message
    assert len(smtp.received) == before
    assert connects == []


def test_the_allowed_networks_open_a_metadata_address(
    monkeypatch: pytest.MonkeyPatch, connects: list[tuple[str, int]]
) -> None:
    monkeypatch.setenv("TASKLINK_HTTP_ALLOWED_NETWORKS", METADATA)
    outcome = failed(connector, smtp_job(METADATA), operation="send", retries=1)
    assert outcome.code == "CONNECTION_FAILED", outcome
    assert connects == [(METADATA, 25)]


@pytest.mark.parametrize("protocol", ["smtp", "imap", "pop3"])
def test_the_connection_goes_to_the_checked_address_without_a_second_lookup(
    smtp: Any,
    mailbox: Any,
    connects: list[tuple[str, int]],
    names: dict[str, list[str]],
    protocol: str,
) -> None:
    # A resolver that answers a public address to the check and the metadata address to
    # a second lookup (DNS rebinding) gets no second lookup.
    names["mail.test"] = ["127.0.0.1", METADATA]
    if protocol == "smtp":
        connection = smtp.connection("none")
        outcome = run_job(
            connector, smtp_job(**connection | {"host": "mail.test"}), operation="send"
        )
    else:
        connection = mailbox.connection(protocol, "none") | {"host": "mail.test"}
        outcome = run_job(connector, {"connection": connection}, operation=f"{protocol}_list")
    assert isinstance(outcome, Completed), outcome
    assert names[""] == ["mail.test"]
    assert [address for address, port in connects if port == connection["port"]] == ["127.0.0.1"]


@pytest.mark.parametrize("protocol", ["smtp", "imap", "pop3"])
def test_tls_checks_the_certificate_against_the_host_name(
    smtp: Any, mailbox: Any, ca_pem: str, names: dict[str, list[str]], protocol: str
) -> None:
    # Connected to the checked 127.0.0.1, whose certificate names 127.0.0.1 and
    # localhost, not mail.test: the name is what TLS verifies.
    names["mail.test"] = ["127.0.0.1"]
    names["localhost"] = ["127.0.0.1"]
    for host, expected in (("localhost", Completed), ("mail.test", Failed)):
        if protocol == "smtp":
            connection = smtp.connection("tls", caCertificate=ca_pem, host=host)
            outcome = run_job(connector, smtp_job(**connection), operation="send")
        else:
            connection = mailbox.connection(protocol, "tls", caCertificate=ca_pem, host=host)
            outcome = run_job(connector, {"connection": connection}, operation=f"{protocol}_list")
        assert isinstance(outcome, expected), outcome
        if isinstance(outcome, Failed):
            assert outcome.code == "TLS_FAILED", outcome


# --- the vendors' contracts name their own variables --------------------------------------


@pytest.mark.parametrize("protocol", ["smtp", "imap", "pop3"])
def test_camunda_jobs_name_camundas_host_variable(
    connects: list[tuple[str, int]], protocol: str
) -> None:
    actions = {"smtp": "sendEmailSmtp", "imap": "listEmailsImap", "pop3": "listEmailsPop3"}
    variables = {
        "authentication": {"type": "simple", "username": "u", "password": "p"},
        "protocol": protocol,
        "data": {
            f"{protocol}ActionDiscriminator": actions[protocol],
            f"{protocol}Config": {f"{protocol}Host": METADATA, f"{protocol}Port": 2525},
            f"{protocol}Action": {
                "from": "orders@example.test",
                "to": "ada@example.test",
                "subject": "Hello",
                "body": "Hi Ada",
            }
            if protocol == "smtp"
            else {},
        },
    }
    outcome = refused(camunda, variables)
    assert outcome.message.startswith(f"data.{protocol}Config.{protocol}Host: ")
    account = {"username": "u", "password": "p", f"{protocol}Host": METADATA}
    outcome = refused(camunda, variables | {"emailAccountConfiguration": account})
    assert outcome.message.startswith(f"emailAccountConfiguration.{protocol}Host: ")
    assert connects == []


def test_apa_jobs_name_email_host_with_apas_code(connects: list[tuple[str, int]]) -> None:
    settings = {
        "EMAIL_HOST": METADATA,
        "EMAIL_USERNAME": "u",
        "EMAIL_PASSWORD": "p",
    }
    outcome = failed(
        apa,
        {"from": "orders@example.test", "to": "ada@example.test", "text": "x"},
        secrets=settings,
    )
    assert (outcome.code, outcome.retries) == ("EMAIL_CONNECTION_ERROR", 0), outcome
    assert outcome.variables["cause"] == "BLOCKED_ADDRESS"
    assert outcome.message.startswith(f"EMAIL_HOST: the SMTP server {METADATA}:587 is refused")
    assert connects == []
