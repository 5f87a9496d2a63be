"""A file moves between tasks as a document, across packages: a 20 MB e-mail attachment
(Dovecot, IMAP) becomes a Camunda document (the fake gateway, every exchange checked
against the official OpenAPI document), which the REST connector uploads as a multipart
part to a local server; and the same with ``tasklink invoke`` and files. The content's
SHA-256 is checked where it arrives (memory is measured by benchmarks/documents.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from tasklink.email import connector as email_connector
from tasklink.http import connector as http_connector
from tasklink.testing import httpbin
from tasklink.testing.dovecot import Dovecot, DovecotUnavailableError, start_dovecot, write_message

ROOT = Path(__file__).resolve().parents[1]
FAKES = ROOT / "packages" / "runtime" / "tests" / "camunda"
if str(FAKES) not in sys.path:
    sys.path.insert(0, str(FAKES))

from camunda_fakes import WorkerHarness  # noqa: E402
from camunda_fakes.process import spec_checked_gateway  # noqa: E402
from camunda_fakes.rest import FakeRestGateway  # noqa: E402

from tasklink.runtime.camunda import CamundaDocumentStore, RestGateway  # noqa: E402

SIZE = 20 * 1024 * 1024


@pytest.fixture(scope="module")
def dovecot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dovecot]:
    folder = tmp_path_factory.mktemp("tls")
    issued = trustme.CA().issue_cert("127.0.0.1")
    cert, key = folder / "cert.pem", folder / "key.pem"
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    try:
        instance = start_dovecot(cert, key, users=2)
    except DovecotUnavailableError as exc:
        if exc.skippable:
            pytest.skip(str(exc))
        pytest.fail(str(exc))
    yield instance
    instance.stop()


def mailbox_with_attachment(
    dovecot: Dovecot, user: str, folder: Path
) -> tuple[dict[str, Any], str]:
    """``user``'s IMAP connection, after delivering a message with a 20 MB attachment;
    and the attachment's SHA-256."""
    with (folder / "message.eml").open("w+b") as message:
        digest = write_message(
            message, size=SIZE, file_name="scan.tiff", content_type="image/tiff", to=user
        )
        dovecot.deliver(user, message)
    connection = {
        "host": "127.0.0.1",
        "port": dovecot.imap_port,
        "security": "none",
        "username": user,
        "password": dovecot.users[user],
    }
    return connection, digest


def read_input(connection: dict[str, Any]) -> dict[str, Any]:
    return {
        "connection": connection,
        "uid": 1,
        "includeAttachmentContent": True,
    }


def upload_input(url: str, document: dict[str, Any]) -> dict[str, Any]:
    return {
        "url": f"{url}/upload",
        "method": "POST",
        "bodyType": "multipart",
        "body": {"note": "scanned", "file": document},
    }


@pytest.fixture
async def gateway() -> AsyncIterator[FakeRestGateway]:
    async with spec_checked_gateway() as fake:
        yield fake


async def test_an_attachment_moves_through_a_camunda_document_to_a_multipart_upload(
    dovecot: Dovecot,
    gateway: FakeRestGateway,
    httpbin_server: httpbin.TestServer,
    tmp_path: Path,
) -> None:
    connection, digest = mailbox_with_attachment(dovecot, "user1", tmp_path)
    store = gateway.store
    rest = RestGateway(gateway.rest_address)
    harness = WorkerHarness(
        [email_connector, http_connector],
        rest,
        documents=CamundaDocumentStore(rest.client),
    )
    result = {"resultVariable": "result"}
    async with harness:
        read = store.add(
            email_connector.job_type,
            {"operation": "imap_read", **read_input(connection)},
            headers=result,
        )
        await store.wait_for(lambda: store.done(read), timeout=60)
        [outcome] = store.outcomes_of(read.key)
        assert outcome.kind == "complete", outcome.body
        [attachment] = outcome.body["variables"]["result"]["attachments"]
        reference = attachment["document"]
        assert reference["camunda.document.type"] == "camunda"
        assert reference["metadata"]["fileName"] == "scan.tiff"
        assert reference["metadata"]["contentType"] == "image/tiff"
        assert reference["metadata"]["processInstanceKey"] == read.process_instance_key
        stored = gateway.documents.get(reference["documentId"])
        assert stored is not None and stored.size == SIZE

        upload = store.add(
            http_connector.job_type, upload_input(httpbin_server.url, reference), headers=result
        )
        await store.wait_for(lambda: store.done(upload), timeout=60)
    [outcome] = store.outcomes_of(upload.key)
    assert outcome.kind == "complete", outcome.body
    parts = outcome.body["variables"]["result"]["body"]["parts"]
    assert [(p["name"], p["filename"], p["contentType"]) for p in parts] == [
        ("note", None, "text/plain"),
        ("file", "scan.tiff", "image/tiff"),
    ]
    assert (parts[1]["size"], parts[1]["sha256"]) == (SIZE, digest)


def invoke(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "tasklink.runtime", "invoke", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_the_same_through_tasklink_invoke_with_files(
    dovecot: Dovecot, httpbin_server: httpbin.TestServer, tmp_path: Path
) -> None:
    connection, digest = mailbox_with_attachment(dovecot, "user2", tmp_path)
    folder = tmp_path / "documents"
    read = invoke(
        "email",
        "--operation",
        "imap_read",
        "--documents-dir",
        str(folder),
        "--input",
        json.dumps(read_input(connection)),
    )
    [attachment] = read["attachments"]
    reference = attachment["document"]
    assert reference["camunda.document.type"] == "local"
    written = Path(reference["path"])
    assert written.parent == folder.resolve() and written.name == "scan.tiff"
    assert written.stat().st_size == SIZE

    uploaded = invoke("http", "--input", json.dumps(upload_input(httpbin_server.url, reference)))
    [_, part] = uploaded["body"]["parts"]
    assert (part["filename"], part["size"], part["sha256"]) == ("scan.tiff", SIZE, digest)
