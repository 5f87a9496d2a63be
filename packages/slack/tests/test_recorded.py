"""What the connector sends to Slack and how it reads the answers, replayed from cassettes
with the network blocked, and each cassette checked against Slack's Web API document.

The cassettes under ``cassettes/`` were recorded from the fake Slack
(``support/fake_slack.py``, itself checking every exchange against the document) on
127.0.0.1:18793, with the bot token :data:`TOKEN`. The connector's HTTP exchange goes
through tasklink's shared client (httpx), not aiohttp: vcrpy records the very
form-encoded bytes that were sent, and a replayed request must match the recorded one in
method, URL, query, exact body and headers (credentials and volatile headers excepted),
so a change in how the connector shapes a call fails here. Channel ids and message
timestamps come from the recorded answers, as they would from Slack.

To re-record (after a deliberate change of the requests)::

    TASKLINK_RECORD=1 hatch run pytest -q --import-mode=importlib \\
        packages/slack/tests/test_recorded.py

Each test then replaces its cassette with one recorded against a fresh fake (the port
must be free).

The cassettes are checked against the document as the fake checks its exchanges: the
published document with the fake's documented corrections (``support/slack_contract.py``:
the external upload methods, cursor paging of history, error names), since the 2020
document lacks ``files.getUploadURLExternal`` and ``files.completeUploadExternal``. The
upload of the content itself goes to the URL Slack hands out, which is no Web API method:
it is left out of that check and checked here instead (raw bytes, no token).

No credential reaches a cassette: tasklink-testing's scrubber masks the ``Authorization``
header and the token wherever it appears; :func:`test_no_cassette_holds_the_token` checks
the files, also for the token's base64 forms.
"""

from __future__ import annotations

import base64
import json
import os
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml
from slack_support import Contract, FakeSlack

from tasklink.core import Completed, Failed, Outcome
from tasklink.slack import connector
from tasklink.testing import arun_job, assert_cassette_matches_spec, recording_vcr
from tasklink.testing._recording import SENSITIVE_HEADERS

CASSETTES = Path(__file__).resolve().parent / "cassettes"
PORT = 18793
BASE_URL = f"http://127.0.0.1:{PORT}/api/"
TOKEN = "xoxb-000000000042-1700000000-recordedSlackBotTokenA1b2"
RECORDING = os.environ.get("TASKLINK_RECORD") == "1"
UPLOAD_PATH = "/upload/v1/"
# Headers that differ between runs without the request changing shape.
_VOLATILE = frozenset({"user-agent", "accept-encoding"}) | SENSITIVE_HEADERS
#: Every cassette, by the test that records it.
CASSETTE_NAMES = (
    "post_text_and_blocks_in_a_thread",
    "create_channel_and_invite_by_email",
    "react_and_pin",
    "upload_a_file_into_a_thread",
    "read_history_and_replies",
    "channel_not_found",
)
BLOCKS: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*Order 42* shipped"}},
    {"type": "context", "elements": [{"type": "plain_text", "text": "via tasklink"}]},
]
CSV = b"order,total\n42,99.50\n"
REPLY = "Tracking: 1Z999 \u2705 (M\u00fcller & S\u00f6hne, 100% on time)"


def _raw(body: Any) -> bytes:
    if body is None:
        return b""
    return body if isinstance(body, bytes) else str(body).encode("utf-8", "surrogateescape")


def _shaped_headers(r1: Any, r2: Any) -> None:
    def shape(request: Any) -> dict[str, Any]:
        return {k.lower(): v for k, v in request.headers.items() if k.lower() not in _VOLATILE}

    assert shape(r1) == shape(r2), f"{shape(r1)} != {shape(r2)}"


def _exact_body(r1: Any, r2: Any) -> None:
    """The bytes sent, not only the parsed form (vcrpy's ``body`` matcher parses
    form-encoded bodies, so it misses a change of order or encoding)."""
    assert _raw(r1.body) == _raw(r2.body), f"{_raw(r1.body)!r} != {_raw(r2.body)!r}"


def _blocked(*args: Any, **kwargs: Any) -> Any:
    raise OSError("the network is blocked while cassettes replay")


