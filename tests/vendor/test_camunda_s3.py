"""Processes modelled with Camunda's own AWS S3 template run on tasklink unchanged.

Every version of Camunda's AWS S3 template (``aws-s3-outbound-connector.json`` of the npm
package ``@camunda/connectors-element-templates``: versions 1 to 8) is applied to service
tasks as the modeler does, for every action its form offers, and the jobs run through the
Camunda worker (the fake Orchestration Cluster gateway, every exchange checked against the
official API document; documents through its document store) on the S3 connector's
Camunda contract, against a moto server (a real S3 API over HTTP, reached through the
template's hidden ``configuration.endpoint`` with path-style addressing).
"""

from __future__ import annotations

import json
import logging
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tasklink.core import MappingSecretProvider, RedactingFilter
from tasklink.s3._contracts import camunda as camunda_s3
from tasklink.testing.vendor_templates import (
    AppliedTemplate,
    apply_template,
    camunda_template,
    templates_dir,
)

ROOT = Path(__file__).resolve().parents[2]
for folder in (
    ROOT / "packages" / "runtime" / "tests" / "camunda",
    ROOT / "packages" / "s3" / "tests",
):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from camunda_fakes import WorkerHarness  # noqa: E402
from camunda_fakes.process import spec_checked_gateway  # noqa: E402
from camunda_fakes.rest import FakeRestGateway  # noqa: E402
from moto_server import ACCESS_KEY, SECRET_KEY, start_moto_server  # noqa: E402

from tasklink.runtime.camunda import CamundaDocumentStore, RestGateway  # noqa: E402

TEMPLATE = "aws-s3-outbound-connector"
JOB_TYPE = "io.camunda:aws-s3:1"
SECRETS = {"S3_ACCESS_KEY": ACCESS_KEY, "S3_SECRET_KEY": SECRET_KEY}
REPORT = b"%PDF-1.4 quarterly report"


def official_versions() -> list[dict[str, Any]]:
    """Every version of the template the npm package holds (none when not installed)."""
    folder = templates_dir()
    if folder is None or not (folder / f"{TEMPLATE}.json").is_file():
        return []
    loaded = json.loads((folder / f"{TEMPLATE}.json").read_text("utf-8"))
    versions = loaded if isinstance(loaded, list) else [loaded]
    return sorted(versions, key=lambda t: int(t.get("version", 0)))


VERSIONS = official_versions()


def version_id(template: dict[str, Any]) -> str:
    return f"v{template.get('version', 0)}"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server = start_moto_server()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def s3_client(moto_url: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(s3={"addressing_style": "path"}),
    )


@pytest.fixture
def bucket(s3_client: Any) -> str:
    name = f"vendor-{uuid.uuid4().hex[:16]}"
    s3_client.create_bucket(Bucket=name)
    return name


@pytest.fixture
async def gateway() -> AsyncIterator[FakeRestGateway]:
    async with spec_checked_gateway() as fake:
        yield fake


async def run(
    gateway: FakeRestGateway,
    *applied: AppliedTemplate,
    caplog: pytest.LogCaptureFixture | None = None,
) -> list[dict[str, Any]]:
    """Each job's last command, after the worker ran them one after the other."""
    store = gateway.store
    jobs = []
    for job in applied:
        assert job.job_type == JOB_TYPE
        jobs.append(
            store.add(
                str(job.job_type),
                job.variables,
                headers=job.headers,
                retries=job.retries if job.retries is not None else 3,
            )
        )
    rest = RestGateway(gateway.rest_address)
    harness = WorkerHarness(
        [camunda_s3],
        rest,
        secrets=MappingSecretProvider(SECRETS),
        documents=CamundaDocumentStore(rest.client),
        concurrency=1,
    )
    if caplog is not None:
        caplog.handler.addFilter(RedactingFilter(harness.pipeline.redactor))
    async with harness:
        await store.wait_for(lambda: store.done(*jobs), timeout=60)
    return [
        {"kind": last.kind, **last.body}
        for last in (store.outcomes_of(job.key)[-1] for job in jobs)
    ]


def common(template: dict[str, Any], action: str, moto_url: str) -> dict[str, Any]:
    """What every task fills in: the action, the key pair (the secret key from a secret),
    the region, the endpoint (hidden in the form; set in the diagram's XML) and the
    result variable."""
    return {
        "actionDiscriminator": action,
        "authentication.type": "credentials",
        "authentication.accessKey": "{{secrets.S3_ACCESS_KEY}}",
        "authentication.secretKey": "{{secrets.S3_SECRET_KEY}}",
        "configuration.region": "us-east-1",
        "configuration.endpoint": moto_url,
        "resultVariable": "result",
        "retryBackoff": "PT0S",
    }


