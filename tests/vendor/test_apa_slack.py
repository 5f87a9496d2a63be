"""Processes modelled with Alfresco Process Automation's Slack connector run on tasklink:
integration requests for ``slack.SEND_MESSAGE`` and ``slack.CREATE_CHANNEL``, as an
Activiti runtime bundle publishes them over RabbitMQ, answered by the Slack connector's
APA contract through the Activiti adapter (``vendor_contracts`` turned on, so APA's
actions take over our own connector's name; ``vendor_names`` adds a project's instance
name), against the fake Slack Web API, with APA's ``SLACK_BOT_TOKEN`` from the secret
providers."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tasklink.core import MappingSecretProvider
from tasklink.runtime import Pipeline, build_pipeline
from tasklink.runtime.activiti import CLOUD_BPMN_ERROR, ActivitiAdapter
from tasklink.slack import connector as slack_connector
from tasklink.slack._contracts import BASE_URL_VARIABLE
from tasklink.testing import shared_kit_dir

ROOT = Path(__file__).resolve().parents[2]
SUPPORT = ROOT / "packages" / "runtime" / "tests" / "support"
if str(SUPPORT) not in sys.path:
    sys.path.insert(0, str(SUPPORT))

from activiti_bundle import ErrorBoundary, RuntimeBundle  # noqa: E402
from activiti_runtime import activiti_settings, served, started_bundle  # noqa: E402

SLACK_SPECS = "specs/slack"
SLACK_SUPPORT = ROOT / "packages" / "slack" / "tests" / "support"


def _fake_slack_class() -> Any:
    """The Slack package's fake (its tests' ``support`` folder, loaded as
    ``slack_support`` as its conftest loads it)."""
    loaded = sys.modules.get("slack_support")
    if loaded is None:
        spec = importlib.util.spec_from_file_location(
            "slack_support",
            SLACK_SUPPORT / "__init__.py",
            submodule_search_locations=[str(SLACK_SUPPORT)],
        )
        assert spec is not None and spec.loader is not None
        loaded = importlib.util.module_from_spec(spec)
        sys.modules["slack_support"] = loaded
        spec.loader.exec_module(loaded)
    return loaded.FakeSlack


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch, outbound_isolation: None) -> Iterator[Any]:
    """The fake Slack workspace; the contract calls it (the operator's base URL)."""
    kit = shared_kit_dir(ROOT)
    if kit is None or not (kit / SLACK_SPECS).is_dir():
        pytest.skip(f"the developer kit with {SLACK_SPECS} is absent (TASKLINK_SHARED_DIR)")
    with _fake_slack_class()(kit / SLACK_SPECS) as fake:
        monkeypatch.setenv(BASE_URL_VARIABLE, fake.base_url)
        yield fake
        violations = fake.take_violations()
    assert violations == [], "requests or answers broke Slack's API document"


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def bundle(prefix: str) -> AsyncIterator[RuntimeBundle]:
    async with started_bundle(prefix) as started:
        yield started


class Runtime:
    def __init__(self, pipeline: Pipeline, adapter: ActivitiAdapter) -> None:
        self.pipeline = pipeline
        self.adapter = adapter

    def destination(self, qualified_name: str) -> str:
        return self.adapter.destination(self.pipeline.find_operation(qualified_name))


@pytest.fixture
async def runtime(prefix: str, bundle: RuntimeBundle, slack: Any) -> AsyncIterator[Runtime]:
    settings = activiti_settings(
        bundle,
        retries=1,
        vendor_contracts=("slack",),
        vendor_names={"slack": ("slack", "team-slack")},
    )
    # APA's configuration, where the operator keeps the runtime's secrets.
    configuration = {"SLACK_BOT_TOKEN": slack.token, "SLACK_REPLY_TIMEOUT": "20"}
    pipeline = build_pipeline(
        settings, connectors=[slack_connector], secrets=MappingSecretProvider(configuration)
    )
    async with served(bundle, pipeline) as adapter:
        yield Runtime(pipeline, adapter)


async def call(
    bundle: RuntimeBundle,
    runtime: Runtime,
    slack: Any,
    implementation: str,
    variables: dict[str, Any],
    **options: Any,
) -> tuple[str, dict[str, Any]]:
    """Publish an integration request for ``implementation``; the kind of reply (result or
    error) and the reply, in which the bot token never appears."""
    request = bundle.request(implementation, variables, **options)
    context_id = request["integrationContext"]["id"]
    await bundle.publish(runtime.destination(implementation), request)
    [reply] = await bundle.wait_for(context_id)
    assert slack.token not in json.dumps(reply)
    return bundle.kinds[context_id][0], reply


async def test_send_message_takes_apas_inputs(
    bundle: RuntimeBundle, runtime: Runtime, slack: Any
) -> None:
    kind, reply = await call(
        bundle,
        runtime,
        slack,
        "slack.SEND_MESSAGE",
        {
            "channelName": {"type": "string", "value": "general"},
            "text": {"type": "string", "value": "Order ${order.id} for ${customer.name} shipped"},
            "metadata": {
                "type": "json",
                "value": json.dumps({"order": {"id": 42}, "customer": {"name": "Ada"}}),
            },
            "requestResponse": "no",
        },
    )
    assert kind == "result", reply
    # requestResponse no: APA returns right after sending, nothing to map.
    assert reply["integrationContext"]["outBoundVariables"] == {}
    assert slack.messages(slack.general)[-1].text == "Order 42 for Ada shipped"


async def test_send_message_waits_for_a_reply_in_the_thread(
    bundle: RuntimeBundle, runtime: Runtime, slack: Any
) -> None:
    bob = slack.add_user("bob", real_name="Bob Smith", email="bob@example.test")

    async def answer() -> None:
        for _ in range(400):
            dm = slack.dm(bob)
            if dm is not None and slack.messages(dm):
                question = slack.messages(dm)[0]
                slack.post_as(bob, dm, "Approved", thread_ts=question.ts)
                return
            await asyncio.sleep(0.05)

    answering = asyncio.create_task(answer())
    kind, reply = await call(
        bundle,
        runtime,
        slack,
        "team-slack.SEND_MESSAGE",  # a project's instance name
        {"userEmail": "bob@example.test", "text": "Approve?", "requestResponse": "thread"},
    )
    await answering
    assert kind == "result", reply
    assert reply["integrationContext"]["outBoundVariables"] == {"message": "Approved"}


async def test_create_channel_returns_slacks_reply(
    bundle: RuntimeBundle, runtime: Runtime, slack: Any
) -> None:
    bob = slack.add_user("bob", real_name="Bob Smith", email="bob@example.test")
    kind, reply = await call(
        bundle,
        runtime,
        slack,
        "slack.CREATE_CHANNEL",
        {
            "channelName": "incident-7",
            "channelType": "private",
            "members": {"type": "array", "value": ["bob@example.test", slack.owner.id]},
        },
    )
    assert kind == "result", reply
    result = reply["integrationContext"]["outBoundVariables"]["slackResult"]
    assert result["ok"] is True and result["channel"]["name"] == "incident-7"
    assert result["channel"]["is_private"] is True
    channel = slack.channel("incident-7")
    assert set(slack.members(channel)) == {slack.bot.id, bob.id, slack.owner.id}


async def test_failures_carry_apas_codes_as_bpmn_errors(
    bundle: RuntimeBundle, runtime: Runtime, slack: Any
) -> None:
    kind, reply = await call(
        bundle,
        runtime,
        slack,
        "slack.SEND_MESSAGE",
        {"channelName": "nowhere", "text": "lost"},
        boundaries=[ErrorBoundary("Boundary_1", "CHANNEL_NOT_FOUND")],
    )
    assert kind == "error"
    # A code APA's definition declares: a BPMN error an error boundary event catches.
    assert reply["errorCode"] == "CHANNEL_NOT_FOUND"
    assert reply["errorClassName"] == CLOUD_BPMN_ERROR

    kind, reply = await call(
        bundle,
        runtime,
        slack,
        "slack.CREATE_CHANNEL",
        {"channelName": "general", "channelType": "public", "members": slack.owner.id},
    )
    assert kind == "error" and reply["errorCode"] == "INVALID_CHANNEL"

    kind, reply = await call(bundle, runtime, slack, "slack.SEND_MESSAGE", {"text": "to nobody"})
    assert kind == "error" and reply["errorCode"] == "MISSING_INPUT"
    assert slack.calls("chat.postMessage") == []