@dataclass
class Recorder:
    """The test's cassette; while recording, the fake it is recorded from."""

    name: str
    fake: FakeSlack | None

    @property
    def path(self) -> Path:
        return CASSETTES / f"{self.name}.yaml"

    def interactions(self) -> list[dict[str, Any]]:
        data: dict[str, Any] = yaml.safe_load(self.path.read_text("utf-8"))
        interactions: list[dict[str, Any]] = data["interactions"]
        return interactions

    def calls(self) -> list[tuple[str, str, dict[str, str]]]:
        """``(verb, API method or "upload", parameters)`` of each recorded request."""
        found: list[tuple[str, str, dict[str, str]]] = []
        for interaction in self.interactions():
            request = interaction["request"]
            parts = urlsplit(request["uri"])
            if parts.path.startswith(UPLOAD_PATH):
                found.append((request["method"], "upload", {}))
                continue
            params = dict(parse_qsl(parts.query, keep_blank_values=True))
            if request.get("body"):
                params.update(parse_qsl(_raw(request["body"]).decode(), keep_blank_values=True))
            found.append((request["method"], parts.path.removeprefix("/api/"), params))
        return found


@pytest.fixture
async def cassette(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Recorder]:
    """Replays the test's cassette offline; with ``TASKLINK_RECORD=1`` records it afresh
    against a new fake Slack on :data:`PORT`."""
    from tasklink.client import aclose_clients

    name = request.node.name.removeprefix("test_")
    assert name in CASSETTE_NAMES
    vcr = recording_vcr(CASSETTES, known_secrets=[TOKEN])
    vcr.register_matcher("shaped_headers", _shaped_headers)
    vcr.register_matcher("exact_body", _exact_body)
    fake: FakeSlack | None = None
    recorder = Recorder(name, None)
    if RECORDING:
        fake = FakeSlack(request.getfixturevalue("slack_specs")).start(PORT)
        fake.add_token(TOKEN, fake.bot)
        recorder.fake = fake
        recorder.path.unlink(missing_ok=True)
    else:
        monkeypatch.setattr(socket.socket, "connect", _blocked)
        monkeypatch.setattr(socket.socket, "connect_ex", _blocked)
    try:
        with vcr.use_cassette(
            recorder.path.name,
            match_on=[
                "method",
                "scheme",
                "host",
                "port",
                "path",
                "query",
                "body",
                "exact_body",
                "shaped_headers",
            ],
        ) as recorded:
            yield recorder
            if not RECORDING:
                assert recorded.all_played, "a recorded request was not sent"
        await aclose_clients()
    finally:
        if fake is not None:
            violations = fake.take_violations()
            fake.close()
            assert violations == [], "the fake saw deviations from the Web API document"
    assert TOKEN not in recorder.path.read_text("utf-8")


async def _run(operation: str, **inputs: Any) -> Outcome:
    return await arun_job(
        connector,
        {"token": "{{secrets.SLACK_TOKEN}}", "baseUrl": BASE_URL, **inputs},
        operation=operation,
        secrets={"SLACK_TOKEN": TOKEN},
    )


async def _ok(operation: str, **inputs: Any) -> dict[str, Any]:
    outcome = await _run(operation, **inputs)
    assert isinstance(outcome, Completed), outcome
    output: dict[str, Any] = outcome.output
    return output


