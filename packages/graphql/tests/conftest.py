"""Fixtures of the connector's tests: the GraphQL test server (``support/graphql_server.py``:
graphql-core behind a small ``http.server`` app) over HTTP and HTTPS for the session, reset
before each test; tasklink-testing's local HTTP server for its OAuth 2.0 token endpoint;
and a clean outbound environment."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

sys.path.insert(0, str(Path(__file__).resolve().parent / "support"))

from graphql_server import GraphqlServer, start

from tasklink.testing import httpbin


@pytest.fixture(scope="session")
def graphql_session_server(httpbin_server: httpbin.TestServer) -> Iterator[GraphqlServer]:
    running = start()
    # Tokens the OAuth 2.0 test endpoint issues are accepted too.
    running.token_sources.append(httpbin_server.oauth.tokens)
    yield running
    running.shutdown()
    running.server_close()


@pytest.fixture
def graphql_server(graphql_session_server: GraphqlServer) -> GraphqlServer:
    """The GraphQL test server on 127.0.0.1, with its orders as every test starts them."""
    graphql_session_server.reset()
    return graphql_session_server


@pytest.fixture(scope="session")
def graphql_tls_server(httpbin_ca: trustme.CA) -> Iterator[GraphqlServer]:
    """The same server over HTTPS for 'localhost', certified by ``httpbin_ca``, which also
    takes client certificates of that CA."""
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    httpbin_ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    # Client certificates of the same CA are asked for, and reported (clientCertificate).
    context.verify_mode = ssl.CERT_OPTIONAL
    httpbin_ca.configure_trust(context)
    running = start(context)
    yield running
    running.shutdown()
    running.server_close()


@pytest.fixture(scope="session")
def server(httpbin_server: httpbin.TestServer) -> httpbin.TestServer:
    """tasklink-testing's local HTTP server: its OAuth 2.0 token endpoint."""
    return httpbin_server


@pytest.fixture(autouse=True)
def _reachable_server(outbound_isolation: None) -> None:
    """The servers listen on loopback: no outbound policy, proxy or token cache from the
    environment the tests run in gets in the way."""
