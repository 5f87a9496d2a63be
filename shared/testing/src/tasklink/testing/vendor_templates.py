"""Camunda's out-of-the-box element templates, applied to a service task as the modeler
does, for tests of the vendor contracts.

:func:`camunda_template` loads a template of the npm package
``@camunda/connectors-element-templates`` (Camunda License 1.0: tests may use it, the
repository must not copy it), installed by the test set-up under
``tests/vendor/node_modules``; the folder is found from ``$TASKLINK_VENDOR_TEMPLATES``,
else upwards from the working directory. Where it is not installed the test is skipped
with the reason.

:func:`apply_template` gives the job a task modelled with a template would get: every
property whose ``condition`` holds (``equals``, ``oneOf``, ``isActive``, ``isEmpty``,
``allMatch``) contributes its binding (``zeebe:taskDefinition``
type and retries, ``zeebe:input``, ``zeebe:taskHeader``), with the value a test gives or
the property's default. Input sources that start with ``=`` are FEEL, evaluated as Zeebe
does before it creates the job: in order, each seeing the process variables and the
inputs mapped before it (``tasklink-feel`` evaluates them)::

    template = camunda_template("twilio-connector")
    applied = apply_template(template, {"operationType": "sendSms", "accountSid": "AC1"})
    store.add(applied.job_type, applied.variables, headers=applied.headers)
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

__all__ = [
    "PACKAGE_FOLDER",
    "TEMPLATES_VARIABLE",
    "AppliedTemplate",
    "apply_template",
    "camunda_template",
    "templates_dir",
]

#: Where the templates are: a folder holding ``<name>.json`` files.
TEMPLATES_VARIABLE = "TASKLINK_VENDOR_TEMPLATES"
#: The package's template folder, relative to the repository root.
PACKAGE_FOLDER = Path(
    "tests/vendor/node_modules/@camunda/connectors-element-templates/src/element-templates"
)
_TASK_DEFINITION = ("zeebe:taskDefinition", "zeebe:taskDefinition:type")


@dataclass(frozen=True, slots=True)
class AppliedTemplate:
    """What Zeebe gives the job of a task modelled with a template: its type, retries,
    variables (the process variables with the task's inputs over them) and headers."""

    job_type: str | None
    retries: int | None
    variables: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


def templates_dir(start: Path | None = None) -> Path | None:
    """The installed templates' folder: ``$TASKLINK_VENDOR_TEMPLATES``, else
    :data:`PACKAGE_FOLDER` in the nearest folder above ``start`` (the working directory)
    that has it; ``None`` when neither exists."""
    configured = os.environ.get(TEMPLATES_VARIABLE)
    if configured:
        path = Path(configured)
        return path if path.is_dir() else None
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / PACKAGE_FOLDER
        if candidate.is_dir():
            return candidate
    return None


def camunda_template(name: str, *, version: int | None = None) -> dict[str, Any]:
    """The template ``<name>.json`` (e.g. ``"http-json-connector"``): its latest version,
    or ``version``. Skips the calling test when the npm package is not installed."""
    folder = templates_dir()
    if folder is None:
        import pytest

        pytest.skip(
            "Camunda's element templates are not installed: run `npm ci` in tests/vendor "
            f"(scripts/setup_node_tools.sh), or set {TEMPLATES_VARIABLE}"
        )
    path = folder / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no template {name!r} in {folder}")
    loaded = json.loads(path.read_text("utf-8"))
    versions: list[dict[str, Any]] = loaded if isinstance(loaded, list) else [loaded]
    if version is None:
        return max(versions, key=lambda t: int(t.get("version", 0)))
    for template in versions:
        if int(template.get("version", 0)) == version:
            return template
    known = sorted(int(t.get("version", 0)) for t in versions)
    raise LookupError(f"template {name!r} has no version {version} (has {known})")


class _Properties:
    """The template's properties, their values and whether each is active."""

    def __init__(self, template: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        self.all: list[Mapping[str, Any]] = list(template.get("properties", []))
        self.by_id: dict[str, Mapping[str, Any]] = {}
        for prop in self.all:
            if isinstance(prop.get("id"), str):
                self.by_id.setdefault(prop["id"], prop)
        self.values = values
        self._active: dict[int, bool] = {}

    def value(self, prop: Mapping[str, Any]) -> Any:
        """The value a test gives (by property id, else binding name or key), else the
        property's default."""
        binding = prop.get("binding", {})
        for key in (prop.get("id"), binding.get("name"), binding.get("key")):
            if isinstance(key, str) and key in self.values:
                return self.values[key]
        return prop.get("value")

    def active(self, prop: Mapping[str, Any]) -> bool:
        key = id(prop)
        if key not in self._active:
            self._active[key] = False  # a condition that refers to itself holds never
            condition = prop.get("condition")
            self._active[key] = condition is None or self._holds(condition)
        return self._active[key]

    def _holds(self, condition: Mapping[str, Any]) -> bool:
        if "allMatch" in condition:
            return all(self._holds(c) for c in condition["allMatch"])
        other = self.by_id.get(condition.get("property", ""))
        active = other is not None and self.active(other)
        if "isActive" in condition:
            return active == bool(condition["isActive"])
        value = self.value(other) if other is not None and active else None
        if "equals" in condition:
            return bool(value == condition["equals"])
        if "oneOf" in condition:
            return value in condition["oneOf"]
        if "isEmpty" in condition:
            return (value in (None, "", [], {})) == bool(condition["isEmpty"])
        raise ValueError(f"unsupported template condition {dict(condition)!r}")


def _plain(value: Any) -> Any:
    """A FEEL result as the JSON Zeebe would store: whole numbers as integers."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _feel(expression: str, scope: Mapping[str, Any], where: str) -> Any:
    from tasklink.feel import evaluate

    try:
        return _plain(evaluate(expression, dict(scope)))
    except Exception as exc:
        raise ValueError(f"{where}: the FEEL source {expression!r} failed: {exc}") from exc


def _put(target: dict[str, Any], name: str, value: Any) -> None:
    """``a.b.c`` as nested objects; sibling dotted targets merge into one object."""
    *parents, last = name.split(".")
    here = target
    for part in parents:
        nested = here.get(part)
        if not isinstance(nested, dict):
            nested = here[part] = {}
        here = nested
    here[last] = value


def _header(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def apply_template(
    template: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    variables: Mapping[str, Any] | None = None,
) -> AppliedTemplate:
    """The job of a service task modelled with ``template``, with ``values`` filled in
    (by property id or binding name; the rest keep their defaults) in a process whose
    variables are ``variables``.

    A value that is not text (an object, a list) is taken as the FEEL value it stands for.
    A property ``feel: required`` holds FEEL even without the leading ``=`` (the modeler
    adds it). An ``optional`` property left empty maps no input; another one maps
    ``null``. FEEL sources are evaluated in order against the process variables and the
    inputs mapped before them, as Zeebe does.
    """
    props = _Properties(template, values)
    process = dict(variables or {})
    inputs: dict[str, Any] = {}
    headers: dict[str, str] = {}
    job_type: str | None = None
    retries: int | None = None
    for prop in props.all:
        if not props.active(prop):
            continue
        binding = prop.get("binding", {})
        kind = binding.get("type")
        value = props.value(prop)
        feel = prop.get("feel") == "required"
        if isinstance(value, str) and feel and value and not value.startswith("="):
            value = "=" + value
        if kind in _TASK_DEFINITION:
            if binding.get("property", "type") == "type":
                job_type = str(value)
            elif binding.get("property") == "retries" and value not in (None, ""):
                retries = int(value)
        elif kind == "zeebe:input":
            name = str(binding["name"])
            if value is None or value == "":
                if prop.get("optional"):
                    continue
                value = None
            elif isinstance(value, str) and value.startswith("="):
                value = _feel(value[1:], {**process, **inputs}, name)
            _put(inputs, name, value)
        elif kind == "zeebe:taskHeader" and value not in (None, ""):
            headers[str(binding["key"])] = _header(value)
    return AppliedTemplate(job_type, retries, {**process, **inputs}, headers)
