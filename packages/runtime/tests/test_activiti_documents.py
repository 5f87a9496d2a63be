"""Documents over Activiti: inline references in, inline documents out (bounded), against
the real RabbitMQ with the stand-in runtime bundle."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from activiti_bundle import RuntimeBundle
from document_fixtures import files

from tasklink.core import DOCUMENT_TYPE, MappingSecretProvider
from tasklink.core.templates import activiti_error_codes
from tasklink.runtime import Pipeline, RuntimeSettings, serve
from tasklink.runtime.activiti import CLOUD_BPMN_ERROR, ActivitiAdapter, ActivitiSettings


@pytest.fixture
async def runtime(
    rabbitmq_url: str, prefix: str, bundle: RuntimeBundle
) -> AsyncIterator[ActivitiAdapter]:
    """The runtime serving ``files``, answering documents of up to 100 bytes inline."""
    settings = RuntimeSettings(
        engine="activiti",
        concurrency=4,
        document_max_bytes=1000,
        engines={
            "activiti": {
                "url": rabbitmq_url,
                "destination_prefix": prefix,
                "retries": 1,
                "inline_document_max_bytes": 100,
                "connection_name": f"tasklink-test-{prefix}",
            }
        },
    )
    pipeline = Pipeline([files], settings, secrets=MappingSecretProvider({}))
    names = ActivitiAdapter(settings.section("activiti", ActivitiSettings), pipeline)
    task = asyncio.create_task(serve(settings, pipeline=pipeline, handle_signals=False))
    await asyncio.wait_for(pipeline.wait_ready(), 30)
    try:
        yield names
    finally:
        pipeline.stop()
        await asyncio.wait_for(task, 30)
        destinations = {names.destination(op) for op in files.operations.values()}
        queues = {f"{d}.tasklink{dlq}" for d in destinations for dlq in ("", ".dlq")}
        await bundle.cleanup(destinations, queues)


async def _call(
    runtime: ActivitiAdapter, bundle: RuntimeBundle, operation: str, variables: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    request = bundle.request(f"files.{operation.upper()}", variables)
    context_id = request["integrationContext"]["id"]
    await bundle.publish(runtime.destination(files.operations[operation]), request)
    [reply] = await bundle.wait_for(context_id)
    return bundle.kinds[context_id][0], reply


def _inline(content: bytes, name: str) -> dict[str, Any]:
    return {
        DOCUMENT_TYPE: "inline",
        "content": base64.b64encode(content).decode(),
        "encoding": "base64",
        "name": name,
    }


async def test_inline_documents_in_and_out(runtime: ActivitiAdapter, bundle: RuntimeBundle) -> None:
    content = b"\x00binary\xff" * 10
    # A document travels as a json variable, typed or plain.
    typed = {"type": "json", "value": json.dumps(_inline(content, "a.bin"))}
    kind, reply = await _call(runtime, bundle, "copy", {"document": typed})
    assert kind == "result", reply
    out = reply["integrationContext"]["outBoundVariables"]
    assert out["sha256"] == hashlib.sha256(content).hexdigest()
    assert out["document"] == {
        DOCUMENT_TYPE: "inline",
        "content": base64.b64encode(content).decode(),
        "encoding": "base64",
        "size": len(content),
        "name": "copy-of-a.bin",
        "customProperties": {"copiedBy": "files.copy"},
    }


async def test_documents_past_the_limits_are_errors(
    runtime: ActivitiAdapter, bundle: RuntimeBundle
) -> None:
    # Both codes are in the definition's errors (the connector takes documents): BPMN
    # errors a boundary event catches.
    assert {"DOCUMENT_TOO_LARGE", "INVALID_INPUT"} <= activiti_error_codes(files)
    kind, reply = await _call(runtime, bundle, "copy", {"document": _inline(b"x" * 101, "b")})
    assert (kind, reply["errorCode"]) == ("error", "DOCUMENT_TOO_LARGE")
    assert reply["errorClassName"] == CLOUD_BPMN_ERROR
    assert "larger than 100 bytes, the most that is answered inline" in reply["errorMessage"]

    kind, reply = await _call(runtime, bundle, "digest", {"document": _inline(b"y" * 1001, "c")})
    assert (kind, reply["errorCode"]) == ("error", "INVALID_INPUT")
    assert reply["errorClassName"] == CLOUD_BPMN_ERROR
    assert reply["errorMessage"].startswith("invalid input: document: ")

    # An Alfresco file variable is not a document reference (yet): it stays as it is.
    node = {"type": "file", "value": '[{"id": "node-1", "name": "a.pdf"}]'}
    kind, reply = await _call(runtime, bundle, "digest", {"document": node})
    assert (kind, reply["errorCode"]) == ("error", "INVALID_INPUT")
    assert "must be a document reference" in reply["errorMessage"]
