"""Fixtures of the connector's tests.

* ``slack``: a fresh fake Slack Web API per test (``tests/support``), checking every request
  and answer against Slack's OpenAPI document; the test fails at teardown on any
  deviation. Import its types with ``from slack_support import FakeSlack``.
* tasklink-testing's pytest plugin gives the local HTTP server (``httpbin_server``:
  httpbin's routes, an OAuth 2.0 token endpoint) and a clean outbound environment
  (``outbound_isolation``).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tasklink.testing import shared_kit_dir

HERE = Path(__file__).resolve().parent
SPECS = "specs/slack"
SUPPORT_MODULE = "slack_support"


def _load_support() -> ModuleType:
    """``tests/support`` as ``slack_support``: Alfresco's tests import their own
    ``support`` package from ``sys.path`` and all packages' tests share one pytest
    session, so ours takes a name of its own instead of the path."""
    loaded = sys.modules.get(SUPPORT_MODULE)
    if loaded is not None:
        return loaded
    spec = importlib.util.spec_from_file_location(
        SUPPORT_MODULE,
        HERE / "support" / "__init__.py",
        submodule_search_locations=[str(HERE / "support")],
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[SUPPORT_MODULE] = module
    spec.loader.exec_module(module)
    return module


_load_support()

from slack_support import FakeSlack  # noqa: E402


@pytest.fixture(autouse=True)
def _reachable_server(outbound_isolation: None) -> None:
    """The servers listen on loopback: no outbound policy, proxy or token cache from the
    environment the tests run in gets in the way."""


@pytest.fixture(scope="session")
def slack_specs() -> Path:
    """The folder of Slack's OpenAPI document."""
    kit = shared_kit_dir(HERE)
    if kit is None or not (kit / SPECS / "slack_web_openapi_v2_without_examples.json").is_file():
        pytest.skip(
            f"the developer kit with {SPECS} is absent "
            "(set TASKLINK_SHARED_DIR to the folder holding it)"
        )
    return kit / SPECS


@pytest.fixture
def slack(slack_specs: Path) -> Iterator[FakeSlack]:
    """A fresh fake Slack workspace on 127.0.0.1 (its own port and state): the bot token
    is ``slack.token``, the client's base URL ``slack.base_url``. At teardown the test
    fails if any request it got or answer it gave broke Slack's API document."""
    with FakeSlack(slack_specs) as fake:
        yield fake
        violations = fake.take_violations()
    if violations:
        listing = "\n".join(f"  - {v}" for v in violations)
        pytest.fail(
            f"the fake Slack saw {len(violations)} deviation(s) from the Web API "
            f"document:\n{listing}",
            pytrace=False,
        )
