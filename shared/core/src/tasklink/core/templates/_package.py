"""The template files a connector package bundles under ``<package>/templates``."""

from __future__ import annotations

import json
from typing import Any

from .._connector import Connector
from ._activiti import activiti_definition
from ._camunda import camunda_template

__all__ = ["package_templates", "render_json"]


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
