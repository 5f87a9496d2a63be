"""The same S3 process on Camunda 8: jobs of type ``tasklink:s3:1`` with the ``operation``
header, run by the Camunda worker against the fake Orchestration Cluster gateway
(``packages/runtime/tests/camunda/camunda_fakes``: every exchange checked against the
official API document; documents in its document store) and the moto server (a real S3
API over HTTP).

Each job's variables are what the engine hands the worker: the process's variables plus
the task's input mappings (the secret key among them as ``{{secrets.S3_SECRET_KEY}}``).
Outputs come back through the ``resultVariable`` and ``resultExpression`` headers and
become the next jobs' inputs; a failure becomes an incident, or a BPMN error through
``errorExpression``.
"""

from __future__ import annotations

import json
import logging
import sys
import urllib.request
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from moto_server import ACCESS_KEY, SECRET_KEY

from tasklink.core import MappingSecretProvider
from tasklink.s3 import connector

ROOT = Path(__file__).resolve().parents[3]
FAKES = ROOT / "packages" / "runtime" / "tests" / "camunda"
if str(FAKES) not in sys.path:
    sys.path.insert(0, str(FAKES))

from camunda_fakes import WorkerHarness  # noqa: E402
from camunda_fakes.process import CamundaProcess, spec_checked_gateway  # noqa: E402
from camunda_fakes.rest import FakeRestGateway  # noqa: E402

from tasklink.runtime.camunda import CamundaDocumentStore, RestGateway  # noqa: E402

JOB_TYPE = "tasklink:s3:1"
REPORT = b"order,total\n42,99.50\n43,12.00\n"
NOT_FOUND_AS_BPMN_ERROR = (
    '=if error.code = "NOT_FOUND" then bpmnError("OBJECT_MISSING", error.message, '
    "{s3Error: error.variables.error, key: error.variables.key}) else null"
)


@pytest.fixture
async def gateway() -> AsyncIterator[FakeRestGateway]:
    async with spec_checked_gateway() as fake:
        yield fake


async def test_an_s3_process_runs_through_the_camunda_worker(
    moto_server: str,
    s3_client: Any,
    gateway: FakeRestGateway,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    store = gateway.store
    rest = RestGateway(gateway.rest_address)
    harness = WorkerHarness(
        [connector],
        rest,
        secrets=MappingSecretProvider({"S3_SECRET_KEY": SECRET_KEY}),
        documents=CamundaDocumentStore(rest.client),
        concurrency=1,
    )
    bucket = f"wf-{uuid.uuid4().hex[:16]}"
    p = CamundaProcess(
        store,
        JOB_TYPE,
        {
            "endpoint": moto_server,
            "pathStyle": True,
            "region": "us-east-1",
            "authentication": {
                "type": "credentials",
                "accessKey": ACCESS_KEY,
                "secretKey": "{{secrets.S3_SECRET_KEY}}",
            },
        },
        variables={"bucketName": bucket},
    )
    report = gateway.documents.add(REPORT, fileName="orders.csv", contentType="text/csv")
    async with harness:
        await p.ok("create_bucket", {"bucket": p.variables["bucketName"]})
        assert s3_client.head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200

        # Upload a Camunda document and a text; the key through resultExpression.
        out = await p.ok(
            "upload_object",
            {"bucket": bucket, "key": "reports/q1.csv", "document": report.reference()},
            resultExpression="={reportKey: key, reportEtag: etag}",
        )
        assert out["reportKey"] == "reports/q1.csv" and out["reportEtag"]
        await p.ok(
            "upload_object",
            {"bucket": bucket, "key": "notes/readme.txt", "text": "Quarterly orders"},
        )

        # List, head.
        out = await p.ok(
            "list_objects",
            {"bucket": bucket, "prefix": "reports/"},
            resultExpression="={reportKeys: for o in objects return o.key}",
        )
        assert out["reportKeys"] == ["reports/q1.csv"]
        out = await p.ok(
            "head_object",
            {"bucket": bucket, "key": p.variables["reportKey"]},
            resultVariable="meta",
        )
        assert (out["meta"]["size"], out["meta"]["contentType"]) == (len(REPORT), "text/csv")

        # Copy, then download the copy as a document: it lands in the cluster's store.
        await p.ok(
            "copy_object",
            {
                "sourceBucket": bucket,
                "sourceKey": p.variables["reportKey"],
                "bucket": bucket,
                "key": "archive/q1.csv",
            },
            resultExpression="={archivedKey: key}",
        )
        out = await p.ok(
            "download_object",
            {"bucket": bucket, "key": p.variables["archivedKey"]},
            resultExpression="={archived: document}",
        )
        reference = out["archived"]
        assert reference["camunda.document.type"] == "camunda"
        stored = gateway.documents.get(reference["documentId"])
        assert stored is not None and b"".join(stored.chunks()) == REPORT
        assert (stored.metadata["fileName"], stored.metadata["contentType"]) == (
            "q1.csv",
            "text/csv",
        )

        # A presigned GET reads the object without credentials.
        out = await p.ok(
            "presign_url",
            {"bucket": bucket, "key": "archive/q1.csv", "expiresInSeconds": 300},
            resultExpression="={link: url}",
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(out["link"], timeout=10) as answer:
            assert answer.read() == REPORT

        # Delete the originals.
        out = await p.ok(
            "delete_objects",
            {"bucket": bucket, "keys": ["reports/q1.csv", "notes/readme.txt"]},
            resultVariable="deletion",
        )
        assert sorted(out["deletion"]["deleted"]) == ["notes/readme.txt", "reports/q1.csv"]

        # NoSuchKey: NOT_FOUND, a BPMN error through errorExpression.
        thrown = await p.task(
            "download_object",
            {"bucket": bucket, "key": "reports/q1.csv", "outputFormat": "text"},
            errorExpression=NOT_FOUND_AS_BPMN_ERROR,
        )
        assert (thrown["kind"], thrown["errorCode"]) == ("error", "OBJECT_MISSING")
        assert f"s3://{bucket}/reports/q1.csv" in thrown["errorMessage"]
        assert thrown["variables"] == {"s3Error": "NoSuchKey", "key": "reports/q1.csv"}
        # Without an error expression: an incident at once (not retried).
        incident = await p.task("head_object", {"bucket": bucket, "key": "reports/q1.csv"})
        assert (incident["kind"], incident["retries"]) == ("fail", 0), incident

    left = s3_client.list_objects_v2(Bucket=bucket).get("Contents", [])
    assert [o["Key"] for o in left] == ["archive/q1.csv"]
    # Every job ran once; the secret key never reached a command, a variable or a log line.
    assert all(job.activations == 1 for job in store.jobs.values())
    assert SECRET_KEY not in json.dumps(p.outcomes)
    assert SECRET_KEY not in json.dumps(store.outcomes, default=str)
    assert caplog.records, "the worker logged nothing to check"
    assert SECRET_KEY not in caplog.text
    assert SECRET_KEY not in "\n".join(str(r.__dict__) for r in caplog.records)
