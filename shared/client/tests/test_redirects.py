"""Redirects, followed by the client hop by hop: methods and bodies per status, a limit,
and credentials that stay with the origin they were given for."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tasklink import client
from tasklink.client import _send
from tasklink.core import ConnectorError
from tasklink.testing import httpbin

Fetch = Callable[..., Awaitable[client.Response]]
Failure = Callable[..., Awaitable[ConnectorError]]


def to(location: str, status: int = 302) -> list[tuple[str, str]]:
    """The query for ``/redirect-to``."""
    return [("url", location), ("status_code", str(status))]


async def test_a_redirect_is_a_response_unless_followed(
    server: httpbin.TestServer, fetch: Fetch
) -> None:
    response = await fetch(f"{server.url}/redirect/1")
    assert (response.status, response.headers["location"]) == (302, "/get")
    assert response.url == f"{server.url}/redirect/1"


@pytest.mark.parametrize("location", ["http://[::1/", "http://xn--a.example/"])
async def test_a_malformed_location_is_returned_or_refused(
    server: httpbin.TestServer, fetch: Fetch, failure: Failure, location: str
) -> None:
    response = await fetch(f"{server.url}/redirect-to", query=to(location))
    assert (response.status, response.headers["location"]) == (302, location)
    error = await failure(f"{server.url}/redirect-to", query=to(location), follow_redirects=True)
    assert (error.code, error.retryable) == ("INVALID_REDIRECT", False)


async def test_redirects_are_followed_when_asked(server: httpbin.TestServer, fetch: Fetch) -> None:
    before = len(server.log)
    response = await fetch(f"{server.url}/redirect/3", follow_redirects=True)
    assert (response.status, response.url) == (200, f"{server.url}/get")
    paths = [entry["path"] for entry in server.log[before:]]
    assert paths == ["/redirect/3", "/redirect/2", "/redirect/1", "/get"]
    # One connection for every hop: each redirect body was read so it could be reused.
    assert len({entry["client_port"] for entry in server.log[before:]}) == 1


async def test_too_many_redirects_fail_clearly(
    server: httpbin.TestServer, failure: Failure
) -> None:
    error = await failure(f"{server.url}/redirect-loop", follow_redirects=True, max_redirects=3)
    assert (error.code, error.retryable) == ("TOO_MANY_REDIRECTS", False)
    assert error.message == (
        f"GET {server.url}/redirect-loop: more than 3 redirects (maximum redirects)"
    )
    assert error.variables == {"status": 302}


async def test_a_redirect_to_another_scheme_fails(
    server: httpbin.TestServer, failure: Failure
) -> None:
    error = await failure(
        f"{server.url}/redirect-to", query=to("file:///etc/passwd"), follow_redirects=True
    )
    assert (error.code, error.retryable) == ("INVALID_REDIRECT", False)
    assert error.message == (
        f"GET {server.url}/redirect-to redirected to an invalid or non-HTTP location"
    )


@pytest.mark.parametrize(
    ("method", "status", "then"),
    [
        ("POST", 301, "GET"),
        ("POST", 302, "GET"),
        ("POST", 303, "GET"),
        ("PUT", 303, "GET"),
        ("PUT", 302, "PUT"),  # only a POST turns into a GET on 301 and 302
        ("PATCH", 301, "PATCH"),
        ("PUT", 307, "PUT"),
        ("POST", 308, "POST"),
    ],
)
async def test_the_method_and_body_after_a_redirect(
    server: httpbin.TestServer, fetch: Fetch, method: str, status: int, then: str
) -> None:
    response = await fetch(
        f"{server.url}/redirect-to",
        method=method,
        query=to("/anything", status),
        content=b'{"a": 1}',
        content_type="application/json",
        follow_redirects=True,
    )
    echo = response.json()
    assert echo["method"] == then
    if then == method:
        assert echo["json"] == {"a": 1}
        assert echo["headers"]["Content-Type"] == "application/json"
    else:  # the body and what describes it are dropped
        assert echo["data"] == ""
        assert "Content-Type" not in echo["headers"]
        assert "Content-Length" not in echo["headers"]


async def test_a_head_stays_a_head_after_see_other(
    server: httpbin.TestServer, fetch: Fetch
) -> None:
    response = await fetch(
        f"{server.url}/redirect-to", method="HEAD", query=to("/json", 303), follow_redirects=True
    )
    assert (response.status, response.content) == (200, b"")
    assert server.log[-1]["method"] == "HEAD"


async def test_credentials_stay_with_their_origin(server: httpbin.TestServer, fetch: Fetch) -> None:
    # 127.0.0.1 and localhost are different origins for the same test server.
    other = server.url.replace("127.0.0.1", "localhost")
    headers = {"Cookie": "a=b", "Proxy-Authorization": "Basic cHJveHk=", "X-Keep": "yes"}
    for auth in (
        client.BearerAuth("t0ken-value"),
        client.ApiKeyAuth("X-Api-Key", "k3y-value"),
        client.ApiKeyAuth("key", "k3y-value", location="query"),
    ):
        response = await fetch(
            f"{server.url}/redirect-to",
            query=to(f"{other}/anything"),
            follow_redirects=True,
            headers=headers,
            auth=auth,
        )
        assert response.url == f"{other}/anything"
        echo = response.json()
        assert echo["headers"]["X-Keep"] == "yes"
        for name in ("Authorization", "X-Api-Key", "Cookie", "Proxy-Authorization"):
            assert name not in echo["headers"]
        assert echo["args"] == {}
        first = server.log[-2]["headers"]
        assert first["Cookie"] == "a=b" and first["Proxy-Authorization"] == "Basic cHJveHk="


async def test_credentials_follow_a_redirect_on_the_same_origin(
    server: httpbin.TestServer, fetch: Fetch
) -> None:
    response = await fetch(
        f"{server.url}/redirect-to",
        query=to("/anything"),
        follow_redirects=True,
        headers={"Cookie": "a=b"},
        auth=client.ApiKeyAuth("key", "k3y-value", location="query"),
    )
    echo = response.json()
    assert echo["args"] == {"key": "k3y-value"}
    assert echo["headers"]["Cookie"] == "a=b"


@pytest.mark.parametrize(
    ("first", "then", "same"),
    [
        ("http://api.example.com/a", "http://api.example.com:80/b", True),
        ("http://api.example.com/a", "https://api.example.com/b", True),  # an upgrade
        ("http://api.example.com:8080/a", "https://api.example.com/b", False),
        ("https://api.example.com/a", "http://api.example.com/b", False),  # a downgrade
        ("https://api.example.com/a", "https://api.example.com:8443/b", False),
        ("https://api.example.com/a", "https://www.example.com/a", False),
    ],
)
def test_what_counts_as_the_same_origin(first: str, then: str, same: bool) -> None:
    origin = _send._origin(httpx.URL(first))
    assert _send._same_origin(httpx.URL(then), origin) is same


async def test_a_redirect_body_is_drained_within_bounds(
    server: httpbin.TestServer, fetch: Fetch, inflated: list[int]
) -> None:
    from tasklink.client._decoding import DECODE_STEP

    # A 302 whose (8 kB) body inflates to 8 MB: read to reuse the connection, in bounds.
    query: Any = [("size", str(8 * 1024 * 1024)), ("status", "302"), ("location", "/get")]
    response = await fetch(f"{server.url}/gzip-bomb", query=query, follow_redirects=True)
    assert (response.status, response.url) == (200, f"{server.url}/get")
    assert sum(inflated) <= _send._DRAIN_LIMIT + DECODE_STEP