async def test_post_text_and_blocks_in_a_thread(cassette: Recorder) -> None:
    parent = await _ok("post_message", channel="#general", text="Order 42 shipped", blocks=BLOCKS)
    channel, ts = parent["channel"], parent["ts"]
    assert parent["message"]["blocks"] == BLOCKS
    reply = await _ok(
        "post_message",
        channel=channel,
        text=REPLY,
        threadTs=ts,
        replyBroadcast=True,
        getPermalink=True,
    )
    assert (reply["channel"], reply["threadTs"]) == (channel, ts)
    assert reply["ts"] != ts
    assert reply["permalink"].startswith("https://") and channel in reply["permalink"]
    if cassette.fake is not None:
        fake = cassette.fake
        assert channel == fake.general.id
        assert [m.text for m in fake.thread(fake.general, ts)] == [REPLY]
        assert fake.message(fake.general, ts).blocks == BLOCKS
        return
    calls = cassette.calls()
    assert [(verb, method) for verb, method, _ in calls] == [
        ("GET", "conversations.list"),
        ("POST", "chat.postMessage"),
        ("POST", "chat.postMessage"),
        ("GET", "chat.getPermalink"),
    ]
    # Form-encoded: the blocks as JSON text, the thread by the parent's recorded ts.
    first, second = calls[1][2], calls[2][2]
    assert json.loads(first["blocks"]) == BLOCKS
    assert (first["channel"], first["text"]) == (channel, "Order 42 shipped")
    assert (second["thread_ts"], second["reply_broadcast"]) == (ts, "true")
    assert second["text"] == REPLY  # UTF-8, percent-encoded as sent
    for interaction in cassette.interactions()[1:3]:
        headers = {k.lower(): v for k, v in interaction["request"]["headers"].items()}
        assert headers["content-type"] == ["application/x-www-form-urlencoded"]


async def test_create_channel_and_invite_by_email(cassette: Recorder) -> None:
    if cassette.fake is not None:
        cassette.fake.add_user("grace", real_name="Grace Hopper", email="grace@example.com")
    created = await _ok(
        "create_channel", name="incident-42", isPrivate=True, users="ada@example.com"
    )
    channel = created["channel"]
    assert created["name"] == "incident-42"
    assert created["conversation"]["is_private"] is True
    [ada] = created["invited"]
    invited = await _ok("invite_users", channel="#incident-42", users=["grace@example.com"])
    [grace] = invited["invited"]
    assert invited["channel"] == channel and grace != ada
    if cassette.fake is not None:
        fake = cassette.fake
        assert (ada, grace) == (fake.owner.id, fake.user("grace").id)
        assert {ada, grace, fake.bot.id} <= set(fake.members(channel))
        return
    calls = cassette.calls()
    assert [method for _, method, _ in calls] == [
        "conversations.create",
        "users.lookupByEmail",
        "conversations.invite",
        "conversations.list",
        "users.lookupByEmail",
        "conversations.invite",
    ]
    assert calls[0][2] == {"name": "incident-42", "is_private": "true"}
    assert calls[1][2] == {"email": "ada@example.com"}
    assert calls[2][2] == {"channel": channel, "users": ada}
    assert calls[5][2] == {"channel": channel, "users": grace}


async def test_react_and_pin(cassette: Recorder) -> None:
    posted = await _ok("post_message", channel="#general", text="Ship it?")
    channel, ts = posted["channel"], posted["ts"]
    reacted = await _ok("add_reaction", channel=channel, ts=ts, name=":white_check_mark:")
    assert reacted == {"channel": channel, "ts": ts, "name": "white_check_mark"}
    pinned = await _ok("pin_message", channel=channel, ts=ts)
    assert (pinned["channel"], pinned["ts"]) == (channel, ts)
    again = await _run("add_reaction", channel=channel, ts=ts, name="white_check_mark")
    assert isinstance(again, Failed)
    assert (again.code, again.retries, again.variables["error"]) == (
        "ALREADY_REACTED",
        0,
        "already_reacted",
    )
    if cassette.fake is not None:
        fake = cassette.fake
        assert fake.reactions(channel, ts) == {"white_check_mark": [fake.bot.id]}
        assert fake.pins(channel) == [ts]
        return
    calls = cassette.calls()
    assert [method for _, method, _ in calls] == [
        "conversations.list",
        "chat.postMessage",
        "reactions.add",
        "pins.add",
        "reactions.add",
    ]
    assert calls[2][2] == {"channel": channel, "timestamp": ts, "name": "white_check_mark"}
    assert calls[3][2] == {"channel": channel, "timestamp": ts}


