"""Templates of the installed connectors, for modelers (used by ``tasklink templates``)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Literal

from .._discovery import discover
from ._package import package_templates, render_json

__all__ = ["Engine", "collect_templates", "export_templates"]

Engine = Literal["camunda", "activiti", "all"]
_ENGINES: tuple[str, ...] = ("camunda", "activiti")
_log = logging.getLogger("tasklink.core.templates")


def _engines(engine: str) -> tuple[str, ...]:
    if engine == "all":
        return _ENGINES
    if engine not in _ENGINES:
        raise ValueError(f"engine must be 'camunda', 'activiti' or 'all', not {engine!r}")
    return (engine,)


def _installed(engine: str) -> list[tuple[str, dict[str, Any]]]:
    """(engine, template) pairs of every installed connector, bundled files first."""
    wanted = _engines(engine)
    found: list[tuple[str, dict[str, Any]]] = []
    for discovered in discover().connectors:
        connector = discovered.connector
        folder = connector.resource("templates")
        bundled: list[tuple[str, dict[str, Any]]] = []
        for name in _ENGINES:
            sub = folder / name
            if not sub.is_dir():
                continue
            for entry in sorted(sub.iterdir(), key=lambda t: t.name):
                if entry.name.endswith(".json") and entry.is_file():
                    bundled.append((name, json.loads(entry.read_text("utf-8"))))
        if not bundled:
            # A package built without its templates still gets usable ones.
            _log.warning(
                "connector %r from %s bundles no templates; generating them",
                connector.id,
                discovered.distribution,
            )
            bundled = [
                (relative.split("/", 1)[0], content)
                for relative, content in package_templates(connector).items()
            ]
        found.extend(pair for pair in bundled if pair[0] in wanted)
    return found


def collect_templates(*, engine: Engine = "all") -> list[dict[str, Any]]:
    """The templates of all installed connectors (Camunda element templates and/or
    Activiti connector definitions), read from the files each package bundles."""
    return [content for _, content in _installed(engine)]


def export_templates(directory: Path, *, engine: Engine = "camunda") -> list[Path]:
    """Copy the templates of all installed connectors into ``directory``.

    Point it at Camunda Desktop Modeler's ``resources/element-templates`` folder. With one
    engine the files land directly in ``directory``; with ``"all"`` in ``camunda/`` and
    ``activiti/`` below it. Returns the written paths.
    """
    directory = Path(directory)
    written: list[Path] = []
    for name, content in _installed(engine):
        target = directory / name if engine == "all" else directory
        target.mkdir(parents=True, exist_ok=True)
        stem = content["id"] if name == "camunda" else content["name"]
        if name == "camunda" and (target / f"{stem}.json") in written:
            stem = f"{stem}-{content.get('version', 0)}"
        path = target / f"{stem}.json"
        path.write_text(render_json(content), "utf-8")
        written.append(path)
    return written
