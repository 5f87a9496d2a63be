"""Camunda documents: references read from and returned documents stored in the cluster's
document store, through the fake gateway, which checks every exchange against the
official OpenAPI document (the ``gateway`` fixtures fail a test that broke it)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from camunda_fakes import FakeJob, JobStore, WorkerHarness
from camunda_fakes.documents import pattern
from camunda_fakes.rest import OAUTH, FakeRestGateway, Fault
from document_fixtures import files

from tasklink.core import (
    DOCUMENT_TYPE,
    ConnectorError,
    Document,
    DocumentError,
    DocumentMetadata,
    JobInfo,
)
from tasklink.runtime import Pipeline, RuntimeSettings
from tasklink.runtime.camunda import (
    CamundaDocumentStore,
    CamundaSettings,
    RestGateway,
    build_document_store,
    build_gateway,
    run,
)
from tasklink.testing import shared_kit_dir

HERE = Path(__file__).resolve().parent
SPEC_PATH = "specs/camunda/rest-api.bundle.json"
MiB = 1024 * 1024


def _harness(fake: FakeRestGateway, *, max_bytes: int = 100 * MiB) -> WorkerHarness:
    gateway = RestGateway(fake.rest_address)
    store = CamundaDocumentStore(gateway.client, max_bytes=max_bytes)
    return WorkerHarness([files], gateway, documents=store)


async def _run_one(
    store: JobStore, fake: FakeRestGateway, variables: dict[str, Any], **harness: Any
) -> FakeJob:
    job = store.add(files.job_type, variables, headers={"resultVariable": "r"})
    async with _harness(fake, **harness):
        await store.wait_for(lambda: store.done(job), timeout=60)
    return job


def _sha256(chunks: Any) -> str:
    hasher = hashlib.sha256()
    for chunk in chunks:
        hasher.update(chunk)
    return hasher.hexdigest()


# -- through the worker ---------------------------------------------------------------------


async def test_a_20_mb_document_streams_in_and_out(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    size = 20 * MiB
    source = gateway.documents.add(pattern(size), fileName="big.bin", contentType="image/png")
    job = await _run_one(store, gateway, {"operation": "copy", "document": source.reference()})

    [outcome] = store.outcomes_of(job.key)
    assert outcome.kind == "complete", outcome.body
    result = outcome.body["variables"]["r"]
    reference = result["document"]
    stored = gateway.documents.get(reference["documentId"])
    assert stored is not None
    assert reference == stored.reference()  # what the API answered, as it answered it
    assert result["sha256"] == source.content_hash == _sha256(pattern(size))
    assert stored.content_hash == source.content_hash and stored.size == size

    [upload] = gateway.uploads
    assert json.loads(upload["fields"]["metadata"][0]) == {
        "contentType": "image/png",
        "fileName": "copy-of-big.bin",
        "size": size,
        "customProperties": {"copiedBy": "files.copy"},
        "processDefinitionId": job.process_definition_id,
        "processInstanceKey": job.process_instance_key,
    }
    assert upload["parts"]["metadata"]["Content-Type"] == "application/json"
    [download] = [r for r in gateway.requests if r[0] == "GET"]
    assert download[1] == f"/v2/documents/{source.document_id}"


async def test_documents_of_unknown_size_are_uploaded_chunked(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    job = await _run_one(store, gateway, {"operation": "make", "size": 300_000, "count": 2})
    [outcome] = store.outcomes_of(job.key)
    references = outcome.body["variables"]["r"]["documents"]
    assert [r["metadata"]["fileName"] for r in references] == ["made-0.bin", "made-1.bin"]
    for reference in references:
        assert reference["metadata"]["size"] == 300_000
    assert all("size" not in json.loads(u["fields"]["metadata"][0]) for u in gateway.uploads)


async def test_a_camunda_document_passed_on_is_not_stored_again(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    source = gateway.documents.add(b"kept as it is", fileName="a.txt")
    job = await _run_one(store, gateway, {"operation": "pass_on", "document": source.reference()})
    [outcome] = store.outcomes_of(job.key)
    assert outcome.body["variables"]["r"] == {"document": source.reference()}
    assert gateway.uploads == []
    assert not any(r[0] == "GET" for r in gateway.requests), "nothing was read either"


async def test_inline_documents_come_in_and_go_to_camunda(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    inline = {DOCUMENT_TYPE: "inline", "content": "hello", "name": "hi.txt"}
    job = await _run_one(store, gateway, {"operation": "copy", "document": inline})
    [outcome] = store.outcomes_of(job.key)
    reference = outcome.body["variables"]["r"]["document"]
    assert reference[DOCUMENT_TYPE] == "camunda"
    assert reference["contentHash"] == hashlib.sha256(b"hello").hexdigest()


# -- what goes wrong, as the engine sees it ---------------------------------------------------


@pytest.mark.parametrize(
    ("case", "problem"),
    [
        ("unknown", "document: the Camunda document nope does not exist or has expired"),
        ("expired", "does not exist or has expired"),
        ("hash", "cannot be read: Document hash for document"),
        ("too large", "invalid input: document: the Camunda document"),
        ("too large, size unknown", "document: the document is larger than 1000 bytes"),
        ("local", "invalid input: document: local files can be used by tasklink invoke only"),
        ("unknown type", "invalid input: document: unknown document type 'weird'"),
    ],
)
async def test_bad_documents_are_incidents_naming_the_field(
    store: JobStore, gateway: FakeRestGateway, case: str, problem: str
) -> None:
    stored = gateway.documents.add(b"x" * 2000, fileName="x.bin")
    reference = stored.reference()
    if case == "unknown":
        reference["documentId"] = "nope"
    elif case == "expired":
        gateway.documents.expire(stored.document_id)
    elif case == "hash":
        reference["contentHash"] = "0" * 64
    elif case == "too large, size unknown":
        del reference["metadata"]["size"]
    elif case == "local":
        reference = {DOCUMENT_TYPE: "local", "path": "/etc/passwd"}
    elif case == "unknown type":
        reference = {DOCUMENT_TYPE: "weird"}
    limit = 1000 if case.startswith("too large") else 100 * MiB
    job = await _run_one(
        store, gateway, {"operation": "digest", "document": reference}, max_bytes=limit
    )
    [outcome] = store.outcomes_of(job.key)
    assert (outcome.kind, outcome.body["retries"]) == ("fail", 0), outcome.body
    assert problem in outcome.body["errorMessage"]
    assert job.state == "incident"


async def test_a_document_that_breaks_while_stored_fails_with_its_own_error(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    job = await _run_one(store, gateway, {"operation": "make", "size": 200_000, "broken": True})
    outcomes = store.outcomes_of(job.key)
    assert [(o.kind, o.body["retries"]) for o in outcomes] == [
        ("fail", 2),
        ("fail", 1),
        ("fail", 0),
    ]
    assert outcomes[0].body["errorMessage"] == "the source broke half-way"
    assert gateway.documents.documents == {}, "nothing of it is stored"


async def test_a_failing_document_store_is_retried(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    source = gateway.documents.add(b"abc", fileName="a.txt")
    gateway.inject(Fault("getDocument", 500))
    gateway.inject(Fault("createDocument", 500))
    job = await _run_one(store, gateway, {"operation": "copy", "document": source.reference()})
    outcomes = store.outcomes_of(job.key)
    assert [o.kind for o in outcomes] == ["fail", "fail", "complete"]
    first, second = (o.body for o in outcomes[:2])
    assert first["retries"] == 2 and first["errorMessage"].startswith("document: GET ")
    assert "HTTP 500" in first["errorMessage"]
    assert second["retries"] == 1
    assert second["errorMessage"].startswith(
        "storing the document 'copy-of-a.txt' in Camunda: POST "
    )


# -- the store itself: codes and messages -----------------------------------------------------


async def _read_error(store: CamundaDocumentStore, reference: dict[str, Any]) -> ConnectorError:
    document = store.open(reference, "attachment")
    with pytest.raises(ConnectorError) as caught:
        await document.read()
    return caught.value


async def test_reading_errors_name_the_field_and_say_no_retry_helps(
    gateway: FakeRestGateway,
) -> None:
    rest = RestGateway(gateway.rest_address)
    documents = CamundaDocumentStore(rest.client, max_bytes=10)
    try:
        stored = gateway.documents.add(b"0123456789abcdef", fileName="a.txt")
        for change in ({"documentId": "nope"}, {"contentHash": "f" * 64}):
            unsized = {**stored.reference(), **change, "metadata": {}}
            error = await _read_error(documents, unsized)
            assert error.code == "DOCUMENT_NOT_FOUND" and not error.retryable
            assert error.message.startswith("attachment: the Camunda document ")
            assert error.variables["status"] in (400, 404)

        error = await _read_error(documents, {**stored.reference(), "metadata": {}})
        assert error.code == "DOCUMENT_TOO_LARGE" and not error.retryable
        assert error.message.startswith("attachment: ")

        with pytest.raises(DocumentError, match="is 16 bytes, more than the 10"):
            documents.open(stored.reference(), "attachment")
        with pytest.raises(DocumentError, match="needs its documentId"):
            documents.open({DOCUMENT_TYPE: "camunda"}, "attachment")

        gateway.inject(Fault("getDocument", 500))
        error = await _read_error(documents, {**stored.reference(), "metadata": {}})
        assert error.code == "INTERNAL_SERVER_ERROR" and error.retryable
    finally:
        await rest.aclose()


async def test_a_store_larger_than_the_limit_is_refused_before_sending(
    gateway: FakeRestGateway,
) -> None:
    rest = RestGateway(gateway.rest_address)
    documents = CamundaDocumentStore(rest.client, max_bytes=10)
    try:
        with pytest.raises(ConnectorError) as caught:
            await documents.save(Document.from_bytes(b"x" * 11, file_name="a.txt"), JobInfo())
        assert caught.value.code == "DOCUMENT_TOO_LARGE" and not caught.value.retryable
        assert caught.value.message == (
            "storing the document 'a.txt' in Camunda: it is 11 bytes, more than the 10 a job "
            "may store (document_max_bytes)"
        )
        assert gateway.uploads == []

        async def endless() -> Any:
            while True:
                yield b"y" * 4

        unsized = Document(endless, DocumentMetadata(file_name="b.txt"), limit=None)
        with pytest.raises(ConnectorError) as caught:
            await documents.save(unsized, JobInfo())
        assert caught.value.code == "DOCUMENT_TOO_LARGE"
        assert caught.value.message == (
            "storing the document 'b.txt' in Camunda: the document is larger than 10 bytes, "
            "the most a job may read"
        )
        assert gateway.documents.documents == {}, "nothing of a broken upload is stored"
    finally:
        await rest.aclose()


# -- authentication and transports ------------------------------------------------------------


def _oauth_settings(fake: FakeRestGateway, **changes: Any) -> CamundaSettings:
    return CamundaSettings(
        **{
            "rest_address": fake.url,
            "client_id": OAUTH.client_id,
            "client_secret": OAUTH.client_secret,
            "oauth_url": fake.token_url,
            "audience": OAUTH.audience,
            **changes,
        }
    )


async def test_documents_carry_the_workers_token_and_renew_a_refused_one(
    oauth_gateway: FakeRestGateway,
) -> None:
    settings = _oauth_settings(oauth_gateway)
    gateway = build_gateway(settings)
    documents = build_document_store(settings, gateway)
    try:
        first = await documents.save(Document.from_bytes(b"one", file_name="1.txt"), JobInfo())
        oauth_gateway.revoke_tokens()
        # The cached token is refused after the whole body went out: sent again, read afresh.
        second = await documents.save(Document.from_bytes(b"two", file_name="2.txt"), JobInfo())
        assert len(oauth_gateway.token_requests) == 2
        content = await documents.open(second, "document").read()
        assert content == b"two"
        assert first["documentId"] != second["documentId"]
    finally:
        await gateway.aclose()
        await documents.aclose()


async def test_over_grpc_documents_use_the_rest_api_with_the_same_credentials(
    oauth_gateway: FakeRestGateway,
) -> None:
    settings = _oauth_settings(oauth_gateway, protocol="grpc", grpc_address="127.0.0.1:1")
    gateway = build_gateway(settings)
    documents = build_document_store(settings, gateway)
    try:
        reference = await documents.save(Document.from_bytes(b"grpc", file_name="g.txt"), JobInfo())
        assert await documents.open(reference, "document").read() == b"grpc"
    finally:
        await documents.aclose()
        await gateway.aclose()


async def test_run_gives_jobs_the_clusters_documents_within_the_limit(
    store: JobStore, oauth_gateway: FakeRestGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith(("CAMUNDA_", "ZEEBE_", "TASKLINK_CAMUNDA_")):
            monkeypatch.delenv(name)
    settings = RuntimeSettings(
        engine="camunda",
        document_max_bytes=1000,
        engines={
            "camunda": {
                "rest_address": oauth_gateway.url,
                "request_timeout": 1,
                "client_id": OAUTH.client_id,
                "client_secret": OAUTH.client_secret,
                "oauth_url": oauth_gateway.token_url,
                "audience": OAUTH.audience,
            }
        },
    )
    small = oauth_gateway.documents.add(b"s" * 1000, fileName="small.txt")
    large = oauth_gateway.documents.add(b"l" * 1001, fileName="large.txt")
    jobs = [
        store.add(files.job_type, {"operation": "copy", "document": doc.reference()})
        for doc in (small, large)
    ]
    pipeline = Pipeline([files], settings, metrics=False)
    task = asyncio.ensure_future(run(settings, pipeline))
    try:
        await store.wait_for(lambda: store.done(*jobs))
    finally:
        pipeline.stop()
        await asyncio.wait_for(task, 10)
    assert [job.state for job in jobs] == ["completed", "incident"]
    assert len(oauth_gateway.uploads) == 1


# -- the fake's own contract checks -----------------------------------------------------------


async def test_the_fake_refuses_uploads_that_break_the_api(gateway: FakeRestGateway) -> None:
    async with httpx.AsyncClient(base_url=gateway.rest_address) as client:
        plain_metadata = await client.post(
            "/documents", files={"file": ("a.txt", b"a")}, data={"metadata": "{}"}
        )
        no_file = await client.post(
            "/documents", files={"metadata": ("m.json", b"{}", "application/json")}
        )
        not_multipart = await client.post("/documents", json={"file": "a"})
        stored = gateway.documents.add(b"abc")
        no_hash = await client.get(f"/documents/{stored.document_id}")
        deleted = await client.delete(f"/documents/{stored.document_id}")
        gone = await client.get(
            f"/documents/{stored.document_id}", params={"contentHash": stored.content_hash}
        )
    assert (plain_metadata.status_code, no_file.status_code) == (400, 400)
    assert not_multipart.status_code == 415
    assert "the API's encoding wants 'application/json'" in plain_metadata.json()["detail"]
    assert "'file' is a required property" in no_file.json()["detail"]
    assert no_hash.status_code == 400 and "No document hash" in no_hash.json()["detail"]
    assert (deleted.status_code, gone.status_code) == (204, 404)
    assert len(gateway.violations) == 3 and gateway.documents.documents == {}
    gateway.violations.clear()  # seen, and meant


def test_the_fake_serves_documents_from_a_process_of_its_own(camunda_spec: Any) -> None:
    # As benchmarks/camunda_overhead.py runs it: the gateway alone in a child process.
    kit = shared_kit_dir(HERE)
    assert kit is not None  # camunda_spec skips the test otherwise
    code = (
        "import asyncio, sys\n"
        f"sys.path.insert(0, {str(HERE)!r})\n"
        "from camunda_fakes import JobStore\n"
        "from camunda_fakes.rest import FakeRestGateway\n"
        "from tasklink.testing import OpenAPISpec\n"
        "async def main():\n"
        f"    spec = OpenAPISpec.load({str(kit / SPEC_PATH)!r})\n"
        "    fake = FakeRestGateway(JobStore(), spec)\n"
        "    url = await fake.start()\n"
        "    print(url, flush=True)\n"
        "    await asyncio.Event().wait()\n"
        "asyncio.run(main())\n"
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        size = 3 * MiB + 5
        with httpx.Client(base_url=url, timeout=30) as client:
            reference = client.post("/_control/documents", json={"size": size}).json()
            hasher = hashlib.sha256()
            with client.stream(
                "GET",
                f"/v2/documents/{reference['documentId']}",
                params={"contentHash": reference["contentHash"]},
            ) as response:
                for chunk in response.iter_bytes():
                    hasher.update(chunk)
            assert hasher.hexdigest() == reference["contentHash"] == _sha256(pattern(size))
            assert client.get("/_control/violations").json() == {"violations": []}
    finally:
        process.terminate()
        process.wait(10)
