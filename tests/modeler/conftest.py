"""Headless Chromium for the modeler check: started here, killed in teardown."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SCRIPTS = HERE.parents[1] / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

from modeler import SETUP as _SETUP  # noqa: E402
from modeler import ChromiumError, headless_chromium, missing_tools  # noqa: E402


def require_tools() -> None:
    """Fail with the fix when the set-up script has not run."""
    missing = missing_tools()
    if missing:
        pytest.fail(f"the modeler check needs {', '.join(missing)}: {_SETUP}", pytrace=False)


@pytest.fixture(scope="session")
def chromium() -> Iterator[str]:
    """A headless Chromium with the DevTools protocol on a loopback port; yields its
    websocket address."""
    require_tools()
    try:
        with headless_chromium() as endpoint:
            yield endpoint
    except ChromiumError as exc:
        pytest.fail(str(exc), pytrace=False)
