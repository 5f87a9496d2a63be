"""Camunda's ``io.camunda:slack:1`` contract on its own, through the core job path against
the fake Slack Web API (every request and answer checked against Slack's API document):
Camunda's inputs, its look-ups (``@real name``, e-mail address, channel name), block order
with documents, result shapes and error messages."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tasklink.core import Completed, Failed
from tasklink.slack._contracts import BASE_URL_VARIABLE, camunda
from tasklink.testing import arun_job


@pytest.fixture(autouse=True)
def _at_the_fake(slack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The contract calls the fake: the operator's base URL for the vendor contracts."""
    monkeypatch.setenv(BASE_URL_VARIABLE, slack.base_url)


async def job(slack: Any, method: str, data: dict[str, Any], **top: Any) -> Completed | Failed:
    variables = {"token": slack.token, "method": method, "data": data, **top}
    outcome = await arun_job(camunda, variables)
    assert isinstance(outcome, Completed | Failed), outcome
    assert slack.token not in json.dumps(getattr(outcome, "output", None) or {}) + str(outcome)
    return outcome


def last(slack: Any, channel: Any) -> Any:
    return slack.messages(channel, replies=True)[-1]


def inline(content: bytes, name: str, content_type: str = "text/plain") -> dict[str, Any]:
    return {
        "camunda.document.type": "inline",
        "content": base64.b64encode(content).decode(),
        "encoding": "base64",
        "name": name,
        "contentType": content_type,
    }


async def test_post_plain_text_returns_camundas_shape(slack: Any) -> None:
    outcome = await job(
        slack,
        "chat.postMessage",
        {"channel": slack.general.id, "messageType": "plainText", "text": "Order 42 shipped"},
    )
    assert isinstance(outcome, Completed), outcome
    result = outcome.output
    message = last(slack, slack.general)
    assert result == {
        "ts": message.ts,
        "channel": slack.general.id,
        "message": {
            "type": "message",
            "team": slack.team_id,
            "user": slack.bot.id,
            "text": "Order 42 shipped",
            "ts": message.ts,
            "appId": result["message"]["appId"],
            "botId": slack.bot.bot_id,
        },
    }
    # plainText sends text with link_names and no blocks, as Camunda does.
    assert message.link_names is True and message.blocks is None
    [call] = slack.calls("chat.postMessage")
    assert call.auth == "bearer" and call.params["link_names"] in (True, "true")


async def test_a_channel_name_goes_to_slack_as_given(slack: Any) -> None:
    orders = slack.add_channel("orders")
    outcome = await job(slack, "chat.postMessage", {"channel": "#orders", "text": "hi"})
    assert isinstance(outcome, Completed), outcome
    assert outcome.output["channel"] == orders.id
    assert slack.calls("chat.postMessage")[0].params["channel"] == "#orders"


async def test_at_real_name_and_email_reach_the_users_direct_messages(slack: Any) -> None:
    bob = slack.add_user("bob", real_name="Bob Smith", email="bob@example.test")
    by_name = await job(slack, "chat.postMessage", {"channel": "@Ada Lovelace", "text": "hi"})
    by_email = await job(slack, "chat.postMessage", {"channel": "bob@example.test", "text": "yo"})
    assert isinstance(by_name, Completed) and isinstance(by_email, Completed)
    assert slack.dm(slack.owner).id == by_name.output["channel"]
    assert slack.dm(bob).id == by_email.output["channel"]
    # Camunda matches the real name exactly: a user name is not a real name.
    failed = await job(slack, "chat.postMessage", {"channel": "@ada", "text": "hi"})
    assert isinstance(failed, Failed)
    assert (failed.code, failed.message) == ("USER_NOT_FOUND", "Unable to find users by name: ada")
    failed = await job(slack, "chat.postMessage", {"channel": "nobody@example.test", "text": "x"})
    assert isinstance(failed, Failed) and failed.code == "USER_NOT_FOUND"
    assert failed.message == (
        "User with email nobody@example.test not found; or unable 'users:read.email' permission"
    )


