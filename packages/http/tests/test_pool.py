"""Pooled clients: shared by jobs, one per TLS configuration, closed with their loop."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest
import trustme

from tasklink.client import _pool as pool
from tasklink.client import aclose_clients
from tasklink.core import Completed
from tasklink.http import connector
from tasklink.testing import arun_job


def clients() -> list[Any]:
    state = pool._states.get(asyncio.get_running_loop())
    return [entry.client for entry in state.clients.values()] if state else []


async def test_jobs_share_one_client_and_its_connections(server: Any) -> None:
    before = len(server.log)
    for _ in range(5):
        outcome = await arun_job(connector, {"url": f"{server.url}/get"})
        assert isinstance(outcome, Completed)
    assert len(clients()) == 1
    ports = {entry["client_port"] for entry in server.log[before:]}
    assert len(ports) == 1  # five jobs, one kept-alive connection


async def test_one_client_per_tls_configuration(
    server: Any, tls_server: Any, ca: trustme.CA
) -> None:
    trusted = {"caCertificate": ca.cert_pem.bytes().decode()}
    for tls in ({}, trusted, {}, trusted, {"verify": False}):
        outcome = await arun_job(connector, {"url": f"{tls_server.url}/get", "tls": tls})
        assert outcome.kind == ("failed" if tls == {} else "completed"), outcome
    assert len(clients()) == 3


async def test_aclose_clients_closes_and_later_jobs_open_new_ones(server: Any) -> None:
    await arun_job(connector, {"url": f"{server.url}/get"})
    [first] = clients()
    await aclose_clients()
    assert first.is_closed
    assert clients() == []
    outcome = await arun_job(connector, {"url": f"{server.url}/get"})
    assert isinstance(outcome, Completed)
    assert clients() and clients()[0] is not first
    await aclose_clients()
    await aclose_clients()  # harmless when nothing is open


def test_asyncio_run_closes_the_clients_of_its_loop(server: Any) -> None:
    seen: list[Any] = []

    async def job() -> None:
        outcome = await arun_job(connector, {"url": f"{server.url}/get"})
        assert isinstance(outcome, Completed)
        seen.extend(clients())

    asyncio.run(job())
    assert len(seen) == 1
    assert seen[0].is_closed


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_a_loop_closed_without_shutting_down_is_forgotten_cleanly(server: Any) -> None:
    loop = asyncio.new_event_loop()
    try:
        outcome = loop.run_until_complete(arun_job(connector, {"url": f"{server.url}/get"}))
        assert isinstance(outcome, Completed)
    finally:
        loop.close()  # no shutdown_asyncgens(): the clients cannot be closed any more
    assert loop in pool._states

    async def later() -> Any:
        return await arun_job(connector, {"url": f"{server.url}/get"})

    assert isinstance(asyncio.run(later()), Completed)
    assert loop not in pool._states
    del loop
    gc.collect()


async def test_least_recently_used_client_is_closed_beyond_the_limit(
    tls_server: Any, ca: trustme.CA, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool, "MAX_CLIENTS_PER_LOOP", 2)
    trusted = {"caCertificate": ca.cert_pem.bytes().decode()}
    await arun_job(connector, {"url": f"{tls_server.url}/get", "tls": trusted})
    [oldest] = clients()
    await arun_job(connector, {"url": f"{tls_server.url}/get", "tls": {"verify": False}})
    await arun_job(connector, {"url": f"{tls_server.url}/get"})
    assert len(clients()) == 2
    assert oldest.is_closed
    assert oldest not in clients()


async def test_a_client_in_use_is_closed_only_after_its_job(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool, "MAX_CLIENTS_PER_LOOP", 1)
    created = asyncio.Event()
    create = pool._create

    def creating(*args: Any) -> Any:
        created.set()
        return create(*args)

    monkeypatch.setattr(pool, "_create", creating)
    slow = asyncio.create_task(arun_job(connector, {"url": f"{server.url}/delay/0.3"}))
    await created.wait()
    [busy] = clients()
    other = await arun_job(connector, {"url": f"{server.url}/get", "tls": {"verify": False}})
    assert isinstance(other, Completed)
    assert not busy.is_closed  # evicted, but its job is still reading
    assert isinstance(await slow, Completed)
    assert busy.is_closed
