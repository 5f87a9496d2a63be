"""The reference part of a connector's documentation page, written from its code.

Everything comes from the connector's declaration and the templates generated from it (the
Camunda element template and the Activiti connector definition, the very files a modeler
loads), so the page cannot drift from what the runtime accepts:

* identity: connector id, job type, template id and version, Activiti connector name;
* each operation: its description, Activiti action, and every field the modeler shows
  (binding, label, type, default, required, secret, when it shows) and its outputs;
* the task headers of the template, the error codes a process can catch, the Activiti
  configuration, and the vendor contracts the connector also serves.

``render_reference(connector, screenshot=...)`` returns Markdown; ``scripts/docs_site.py``
appends it to ``docs/connectors/<name>.md`` when it builds the site.
"""

from __future__ import annotations

import json
from typing import Any

from tasklink.core import Connector
from tasklink.core.templates import activiti_definition, camunda_template

__all__ = ["render_reference"]

_OPERATION = "operation"


def _cell(text: Any) -> str:
    """One table cell: no line breaks, no unescaped pipes."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _code(text: Any) -> str:
    return f"`{text}`" if text not in (None, "") else ""


def _default(value: Any) -> str:
    """A default as the template holds it (JSON: ``true``, ``10``, ``"text"`` unquoted)."""
    if value is None or value == "":
        return ""
    return _code(json.dumps(value) if isinstance(value, bool) else value)


def _condition_parts(condition: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not condition:
        return []
    return list(condition.get("allMatch", [condition]))


def _operation_of(prop: dict[str, Any]) -> str | None:
    for part in _condition_parts(prop.get("condition")):
        if part.get("property") == _OPERATION and "equals" in part:
            return str(part["equals"])
    return None


def _shown_when(prop: dict[str, Any], labels: dict[str, str]) -> str:
    """The conditions other than the operation, in words."""
    words = []
    for part in _condition_parts(prop.get("condition")):
        if part.get("property") == _OPERATION:
            continue
        name = labels.get(part["property"], part["property"])
        if "equals" in part:
            words.append(f"{name} = {_code(part['equals'])}")
        elif "oneOf" in part:
            words.append(f"{name} is one of {', '.join(_code(v) for v in part['oneOf'])}")
        elif part.get("isActive") is not None:
            words.append(f"{name} is shown")
    return "; ".join(words)


def _type(prop: dict[str, Any]) -> str:
    kind = str(prop["type"])
    if kind == "Dropdown":
        return "one of " + ", ".join(_code(choice["value"]) for choice in prop.get("choices", []))
    if prop.get("feel") == "required":
        return f"{kind} (FEEL)"
    return kind


def _field_rows(props: list[dict[str, Any]], labels: dict[str, str]) -> list[str]:
    rows = []
    for prop in props:
        binding = prop["binding"]
        notes = []
        if prop.get("constraints", {}).get("notEmpty"):
            notes.append("required")
        if prop.get("secret"):
            notes.append("secret")
        when = _shown_when(prop, labels)
        if when:
            notes.append(f"when {when}")
        rows.append(
            f"| {_code(binding['name'])} | {_cell(prop.get('label', ''))} | {_cell(_type(prop))} "
            f"| {_cell(_default(prop.get('value')))} "
            f"| {_cell('; '.join(notes))} | {_cell(prop.get('description', ''))} |"
        )
    return rows


_FIELD_HEADER = [
    "| input | label | type | default | notes | description |",
    "| --- | --- | --- | --- | --- | --- |",
]


def _operations(
    connector: Connector, template: dict[str, Any], actions: dict[str, Any]
) -> list[str]:
    props = [p for p in template["properties"] if "binding" in p]
    labels = {p["id"]: p.get("label", p["id"]) for p in props if "id" in p}
    inputs = [
        p for p in props if p["binding"]["type"] == "zeebe:input" and p.get("id") != _OPERATION
    ]
    lines: list[str] = []
    common = [p for p in inputs if _operation_of(p) is None]
    several = len(connector.operations) > 1
    if several and common:
        lines += [
            "### Fields of every operation",
            "",
            *_FIELD_HEADER,
            *_field_rows(common, labels),
            "",
        ]
    by_action = {action["name"]: action for action in actions.values()}
    for operation in connector.operations.values():
        own = [p for p in inputs if _operation_of(p) == operation.id]
        fields = own if several else inputs
        lines += [f"### {operation.name} (`{operation.id}`)", "", _cell(operation.description), ""]
        lines += [f"Activiti action: `{operation.qualified_name}`.", ""]
        if fields:
            lines += [*_FIELD_HEADER, *_field_rows(fields, labels), ""]
        action = by_action.get(operation.action)
        outputs = action.get("outputs", []) if action else []
        if outputs:
            lines += ["Outputs:", "", "| output | type | description |", "| --- | --- | --- |"]
            lines += [
                f"| {_code(o['name'])} | {_cell(o['type'])} | {_cell(o.get('description', ''))} |"
                for o in outputs
            ]
            lines.append("")
    return lines


def _headers(template: dict[str, Any]) -> list[str]:
    headers = [
        p
        for p in template["properties"]
        if p.get("binding", {}).get("type") == "zeebe:taskHeader" and p.get("type") != "Hidden"
    ]
    if not headers:
        return []
    lines = [
        "### Task headers",
        "",
        "| header | label | default | description |",
        "| --- | --- | --- | --- |",
    ]
    for prop in headers:
        lines.append(
            f"| {_code(prop['binding']['key'])} | {_cell(prop.get('label', ''))} "
            f"| {_cell(_default(prop.get('value')))} | {_cell(prop.get('description', ''))} |"
        )
    return [*lines, ""]


def _errors(definition: dict[str, Any]) -> list[str]:
    lines = [
        "### Error codes",
        "",
        "A job that fails carries one of these codes (Camunda: `error.code` in an error "
        "expression; Activiti: the BPMN error a boundary event catches).",
        "",
        "| code | meaning |",
        "| --- | --- |",
    ]
    lines += [
        f"| {_code(e['code'])} | {_cell(e.get('description', ''))} |" for e in definition["errors"]
    ]
    return [*lines, ""]


def _config(definition: dict[str, Any]) -> list[str]:
    config = definition.get("config") or []
    if not config:
        return []
    lines = [
        "### Activiti configuration",
        "",
        "| name | required | secret | description |",
        "| --- | --- | --- | --- |",
    ]
    lines += [
        f"| {_code(c['name'])} | {'yes' if c.get('required') else ''} "
        f"| {'yes' if c.get('secure') else ''} | {_cell(c.get('description', ''))} |"
        for c in config
    ]
    return [*lines, ""]


def _contracts(connector: Connector) -> list[str]:
    if not connector.contracts:
        return []
    lines = [
        "### Vendor contracts",
        "",
        "Processes modelled with the vendor's own connector run unchanged when the operator "
        "turns its contract on (`tasklink run --vendor-contract KEY`).",
        "",
        "| vendor connector | engine | key |",
        "| --- | --- | --- |",
    ]
    for contract in connector.contracts:
        key = contract.job_type if contract.engine == "camunda" else contract.name
        lines.append(f"| {_cell(contract.title)} | {contract.engine} | {_code(key)} |")
    return [*lines, ""]


def render_reference(
    connector: Connector, *, distribution: str, version: str, screenshot: str | None
) -> str:
    """The reference section of ``connector``'s page (Markdown), for ``distribution`` at
    ``version``. ``screenshot`` is the page-relative path of the picture of its template
    in the modeler."""
    template = camunda_template(connector)
    definition = activiti_definition(connector)
    lines = [
        "## Reference",
        "",
        f"Written from the code of `{distribution}` {version} and the templates generated from it.",
        "",
        "| | |",
        "| --- | --- |",
        f"| connector id | `{connector.id}` |",
        f"| Camunda job type | `{connector.job_type}` |",
        f"| element template | `{template['id']}`, version {template['version']} "
        f"(and `{template['id']}-hybrid`, whose job type can be changed) |",
        f"| Activiti connector | `{definition['name']}` |",
        "",
    ]
    if screenshot:
        lines += [
            f"![The {connector.title} template in the properties panel of Camunda "
            f"Modeler]({screenshot})",
            "",
        ]
    lines += _operations(connector, template, definition["actions"])
    lines += _headers(template)
    lines += _errors(definition)
    lines += _config(definition)
    lines += _contracts(connector)
    return "\n".join(lines).rstrip() + "\n"