async def test_thread_and_message_blocks_with_documents_in_camundas_order(slack: Any) -> None:
    general = slack.general
    parent = await job(slack, "chat.postMessage", {"channel": general.id, "text": "parent"})
    assert isinstance(parent, Completed)
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": "New request"}}]
    outcome = await job(
        slack,
        "chat.postMessage",
        {
            "channel": general.id,
            "thread": parent.output["ts"],
            "messageType": "messageBlock",
            "text": "see the files",
            "blockContent": blocks,
            "documents": [inline(b"Total: 42", "invoice.txt"), inline(b"%PDF", "terms.pdf")],
        },
    )
    assert isinstance(outcome, Completed), outcome
    [reply] = slack.thread(general, parent.output["ts"])
    # messageBlock: files first, then the text as a section, then blockContent; no text.
    assert [block["type"] for block in reply.blocks] == ["file", "file", "section", "header"]
    assert reply.blocks[2]["text"] == {"type": "mrkdwn", "text": "see the files"}
    assert "text" not in slack.calls("chat.postMessage")[-1].params
    files = [slack.file(block["file_id"]) for block in reply.blocks[:2]]
    assert [(f.name, f.title, f.data) for f in files] == [
        ("invoice.txt", "invoice.txt", b"Total: 42"),
        ("terms.pdf", "terms.pdf", b"%PDF"),
    ]
    assert all(block["source"] == "remote" for block in reply.blocks[:2])


async def test_plain_text_with_a_document_puts_the_text_first(slack: Any) -> None:
    outcome = await job(
        slack,
        "chat.postMessage",
        # One document stands for a list of one, as Camunda's mapper takes it.
        {"channel": slack.general.id, "text": "invoice", "documents": inline(b"42", "a.txt")},
    )
    assert isinstance(outcome, Completed), outcome
    message = last(slack, slack.general)
    assert [b["type"] for b in message.blocks] == ["section", "file"]
    assert message.text == "invoice" and message.link_names


async def test_missing_content_and_bad_blocks_are_input_errors(slack: Any) -> None:
    general = slack.general.id
    outcome = await job(slack, "chat.postMessage", {"channel": general, "text": "  "})
    assert isinstance(outcome, Failed) and outcome.incident
    assert outcome.message == "Text or block content required to post a message"
    outcome = await job(
        slack,
        "chat.postMessage",
        {"channel": general, "messageType": "messageBlock", "blockContent": {"type": "x"}},
    )
    assert isinstance(outcome, Failed) and outcome.incident
    assert outcome.message == "data.blockContent: Block section must be an array"
    outcome = await job(slack, "chat.postMessage", {"text": "x"})
    assert isinstance(outcome, Failed) and outcome.code == "MISSING_INPUT"
    outcome = await job(slack, "chat.postMessage", {"channel": general, "text": "x"}, token="")
    assert isinstance(outcome, Failed) and outcome.code == "MISSING_INPUT"
    assert slack.calls("chat.postMessage") == []


async def test_slacks_error_keeps_camundas_message_and_our_code(slack: Any) -> None:
    outcome = await job(slack, "chat.postMessage", {"channel": "C0NOTTHERE", "text": "x"})
    assert isinstance(outcome, Failed)
    assert outcome.code == "CHANNEL_NOT_FOUND" and outcome.incident
    # Camunda's message, its missing separator included.
    assert outcome.message == "channel_not_foundNo additional error details"
    assert outcome.variables["error"] == "channel_not_found"


