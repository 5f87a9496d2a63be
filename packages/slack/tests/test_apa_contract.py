"""APA's ``slack`` contract (SEND_MESSAGE, CREATE_CHANNEL) on its own, through the core
job path against the fake Slack Web API: APA's inputs, ``SLACK_BOT_TOKEN`` from the secret
providers, FreeMarker values in ``text``, waiting for a reply, ``slackResult`` and APA's
error codes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from tasklink.core import Completed, Failed
from tasklink.slack._contracts import APA_ERRORS, BASE_URL_VARIABLE, apa
from tasklink.testing import arun_job


@pytest.fixture(autouse=True)
def _at_the_fake(slack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BASE_URL_VARIABLE, slack.base_url)


async def action(
    slack: Any,
    name: str,
    variables: dict[str, Any],
    *,
    settings: dict[str, str] | None = None,
    target: Any = None,
) -> Completed | Failed:
    """Run ``slack.<name>`` with the bot token configured as APA's SLACK_BOT_TOKEN."""
    secrets = {"SLACK_BOT_TOKEN": slack.token} if settings is None else settings
    operation = (target or apa).get_operation(name)
    outcome = await arun_job(operation, variables, secrets=secrets)
    assert isinstance(outcome, Completed | Failed), outcome
    assert slack.token not in json.dumps(getattr(outcome, "output", None) or {}) + str(outcome)
    if isinstance(outcome, Failed):
        assert outcome.code in APA_ERRORS, outcome
    return outcome


async def first_message(slack: Any, channel: Any) -> Any:
    """The first message of ``channel`` once the job posted it."""
    for _ in range(600):
        found = slack.messages(channel)
        if found:
            return found[0]
        await asyncio.sleep(0.05)
    raise AssertionError("nothing was posted")


async def test_send_to_each_kind_of_recipient(slack: Any) -> None:
    bob = slack.add_user("bob", real_name="Bob Smith", email="bob@example.test")
    ops = slack.add_channel("ops")
    for recipient, where in (
        ({"channelId": slack.general.id}, slack.general.id),
        ({"channelName": "#ops"}, ops.id),
        ({"channelName": "ops"}, ops.id),
        ({"userId": bob.id}, None),
        ({"userEmail": "ada@example.com"}, None),
    ):
        outcome = await action(slack, "SEND_MESSAGE", {**recipient, "text": "hello"})
        # requestResponse no (the default): APA returns right after sending, no output.
        assert isinstance(outcome, Completed) and outcome.output == {}, (recipient, outcome)
        if where is not None:
            assert slack.messages(where)[-1].text == "hello"
    assert slack.messages(slack.dm(bob))[-1].text == "hello"
    assert slack.messages(slack.dm(slack.owner))[-1].text == "hello"


async def test_the_first_recipient_given_wins(slack: Any) -> None:
    ops = slack.add_channel("ops")
    outcome = await action(
        slack,
        "SEND_MESSAGE",
        {
            "channelId": ops.id,
            "channelName": "general",
            "userEmail": "ada@example.com",
            "text": "x",
        },
    )
    assert isinstance(outcome, Completed)
    assert [m.text for m in slack.messages(ops)] == ["x"]
    assert slack.messages(slack.general) == [] and slack.dm(slack.owner) is None


async def test_text_renders_metadata_with_freemarker_values(slack: Any) -> None:
    outcome = await action(
        slack,
        "SEND_MESSAGE",
        {
            "channelId": slack.general.id,
            "text": "<#-- note -->Hi ${fullName.firstName} ${fullName.lastName?upper_case}, "
            'order ${order["id"]} ${coupon!"without coupon"}${note!}',
            # An Activiti json variable mapped from a string arrives as JSON text.
            "metadata": json.dumps(
                {"fullName": {"firstName": "Ada", "lastName": "Lovelace"}, "order": {"id": 1042}}
            ),
        },
    )
    assert isinstance(outcome, Completed), outcome
    assert slack.messages(slack.general)[-1].text == "Hi Ada LOVELACE, order 1042 without coupon"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Hi ${who}", "metadata has no value who"),
        ("<#if x>y</#if>", "the FreeMarker directive '<#if x>' is not supported"),
        ("${name?url}", "the built-in ?url is not supported"),
        ("${list}", "${list} is a list in metadata"),
        ("${name", "${ is not closed"),
    ],
)
async def test_a_text_that_cannot_render_is_invalid_input(
    slack: Any, text: str, problem: str
) -> None:
    outcome = await action(
        slack,
        "SEND_MESSAGE",
        {"channelId": slack.general.id, "text": text, "metadata": {"name": "x", "list": [1]}},
    )
    assert isinstance(outcome, Failed) and outcome.code == "INVALID_INPUT", outcome
    assert problem in outcome.message and outcome.incident
    assert slack.calls("chat.postMessage") == []


async def test_wait_for_a_reply_in_the_channel(slack: Any) -> None:
    ops = slack.add_channel("ops", members=[slack.owner])
    running = asyncio.create_task(
        action(
            slack,
            "SEND_MESSAGE",
            {"channelId": ops.id, "text": "Approve?", "requestResponse": "any"},
        )
    )
    question = await first_message(slack, ops)
    # A reply in a thread is no reply in the channel; the next channel message is.
    slack.post_as(slack.owner, ops, "in the thread", thread_ts=question.ts)
    slack.post_as(slack.owner, ops, "Approved")
    outcome = await asyncio.wait_for(running, 30)
    assert isinstance(outcome, Completed) and outcome.output == {"message": "Approved"}


