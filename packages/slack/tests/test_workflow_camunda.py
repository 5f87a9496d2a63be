"""The same Slack thread process on Camunda 8: jobs of type ``tasklink:slack:1`` with the
``operation`` header, run by the Camunda worker against the fake Orchestration Cluster
gateway (``packages/runtime/tests/camunda/camunda_fakes``: every exchange checked against
the official API document) and the fake Slack (``slack``: checked against Slack's).

Each job's variables are what the engine hands the worker: the process's variables plus
the task's input mappings (the element template's ``zeebe:input`` bindings, the token
among them as ``{{secrets.SLACK_TOKEN}}``). Outputs come back through the
``resultVariable`` and ``resultExpression`` headers and become the next jobs' inputs (the
thread's ``ts``); a failure becomes an incident, or a BPMN error through
``errorExpression``.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from slack_support import FakeSlack

from tasklink.core import MappingSecretProvider
from tasklink.slack import connector

ROOT = Path(__file__).resolve().parents[3]
FAKES = ROOT / "packages" / "runtime" / "tests" / "camunda"
if str(FAKES) not in sys.path:
    sys.path.insert(0, str(FAKES))

from camunda_fakes import WorkerHarness  # noqa: E402
from camunda_fakes.process import CamundaProcess, spec_checked_gateway  # noqa: E402
from camunda_fakes.rest import FakeRestGateway  # noqa: E402

from tasklink.runtime.camunda import CamundaDocumentStore, RestGateway  # noqa: E402

JOB_TYPE = "tasklink:slack:1"
TOKEN_REF = "{{secrets.SLACK_TOKEN}}"
REPORT = b"order,total\n42,99.50\n"
NOT_FOUND_AS_BPMN_ERROR = (
    '=if error.code = "CHANNEL_NOT_FOUND" then bpmnError("CHANNEL_NOT_FOUND", error.message, '
    "{slackError: error.variables.error}) else null"
)


@pytest.fixture
async def gateway() -> AsyncIterator[FakeRestGateway]:
    async with spec_checked_gateway() as fake:
        yield fake


async def test_a_slack_thread_process_runs_through_the_camunda_worker(
    slack: FakeSlack, gateway: FakeRestGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    store = gateway.store
    rest = RestGateway(gateway.rest_address)
    harness = WorkerHarness(
        [connector],
        rest,
        secrets=MappingSecretProvider({"SLACK_TOKEN": slack.token}),
        documents=CamundaDocumentStore(rest.client),
        concurrency=1,
    )
    p = CamundaProcess(
        store,
        JOB_TYPE,
        {"token": TOKEN_REF, "baseUrl": slack.base_url},
        variables={"orderId": "order-42"},
    )
    report = gateway.documents.add(REPORT, fileName="orders.csv", contentType="text/csv")
    async with harness:
        # Post to #general; channel and ts through resultExpression.
        out = await p.ok(
            "post_message",
            {
                "channel": "#general",
                "text": "Order 42 shipped",
                "blocks": [
                    {"type": "section", "text": {"type": "mrkdwn", "text": "*Order 42* shipped"}}
                ],
            },
            resultExpression="={slackChannel: channel, threadTs: ts}",
        )
        assert set(out) == {"slackChannel", "threadTs"}
        channel, thread_ts = out["slackChannel"], out["threadTs"]
        assert channel == slack.general.id
        assert slack.message(slack.general, thread_ts).text == "Order 42 shipped"

        # Reply in its thread, the ts mapped from the previous job's output.
        out = await p.ok(
            "post_message",
            {
                "channel": p.variables["slackChannel"],
                "threadTs": p.variables["threadTs"],
                "text": "Tracking: 1Z999",
            },
            resultVariable="reply",
        )
        assert (out["reply"]["threadTs"], out["reply"]["channel"]) == (thread_ts, channel)
        reply_ts = out["reply"]["ts"]
        assert [m.ts for m in slack.thread(slack.general, thread_ts)] == [reply_ts]

        # React to and pin the parent.
        await p.ok(
            "add_reaction",
            {
                "channel": p.variables["slackChannel"],
                "ts": p.variables["threadTs"],
                "name": "package",
            },
        )
        assert slack.reactions(slack.general, thread_ts) == {"package": [slack.bot.id]}
        await p.ok(
            "pin_message", {"channel": p.variables["slackChannel"], "ts": p.variables["threadTs"]}
        )
        assert slack.pins(slack.general) == [thread_ts]

        # Upload a Camunda document into the thread.
        out = await p.ok(
            "upload_file",
            {
                "document": report.reference(),
                "channel": p.variables["slackChannel"],
                "threadTs": p.variables["threadTs"],
                "title": "Orders",
                "initialComment": "Today's orders",
            },
            resultExpression="={fileId: fileId}",
        )
        file = slack.file(out["fileId"])
        assert (file.name, file.title, file.data, file.completed) == (
            "orders.csv",
            "Orders",
            REPORT,
            True,
        )
        [(shared_in, share_ts)] = file.shares
        assert shared_in == channel

        # Read the thread's replies.
        out = await p.ok(
            "read_history",
            {"channel": p.variables["slackChannel"], "threadTs": p.variables["threadTs"]},
            resultExpression="={replies: messages, more: hasMore}",
        )
        assert [m["ts"] for m in out["replies"]] == [thread_ts, reply_ts, share_ts]
        assert [m["text"] for m in out["replies"]] == [
            "Order 42 shipped",
            "Tracking: 1Z999",
            "Today's orders",
        ]
        assert out["more"] is False

        # A channel that does not exist: CHANNEL_NOT_FOUND as a BPMN error (errorExpression).
        thrown = await p.task(
            "post_message",
            {"channel": "#no-such-channel", "text": "hello?"},
            errorExpression=NOT_FOUND_AS_BPMN_ERROR,
        )
        assert (thrown["kind"], thrown["errorCode"]) == ("error", "CHANNEL_NOT_FOUND")
        assert "no-such-channel" in thrown["errorMessage"]
        assert thrown["variables"] == {"slackError": "channel_not_found"}
        # Slack's own channel_not_found for an unknown id, the same way.
        thrown = await p.task(
            "add_reaction",
            {"channel": "C0099999999", "ts": p.variables["threadTs"], "name": "eyes"},
            errorExpression=NOT_FOUND_AS_BPMN_ERROR,
        )
        assert (thrown["kind"], thrown["errorCode"]) == ("error", "CHANNEL_NOT_FOUND")
        assert thrown["variables"] == {"slackError": "channel_not_found"}
        # Without an error expression: an incident at once (not retried).
        incident = await p.task("post_message", {"channel": "C0099999999", "text": "hello?"})
        assert (incident["kind"], incident["retries"]) == ("fail", 0)
        assert "channel_not_found" in incident["errorMessage"]

    # Every job ran once; the token went only in the Authorization header, never into a
    # command, a variable or a log line.
    assert [o["kind"] for o in p.outcomes].count("complete") == len(p.outcomes) - 3
    assert all(job.activations == 1 for job in store.jobs.values())
    token = slack.token
    assert {c.auth for c in slack.requests if c.method != "upload"} == {"bearer"}
    assert all("authorization" not in c.headers for c in slack.calls("upload"))
    assert token not in json.dumps(p.outcomes)
    assert token not in json.dumps(store.outcomes, default=str)
    assert caplog.records, "the worker logged nothing to check"
    assert token not in caplog.text
    assert token not in "\n".join(str(r.__dict__) for r in caplog.records)
