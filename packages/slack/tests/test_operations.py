"""Every operation against the fake Slack (``slack`` fixture), which checks each request
and answer against Slack's API document and keeps state, so sequences are real."""

from __future__ import annotations

import base64
from typing import Any

from .helpers import ok, run


def test_post_to_a_channel_by_name_with_blocks_and_permalink(slack: Any) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Order 42*"}}]
    out = ok(
        slack, "post_message", channel="#general", text="Order 42", blocks=blocks, getPermalink=True
    )
    assert out["channel"] == slack.general.id
    message = slack.message(slack.general, out["ts"])
    assert message.text == "Order 42"
    assert out["message"]["ts"] == out["ts"]
    assert out["permalink"] and slack.general.id in out["permalink"]
    (call,) = slack.calls("chat.postMessage")
    assert call.encoding == "form"


def test_post_to_a_user_by_email_and_by_at_name_opens_a_dm(slack: Any) -> None:
    first = ok(slack, "post_message", channel="ada@example.com", text="hi")
    second = ok(slack, "post_message", channel="@ada", text="again")
    dm = slack.dm(slack.owner)
    assert dm is not None and first["channel"] == second["channel"] == dm.id


def test_thread_reply_broadcast_then_read_replies_and_history(slack: Any) -> None:
    parent = ok(slack, "post_message", channel=slack.general.id, text="parent")
    ok(slack, "post_message", channel=slack.general.id, text="quiet", threadTs=parent["ts"])
    loud = ok(
        slack,
        "post_message",
        channel=slack.general.id,
        text="loud",
        threadTs=parent["ts"],
        replyBroadcast=True,
    )
    assert loud["threadTs"] == parent["ts"]
    assert [m.text for m in slack.thread(slack.general, parent["ts"])] == ["quiet", "loud"]
    replies = ok(slack, "read_history", channel="#general", threadTs=parent["ts"])
    assert [m["text"] for m in replies["messages"]] == ["parent", "quiet", "loud"]
    history = ok(slack, "read_history", channel="#general", limit=2)
    assert [m["text"] for m in history["messages"]] == ["loud", "parent"]
    assert history["hasMore"] is False


def test_history_is_bounded_by_the_limit_across_pages(slack: Any) -> None:
    for n in range(5):
        slack.post_as(slack.owner, slack.general, f"m{n}")
    out = ok(slack, "read_history", channel=slack.general.id, limit=3)
    assert [m["text"] for m in out["messages"]] == ["m4", "m3", "m2"]
    assert out["hasMore"] is True


def test_update_and_delete_a_message(slack: Any) -> None:
    posted = ok(slack, "post_message", channel="#general", text="draft")
    updated = ok(slack, "update_message", channel="#general", ts=posted["ts"], text="final")
    assert updated["ts"] == posted["ts"]
    assert slack.message(slack.general, posted["ts"]).text == "final"
    ok(slack, "delete_message", channel=slack.general.id, ts=posted["ts"])
    assert posted["ts"] not in [m.ts for m in slack.messages(slack.general)]
    gone = run(slack, "update_message", channel="#general", ts=posted["ts"], text="x")
    assert (gone.kind, gone.code, gone.retries) == ("failed", "MESSAGE_NOT_FOUND", 0)


def test_reaction_pin_and_unpin(slack: Any) -> None:
    posted = ok(slack, "post_message", channel="#general", text="ship it")
    out = ok(slack, "add_reaction", channel="#general", ts=posted["ts"], name=":tada:")
    assert out["name"] == "tada"
    assert slack.reactions(slack.general, posted["ts"]) == {"tada": [slack.bot.id]}
    again = run(slack, "add_reaction", channel="#general", ts=posted["ts"], name="tada")
    assert again.code == "ALREADY_REACTED"
    ok(slack, "pin_message", channel="#general", ts=posted["ts"])
    assert slack.pins(slack.general) == [posted["ts"]]
    ok(slack, "unpin_message", channel="#general", ts=posted["ts"])
    assert slack.pins(slack.general) == []


def test_create_a_private_channel_and_invite_by_email_and_name(slack: Any) -> None:
    bob = slack.add_user("bob", email="bob@example.com")
    out = ok(slack, "create_channel", name="incident-7", isPrivate=True, users="ada@example.com")
    channel = slack.channel(out["channel"])
    assert channel.is_private and out["name"] == "incident-7"
    assert out["invited"] == [slack.owner.id]
    invited = ok(slack, "invite_users", channel=out["channel"], users=["@bob"])
    assert invited["invited"] == [bob.id]
    assert {slack.owner.id, bob.id} <= set(slack.members(channel))
    taken = run(slack, "create_channel", name="incident-7")
    assert (taken.kind, taken.code, taken.retries) == ("failed", "NAME_TAKEN", 0)


def test_upload_a_document_into_a_thread(slack: Any) -> None:
    parent = ok(slack, "post_message", channel="#general", text="report follows")
    document = {
        "camunda.document.type": "inline",
        "content": base64.b64encode(b"a,b\n1,2\n").decode(),
        "encoding": "base64",
        "fileName": "report.csv",
    }
    out = ok(
        slack,
        "upload_file",
        document=document,
        channel="#general",
        threadTs=parent["ts"],
        title="Report",
        initialComment="here",
    )
    assert out["channel"] == slack.general.id
    file = slack.file(out["fileId"])
    assert file.name == "report.csv"
    assert out["file"]["id"] == out["fileId"]


def test_lookup_user_by_email(slack: Any) -> None:
    out = ok(slack, "lookup_user", email="ADA@example.com")
    assert (out["userId"], out["name"]) == (slack.owner.id, "ada")
    missing = run(slack, "lookup_user", email="nobody@example.com")
    assert (missing.kind, missing.code, missing.retries) == ("failed", "USER_NOT_FOUND", 0)
    assert missing.variables["error"] == "users_not_found"


def test_slack_errors_become_stable_codes(slack: Any) -> None:
    private = slack.add_channel("secret", private=True, bot_member=False)
    hidden = run(slack, "post_message", channel=private.id, text="x")
    assert (hidden.code, hidden.retries) == ("CHANNEL_NOT_FOUND", 0)
    unknown = run(slack, "post_message", channel="#nope", text="x")
    assert unknown.code == "CHANNEL_NOT_FOUND"
    too_long = run(slack, "post_message", channel="#general", text="x" * 40_001)
    assert too_long.code == "MSG_TOO_LONG"
    bad = run(slack, "lookup_user", email="ada@example.com", token="xoxb-not-a-token-00")
    assert (bad.code, bad.retries) == ("INVALID_AUTH", 0)
    assert "xoxb-not-a-token-00" not in str(bad.message) + str(bad.variables)


def test_a_short_rate_limit_is_retried_inside_the_call(slack: Any) -> None:
    slack.rate_limit("chat.postMessage", times=1, retry_after=1)
    out = ok(slack, "post_message", channel="#general", text="after the wait")
    assert slack.message(slack.general, out["ts"]).text == "after the wait"
    assert len(slack.calls("chat.postMessage")) == 2


def test_a_long_rate_limit_fails_the_job_with_its_backoff(slack: Any) -> None:
    slack.rate_limit("chat.postMessage", times=1, retry_after=60)
    outcome = run(slack, "post_message", channel="#general", text="x")
    assert (outcome.kind, outcome.code, outcome.retries) == ("failed", "RATE_LIMITED", 2)
    assert outcome.variables["retryAfter"] == 60
