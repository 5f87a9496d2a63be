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

import asyncio
import base64
import json
import logging
import socket
import sys
import urllib.request
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from moto_server import ACCESS_KEY, SECRET_KEY

from tasklink.core import MappingSecretProvider
from tasklink.runtime import Pipeline, RuntimeSettings, serve
from tasklink.runtime.activiti import ActivitiAdapter, ActivitiSettings
from tasklink.s3 import connector

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

REPORT = b"order,total\n42,99.50\n43,12.00\n"


def _rabbitmq_running() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=2):
            return True
    except OSError:
        return False


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
    """One process instance: its variables, and its service tasks sent one after the
    other as integration requests."""

    bundle: RuntimeBundle
    pipeline: Pipeline
    adapter: ActivitiAdapter
    connection: dict[str, Any]
    variables: dict[str, Any] = field(default_factory=dict)
    replies: list[dict[str, Any]] = field(default_factory=list)

    async def task(
        self,
        action: str,
        inputs: Mapping[str, Any],
        *boundaries: ErrorBoundary,
        outputs: Mapping[str, str] | None = None,
    ) -> tuple[str, dict[str, Any], Execution]:
        """Run the service task ``implementation="s3.<action>"`` with the connection and
        the mapped ``inputs``; ``outputs`` maps process variables to the connector's
        outputs. The kind of reply (``result`` or ``error``), the reply, the execution."""
        implementation = f"s3.{action}"
        variables = {**self.connection, **inputs}
        request = self.bundle.request(implementation, variables, boundaries=boundaries)
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
async def process(moto_server: str, bundle: RuntimeBundle) -> AsyncIterator[Process]:
    """The Activiti runtime serving the S3 connector, the secret key in its secret
    ``S3_SECRET_KEY``, and a process instance to send tasks for."""
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
        [connector], settings, secrets=MappingSecretProvider({"S3_SECRET_KEY": SECRET_KEY})
    )
    adapter = ActivitiAdapter(settings.section("activiti", ActivitiSettings), pipeline)
    task = asyncio.create_task(serve(settings, pipeline=pipeline, handle_signals=False))
    ready = asyncio.ensure_future(pipeline.wait_ready())
    await asyncio.wait([ready, task], timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        ready.cancel()
        task.result()
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
    try:
        yield Process(bundle, pipeline, adapter, connection)
    finally:
        pipeline.stop()
        await asyncio.wait_for(task, 30)
        names = {adapter.destination(op) for op in connector.operations.values()}
        queues = {f"{n}.tasklink" for n in names} | {f"{n}.tasklink.dlq" for n in names}
        await bundle.cleanup(names, queues)


def _inline_content(reference: Mapping[str, Any]) -> bytes:
    assert reference["camunda.document.type"] == "inline", reference
    content = str(reference["content"])
    return base64.b64decode(content) if reference.get("encoding") == "base64" else content.encode()


async def test_an_s3_process_runs_through_the_activiti_adapter(
    process: Process, s3_client: Any, caplog: pytest.LogCaptureFixture
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
