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

import json
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tasklink.alfresco import connector
from tasklink.alfresco._auth import tickets
from tasklink.core import MappingSecretProvider
from tasklink.runtime import Pipeline

ROOT = Path(__file__).resolve().parents[3]
SUPPORT = ROOT / "packages" / "runtime" / "tests" / "support"
if str(SUPPORT) not in sys.path:
    sys.path.insert(0, str(SUPPORT))

from activiti_bundle import CLOUD_BPMN_ERROR_CLASS, ErrorBoundary, RuntimeBundle  # noqa: E402
from activiti_runtime import (  # noqa: E402
    ActivitiProcess,
    activiti_settings,
    served,
    started_bundle,
)

SERVICE_USER = "service-account-connector-content-service-invoices"
SERVICE_PASSWORD = "apa-svc-Pw-7c1e94"
TICKETS = "/authentication/versions/1/tickets"


@pytest.fixture(autouse=True)
def _fresh_tickets() -> Iterator[None]:
    """Tickets are cached per process: the runtime logs in afresh in each test."""
    tickets.clear()
    yield
    tickets.clear()


@pytest.fixture
async def bundle() -> AsyncIterator[RuntimeBundle]:
    async with started_bundle() as started:
        yield started


@pytest.fixture
async def process(acs: Any, bundle: RuntimeBundle) -> AsyncIterator[ActivitiProcess]:
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
    settings = activiti_settings(bundle, concurrency=4)
    pipeline = Pipeline(
        [connector],
        settings,
        secrets=MappingSecretProvider({"CONTENT_SERVICE_CONNECTION": json.dumps(connection)}),
    )
    # The tasks give no connection: APA configures the connector implicitly.
    async with served(bundle, pipeline) as adapter:
        yield ActivitiProcess(bundle, pipeline, adapter, "content-service")


def _ids(nodes: list[dict[str, Any]]) -> list[str]:
    return [str(node["id"]) for node in nodes]


async def test_an_apa_invoice_process_runs_through_the_activiti_adapter(
    acs: Any, process: ActivitiProcess
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
    acs: Any, process: ActivitiProcess
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