def upload_values(template: dict[str, Any], bucket: str, key: str | None) -> dict[str, Any]:
    """The upload's inputs as each version's form takes them: versions 1 and 2 a FEEL
    document expression; later ones the document source helpers."""
    values: dict[str, Any] = {"uploadActionBucket": bucket}
    if key is not None:
        values["uploadActionKey"] = key
    if int(template.get("version", 0)) <= 2:
        values["uploadActionDocument"] = "report"  # feel: required, the modeler adds "="
    else:
        values["action_document_documentSource"] = "camunda"
        values["action_document_camundaReference"] = "=report"
    return values


def stored(gateway: FakeRestGateway, reference: dict[str, Any]) -> bytes:
    assert reference["camunda.document.type"] == "camunda", reference
    document = gateway.documents.get(reference["documentId"])
    assert document is not None
    return b"".join(document.chunks())


@pytest.mark.parametrize("template", VERSIONS, ids=[version_id(t) for t in VERSIONS])
async def test_each_version_runs_every_action_it_offers(
    template: dict[str, Any],
    gateway: FakeRestGateway,
    moto_url: str,
    s3_client: Any,
    bucket: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    version = int(template.get("version", 0))
    report = gateway.documents.add(REPORT, fileName="report.pdf", contentType="application/pdf")
    process = {"report": report.reference()}
    s3_client.put_object(
        Bucket=bucket, Key="seed/notes.txt", Body=b"notes", ContentType="text/plain"
    )
    s3_client.put_object(Bucket=bucket, Key="seed/old.txt", Body=b"old")
    [prop] = [p for p in template["properties"] if p.get("id") == "actionDiscriminator"]
    assert {c["value"] for c in prop["choices"]} == {
        "uploadObject",
        "downloadObject",
        "deleteObject",
    }

    def task(action: str, values: dict[str, Any]) -> AppliedTemplate:
        return apply_template(
            template, {**common(template, action, moto_url), **values}, variables=process
        )

    upload = task("uploadObject", upload_values(template, bucket, f"v{version}/report.pdf"))
    download = task(
        "downloadObject", {"downloadActionBucket": bucket, "downloadActionKey": "seed/notes.txt"}
    )
    delete = task("deleteObject", {"deleteActionBucket": bucket, "deleteActionKey": "seed/old.txt"})
    uploaded, downloaded, deleted = await run(gateway, upload, download, delete, caplog=caplog)

    if 3 <= version <= 6:
        # These versions' document expression reads its helpers without the "action."
        # they are mapped under: the engine maps action.document null, and Camunda's
        # validation (as this contract's) refuses the job; version 7 fixed the expression.
        assert upload.variables["action"].get("document") is None
        assert (uploaded["kind"], uploaded["retries"]) == ("fail", 0), uploaded
        assert "action.document: required" in uploaded["errorMessage"]
    else:
        assert uploaded["kind"] == "complete", uploaded
        assert uploaded["variables"]["result"] == {
            "bucket": bucket,
            "key": f"v{version}/report.pdf",
            "link": f"https://{bucket}.s3.amazonaws.com/v{version}/report.pdf",
        }
        answer = s3_client.get_object(Bucket=bucket, Key=f"v{version}/report.pdf")
        assert (answer["Body"].read(), answer["ContentType"]) == (REPORT, "application/pdf")

    # Versions 1 to 4: asFile (true by default); 5 on: documentReturnFormat DOCUMENT.
    assert ("documentReturnFormat" in download.variables) == (version >= 5)
    assert downloaded["kind"] == "complete", downloaded
    result = downloaded["variables"]["result"]
    assert (result["bucket"], result["key"], list(result["element"])) == (
        bucket,
        "seed/notes.txt",
        ["document"],
    )
    reference = result["element"]["document"]
    assert stored(gateway, reference) == b"notes"
    assert reference["metadata"]["fileName"] == "seed/notes.txt"
    assert reference["metadata"]["contentType"] == "text/plain"

    assert deleted["kind"] == "complete", deleted
    assert deleted["variables"] == {"result": {"bucket": bucket, "key": "seed/old.txt"}}
    keys = {o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket).get("Contents", [])}
    assert "seed/old.txt" not in keys

    everything = json.dumps([uploaded, downloaded, deleted]) + "\n".join(
        r.getMessage() for r in caplog.records
    )
    assert SECRET_KEY not in everything