async def test_create_a_private_channel_and_invite_by_name(slack: Any) -> None:
    bob = slack.add_user("bob", real_name="Bob Smith")
    carol = slack.add_user("carol", real_name="Carol")
    created = await job(
        slack,
        "conversations.create",
        {"newChannelName": "launch-2026", "visibility": "private"},  # any case, as Camunda
    )
    assert isinstance(created, Completed), created
    new = created.output["channel"]
    assert created.output == {"channel": {"id": new["id"], "name": "launch-2026"}}
    assert slack.channel(new["id"]).is_private
    invited = await job(
        slack,
        "conversations.invite",
        {
            "channelType": "channelName",
            "channelName": "launch-2026",
            "users": f"ada@example.com, @Bob Smith, {carol.id}",
        },
    )
    assert isinstance(invited, Completed), invited
    assert invited.output == {
        "channel": {"id": new["id"], "name": "launch-2026"},
        "needed": None,
        "provided": None,
    }
    assert set(slack.members(new["id"])) == {slack.bot.id, slack.owner.id, bob.id, carol.id}


async def test_invite_by_id_with_a_list_and_its_failures(slack: Any) -> None:
    team = slack.add_channel("team")
    bob = slack.add_user("bob", real_name="Bob Smith")
    # Camunda keeps the strings of a list and drops the rest.
    outcome = await job(slack, "conversations.invite", {"channelId": team.id, "users": [bob.id, 7]})
    assert isinstance(outcome, Completed), outcome
    assert bob.id in slack.members(team)
    outcome = await job(slack, "conversations.invite", {"channelId": team.id, "users": [bob.id]})
    assert isinstance(outcome, Failed) and outcome.message == "already_in_channel"
    assert outcome.code == "ALREADY_IN_CHANNEL"
    outcome = await job(slack, "conversations.invite", {"channelName": "nowhere", "users": bob.id})
    assert isinstance(outcome, Failed) and outcome.code == "CHANNEL_NOT_FOUND"
    assert outcome.message == "Unable to find conversation with name: nowhere"
    outcome = await job(slack, "conversations.invite", {"channelId": team.id, "users": {"a": 1}})
    assert isinstance(outcome, Failed) and outcome.code == "INVALID_INPUT"
    outcome = await job(
        slack, "conversations.invite", {"channelId": team.id, "users": "@Nobody Here"}
    )
    assert isinstance(outcome, Failed) and outcome.code == "USER_NOT_FOUND"


async def test_reaction_and_pins(slack: Any) -> None:
    general = slack.general.id
    posted = await job(slack, "chat.postMessage", {"channel": general, "text": "pin me"})
    assert isinstance(posted, Completed)
    ts = posted.output["ts"]
    data = {"channel": general, "timestamp": ts}
    outcome = await job(slack, "reactions.add", {**data, "emoji": "eyes"})
    assert isinstance(outcome, Completed) and outcome.output == {}
    assert slack.reactions(general, ts) == {"eyes": [slack.bot.id]}
    outcome = await job(slack, "pins.add", data)
    assert isinstance(outcome, Completed) and outcome.output == {}
    assert slack.pins(general) == [ts]
    outcome = await job(slack, "pins.remove", data)
    assert isinstance(outcome, Completed) and outcome.output == {}
    assert slack.pins(general) == []
    again = await job(slack, "reactions.add", {**data, "emoji": "eyes"})
    assert isinstance(again, Failed)
    assert again.message == "Failed to add reaction: already_reacted"
    unpin = await job(slack, "pins.remove", data)
    assert isinstance(unpin, Failed) and unpin.message.startswith("Failed to unpin message: ")
    missing = await job(slack, "reactions.add", data)
    assert isinstance(missing, Failed) and missing.code == "MISSING_INPUT"


async def test_a_stored_credential_wins_over_the_token(slack: Any) -> None:
    data = {"channel": slack.general.id, "text": "hi"}
    outcome = await arun_job(
        camunda,
        {
            "token": "xoxb-stale-token",
            "slackCredential": {"token": slack.token},
            "method": "chat.postMessage",
            "data": data,
        },
    )
    assert isinstance(outcome, Completed), outcome
    refused = await arun_job(
        camunda, {"token": "xoxb-stale-token", "method": "chat.postMessage", "data": data}
    )
    assert isinstance(refused, Failed) and refused.code == "INVALID_AUTH"
    assert "xoxb-stale-token" not in str(refused)
