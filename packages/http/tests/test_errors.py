"""Failures: status codes, retries and backoff, timeouts, connection errors, redirects."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from tasklink.client import MAX_RETRY_AFTER, is_retryable_status, parse_retry_after
from tasklink.core import Completed, Failed
from tasklink.http import connector
from tasklink.testing import arun_job


async def fail(variables: dict[str, Any], **options: Any) -> Failed:
    outcome = await arun_job(connector, variables, **options)
    assert isinstance(outcome, Failed), outcome
    return outcome


@pytest.mark.parametrize(
    ("status", "code", "retried"),
    [
        (400, "BAD_REQUEST", False),
        (401, "UNAUTHORIZED", False),
        (403, "FORBIDDEN", False),
        (404, "NOT_FOUND", False),
        (409, "CONFLICT", False),
        (422, "UNPROCESSABLE_ENTITY", False),
        (408, "REQUEST_TIMEOUT", True),
        (425, "TOO_EARLY", True),
        (429, "TOO_MANY_REQUESTS", True),
        (500, "INTERNAL_SERVER_ERROR", True),
        (501, "NOT_IMPLEMENTED", False),
        (502, "BAD_GATEWAY", True),
        (503, "SERVICE_UNAVAILABLE", True),
        (504, "GATEWAY_TIMEOUT", True),
        (599, "HTTP_599", True),
    ],
)
async def test_status_becomes_a_coded_error(
    server: Any, status: int, code: str, retried: bool
) -> None:
    failed = await fail({"url": f"{server.url}/problem/{status}"}, retries=3)
    assert failed.code == code
    assert failed.retries == (2 if retried else 0)
    assert failed.variables["status"] == status
    assert failed.variables["body"] == {"title": "problem", "status": status}
    assert failed.variables["headers"]["content-type"] == "application/problem+json"
    assert f"HTTP {status}" in failed.message


def test_retryable_statuses() -> None:
    assert [s for s in range(400, 600) if is_retryable_status(s) and s < 500] == [408, 425, 429]
    assert not is_retryable_status(501) and not is_retryable_status(505)


async def test_redirect_status_is_a_result_when_not_followed(server: Any) -> None:
    outcome = await arun_job(connector, {"url": f"{server.url}/redirect/1"})
    assert isinstance(outcome, Completed)
    assert outcome.output["status"] == 302
    assert outcome.output["headers"]["location"] == "/get"


async def test_error_message_leaves_the_query_out(server: Any) -> None:
    failed = await fail({"url": f"{server.url}/status/404?token=abc123xyz"})
    assert "abc123xyz" not in failed.message
    assert f"GET {server.url}/status/404 failed with HTTP 404 Not Found" == failed.message


async def test_retry_after_seconds_sets_the_backoff(server: Any) -> None:
    failed = await fail({"url": f"{server.url}/problem/429?retry_after=7"})
    assert failed.code == "TOO_MANY_REQUESTS"
    assert failed.backoff == timedelta(seconds=7)


async def test_retry_after_date_sets_the_backoff(server: Any) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    failed = await fail(
        {"url": f"{server.url}/problem/503", "queryParameters": {"retry_after": when}}
    )
    assert failed.backoff is not None
    assert timedelta(seconds=60) < failed.backoff <= timedelta(seconds=90)


async def test_retry_after_never_shortens_the_task_backoff(server: Any) -> None:
    # The connector reads the task's retryBackoff header from its context.
    headers = {"retryBackoff": "PT1M"}
    for retry_after, expected in (("5", timedelta(minutes=1)), ("120", timedelta(minutes=2))):
        failed = await arun_job(
            connector,
            {"url": f"{server.url}/problem/503?retry_after={retry_after}"},
            headers=headers,
        )
        assert isinstance(failed, Failed)
        assert failed.backoff == expected


async def test_retry_after_is_ignored_for_other_statuses(server: Any) -> None:
    failed = await fail({"url": f"{server.url}/problem/500?retry_after=30"})
    assert failed.backoff is None


def test_parse_retry_after() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after("120", now) == timedelta(minutes=2)
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:30 GMT", now) == timedelta(seconds=30)
    assert parse_retry_after("Wed, 31 Dec 2025 00:00:00 GMT", now) == timedelta(0)
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("-5", now) is None
    assert parse_retry_after(None, now) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("\u00b2", None),  # superscript two: isdigit() says yes, int() says no
        ("\u0663", None),  # an Arabic-Indic digit: not HTTP's delta-seconds
        ("9" * 20, MAX_RETRY_AFTER),  # timedelta() would overflow
        ("9" * 400, MAX_RETRY_AFTER),
        ("1000000000", MAX_RETRY_AFTER),  # 31 years
        ("3601", MAX_RETRY_AFTER),
        ("3600", timedelta(hours=1)),
        ("Fri, 01 Jan 2100 00:00:00 GMT", MAX_RETRY_AFTER),
        ("Fri, 31 Dec 9999 23:59:59 GMT", MAX_RETRY_AFTER),
    ],
)
def test_parse_retry_after_never_raises_and_is_capped(value: str, expected: Any) -> None:
    assert timedelta(hours=1) == MAX_RETRY_AFTER
    assert parse_retry_after(value, datetime(2026, 1, 1, tzinfo=UTC)) == expected


@pytest.mark.parametrize(
    ("retry_after", "backoff"),
    [("\u00b2", None), ("9" * 20, timedelta(hours=1)), ("31536000", timedelta(hours=1))],
)
async def test_odd_retry_after_keeps_the_status_error(
    server: Any, retry_after: str, backoff: timedelta | None
) -> None:
    failed = await fail(
        {"url": f"{server.url}/problem/503", "queryParameters": {"retry_after": retry_after}}
    )
    assert failed.code == "SERVICE_UNAVAILABLE"
    assert failed.variables["status"] == 503
    assert failed.variables["body"] == {"title": "problem", "status": 503}
    assert failed.backoff == backoff


async def test_read_timeout_is_retryable(server: Any) -> None:
    failed = await fail({"url": f"{server.url}/delay/2", "readTimeoutInSeconds": 0.2})
    assert failed.code == "TIMEOUT"
    assert failed.retries == 2
    assert "readTimeoutInSeconds" in failed.message


@pytest.fixture
def full_backlog() -> Iterator[int]:
    """A port whose accept queue is full: new connections hang until they time out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    filler = socket.create_connection(("127.0.0.1", port))
    yield port
    filler.close()
    listener.close()


