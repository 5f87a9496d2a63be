"""The example process, ``examples/order-notification.bpmn``, on the embedded engine.

Each of its three paths runs end to end with ``tasklink.testing.run_process`` against real
local servers: the orders API (tasklink.testing's HTTP test server with an ``/orders``
route and bearer authentication) and an aiosmtpd SMTP server. An order that has shipped is
fetched and its customer gets an e-mail; one that has not ends at the gateway's default
flow; an order the API does not know (404) becomes the BPMN error ``ORDER_NOT_FOUND``, which
the boundary event on the REST task catches. Two incidents show what is not caught: a
wrong token (401) and a mail server that is down (after the retries). The modeler check
(``tests/modeler``) runs the same paths on the XML the modeler exports for the example,
through :func:`order_world` and :func:`check_order_path`; no test here needs a browser.
"""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from tasklink.testing import httpbin, run_process
from tasklink.testing.dovecot import free_port

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "order-notification.bpmn"
TEMPLATES = ROOT / "element-templates" / "camunda"
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "zeebe": "http://camunda.org/schema/zeebe/1.0",
}
ZEEBE = "{" + NS["zeebe"] + "}"

TOKEN = "orders-token-5b7e19c4"  # the local test API's own token
ORDERS = {
    "42": {
        "id": 42,
        "customer": "Ada Lovelace",
        "email": "ada@example.org",
        "total": 129.5,
        "status": "shipped",
    },
    "43": {
        "id": 43,
        "customer": "Grace Hopper",
        "email": "grace@example.org",
        "total": 18.0,
        "status": "packing",
    },
}


class OrdersHandler(httpbin.Handler):
    """The test server's routes plus ``GET /orders/<id>``: the order, with the bearer
    token; 401 without it, 404 for an order it does not know."""

    def route_orders(self, rest: list[str], args: Any, body: bytes, parts: Any) -> None:
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._json(401, {"error": "unauthorized"})
            return
        order = ORDERS.get(rest[0]) if len(rest) == 1 else None
        if order is None:
            self._json(404, {"error": f"no order {'/'.join(rest)}"})
            return
        self._json(200, order)


