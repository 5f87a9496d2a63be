"""The workspace members and what each declares for the repository's own tooling.

A member is a folder holding a ``pyproject.toml`` that matches one of the globs of
``[tool.hatch.envs.default] workspace.members`` in the root ``pyproject.toml``: the same list
hatch installs editable, so the type check, the set-up scripts and the repository tests see
exactly the packages the environment has. A member declares its test set-up in its own
``pyproject.toml``::

    [tool.tasklink]
    setup-scripts = ["tests/setup_dovecot.sh"]  # relative to the member's folder

Import it with ``scripts/`` on ``sys.path`` (as ``python scripts/<name>.py`` has it).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Member:
    """One workspace member: its folder and its parsed ``pyproject.toml``."""

    folder: Path
    pyproject: dict[str, Any]

    @property
    def src(self) -> Path:
        """The folder holding its part of the ``tasklink`` namespace (a mypy package base)."""
        return self.folder / "src"

    def declared_setup_scripts(self) -> list[str]:
        """``[tool.tasklink] setup-scripts`` as written; ``ValueError`` when malformed."""
        declared = self.pyproject.get("tool", {}).get("tasklink", {}).get("setup-scripts", [])
        if not isinstance(declared, list) or not all(isinstance(p, str) for p in declared):
            raise ValueError("[tool.tasklink] setup-scripts must be a list of paths (strings)")
        return declared


def _member_globs(root: Path) -> Iterator[str]:
    hatch = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["tool"]["hatch"]
    for entry in hatch["envs"]["default"]["workspace"]["members"]:
        # hatch accepts a path or a table {path = ..., features = [...]}.
        yield entry if isinstance(entry, str) else entry["path"]


def members(root: Path = ROOT) -> list[Member]:
    """Every member, in the order of the globs, each glob's matches sorted by path."""
    root = root.resolve()
    found: list[Member] = []
    seen: set[Path] = set()
    for pattern in _member_globs(root):
        for pyproject in sorted(root.glob(f"{pattern}/pyproject.toml")):
            folder = pyproject.parent
            if folder not in seen:
                seen.add(folder)
                found.append(Member(folder, tomllib.loads(pyproject.read_text("utf-8"))))
    return found


def setup_scripts(root: Path = ROOT) -> tuple[list[Path], list[str]]:
    """The set-up scripts every member declares, each once, in member order; and a message
    for every declaration that is malformed, leaves its member's folder or names no file."""
    root = root.resolve()
    scripts: list[Path] = []
    problems: list[str] = []
    for member in members(root):
        where = member.folder.relative_to(root) / "pyproject.toml"
        try:
            declared = member.declared_setup_scripts()
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
            continue
        for relative in declared:
            script = (member.folder / relative).resolve()
            if not script.is_relative_to(member.folder.resolve()):
                problems.append(f"{where}: set-up script {relative!r} is outside {member.folder}")
            elif not script.is_file():
                problems.append(f"{where}: set-up script {relative!r} does not exist")
            elif script not in scripts:
                scripts.append(script)
    return scripts, problems
