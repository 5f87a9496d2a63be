"""A process keeping files in S3 runs on tasklink's Activiti runtime: integration requests
for ``s3.<ACTION>``, published over the real RabbitMQ as an Activiti runtime bundle
publishes them (``packages/runtime/tests/support/activiti_bundle.py``), answered by the
Activiti adapter against the moto server (a real S3 API over HTTP, with state, so the
sequence is real).

Each service task maps the connection with the secret key as ``{{secrets.S3_SECRET_KEY}}``
(the runtime resolves it from its secret provider); its outputs become process variables
(APA's output mapping) which later tasks map to their inputs. Documents travel inline
(Activiti has no document store). A declared error code reaches the process as a BPMN
error (``CloudBpmnError``) that an error boundary event catches by code.
"""

from __future__ import annotations

import base64
import json
import logging
import sys
import urllib.request
import uuid
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from moto_server import ACCESS_KEY, SECRET_KEY

from tasklink.core import MappingSecretProvider
from tasklink.runtime import Pipeline
from tasklink.s3 import connector

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

REPORT = b"order,total\n42,99.50\n43,12.00\n"


@pytest.fixture
async def bundle() -> AsyncIterator[RuntimeBundle]:
    async with started_bundle() as started:
        yield started


@pytest.fixture
async def process(moto_server: str, bundle: RuntimeBundle) -> AsyncIterator[ActivitiProcess]:
    """The Activiti runtime serving the S3 connector, the secret key in its secret
    ``S3_SECRET_KEY``, and a process instance to send tasks for."""
    settings = activiti_settings(bundle, concurrency=4)
    pipeline = Pipeline(
        [connector], settings, secrets=MappingSecretProvider({"S3_SECRET_KEY": SECRET_KEY})
    )
    connection = {
        "endpoint": moto_server,
        "pathStyle": True,
        "region": "eu-west-1",
        "authentication": {
            "type": "credentials",
            "accessKey": ACCESS_KEY,
            "secretKey": "{{secrets.S3_SECRET_KEY}}",
        },
    }
    async with served(bundle, pipeline) as adapter:
        yield ActivitiProcess(bundle, pipeline, adapter, "s3", connection)


def _inline_content(reference: Mapping[str, Any]) -> bytes:
    assert reference["camunda.document.type"] == "inline", reference
    content = str(reference["content"])
    return base64.b64decode(content) if reference.get("encoding") == "base64" else content.encode()


async def test_an_s3_process_runs_through_the_activiti_adapter(
    process: ActivitiProcess, s3_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    p = process
    bucket = f"wf-{uuid.uuid4().hex[:16]}"

    # CREATE_BUCKET in the connection's region.
    await p.ok("CREATE_BUCKET", {"bucket": bucket}, bucketName="bucket")
    assert s3_client.get_bucket_location(Bucket=p.variables["bucketName"])[
        "LocationConstraint"
    ] == ("eu-west-1")

    # UPLOAD_OBJECT of an inline document, then of text.
    document = {
        "camunda.document.type": "inline",
        "content": base64.b64encode(REPORT).decode(),
        "encoding": "base64",
        "fileName": "orders.csv",
        "contentType": "text/csv",
    }
    out = await p.ok(
        "UPLOAD_OBJECT",
        {"bucket": p.variables["bucketName"], "key": "reports/q1.csv", "document": document},
        reportKey="key",
    )
    assert (out["size"], out["contentType"]) == (len(REPORT), "text/csv")
    await p.ok(
        "UPLOAD_OBJECT",
        {"bucket": bucket, "key": "notes/readme.txt", "text": "Quarterly orders \u2705"},
    )

    # LIST_OBJECTS one folder level: the keys become a process variable.
    out = await p.ok("LIST_OBJECTS", {"bucket": bucket, "delimiter": "/"}, folders="commonPrefixes")
    assert p.variables["folders"] == ["notes/", "reports/"]
    out = await p.ok("LIST_OBJECTS", {"bucket": bucket, "prefix": "reports/"})
    assert [o["key"] for o in out["objects"]] == ["reports/q1.csv"]

    # HEAD_OBJECT of the key mapped from the upload.
    out = await p.ok("HEAD_OBJECT", {"bucket": bucket, "key": p.variables["reportKey"]})
    assert (out["size"], out["contentType"]) == (len(REPORT), "text/csv")

    # COPY_OBJECT to an archive key, then DOWNLOAD_OBJECT of the copy (inline document).
    await p.ok(
        "COPY_OBJECT",
        {
            "sourceBucket": bucket,
            "sourceKey": p.variables["reportKey"],
            "bucket": bucket,
            "key": "archive/q1.csv",
        },
        archived="key",
    )
    out = await p.ok(
        "DOWNLOAD_OBJECT", {"bucket": bucket, "key": p.variables["archived"]}, report="document"
    )
    assert _inline_content(p.variables["report"]) == REPORT
    out = await p.ok(
        "DOWNLOAD_OBJECT", {"bucket": bucket, "key": "notes/readme.txt", "outputFormat": "text"}
    )
    assert out["text"] == "Quarterly orders \u2705"

    # PRESIGN_URL for GET: the URL reads the object without credentials.
    out = await p.ok(
        "PRESIGN_URL", {"bucket": bucket, "key": "archive/q1.csv", "method": "GET"}, link="url"
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(p.variables["link"], timeout=10) as answer:
        assert answer.read() == REPORT

    # DELETE_OBJECTS of two keys.
    out = await p.ok(
        "DELETE_OBJECTS", {"bucket": bucket, "keys": ["reports/q1.csv", "notes/readme.txt"]}
    )
    assert sorted(out["deleted"]) == ["notes/readme.txt", "reports/q1.csv"]
    left = s3_client.list_objects_v2(Bucket=bucket).get("Contents", [])
    assert [o["Key"] for o in left] == ["archive/q1.csv"]

    # A key that is gone: NoSuchKey is NOT_FOUND, a BPMN error the boundary catches.
    kind, reply, execution = await p.task(
        "DOWNLOAD_OBJECT",
        {"bucket": bucket, "key": "reports/q1.csv", "outputFormat": "text"},
        ErrorBoundary("Forbidden", "FORBIDDEN"),
        ErrorBoundary("ObjectMissing", "NOT_FOUND"),
    )
    assert kind == "error"
    assert (reply["errorClassName"], reply["errorCode"]) == (CLOUD_BPMN_ERROR_CLASS, "NOT_FOUND")
    assert f"s3://{bucket}/reports/q1.csv" in reply["errorMessage"]
    assert reply["integrationContext"]["outBoundVariables"]["error"] == "NoSuchKey"
    assert (execution.state, execution.caught_by, execution.bpmn_error) == (
        "caught",
        "ObjectMissing",
        "NOT_FOUND",
    )

    # The secret key never reached a reply, a process variable or a log line.
    assert SECRET_KEY not in json.dumps(p.replies)
    assert SECRET_KEY not in json.dumps([e.variables for e in p.bundle.executions.values()])
    assert caplog.records, "the runtime logged nothing to check"
    assert SECRET_KEY not in caplog.text
    assert SECRET_KEY not in "\n".join(str(r.__dict__) for r in caplog.records)