class OrdersApi(httpbin.TestServer):
    """tasklink.testing's local HTTP test server serving :class:`OrdersHandler`."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0))
        self.RequestHandlerClass = OrdersHandler


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@dataclass
class OrderWorld:
    """The servers the example talks to."""

    api: OrdersApi
    smtp_port: int
    inbox: Inbox = field(default_factory=Inbox)

    def variables(self, order_id: str) -> dict[str, Any]:
        """The start variables the example needs, for one order."""
        return {
            "orderId": order_id,
            "baseUrl": self.api.url,
            "smtpHost": "127.0.0.1",
            "smtpPort": self.smtp_port,
        }


@contextmanager
def order_world() -> Iterator[OrderWorld]:
    """The orders API and an SMTP server on loopback ports, for as long as the block runs."""
    from aiosmtpd.controller import Controller

    api = OrdersApi()
    threading.Thread(target=api.serve_forever, daemon=True).start()
    world = OrderWorld(api, free_port())
    smtp = Controller(world.inbox, hostname="127.0.0.1", port=world.smtp_port)
    smtp.start()
    try:
        yield world
    finally:
        smtp.stop()
        api.shutdown()
        api.server_close()


@dataclass(frozen=True)
class OrderPath:
    order_id: str
    path: list[str]
    variables: set[str]  # the names the process ends with, beyond its start variables
    subjects: list[str]  # of the e-mails sent


START_VARIABLES = {"orderId", "baseUrl", "smtpHost", "smtpPort"}
ORDER_PATHS = {
    "shipped": OrderPath(
        "42",
        ["order-received", "fetch-order", "is-shipped", "notify-customer", "customer-notified"],
        {"order", "notification"},
        ["Your order 42 has shipped"],
    ),
    "not-shipped": OrderPath(
        "43",
        ["order-received", "fetch-order", "is-shipped", "not-shipped-yet"],
        {"order"},
        [],
    ),
    # The REST task is interrupted by its boundary event: it never completes.
    "unknown-order": OrderPath(
        "7",
        ["order-received", "order-not-found", "unknown-order"],
        {"orderProblem"},
        [],
    ),
}


def check_order_path(process: str | Path, name: str, world: OrderWorld) -> None:
    """Run ``process`` (the example, or a copy of it) for the order of path ``name`` and
    check where it went, what it ended with and what it sent."""
    case = ORDER_PATHS[name]
    sent_before = len(world.inbox.messages)
    requests_before = len(world.api.log)
    result = run_process(
        process,
        variables=world.variables(case.order_id),
        secrets={"ORDER_API_TOKEN": TOKEN},
    )
    assert result.state == "completed", result.incident
    assert result.incident is None
    assert result.path == case.path
    variables = result.variables
    # the task's input mappings (url, authentication, ...) stay in its own scope
    assert set(variables) == START_VARIABLES | case.variables
    assert variables["orderId"] == case.order_id
    assert TOKEN not in json.dumps(result.to_json())

    # one request, with the token the secret placeholder resolved to
    requests = world.api.log[requests_before:]
    assert [(r["method"], r["path"]) for r in requests] == [("GET", f"/orders/{case.order_id}")]
    assert requests[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"

    sent = world.inbox.messages[sent_before:]
    assert [m["Subject"] for m in sent] == case.subjects
    if name == "shipped":
        order = ORDERS[case.order_id]
        assert variables["order"] == order
        assert variables["notification"]["accepted"] == [order["email"]]
        assert variables["notification"]["refused"] == []
        (mail,) = sent
        assert (mail["From"], mail["To"]) == ("shop@example.org", order["email"])
        assert mail["Message-ID"] == variables["notification"]["messageId"]
        text = mail.get_payload(decode=True).decode().strip()
        assert text == "Hello Ada Lovelace, your order 42 is on its way."
    elif name == "not-shipped":
        assert variables["order"] == ORDERS[case.order_id]
    else:
        # the boundary event's output mapping keeps the error's message
        assert variables["orderProblem"] == (
            f"GET {world.api.url}/orders/{case.order_id} failed with HTTP 404 Not Found"
        )


@pytest.fixture(scope="module")
def world() -> Iterator[OrderWorld]:
    with order_world() as started:
        yield started


@pytest.mark.parametrize("name", list(ORDER_PATHS))
def test_example_runs_every_path(world: OrderWorld, name: str) -> None:
    check_order_path(EXAMPLE, name, world)


def test_the_api_refuses_a_wrong_token(world: OrderWorld) -> None:
    """The token matters: without the secret the REST task fails with no retries left
    (a 401 is not retried) and the process stops on an incident at that task."""
    case = ORDER_PATHS["shipped"]
    result = run_process(
        EXAMPLE, variables=world.variables(case.order_id), secrets={"ORDER_API_TOKEN": "wrong"}
    )
    assert result.state == "incident"
    assert result.path == ["order-received"]
    assert result.incident is not None
    assert (result.incident.type, result.incident.element_id) == ("JOB_NO_RETRIES", "fetch-order")
    assert result.incident.code == "UNAUTHORIZED"


def test_a_mail_server_that_is_down_stops_the_process_after_the_retries(
    world: OrderWorld,
) -> None:
    """The e-mail task's retries (3, the template's default) run on the test's virtual
    clock, so their 30 s backoffs take no time; then the process stops on an incident at
    that task, the order already fetched."""
    variables = world.variables(ORDER_PATHS["shipped"].order_id)
    variables["smtpPort"] = free_port()  # nothing listens there
    result = run_process(EXAMPLE, variables=variables, secrets={"ORDER_API_TOKEN": TOKEN})
    assert result.state == "incident"
    assert result.path == ["order-received", "fetch-order", "is-shipped"]
    assert result.variables["order"] == ORDERS["42"]
    assert result.incident is not None
    assert (result.incident.type, result.incident.element_id, result.incident.code) == (
        "JOB_NO_RETRIES",
        "notify-customer",
        "CONNECTION_FAILED",
    )


def _latest_template(template_id: str) -> dict[str, Any]:
    template: dict[str, Any] = json.loads((TEMPLATES / f"{template_id}.json").read_text("utf-8"))
    assert template["id"] == template_id
    return template


def test_example_tasks_carry_the_current_templates() -> None:
    """Every service task is linked to the newest version of one of our templates and
    holds only what that template binds: its job type, template headers and inputs (the
    modeler check opens the file and checks the same from the modeler's side)."""
    tasks = ET.parse(EXAMPLE).getroot().findall(".//bpmn:serviceTask", NS)
    assert {t.get("id") for t in tasks} == {"fetch-order", "notify-customer"}
    for task in tasks:
        template = _latest_template(task.get(ZEEBE + "modelerTemplate", ""))
        assert task.get(ZEEBE + "modelerTemplateVersion") == str(template["version"])
        assert task.get(ZEEBE + "modelerTemplateIcon") == template["icon"]["contents"]
        bindings: dict[str, dict[str, Any]] = {}
        for prop in template["properties"]:
            binding = prop["binding"]
            key = binding.get("name") or binding.get("key") or binding.get("property")
            bindings.setdefault(f"{binding['type']}:{key}", prop)

        definition = task.find(".//zeebe:taskDefinition", NS)
        assert definition is not None
        assert definition.get("type") == bindings["zeebe:taskDefinition:type"]["value"]
        headers = {h.get("key"): h.get("value") for h in task.iterfind(".//zeebe:header", NS)}
        assert headers["elementTemplateId"] == template["id"]
        assert headers["elementTemplateVersion"] == str(template["version"])
        assert {f"zeebe:taskHeader:{k}" for k in headers} <= set(bindings)
        inputs = [i.get("target") for i in task.iterfind(".//zeebe:input", NS)]
        assert len(inputs) == len(set(inputs))
        assert {f"zeebe:input:{name}" for name in inputs} <= set(bindings)
