"""Fixtures of the REST connector's tests: the local servers of
:mod:`tasklink.testing.httpbin` and a clean slate per test (the shared client's own tests
live in ``shared/client/tests``)."""

from __future__ import annotations

from types import ModuleType

import pytest
import trustme

from tasklink.testing import httpbin


@pytest.fixture(scope="session")
def httpbin_module() -> ModuleType:
    """The test server module (for tests that start a server on a fixed port)."""
    return httpbin


@pytest.fixture(scope="session")
def server(httpbin_server: httpbin.TestServer) -> httpbin.TestServer:
    """A plain HTTP test server on 127.0.0.1."""
    return httpbin_server


@pytest.fixture(scope="session")
def ca(httpbin_ca: trustme.CA) -> trustme.CA:
    return httpbin_ca


@pytest.fixture(scope="session")
def tls_server(httpbin_tls_server: httpbin.TestServer) -> httpbin.TestServer:
    """An HTTPS test server for 'localhost' that accepts (and reports) client certificates."""
    return httpbin_tls_server


@pytest.fixture(autouse=True)
def _isolated(outbound_isolation: None) -> None:
    """No operator setting or proxy from the environment, no token from another test."""
