"""One classifier of failures: statuses by name, transport failures by code, Retry-After as
backoff, and messages that name the caller's own fields."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from tasklink import client
from tasklink.core import ConnectorError, Context, InputError
from tasklink.testing import httpbin

Failure = Callable[..., Awaitable[ConnectorError]]

# -- statuses ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "retryable"),
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
        (505, "HTTP_VERSION_NOT_SUPPORTED", False),
        (599, "HTTP_599", True),
    ],
)
def test_a_status_becomes_a_coded_error(status: int, code: str, retryable: bool) -> None:
    variables = {"status": status, "body": {"title": "problem"}}
    error = client.status_error(
        "GET", "https://api.example.com/orders", status, "Reason", variables=variables
    )
    assert (error.code, error.retryable, error.backoff) == (code, retryable, None)
    assert error.variables == variables  # whatever the connector returns, as it is
    assert error.message == f"GET https://api.example.com/orders failed with HTTP {status} Reason"


def test_retryable_statuses() -> None:
    retryable = [s for s in range(400, 600) if client.is_retryable_status(s)]
    assert [s for s in retryable if s < 500] == [408, 425, 429]
    assert [s for s in range(500, 600) if s not in retryable] == [501, 505]


def test_a_status_without_reason_has_no_trailing_blank() -> None:
    error = client.status_error("GET", "https://x.example/", 599, "", variables={})
    assert error.message == "GET https://x.example/ failed with HTTP 599"


async def test_a_status_arrives_with_its_reason(
    server: httpbin.TestServer, fetch: Callable[..., Awaitable[client.Response]]
) -> None:
    # Whatever its status, send returns the response; the caller decides.
    response = await fetch(f"{server.url}/problem/418")
    assert (response.status, response.reason) == (418, "I'm a Teapot")
    assert response.json() == {"title": "problem", "status": 418}


# -- Retry-After ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_sets_the_backoff(status: int) -> None:
    error = client.status_error("GET", "u", status, "", variables={}, retry_after="7")
    assert error.backoff == timedelta(seconds=7)
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    error = client.status_error("GET", "u", status, "", variables={}, retry_after=when)
    assert error.backoff is not None
    assert timedelta(seconds=60) < error.backoff <= timedelta(seconds=90)


@pytest.mark.parametrize(
    ("retry_after", "backoff"),
    [("\u00b2", None), ("9" * 20, timedelta(hours=1)), ("31536000", timedelta(hours=1))],
)
def test_an_odd_retry_after_keeps_the_status_error(
    retry_after: str, backoff: timedelta | None
) -> None:
    variables = {"status": 503}
    error = client.status_error(
        "GET", "u", 503, "Service Unavailable", variables=variables, retry_after=retry_after
    )
    assert (error.code, error.retryable, error.variables) == (
        "SERVICE_UNAVAILABLE",
        True,
        variables,
    )
    assert error.backoff == backoff


@pytest.mark.parametrize("status", [500, 502, 408])
def test_retry_after_is_ignored_for_other_statuses(status: int) -> None:
    error = client.status_error("GET", "u", status, "", variables={}, retry_after="30")
    assert error.backoff is None


@pytest.mark.parametrize(
    ("retry_after", "task", "backoff"),
    [
        ("5", "PT1M", timedelta(minutes=1)),  # the task's longer backoff wins
        ("120", "PT1M", timedelta(minutes=2)),  # the server's longer wait wins
        ("120", "", timedelta(minutes=2)),
        ("120", "soon", timedelta(minutes=2)),  # the runtime reports a bad header itself
        (None, "PT1M", None),  # no Retry-After: the runtime applies the task's own
        ("\u00b2", "PT1M", None),
    ],
)
def test_retry_after_never_shortens_the_tasks_backoff(
    retry_after: str | None, task: str, backoff: timedelta | None
) -> None:
    error = client.status_error(
        "GET",
        "u",
        503,
        "",
        variables={},
        retry_after=retry_after,
        task_headers={"retryBackoff": task},
    )
    assert error.backoff == backoff


def test_parse_retry_after() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert client.parse_retry_after("120", now) == timedelta(minutes=2)
    assert client.parse_retry_after(" 120 ", now) == timedelta(minutes=2)
    assert client.parse_retry_after("Thu, 01 Jan 2026 00:00:30 GMT", now) == timedelta(seconds=30)
    assert client.parse_retry_after("Wed, 31 Dec 2025 00:00:00 GMT", now) == timedelta(0)
    assert client.parse_retry_after("soon", now) is None
    assert client.parse_retry_after("-5", now) is None
    assert client.parse_retry_after("", now) is None
    assert client.parse_retry_after(None, now) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("\u00b2", None),  # superscript two: isdigit() says yes, int() says no
        ("\u0663", None),  # an Arabic-Indic digit: not HTTP's delta-seconds
        ("9" * 20, client.MAX_RETRY_AFTER),  # timedelta() would overflow
        ("9" * 400, client.MAX_RETRY_AFTER),
        ("1000000000", client.MAX_RETRY_AFTER),  # 31 years
        ("3601", client.MAX_RETRY_AFTER),
        ("3600", timedelta(hours=1)),
        ("Fri, 01 Jan 2100 00:00:00 GMT", client.MAX_RETRY_AFTER),
        ("Fri, 31 Dec 9999 23:59:59 GMT", client.MAX_RETRY_AFTER),
    ],
)
def test_parse_retry_after_never_raises_and_is_capped(value: str, expected: Any) -> None:
    assert timedelta(hours=1) == client.MAX_RETRY_AFTER
    assert client.parse_retry_after(value, datetime(2026, 1, 1, tzinfo=UTC)) == expected


# -- transport failures --------------------------------------------------------------------------


async def test_a_read_timeout_is_retryable(server: httpbin.TestServer, failure: Failure) -> None:
    error = await failure(f"{server.url}/delay/2", timeouts=client.Timeouts(read=0.2))
    assert (error.code, error.retryable) == ("TIMEOUT", True)
    assert error.message == (
        f"GET {server.url}/delay/2 timed out: no response data within 0.2 s (read timeout)"
    )


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


async def test_a_connect_timeout_is_retryable(full_backlog: int, failure: Failure) -> None:
    url = f"http://127.0.0.1:{full_backlog}/"
    error = await failure(url, timeouts=client.Timeouts(connect=0.2))
    assert (error.code, error.retryable) == ("TIMEOUT", True)
    assert error.message == f"GET {url} timed out: no connection within 0.2 s (connect timeout)"


async def test_a_refused_connection_is_retryable(failure: Failure) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = await failure(f"http://127.0.0.1:{port}/")
    assert (error.code, error.retryable) == ("CONNECTION_FAILED", True)
    assert error.message.startswith(f"GET http://127.0.0.1:{port}/ failed: ")


async def test_an_unknown_host_is_a_connection_failure(failure: Failure) -> None:
    error = await failure("http://no-such-host.invalid/")
    assert (error.code, error.retryable) == ("CONNECTION_FAILED", True)


async def test_messages_leave_credentials_and_the_query_out(
    server: httpbin.TestServer, failure: Failure
) -> None:
    error = await failure(
        f"{server.url.replace('http://', 'http://user:pa55@')}/delay/2?token=abc123xyz#top",
        timeouts=client.Timeouts(read=0.2),
    )
    assert "abc123xyz" not in error.message and "pa55" not in error.message
    assert error.message.startswith(f"GET {server.url}/delay/2 timed out")


@pytest.mark.parametrize("as_httpx_url", [False, True])
def test_safe_url_drops_credentials_query_and_fragment(as_httpx_url: bool) -> None:
    import httpx

    url = "https://user:pa%3Ass@api.example.com:8443/v1/items?api_key=k#top"
    assert client.safe_url(httpx.URL(url) if as_httpx_url else url) == (
        "https://api.example.com:8443/v1/items"
    )


# -- what the request itself gets wrong ----------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "problem"),
    [
        ({"url": "ftp://127.0.0.1/file"}, "url", "unsupported protocol"),
        ({"url": "api.example.com/items"}, "url", "missing an 'http://' or 'https://'"),
        ({"url": "http://[::1/"}, "url", "Invalid"),
        ({"url": "http://xn--a.example/"}, "url", "not allowed"),  # IDNA that cannot decode
        ({"headers": {"X-Bad": "a\nb"}}, "headers", "Illegal header value"),
        ({"headers": {"Bad Name": "x"}}, "headers", "Illegal header name"),
        ({"headers": {"X-Name": "naïve-secret"}}, "headers", "not ASCII"),
        ({"method": "GE T"}, "headers", "Illegal method"),
    ],
)
async def test_what_the_request_gets_wrong_is_an_input_error(
    server: httpbin.TestServer, ctx: Context, changes: dict[str, Any], field: str, problem: str
) -> None:
    fields = client.FieldNames(url="endpoint.url", headers="endpoint.headers")
    request = {"method": "GET", "url": f"{server.url}/get", **changes}
    before = len(server.log)
    with pytest.raises(InputError) as raised:
        await client.send(client.Request(**request, fields=fields), ctx)
    assert raised.value.field == f"endpoint.{field}"
    assert raised.value.message.startswith(f"endpoint.{field}: ")
    assert problem in raised.value.message
    assert "secret" not in raised.value.message  # a header value may be a credential
    assert len(server.log) == before


# -- the caller's field names ----------------------------------------------------------------------

FIELDS = client.FieldNames(
    connect_timeout="connectTimeout",
    read_timeout="readTimeout",
    total_timeout="deadline",
    max_response_bytes="sizeLimit",
    max_redirects="redirectLimit",
)


async def test_messages_name_the_callers_fields(
    server: httpbin.TestServer, full_backlog: int, failure: Failure
) -> None:
    quick = client.Timeouts(connect=0.2, read=0.2, total=5)
    connect = await failure(f"http://127.0.0.1:{full_backlog}/", timeouts=quick, fields=FIELDS)
    assert connect.message.endswith("no connection within 0.2 s (connectTimeout)")
    read = await failure(f"{server.url}/delay/1", timeouts=quick, fields=FIELDS)
    assert read.message.endswith("no response data within 0.2 s (readTimeout)")
    total = await failure(
        f"{server.url}/delay/1", timeouts=client.Timeouts(total=0.2), fields=FIELDS
    )
    assert total.message.endswith("not finished within 0.2 s (deadline)")
    size = await failure(f"{server.url}/bytes/100", max_response_bytes=10, fields=FIELDS)
    assert "larger than sizeLimit (10 bytes)" in size.message
    loop = await failure(
        f"{server.url}/redirect-loop", follow_redirects=True, max_redirects=1, fields=FIELDS
    )
    assert loop.message.endswith("more than 1 redirects (redirectLimit)")
    # Without names of its own a caller gets generic ones.
    generic = await failure(f"{server.url}/delay/1", timeouts=quick)
    assert generic.message.endswith("no response data within 0.2 s (read timeout)")
