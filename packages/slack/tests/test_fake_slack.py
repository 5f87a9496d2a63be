"""The fake Slack Web API itself, driven with plain httpx and slack-sdk: what it stores,
what it refuses and with which error names, its encodings and authentication, rate
limiting, and that a request or answer off Slack's document fails the test."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_support import CORRECTIONS, FakeSlack
from slack_support.slack_contract import load_document

Json = dict[str, Any]
HERE = Path(__file__).resolve().parent


@pytest.fixture
def api(slack: FakeSlack) -> Iterator[httpx.Client]:
    """The Web API with the bot token in the header, as slack-sdk sends it."""
    headers = {"Authorization": f"Bearer {slack.token}"}
    with httpx.Client(base_url=slack.base_url, headers=headers) as client:
        yield client


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    return WebClient(token=slack.token, base_url=slack.base_url)


def _ok(response: httpx.Response) -> Json:
    assert response.status_code == 200, response.text
    body: Json = response.json()
    assert body["ok"] is True, body
    return body


def _error(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    body: Json = response.json()
    assert body["ok"] is False, body
    return str(body["error"])


def _post(api: httpx.Client, method: str, **params: Any) -> httpx.Response:
    """A form-encoded call (booleans as ``true``/``false``)."""
    form = {k: json.dumps(v) if isinstance(v, bool) else v for k, v in params.items()}
    return api.post(method, data=form)


def _json(api: httpx.Client, method: str, body: Json) -> httpx.Response:
    return api.post(
        method,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )


# --------------------------------------------------------------------------- workspace


def test_a_fresh_workspace(slack: FakeSlack, client: WebClient) -> None:
    me = client.auth_test()
    assert me["user_id"] == slack.bot.id
    assert me["bot_id"] == slack.bot.bot_id
    assert me["team_id"] == slack.team_id
    assert slack.token.startswith("xoxb-")
    assert slack.base_url.startswith("http://127.0.0.1:") and slack.base_url.endswith("/api/")
    assert slack.members("#general") == [slack.owner.id, slack.bot.id]
    assert slack.user("ada@example.com") is slack.owner


# --------------------------------------------------------------------------- chat.postMessage


def test_post_to_a_channel_by_id_and_by_name(slack: FakeSlack, api: httpx.Client) -> None:
    general = slack.general.id
    for ref in (general, "general", "#general"):
        body = _ok(_post(api, "chat.postMessage", channel=ref, text=f"to {ref}"))
        assert body["channel"] == general
        assert body["message"]["text"] == f"to {ref}"
        assert body["message"]["user"] == slack.bot.id
    texts = [m.text for m in slack.messages(general)]
    assert texts == ["to " + general, "to general", "to #general"]
    stamps = [m.ts for m in slack.messages(general)]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3
    assert all(len(ts) == 17 and ts[10] == "." for ts in stamps)


def test_post_to_a_user_opens_the_direct_message(slack: FakeSlack, client: WebClient) -> None:
    bob = slack.add_user("bob", real_name="Bob Builder")
    first = client.chat_postMessage(channel=bob.id, text="hello Bob")
    again = client.chat_postMessage(channel=bob.id, text="again")
    dm = slack.dm(bob)
    assert dm is not None and dm.id.startswith("D")
    assert first["channel"] == again["channel"] == dm.id
    assert [m.text for m in slack.messages(dm)] == ["hello Bob", "again"]
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="@bob", text="by name")  # Slack stopped this
    assert caught.value.response["error"] == "channel_not_found"


def test_blocks_as_json_text_or_as_an_array(slack: FakeSlack, api: httpx.Client) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*bold*"}}]
    form = _ok(_post(api, "chat.postMessage", channel="general", blocks=json.dumps(blocks)))
    assert form["message"]["blocks"] == blocks
    body = {"channel": "general", "text": "fallback", "blocks": blocks, "mrkdwn": False}
    as_json = _ok(_json(api, "chat.postMessage", body))
    stored = slack.message("general", as_json["ts"])
    assert stored.blocks == blocks and stored.text == "fallback" and stored.mrkdwn is False


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"channel": "general"}, "no_text"),
        ({"channel": "general", "text": "x" * 40_001}, "msg_too_long"),
        ({"channel": "general", "blocks": "[{not json"}, "invalid_blocks_format"),
        ({"channel": "general", "blocks": '{"type": "section"}'}, "invalid_blocks_format"),
        ({"channel": "general", "blocks": '[{"type": "banner"}]'}, "invalid_blocks"),
        ({"channel": "general", "blocks": '[{"type": "section"}]'}, "invalid_blocks"),
        ({"channel": "nowhere", "text": "x"}, "channel_not_found"),
        ({"channel": "C0123456789", "text": "x"}, "channel_not_found"),
    ],
)
def test_post_errors(api: httpx.Client, params: dict[str, str], error: str) -> None:
    assert _error(_post(api, "chat.postMessage", **params)) == error


def test_the_longest_text_slack_takes(slack: FakeSlack, api: httpx.Client) -> None:
    _ok(_post(api, "chat.postMessage", channel="general", text="x" * 40_000))


def test_where_the_bot_may_post(slack: FakeSlack, api: httpx.Client) -> None:
    outside = slack.add_channel("outside", bot_member=False)
    secret = slack.add_channel("secret", private=True, bot_member=False)
    old = slack.add_channel("old", archived=True)
    assert _error(_post(api, "chat.postMessage", channel="outside", text="x")) == "not_in_channel"
    assert _error(_post(api, "chat.postMessage", channel=secret.id, text="x")) == (
        "channel_not_found"  # a private channel is invisible to non-members
    )
    assert _error(_post(api, "chat.postMessage", channel=old.id, text="x")) == "is_archived"
    slack.chat_write_public = True
    _ok(_post(api, "chat.postMessage", channel=outside.id, text="with chat:write.public"))
    assert _error(_post(api, "chat.postMessage", channel=secret.id, text="x")) == (
        "channel_not_found"
    )


def test_link_names_links_channels(slack: FakeSlack, api: httpx.Client) -> None:
    ops = slack.add_channel("ops")
    body = _ok(_post(api, "chat.postMessage", channel="general", text="see #ops", link_names=True))
    assert body["message"]["text"] == f"see <#{ops.id}|ops>"


# --------------------------------------------------------------------------- threads


def test_threads_count_their_replies(slack: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="general", text="parent")["ts"]
    reply = client.chat_postMessage(channel="general", text="one", thread_ts=parent)["ts"]
    # A reply's ts as thread_ts lands in the parent's thread, as in Slack.
    client.chat_postMessage(channel="general", text="two", thread_ts=reply)
    broadcast = client.chat_postMessage(
        channel="general", text="three", thread_ts=parent, reply_broadcast=True
    )
    slack.post_as(slack.owner, "general", "four", thread_ts=parent)
    assert broadcast["message"]["subtype"] == "thread_broadcast"
    assert [m.text for m in slack.thread("general", parent)] == ["one", "two", "three", "four"]

    history = client.conversations_history(channel=slack.general.id)["messages"]
    assert [m["text"] for m in history] == ["three", "parent"]  # newest first
    top = history[1]
    assert top["reply_count"] == 4
    assert top["reply_users"] == [slack.bot.id, slack.owner.id]
    assert top["latest_reply"] == slack.thread("general", parent)[-1].ts

    replies = client.conversations_replies(channel=slack.general.id, ts=reply)["messages"]
    assert [m["text"] for m in replies] == ["parent", "one", "two", "three", "four"]
    assert replies[1]["parent_user_id"] == slack.bot.id
    with pytest.raises(SlackApiError) as caught:
        client.conversations_replies(channel=slack.general.id, ts="1000000000.000100")
    assert caught.value.response["error"] == "thread_not_found"


def test_replies_page_by_cursor(slack: FakeSlack, client: WebClient) -> None:
    parent = slack.post_as(slack.owner, "general", "parent")
    for index in range(5):
        slack.post_as(slack.owner, "general", f"r{index}", thread_ts=parent.ts)
    texts: list[str] = []
    for page in client.conversations_replies(channel=slack.general.id, ts=parent.ts, limit=2):
        texts += [m["text"] for m in page["messages"]]
    assert texts == ["parent", "r0", "r1", "r2", "r3", "r4"]


# --------------------------------------------------------------------------- update, delete


def test_update_and_delete(slack: FakeSlack, api: httpx.Client) -> None:
    ts = _ok(_post(api, "chat.postMessage", channel="general", text="draft"))["ts"]
    blocks = [{"type": "divider"}]
    body = {"channel": slack.general.id, "ts": ts, "text": "final", "blocks": blocks}
    updated = _ok(_json(api, "chat.update", body))
    assert (updated["text"], updated["message"]["blocks"]) == ("final", blocks)
    assert slack.message("general", ts).text == "final"

    theirs = slack.post_as(slack.owner, "general", "not yours")
    assert _error(_post(api, "chat.update", channel=slack.general.id, ts=theirs.ts, text="x")) == (
        "cant_update_message"
    )
    assert _error(_post(api, "chat.delete", channel=slack.general.id, ts=theirs.ts)) == (
        "cant_delete_message"
    )
    missing = "1000000000.000100"
    assert _error(_post(api, "chat.update", channel=slack.general.id, ts=missing, text="x")) == (
        "message_not_found"
    )

    _ok(_post(api, "chat.delete", channel=slack.general.id, ts=ts))
    assert ts not in {m.ts for m in slack.messages("general")}
    assert _error(_post(api, "chat.delete", channel=slack.general.id, ts=ts)) == (
        "message_not_found"
    )


def test_deleting_a_parent_leaves_a_tombstone(slack: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="general", text="parent")["ts"]
    client.chat_postMessage(channel="general", text="reply", thread_ts=parent)
    client.chat_delete(channel=slack.general.id, ts=parent)
    assert slack.message("general", parent).subtype == "tombstone"
    assert [m.text for m in slack.thread("general", parent)] == ["reply"]


def test_permalinks(slack: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="general", text="parent")["ts"]
    reply = client.chat_postMessage(channel="general", text="r", thread_ts=parent)["ts"]
    link = client.chat_getPermalink(channel=slack.general.id, message_ts=parent)["permalink"]
    assert link == (
        f"https://tasklink-test.slack.com/archives/{slack.general.id}/p{parent.replace('.', '')}"
    )
    reply_link = client.chat_getPermalink(channel=slack.general.id, message_ts=reply)
    assert reply_link["permalink"].endswith(f"?thread_ts={parent}&cid={slack.general.id}")


# --------------------------------------------------------------------------- conversations


def test_create_a_channel(slack: FakeSlack, client: WebClient) -> None:
    public = client.conversations_create(name="release-2024_q1")["channel"]
    private = client.conversations_create(name="hr", is_private=True)["channel"]
    assert (public["name"], public["is_private"], public["is_member"]) == (
        "release-2024_q1",
        False,
        True,
    )
    assert private["is_private"] is True
    assert slack.members(private["id"]) == [slack.bot.id]
    assert slack.channel("#hr").is_private


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "invalid_name_required"),
        ("x" * 81, "invalid_name_maxlength"),
        ("Release", "invalid_name_specials"),
        ("with space", "invalid_name_specials"),
        ("#hash", "invalid_name_specials"),
        ("--", "invalid_name_punctuation"),
        ("general", "name_taken"),
    ],
)
def test_channel_name_rules(api: httpx.Client, name: str, error: str) -> None:
    assert _error(_post(api, "conversations.create", name=name)) == error


def test_invite_members(slack: FakeSlack, api: httpx.Client) -> None:
    bob, eve = slack.add_user("bob"), slack.add_user("eve")
    channel = _ok(_post(api, "conversations.create", name="project"))["channel"]["id"]
    body = _ok(_post(api, "conversations.invite", channel=channel, users=f"{bob.id},{eve.id}"))
    assert body["channel"]["num_members"] == 3
    assert slack.members(channel) == [slack.bot.id, bob.id, eve.id]

    def invite(users: str, **extra: Any) -> httpx.Response:
        return _post(api, "conversations.invite", channel=channel, users=users, **extra)

    carl = slack.add_user("carl")
    assert _error(invite(f"{carl.id},{bob.id}")) == "already_in_channel"
    assert carl.id not in slack.members(channel)  # one bad id: nobody is invited
    assert _error(invite("U0999999999")) == "user_not_found"
    assert _error(invite(slack.bot.id)) == "cant_invite_self"
    _ok(invite(f"{carl.id},{bob.id}", force=True))
    assert carl.id in slack.members(channel)

    outside = slack.add_channel("outside", bot_member=False)
    assert _error(_post(api, "conversations.invite", channel=outside.id, users=bob.id)) == (
        "not_in_channel"
    )
    archived = slack.add_channel("archived", archived=True)
    assert _error(_post(api, "conversations.invite", channel=archived.id, users=bob.id)) == (
        "is_archived"
    )


def test_list_conversations_by_type_and_page(slack: FakeSlack, client: WebClient) -> None:
    for index in range(4):
        slack.add_channel(f"c{index}")
    slack.add_channel("mine", private=True)
    slack.add_channel("theirs", private=True, bot_member=False)
    slack.add_channel("gone", archived=True)
    names: list[str] = []
    for page in client.conversations_list(limit=2, exclude_archived=True):
        assert len(page["channels"]) <= 2
        names += [c["name"] for c in page["channels"]]
    assert names == ["general", "c0", "c1", "c2", "c3"]
    both = client.conversations_list(types="public_channel,private_channel", limit=100)
    assert {"mine", "gone"} <= {c["name"] for c in both["channels"]}
    assert "theirs" not in {c["name"] for c in both["channels"]}
    assert both["response_metadata"]["next_cursor"] == ""
    with pytest.raises(SlackApiError) as caught:
        client.conversations_list(cursor="bm9wZQ==")
    assert caught.value.response["error"] == "invalid_cursor"


def test_history_windows_and_pages(slack: FakeSlack, client: WebClient) -> None:
    posted = [slack.post_as(slack.owner, "general", f"m{i}") for i in range(6)]
    general = slack.general.id
    first = client.conversations_history(channel=general, limit=4)
    assert [m["text"] for m in first["messages"]] == ["m5", "m4", "m3", "m2"]
    assert first["has_more"] is True
    cursor = first["response_metadata"]["next_cursor"]
    rest = client.conversations_history(channel=general, limit=4, cursor=cursor)
    assert [m["text"] for m in rest["messages"]] == ["m1", "m0"]
    assert rest["has_more"] is False and "response_metadata" not in rest.data

    window = client.conversations_history(channel=general, oldest=posted[1].ts, latest=posted[4].ts)
    assert [m["text"] for m in window["messages"]] == ["m3", "m2"]
    inclusive = client.conversations_history(
        channel=general, oldest=posted[1].ts, latest=posted[4].ts, inclusive=True
    )
    assert [m["text"] for m in inclusive["messages"]] == ["m4", "m3", "m2", "m1"]
    empty = slack.add_channel("empty")
    assert client.conversations_history(channel=empty.id)["messages"] == []
    outside = slack.add_channel("outside", bot_member=False)
    with pytest.raises(SlackApiError) as caught:
        client.conversations_history(channel=outside.id)
    assert caught.value.response["error"] == "not_in_channel"


def test_join_and_open(slack: FakeSlack, client: WebClient) -> None:
    outside = slack.add_channel("outside", bot_member=False)
    joined = client.conversations_join(channel=outside.id)
    assert joined["channel"]["is_member"] is True and "warning" not in joined.data
    assert client.conversations_join(channel=outside.id)["warning"] == "already_in_channel"
    secret = slack.add_channel("secret", private=True)
    with pytest.raises(SlackApiError) as caught:
        client.conversations_join(channel=secret.id)
    assert caught.value.response["error"] == "method_not_supported_for_channel_type"

    bob = slack.add_user("bob")
    opened = client.conversations_open(users=bob.id)
    assert opened["channel"]["id"].startswith("D") and "already_open" not in opened.data
    again = client.conversations_open(users=[bob.id], return_im=True)
    assert again["already_open"] is True and again["channel"]["user"] == bob.id
    with pytest.raises(SlackApiError) as caught:
        client.conversations_open(users="U0999999999")
    assert caught.value.response["error"] == "user_not_found"


# --------------------------------------------------------------------------- users


def test_look_users_up(slack: FakeSlack, client: WebClient) -> None:
    grace = slack.add_user("grace", real_name="Grace Hopper", email="Grace@Example.com")
    found = client.users_lookupByEmail(email="grace@example.com")["user"]
    assert (found["id"], found["real_name"], found["profile"]["email"]) == (
        grace.id,
        "Grace Hopper",
        "Grace@Example.com",
    )
    assert client.users_info(user=grace.id)["user"]["name"] == "grace"
    with pytest.raises(SlackApiError) as caught:
        client.users_lookupByEmail(email="nobody@example.com")
    assert caught.value.response["error"] == "users_not_found"
    with pytest.raises(SlackApiError) as caught:
        client.users_info(user="U0999999999")
    assert caught.value.response["error"] == "user_not_found"
    ids: list[str] = []
    for page in client.users_list(limit=2):
        ids += [m["id"] for m in page["members"]]
    assert ids == [slack.bot.id, slack.owner.id, grace.id]


# --------------------------------------------------------------------------- reactions, pins


def test_reactions_and_pins(slack: FakeSlack, api: httpx.Client) -> None:
    general = slack.general.id
    ts = _ok(_post(api, "chat.postMessage", channel=general, text="react to me"))["ts"]
    _ok(_post(api, "reactions.add", channel=general, name="thumbsup", timestamp=ts))
    assert _error(_post(api, "reactions.add", channel=general, name="thumbsup", timestamp=ts)) == (
        "already_reacted"
    )
    assert _error(_post(api, "reactions.add", channel=general, name=":x:", timestamp=ts)) == (
        "invalid_name"
    )
    missing = "1000000000.000100"
    assert _error(_post(api, "reactions.add", channel=general, name="eyes", timestamp=missing)) == (
        "message_not_found"
    )
    assert slack.reactions(general, ts) == {"thumbsup": [slack.bot.id]}

    _ok(_post(api, "pins.add", channel=general, timestamp=ts))
    assert _error(_post(api, "pins.add", channel=general, timestamp=ts)) == "already_pinned"
    assert slack.pins(general) == [ts]
    history = _ok(api.get("conversations.history", params={"channel": general}))
    assert history["pin_count"] == 1
    shown = history["messages"][0]
    assert shown["pinned_to"] == [general]
    assert shown["reactions"] == [{"name": "thumbsup", "users": [slack.bot.id], "count": 1}]

    _ok(_post(api, "pins.remove", channel=general, timestamp=ts))
    assert _error(_post(api, "pins.remove", channel=general, timestamp=ts)) == "not_pinned"
    _ok(_post(api, "reactions.remove", channel=general, name="thumbsup", timestamp=ts))
    assert _error(
        _post(api, "reactions.remove", channel=general, name="thumbsup", timestamp=ts)
    ) == ("no_reaction")


# --------------------------------------------------------------------------- files


def test_upload_a_file_with_slack_sdk(slack: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="general", text="report follows")["ts"]
    result = client.files_upload_v2(
        channel=slack.general.id,
        content=b"col1,col2\n1,2\n",
        filename="report.csv",
        title="Report",
        initial_comment="the report",
        thread_ts=parent,
    )
    upload = slack.file(result["file"]["id"])
    assert (upload.data, upload.title, upload.completed) == (b"col1,col2\n1,2\n", "Report", True)
    assert result["file"]["size"] == 14 and result["file"]["mimetype"] == "text/csv"
    (shared,) = slack.thread("general", parent)
    assert (shared.text, shared.files) == ("the report", [upload.id])
    assert upload.shares == [(slack.general.id, shared.ts)]


def test_upload_raw_or_multipart(slack: FakeSlack, api: httpx.Client) -> None:
    raw = _ok(_post(api, "files.getUploadURLExternal", filename="a.bin", length="3"))
    assert raw["upload_url"].startswith(slack.url + "/upload/v1/")
    assert httpx.post(raw["upload_url"], content=b"\x00\x01\x02").text == "OK - 3"
    form = _ok(_post(api, "files.getUploadURLExternal", filename="b.txt", length="5"))
    sent = httpx.post(form["upload_url"], files={"file": ("b.txt", b"hello", "text/plain")})
    assert sent.status_code == 200
    files = json.dumps([{"id": raw["file_id"]}, {"id": form["file_id"], "title": "B"}])
    done = _ok(_post(api, "files.completeUploadExternal", files=files))
    assert [f["title"] for f in done["files"]] == ["a.bin", "B"]
    assert slack.file(raw["file_id"]).data == b"\x00\x01\x02"
    assert slack.file(form["file_id"]).data == b"hello"
    assert slack.file(form["file_id"]).channels == []  # no channel: private to the bot
    # The URL is spent, and a completed file cannot be completed again.
    assert httpx.post(raw["upload_url"], content=b"abc").status_code == 404
    assert _error(_post(api, "files.completeUploadExternal", files=files)) == "file_not_found"


def test_upload_errors(slack: FakeSlack, api: httpx.Client) -> None:
    announced = _ok(_post(api, "files.getUploadURLExternal", filename="a.txt", length="4"))
    files = json.dumps([{"id": announced["file_id"]}])
    assert _error(_post(api, "files.completeUploadExternal", files=files)) == "file_not_found"
    assert _error(_post(api, "files.completeUploadExternal", files="not json")) == (
        "invalid_arguments"
    )
    httpx.post(announced["upload_url"], content=b"too long")
    [violation] = slack.take_violations()
    assert "uploaded 8 bytes" in violation and "announced length" in violation
    outside = slack.add_channel("outside", bot_member=False)
    assert _error(
        _post(api, "files.completeUploadExternal", files=files, channel_id=outside.id)
    ) == ("not_in_channel")


# --------------------------------------------------------------------------- auth, encodings


def test_the_token_is_checked(slack: FakeSlack) -> None:
    url = slack.base_url + "auth.test"
    assert _error(httpx.post(url)) == "not_authed"
    assert slack.take_violations() == [
        "POST /api/auth.test: missing required header parameter 'token'"
    ]
    assert _error(httpx.post(url, headers={"Authorization": "Bearer xoxb-wrong"})) == (
        "invalid_auth"
    )
    assert _ok(httpx.post(url, data={"token": slack.token}))["user_id"] == slack.bot.id
    assert _ok(httpx.get(url, params={"token": slack.token}))["user_id"] == slack.bot.id
    # Slack reads no token from a JSON body: the header is the only way there.
    body = json.dumps({"token": slack.token, "channel": "general", "text": "x"})
    headers = {"Content-Type": "application/json; charset=utf-8"}
    posted = httpx.post(slack.base_url + "chat.postMessage", content=body, headers=headers)
    assert _error(posted) == "not_authed"
    assert [r.auth for r in slack.requests] == [None, "bearer", "param", "param", None]
    assert slack.requests[1].headers["authorization"] == "Bearer ***"
    user_token = "xoxp-user-token-1"
    slack.add_token(user_token, slack.owner)
    me = httpx.post(url, headers={"Authorization": f"Bearer {user_token}"})
    assert _ok(me)["user_id"] == slack.owner.id


def test_both_encodings_and_both_verbs(slack: FakeSlack, api: httpx.Client) -> None:
    _ok(_post(api, "chat.postMessage", channel="general", text="form"))
    _ok(_json(api, "chat.postMessage", {"channel": "general", "text": "json"}))
    _ok(api.get("chat.postMessage", params={"channel": "general", "text": "query"}))
    # Read methods by POST, as slack-sdk's sync client sends every method.
    _ok(_post(api, "conversations.history", channel=slack.general.id, limit="10"))
    _ok(api.get("conversations.history", params={"channel": slack.general.id}))
    assert [m.text for m in slack.messages("general")] == ["form", "json", "query"]
    assert [r.encoding for r in slack.requests] == ["form", "json", "query", "form", "query"]
    assert slack.calls("chat.postMessage")[1].params == {"channel": "general", "text": "json"}
    assert slack.warnings == []


def test_a_json_body_without_charset_is_a_warning(slack: FakeSlack, api: httpx.Client) -> None:
    _ok(api.post("chat.postMessage", json={"channel": "general", "text": "x"}))
    assert slack.warnings == [
        "POST /api/chat.postMessage: JSON without a charset (Slack answers a missing_charset "
        "warning)"
    ]


@pytest.mark.parametrize(
    ("content", "content_type", "error"),
    [
        (b"{not json", "application/json; charset=utf-8", "invalid_json"),
        (b"[1, 2]", "application/json; charset=utf-8", "json_not_object"),
        (b"channel=general", "text/plain", "invalid_post_type"),
    ],
)
def test_unreadable_bodies(
    slack: FakeSlack, api: httpx.Client, content: bytes, content_type: str, error: str
) -> None:
    posted = api.post("chat.postMessage", content=content, headers={"Content-Type": content_type})
    assert _error(posted) == error
    violations = slack.take_violations()  # the request breaks the document; the answer not
    assert violations and not any(": answer " in v for v in violations)


# --------------------------------------------------------------------------- rate limits


def test_rate_limit_answers_429_with_retry_after(slack: FakeSlack, api: httpx.Client) -> None:
    slack.rate_limit("chat.postMessage", times=2, retry_after=7)
    for _ in range(2):
        limited = _post(api, "chat.postMessage", channel="general", text="x")
        assert limited.status_code == 429
        assert limited.headers["Retry-After"] == "7"
        assert limited.json() == {"ok": False, "error": "ratelimited"}
    _ok(_post(api, "auth.test"))  # other methods are not limited
    _ok(_post(api, "chat.postMessage", channel="general", text="x"))
    assert [r.status for r in slack.calls("chat.postMessage")] == [429, 429, 200]


def test_slack_sdk_retries_after_retry_after(slack: FakeSlack) -> None:
    client = WebClient(
        token=slack.token,
        base_url=slack.base_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    slack.rate_limit("chat.postMessage", times=1, retry_after=0)
    assert client.chat_postMessage(channel="general", text="eventually")["ok"] is True
    assert [r.status for r in slack.calls("chat.postMessage")] == [429, 200]


# --------------------------------------------------------------------------- the contract


def test_requests_off_the_document_are_collected(slack: FakeSlack, api: httpx.Client) -> None:
    assert _error(_post(api, "chat.postMessage", text="no channel")) == "channel_not_found"
    _ok(_post(api, "chat.postMessage", channel="general", text="x", reply_broadcast="maybe"))
    history = api.post(
        "conversations.history",
        content=json.dumps({"channel": slack.general.id}).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert _error(history) == "channel_not_found"  # Slack reads no JSON for this method
    multipart = api.post("chat.postMessage", files={"channel": (None, "general")})
    assert _error(multipart) == "no_text"
    unknown = api.post("nothing.here")
    assert unknown.status_code == 404 and unknown.json()["error"] == "unknown_method"
    violations = slack.take_violations()
    assert violations[0] == (
        "POST /api/chat.postMessage: missing required formData parameter 'channel'"
    )
    assert any("'reply_broadcast'" in v and "'maybe'" in v for v in violations)
    assert any(
        v.startswith("POST /api/conversations.history: request content type 'application/json'")
        for v in violations
    )
    assert any("'multipart/form-data' is not declared" in v for v in violations)
    assert "POST /api/nothing.here: the Slack document has no method 'nothing.here'" in violations
    assert slack.take_violations() == []


def test_a_method_the_fake_lacks_is_a_violation(slack: FakeSlack, api: httpx.Client) -> None:
    assert api.post("emoji.list").status_code == 404
    assert slack.take_violations() == [
        "POST /api/emoji.list: the fake does not implement emoji.list (yet)"
    ]


def test_each_correction_changes_the_document(slack_specs: Path) -> None:
    """A correction the published document no longer needs must go."""
    for correction in CORRECTIONS:
        assert correction.apply(load_document(slack_specs)), correction.name


def test_concurrent_posts_get_distinct_growing_stamps(slack: FakeSlack) -> None:
    client = WebClient(token=slack.token, base_url=slack.base_url)
    stamps: list[str] = []
    lock = threading.Lock()

    def post(index: int) -> None:
        ts = client.chat_postMessage(channel="general", text=str(index))["ts"]
        with lock:
            stamps.append(ts)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(stamps)) == 16
    assert [m.ts for m in slack.messages("general")] == sorted(stamps)


def test_runs_on_its_own(slack_specs: Path) -> None:
    command = [sys.executable, "-m", "support.fake_slack", "--port", "0"]
    command += ["--specs", str(slack_specs)]
    process = subprocess.Popen(command, cwd=HERE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        ready, base_url = process.stdout.readline().split()
        label, token = process.stdout.readline().split()
        assert (ready, label) == ("ready", "token")
        me = httpx.post(base_url + "auth.test", headers={"Authorization": f"Bearer {token}"})
        assert _ok(me)["team_id"].startswith("T")
    finally:
        process.terminate()
        process.wait(timeout=10)
