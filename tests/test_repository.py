"""Root files pick a new package up without hand edits: every member is type-checked and has
its README and CHANGELOG, its set-up scripts run, and docs/index.md lists every connector."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def scripts() -> Iterator[SimpleNamespace]:
    """``scripts/workspace.py``, ``typecheck.py`` and ``docs_index.py``, imported as the
    scripts import each other (with ``scripts/`` on ``sys.path``)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(REPO / "scripts"))
        modules: dict[str, ModuleType] = {
            name: importlib.import_module(name) for name in ("workspace", "typecheck", "docs_index")
        }
        yield SimpleNamespace(**modules)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), "utf-8")


# -- this repository -------------------------------------------------------------------------


def test_every_member_carries_the_license(scripts: SimpleNamespace) -> None:
    text = (REPO / "LICENSE").read_text("utf-8")
    for member in scripts.workspace.members(REPO):
        license_file = member.folder / "LICENSE"
        assert license_file.is_file(), f"{member.folder} has no LICENSE (pyproject: license-files)"
        assert license_file.read_text("utf-8") == text, f"{license_file} differs from LICENSE"


def test_every_member_has_readme_changelog_and_is_type_checked(scripts: SimpleNamespace) -> None:
    members = scripts.workspace.members(REPO)
    checked = set(scripts.typecheck.source_roots(REPO))
    problems: list[str] = []
    for member in members:
        where = member.folder.relative_to(REPO)
        problems += [
            f"{where}: no {name}"
            for name in ("README.md", "CHANGELOG.md")
            if not (member.folder / name).is_file()
        ]
        if not any((member.src / "tasklink").glob("*/__init__.py")):
            problems.append(f"{where}: no package under src/tasklink/")
        if member.src.relative_to(REPO) not in checked:
            problems.append(f"{where}: src/ is not type-checked by scripts/typecheck.py")
    assert {m.folder.relative_to(REPO).parts[0] for m in members} == {"shared", "packages"}
    assert not problems, "\n".join(problems)


def test_hatch_typecheck_and_mypy_run_the_member_type_check() -> None:
    root = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    hatch_scripts = root["tool"]["hatch"]["envs"]["default"]["scripts"]
    assert hatch_scripts["typecheck"].startswith("python scripts/typecheck.py")
    assert hatch_scripts["mypy"].split()[0] == "typecheck"
    assert root["tool"]["mypy"]["strict"] is True


def test_declared_setup_scripts_exist(scripts: SimpleNamespace) -> None:
    declared, problems = scripts.workspace.setup_scripts(REPO)
    assert not problems, "\n".join(problems)
    assert REPO / "packages" / "email" / "tests" / "setup_dovecot.sh" in declared
    assert REPO / "packages" / "runtime" / "tests" / "setup_rabbitmq.sh" in declared


def test_docs_index_lists_every_connector_package(scripts: SimpleNamespace) -> None:
    entries, problems = scripts.docs_index.connector_entries(REPO)
    problems += scripts.docs_index.check_docs_index(REPO / "docs" / "index.md", entries)
    assert not problems, "\n".join([*problems, f"fix: {scripts.docs_index.FIX}"])
    assert {entry.folder for entry in entries} >= {"http", "email"}


def test_docs_index_check_command_exits_zero_on_a_clean_tree() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "docs_index.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 problem(s)" in done.stdout


# -- the mechanisms, on scratch files --------------------------------------------------------


def _entry(docs_index: ModuleType, folder: str, title: str, description: str) -> object:
    return docs_index.ConnectorEntry(
        folder=folder,
        distribution=f"tasklink-{folder}",
        name=folder,
        title=title,
        description=description,
    )


def test_connector_line_format(scripts: SimpleNamespace) -> None:
    """The line the scaffold (scripts/new_connector.py) and the docs index agree on."""
    entry = _entry(scripts.docs_index, "slack", "Slack", "Post a message")
    assert scripts.docs_index.render_connector_line(entry) == (
        "- [Slack](connectors/slack.md): Post a message (`tasklink-slack`, "
        "[README](../packages/slack/README.md))"
    )


def test_docs_index_check_finds_a_missing_package_and_a_stale_line(
    scripts: SimpleNamespace, tmp_path: Path
) -> None:
    docs_index = scripts.docs_index
    http = _entry(docs_index, "http", "REST", "Call a REST API")
    slack = _entry(docs_index, "slack", "Slack", "Post a message")
    stale = docs_index.render_connector_line(_entry(docs_index, "http", "REST", "Call an old API"))
    index = tmp_path / "index.md"
    _write(
        index,
        f"""\
        # docs

        {docs_index.BEGIN}
        {stale}
        {docs_index.END}
        - after
        """,
    )
    problems = docs_index.check_docs_index(index, [slack, http])
    assert len(problems) == 3, problems
    assert "missing or out of date: - [Slack](connectors/slack.md)" in problems[1]
    assert "stale, no package says: - [REST](connectors/http.md): Call an old API" in problems[2]

    assert docs_index.update_docs_index(index, [slack, http]) is True
    assert docs_index.check_docs_index(index, [http, slack]) == []
    assert docs_index.update_docs_index(index, [http, slack]) is False
    lines = index.read_text("utf-8").splitlines()
    assert lines[:3] == ["# docs", "", docs_index.BEGIN]
    assert lines[3].startswith("- [REST]") and lines[4].startswith("- [Slack]")
    assert lines[5:] == [docs_index.END, "- after"]


