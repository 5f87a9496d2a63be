"""The internal call layer (``_api``) on its own, against httpx mock transports handed to
the shared client: how calls are encoded, how Slack's answers become results and error
codes, 429 handling, name resolution and the three-step upload."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from tasklink import client
from tasklink.core import (
    ConnectorError,
    Context,
    Document,
    JobInfo,
    MappingSecretProvider,
    SecretResolver,
)
from tasklink.slack import _api

TOKEN = "xoxb-unit-test-token-1234"
BASE = "https://slack.example.com/api/"

Handler = Callable[[httpx.Request], httpx.Response]


def ctx() -> Context:
    return Context(JobInfo(), SecretResolver(MappingSecretProvider({})))


def form(request: httpx.Request) -> dict[str, str]:
    return dict(parse_qsl(request.content.decode()))


def method(request: httpx.Request) -> str:
    return request.url.path.rsplit("/", 1)[-1]


class Recorder:
    """A mock Slack: answers by method name, records every request."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.get(method(request), self.answers.get(str(request.url)))
        if callable(answer):
            answer = answer(request)
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(200, json=answer if answer is not None else {"ok": True})

    def by(self, name: str) -> list[httpx.Request]:
        return [r for r in self.requests if method(r) == name]


async def run(handler: Handler, coro: Callable[[Context], Any]) -> Any:
    async with client.use_transport(httpx.MockTransport(handler)):
        return await coro(ctx())


async def test_a_write_call_is_a_form_post_with_the_bearer_token() -> None:
    slack = Recorder({"chat.postMessage": {"ok": True, "channel": "C1", "ts": "1.5"}})
    answer = await run(
        slack,
        lambda c: _api.call(
            c,
            _api.Connection(TOKEN, BASE.rstrip("/")),  # the trailing slash is added
            "chat.postMessage",
            channel="C1",
            text="héllo",
            blocks=[{"type": "divider"}],
            reply_broadcast=False,
            thread_ts=None,
        ),
    )
    assert answer == {"ok": True, "channel": "C1", "ts": "1.5"}
    (request,) = slack.requests
    assert (request.method, str(request.url)) == ("POST", BASE + "chat.postMessage")
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["user-agent"].startswith("tasklink-slack/")
    assert form(request) == {
        "channel": "C1",
        "text": "héllo",
        "blocks": '[{"type":"divider"}]',
        "reply_broadcast": "false",
    }
    assert TOKEN not in request.content.decode() and TOKEN not in str(request.url)


async def test_a_read_call_is_a_get_with_query_parameters_and_lists_joined() -> None:
    slack = Recorder({})
    await run(
        slack,
        lambda c: _api.call(
            c,
            _api.Connection(TOKEN, BASE),
            "conversations.list",
            types=["public_channel", "private_channel"],
            limit=5,
        ),
    )
    (request,) = slack.requests
    assert request.method == "GET" and request.content == b""
    assert dict(request.url.params) == {"types": "public_channel,private_channel", "limit": "5"}


@pytest.mark.parametrize(
    ("slack_error", "code", "retryable"),
    [
        ("channel_not_found", "CHANNEL_NOT_FOUND", False),
        ("users_not_found", "USER_NOT_FOUND", False),
        ("not_in_channel", "NOT_IN_CHANNEL", False),
        ("invalid_auth", "INVALID_AUTH", False),
        ("token_revoked", "INVALID_AUTH", False),
        ("msg_too_long", "MSG_TOO_LONG", False),
        ("name_taken", "NAME_TAKEN", False),
        ("internal_error", "SLACK_UNAVAILABLE", True),
        ("something_new_from_slack", "SLACK_ERROR", False),
    ],
)
async def test_ok_false_becomes_a_stable_code_with_slacks_string(
    slack_error: str, code: str, retryable: bool
) -> None:
    slack = Recorder({"chat.postMessage": {"ok": False, "error": slack_error}})
    with pytest.raises(ConnectorError) as caught:
        await run(slack, lambda c: _api.call(c, TOKEN, "chat.postMessage", channel="C1"))
    error = caught.value
    assert (error.code, error.retryable) == (code, retryable)
    assert error.variables == {"error": slack_error, "method": "chat.postMessage"}
    assert f"chat.postMessage failed: {slack_error}" in error.message