async def test_connect_timeout_is_retryable(full_backlog: int) -> None:
    failed = await fail(
        {"url": f"http://127.0.0.1:{full_backlog}/", "connectionTimeoutInSeconds": 0.2}
    )
    assert failed.code == "TIMEOUT"
    assert failed.retries == 2
    assert "connectionTimeoutInSeconds" in failed.message


async def test_refused_connection_is_retryable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    failed = await fail({"url": f"http://127.0.0.1:{port}/"})
    assert failed.code == "CONNECTION_FAILED"
    assert failed.retries == 2


async def test_unknown_host_is_a_connection_failure() -> None:
    failed = await fail({"url": "http://no-such-host.invalid/"})
    assert failed.code == "CONNECTION_FAILED"


async def test_error_expression_can_branch_on_the_status_code(server: Any) -> None:
    class Evaluator:
        """Stands in for FEEL: `if error.code = "NOT_FOUND" then bpmnError(...)`."""

        def compile(self, expression: str) -> Any:
            return self

        def evaluate(
            self,
            context: dict[str, Any],
            *,
            max_steps: int | None = None,
            deadline: float | None = None,
        ) -> Any:
            error = context.get("error")
            if error and error["code"] == "NOT_FOUND" and error["variables"]["status"] == 404:
                return {"errorType": "bpmnError", "code": "ITEM_MISSING", "message": "gone"}
            return None

    outcome = await arun_job(
        connector,
        {"url": f"{server.url}/status/404"},
        headers={"errorExpression": "if error.code = ... "},
        evaluator=Evaluator(),
    )
    assert outcome.kind == "bpmn_error"
    assert outcome.code == "ITEM_MISSING"


