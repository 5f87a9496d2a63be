"""Checking generated templates: the official Camunda validator, project rules, Activiti schema.

The Camunda check runs ``@bpmn-io/element-templates-validator`` (the validator the modeler
libraries use) through node, from the npm project ``tests/templates`` of the repository
(``scripts/setup_node_tools.sh`` installs it) or from ``$TASKLINK_TEMPLATE_VALIDATOR_DIR``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ._kit import repository_root

__all__ = [
    "ACTIVITI_DEFINITION_SCHEMA",
    "VALIDATOR_DIR_VARIABLE",
    "TemplateToolsMissingError",
    "check_template_collection",
    "check_template_rules",
    "template_key",
    "validate_activiti_definition",
    "validate_camunda_templates",
    "validator_versions",
]

VALIDATOR_DIR_VARIABLE = "TASKLINK_TEMPLATE_VALIDATOR_DIR"
_VALIDATOR_PACKAGE = "@bpmn-io/element-templates-validator"
_SETUP_HINT = (
    "install it with `bash scripts/setup_node_tools.sh` from the repository root (it runs "
    "`npm ci` in tests/templates), or point ${var} at a folder whose node_modules holds "
    f"{_VALIDATOR_PACKAGE}"
).replace("${var}", VALIDATOR_DIR_VARIABLE)

# Reads a JSON array of templates from the file named in argv, validates each with the
# Zeebe (Camunda 8) validator and prints one result per template.
_NODE_SCRIPT = r"""
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const [entry, file] = process.argv.slice(2);
const validator = await import(pathToFileURL(entry).href);
const templates = JSON.parse(readFileSync(file, 'utf-8'));
const results = templates.map((template) => {
  const { errors, warnings } = validator.validateZeebe(template);
  const describe = (e) => `${e.instancePath || e.dataPath || '/'}: ${e.message}` +
    (e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : '');
  return { errors: (errors || []).map(describe), warnings: (warnings || []).map(describe) };
});
process.stdout.write(JSON.stringify({ results, schema: validator.getZeebeSchemaVersion() }));
"""

ACTIVITI_DEFINITION_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://tasklink.dev/schemas/activiti-connector-definition.json",
    "title": "Activiti / Alfresco Process Automation connector definition",
    "type": "object",
    "required": ["id", "name", "description", "actions"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "name": {"type": "string", "pattern": "^[a-z]([-a-z0-9]{0,24}[a-z0-9])?$"},
        "description": {"type": "string", "minLength": 1},
        "icon": {"type": "string"},
        "actions": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {"$ref": "#/$defs/action"},
        },
        # What a process catches by code (boundary and error start events).
        "errors": {"type": "array", "items": {"$ref": "#/$defs/error"}},
        # Parameters set per connector instance, at deployment for secure ones.
        "config": {"type": "array", "items": {"$ref": "#/$defs/config"}},
    },
    "$defs": {
        "error": {
            "type": "object",
            "required": ["name", "code"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "description": {"type": "string"},
                "code": {"type": "string", "minLength": 1},
            },
        },
        "config": {
            "type": "object",
            "required": ["name"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "description": {"type": "string"},
                "value": {"type": "string"},
                "required": {"type": "boolean"},
                "secure": {"type": "boolean"},
            },
        },
        "action": {
            "type": "object",
            "required": ["id", "name", "inputs", "outputs"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "minLength": 1},
                "name": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$"},
                "description": {"type": "string"},
                "inputs": {"type": "array", "items": {"$ref": "#/$defs/parameter"}},
                "outputs": {"type": "array", "items": {"$ref": "#/$defs/parameter"}},
            },
        },
        "parameter": {
            "type": "object",
            "required": ["id", "name", "type", "required"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "minLength": 1},
                "name": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
                "type": {
                    "enum": [
                        "string",
                        "integer",
                        "boolean",
                        "date",
                        "datetime",
                        "json",
                        "file",
                        "folder",
                    ]
                },
                "required": {"type": "boolean"},
                "description": {"type": "string"},
            },
        },
    },
}


class TemplateToolsMissingError(RuntimeError):
    """node or the pinned validator is not installed; the message says how to install."""


def template_key(template: Mapping[str, Any]) -> str:
    """``<id>@<version>``: how results name a template."""
    return f"{template.get('id')}@{template.get('version', '_')}"


def _validator_entry() -> Path:
    candidates: list[Path] = []
    configured = os.environ.get(VALIDATOR_DIR_VARIABLE)
    if configured:
        base = Path(configured)
        candidates += [base / "node_modules", base]
    else:
        # the repository around the current directory, else around this (editable) file
        for start in (None, Path(__file__).parent):
            with contextlib.suppress(FileNotFoundError):
                candidates.append(repository_root(start) / "tests" / "templates" / "node_modules")
    for modules in candidates:
        entry = modules / _VALIDATOR_PACKAGE / "dist" / "index.js"
        if entry.is_file():
            return entry
    looked = ", ".join(str(c) for c in candidates) or "nowhere"
    raise TemplateToolsMissingError(
        f"{_VALIDATOR_PACKAGE} not found (looked in {looked}); {_SETUP_HINT}"
    )


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise TemplateToolsMissingError(
            "node is not installed (apt-get install nodejs, or any Node.js >= 18); " + _SETUP_HINT
        )
    return node


def validator_versions() -> dict[str, str]:
    """Versions of the validator package and of the Zeebe schema it embeds."""
    entry = _validator_entry()
    package = json.loads((entry.parents[1] / "package.json").read_text("utf-8"))
    schema_package = entry.parents[3] / "@camunda" / "zeebe-element-templates-json-schema"
    versions = {"validator": str(package["version"])}
    if (schema_package / "package.json").is_file():
        schema = json.loads((schema_package / "package.json").read_text("utf-8"))
        versions["schema"] = str(schema["version"])
    return versions


def validate_camunda_templates(templates: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Validate Camunda element templates with the official validator.

    Returns ``{"<id>@<version>": [error, ...]}`` for every template (an empty list when it
    is valid). Raises :class:`TemplateToolsMissingError` when node or the validator is absent.
    """
    if not templates:
        return {}
    node, entry = _node(), _validator_entry()
    with tempfile.TemporaryDirectory(prefix="tasklink-templates-") as tmp:
        data = Path(tmp) / "templates.json"
        data.write_text(json.dumps(templates), "utf-8")
        script = Path(tmp) / "validate.mjs"
        script.write_text(_NODE_SCRIPT, "utf-8")
        done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [node, str(script), str(entry), str(data)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(
            f"the template validator failed (exit {done.returncode}): "
            f"{(done.stderr or done.stdout).strip()[-2000:]}"
        )
    results = json.loads(done.stdout)["results"]
    report: dict[str, list[str]] = {}
    for template, result in zip(templates, results, strict=True):
        key = template_key(template)
        while key in report:  # duplicates are reported by check_template_collection
            key += "'"
        report[key] = list(result["errors"])
    return report


def _conditions(condition: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if not condition:
        return []
    if "allMatch" in condition:
        return [c for c in condition["allMatch"] if isinstance(c, Mapping)]
    return [condition]


def check_template_rules(template: Mapping[str, Any]) -> list[str]:
    """The project's rules for one Camunda template; returns the problems found.

    Property ids are unique; every ``condition`` refers to a property declared before it
    (and to one of its choices, for a dropdown); dropdown defaults are among the choices;
    every group used exists; the standard task definition, headers, output, error and retry
    properties are there and agree with the template's id and version.
    """
    problems: list[str] = []
    properties = template.get("properties") or []
    groups = {g.get("id") for g in template.get("groups") or []}
    seen: dict[str, Mapping[str, Any]] = {}
    for index, prop in enumerate(properties):
        name = f"property {prop.get('id', f'#{index}')!r}"
        prop_id = prop.get("id")
        if prop_id is not None and prop_id in seen:
            problems.append(f"{name}: id used twice")
        group = prop.get("group")
        if group is not None and group not in groups:
            problems.append(f"{name}: group {group!r} is not declared in groups")
        if prop.get("type") == "Dropdown":
            values = [c.get("value") for c in prop.get("choices") or []]
            if "value" in prop and prop["value"] not in values:
                problems.append(f"{name}: default {prop['value']!r} is not among {values}")
            if len(set(values)) != len(values):
                problems.append(f"{name}: choices repeat a value")
        for condition in _conditions(prop.get("condition") or {}):
            ref = condition.get("property")
            target = seen.get(str(ref))
            if target is None:
                problems.append(
                    f"{name}: condition refers to {ref!r}, which is not declared before it"
                )
                continue
            if target.get("type") == "Dropdown":
                wanted = condition.get("oneOf", [condition.get("equals")])
                values = [c.get("value") for c in target.get("choices") or []]
                if "equals" in condition or "oneOf" in condition:
                    for value in wanted:
                        if value not in values:
                            problems.append(
                                f"{name}: condition value {value!r} is not a choice of {ref!r}"
                            )
        if prop_id is not None:
            seen[prop_id] = prop
    problems.extend(_standard_problems(template, properties))
    return problems


def _standard_problems(
    template: Mapping[str, Any], properties: Iterable[Mapping[str, Any]]
) -> list[str]:
    problems: list[str] = []
    by_binding: dict[tuple[str, str], Mapping[str, Any]] = {}
    for prop in properties:
        binding = prop.get("binding") or {}
        key = binding.get("key") or binding.get("property") or binding.get("name") or ""
        by_binding.setdefault((str(binding.get("type")), str(key)), prop)
    expected = {
        ("zeebe:taskDefinition", "type"): None,
        ("zeebe:taskHeader", "elementTemplateId"): template.get("id"),
        ("zeebe:taskHeader", "elementTemplateVersion"): str(template.get("version")),
        ("zeebe:taskHeader", "resultVariable"): None,
        ("zeebe:taskHeader", "resultExpression"): None,
        ("zeebe:taskHeader", "errorExpression"): None,
        ("zeebe:taskDefinition", "retries"): None,
        ("zeebe:taskHeader", "retryBackoff"): None,
    }
    for key, value in expected.items():
        found = by_binding.get(key)
        if found is None:
            problems.append(f"standard property {key[0]} {key[1]!r} is missing")
        elif value is not None and found.get("value") != value:
            problems.append(
                f"standard property {key[1]!r} holds {found.get('value')!r}, expected {value!r}"
            )
    task_type = by_binding.get(("zeebe:taskDefinition", "type"))
    hybrid = str(template.get("id", "")).endswith("-hybrid")
    if task_type is not None and (task_type.get("type") == "Hidden") == hybrid:
        problems.append(
            "the task definition type must be editable in a hybrid template and hidden otherwise"
        )
    for prop in properties:
        if prop.get("id") == "resultExpression" and prop.get("feel") != "required":
            problems.append("resultExpression must have feel 'required'")
    return problems


def check_template_collection(templates: Iterable[Mapping[str, Any]]) -> list[str]:
    """Rules across templates: each id and version pair appears once."""
    counts: dict[str, int] = {}
    for template in templates:
        key = template_key(template)
        counts[key] = counts.get(key, 0) + 1
    return [f"template {key} appears {n} times" for key, n in sorted(counts.items()) if n > 1]


def validate_activiti_definition(definition: Mapping[str, Any]) -> list[str]:
    """Validate an Activiti connector definition against :data:`ACTIVITI_DEFINITION_SCHEMA`
    and the rules the schema cannot say (action keys, unique parameter names, error codes
    and config names)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(ACTIVITI_DEFINITION_SCHEMA)
    problems = [
        f"{'/'.join(str(p) for p in error.absolute_path) or '/'}: {error.message}"
        for error in sorted(validator.iter_errors(definition), key=lambda e: list(e.path))
    ]
    actions = definition.get("actions")
    if isinstance(actions, Mapping):
        for key, action in actions.items():
            if not isinstance(action, Mapping):
                continue
            if action.get("id") != key:
                problems.append(
                    f"actions/{key}: key differs from the action id {action.get('id')!r}"
                )
            for direction in ("inputs", "outputs"):
                names = [
                    p.get("name") for p in action.get(direction) or [] if isinstance(p, Mapping)
                ]
                ids = [p.get("id") for p in action.get(direction) or [] if isinstance(p, Mapping)]
                for label, values in (("name", names), ("id", ids)):
                    repeated = sorted({str(v) for v in values if values.count(v) > 1})
                    if repeated:
                        problems.append(f"actions/{key}/{direction}: repeated {label}s {repeated}")
    for section, key in (("errors", "code"), ("config", "name")):
        items = definition.get(section)
        if isinstance(items, list):
            values = [item.get(key) for item in items if isinstance(item, Mapping)]
            repeated = sorted({str(v) for v in values if values.count(v) > 1})
            if repeated:
                problems.append(f"{section}: repeated {key}s {repeated}")
    return problems