async def test_missing_scope_carries_the_scopes_and_warnings() -> None:
    answer = {
        "ok": False,
        "error": "missing_scope",
        "needed": "chat:write",
        "provided": "users:read",
        "response_metadata": {"messages": ["[ERROR] missing scope"]},
    }
    with pytest.raises(ConnectorError) as caught:
        await run(
            Recorder({"chat.postMessage": answer}),
            lambda c: _api.call(c, TOKEN, "chat.postMessage", channel="C1"),
        )
    assert caught.value.code == "MISSING_SCOPE"
    assert caught.value.variables["needed"] == "chat:write"
    assert caught.value.variables["messages"] == ["[ERROR] missing scope"]


async def test_a_short_429_is_waited_out_inside_the_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(_api.asyncio, "sleep", sleep)
    limited = httpx.Response(
        429, headers={"Retry-After": "2"}, json={"ok": False, "error": "ratelimited"}
    )
    answers = iter([limited, limited, httpx.Response(200, json={"ok": True, "ts": "1.1"})])
    slack = Recorder({"chat.postMessage": lambda _: next(answers)})
    answer = await run(slack, lambda c: _api.call(c, TOKEN, "chat.postMessage", channel="C1"))
    assert answer["ts"] == "1.1"
    assert slept == [2.0, 2.0]
    assert len(slack.requests) == 3


async def test_a_long_429_fails_with_rate_limited_and_its_backoff() -> None:
    limited = httpx.Response(
        429, headers={"Retry-After": "120"}, json={"ok": False, "error": "ratelimited"}
    )
    slack = Recorder({"chat.postMessage": limited})
    with pytest.raises(ConnectorError) as caught:
        await run(slack, lambda c: _api.call(c, TOKEN, "chat.postMessage", channel="C1"))
    error = caught.value
    assert (error.code, error.retryable, error.backoff) == (
        "RATE_LIMITED",
        True,
        timedelta(seconds=120),
    )
    assert error.variables["retryAfter"] == 120
    assert len(slack.requests) == 1  # not waited here: the engine retries after the backoff


async def test_http_failures_without_a_slack_body_are_coded_by_status() -> None:
    slack = Recorder(
        {
            "chat.postMessage": httpx.Response(503, text="<html>down</html>"),
            "auth.test": httpx.Response(404, text="no"),
        }
    )
    with pytest.raises(ConnectorError) as caught:
        await run(slack, lambda c: _api.call(c, TOKEN, "chat.postMessage", channel="C1"))
    assert (caught.value.code, caught.value.retryable) == ("SERVICE_UNAVAILABLE", True)
    with pytest.raises(ConnectorError) as caught:
        await run(slack, lambda c: _api.call(c, TOKEN, "auth.test"))
    assert (caught.value.code, caught.value.retryable) == ("NOT_FOUND", False)


async def test_a_2xx_that_is_not_json_is_an_invalid_response() -> None:
    slack = Recorder({"auth.test": httpx.Response(200, text="<html>proxy login</html>")})
    with pytest.raises(ConnectorError) as caught:
        await run(slack, lambda c: _api.call(c, TOKEN, "auth.test"))
    assert caught.value.code == "INVALID_RESPONSE"
    assert "baseUrl" in caught.value.message


async def test_the_token_is_masked_in_errors_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    echo = {"ok": False, "error": "invalid_auth", "warning": f"got {TOKEN}"}
    context = ctx()
    async with client.use_transport(httpx.MockTransport(Recorder({"auth.test": echo}))):
        with pytest.raises(ConnectorError) as caught:
            await _api.call(context, TOKEN, "auth.test")
    redacted = context.redactor.redact(json.dumps(caught.value.variables))
    assert TOKEN not in redacted
    assert TOKEN not in caplog.text


