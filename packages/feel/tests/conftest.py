"""Shared test helpers for tasklink-feel.

The DMN TCK kit is found through one setting: the environment variable
``TASKLINK_SHARED_DIR``, defaulting to the ``shared`` folder beside the
repository root (the directory holding the root ``pyproject.toml``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_REPO_ROOT = Path(__file__).resolve().parents[3]
_SUMMARY_KEY = pytest.StashKey[list[str]]()


def shared_dir() -> Path:
    """The shared test-kit folder (``$TASKLINK_SHARED_DIR`` or ``<repo>/../shared``)."""
    configured = os.environ.get("TASKLINK_SHARED_DIR")
    if configured:
        return Path(configured)
    return _REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def feel_tck_dir() -> Path:
    """The DMN TCK folder ``<shared>/feel-tck``; skips the test if it is absent."""
    path = shared_dir() / "feel-tck"
    if not path.is_dir():
        pytest.skip(
            f"DMN TCK kit not found at {path} "
            "(set TASKLINK_SHARED_DIR to the folder holding feel-tck/)"
        )
    return path


@pytest.fixture
def report_line(request: pytest.FixtureRequest) -> object:
    """Call with a line of text to show it in pytest's terminal summary."""
    lines = request.config.stash.setdefault(_SUMMARY_KEY, [])
    return lines.append


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = terminalreporter.config.stash.get(_SUMMARY_KEY, [])
    if lines:
        terminalreporter.section("tasklink-feel")
        for line in lines:
            terminalreporter.write_line(line)