async def test_wait_for_a_reply_in_the_thread(slack: Any) -> None:
    ops = slack.add_channel("ops", members=[slack.owner])
    running = asyncio.create_task(
        action(
            slack,
            "SEND_MESSAGE",
            {"channelName": "ops", "text": "Approve?", "requestResponse": "thread"},
        )
    )
    question = await first_message(slack, ops)
    slack.post_as(slack.owner, ops, "not in the thread")
    slack.post_as(slack.owner, ops, "Yes, go", thread_ts=question.ts)
    outcome = await asyncio.wait_for(running, 30)
    assert isinstance(outcome, Completed) and outcome.output == {"message": "Yes, go"}


async def test_no_reply_in_time_is_request_timeout_and_not_retried(slack: Any) -> None:
    outcome = await action(
        slack,
        "SEND_MESSAGE",
        {"channelId": slack.general.id, "text": "anyone?", "requestResponse": "thread"},
        settings={"SLACK_BOT_TOKEN": slack.token, "SLACK_REPLY_TIMEOUT": "1"},
    )
    assert isinstance(outcome, Failed) and outcome.code == "REQUEST_TIMEOUT", outcome
    # A retry would post the question again.
    assert outcome.incident
    assert len(slack.calls("chat.postMessage")) == 1
    assert slack.calls("conversations.replies")


async def test_send_message_failures_carry_apas_codes(slack: Any) -> None:
    cases: list[tuple[dict[str, Any], dict[str, str] | None, str]] = [
        ({"text": "x"}, None, "MISSING_INPUT"),
        ({"channelId": slack.general.id}, None, "MISSING_INPUT"),
        ({"channelId": slack.general.id, "text": "x"}, {}, "MISSING_INPUT"),
        (
            {"channelId": slack.general.id, "text": "x", "requestResponse": "maybe"},
            None,
            "INVALID_INPUT",
        ),
        ({"channelName": "nowhere", "text": "x"}, None, "CHANNEL_NOT_FOUND"),
        ({"channelId": "C0NOTTHERE", "text": "x"}, None, "CHANNEL_NOT_FOUND"),
        ({"userEmail": "nobody@example.test", "text": "x"}, None, "USER_NOT_FOUND"),
        ({"channelId": slack.general.id, "text": "x" * 40_001}, None, "MSG_TOO_LONG"),
        (
            {"channelId": slack.general.id, "text": "x"},
            {"SLACK_BOT_TOKEN": "xoxb-revoked"},
            "UNAUTHORIZED",
        ),
    ]
    for variables, settings, code in cases:
        outcome = await action(slack, "SEND_MESSAGE", variables, settings=settings)
        assert isinstance(outcome, Failed) and outcome.code == code, (variables, outcome)
    archived = slack.add_channel("old", archived=True)
    outcome = await action(slack, "SEND_MESSAGE", {"channelId": archived.id, "text": "x"})
    assert isinstance(outcome, Failed) and outcome.code == "INVALID_CHANNEL"
    assert outcome.variables["cause"] == "CHANNEL_ARCHIVED"


async def test_create_channel_invites_members_and_returns_slacks_reply(slack: Any) -> None:
    bob = slack.add_user("bob", real_name="Bob Smith")
    outcome = await action(
        slack,
        "CREATE_CHANNEL",
        {
            "channelName": "incident-42",
            "channelType": "private",
            "members": f"{bob.id}, ada@example.com",
        },
    )
    assert isinstance(outcome, Completed), outcome
    result = outcome.output["slackResult"]
    assert result["ok"] is True and result["channel"]["name"] == "incident-42"
    channel = slack.channel(result["channel"]["id"])
    assert channel.is_private
    assert set(slack.members(channel)) == {slack.bot.id, bob.id, slack.owner.id}
    # Public, members as a list (an Activiti array), the bot itself left out of the invite.
    outcome = await action(
        slack,
        "CREATE_CHANNEL",
        {"channelName": "town-hall", "channelType": "Public", "members": [slack.bot.id, bob.id]},
    )
    assert isinstance(outcome, Completed), outcome
    assert not slack.channel("town-hall").is_private
    assert set(slack.members("town-hall")) == {slack.bot.id, bob.id}


async def test_create_channel_failures_carry_apas_codes(slack: Any) -> None:
    base = {"channelName": "team", "channelType": "public", "members": "ada@example.com"}
    for variables, code in (
        ({**base, "channelName": None}, "MISSING_INPUT"),
        ({**base, "channelType": ""}, "MISSING_INPUT"),
        ({**base, "members": " , "}, "MISSING_INPUT"),
        ({**base, "channelType": "secret"}, "INVALID_INPUT"),
        ({**base, "members": {"id": 1}}, "INVALID_INPUT"),
        ({**base, "members": "nobody@example.test"}, "USER_NOT_FOUND"),
        ({**base, "channelName": "general"}, "INVALID_CHANNEL"),
        ({**base, "channelName": "Not Valid!"}, "INVALID_CHANNEL"),
    ):
        outcome = await action(slack, "CREATE_CHANNEL", variables)
        assert isinstance(outcome, Failed) and outcome.code == code, (variables, outcome)
    # An unknown member is found before the channel is made: nothing is left behind.
    with pytest.raises(KeyError):
        slack.channel("team")


async def test_an_instance_name_reads_its_own_token_first(slack: Any) -> None:
    team_slack = apa.renamed("team-slack")
    outcome = await action(
        slack,
        "SEND_MESSAGE",
        {"channelId": slack.general.id, "text": "from the team instance"},
        settings={"TEAM_SLACK_SLACK_BOT_TOKEN": slack.token, "SLACK_BOT_TOKEN": "xoxb-other"},
        target=team_slack,
    )
    assert isinstance(outcome, Completed), outcome
    assert slack.messages(slack.general)[-1].text == "from the team instance"
