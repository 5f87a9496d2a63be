"""Release readiness: every distribution builds an sdist and a wheel that pass
``twine check --strict`` with complete metadata, and the wheels alone install into a clean
virtual environment whose ``tasklink list`` shows every connector."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def test_every_distribution_is_ready_to_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(REPO / "scripts"))
    release_check = importlib.import_module("release_check")
    problems = release_check.check(tmp_path)
    assert problems == []
    wheels = {path.name.split("-")[0] for path in tmp_path.glob("*.whl")}
    members = {m.folder.name for m in importlib.import_module("workspace").members(REPO)}
    assert len(wheels) == len(members)


def test_a_relative_readme_link_is_a_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zipfile

    monkeypatch.syspath_prepend(str(REPO / "scripts"))
    release_check = importlib.import_module("release_check")
    metadata = "\n".join(
        [
            "Metadata-Version: 2.4",
            "Name: tasklink-x",
            "Version: 1.0",
            "Summary: x",
            "License-Expression: Apache-2.0",
            "Description-Content-Type: text/markdown",
            "",
            "# x\n\nSee [the docs](../../docs/x.md) and [web](https://example.org).\n" * 5,
        ]
    )
    wheel = tmp_path / "tasklink_x-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("tasklink_x-1.0.dist-info/METADATA", metadata)
    problems = release_check.metadata_problems(wheel)
    assert any("../../docs/x.md" in p and "lead nowhere" in p for p in problems)
    assert any("license" in p for p in problems)
    assert any("project URLs" in p for p in problems)
