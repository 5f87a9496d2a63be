"""The same invoice process on Camunda 8: jobs of type ``tasklink:alfresco:1`` with the
``operation`` header, run by the Camunda worker against the fake Orchestration Cluster
gateway (``packages/runtime/tests/camunda/camunda_fakes``: every exchange checked against
the official API document) and the fake repository (``acs``: checked against Alfresco's).

Each job's variables are what the engine hands the worker: the process's variables plus
the task's input mappings (the element template's ``zeebe:input`` bindings, the
connection among them, its password a ``{{secrets.NAME}}`` reference). Outputs come back
through the ``resultVariable`` and ``resultExpression`` headers and become the next jobs'
inputs; failures become an incident, or a BPMN error through ``errorExpression``.
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

ROOT = Path(__file__).resolve().parents[3]
FAKES = ROOT / "packages" / "runtime" / "tests" / "camunda"
if str(FAKES) not in sys.path:
    sys.path.insert(0, str(FAKES))

from camunda_fakes import WorkerHarness  # noqa: E402
from camunda_fakes.process import CamundaProcess, spec_checked_gateway  # noqa: E402
from camunda_fakes.rest import FakeRestGateway  # noqa: E402

from tasklink.runtime.camunda import CamundaDocumentStore, RestGateway  # noqa: E402

JOB_TYPE = "tasklink:alfresco:1"
USER = "camunda-worker"
PASSWORD = "cam-Secret-pw-3b9d0e"


@pytest.fixture(autouse=True)
def _fresh_tickets() -> Iterator[None]:
    tickets.clear()
    yield
    tickets.clear()


@pytest.fixture
async def gateway() -> AsyncIterator[FakeRestGateway]:
    async with spec_checked_gateway() as fake:
        yield fake


def _ids(nodes: list[dict[str, Any]]) -> list[str]:
    return [str(node["id"]) for node in nodes]


async def test_the_invoice_process_runs_through_the_camunda_worker(
    acs: Any, gateway: FakeRestGateway
) -> None:
    acs.add_user(USER, PASSWORD, admin=True)
    acs.define_aspect("rv:reviewable")
    store = gateway.store
    rest = RestGateway(gateway.rest_address)
    harness = WorkerHarness(
        [connector],
        rest,
        secrets=MappingSecretProvider({"ACS_PASSWORD": PASSWORD}),
        documents=CamundaDocumentStore(rest.client),
        concurrency=1,
    )
    p = CamundaProcess(
        store,
        JOB_TYPE,
        {
            "connection": {
                "baseUrl": acs.base_url,
                "authentication": {
                    "type": "basic",
                    "username": USER,
                    "password": "{{secrets.ACS_PASSWORD}}",
                },
            }
        },
        variables={"orderId": "order-42", "customer": "ACME"},
    )
    async with harness:
        # Create folder: the Folder variable through resultExpression.
        out = await p.ok(
            "create_folder",
            {
                "folderName": "Invoices 2026",
                "targetFolderPath": "/Shared",
                "targetFolderMetadata": {"cm:title": "Invoices"},
            },
            resultExpression="={invoices: folder}",
        )
        folder = acs.node_by_path("/Company Home/Shared/Invoices 2026")
        assert list(out) == ["invoices"]
        assert _ids(p.variables["invoices"]) == [folder.id]
        await p.ok(
            "create_folder",
            {"folderName": "Archive", "targetFolder": p.variables["invoices"]},
            resultExpression="={archive: folder}",
        )
        archive = acs.node_by_path("/Company Home/Shared/Invoices 2026/Archive")

        # Create file with content and metadata; resultVariable and resultExpression.
        out = await p.ok(
            "create_file",
            {
                "fileName": "invoice-42.txt",
                "targetFolder": p.variables["invoices"],
                "sourceText": "Total: 42 EUR",
                "targetFileMetadata": {"cm:title": "Invoice 42", "cm:description": "ACME"},
            },
            resultVariable="created",
            resultExpression="={invoice: file, invoiceId: file[1].id}",
        )
        invoice = acs.node_by_path("/Company Home/Shared/Invoices 2026/invoice-42.txt")
        assert set(out) == {"created", "invoice", "invoiceId"}
        assert out["invoiceId"] == invoice.id
        assert out["created"]["response"]["entry"]["id"] == invoice.id
        assert acs.content(invoice.id) == b"Total: 42 EUR"
        assert invoice.properties["cm:title"] == "Invoice 42"

        # Update content: a new minor version.
        await p.ok(
            "update_file_content",
            {
                "targetFile": p.variables["invoice"],
                "sourceText": "Total: 43 EUR",
                "versionComment": "corrected total",
            },
        )
        assert acs.content(invoice.id) == b"Total: 43 EUR"
        assert [v.label for v in acs.versions(invoice.id)] == ["1.0", "1.1"]

        # Download it as a Camunda document, and file a copy from that document.
        out = await p.ok(
            "download_content",
            {"file": p.variables["invoice"]},
            resultExpression="={scan: document}",
        )
        reference = out["scan"]
        assert reference["camunda.document.type"] == "camunda"
        assert reference["metadata"]["fileName"] == "invoice-42.txt"
        stored = gateway.documents.get(reference["documentId"])
        assert stored is not None and stored.size == len(b"Total: 43 EUR")
        await p.ok(
            "create_file",
            {
                "fileName": "invoice-42-copy.txt",
                "targetFolder": p.variables["archive"],
                "sourceDocument": p.variables["scan"],
            },
        )
        copy = acs.node_by_path("/Company Home/Shared/Invoices 2026/Archive/invoice-42-copy.txt")
        assert acs.content(copy.id) == b"Total: 43 EUR"

        # Add aspect, with a property.
        await p.ok(
            "add_aspect",
            {
                "nodeId": p.variables["invoiceId"],
                "aspect": "rv:reviewable",
                "nodeMetadata": {"cm_description": "ACME, reviewed"},
                "underscoreMetadata": True,
            },
        )
        assert "rv:reviewable" in acs.node(invoice.id).aspects
        assert acs.node(invoice.id).properties["cm:description"] == "ACME, reviewed"

        # Search: the first hit's node feeds the move.
        out = await p.ok(
            "search",
            {"searchQuery": 'ASPECT:"rv:reviewable" AND cm:title:"Invoice 42"'},
            resultExpression="={found: nodes, hits: totalItems}",
        )
        assert out["hits"] == 1
        assert _ids(out["found"]) == [invoice.id]

        # Move file into the archive.
        out = await p.ok(
            "move_file",
            {"sourceFile": p.variables["found"], "targetFolder": p.variables["archive"]},
            resultExpression="={invoice: file}",
        )
        assert acs.node(invoice.id).parent_id == archive.id
        assert p.variables["invoice"][0]["parentId"] == archive.id

        # Lock.
        await p.ok("lock_node", {"file": p.variables["invoice"], "lockType": "FULL"})
        lock = acs.node(invoice.id).lock
        assert lock is not None and (lock.type, lock.owner) == ("FULL", USER)

        # A change to the locked file: LOCKED, thrown as a BPMN error by errorExpression.
        thrown = await p.task(
            "update_metadata",
            {"file": p.variables["invoice"], "metadata": {"cm:title": "tampered"}},
            errorExpression=(
                '=if error.code = "LOCKED" then bpmnError("LOCKED", error.message, '
                "{lockedStatus: error.variables.status}) else null"
            ),
        )
        assert (thrown["kind"], thrown["errorCode"]) == ("error", "LOCKED")
        assert thrown["errorMessage"].startswith("UPDATE_METADATA: ")
        assert f"with id {invoice.id!r} (file) is locked" in thrown["errorMessage"]
        assert thrown["variables"] == {"lockedStatus": 409}
        # Without an error expression: an incident at once (no retries), naming the node.
        incident = await p.task(
            "update_metadata", {"nodeId": invoice.id, "metadata": {"cm:title": "tampered"}}
        )
        assert (incident["kind"], incident["retries"]) == ("fail", 0)
        assert f"node {invoice.id!r} (nodeId) is locked" in incident["errorMessage"]
        assert acs.node(invoice.id).properties["cm:title"] == "Invoice 42"

        # Unlock; the change goes through.
        await p.ok("unlock_node", {"file": p.variables["invoice"]})
        assert acs.node(invoice.id).lock is None
        await p.ok(
            "update_metadata",
            {"file": p.variables["invoice"], "metadata": {"cm:title": "Invoice 42 (paid)"}},
        )
        assert acs.node(invoice.id).properties["cm:title"] == "Invoice 42 (paid)"

        # Delete the file (to the trashcan); deleting it again: NOT_FOUND as a BPMN error.
        await p.ok("delete_file", {"file": p.variables["invoice"]})
        assert acs.node(invoice.id).archived
        missing = await p.task(
            "delete_file",
            {"fileId": p.variables["invoiceId"]},
            errorExpression=(
                '=if error.code = "NOT_FOUND" then bpmnError("NOT_FOUND", error.message) else null'
            ),
        )
        assert (missing["kind"], missing["errorCode"]) == ("error", "NOT_FOUND")
        assert f"file {invoice.id!r} (fileId) does not exist" in missing["errorMessage"]

        # Delete the folder for good.
        await p.ok("delete_folder", {"folder": p.variables["invoices"], "permanent": True})
        assert acs.find("/Company Home/Shared/Invoices 2026") is None

    # Every job ran once: no retries, nothing left over; the password never left.
    assert [o["kind"] for o in p.outcomes].count("complete") == len(p.outcomes) - 3
    assert all(job.activations == 1 for job in store.jobs.values())
    assert PASSWORD not in json.dumps(p.outcomes)
    assert PASSWORD not in json.dumps(store.outcomes, default=str)
    sent = {r.headers.get("authorization", "") for r in acs.requests}
    assert len(sent) == 1 and sent.pop().startswith("Basic ")
