"""scripts/new_connector.py: the package it writes passes the workspace's test command (its
own tests, the standard suite, ruff and mypy strict) as it stands, and the repository's
listings know it.

Everything happens in a scratch copy of what the scaffold reads and writes (the root
pyproject.toml with the tool configuration, scripts/, element-templates/, docs/index.md):
the real repository is never written to. The package is not installed: a dist-info on
PYTHONPATH registers its entry point, as installing it would.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
NAME = "scaffold-demo"  # a hyphen: the import name differs from the folder's
MODULE = "scaffold_demo"
TITLE = "Scaffold Demo"
DESCRIPTION = "Read items of the demo API, a test of the scaffold"


def _run(
    command: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=240, check=False
    )


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("workspace")
    shutil.copy2(REPO / "pyproject.toml", root / "pyproject.toml")
    shutil.copy2(REPO / "LICENSE", root / "LICENSE")
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(REPO / "scripts", root / "scripts", ignore=ignore)
    shutil.copytree(REPO / "element-templates", root / "element-templates")
    (root / "docs").mkdir()
    shutil.copy2(REPO / "docs" / "index.md", root / "docs" / "index.md")
    (root / "packages").mkdir()
    return root


@pytest.fixture(scope="module")
def generated(workspace: Path) -> subprocess.CompletedProcess[str]:
    """The scaffold's run; the package it writes is shared by the tests of this module."""
    script = workspace / "scripts" / "new_connector.py"
    command = [sys.executable, str(script), NAME, "--title", TITLE, "--description"]
    done = _run([*command, DESCRIPTION, "--root", str(workspace)], workspace)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def package(generated: subprocess.CompletedProcess[str], workspace: Path) -> Path:
    return workspace / "packages" / NAME


