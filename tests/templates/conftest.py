"""Sources of templates for the cross-package checks.

Every check runs over the example connectors of ``shared/core/tests/templates`` (so the
checks test something before any real connector exists), every installed connector
(``tasklink.core.discover()``, bundled files and freshly generated ones) and every file
committed under ``element-templates/``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tasklink.core import Connector, discover
from tasklink.core.templates import activiti_definition, camunda_template

REPO = Path(__file__).resolve().parents[2]
EXAMPLES_DIR = REPO / "shared" / "core" / "tests" / "templates"


def example_connectors() -> tuple[Connector, ...]:
    if str(EXAMPLES_DIR) not in sys.path:
        sys.path.insert(0, str(EXAMPLES_DIR))
    from tasklink_template_examples import EXAMPLES

    return tuple(EXAMPLES)


def installed_connectors() -> list[Connector]:
    return [found.connector for found in discover().connectors]


def all_connectors() -> list[Connector]:
    return [*example_connectors(), *installed_connectors()]


def _bundled(connector: Connector, engine: str) -> dict[str, dict[str, Any]]:
    folder = connector.resource("templates", engine)
    if not folder.is_dir():
        return {}
    return {
        f"bundled {connector.package}/templates/{engine}/{entry.name}": json.loads(
            entry.read_text("utf-8")
        )
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".json")
    }


def camunda_templates() -> dict[str, dict[str, Any]]:
    """Every Camunda template to check, by where it came from."""
    found: dict[str, dict[str, Any]] = {}
    for connector in all_connectors():
        for hybrid in (False, True):
            template = camunda_template(connector, hybrid=hybrid)
            found[f"generated {template['id']}@{template['version']}"] = template
        found.update(_bundled(connector, "camunda"))
    for path in sorted((REPO / "element-templates" / "camunda").rglob("*.json")):
        found[str(path.relative_to(REPO))] = json.loads(path.read_text("utf-8"))
    return found


def activiti_definitions() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for connector in all_connectors():
        found[f"generated {connector.name}"] = activiti_definition(connector)
        found.update(_bundled(connector, "activiti"))
    for path in sorted((REPO / "element-templates" / "activiti").glob("*.json")):
        found[str(path.relative_to(REPO))] = json.loads(path.read_text("utf-8"))
    return found


def load_generator() -> ModuleType:
    """``scripts/generate_templates.py`` as a module."""
    name = "tasklink_generate_templates"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / "generate_templates.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def generator() -> ModuleType:
    return load_generator()


@pytest.fixture(scope="session")
def examples() -> tuple[Connector, ...]:
    """The example connectors (greeter, shop, webcall)."""
    return example_connectors()


@pytest.fixture(scope="session")
def camunda_sources() -> dict[str, dict[str, Any]]:
    return camunda_templates()


@pytest.fixture(scope="session")
def activiti_sources() -> dict[str, dict[str, Any]]:
    return activiti_definitions()
