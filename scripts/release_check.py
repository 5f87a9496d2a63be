#!/usr/bin/env python3
"""Release readiness: every distribution of the workspace builds, passes
``twine check --strict``, carries complete metadata, and installs from its wheel alone.

1. builds an sdist and a wheel of every member (``uv build``, as the release workflow's
   ``hatch build`` does, in an isolated build environment);
2. ``twine check --strict`` on all of them;
3. reads each wheel's metadata: summary, license expression and license file, classifiers,
   project URLs (Homepage, Documentation, Source, Issues, Changelog), a Markdown README
   whose links all work outside the repository;
4. installs the wheels alone (dependencies from the index, nothing from the workspace) into
   a fresh virtual environment, where ``tasklink list --json`` must show every connector the
   workspace declares and ``tasklink process run --help`` must work.

Usage::

    hatch run python scripts/release_check.py [--out DIR]    # exit 1 and list the problems
"""

from __future__ import annotations

import argparse
import email.parser
import json
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import venv
import zipfile
from collections.abc import Sequence
from pathlib import Path

from workspace import members

REPO = Path(__file__).resolve().parents[1]
URLS = ("Homepage", "Documentation", "Source", "Issues", "Changelog")
# A Markdown link or image whose target is relative: it would lead nowhere on PyPI.
_RELATIVE_LINK = re.compile(r"\]\((?![a-z][a-z0-9+.-]*:|#)([^)\s]+)\)")


def _run(command: Sequence[str], **options: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(command), capture_output=True, text=True, check=False, **options)


def _uv() -> str:
    found = shutil.which("uv")
    if found is None:
        raise SystemExit("release_check needs uv (installed with hatch)")
    return found


def build(out: Path) -> tuple[list[Path], list[str]]:
    """An sdist and a wheel of every member in ``out``; the files and the problems."""
    problems: list[str] = []
    for member in members(REPO):
        done = _run(
            [_uv(), "build", "--sdist", "--wheel", "--out-dir", str(out), str(member.folder)]
        )
        if done.returncode != 0:
            problems.append(f"{member.folder.name}: build failed:\n{done.stderr[-2000:]}")
    built = [f for f in out.iterdir() if f.name.endswith((".whl", ".tar.gz"))]
    return sorted(built), problems


def twine_check(files: Sequence[Path]) -> list[str]:
    done = _run([sys.executable, "-m", "twine", "check", "--strict", *map(str, files)])
    return [] if done.returncode == 0 else [f"twine check --strict:\n{done.stdout}{done.stderr}"]


def metadata_problems(wheel: Path) -> list[str]:
    """What the wheel's metadata lacks for a release."""
    with zipfile.ZipFile(wheel) as archive:
        info = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        text = archive.read(info).decode("utf-8")
        licenses = [n for n in archive.namelist() if ".dist-info/licenses/" in n]
    metadata = email.parser.Parser().parsestr(text)
    name = metadata["Name"]
    problems = []
    if not metadata["Summary"]:
        problems.append("no summary")
    if metadata["License-Expression"] != "Apache-2.0" or not licenses:
        problems.append("no Apache-2.0 license expression with its license file")
    if metadata["Description-Content-Type"] != "text/markdown":
        problems.append("the README is not Markdown")
    readme = metadata.get_payload()
    if len(readme) < 200:
        problems.append("no README")
    relative = _RELATIVE_LINK.findall(readme)
    if relative:
        problems.append(f"README links that lead nowhere on PyPI: {relative[:5]}")
    urls = {value.split(",", 1)[0].strip() for value in metadata.get_all("Project-URL") or []}
    missing = [url for url in URLS if url not in urls]
    if missing:
        problems.append(f"no project URLs {missing}")
    classifiers = metadata.get_all("Classifier") or []
    for needed in ("Programming Language :: Python :: 3.11", "Typing :: Typed"):
        if needed not in classifiers:
            problems.append(f"no classifier {needed!r}")
    if not metadata["Requires-Python"]:
        problems.append("no Requires-Python")
    return [f"{name}: {problem}" for problem in problems]


def declared_connectors() -> set[str]:
    """The ids of every connector the workspace's packages declare."""
    ids = set()
    for member in members(REPO):
        project = tomllib.loads((member.folder / "pyproject.toml").read_text("utf-8"))["project"]
        if project.get("entry-points", {}).get("tasklink.connectors"):
            ids.add(project["name"])
    return ids


def install_check(wheels: Sequence[Path], where: Path) -> list[str]:
    """Install ``wheels`` alone into a fresh virtual environment and ask it what it has."""
    environment = where / "venv"
    venv.create(environment, with_pip=False)
    python = environment / "bin" / "python"
    done = _run([_uv(), "pip", "install", "--python", str(python), *map(str, wheels)])
    if done.returncode != 0:
        return [f"the wheels do not install:\n{done.stderr[-3000:]}"]
    tasklink = environment / "bin" / "tasklink"
    listed = _run([str(tasklink), "list", "--json"], cwd=where)
    if listed.returncode != 0:
        return [f"tasklink list failed:\n{listed.stderr[-2000:]}"]
    distributions = {item["distribution"] for item in json.loads(listed.stdout)}
    problems = []
    missing = declared_connectors() - distributions
    if missing:
        problems.append(f"tasklink list does not show the connectors of {sorted(missing)}")
    process = _run([str(tasklink), "process", "run", "--help"], cwd=where)
    if process.returncode != 0:
        problems.append(f"tasklink process run --help failed:\n{process.stderr[-1000:]}")
    return problems


def check(out: Path) -> list[str]:
    """Every problem of a release of the whole workspace, built into ``out``."""
    files, problems = build(out)
    if problems:
        return problems
    problems += twine_check(files)
    wheels = [f for f in files if f.suffix == ".whl"]
    for wheel in wheels:
        problems += metadata_problems(wheel)
    problems += install_check(wheels, out)
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="where to build (default: a temporary folder)")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tasklink-release-") as scratch:
        out = options.out or Path(scratch)
        out.mkdir(parents=True, exist_ok=True)
        problems = check(out)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print("every distribution builds, passes twine check --strict and installs on its own")
    return 0


if __name__ == "__main__":
    sys.exit(main())
