#!/usr/bin/env python3
"""Keep the connector list of ``docs/index.md`` what the connector packages say (``--check``).

The list sits between two marker lines and holds one line per connector, sorted by package
folder; each connector is found as ``generate_templates.py`` finds it (the
``tasklink.connectors`` entry points of ``packages/*/pyproject.toml``, imported from the
package's ``src``), and its line reads (one line)::

    - [<title>](connectors/<name>.md): <description>
      (`<distribution>`, [README](../packages/<folder>/README.md))

with the connector's title, name and description, the package's ``[project]`` name
(``tasklink-<folder>``) and folder.

Usage::

    python scripts/docs_index.py            # rewrite the list
    python scripts/docs_index.py --check    # exit 1 and list every difference

From Python (with ``scripts/`` on ``sys.path``): ``update_docs_index(path)`` rewrites the list
from the packages; ``render_connector_index(entries)`` renders it from given entries.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from generate_templates import workspace_targets

REPO = Path(__file__).resolve().parents[1]
DOCS_INDEX = REPO / "docs" / "index.md"
BEGIN = "<!-- connector packages: begin -->"
END = "<!-- connector packages: end -->"
FIX = "python scripts/docs_index.py"


@dataclass(frozen=True)
class ConnectorEntry:
    """What one line of the list says about a connector."""

    folder: str  # the package folder under packages/
    distribution: str  # [project] name, e.g. tasklink-http
    name: str  # the connector's name: its page is docs/connectors/<name>.md
    title: str
    description: str


def connector_entries(repo: Path = REPO) -> tuple[list[ConnectorEntry], list[str]]:
    """Every connector the workspace packages declare, and a message for each that could
    not be loaded."""
    repo = repo.resolve()
    targets, problems = workspace_targets(repo)
    entries: list[ConnectorEntry] = []
    for target in targets:
        # workspace_targets made sure the connector comes from packages/<folder>/src.
        folder = target.templates_dir.relative_to(repo / "packages").parts[0]
        pyproject = tomllib.loads(
            (repo / "packages" / folder / "pyproject.toml").read_text("utf-8")
        )
        connector = target.connector
        entries.append(
            ConnectorEntry(
                folder=folder,
                distribution=pyproject["project"]["name"],
                name=connector.name,
                title=connector.title,
                # One line per connector, whatever the declaration's line breaks.
                description=" ".join(connector.description.split()),
            )
        )
    return entries, problems


def render_connector_line(entry: ConnectorEntry) -> str:
    return (
        f"- [{entry.title}](connectors/{entry.name}.md): {entry.description} "
        f"(`{entry.distribution}`, [README](../packages/{entry.folder}/README.md))"
    )


def render_connector_index(entries: Iterable[ConnectorEntry]) -> str:
    """The lines between the markers (without them), sorted by package folder."""
    ordered = sorted(entries, key=lambda entry: (entry.folder, entry.name))
    return "".join(render_connector_line(entry) + "\n" for entry in ordered)


def _split(text: str) -> tuple[str, str, str]:
    """``text`` as (up to and including BEGIN's line, the list, from END's line on)."""
    lines = text.splitlines(keepends=True)
    stripped = [line.strip() for line in lines]
    if stripped.count(BEGIN) != 1 or stripped.count(END) != 1:
        raise ValueError(f"needs exactly one {BEGIN!r} line and one {END!r} line")
    begin, end = stripped.index(BEGIN), stripped.index(END)
    if end < begin:
        raise ValueError(f"{END!r} comes before {BEGIN!r}")
    return "".join(lines[: begin + 1]), "".join(lines[begin + 1 : end]), "".join(lines[end:])


def replace_connector_index(text: str, entries: Iterable[ConnectorEntry]) -> str:
    """``text`` with the list between the markers rendered from ``entries``; ValueError
    when the markers are missing, repeated or out of order."""
    head, _, tail = _split(text)
    return head + render_connector_index(entries) + tail


def check_docs_index(path: Path, entries: Iterable[ConnectorEntry]) -> list[str]:
    """Every way the list in ``path`` differs from ``entries``."""
    where = path.relative_to(REPO) if path.is_relative_to(REPO) else path
    try:
        _, block, _ = _split(path.read_text("utf-8"))
    except ValueError as exc:
        return [f"{where}: {exc}"]
    wanted = render_connector_index(entries).splitlines()
    present = [line for line in block.splitlines() if line.strip()]
    problems = [
        f"{where}: missing or out of date: {line}" for line in wanted if line not in present
    ]
    problems += [
        f"{where}: stale, no package says: {line}" for line in present if line not in wanted
    ]
    if not problems and present != wanted:
        problems.append(f"{where}: the connector lines are not one per connector, by folder")
    return problems


def update_docs_index(
    path: Path = DOCS_INDEX, entries: Iterable[ConnectorEntry] | None = None
) -> bool:
    """Rewrite the list in ``path`` from ``entries`` (default: what the packages of the
    repository holding ``path`` as ``docs/index.md`` declare); True when the file changed.
    ValueError when a package cannot be loaded (its line would silently go) or the markers
    are wrong."""
    if entries is None:
        entries, problems = connector_entries(path.resolve().parents[1])
        if problems:
            raise ValueError("\n".join(problems))
    text = path.read_text("utf-8")
    updated = replace_connector_index(text, entries)
    if updated != text:
        path.write_text(updated, "utf-8")
    return updated != text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report differences")
    args = parser.parse_args(argv)
    entries, problems = connector_entries()
    if args.check:
        problems += check_docs_index(DOCS_INDEX, entries)
        for problem in problems:
            print(problem)
        print(f"{len(entries)} connector(s) checked, {len(problems)} problem(s)")
        return 1 if problems else 0
    try:
        if problems:  # writing now would drop the line of a package that cannot be loaded
            raise ValueError("\n".join(problems))
        changed = update_docs_index(DOCS_INDEX, entries)
    except ValueError as exc:
        print(f"{DOCS_INDEX.relative_to(REPO)} not written:\n{exc}", file=sys.stderr)
        return 1
    print(f"{DOCS_INDEX.relative_to(REPO)}: {'updated' if changed else 'up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