async def test_upload_a_file_into_a_thread(cassette: Recorder) -> None:
    parent = await _ok("post_message", channel="#general", text="Report follows")
    channel, ts = parent["channel"], parent["ts"]
    document = {
        "camunda.document.type": "inline",
        "content": base64.b64encode(CSV).decode(),
        "encoding": "base64",
        "fileName": "orders.csv",
        "contentType": "text/csv",
    }
    out = await _ok(
        "upload_file",
        document=document,
        channel=channel,
        threadTs=ts,
        title="Orders",
        initialComment="Today's orders",
    )
    file_id = out["fileId"]
    assert out["channel"] == channel
    assert (out["file"]["id"], out["file"]["name"], out["file"]["title"]) == (
        file_id,
        "orders.csv",
        "Orders",
    )
    if cassette.fake is not None:
        file = cassette.fake.file(file_id)
        assert (file.data, file.completed) == (CSV, True)
        assert file.shares and file.shares[0][0] == channel
        return
    calls = cassette.calls()
    assert [(verb, method) for verb, method, _ in calls] == [
        ("GET", "conversations.list"),
        ("POST", "chat.postMessage"),
        ("POST", "files.getUploadURLExternal"),
        ("POST", "upload"),
        ("POST", "files.completeUploadExternal"),
    ]
    assert calls[2][2] == {"filename": "orders.csv", "length": str(len(CSV))}
    complete = calls[4][2]
    assert json.loads(complete["files"]) == [{"id": file_id, "title": "Orders"}]
    assert (complete["channel_id"], complete["thread_ts"]) == (channel, ts)
    assert complete["initial_comment"] == "Today's orders"
    # The content went to the upload URL Slack answered, as raw bytes, without the token.
    interactions = cassette.interactions()
    ticket = json.loads(interactions[2]["response"]["body"]["string"])
    upload = interactions[3]["request"]
    assert upload["uri"] == ticket["upload_url"]
    assert _raw(upload["body"]) == CSV
    headers = {k.lower(): v for k, v in upload["headers"].items()}
    assert "authorization" not in headers
    assert headers["content-type"] == ["text/csv"]


async def test_read_history_and_replies(cassette: Recorder) -> None:
    if cassette.fake is not None:
        cassette.fake.post_as(cassette.fake.owner, "general", "Good morning")
    parent = await _ok("post_message", channel="#general", text="Order 42 shipped")
    channel, ts = parent["channel"], parent["ts"]
    await _ok("post_message", channel=channel, text="Tracking: 1Z999", threadTs=ts)
    await _ok("post_message", channel=channel, text="Delivered", threadTs=ts)
    thread = await _ok("read_history", channel=channel, threadTs=ts, limit=10)
    assert [m["text"] for m in thread["messages"]] == [
        "Order 42 shipped",
        "Tracking: 1Z999",
        "Delivered",
    ]
    assert all(m.get("thread_ts") == ts for m in thread["messages"])
    assert (thread["channel"], thread["hasMore"]) == (channel, False)
    history = await _ok("read_history", channel="#general", limit=2)
    assert [m["text"] for m in history["messages"]] == ["Order 42 shipped", "Good morning"]
    assert history["hasMore"] is False
    if cassette.fake is not None:
        return
    calls = cassette.calls()
    methods = [(verb, method) for verb, method, _ in calls]
    assert methods[-3:] == [
        ("GET", "conversations.replies"),
        ("GET", "conversations.list"),
        ("GET", "conversations.history"),
    ]
    assert calls[-3][2]["ts"] == ts and calls[-3][2]["channel"] == channel
    assert calls[-1][2]["channel"] == channel


async def test_channel_not_found(cassette: Recorder) -> None:
    # An id Slack does not know: Slack's own ok: false answer.
    by_id = await _run("post_message", channel="C0099999999", text="hello?")
    assert isinstance(by_id, Failed)
    assert (by_id.code, by_id.retries) == ("CHANNEL_NOT_FOUND", 0)
    assert by_id.variables["error"] == "channel_not_found"
    # A name no channel the app can see has: found out by listing them.
    by_name = await _run("post_message", channel="#no-such-channel", text="hello?")
    assert isinstance(by_name, Failed)
    assert (by_name.code, by_name.retries) == ("CHANNEL_NOT_FOUND", 0)
    assert by_name.variables == {"error": "channel_not_found", "channel": "#no-such-channel"}
    for outcome in (by_id, by_name):
        assert TOKEN not in f"{outcome.message} {outcome.variables}"
    if cassette.fake is not None:
        return
    [answer, listing] = [i["response"] for i in cassette.interactions()]
    assert answer["status"]["code"] == 200
    assert json.loads(answer["body"]["string"]) == {"ok": False, "error": "channel_not_found"}
    assert json.loads(listing["body"]["string"])["ok"] is True


