"""Fixtures of the connector's tests.

* ``acs``: a fresh fake Alfresco repository per test (``tests/support``), checking every
  request and answer against the vendor's OpenAPI documents; the test fails at teardown on
  any deviation.
* tasklink-testing's pytest plugin gives the local HTTP server (``httpbin_server``:
  httpbin's routes, an OAuth 2.0 token endpoint) and a clean outbound environment
  (``outbound_isolation``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from support import FakeRepository  # noqa: E402

from tasklink.testing import httpbin, shared_kit_dir  # noqa: E402

SPECS = "specs/alfresco"


@pytest.fixture(scope="session")
def server(httpbin_server: httpbin.TestServer) -> httpbin.TestServer:
    """A plain HTTP test server on 127.0.0.1."""
    return httpbin_server


@pytest.fixture(autouse=True)
def _reachable_server(outbound_isolation: None) -> None:
    """The servers listen on loopback: no outbound policy, proxy or token cache from the
    environment the tests run in gets in the way."""


@pytest.fixture(scope="session")
def alfresco_specs() -> Path:
    """The folder of the vendor's OpenAPI documents (core, search, auth, gs)."""
    kit = shared_kit_dir(HERE)
    if kit is None or not (kit / SPECS / "alfresco-core.yaml").is_file():
        pytest.skip(
            f"the developer kit with {SPECS} is absent "
            "(set TASKLINK_SHARED_DIR to the folder holding it)"
        )
    return kit / SPECS


@pytest.fixture
def acs(alfresco_specs: Path) -> Iterator[FakeRepository]:
    """A fresh fake repository on 127.0.0.1 (its own port and state); at teardown the test
    fails if any request it got or answer it gave broke the API documents."""
    with FakeRepository(alfresco_specs) as fake:
        yield fake
        violations = fake.take_violations()
    if violations:
        listing = "\n".join(f"  - {v}" for v in violations)
        pytest.fail(
            f"the fake Alfresco saw {len(violations)} deviation(s) from the OpenAPI "
            f"documents:\n{listing}",
            pytrace=False,
        )
