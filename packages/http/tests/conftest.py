from __future__ import annotations

import ssl
import zlib
from collections.abc import AsyncIterator, Iterator
from types import ModuleType
from typing import Any

import pytest
import trustme

from tasklink.client import aclose_clients, tokens
from tasklink.testing import httpbin

OPERATOR_VARIABLES = (
    "TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS",
    "TASKLINK_HTTP_BLOCKED_NETWORKS",
    "TASKLINK_HTTP_ALLOWED_NETWORKS",
    "TASKLINK_HTTP_ALLOWED_HOSTS",
    "TASKLINK_HTTP_MAX_CONNECTIONS",
    "TASKLINK_HTTP_MAX_RESPONSE_BYTES",
)


@pytest.fixture(scope="session")
def httpbin_module() -> ModuleType:
    """The test server module (for tests that start a server on a fixed port)."""
    return httpbin


@pytest.fixture(scope="session")
def server() -> Iterator[Any]:
    """A plain HTTP test server on 127.0.0.1."""
    running = httpbin.start()
    yield running
    running.shutdown()
    running.server_close()


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def tls_server(ca: trustme.CA) -> Iterator[Any]:
    """An HTTPS test server for 'localhost' that accepts (and reports) client certificates."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    ca.configure_trust(context)
    context.verify_mode = ssl.CERT_OPTIONAL
    running = httpbin.start(tls=context)
    yield running
    running.shutdown()
    running.server_close()


@pytest.fixture(scope="session")
def localhost_tls_server(ca: trustme.CA) -> Iterator[Any]:
    """An HTTPS test server whose certificate names only 'localhost' (no IP address)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)
    running = httpbin.start(tls=context)
    yield running
    running.shutdown()
    running.server_close()


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in OPERATOR_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    tokens.clear()
    yield
    tokens.clear()


@pytest.fixture
async def pool() -> AsyncIterator[None]:
    """Close the pooled clients of the test's event loop at the end of the test."""
    yield
    await aclose_clients()


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
