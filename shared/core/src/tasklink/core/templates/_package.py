"""The template files a connector package bundles under ``<package>/templates``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .._connector import Connector
from ._activiti import activiti_definition
from ._camunda import camunda_template

__all__ = ["package_templates", "render_json", "write_package_templates"]

_ENGINE_FOLDERS = ("camunda", "activiti")


def render_json(content: Any) -> str:
    """The one JSON layout every generated file uses (stable, so diffs stay small)."""
    return json.dumps(content, indent=2, ensure_ascii=False) + "\n"


def package_templates(connector: Connector) -> dict[str, dict[str, Any]]:
    """Every template of ``connector`` by path relative to its ``templates`` folder:
    ``camunda/<id>.json``, ``camunda/<id>-hybrid.json`` and ``activiti/<name>.json``."""
    template = camunda_template(connector)
    hybrid = camunda_template(connector, hybrid=True)
    return {
        f"camunda/{template['id']}.json": template,
        f"camunda/{hybrid['id']}.json": hybrid,
        f"activiti/{connector.name}.json": activiti_definition(connector),
    }


def write_package_templates(connector: Connector, templates_dir: Path) -> list[Path]:
    """Write the templates of ``connector`` into ``templates_dir`` and return the paths.

    Stale ``.json`` files left in its ``camunda/`` and ``activiti/`` folders (from a renamed
    connector) are removed, so the folder holds exactly what the code generates.
    """
    files = package_templates(connector)  # generate everything before touching the disk
    templates_dir = Path(templates_dir)
    written: list[Path] = []
    for relative, content in files.items():
        path = templates_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        text = render_json(content)
        if not path.is_file() or path.read_text("utf-8") != text:
            path.write_text(text, "utf-8")
        written.append(path)
    for folder in _ENGINE_FOLDERS:
        for stale in sorted((templates_dir / folder).glob("*.json")):
            if stale not in written:
                stale.unlink()
    return written
