"""The package surface: every public name resolves, and the fixture connector loads light."""

from __future__ import annotations

import subprocess
import sys

import pytest

import tasklink.testing as testing


def test_the_exports_are_in_step() -> None:
    assert testing.check_package_exports(testing) == []


def test_the_check_finds_what_drifts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(testing, "_DEFERRED", {"_harness": ("run_job",)})
    monkeypatch.setattr(testing, "__all__", [*testing.__all__, "no_such_name"])
    problems = testing.check_package_exports(testing)
    assert problems[0] == "no_such_name is in __all__ but does not resolve"
    assert any(p.startswith("the TYPE_CHECKING imports") for p in problems)


def test_loading_the_fixture_connector_imports_no_test_tool() -> None:
    # What discovery does for a runtime that serves the fixture through an entry point.
    code = (
        "import sys\n"
        "from tasklink.testing.fixtures import echo\n"
        "print(sorted(m for m in ('pytest', 'vcr', 'jsonschema', 'yaml') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
