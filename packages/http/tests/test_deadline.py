"""totalTimeoutInSeconds: one deadline for the whole exchange, whatever the server drips."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from tasklink.client import _pool as pool
from tasklink.core import Completed, Failed
from tasklink.http import connector
from tasklink.testing import arun_job

# Each byte comes well within the read timeout, so only a total deadline can end it.
SLOW = {"readTimeoutInSeconds": 5, "connectionTimeoutInSeconds": 5}


async def wait_for_abandoned(server: Any, before: int, within: float = 5.0) -> None:
    """Wait until the server has seen one more /drip client hang up than ``before`` (it
    notices when its next byte cannot be sent)."""
    give_up = time.monotonic() + within
    while len(server.abandoned) <= before:
        assert time.monotonic() < give_up, "the connection was kept open after the deadline"
        await asyncio.sleep(0.05)


def leases() -> list[int]:
    state = pool._states[asyncio.get_running_loop()]
    return [entry.leases for entry in state.clients.values()]


@pytest.mark.parametrize("part", ["body", "headers"])
async def test_a_dripping_response_ends_at_the_total_deadline(server: Any, part: str) -> None:
    abandoned = len(server.abandoned)
    started = time.monotonic()
    outcome = await arun_job(
        connector,
        {
            "url": f"{server.url}/drip",
            "queryParameters": {"part": part, "count": 100, "interval": 0.2},
            "totalTimeoutInSeconds": 1,
            **SLOW,
        },
    )
    assert time.monotonic() - started < 4  # 100 bytes would take 20 s
    assert isinstance(outcome, Failed), outcome
    assert outcome.code == "TIMEOUT"
    assert outcome.retries == 2  # retried, as every timeout
    assert outcome.message == (
        f"GET {server.url}/drip timed out: not finished within 1 s (totalTimeoutInSeconds)"
    )
    # The response was closed (the server sees the connection go) and the pooled client
    # given back.
    await wait_for_abandoned(server, abandoned)
    assert leases() == [0]


async def test_the_deadline_covers_the_token_request(server: Any) -> None:
    # A token endpoint that takes 2 s to answer; the request itself would be quick.
    outcome = await arun_job(
        connector,
        {
            "url": f"{server.url}/get",
            "authentication": {
                "type": "oauth2_client_credentials",
                "tokenUrl": f"{server.url}/delay/2",
                "clientId": "a",
                "clientSecret": "secret-value",
            },
            "totalTimeoutInSeconds": 0.5,
            **SLOW,
        },
    )
    assert isinstance(outcome, Failed), outcome
    assert outcome.code == "TIMEOUT"
    assert "totalTimeoutInSeconds" in outcome.message and "0.5 s" in outcome.message


async def test_the_deadline_spans_redirect_hops(server: Any) -> None:
    # The hop after the redirect answers after 0.5 s, within its read timeout.
    outcome = await arun_job(
        connector,
        {
            "url": f"{server.url}/redirect-to",
            "queryParameters": {"url": "/delay/0.5"},
            "followRedirects": True,
            "totalTimeoutInSeconds": 0.3,
            **SLOW,
        },
    )
    assert isinstance(outcome, Failed), outcome
    assert outcome.code == "TIMEOUT"
    assert outcome.message.startswith(f"GET {server.url}/redirect-to timed out")


async def test_zero_sets_no_deadline(server: Any) -> None:
    outcome = await arun_job(
        connector,
        {
            "url": f"{server.url}/drip",
            "queryParameters": {"count": 4, "interval": 0.2},
            "totalTimeoutInSeconds": 0,
            **SLOW,
        },
    )
    assert isinstance(outcome, Completed), outcome
    assert outcome.output["body"] == "xxxx"


async def test_the_job_timeout_is_not_taken_for_the_total_deadline(server: Any) -> None:
    # The runtime's job timeout cancels the job from outside: that cancellation must
    # reach the runtime as it is, not come back as the connector's own TIMEOUT.
    abandoned = len(server.abandoned)
    outcome = await arun_job(
        connector,
        {
            "url": f"{server.url}/drip",
            "queryParameters": {"count": 100, "interval": 0.2},
            "totalTimeoutInSeconds": 60,
            **SLOW,
        },
        timeout=0.5,
    )
    assert isinstance(outcome, Failed), outcome
    assert outcome.code == "TIMEOUT"
    assert outcome.message == "the operation did not finish within 0.5 seconds"
    await wait_for_abandoned(server, abandoned)
    assert leases() == [0]
