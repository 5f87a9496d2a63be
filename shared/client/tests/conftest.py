"""Fixtures of the shared client's tests: local servers, a job's context, a clean slate.

Every test calls the client the way a connector does (``client.send(client.Request(...),
ctx)``) against the local servers of :mod:`tasklink.testing.httpbin`; nothing leaves
127.0.0.1.
"""

from __future__ import annotations

import ssl
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
import trustme

from tasklink import client
from tasklink.core import ConnectorError, Context, JobInfo, MappingSecretProvider, SecretResolver
from tasklink.testing import httpbin


@pytest.fixture(scope="session")
def server(httpbin_server: httpbin.TestServer) -> httpbin.TestServer:
    """A plain HTTP test server on 127.0.0.1."""
    return httpbin_server


@pytest.fixture(scope="session")
def ca(httpbin_ca: trustme.CA) -> trustme.CA:
    """A throwaway certificate authority, trusted by nothing unless a test says so."""
    return httpbin_ca


@pytest.fixture(scope="session")
def tls_server(httpbin_tls_server: httpbin.TestServer) -> httpbin.TestServer:
    """An HTTPS test server for 'localhost' and 127.0.0.1 that accepts (and reports, as
    ``clientCertificate`` in its echo) client certificates of ``ca``."""
    return httpbin_tls_server


@pytest.fixture(scope="session")
def localhost_tls_server(ca: trustme.CA) -> Iterator[httpbin.TestServer]:
    """An HTTPS test server whose certificate names only 'localhost' (no IP address)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)
    running = httpbin.start(tls=context)
    yield running
    running.shutdown()
    running.server_close()


@pytest.fixture(autouse=True)
def _isolated(outbound_isolation: None) -> None:
    """No operator setting, proxy or CA store from the environment; no token from another
    test (tasklink.testing's ``outbound_isolation``)."""


@pytest.fixture(autouse=True)
async def _pool() -> AsyncIterator[None]:
    """Close the pooled clients of the test's event loop after the test, so the next test
    reads the operator settings afresh."""
    yield
    await client.aclose_clients()


@pytest.fixture
def ctx() -> Context:
    """A job's context, as the runtime builds it (with a redactor of its own)."""
    return Context(JobInfo(), SecretResolver(MappingSecretProvider({})))


@pytest.fixture
def fetch(ctx: Context) -> Callable[..., Awaitable[client.Response]]:
    """``await fetch(url, method=..., **request_fields)``: send one request with ``ctx``."""

    async def fetch(url: str, *, method: str = "GET", **fields: Any) -> client.Response:
        return await client.send(client.Request(method, url, **fields), ctx)

    return fetch


@pytest.fixture
def failure(ctx: Context) -> Callable[..., Awaitable[ConnectorError]]:
    """``await failure(url, **request_fields)``: the :class:`ConnectorError` that sending
    the request raises (the test fails if it raises nothing, or something else)."""

    async def failure(url: str, *, method: str = "GET", **fields: Any) -> ConnectorError:
        with pytest.raises(ConnectorError) as raised:
            await client.send(client.Request(method, url, **fields), ctx)
        return raised.value

    return failure


@pytest.fixture
def oauth(server: httpbin.TestServer) -> Iterator[httpbin.OAuthServer]:
    """The test server's token endpoint, reset: no clients, no refresh tokens, no
    requests, tokens valid for an hour."""
    state = server.oauth
    state.clients = {}
    state.refresh_tokens = set()
    state.rotate_refresh_tokens = False
    state.requests.clear()
    state.expires_in = 3600
    state.token_type = "Bearer"
    yield state
    state.revoke_all()


@pytest.fixture
def inflated(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every piece any zlib decompressor produces during the test (ours or
    httpx's): how much a compressed body was inflated, independent of who inflated it."""
    sizes: list[int] = []
    real = zlib.decompressobj

    class Counting:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self._inner = real(*args, **kwargs)

        def decompress(self, data: bytes, max_length: int = 0) -> bytes:
            out = self._inner.decompress(data, max_length)
            sizes.append(len(out))
            return out

        def flush(self, *args: Any) -> bytes:
            out = self._inner.flush(*args)
            sizes.append(len(out))
            return out

        def __getattr__(self, name: str) -> Any:
            return getattr(self._inner, name)

    monkeypatch.setattr(zlib, "decompressobj", Counting)
    return sizes
