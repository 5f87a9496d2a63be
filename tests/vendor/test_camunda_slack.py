"""Processes modelled with Camunda's own Slack template run on tasklink unchanged.

Every version of Camunda's Slack template (``slack-outbound-connector.json`` of the npm
package ``@camunda/connectors-element-templates``: versions 1 to 13 and the unversioned
first one) is applied to service tasks as the modeler does, for every method its form
offers, and the jobs run through the Camunda worker (the fake Orchestration Cluster
gateway, every exchange checked against the official API document) on the Slack
connector's Camunda contract, against the fake Slack Web API (every request and answer
checked against Slack's API document).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tasklink.core import MappingSecretProvider, RedactingFilter
from tasklink.slack._contracts import BASE_URL_VARIABLE
from tasklink.slack._contracts import camunda as camunda_slack
from tasklink.testing import shared_kit_dir
from tasklink.testing.vendor_templates import (
    AppliedTemplate,
    apply_template,
    camunda_template,
    templates_dir,
)

ROOT = Path(__file__).resolve().parents[2]
FAKES = ROOT / "packages" / "runtime" / "tests" / "camunda"
if str(FAKES) not in sys.path:
    sys.path.insert(0, str(FAKES))

from camunda_fakes import WorkerHarness  # noqa: E402
from camunda_fakes.process import spec_checked_gateway  # noqa: E402
from camunda_fakes.rest import FakeRestGateway  # noqa: E402

from tasklink.runtime.camunda import CamundaDocumentStore, RestGateway  # noqa: E402

SLACK_SPECS = "specs/slack"
TEMPLATE = "slack-outbound-connector"
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


def official_versions() -> list[dict[str, Any]]:
    """Every version of the template the npm package holds (none when not installed)."""
    folder = templates_dir()
    if folder is None or not (folder / f"{TEMPLATE}.json").is_file():
        return []
    loaded = json.loads((folder / f"{TEMPLATE}.json").read_text("utf-8"))
    versions = loaded if isinstance(loaded, list) else [loaded]
    return sorted(versions, key=lambda t: int(t.get("version", 0)))


VERSIONS = official_versions()


@pytest.fixture
async def gateway() -> AsyncIterator[FakeRestGateway]:
    async with spec_checked_gateway() as fake:
        yield fake


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


async def run(
    gateway: FakeRestGateway,
    slack: Any,
    *applied: AppliedTemplate,
    caplog: pytest.LogCaptureFixture | None = None,
) -> list[dict[str, Any]]:
    """Each job's last command (``history``: every command it got), after the worker ran
    them one after the other."""
    store = gateway.store
    jobs = [
        store.add(
            str(job.job_type),
            job.variables,
            headers=job.headers,
            retries=job.retries if job.retries is not None else 3,
        )
        for job in applied
    ]
    rest = RestGateway(gateway.rest_address)
    harness = WorkerHarness(
        [camunda_slack],
        rest,
        secrets=MappingSecretProvider({"SLACK_TOKEN": slack.token}),
        documents=CamundaDocumentStore(rest.client),
        concurrency=1,  # one after the other: an invite sees the channel made before it
    )
    if caplog is not None:
        caplog.handler.addFilter(RedactingFilter(harness.pipeline.redactor))
    async with harness:
        await store.wait_for(lambda: store.done(*jobs), timeout=60)
    outcomes = []
    for job in jobs:
        history = [{"kind": o.kind, **o.body} for o in store.outcomes_of(job.key)]
        outcomes.append({**history[-1], "history": history})
    return outcomes


def methods(template: dict[str, Any]) -> list[str]:
    [prop] = [p for p in template["properties"] if p["binding"].get("name") == "method"]
    return [str(choice["value"]) for choice in prop["choices"]]


def version_id(template: dict[str, Any]) -> str:
    return f"v{template.get('version', 0)}"


def common(template: dict[str, Any], method: str) -> dict[str, Any]:
    """What every task fills in: the method, the token from a secret (the legacy form in
    the first versions, as processes of their time wrote it) and the result variable."""
    legacy = int(template.get("version", 0)) < 3
    return {
        "method": method,
        "token": "secrets.SLACK_TOKEN" if legacy else "{{secrets.SLACK_TOKEN}}",
        "resultVariable": "result",
    }


@pytest.mark.parametrize("template", VERSIONS, ids=[version_id(t) for t in VERSIONS])
async def test_each_version_runs_every_method_it_offers(
    template: dict[str, Any],
    gateway: FakeRestGateway,
    slack: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    version = int(template.get("version", 0))
    bob = slack.add_user("bob", real_name="Bob Smith", email="bob@example.test")
    carol = slack.add_user("carol", real_name="Carol Jones")
    pinned = slack.post_as(slack.owner, slack.general, "pin and react to me")
    name = f"launch-v{version}"
    process = {"orderId": 42, "ts": pinned.ts}
    offered = methods(template)
    tasks: dict[str, dict[str, Any]] = {
        "chat.postMessage": {
            "data.channel": "#general",
            "data.text": '="Order " + string(orderId) + " shipped to #general"',
        },
        "conversations.create": {"data.newChannelName": name, "data.visibility": "PRIVATE"},
        "conversations.invite": {
            "data.channelType": "channelName",  # versions 5 on; the first ones have no choice
            "data.channelName": name,
            "data.users": f"bob@example.test, @Carol Jones, {slack.owner.id}",
        },
        # The message's channel and timestamp: bound as data.channel and data.timestamp in
        # every version (the property ids changed, the bindings did not).
        "reactions.add": {
            "data.channel": slack.general.id,
            "data.emoji": "eyes",
            "data.timestamp": "=ts",
        },
        "pins.add": {"data.channel": slack.general.id, "data.timestamp": "=ts"},
        "pins.remove": {"data.channel": slack.general.id, "data.timestamp": "=ts"},
    }
    applied = []
    for method in offered:
        values = {**common(template, method), **tasks[method]}
        job = apply_template(template, values, variables=process)
        assert job.job_type == "io.camunda:slack:1"
        applied.append(job)

    outcomes = await run(gateway, slack, *applied, caplog=caplog)
    by_method = dict(zip(offered, outcomes, strict=True))
    for method, outcome in by_method.items():
        outcome.pop("history")
        assert outcome["kind"] == "complete", (method, outcome)

    posted = by_method["chat.postMessage"]["variables"]["result"]
    message = slack.messages(slack.general)[-1]
    assert posted == {
        "ts": message.ts,
        "channel": slack.general.id,
        "message": {
            "type": "message",
            "team": slack.team_id,
            "user": slack.bot.id,
            "text": message.text,
            "ts": message.ts,
            "appId": posted["message"]["appId"],
            "botId": slack.bot.bot_id,
        },
    }
    assert message.text.startswith("Order 42 shipped to <#") and message.link_names
    if version >= 9:
        # Versions 9 on map { myResponse: response } by default (a FEEL comment inside).
        assert by_method["chat.postMessage"]["variables"]["myResponse"] == posted

    created = by_method["conversations.create"]["variables"]["result"]
    channel = slack.channel(name)
    assert created == {"channel": {"id": channel.id, "name": name}}
    assert channel.is_private
    invited = by_method["conversations.invite"]["variables"]["result"]
    assert invited == {
        "channel": {"id": channel.id, "name": name},
        "needed": None,
        "provided": None,
    }
    assert set(slack.members(channel)) == {slack.bot.id, bob.id, carol.id, slack.owner.id}

    if "reactions.add" in offered:
        assert by_method["reactions.add"]["variables"]["result"] == {}
        assert slack.reactions(slack.general, pinned.ts) == {"eyes": [slack.bot.id]}
    if "pins.add" in offered:
        assert by_method["pins.add"]["variables"]["result"] == {}
        assert by_method["pins.remove"]["variables"]["result"] == {}
        assert slack.pins(slack.general) == []  # pinned, then unpinned
        assert len(slack.calls("pins.add")) == 1

    everything = json.dumps(outcomes) + "\n".join(r.getMessage() for r in caplog.records)
    assert slack.token not in everything


async def test_message_blocks_with_documents_from_the_latest_template(
    gateway: FakeRestGateway, slack: Any
) -> None:
    template = camunda_template(TEMPLATE)
    stored = gateway.documents.add(b"%PDF-1.4 invoice", fileName="invoice.pdf")
    values = {
        **common(template, "chat.postMessage"),
        "data.channel": slack.general.id,
        "data.messageType": "messageBlock",
        # The template's own example blocks stay as they are (its default value).
        "data_documents_documentMode": "single",
        "data_documents_single_documentSource": "camunda",
        "data_documents_single_camundaReference": "=invoice",
    }
    single = apply_template(template, values, variables={"invoice": stored.reference()})
    several = apply_template(
        template,
        {
            **common(template, "chat.postMessage"),
            "data.channel": "ada@example.com",
            "data.text": "Two files",
            "data_documents_documentMode": "multiple",
            "data_documents_multiple_expression": "=files",
        },
        variables={
            "files": [
                {"camunda.document.type": "inline", "content": "a,b", "name": "a.csv"},
                {"camunda.document.type": "inline", "content": "c,d", "name": "b.csv"},
            ]
        },
    )
    first, second = await run(gateway, slack, single, several)
    assert first["kind"] == "complete", first
    assert second["kind"] == "complete", second

    message = slack.messages(slack.general)[-1]
    kinds = [block["type"] for block in message.blocks]
    # Files first, then the template's example blocks (header, three sections).
    assert kinds == ["file", "header", "section", "section", "section"]
    assert message.blocks[1]["text"]["text"] == "New request"
    uploaded = slack.file(message.blocks[0]["file_id"])
    assert (uploaded.name, uploaded.data) == ("invoice.pdf", b"%PDF-1.4 invoice")

    dm = slack.messages(slack.dm(slack.owner))[-1]
    assert dm.text == "Two files"
    assert [block["type"] for block in dm.blocks] == ["section", "file", "file"]
    assert [slack.file(b["file_id"]).data for b in dm.blocks[1:]] == [b"a,b", b"c,d"]


async def test_errors_reach_the_error_expression_and_the_token_stays_masked(
    gateway: FakeRestGateway, slack: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    template = camunda_template(TEMPLATE)
    caught = apply_template(
        template,
        {
            **common(template, "chat.postMessage"),
            "data.channel": "#nowhere",
            "data.text": "lost",
            "errorExpression": '=if error.code = "CHANNEL_NOT_FOUND" then '
            'bpmnError("NO_CHANNEL", error.message, {slack: error.variables.error}) else null',
        },
    )
    retried = apply_template(
        template,
        {
            **common(template, "reactions.add"),
            "data.channel": slack.general.id,
            "data.emoji": "eyes",
            "data.timestamp": "1.000000",
            "retryBackoff": "PT0S",
        },
    )
    empty = apply_template(
        template,
        {**common(template, "chat.postMessage"), "data.channel": "#general", "data.text": " "},
    )
    error, failed, incident = await run(gateway, slack, caught, retried, empty, caplog=caplog)

    error.pop("history")
    assert error == {
        "kind": "error",
        "errorCode": "NO_CHANNEL",
        "errorMessage": "channel_not_foundNo additional error details",
        "variables": {"slack": "channel_not_found"},
    }
    # An unknown message is final for tasklink (MESSAGE_NOT_FOUND): an incident at once.
    assert failed["kind"] == "fail" and failed["retries"] == 0, failed
    assert failed["errorMessage"].startswith("Failed to add reaction: message_not_found")
    assert incident["kind"] == "fail" and incident["retries"] == 0
    assert "Text or block content required to post a message" in incident["errorMessage"]

    everything = json.dumps([error, failed, incident]) + "\n".join(
        r.getMessage() for r in caplog.records
    )
    assert slack.token not in everything


async def test_a_stored_credential_of_version_13_wins(gateway: FakeRestGateway, slack: Any) -> None:
    template = camunda_template(TEMPLATE, version=13)
    values = {
        "method": "chat.postMessage",
        "slackCredential": "=credential",
        "data.channel": slack.general.id,
        "data.text": "with a stored credential",
    }
    applied = apply_template(template, values, variables={"credential": {"token": slack.token}})
    assert "token" not in applied.variables  # hidden while a credential is chosen
    [outcome] = await run(gateway, slack, applied)
    assert outcome["kind"] == "complete", outcome
    assert slack.messages(slack.general)[-1].text == "with a stored credential"