def _without_uploads(path: Path, into: Path) -> Path:
    """The cassette without its content uploads (to Slack's upload URL, no API method)."""
    data = yaml.safe_load(path.read_text("utf-8"))
    data["interactions"] = [
        i
        for i in data["interactions"]
        if not urlsplit(i["request"]["uri"]).path.startswith(UPLOAD_PATH)
    ]
    into.write_text(yaml.safe_dump(data), "utf-8")
    return into


@pytest.mark.parametrize("name", CASSETTE_NAMES)
def test_the_cassette_matches_the_slack_api_document(
    name: str, slack_specs: Path, tmp_path: Path
) -> None:
    path = CASSETTES / f"{name}.yaml"
    assert path.is_file(), f"{path} is missing: record it with TASKLINK_RECORD=1"
    api_calls = _without_uploads(path, tmp_path / path.name)
    assert_cassette_matches_spec(api_calls, Contract(slack_specs).spec)


def test_the_check_finds_a_deviation(slack_specs: Path, tmp_path: Path) -> None:
    """The check would catch an answer the document forbids: a message without ts."""
    data = yaml.safe_load((CASSETTES / "react_and_pin.yaml").read_text("utf-8"))
    for interaction in data["interactions"]:
        if interaction["request"]["uri"].endswith("/chat.postMessage"):
            body = json.loads(interaction["response"]["body"]["string"])
            del body["ts"]
            interaction["response"]["body"]["string"] = json.dumps(body)
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(data), "utf-8")
    with pytest.raises(AssertionError, match=r"chat\.postMessage"):
        assert_cassette_matches_spec(broken, Contract(slack_specs).spec)


def test_no_cassette_holds_the_token() -> None:
    files = sorted(CASSETTES.glob("*.yaml"))
    assert {f.stem for f in files} == set(CASSETTE_NAMES)
    encoded = TOKEN.encode()
    forms = {
        TOKEN,
        TOKEN.rsplit("-", maxsplit=1)[-1],  # the token's secret part alone
        base64.b64encode(encoded).decode(),
        base64.urlsafe_b64encode(encoded).decode(),
        base64.b64encode(f"Bearer {TOKEN}".encode()).decode(),
        base64.b64encode(f":{TOKEN}".encode()).decode(),
    }
    # Base64 of the token at any offset within a longer encoded text: its inner part.
    for shift in range(3):
        inner = base64.b64encode(b"\0" * shift + encoded).decode()
        forms.add(inner[4:-4])
    for path in files:
        text = path.read_text("utf-8")
        for form in forms:
            assert form not in text, f"{path.name} holds the token ({form[:12]}...)"
        for interaction in yaml.safe_load(text)["interactions"]:
            request = interaction["request"]
            assert "token=" not in request["uri"], path.name
            assert "token=" not in _raw(request.get("body")).decode(), path.name
            for name, values in request["headers"].items():
                if name.lower() in SENSITIVE_HEADERS:
                    assert values in (["***"], "***"), f"{path.name}: {name} {values}"
            api = urlsplit(request["uri"]).path.startswith("/api/")
            sent = {name.lower() for name in request["headers"]}
            assert ("authorization" in sent) == api, f"{path.name}: {request['uri']}"


async def test_blocking_the_socket_blocks_the_connector(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replays are offline only if the connector connects through ``socket.connect``."""
    attempts: list[Any] = []

    def blocked(*args: Any) -> Any:
        attempts.append(args)
        return _blocked()

    monkeypatch.setattr(socket.socket, "connect", blocked)
    outcome = await _run("post_message", channel="C0099999999", text="x")
    assert isinstance(outcome, Failed)
    assert (outcome.code, outcome.retries) == ("CONNECTION_FAILED", 2)
    assert attempts, "the connector connected without going through socket.connect"
    assert TOKEN not in f"{outcome.message} {outcome.variables}"
