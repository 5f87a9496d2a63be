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

import base64
import json
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from slack_support import FakeSlack

from tasklink.core import MappingSecretProvider
from tasklink.runtime import Pipeline
from tasklink.slack import connector

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

TOKEN_REF = "{{secrets.SLACK_TOKEN}}"
REPORT = b"order,total\n42,99.50\n"


@pytest.fixture
async def bundle() -> AsyncIterator[RuntimeBundle]:
    async with started_bundle() as started:
        yield started


@pytest.fixture
async def process(slack: FakeSlack, bundle: RuntimeBundle) -> AsyncIterator[ActivitiProcess]:
    """The Activiti runtime serving the Slack connector, the bot token in its secret
    ``SLACK_TOKEN``, and a process instance to send tasks for."""
    settings = activiti_settings(bundle, concurrency=4)
    pipeline = Pipeline(
        [connector], settings, secrets=MappingSecretProvider({"SLACK_TOKEN": slack.token})
    )
    connection = {"token": TOKEN_REF, "baseUrl": slack.base_url}
    async with served(bundle, pipeline) as adapter:
        yield ActivitiProcess(bundle, pipeline, adapter, "slack", connection)


async def test_a_slack_thread_process_runs_through_the_activiti_adapter(
    slack: FakeSlack, process: ActivitiProcess, caplog: pytest.LogCaptureFixture
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
