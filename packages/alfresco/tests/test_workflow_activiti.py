"""An APA process runs unchanged on tasklink's Activiti runtime: integration requests for
``content-service.<ACTION>``, published over the real RabbitMQ as an Activiti runtime
bundle publishes them (``packages/runtime/tests/support/activiti_bundle.py``), with APA's
input names and File / Folder variables as APA shapes them, answered by the Activiti
adapter against the fake repository (``acs``: every exchange checked against the vendor's
OpenAPI documents).

The process knows nothing of a connection: the runtime reads it from the secret
``CONTENT_SERVICE_CONNECTION``, as APA configures its content-service connector
implicitly. Each step's outputs become process variables (APA's output mapping) which
later steps map to their inputs; declared error codes reach the process as BPMN errors
(``CloudBpmnError``) that error boundary events catch by code.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tasklink.alfresco import connector
from tasklink.alfresco._auth import tickets
from tasklink.core import MappingSecretProvider
from tasklink.runtime import Pipeline, RuntimeSettings, serve
from tasklink.runtime.activiti import ActivitiAdapter, ActivitiSettings

ROOT = Path(__file__).resolve().parents[3]
SUPPORT = ROOT / "packages" / "runtime" / "tests" / "support"
if str(SUPPORT) not in sys.path:
    sys.path.insert(0, str(SUPPORT))

from activiti_bundle import (  # noqa: E402
    CLOUD_BPMN_ERROR_CLASS,
    RABBITMQ_URL,
    ErrorBoundary,
    Execution,
    RuntimeBundle,
)

SERVICE_USER = "service-account-connector-content-service-invoices"
SERVICE_PASSWORD = "apa-svc-Pw-7c1e94"
TICKETS = "/authentication/versions/1/tickets"


def _rabbitmq_running() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def _fresh_tickets() -> Iterator[None]:
    """Tickets are cached per process: the runtime logs in afresh in each test."""
    tickets.clear()
    yield
    tickets.clear()


@pytest.fixture
async def bundle() -> AsyncIterator[RuntimeBundle]:
    if not _rabbitmq_running():
        pytest.fail(
            "RabbitMQ is not running on 127.0.0.1:5672: start it with "
            "`rabbitmq-server -detached && rabbitmqctl await_startup`"
        )
    rb = RuntimeBundle(RABBITMQ_URL, f"t{uuid.uuid4().hex[:10]}")
    await rb.start()
    try:
        yield rb
    finally:
        await rb.close()


@dataclass
class Process:
    """One process instance of an APA application: its variables, and its service tasks
    sent one after the other as integration requests."""

    bundle: RuntimeBundle
    pipeline: Pipeline
    adapter: ActivitiAdapter
    variables: dict[str, Any] = field(default_factory=dict)
    replies: list[dict[str, Any]] = field(default_factory=list)

    async def task(
        self,
        action: str,
        inputs: Mapping[str, Any],
        *boundaries: ErrorBoundary,
        outputs: Mapping[str, str] | None = None,
    ) -> tuple[str, dict[str, Any], Execution]:
        """Run the service task ``implementation="content-service.<action>"`` with the
        mapped ``inputs``; ``outputs`` maps process variables to the connector's outputs
        (APA's output mapping), applied when the task completes. The kind of reply
        (``result`` or ``error``), the reply, and the execution of the task."""
        implementation = f"content-service.{action}"
        request = self.bundle.request(implementation, dict(inputs), boundaries=boundaries)
        context_id = request["integrationContext"]["id"]
        destination = self.adapter.destination(self.pipeline.find_operation(implementation))
        await self.bundle.publish(destination, request)
        [reply] = await self.bundle.wait_for(context_id, timeout=30)
        self.replies.append(reply)
        execution = self.bundle.executions[context_id]
        if execution.state == "completed":
            for variable, output in (outputs or {}).items():
                self.variables[variable] = execution.variables[output]
        return self.bundle.kinds[context_id][0], reply, execution

    async def ok(self, action: str, inputs: Mapping[str, Any], **outputs: str) -> dict[str, Any]:
        """The outbound variables of a task that must complete."""
        kind, reply, execution = await self.task(action, inputs, outputs=outputs)
        assert (kind, execution.state) == ("result", "completed"), reply.get("errorMessage")
        out: dict[str, Any] = reply["integrationContext"]["outBoundVariables"]
        return out


@pytest.fixture
async def process(acs: Any, bundle: RuntimeBundle) -> AsyncIterator[Process]:
    """The Activiti runtime serving the content-service connector, its connection in the
    secret ``CONTENT_SERVICE_CONNECTION`` (the application's service account, with ACS
    tickets), and a process instance to send tasks for."""
    acs.add_user(SERVICE_USER, SERVICE_PASSWORD, admin=True)
    connection = {
        "baseUrl": acs.base_url,
        "authentication": {
            "type": "ticket",
            "username": SERVICE_USER,
            "password": SERVICE_PASSWORD,
        },
    }
    settings = RuntimeSettings(
        engine="activiti",
        concurrency=4,
        engines={
            "activiti": {
                "url": RABBITMQ_URL,
                "destination_prefix": bundle.prefix,
                "retries": 2,
                "retry_backoff": 0.01,
                "connection_name": f"tasklink-test-{bundle.prefix}",
            }
        },
    )
    pipeline = Pipeline(
        [connector],
        settings,
        secrets=MappingSecretProvider({"CONTENT_SERVICE_CONNECTION": json.dumps(connection)}),
    )
    adapter = ActivitiAdapter(settings.section("activiti", ActivitiSettings), pipeline)
    task = asyncio.create_task(serve(settings, pipeline=pipeline, handle_signals=False))
    ready = asyncio.ensure_future(pipeline.wait_ready())
    await asyncio.wait([ready, task], timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        ready.cancel()
        task.result()
    try:
        yield Process(bundle, pipeline, adapter)
    finally:
        pipeline.stop()
        await asyncio.wait_for(task, 30)
        names = {adapter.destination(op) for op in connector.operations.values()}
        queues = {f"{n}.tasklink" for n in names} | {f"{n}.tasklink.dlq" for n in names}
        await bundle.cleanup(names, queues)


def _ids(nodes: list[dict[str, Any]]) -> list[str]:
    return [str(node["id"]) for node in nodes]


async def test_an_apa_invoice_process_runs_through_the_activiti_adapter(
    acs: Any, process: Process
) -> None:
    acs.define_aspect("rv:reviewable")
    p = process

    # CREATE_FOLDER into a path relative to Company Home; the Folder variable out.
    out = await p.ok(
        "CREATE_FOLDER",
        {
            "folderName": "Invoices 2026",
            "targetFolderPath": {"type": "string", "value": "/Shared"},
            "targetFolderMetadata": {"cm:title": "Invoices", "cm:description": "2026"},
            "autorename": False,
        },
        invoices="folder",
    )
    folder = acs.node_by_path("/Company Home/Shared/Invoices 2026")
    assert set(out) == {"response", "folder"}  # APA's outputs of CREATE_FOLDER
    assert _ids(out["folder"]) == [folder.id]
    assert out["folder"][0]["isFolder"] is True
    assert out["response"]["entry"]["id"] == folder.id  # APA's raw reply
    assert folder.properties["cm:title"] == "Invoices"
    # A second folder inside it, the first passed as APA's typed Folder variable.
    await p.ok(
        "CREATE_FOLDER",
        {
            "folderName": "Archive",
            "targetFolder": {"type": "folder", "value": json.dumps(p.variables["invoices"])},
        },
        archive="folder",
    )
    archive = acs.node_by_path("/Company Home/Shared/Invoices 2026/Archive")
    assert _ids(p.variables["archive"]) == [archive.id]

    # CREATE_FILE with content and metadata in APA's underscore form.
    out = await p.ok(
        "CREATE_FILE",
        {
            "fileName": "invoice-42.txt",
            "targetFolder": p.variables["invoices"],
            "sourceText": "Total: 42 EUR",
            "targetFileType": "cm:content",
            "targetFileMetadata": {"cm_title": "Invoice 42", "cm_description": "ACME"},
            "underscoreMetadata": True,
        },
        invoice="file",
    )
    invoice = acs.node_by_path("/Company Home/Shared/Invoices 2026/invoice-42.txt")
    assert _ids(p.variables["invoice"]) == [invoice.id]
    assert p.variables["invoice"][0]["parentId"] == folder.id
    assert acs.content(invoice.id) == b"Total: 42 EUR"
    assert invoice.properties["cm:title"] == "Invoice 42"
    assert out["response"]["entry"]["properties"]["cm_title"] == "Invoice 42"

    # UPDATE_FILE_CONTENT: a new major version of the file the process holds.
    out = await p.ok(
        "UPDATE_FILE_CONTENT",
        {
            "targetFile": p.variables["invoice"],
            "sourceText": "Total: 43 EUR",
            "majorVersion": {"type": "boolean", "value": "true"},
            "versionComment": "corrected total",
        },
    )
    assert set(out) == {"response"}
    assert acs.content(invoice.id) == b"Total: 43 EUR"
    assert [v.label for v in acs.versions(invoice.id)] == ["1.0", "2.0"]
    assert acs.versions(invoice.id)[-1].comment == "corrected total"

    # ADD_ASPECT with its properties.
    await p.ok(
        "ADD_ASPECT",
        {
            "file": p.variables["invoice"],
            "aspect": "rv:reviewable",
            "nodeMetadata": {"cm_description": "ACME, reviewed"},
            "underscoreMetadata": True,
        },
    )
    assert "rv:reviewable" in acs.node(invoice.id).aspects
    assert acs.node(invoice.id).properties["cm:description"] == "ACME, reviewed"

    # SEARCH finds it by the aspect and its title; its nodes feed the next task.
    out = await p.ok(
        "SEARCH",
        {
            "searchQuery": 'ASPECT:"rv:reviewable" AND cm:title:"Invoice 42"',
            "searchMaxItems": {"type": "integer", "value": "10"},
        },
        found="nodes",
    )
    assert set(out) == {"response", "nodes", "totalItems", "hasMoreItems"}
    assert _ids(out["nodes"]) == [invoice.id]
    assert (out["totalItems"], out["hasMoreItems"]) == (1, False)

    # MOVE_FILE: the search result as the source File variable, into the archive.
    out = await p.ok(
        "MOVE_FILE",
        {"sourceFile": p.variables["found"], "targetFolder": p.variables["archive"]},
        invoice="file",
    )
    assert acs.node(invoice.id).parent_id == archive.id
    assert p.variables["invoice"][0]["parentId"] == archive.id
    assert acs.path_of(invoice.id) == "/Company Home/Shared/Invoices 2026/Archive/invoice-42.txt"

    # LOCK_NODE: nobody may change it now.
    await p.ok(
        "LOCK_NODE",
        {
            "file": p.variables["invoice"],
            "lockType": "FULL",
            "timeToExpire": {"type": "integer", "value": "0"},
            "lifetime": "PERSISTENT",
        },
    )
    lock = acs.node(invoice.id).lock
    assert lock is not None and lock.type == "FULL"

    # A change to the locked file: LOCKED, a BPMN error the boundary event catches.
    kind, reply, execution = await p.task(
        "UPDATE_METADATA",
        {"file": p.variables["invoice"], "metadata": {"cm:title": "tampered"}},
        ErrorBoundary("NotFound", "NOT_FOUND"),
        ErrorBoundary("FileLocked", "LOCKED"),
    )
    assert kind == "error"
    assert (reply["errorClassName"], reply["errorCode"]) == (CLOUD_BPMN_ERROR_CLASS, "LOCKED")
    assert reply["errorMessage"].startswith("UPDATE_METADATA: ")
    assert f"'invoice-42.txt' with id {invoice.id!r} (file) is locked" in reply["errorMessage"]
    assert reply["integrationContext"]["outBoundVariables"]["status"] == 409
    assert (execution.state, execution.caught_by, execution.bpmn_error) == (
        "caught",
        "FileLocked",
        "LOCKED",
    )
    assert acs.node(invoice.id).properties["cm:title"] == "Invoice 42"

    # UNLOCK_NODE, after which the change goes through.
    await p.ok("UNLOCK_NODE", {"file": p.variables["invoice"]})
    assert acs.node(invoice.id).lock is None
    await p.ok(
        "UPDATE_METADATA",
        {
            "nodeId": invoice.id,
            "metadata": {"cm_title": "Invoice 42 (paid)"},
            "underscoreMetadata": True,
        },
    )
    assert acs.node(invoice.id).properties["cm:title"] == "Invoice 42 (paid)"

    # DELETE_FILE to the trashcan; DELETE_FOLDER for good.
    await p.ok("DELETE_FILE", {"file": p.variables["invoice"], "permanent": False})
    assert acs.node(invoice.id).archived
    assert invoice.id in {n.id for n in acs.trashcan()}

    # The file is gone: deleting it again is NOT_FOUND, caught by its boundary event.
    kind, reply, execution = await p.task(
        "DELETE_FILE",
        {"file": p.variables["invoice"]},
        ErrorBoundary("FileLocked", "LOCKED"),
        ErrorBoundary("NotFound", "NOT_FOUND"),
    )
    assert (kind, reply["errorClassName"], reply["errorCode"]) == (
        "error",
        CLOUD_BPMN_ERROR_CLASS,
        "NOT_FOUND",
    )
    assert f"'invoice-42.txt' with id {invoice.id!r} (file) does not exist" in reply["errorMessage"]
    assert (execution.state, execution.caught_by) == ("caught", "NotFound")

    await p.ok("DELETE_FOLDER", {"folder": p.variables["invoices"], "permanent": True})
    assert acs.find("/Company Home/Shared/Invoices 2026") is None
    for gone in (folder.id, archive.id):  # not in the trashcan: gone for good
        with pytest.raises(KeyError):
            acs.node(gone)

    # One login for the whole process (the ticket reused by every task), as the service
    # account; neither its password nor the ticket reached the process.
    logins = [r for r in acs.requests if r.method == "POST" and r.path.endswith(TICKETS)]
    assert [r.status for r in logins] == [201]
    issued = list(acs.auth.tickets)
    assert issued
    sent = json.dumps(p.replies)
    for secret in (SERVICE_PASSWORD, *issued):
        assert secret not in sent
    assert {r.headers.get("authorization", "")[:6] for r in acs.requests if r not in logins} == {
        "Basic "
    }


async def test_an_apa_task_without_its_node_or_with_a_bad_input_gets_apas_codes(
    acs: Any, process: Process
) -> None:
    # A required input left out: MISSING_INPUT, a declared code, caught as a BPMN error.
    kind, reply, execution = await process.task(
        "LOCK_NODE", {"lockType": "FULL"}, ErrorBoundary("Missing", "MISSING_INPUT")
    )
    assert (kind, reply["errorClassName"], reply["errorCode"]) == (
        "error",
        CLOUD_BPMN_ERROR_CLASS,
        "MISSING_INPUT",
    )
    assert (execution.state, execution.caught_by) == ("caught", "Missing")
    # A path that finds nothing: NOT_FOUND naming it; nothing catches it, so the task
    # waits with an integration error (Activiti's fallback).
    kind, reply, execution = await process.task(
        "SELECT_FILE", {"path": "/Shared/nope.txt"}, ErrorBoundary("Locked", "LOCKED")
    )
    assert (reply["errorClassName"], reply["errorCode"]) == (CLOUD_BPMN_ERROR_CLASS, "NOT_FOUND")
    assert "'/Shared/nope.txt' (path)" in reply["errorMessage"]
    assert (execution.state, execution.integration_errors) == ("waiting", [reply])
    # A folder where a file is asked: INVALID_INPUT.
    kind, reply, execution = await process.task(
        "SELECT_FILE", {"nodeId": acs.shared_id}, ErrorBoundary("Invalid", "INVALID_INPUT")
    )
    assert (reply["errorClassName"], reply["errorCode"]) == (
        CLOUD_BPMN_ERROR_CLASS,
        "INVALID_INPUT",
    )
    assert execution.caught_by == "Invalid"
    # A repository that is briefly unavailable: the adapter retries, the task completes.
    acs.fail_next("GET", "/nodes/-root-", 503)
    out = await process.ok("SELECT_FOLDER", {"path": "/Shared"})
    assert _ids(out["folder"]) == [acs.shared_id]
    statuses = [r.status for r in acs.requests if r.path.endswith("/nodes/-root-")]
    assert statuses[-2:] == [503, 200]
    metrics = process.pipeline.metrics.render().decode()
    labels = 'connector="content-service",operation="select_folder"'
    assert f'tasklink_jobs_total{{{labels},outcome="failed"}} 1.0' in metrics
    assert all(" 503" in v for v in acs.take_violations())  # 503 is not in the document
