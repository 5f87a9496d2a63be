"""A process posting to Slack runs on tasklink's Activiti runtime: integration requests for
``slack.<ACTION>``, published over the real RabbitMQ as an Activiti runtime bundle
publishes them (``packages/runtime/tests/support/activiti_bundle.py``), answered by the
Activiti adapter against the fake Slack (``slack``: every exchange checked against
Slack's Web API document, with state, so the sequence is real).

Each service task maps the token as ``{{secrets.SLACK_TOKEN}}`` (the runtime resolves it
from its secret provider); its outputs become process variables (APA's output mapping)
which later tasks map to their inputs, the thread's ``ts`` among them. A declared error
code reaches the process as a BPMN error (``CloudBpmnError``) that an error boundary
event catches by code.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from slack_support import FakeSlack

from tasklink.core import MappingSecretProvider
from tasklink.runtime import Pipeline, RuntimeSettings, serve
from tasklink.runtime.activiti import ActivitiAdapter, ActivitiSettings
from tasklink.slack import connector

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

TOKEN_REF = "{{secrets.SLACK_TOKEN}}"
REPORT = b"order,total\n42,99.50\n"


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
        """Run the service task ``implementation="slack.<action>"`` with the connection
        and the mapped ``inputs``; ``outputs`` maps process variables to the connector's
        outputs, applied when the task completes. The kind of reply (``result`` or
        ``error``), the reply, and the execution of the task."""
        implementation = f"slack.{action}"
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
async def process(slack: FakeSlack, bundle: RuntimeBundle) -> AsyncIterator[Process]:
    """The Activiti runtime serving the Slack connector, the bot token in its secret
    ``SLACK_TOKEN``, and a process instance to send tasks for."""
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
        [connector], settings, secrets=MappingSecretProvider({"SLACK_TOKEN": slack.token})
    )
    adapter = ActivitiAdapter(settings.section("activiti", ActivitiSettings), pipeline)
    task = asyncio.create_task(serve(settings, pipeline=pipeline, handle_signals=False))
    ready = asyncio.ensure_future(pipeline.wait_ready())
    await asyncio.wait([ready, task], timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        ready.cancel()
        task.result()
    try:
        yield Process(bundle, pipeline, adapter, {"token": TOKEN_REF, "baseUrl": slack.base_url})
    finally:
        pipeline.stop()
        await asyncio.wait_for(task, 30)
        names = {adapter.destination(op) for op in connector.operations.values()}
        queues = {f"{n}.tasklink" for n in names} | {f"{n}.tasklink.dlq" for n in names}
        await bundle.cleanup(names, queues)


async def test_a_slack_thread_process_runs_through_the_activiti_adapter(
    slack: FakeSlack, process: Process, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    p = process

    # POST_MESSAGE to #general: channel and ts become process variables.
    out = await p.ok(
        "POST_MESSAGE",
        {
            "channel": "#general",
            "text": "Order 42 shipped",
            "blocks": json.dumps(
                [{"type": "section", "text": {"type": "mrkdwn", "text": "*Order 42* shipped"}}]
            ),
        },
        channelId="channel",
        threadTs="ts",
    )
    assert {"channel", "ts", "message"} <= set(out)
    channel, thread_ts = p.variables["channelId"], p.variables["threadTs"]
    assert channel == slack.general.id
    parent = slack.message(slack.general, thread_ts)
    assert (parent.text, parent.user) == ("Order 42 shipped", slack.bot.id)
    assert parent.blocks and parent.blocks[0]["type"] == "section"

    # A reply in its thread: the ts mapped from the previous task's output.
    out = await p.ok(
        "POST_MESSAGE",
        {
            "channel": p.variables["channelId"],
            "threadTs": p.variables["threadTs"],
            "text": "Tracking: 1Z999",
        },
        replyTs="ts",
    )
    assert out["threadTs"] == thread_ts
    assert [m.text for m in slack.thread(slack.general, thread_ts)] == ["Tracking: 1Z999"]

    # ADD_REACTION and PIN_MESSAGE on the parent.
    out = await p.ok(
        "ADD_REACTION",
        {"channel": p.variables["channelId"], "ts": p.variables["threadTs"], "name": ":package:"},
    )
    assert out["name"] == "package"
    assert slack.reactions(slack.general, thread_ts) == {"package": [slack.bot.id]}
    await p.ok("PIN_MESSAGE", {"channel": p.variables["channelId"], "ts": p.variables["threadTs"]})
    assert slack.pins(slack.general) == [thread_ts]

    # UPLOAD_FILE into the thread, from an inline document (Activiti has no store).
    document = {
        "camunda.document.type": "inline",
        "content": base64.b64encode(REPORT).decode(),
        "encoding": "base64",
        "fileName": "orders.csv",
        "contentType": "text/csv",
    }
    out = await p.ok(
        "UPLOAD_FILE",
        {
            "document": document,
            "channel": p.variables["channelId"],
            "threadTs": p.variables["threadTs"],
            "title": "Orders",
            "initialComment": "Today's orders",
        },
        fileId="fileId",
    )
    file = slack.file(p.variables["fileId"])
    assert (file.name, file.title, file.data, file.completed) == (
        "orders.csv",
        "Orders",
        REPORT,
        True,
    )
    assert file.shares[0][0] == channel
    assert out["file"]["id"] == file.id

    # READ_HISTORY of the thread: the parent, the reply and the file's share.
    out = await p.ok(
        "READ_HISTORY",
        {"channel": p.variables["channelId"], "threadTs": p.variables["threadTs"], "limit": 10},
        thread="messages",
    )
    messages = p.variables["thread"]
    assert [m["ts"] for m in messages] == [
        thread_ts,
        p.variables["replyTs"],
        file.shares[0][1],
    ]
    assert [m["text"] for m in messages] == [
        "Order 42 shipped",
        "Tracking: 1Z999",
        "Today's orders",
    ]
    assert out["hasMore"] is False

    # A channel that does not exist: CHANNEL_NOT_FOUND, a BPMN error the boundary catches.
    kind, reply, execution = await p.task(
        "POST_MESSAGE",
        {"channel": "#no-such-channel", "text": "hello?"},
        ErrorBoundary("RateLimited", "RATE_LIMITED"),
        ErrorBoundary("ChannelMissing", "CHANNEL_NOT_FOUND"),
    )
    assert kind == "error"
    assert (reply["errorClassName"], reply["errorCode"]) == (
        CLOUD_BPMN_ERROR_CLASS,
        "CHANNEL_NOT_FOUND",
    )
    assert "no-such-channel" in reply["errorMessage"]
    assert reply["integrationContext"]["outBoundVariables"]["error"] == "channel_not_found"
    assert (execution.state, execution.caught_by, execution.bpmn_error) == (
        "caught",
        "ChannelMissing",
        "CHANNEL_NOT_FOUND",
    )
    # An id Slack itself answers channel_not_found for: caught the same way.
    kind, reply, execution = await p.task(
        "ADD_REACTION",
        {"channel": "C0099999999", "ts": p.variables["threadTs"], "name": "eyes"},
        ErrorBoundary("ChannelMissing", "CHANNEL_NOT_FOUND"),
    )
    assert (kind, reply["errorCode"], execution.caught_by) == (
        "error",
        "CHANNEL_NOT_FOUND",
        "ChannelMissing",
    )
    assert [c.error for c in slack.calls("reactions.add")] == [None, "channel_not_found"]

    # The token went only in the Authorization header: never in a reply, log or result.
    token = slack.token
    assert {c.auth for c in slack.requests if c.method != "upload"} == {"bearer"}
    assert all("authorization" not in c.headers for c in slack.calls("upload"))
    assert token not in json.dumps(p.replies)
    assert token not in json.dumps([e.variables for e in p.bundle.executions.values()])
    assert caplog.records, "the runtime logged nothing to check"
    assert token not in caplog.text
    assert token not in "\n".join(str(r.__dict__) for r in caplog.records)
