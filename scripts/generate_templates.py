"""Regenerate the templates of every workspace connector, or check them (``--check``).

Writes, for each connector declared in ``packages/*/pyproject.toml`` (entry point group
``tasklink.connectors``):

* ``<package>/templates/camunda/<id>.json`` and ``<id>-hybrid.json`` and
  ``<package>/templates/activiti/<name>.json`` (bundled in the wheel);
* the same files under ``element-templates/camunda/`` and ``element-templates/activiti/``;
* ``element-templates/camunda/versioned/<id>-<version>.json``: when a template's version goes
  up, the previous file is frozen there so diagrams made with it keep working;
* ``element-templates/versions.lock.json``: the content hash of every released version.
  Changing a template without bumping ``template_version`` fails, unless ``--amend-version``
  says the current version was never released.

Usage::

    python scripts/generate_templates.py              # write everything
    python scripts/generate_templates.py --check      # exit 1 and list every difference
    python scripts/generate_templates.py --package http --amend-version
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import sys
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tasklink.core import Connector
from tasklink.core.templates import TemplateError, package_templates, render_json

REPO = Path(__file__).resolve().parents[1]
LOCK_NAME = "versions.lock.json"
ENTRY_POINT_GROUP = "tasklink.connectors"


@dataclass(frozen=True)
class Target:
    """A connector and the ``templates`` folder of the package that bundles it."""

    connector: Connector
    templates_dir: Path


@dataclass
class Plan:
    """Every file the generator wants on disk, and what stands in its way."""

    files: dict[Path, str] = field(default_factory=dict)
    lock: dict[str, dict[str, str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    frozen: list[Path] = field(default_factory=list)


def content_hash(template: dict[str, Any]) -> str:
    """Hash of a template's content, independent of key order and layout."""
    canonical = json.dumps(template, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def workspace_targets(repo: Path, packages: Sequence[str] = ()) -> tuple[list[Target], list[str]]:
    """The connectors declared by the workspace packages (imported from their sources),
    and a message for every declared connector that could not be loaded."""
    targets: list[Target] = []
    problems: list[str] = []
    found: set[str] = set()
    repo = repo.resolve()
    for pyproject in sorted(repo.glob("packages/*/pyproject.toml")):
        folder = pyproject.parent
        if packages and folder.name not in packages:
            continue
        found.add(folder.name)
        project = tomllib.loads(pyproject.read_text("utf-8")).get("project", {})
        entry_points = project.get("entry-points", {}).get(ENTRY_POINT_GROUP, {})
        src = str(folder / "src")
        if entry_points and src not in sys.path:
            sys.path.insert(0, src)
        for name, value in sorted(entry_points.items()):
            where = f"{pyproject.relative_to(repo)}: entry point {name!r}"
            try:
                target = _load_target(value)
            except Exception as exc:  # report every broken package, not just the first
                problems.append(f"{where} cannot be loaded: {type(exc).__name__}: {exc}")
                continue
            if not target.templates_dir.is_relative_to(folder.resolve()):
                problems.append(
                    f"{where} was imported from {target.templates_dir.parent}, not from "
                    f"{folder / 'src'}: another installed copy shadows the workspace package"
                )
                continue
            targets.append(target)
    missing = sorted(set(packages) - found)
    if missing:
        problems.append(f"no packages named {missing} under packages/")
    return targets, problems


def _load_target(value: str) -> Target:
    module_name, _, attribute = value.partition(":")
    connector = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(connector, Connector):
        raise TypeError(f"{value} is a {type(connector).__name__}, not a tasklink Connector")
    package_file = importlib.import_module(connector.package).__file__
    if package_file is None:
        raise TypeError(f"package {connector.package!r} has no __init__.py")
    return Target(connector, Path(package_file).resolve().parent / "templates")


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


def _load_lock(repo: Path) -> dict[str, dict[str, str]]:
    path = repo / "element-templates" / LOCK_NAME
    if not path.is_file():
        return {}
    data = _read_json(path)
    return {str(k): {str(v): str(h) for v, h in vs.items()} for k, vs in data.items()}


def plan(repo: Path, targets: Iterable[Target], *, amend: bool = False) -> Plan:
    """Work out every file to write; nothing is written here."""
    out = Plan(lock=_load_lock(repo))
    shared = repo / "element-templates"
    for target in targets:
        connector = target.connector
        try:
            files = package_templates(connector)
        except TemplateError as exc:
            out.problems.append(str(exc))
            continue
        for relative, content in files.items():
            text = render_json(content)
            out.files[target.templates_dir / relative] = text
            out.files[shared / relative] = text
            if relative.startswith("camunda/"):
                _version(out, shared, relative, content, amend=amend)
    _check_frozen(out, shared)
    return out


def _version(
    out: Plan, shared: Path, relative: str, content: dict[str, Any], *, amend: bool
) -> None:
    """Freeze the previous version and keep the lock honest for one Camunda template."""
    template_id, version = str(content["id"]), int(content["version"])
    digest = content_hash(content)
    recorded = out.lock.setdefault(template_id, {})
    old = recorded.get(str(version))
    if old is not None and old != digest and not amend:
        out.problems.append(
            f"{relative}: the content changed but version is still {version}; bump "
            "template_version of the connector (or pass --amend-version if version "
            f"{version} was never released)"
        )
    recorded[str(version)] = digest
    current = shared / relative
    if not current.is_file():
        return
    previous = _read_json(current)
    previous_version = int(previous.get("version", 0))
    if previous_version > version:
        out.problems.append(f"{relative}: version went down from {previous_version} to {version}")
    elif previous_version < version:
        frozen = shared / "camunda" / "versioned" / f"{template_id}-{previous_version}.json"
        if not frozen.is_file():
            out.files[frozen] = current.read_text("utf-8")
            out.frozen.append(frozen)
        recorded.setdefault(str(previous_version), content_hash(previous))


def _check_frozen(out: Plan, shared: Path) -> None:
    """Frozen versions must stay exactly as they were released."""
    for path in sorted((shared / "camunda" / "versioned").glob("*.json")):
        template = _read_json(path)
        template_id, version = str(template.get("id")), template.get("version")
        if path.name != f"{template_id}-{version}.json":
            out.problems.append(
                f"{path.name}: file name does not match id {template_id!r} and version {version!r}"
            )
            continue
        recorded = out.lock.setdefault(template_id, {}).setdefault(
            str(version), content_hash(template)
        )
        if recorded != content_hash(template):
            out.problems.append(f"versioned/{path.name}: a frozen template was edited; restore it")


def _managed_files(repo: Path, targets: Iterable[Target], *, everything: bool) -> set[Path]:
    """Generated files currently on disk (candidates for being stale).

    ``element-templates/`` holds every package's files, so it only counts when all
    packages are being generated.
    """
    folders: list[Path] = []
    if everything:
        folders += [repo / "element-templates" / "camunda", repo / "element-templates" / "activiti"]
    for target in targets:
        folders += [target.templates_dir / "camunda", target.templates_dir / "activiti"]
    return {path for folder in folders for path in folder.glob("*.json")}


def lock_text(lock: dict[str, dict[str, str]]) -> str:
    ordered = {
        k: dict(sorted(v.items(), key=lambda item: int(item[0]))) for k, v in sorted(lock.items())
    }
    return render_json(ordered)


def check(repo: Path, targets: Sequence[Target], *, everything: bool = True) -> list[str]:
    """Every difference between the files on disk and what the code generates."""
    result = plan(repo, targets)
    problems = list(result.problems)
    for path, text in sorted(result.files.items()):
        where = path.relative_to(repo) if path.is_relative_to(repo) else path
        if path in result.frozen:
            problems.append(f"{where}: the previous version is not frozen yet; run the generator")
        elif not path.is_file():
            problems.append(f"{where}: missing; run python scripts/generate_templates.py")
        elif path.read_text("utf-8") != text:
            problems.append(f"{where}: differs from what the code generates; run the generator")
    for stale in sorted(_managed_files(repo, targets, everything=everything) - set(result.files)):
        where = stale.relative_to(repo) if stale.is_relative_to(repo) else stale
        problems.append(f"{where}: no connector generates it any more; run the generator")
    lock_path = repo / "element-templates" / LOCK_NAME
    wanted = lock_text(result.lock)
    if result.lock and (not lock_path.is_file() or lock_path.read_text("utf-8") != wanted):
        problems.append(f"element-templates/{LOCK_NAME}: out of date; run the generator")
    return problems


def generate(
    repo: Path, targets: Sequence[Target], *, amend: bool = False, everything: bool = True
) -> list[Path]:
    """Write every generated file; raises SystemExit listing the problems instead."""
    result = plan(repo, targets, amend=amend)
    if result.problems:
        raise SystemExit("templates not written:\n  " + "\n  ".join(result.problems))
    written: list[Path] = []
    for path, text in result.files.items():
        if path.is_file() and path.read_text("utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        written.append(path)
    for stale in sorted(_managed_files(repo, targets, everything=everything) - set(result.files)):
        stale.unlink()
        written.append(stale)
    lock_path = repo / "element-templates" / LOCK_NAME
    if result.lock:
        text = lock_text(result.lock)
        if not lock_path.is_file() or lock_path.read_text("utf-8") != text:
            lock_path.parent.mkdir(parents=True, exist_ok=True)
            lock_path.write_text(text, "utf-8")
            written.append(lock_path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report differences")
    parser.add_argument(
        "--amend-version",
        action="store_true",
        help="allow changing a template without a version bump (unreleased version)",
    )
    parser.add_argument(
        "--package", action="append", default=[], help="only this package (repeatable)"
    )
    parser.add_argument("--repo", type=Path, default=REPO, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    repo = args.repo.resolve()
    targets, load_problems = workspace_targets(repo, args.package)
    if load_problems:
        for problem in load_problems:
            print(problem, file=sys.stderr)
        return 1
    if args.check:
        problems = check(repo, targets, everything=not args.package)
        for problem in problems:
            print(problem)
        print(f"{len(targets)} connector(s) checked, {len(problems)} problem(s)")
        return 1 if problems else 0
    written = generate(repo, targets, amend=args.amend_version, everything=not args.package)
    for path in written:
        print(path.relative_to(repo) if path.is_relative_to(repo) else path)
    print(f"{len(targets)} connector(s), {len(written)} file(s) written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