def test_docs_index_check_finds_lines_out_of_order_and_missing_markers(
    scripts: SimpleNamespace, tmp_path: Path
) -> None:
    docs_index = scripts.docs_index
    entries = [_entry(docs_index, "a", "A", "a"), _entry(docs_index, "b", "B", "b")]
    index = tmp_path / "index.md"
    block = "".join(docs_index.render_connector_line(entry) + "\n" for entry in entries[::-1])
    index.write_text(f"{docs_index.BEGIN}\n{block}{docs_index.END}\n", "utf-8")
    assert docs_index.check_docs_index(index, entries) == [
        f"{index}: the connector lines are not one per connector, by folder"
    ]
    index.write_text(f"{docs_index.BEGIN}\n{block}", "utf-8")
    (problem,) = docs_index.check_docs_index(index, entries)
    assert "needs exactly one" in problem
    with pytest.raises(ValueError, match="needs exactly one"):
        docs_index.update_docs_index(index, entries)


@pytest.fixture
def scratch_workspace(tmp_path: Path) -> Path:
    """A workspace root with the hatch member globs and a few members."""
    _write(
        tmp_path / "pyproject.toml",
        """\
        [tool.hatch.envs.default]
        workspace.members = ["shared/*", { path = "packages/*", features = ["test"] }]

        [tool.mypy]
        strict = true
        namespace_packages = true
        explicit_package_bases = true
        """,
    )
    _write(tmp_path / "shared/core/pyproject.toml", '[project]\nname = "tasklink-core"\n')
    _write(tmp_path / "shared/core/src/tasklink/core/__init__.py", "ANSWER: int = 42\n")
    _write(
        tmp_path / "packages/foo/pyproject.toml",
        """\
        [project]
        name = "tasklink-foo"

        [tool.tasklink]
        setup-scripts = ["tests/setup_b.sh", "tests/setup_a.sh", "tests/setup_b.sh"]
        """,
    )
    for name in ("setup_a.sh", "setup_b.sh"):
        _write(tmp_path / "packages/foo/tests" / name, "true\n")
    _write(
        tmp_path / "packages/foo/src/tasklink/foo/__init__.py",
        "from tasklink.core import ANSWER\n\nTEXT: str = ANSWER\n",
    )
    (tmp_path / "packages/notes").mkdir()  # no pyproject.toml: not a member
    return tmp_path


def test_a_new_member_is_found_in_member_order(
    scripts: SimpleNamespace, scratch_workspace: Path
) -> None:
    members = scripts.workspace.members(scratch_workspace)
    assert [m.folder.name for m in members] == ["core", "foo"]
    assert scripts.typecheck.source_roots(scratch_workspace) == [
        Path("shared/core/src"),
        Path("packages/foo/src"),
    ]
    declared, problems = scripts.workspace.setup_scripts(scratch_workspace)
    tests = scratch_workspace.resolve() / "packages/foo/tests"
    assert (declared, problems) == ([tests / "setup_b.sh", tests / "setup_a.sh"], [])


def test_setup_script_declarations_that_cannot_run_are_reported(
    scripts: SimpleNamespace, scratch_workspace: Path
) -> None:
    _write(
        scratch_workspace / "shared/core/pyproject.toml",
        '[tool.tasklink]\nsetup-scripts = ["../../packages/foo/tests/setup_a.sh", "gone.sh"]\n',
    )
    _write(
        scratch_workspace / "packages/bar/pyproject.toml", "[tool.tasklink]\nsetup-scripts = 'x'\n"
    )
    declared, problems = scripts.workspace.setup_scripts(scratch_workspace)
    assert len(declared) == 2
    assert [problem.split(": ", 1)[1] for problem in problems] == [
        "set-up script '../../packages/foo/tests/setup_a.sh' is outside "
        f"{scratch_workspace.resolve() / 'shared/core'}",
        "set-up script 'gone.sh' does not exist",
        "[tool.tasklink] setup-scripts must be a list of paths (strings)",
    ]


def test_a_new_member_is_type_checked_as_part_of_the_namespace(
    scripts: SimpleNamespace, scratch_workspace: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """The error is found, and named by module path: each src folder is a package base."""
    assert scripts.typecheck.main(["--cache-dir", "/dev/null"], root=scratch_workspace) == 1
    out = capfd.readouterr().out
    assert "packages/foo/src/tasklink/foo/__init__.py:3: error: Incompatible types" in out
    assert "Found 1 error in 1 file (checked 2 source files)" in out