# -- redirects -----------------------------------------------------------------------------


async def test_redirects_are_followed_when_asked(server: Any) -> None:
    outcome = await arun_job(
        connector, {"url": f"{server.url}/redirect/3", "followRedirects": True}
    )
    assert isinstance(outcome, Completed)
    assert outcome.output["status"] == 200
    assert outcome.output["url"] == f"{server.url}/get"


async def test_too_many_redirects_fail_clearly(server: Any) -> None:
    failed = await fail(
        {"url": f"{server.url}/redirect-loop", "followRedirects": True, "maxRedirects": 3}
    )
    assert failed.code == "TOO_MANY_REDIRECTS"
    assert failed.retries == 0
    assert "more than 3 redirects" in failed.message


async def test_see_other_turns_a_post_into_a_get_without_body(server: Any) -> None:
    outcome = await arun_job(
        connector,
        {
            "method": "POST",
            "url": f"{server.url}/redirect-to",
            "queryParameters": {"url": "/anything", "status_code": 303},
            "body": {"a": 1},
            "followRedirects": True,
        },
    )
    assert isinstance(outcome, Completed)
    echo = outcome.output["body"]
    assert echo["method"] == "GET"
    assert echo["data"] == ""
    assert "Content-Type" not in echo["headers"]


async def test_307_repeats_method_and_body(server: Any) -> None:
    outcome = await arun_job(
        connector,
        {
            "method": "PUT",
            "url": f"{server.url}/redirect-to",
            "queryParameters": {"url": "/anything", "status_code": 307},
            "body": {"a": 1},
            "followRedirects": True,
        },
    )
    assert isinstance(outcome, Completed)
    assert outcome.output["body"]["method"] == "PUT"
    assert outcome.output["body"]["json"] == {"a": 1}


async def test_credentials_stay_with_their_origin(server: Any) -> None:
    # 127.0.0.1 and localhost are different origins for the same test server.
    other = server.url.replace("127.0.0.1", "localhost")
    variables = {
        "url": f"{server.url}/redirect-to",
        "queryParameters": {"url": f"{other}/anything"},
        "followRedirects": True,
        "headers": {"Cookie": "a=b", "X-Keep": "yes"},
    }
    for auth in (
        {"type": "bearer", "token": "t0ken-value"},
        {"type": "api_key", "name": "X-Api-Key", "value": "k3y-value"},
        {"type": "api_key", "location": "query", "name": "key", "value": "k3y-value"},
    ):
        outcome = await arun_job(connector, {**variables, "authentication": auth})
        assert isinstance(outcome, Completed), outcome
        echo = outcome.output["body"]
        assert echo["headers"]["X-Keep"] == "yes"
        for name in ("Authorization", "X-Api-Key", "Cookie"):
            assert name not in echo["headers"]
        assert echo["args"] == {}


async def test_credentials_follow_a_redirect_on_the_same_origin(server: Any) -> None:
    outcome = await arun_job(
        connector,
        {
            "url": f"{server.url}/redirect-to",
            "queryParameters": {"url": "/anything"},
            "followRedirects": True,
            "authentication": {
                "type": "api_key",
                "location": "query",
                "name": "key",
                "value": "k3y-value",
            },
        },
    )
    assert isinstance(outcome, Completed)
    assert outcome.output["body"]["args"] == {"key": "***"}


async def test_redirect_to_another_scheme_fails(server: Any) -> None:
    failed = await fail(
        {
            "url": f"{server.url}/redirect-to",
            "queryParameters": {"url": "file:///etc/passwd"},
            "followRedirects": True,
        }
    )
    assert failed.code == "INVALID_REDIRECT"
    assert failed.retries == 0
