"""Fixtures of the Camunda worker tests: the OpenAPI document, fake gateways, a store."""

from __future__ import annotations

import sys
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from camunda_fakes import JobStore  # noqa: E402
from camunda_fakes.rest import OAUTH, FakeRestGateway, OpenAPISpec  # noqa: E402

from tasklink.client import tokens  # noqa: E402
from tasklink.testing import shared_kit_dir  # noqa: E402

SPEC_PATH = "specs/camunda/rest-api.bundle.json"


@pytest.fixture(scope="session")
def camunda_spec() -> Any:
    """The official Orchestration Cluster API document from the developer kit."""
    kit = shared_kit_dir(HERE)
    if kit is None or not (kit / SPEC_PATH).is_file():
        pytest.skip(
            f"the developer kit with {SPEC_PATH} is absent "
            "(set TASKLINK_SHARED_DIR to the folder holding it)"
        )
    return OpenAPISpec.load(kit / SPEC_PATH)


@pytest.fixture(autouse=True)
def _fresh_token_cache() -> Iterator[None]:
    """OAuth tokens are cached for the process: a fake identity provider on a port another
    test used must not be met with that test's token."""
    tokens.clear()
    yield
    tokens.clear()


@pytest.fixture(autouse=True)
def _aiohttp_multipart_deprecation() -> None:
    """aiohttp's own multipart reader calls its deprecated ``unread_data()`` as the fake
    gateway streams an upload: not a warning about our code."""
    warnings.filterwarnings("ignore", "unread_data", DeprecationWarning)


@pytest.fixture
def store() -> JobStore:
    return JobStore()


async def _started(fake: FakeRestGateway) -> AsyncIterator[FakeRestGateway]:
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
    assert fake.violations == [], "requests or answers broke the OpenAPI contract"


@pytest.fixture
async def gateway(store: JobStore, camunda_spec: Any) -> AsyncIterator[FakeRestGateway]:
    """A REST gateway without authentication that checks every exchange against the API."""
    async for fake in _started(FakeRestGateway(store, camunda_spec)):
        yield fake


@pytest.fixture
async def oauth_gateway(store: JobStore, camunda_spec: Any) -> AsyncIterator[FakeRestGateway]:
    """A REST gateway that wants bearer tokens from its own identity provider."""
    fake = FakeRestGateway(store, camunda_spec, auth="oauth", oauth_client=OAUTH)
    async for started in _started(fake):
        yield started