@pytest.fixture(scope="module")
def package_env(package: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a process that finds the package as if it were installed: its
    ``src`` on PYTHONPATH, and its entry points (read from its pyproject.toml) in a
    dist-info there, for discovery and the standard suite."""
    project = tomllib.loads((package / "pyproject.toml").read_text("utf-8"))["project"]
    site = tmp_path_factory.mktemp("site")
    info = site / f"tasklink_{MODULE}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: 0.1.0\n", "utf-8"
    )
    entries = project["entry-points"]["tasklink.connectors"]
    lines = "".join(f"{key} = {value}\n" for key, value in entries.items())
    (info / "entry_points.txt").write_text(f"[tasklink.connectors]\n{lines}", "utf-8")
    inherited = [os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []
    paths = [str(site), str(package / "src"), *inherited]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


@pytest.fixture(scope="module")
def scaffold(workspace: Path) -> Iterator[ModuleType]:
    """The scaffold as a module, loaded from the scratch copy (no bytecode in the repo)."""
    found = importlib.util.spec_from_file_location(
        "new_connector", workspace / "scripts" / "new_connector.py"
    )
    assert found is not None and found.loader is not None
    module = importlib.util.module_from_spec(found)
    with pytest.MonkeyPatch.context() as patch:
        # dataclasses look their module up in sys.modules
        patch.setitem(sys.modules, "new_connector", module)
        found.loader.exec_module(module)
        yield module


# -- what it writes -------------------------------------------------------------------------


def test_writes_the_package_its_templates_and_its_docs(
    generated: subprocess.CompletedProcess[str], workspace: Path, package: Path
) -> None:
    source = package / "src" / "tasklink" / MODULE
    expected = [
        package / "pyproject.toml",
        package / "README.md",
        package / "CHANGELOG.md",
        *(source / name for name in ("__init__.py", "__about__.py", "_connector.py")),
        *(source / name for name in ("_models.py", "_operations.py", "icon.svg", "py.typed")),
        source / "templates" / "camunda" / f"io.tasklink.{NAME}.json",
        source / "templates" / "camunda" / f"io.tasklink.{NAME}-hybrid.json",
        source / "templates" / "activiti" / f"{NAME}.json",
        package / "tests" / "test_standard.py",
        package / "tests" / "test_get_item.py",
        workspace / "element-templates" / "camunda" / f"io.tasklink.{NAME}.json",
        workspace / "element-templates" / "activiti" / f"{NAME}.json",
        workspace / "docs" / "connectors" / f"{NAME}.md",
    ]
    assert [path for path in expected if not path.is_file()] == []
    assert not (REPO / "packages" / NAME).exists()

    lock = json.loads((workspace / "element-templates" / "versions.lock.json").read_text())
    assert set(lock[f"io.tasklink.{NAME}"]) == set(lock[f"io.tasklink.{NAME}-hybrid"]) == {"1"}
    template = json.loads(
        (workspace / "element-templates" / "camunda" / f"io.tasklink.{NAME}.json").read_text()
    )
    assert (template["name"], template["description"]) == (TITLE, DESCRIPTION)

    line = (
        f"- [{TITLE}](connectors/{NAME}.md): {DESCRIPTION} (`tasklink-{NAME}`, "
        f"[README](../packages/{NAME}/README.md))"
    )
    assert line in (workspace / "docs" / "index.md").read_text("utf-8").splitlines()
    assert "--amend-version" in generated.stdout  # the next steps
    assert "connector table of the root README.md" in generated.stdout


def test_listings_are_in_step_with_the_package(
    package: Path, workspace: Path, package_env: dict[str, str]
) -> None:
    # The scratch workspace has no other package: the template check is limited to this one.
    for command in (
        ["scripts/generate_templates.py", "--check", "--package", NAME],
        ["scripts/docs_index.py", "--check"],
    ):
        done = _run([sys.executable, *command], workspace, package_env)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "0 problem(s)" in done.stdout


# -- what it writes works ---------------------------------------------------------------------


def test_the_workspace_test_command_passes_with_the_package(
    package: Path, workspace: Path, package_env: dict[str, str]
) -> None:
    # `hatch run test` as it stands (scripts/run_tests.py, set-up and benchmarks aside):
    # ruff, ruff format, mypy strict over every member (here the new package alone) and
    # pytest, all picked up from the root configuration without an edit.
    command = [sys.executable, "scripts/run_tests.py", "--no-setup", "--no-bench"]
    env = {**package_env, "PYTHONDONTWRITEBYTECODE": "1"}
    done = _run([*command, "-v", "-p", "no:cacheprovider"], workspace, env)
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    for ran in (
        "static checks: ok",
        "tests: ok",
        "test_standard.py::TestStandard::test_readme_examples_run PASSED",
        "test_standard.py::TestStandard::test_templates_are_valid PASSED",
        "test_standard.py::TestStandard::test_no_secret_reaches_logs_errors_or_results PASSED",
        "test_standard.py::TestStandard::test_discovery_imports_no_heavy_module PASSED",
        "test_get_item.py::test_reads_the_item_with_the_credentials PASSED",
        f"packages/{NAME}/src",  # mypy's targets, printed by the command
    ):
        assert ran in report
    assert " SKIPPED" not in report


# -- what it refuses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["Slack"], "must match ^[a-z]"),
        (["slack_bot"], "must match ^[a-z]"),
        (["a-very-long-connector-name-x"], "at most 26 characters"),
        (["import"], "is a Python keyword"),
        (["core"], "tasklink.core is taken"),
        ([NAME], f"packages/{NAME} exists already"),
        (["slack", "--title", "Slack [beta]"], "--title"),
        (["slack", "--description", 'Say "hello"'], "--description"),
    ],
)
def test_refuses_what_would_not_work(
    generated: subprocess.CompletedProcess[str],
    workspace: Path,
    arguments: list[str],
    message: str,
) -> None:
    script = str(workspace / "scripts" / "new_connector.py")
    done = _run([sys.executable, script, *arguments, "--root", str(workspace)], workspace)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert not (workspace / "packages" / "slack").exists()


def test_names_defaults_and_long_descriptions(scaffold: ModuleType) -> None:
    spec = scaffold.Spec.create("google-drive", None, None)
    assert (spec.module, spec.title, spec.description) == (
        "google_drive",
        "Google Drive",
        "Call the Google Drive API",
    )
    text = "Read, write and share files, folders and permissions of a drive. " * 3
    spec = scaffold.Spec.create("drive", "Drive", text)
    assert spec.description == " ".join(text.split()).rstrip(".")
    literal = spec.values()["description_literal"]
    assert max(len(line) for line in literal.splitlines()) <= 80
    assert ast.literal_eval(f"({literal})") == spec.description  # wrapped, not changed
