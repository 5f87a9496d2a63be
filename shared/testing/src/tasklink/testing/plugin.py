"""The pytest plugin of tasklink-testing (registered through the ``pytest11`` entry point).

Fixtures for connector tests: the developer kit, and the local HTTP test servers of
:mod:`tasklink.testing.httpbin` with a clean outbound environment.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pytest

from ._kit import SHARED_DIR_VARIABLE, shared_kit_dir

if TYPE_CHECKING:
    import trustme

    from .httpbin import TestServer

# What an operator or a shell configures for the shared outbound client: never inherited
# by a test that talks to a local server.
OUTBOUND_ENVIRONMENT = (
    "TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS",
    "TASKLINK_HTTP_BLOCKED_NETWORKS",
    "TASKLINK_HTTP_ALLOWED_NETWORKS",
    "TASKLINK_HTTP_ALLOWED_HOSTS",
    "TASKLINK_HTTP_MAX_CONNECTIONS",
    "TASKLINK_HTTP_MAX_RESPONSE_BYTES",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
)


@pytest.fixture(scope="session")
def shared_kit(request: pytest.FixtureRequest) -> Path:
    """The developer kit beside the repository (vendor specs, TCK cases); skips if absent."""
    found = shared_kit_dir(Path(str(request.config.rootpath)))
    if found is None:
        pytest.skip(
            f"the tasklink kit is absent: set {SHARED_DIR_VARIABLE} or place it as "
            "'shared' beside the repository"
        )
    return found


@pytest.fixture(scope="session")
def httpbin_server() -> Iterator[TestServer]:
    """A local HTTP test server on 127.0.0.1 (:mod:`tasklink.testing.httpbin`)."""
    from . import httpbin

    running = httpbin.start()
    yield running
    running.shutdown()
    running.server_close()


@pytest.fixture(scope="session")
def httpbin_ca() -> trustme.CA:
    """A throwaway certificate authority (``trustme``), trusted by nothing unless a test
    says so: the issuer of :func:`httpbin_tls_server`'s certificate."""
    pytest.importorskip("trustme", reason="the TLS test server needs trustme")
    import trustme

    return trustme.CA()


@pytest.fixture(scope="session")
def httpbin_tls_server(httpbin_ca: trustme.CA) -> Iterator[TestServer]:
    """An HTTPS test server for 'localhost' and 127.0.0.1, certified by
    :func:`httpbin_ca`, that accepts (and reports, as ``clientCertificate`` in its echo)
    client certificates of that CA."""
    from . import httpbin

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    httpbin_ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    httpbin_ca.configure_trust(context)
    context.verify_mode = ssl.CERT_OPTIONAL
    running = httpbin.start(tls=context)
    yield running
    running.shutdown()
    running.server_close()


@pytest.fixture
def outbound_isolation(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No operator setting, proxy or CA store of the environment reaches the test, and the
    shared client's OAuth token cache is empty before and after it."""
    for name in OUTBOUND_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    tokens = _token_cache()
    if tokens is not None:
        tokens.clear()
    yield
    if tokens is not None:
        tokens.clear()


class _Clearable(Protocol):
    def clear(self) -> None: ...


def _token_cache() -> _Clearable | None:
    try:
        from tasklink.client import tokens
    except ImportError:  # a connector that does not call HTTP APIs
        return None
    return tokens