async def test_inline_and_unnamed_uploads_text_and_json_downloads_of_the_latest(
    gateway: FakeRestGateway, moto_url: str, s3_client: Any, bucket: str
) -> None:
    template = camunda_template(TEMPLATE)
    base = common(template, "uploadObject", moto_url)
    inline = apply_template(
        template,
        {
            **base,
            "uploadActionBucket": bucket,
            "action_document_documentSource": "inline",
            "action_document_inline_content": '{"orderId": 42}',
            "action_document_inline_fileName": "order.json",
            "action_document_inline_contentType": "application/json",
        },
    )
    base = common(template, "downloadObject", moto_url)
    as_json = apply_template(
        template,
        {
            **base,
            "downloadActionBucket": bucket,
            "downloadActionKey": "order.json",
            "documentReturnFormat": "JSON",
        },
    )
    as_text = apply_template(
        template,
        {
            **base,
            "downloadActionBucket": bucket,
            "downloadActionKey": "order.json",
            "documentReturnFormat": "TEXT",
            "resultExpression": "={orderText: element.content}",
        },
    )
    uploaded, parsed, text = await run(gateway, inline, as_json, as_text)
    assert uploaded["kind"] == "complete", uploaded
    # No key: stored under the document's file name; Camunda's result names no key.
    assert uploaded["variables"]["result"] == {
        "bucket": bucket,
        "key": None,
        "link": f"https://{bucket}.s3.amazonaws.com/null",
    }
    assert parsed["variables"]["result"]["element"] == {"content": {"orderId": 42}}
    assert text["variables"]["orderText"] == '{"orderId": 42}'
    assert s3_client.head_object(Bucket=bucket, Key="order.json")["ContentType"] == (
        "application/json"
    )


async def test_a_stored_credential_of_version_8(
    gateway: FakeRestGateway, moto_url: str, s3_client: Any, bucket: str
) -> None:
    template = camunda_template(TEMPLATE, version=8)
    s3_client.put_object(Bucket=bucket, Key="k.txt", Body=b"x")
    credential = {
        "authentication": {
            "type": "credentials",
            "accessKey": ACCESS_KEY,
            "secretKey": "{{secrets.S3_SECRET_KEY}}",
        },
        "region": "us-east-1",
    }
    applied = apply_template(
        template,
        {
            "actionDiscriminator": "deleteObject",
            "awsCredential": "=credential",
            "deleteActionBucket": bucket,
            "deleteActionKey": "k.txt",
            "resultVariable": "result",
        },
        variables={"credential": credential},
    )
    # With a credential the form hides authentication, region and endpoint: the endpoint
    # comes from the diagram's XML, as for the other versions.
    assert "authentication" not in applied.variables
    applied.variables["configuration"] = {"endpoint": moto_url}
    [outcome] = await run(gateway, applied)
    assert outcome["kind"] == "complete", outcome
    assert outcome["variables"]["result"] == {"bucket": bucket, "key": "k.txt"}


async def test_errors_reach_the_error_expression_and_the_secret_stays_masked(
    gateway: FakeRestGateway,
    moto_url: str,
    bucket: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    template = camunda_template(TEMPLATE)
    caught = apply_template(
        template,
        {
            **common(template, "downloadObject", moto_url),
            "downloadActionBucket": bucket,
            "downloadActionKey": "missing.txt",
            "documentReturnFormat": "TEXT",
            "errorExpression": '=if error.code = "NOT_FOUND" then '
            'bpmnError("NO_OBJECT", error.message, {s3: error.variables.error}) else null',
        },
    )
    incident = apply_template(
        template,
        {
            **common(template, "deleteObject", moto_url),
            "deleteActionBucket": "no-such-bucket-here",
            "deleteActionKey": "k",
        },
    )
    error, failed = await run(gateway, caught, incident, caplog=caplog)
    assert error == {
        "kind": "error",
        "errorCode": "NO_OBJECT",
        "errorMessage": error["errorMessage"],
        "variables": {"s3": "NoSuchKey"},
    }
    assert f"s3://{bucket}/missing.txt" in error["errorMessage"]
    # A missing bucket is final for tasklink: an incident at once, not three retries.
    assert (failed["kind"], failed["retries"]) == ("fail", 0), failed
    assert "NoSuchBucket" in failed["errorMessage"]
    everything = json.dumps([error, failed]) + "\n".join(r.getMessage() for r in caplog.records)
    assert SECRET_KEY not in everything
