"""``use_transport``: a connector's tests answer its requests without a network."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tasklink import client
from tasklink.core import ConnectorError


async def test_requests_go_to_the_mounted_transport(ctx: Any) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/token":
            return httpx.Response(200, json={"access_token": "mock-token-1", "expires_in": 60})
        return httpx.Response(200, json={"path": request.url.path})

    auth = client.OAuth2ClientCredentials("https://idp.example/token", "id", "mock-secret-1")
    async with client.use_transport(httpx.MockTransport(answer)):
        response = await client.send(
            client.Request("GET", "https://api.example/items", auth=auth), ctx
        )
    assert response.status == 200 and response.json() == {"path": "/items"}
    assert [r.url.path for r in seen] == ["/token", "/items"]
    assert seen[1].headers["authorization"] == "Bearer mock-token-1"
    assert "mock-token-1" in ctx.redactor, "the token is masked like any other"


async def test_limits_and_classification_hold_for_mounted_responses(ctx: Any) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/big":
            return httpx.Response(200, content=b"x" * 2048)
        return httpx.Response(503, headers={"Retry-After": "7"}, text="down")

    async with client.use_transport(httpx.MockTransport(answer)):
        with pytest.raises(ConnectorError) as caught:
            await client.send(
                client.Request("GET", "https://api.example/big", max_response_bytes=1024), ctx
            )
        assert caught.value.code == "RESPONSE_TOO_LARGE"
        down = await client.send(client.Request("GET", "https://api.example/down"), ctx)
    error = client.status_error(
        down.method,
        client.safe_url(down.url),
        down.status,
        down.reason,
        variables={"body": down.content.decode()},
        retry_after=down.headers.get("retry-after"),
    )
    assert (error.code, error.retryable) == ("SERVICE_UNAVAILABLE", True)
    assert error.backoff is not None and error.backoff.total_seconds() == 7


async def test_blocks_do_not_nest_and_end_cleanly(ctx: Any) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(204))
    async with client.use_transport(transport):
        with pytest.raises(RuntimeError, match="do not nest"):
            async with client.use_transport(transport):
                pass
        assert (await client.send(client.Request("GET", "https://a.example/"), ctx)).status == 204
    # Outside the block the network is used again: a refused port, not the mock.
    with pytest.raises(ConnectorError) as caught:
        await client.send(client.Request("GET", "http://127.0.0.1:9/"), ctx)
    assert caught.value.code == "CONNECTION_FAILED"
