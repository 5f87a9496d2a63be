"""``Timeouts.total``: one deadline for the whole exchange, whatever the server drips."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tasklink import client
from tasklink.client import _pool
from tasklink.core import ConnectorError, Context
from tasklink.testing import httpbin

Failure = Callable[..., Awaitable[ConnectorError]]

# Each byte comes well within the read timeout, so only a total deadline can end it.
SLOW = {"connect": 5.0, "read": 5.0}


def drip(part: str = "body", count: int = 100, interval: float = 0.1) -> list[tuple[str, str]]:
    """The query for ``/drip``: ``count`` bytes of ``part``, one every ``interval`` s."""
    return [("part", part), ("count", str(count)), ("interval", str(interval))]


async def wait_for_abandoned(server: httpbin.TestServer, before: int, within: float = 5.0) -> None:
    """Wait until the server has seen one more /drip client hang up than ``before`` (it
    notices when its next byte cannot be sent)."""
    give_up = time.monotonic() + within
    while len(server.abandoned) <= before:
        assert time.monotonic() < give_up, "the connection was kept open after the deadline"
        await asyncio.sleep(0.05)


def leases() -> list[int]:
    state = _pool._states[asyncio.get_running_loop()]
    return [entry.leases for entry in state.clients.values()]


@pytest.mark.parametrize("part", ["body", "headers"])
async def test_a_dripping_response_ends_at_the_deadline(
    server: httpbin.TestServer, failure: Failure, part: str
) -> None:
    abandoned = len(server.abandoned)
    started = time.monotonic()
    error = await failure(
        f"{server.url}/drip", query=drip(part), timeouts=client.Timeouts(**SLOW, total=0.5)
    )
    assert time.monotonic() - started < 4  # 100 bytes would take 10 s
    assert (error.code, error.retryable) == ("TIMEOUT", True)
    assert error.message == (
        f"GET {server.url}/drip timed out: not finished within 0.5 s (total timeout)"
    )
    # The response was closed (the server sees the connection go) and the pooled client
    # given back.
    await wait_for_abandoned(server, abandoned)
    assert leases() == [0]


async def test_the_deadline_covers_the_token_request(
    server: httpbin.TestServer, failure: Failure
) -> None:
    # A token endpoint that takes 2 s to answer; the request itself would be quick.
    error = await failure(
        f"{server.url}/get",
        auth=client.OAuth2ClientCredentials(f"{server.url}/delay/2", "a", "secret-value"),
        timeouts=client.Timeouts(**SLOW, total=0.5),
    )
    assert error.code == "TIMEOUT"
    assert error.message == (
        f"GET {server.url}/get timed out: not finished within 0.5 s (total timeout)"
    )


async def test_the_deadline_spans_redirect_hops(
    server: httpbin.TestServer, failure: Failure
) -> None:
    # The hop after the redirect answers after 0.5 s, within its read timeout.
    error = await failure(
        f"{server.url}/redirect-to",
        query=[("url", "/delay/0.5")],
        follow_redirects=True,
        timeouts=client.Timeouts(**SLOW, total=0.3),
    )
    assert error.code == "TIMEOUT"
    assert error.message.startswith(f"GET {server.url}/redirect-to timed out")


@pytest.mark.parametrize("total", [0, None])
async def test_zero_or_none_sets_no_deadline(
    server: httpbin.TestServer, fetch: Callable[..., Awaitable[client.Response]], total: Any
) -> None:
    query = drip(count=3, interval=0.05)
    response = await fetch(f"{server.url}/drip", query=query, timeouts=client.Timeouts(total=total))
    assert response.content == b"xxx"


async def test_a_cancellation_from_outside_passes_through(
    server: httpbin.TestServer, ctx: Context
) -> None:
    # The runtime's job timeout cancels the job from outside: that cancellation must reach
    # the runtime as it is, not come back as the client's own TIMEOUT.
    abandoned = len(server.abandoned)
    request = client.Request(
        "GET", f"{server.url}/drip", query=drip(), timeouts=client.Timeouts(**SLOW, total=60)
    )
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):
            await client.send(request, ctx)
    await wait_for_abandoned(server, abandoned)
    assert leases() == [0]
