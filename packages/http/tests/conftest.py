"""Fixtures of the REST connector's tests: the local servers of
:mod:`tasklink.testing.httpbin` and a clean slate per test (the shared client's own tests
live in ``shared/client/tests``)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
import trustme

from tasklink.client import tokens
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


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in OPERATOR_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    tokens.clear()
    yield
    tokens.clear()
