"""Pooled clients: shared by requests, one per event loop and TLS configuration, closed
with their loop or by ``aclose_clients``."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import trustme

from tasklink import client
from tasklink.client import _pool as pool
from tasklink.core import ConnectorError, Context, JobInfo, MappingSecretProvider, SecretResolver
from tasklink.testing import httpbin

Fetch = Callable[..., Awaitable[client.Response]]


def clients() -> list[Any]:
    state = pool._states.get(asyncio.get_running_loop())
    return [entry.client for entry in state.clients.values()] if state else []


async def get(url: str, **fields: Any) -> client.Response:
    """One request with a context of its own, as each job has."""
    ctx = Context(JobInfo(), SecretResolver(MappingSecretProvider({})))
    return await client.send(client.Request("GET", url, **fields), ctx)


async def test_requests_share_one_client_and_its_connections(server: httpbin.TestServer) -> None:
    before = len(server.log)
    for _ in range(5):
        assert (await get(f"{server.url}/get")).status == 200
    assert len(clients()) == 1
    ports = {entry["client_port"] for entry in server.log[before:]}
    assert len(ports) == 1  # five requests, one kept-alive connection


async def test_one_client_per_tls_configuration(
    tls_server: httpbin.TestServer, ca: trustme.CA, fetch: Fetch
) -> None:
    trusted = client.TlsConfig(ca_pem=ca.cert_pem.bytes().decode())
    same = client.TlsConfig(ca_pem=ca.cert_pem.bytes().decode())
    for tls in (trusted, same, client.TlsConfig(verify=False), client.TlsConfig(verify=False)):
        assert (await fetch(f"{tls_server.url}/get", tls=tls)).status == 200
    with pytest.raises(ConnectorError, match="TLS certificate was not accepted"):
        await fetch(f"{tls_server.url}/get")  # the base store alone
    assert len(clients()) == 3  # equal configurations share one


async def test_the_pool_size_is_the_operators(
    server: httpbin.TestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(client.ENV_MAX_CONNECTIONS, "1")
    before = len(server.log)
    # Concurrent requests wait for the one connection instead of opening their own.
    await asyncio.gather(*(get(f"{server.url}/delay/0.1") for _ in range(3)))
    assert len({entry["client_port"] for entry in server.log[before:]}) == 1


async def test_aclose_clients_closes_and_later_requests_open_new_ones(
    server: httpbin.TestServer,
) -> None:
    await get(f"{server.url}/get")
    [first] = clients()
    await client.aclose_clients()
    assert first.is_closed
    assert clients() == []
    assert (await get(f"{server.url}/get")).status == 200
    assert clients() and clients()[0] is not first
    await client.aclose_clients()
    await client.aclose_clients()  # harmless when nothing is open


def test_asyncio_run_closes_the_clients_of_its_loop(server: httpbin.TestServer) -> None:
    seen: list[Any] = []

    async def job() -> None:
        assert (await get(f"{server.url}/get")).status == 200
        seen.extend(clients())

    asyncio.run(job())
    assert len(seen) == 1
    assert seen[0].is_closed


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_a_loop_closed_without_shutting_down_is_forgotten_cleanly(
    server: httpbin.TestServer,
) -> None:
    loop = asyncio.new_event_loop()
    try:
        response = loop.run_until_complete(get(f"{server.url}/get"))
        assert response.status == 200
    finally:
        loop.close()  # no shutdown_asyncgens(): the clients cannot be closed any more
    assert loop in pool._states

    async def later() -> client.Response:
        return await get(f"{server.url}/get")

    assert asyncio.run(later()).status == 200
    assert loop not in pool._states
    del loop
    gc.collect()


async def test_the_least_recently_used_client_is_closed_beyond_the_limit(
    tls_server: httpbin.TestServer, ca: trustme.CA, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool, "MAX_CLIENTS_PER_LOOP", 2)
    trusted = client.TlsConfig(ca_pem=ca.cert_pem.bytes().decode())
    await get(f"{tls_server.url}/get", tls=trusted)
    await get(f"{tls_server.url}/get", tls=client.TlsConfig(verify=False))
    recent, oldest = clients()
    await get(f"{tls_server.url}/get", tls=trusted)  # used again: the most recent one
    with pytest.raises(ConnectorError):
        await get(f"{tls_server.url}/get")  # a third configuration
    assert oldest.is_closed and not recent.is_closed
    assert len(clients()) == 2 and clients()[0] is recent


async def test_a_client_in_use_is_closed_only_after_its_request(
    server: httpbin.TestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool, "MAX_CLIENTS_PER_LOOP", 1)
    created = asyncio.Event()
    create = pool._create

    def creating(*args: Any) -> Any:
        created.set()
        return create(*args)

    monkeypatch.setattr(pool, "_create", creating)
    slow = asyncio.create_task(get(f"{server.url}/delay/0.3"))
    await created.wait()
    [busy] = clients()
    other = await get(f"{server.url}/get", tls=client.TlsConfig(verify=False))
    assert other.status == 200
    assert not busy.is_closed  # evicted, but its request is still reading
    assert (await slow).status == 200
    assert busy.is_closed