async def test_channel_names_are_resolved_across_pages() -> None:
    pages = {
        None: {
            "ok": True,
            "channels": [{"id": "C1", "name": "general"}],
            "response_metadata": {"next_cursor": "p2"},
        },
        "p2": {
            "ok": True,
            "channels": [{"id": "C2", "name": "ops"}],
            "response_metadata": {"next_cursor": ""},
        },
    }
    slack = Recorder({"conversations.list": lambda r: pages[r.url.params.get("cursor")]})
    found = await run(slack, lambda c: _api.resolve_channel(c, TOKEN, "#Ops"))
    assert found == "C2"
    assert slack.requests[0].url.params["exclude_archived"] == "true"
    assert await run(slack, lambda c: _api.resolve_channel(c, TOKEN, "C0123ABCDE")) == "C0123ABCDE"
    with pytest.raises(ConnectorError) as caught:
        await run(slack, lambda c: _api.resolve_channel(c, TOKEN, "#nope"))
    assert (caught.value.code, caught.value.retryable) == ("CHANNEL_NOT_FOUND", False)


async def test_users_are_resolved_by_id_email_and_name() -> None:
    slack = Recorder(
        {
            "users.lookupByEmail": {"ok": True, "user": {"id": "U0EMAIL001", "name": "ada"}},
            "users.list": {
                "ok": True,
                "members": [
                    {"id": "U0GONE0001", "name": "bob", "deleted": True},
                    {"id": "U0BOB00001", "name": "robert", "profile": {"display_name": "Bob"}},
                ],
            },
        }
    )
    ids = await run(
        slack,
        lambda c: _api.resolve_users(c, TOKEN, "U0ID000001, ada@example.com,@bob, U0ID000001"),
    )
    assert ids == ["U0ID000001", "U0EMAIL001", "U0BOB00001"]
    assert slack.by("users.lookupByEmail")[0].url.params["email"] == "ada@example.com"
    with pytest.raises(ConnectorError) as caught:
        await run(slack, lambda c: _api.resolve_user(c, TOKEN, "@nobody"))
    assert caught.value.code == "USER_NOT_FOUND"


async def test_a_user_target_opens_a_direct_message_when_asked() -> None:
    slack = Recorder({"conversations.open": {"ok": True, "channel": {"id": "D0DM000001"}}})
    assert (
        await run(slack, lambda c: _api.resolve_conversation(c, TOKEN, "U0ID000001"))
        == "U0ID000001"
    )
    opened = await run(
        slack, lambda c: _api.resolve_conversation(c, TOKEN, "U0ID000001", open_dm=True)
    )
    assert opened == "D0DM000001"
    assert form(slack.by("conversations.open")[0]) == {"users": "U0ID000001"}


async def test_upload_takes_three_steps_and_sends_no_token_to_the_upload_url() -> None:
    upload_url = "https://files.example.com/upload/v1/abc"
    slack = Recorder(
        {
            "files.getUploadURLExternal": {"ok": True, "upload_url": upload_url, "file_id": "F1"},
            upload_url: httpx.Response(200, text="OK - 5"),
            "files.completeUploadExternal": {"ok": True, "files": [{"id": "F1", "name": "a.txt"}]},
        }
    )
    document = Document.from_bytes(b"hello", file_name="a.txt", content_type="text/plain")
    file = await run(
        slack,
        lambda c: _api.upload_file(c, TOKEN, document, channel="C1", thread_ts="1.2", title="A"),
    )
    assert file == {"id": "F1", "name": "a.txt"}
    ticket, upload, done = slack.requests
    assert form(ticket) == {"filename": "a.txt", "length": "5"}
    assert (str(upload.url), upload.content) == (upload_url, b"hello")
    assert "authorization" not in upload.headers
    assert form(done) == {
        "files": '[{"id":"F1","title":"A"}]',
        "channel_id": "C1",
        "thread_ts": "1.2",
    }


def test_an_error_keeps_slacks_details() -> None:
    from tasklink.slack._errors import slack_error

    error = slack_error(
        "chat.postMessage",
        {"ok": False, "error": "invalid_blocks", "errors": ["invalid_block_type at [0]"]},
    )
    assert error.code == "INVALID_BLOCKS"
    assert error.variables["errors"] == ["invalid_block_type at [0]"]
    assert error.variables["method"] == "chat.postMessage"
