"""One exchange as a connector describes it: what ``Request`` sends, what ``Response``
holds, and what the shared clients never carry from one request to another."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import pytest

from tasklink import client
from tasklink.core import MASK, ConnectorError, Context
from tasklink.testing import httpbin

Fetch = Callable[..., Awaitable[client.Response]]


async def test_method_query_content_and_headers_as_given(
    server: httpbin.TestServer, fetch: Fetch
) -> None:
    response = await fetch(
        f"{server.url}/anything?fixed=1&tag=a",
        method="PATCH",
        query=[("tag", "b"), ("tag", "c"), ("q", "a b&c")],
        headers={"X-Trace": "abc"},
        content=b"\x00\x01 raw",
        content_type="application/x-test",
    )
    echo = response.json()
    assert echo["method"] == "PATCH"
    # Merged with the URL's query: a name given in ``query`` replaces the URL's.
    assert echo["args"] == {"fixed": "1", "tag": ["b", "c"], "q": "a b&c"}
    assert echo["headers"]["X-Trace"] == "abc"
    assert echo["headers"]["Content-Type"] == "application/x-test"
    assert echo["bodyBase64"] == "AAEgcmF3"


async def test_content_type_goes_with_the_content(server: httpbin.TestServer, fetch: Fetch) -> None:
    # A caller's Content-Type gives way to the request's; without content neither is sent.
    sent = await fetch(
        f"{server.url}/anything",
        method="POST",
        headers={"content-type": "text/plain"},
        content=b"{}",
        content_type="application/json",
    )
    raw = sent.json()["rawHeaders"]
    assert [v for k, v in raw if k.lower() == "content-type"] == ["application/json"]
    bare = await fetch(f"{server.url}/anything", content_type="application/json")
    assert "Content-Type" not in bare.json()["headers"]


async def test_the_user_agent(server: httpbin.TestServer, fetch: Fetch) -> None:
    default = await fetch(f"{server.url}/headers")
    assert default.json()["headers"]["User-Agent"] == f"tasklink/{client.__version__}"
    named = await fetch(f"{server.url}/headers", user_agent="tasklink-slack/1.0")
    assert named.json()["headers"]["User-Agent"] == "tasklink-slack/1.0"
    # A caller's own header wins over both.
    mine = await fetch(
        f"{server.url}/anything", user_agent="tasklink-slack/1.0", headers={"user-agent": "p/1"}
    )
    raw = mine.json()["rawHeaders"]
    assert [v for k, v in raw if k.lower() == "user-agent"] == ["p/1"]


async def test_the_response(server: httpbin.TestServer, fetch: Fetch) -> None:
    response = await fetch(f"{server.url}/json")
    assert (response.method, response.url) == ("GET", f"{server.url}/json")
    assert (response.status, response.reason) == (200, "OK")
    assert response.content_type == "application/json"
    assert response.json()["slideshow"]["title"] == "Sample Slide Show"
    assert response.encoded is False
    broken = await fetch(f"{server.url}/invalid-json")
    with pytest.raises(ValueError, match="Expecting property name"):
        broken.json()


async def test_response_headers_by_lower_case_name(
    server: httpbin.TestServer, fetch: Fetch
) -> None:
    query = [
        ("X-Request-Id", "r-1"),
        ("Vary", "Accept"),
        ("Vary", "Origin"),
        ("WWW-Authenticate", 'Bearer realm="x"'),
    ]
    response = await fetch(f"{server.url}/response-headers", query=query)
    assert response.headers["x-request-id"] == "r-1"
    assert response.headers["vary"] == "Accept, Origin"  # repeated ones joined
    assert response.headers["www-authenticate"] == 'Bearer realm="x"'
    # As sent: names in their own case, each line, in order.
    sent = [(k, v) for k, v in response.raw_headers if k in ("X-Request-Id", "Vary")]
    assert sent == [("X-Request-Id", "r-1"), ("Vary", "Accept"), ("Vary", "Origin")]


async def test_a_streamed_response_keeps_the_raw_headers_too(
    server: httpbin.TestServer, ctx: Context
) -> None:
    query = [("X-Trace", "a"), ("X-Trace", "b")]
    request = client.Request("GET", f"{server.url}/response-headers", query=query)
    async with client.stream(request, ctx) as streamed:
        raw = [(k, v) for k, v in streamed.raw_headers if k == "X-Trace"]
    assert raw == [("X-Trace", "a"), ("X-Trace", "b")]


@pytest.mark.parametrize("name", sorted(client.SENSITIVE_RESPONSE_HEADERS))
async def test_credential_headers_are_masked(
    server: httpbin.TestServer, fetch: Fetch, name: str
) -> None:
    query = [(name, "s3cr3t-1"), (name, "s3cr3t-2")]
    response = await fetch(f"{server.url}/response-headers", query=query)
    assert response.headers[name] == MASK
    assert "s3cr3t" not in json.dumps(response.headers)
    assert "s3cr3t" not in json.dumps(response.raw_headers)


async def test_no_cookie_travels_from_one_request_to_another(
    server: httpbin.TestServer, fetch: Fetch
) -> None:
    await fetch(f"{server.url}/set-cookie")
    assert (await fetch(f"{server.url}/cookies")).json() == {"cookies": {}}


async def test_the_proxy_comes_from_the_environment_and_no_proxy_bypasses_it(
    server: httpbin.TestServer, monkeypatch: pytest.MonkeyPatch, fetch: Fetch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.setenv("NO_PROXY", "bypassed.invalid")
    # Only the proxy can resolve this name: the guard skips its own lookup for a listed
    # host (nothing but a blocked network could refuse it, and none is set).
    monkeypatch.setenv("TASKLINK_HTTP_ALLOWED_HOSTS", "through-proxy.invalid")
    echo = (await fetch("http://through-proxy.invalid/anything")).json()
    assert echo["proxied"] is True
    assert echo["headers"]["Host"] == "through-proxy.invalid"
    with pytest.raises(ConnectorError) as raised:
        await fetch("http://bypassed.invalid/anything")
    assert raised.value.code == "CONNECTION_FAILED"
