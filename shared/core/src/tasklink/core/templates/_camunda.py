"""The Camunda 8 element template of a connector (and its hybrid variant)."""

from __future__ import annotations

import base64
import enum
import json
import re
from dataclasses import dataclass, field
from typing import Any

from .._connector import Connector, Operation
from ._errors import TemplateError
from ._types import MISSING, FieldSpec, Where, humanize, walk_model

__all__ = ["ENGINES", "SCHEMA_URL", "camunda_template"]

SCHEMA_URL = "https://unpkg.com/@camunda/zeebe-element-templates-json-schema/resources/schema.json"
ENGINES = {"camunda": "^8.5"}
"""Camunda 8.5 is the oldest cluster the runtimes serve (gRPC job workers)."""

_INPUT_GROUP = ("input", "Input")
_OPERATION_GROUP = ("operation", "Operation")
_TASK_TYPE_GROUP = ("taskDefinitionType", "Task definition type")
_STANDARD_GROUPS = (
    ("output", "Output mapping"),
    ("error", "Error handling"),
    ("retries", "Retries"),
)

# Values users may type instead of a literal: a FEEL expression or a secret placeholder.
_FEEL_OR_PLACEHOLDER = r"^=|^\{\{secrets\."
_URL_PATTERN = r"^(=|\{\{secrets\.|https?://)"
_DATE_PATTERN = r"^(=|\{\{secrets\.|\d{4}-\d{2}-\d{2}$)"
_DATETIME_PATTERN = r"^(=|\{\{secrets\.|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2})"
# Task headers are static text (never FEEL), and the runtime's parse_duration takes weeks,
# days, hours, minutes and seconds only: years and months have no fixed length.
_DURATION_PATTERN = r"^P(?!$)(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$"
_RESERVED_IDS = frozenset(
    {
        "operation",
        "taskDefinitionType",
        "elementTemplateId",
        "elementTemplateVersion",
        "resultVariable",
        "resultExpression",
        "errorExpression",
        "retryCount",
        "retryBackoff",
        "jobTimeout",
    }
)


def _icon(connector: Connector) -> dict[str, str] | None:
    if not connector.icon:
        return None
    resource = connector.resource(connector.icon)
    if not resource.is_file():
        raise TemplateError(
            f"icon file {connector.icon!r} is missing from package {connector.package!r}; "
            "add it (and include it in the wheel) or pass icon=None",
            connector=connector.id,
        )
    data = resource.read_bytes()
    suffix = connector.icon.rsplit(".", 1)[-1].lower()
    mime = {"svg": "image/svg+xml", "png": "image/png", "jpg": "image/jpeg"}.get(suffix)
    if mime is None:
        raise TemplateError(
            f"icon {connector.icon!r} must be an .svg, .png or .jpg file", connector=connector.id
        )
    return {"contents": f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"}


def _js_pattern(pattern: str) -> str:
    """Translate the few Python-only regex spellings to JavaScript's."""
    pattern = re.sub(r"\(\?P<(\w+)>", r"(?<\1>", pattern)
    pattern = re.sub(r"\(\?P=(\w+)\)", r"\\k<\1>", pattern)
    return pattern.replace(r"\A", "^").replace(r"\Z", "$").replace(r"\z", "$")


def _condition(conditions: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not conditions:
        return None
    if len(conditions) == 1:
        return conditions[0]
    return {"allMatch": conditions}


def _one_condition(property_id: str, values: tuple[str, ...]) -> dict[str, Any]:
    if len(values) == 1:
        return {"property": property_id, "equals": values[0]}
    return {"property": property_id, "oneOf": list(values)}


def _scalar(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    return value


@dataclass(eq=False)
class _Field:
    """One template property of an input field, and the operations that show it."""

    index: int
    spec: FieldSpec
    """The field as the first operation that has it declares it."""
    prop: dict[str, Any]
    """The property without id and condition: what must be equal to share it."""
    refs: tuple[tuple[_Field, tuple[str, ...]], ...]
    """Conditions other than the operation: (choice field, values it must hold)."""
    operations: list[Operation] = field(default_factory=list)
    id: str = ""


class _Builder:
    """Turns the fields of one or more operations into template properties."""

    def __init__(self, connector: Connector) -> None:
        self.connector = connector
        self.multi = len(connector.operations) > 1
        self.groups: dict[str, str] = {}
        self.properties: list[dict[str, Any]] = []
        self.ids: dict[str, str] = {}

    # -- ids and groups --------------------------------------------------------------------
    def add_group(self, group_id: str, label: str | None = None) -> str:
        label = self.connector.group_labels.get(group_id) or label or humanize(group_id)
        self.groups.setdefault(group_id, label)
        return group_id

    def add(self, prop: dict[str, Any], where: str) -> None:
        prop = _ordered(prop)
        prop_id = prop.get("id")
        if prop_id is not None:
            if prop_id in self.ids:
                raise TemplateError(
                    f"property id {prop_id!r} is used twice (also by {self.ids[prop_id]}); "
                    "rename a field or give it an alias",
                    connector=self.connector.id,
                    field=where,
                )
            self.ids[prop_id] = where
        self.properties.append(prop)

    # -- fields ----------------------------------------------------------------------------
    def input_fields(self) -> None:
        """The input fields of every operation, each shared field once.

        A field whose property (binding, type, label, constraints, ...) and conditions are
        the same in several operations becomes one property shown for all of them, so a
        value the user typed survives switching the operation.
        """
        fields = self.collect_fields()
        self.assign_ids(fields)
        all_operations = len(self.connector.operations)
        for item in fields:
            conditions: list[dict[str, Any]] = []
            if self.multi and len(item.operations) < all_operations:
                operation_ids = tuple(op.id for op in item.operations)
                conditions.append(_one_condition("operation", operation_ids))
            conditions.extend(_one_condition(ref.id, values) for ref, values in item.refs)
            prop = {**item.prop, "id": item.id}
            condition = _condition(conditions)
            if condition is not None:
                prop["condition"] = condition
            where = ",".join(op.id for op in item.operations)
            self.add(prop, f"{where}:{item.spec.path}")

    def collect_fields(self) -> list[_Field]:
        """Every distinct field, in the order it first appears (operation by operation)."""
        fields: list[_Field] = []
        by_key: dict[tuple[Any, ...], list[_Field]] = {}
        for operation in self.connector.operations.values():
            if not operation.name or not operation.name.strip():
                raise TemplateError(
                    "has no name; pass name= to @connector.operation",
                    connector=self.connector.id,
                    operation=operation.id,
                )
            where = Where(self.connector.id, operation.id)
            # id parts -> field, to resolve the conditions of this operation's union members
            local: dict[tuple[str, ...], _Field] = {}
            for spec in walk_model(operation.input_model, where):
                prop = self.field_property(spec, where)
                refs: list[tuple[_Field, tuple[str, ...]]] = []
                for condition in spec.conditions:
                    ref = local.get(condition.ref)
                    if ref is None:  # the walk yields a union's selector before its members
                        raise where.error(
                            f"condition on {'.'.join(condition.ref)!r}, which is not a field "
                            "declared before it",
                            spec.path,
                        )
                    refs.append((ref, condition.values))
                key = (
                    json.dumps(prop, sort_keys=True),
                    tuple((ref.index, values) for ref, values in refs),
                )
                candidates = by_key.setdefault(key, [])
                item = next(
                    (f for f in candidates if all(op.id != operation.id for op in f.operations)),
                    None,
                )
                if item is None or not self.multi:
                    item = _Field(len(fields), spec, prop, tuple(refs))
                    fields.append(item)
                    candidates.append(item)
                item.operations.append(operation)
                local[spec.id_parts] = item
        return fields

    def assign_ids(self, fields: list[_Field]) -> None:
        """Property ids: the field path, prefixed with the operation id for a field of one
        operation out of several; a shared field gets the plain field path, or that path
        numbered (``uid-2``) when another property has the id already."""
        taken: set[str] = set()
        for item in fields:
            if self.multi and len(item.operations) > 1:
                continue
            operation = item.operations[0]
            item.id = ".".join(
                (operation.id, *item.spec.id_parts) if self.multi else item.spec.id_parts
            )
            if not self.multi and item.id in _RESERVED_IDS:
                raise Where(self.connector.id, operation.id).error(
                    f"the property id {item.id!r} is reserved for the standard template "
                    "properties; rename the field or give it an alias",
                    item.spec.path,
                )
            taken.add(item.id)
        for item in fields:
            if item.id:
                continue
            base = candidate = ".".join(item.spec.id_parts)
            number = 2
            while candidate in taken or candidate in _RESERVED_IDS:
                candidate = f"{base}-{number}"
                number += 1
            item.id = candidate
            taken.add(candidate)

    def field_property(self, spec: FieldSpec, where: Where) -> dict[str, Any]:
        """The property of one field, without its id and condition."""
        options = spec.options
        group = str(options.get("group") or _INPUT_GROUP[0])
        prop: dict[str, Any] = {
            "label": spec.label,
            "description": spec.description,
            "group": group,
            "binding": {"type": "zeebe:input", "name": spec.binding},
        }
        if options.get("hidden"):
            if spec.default is MISSING or spec.default is None:
                raise where.error("a hidden field needs a default value", spec.path)
            prop.update(type="Hidden", value=_hidden_value(_scalar(spec.default)))
            del prop["group"]
        elif spec.kind == "constant":
            prop.update(type="Hidden", value=spec.choices[0].value)
            del prop["group"]
        elif spec.kind == "choice":
            self.dropdown(spec, where, prop)
        elif spec.kind == "boolean":
            self.boolean(spec, where, prop)
        elif spec.kind in ("integer", "number"):
            self.number(spec, where, prop)
        elif spec.kind in ("json", "document"):
            # A document travels as a reference: the modeler writes a FEEL expression
            # naming the variable that holds it (=invoice).
            self.json_field(spec, where, prop)
        else:
            self.text(spec, where, prop)
        if "group" in prop:
            self.add_group(group, _INPUT_GROUP[1] if group == _INPUT_GROUP[0] else None)
        if spec.secret:
            prop["secret"] = True
        placeholder = options.get("placeholder")
        if placeholder is not None:
            if prop["type"] not in ("String", "Text"):
                raise where.error(
                    f"placeholder is only shown for text fields, not {prop['type']}", spec.path
                )
            prop["placeholder"] = str(placeholder)
        if options.get("choice_labels") and prop["type"] != "Dropdown":
            raise where.error(
                f"choice_labels only apply to dropdown fields, not {prop['type']}", spec.path
            )
        return _ordered(prop)

    def feel(self, spec: FieldSpec, where: Where, allowed: tuple[str, ...], default: str) -> str:
        feel = spec.options.get("feel") or default
        if feel not in allowed:
            raise where.error(
                f"feel={feel!r} is not possible for this field type; use one of {list(allowed)}",
                spec.path,
            )
        return str(feel)

    def mark_optional(self, required: bool, prop: dict[str, Any]) -> None:
        """Fields the model may omit: empty values are not written to the diagram."""
        constraints = prop.setdefault("constraints", {})
        if required:
            constraints["notEmpty"] = True
        else:
            prop["optional"] = True
            # The modeler checks lengths and patterns on an unset value too (it tests the
            # text "undefined"), so an optional field would always show an error: leave
            # those checks to the runtime, which names the field in its InputError.
            constraints.clear()
        if not constraints:
            del prop["constraints"]

    def dropdown(self, spec: FieldSpec, where: Where, prop: dict[str, Any]) -> None:
        if spec.options.get("feel"):
            raise where.error("a dropdown cannot take a FEEL expression; drop feel=", spec.path)
        labels = spec.options.get("choice_labels") or {}
        unknown = [value for value in labels if value not in {c.value for c in spec.choices}]
        if unknown:
            raise where.error(
                f"choice_labels names {unknown}, which are not choices of this field "
                f"(choices: {[c.value for c in spec.choices]})",
                spec.path,
            )
        choices = [{"name": labels.get(c.value, c.name), "value": c.value} for c in spec.choices]
        prop.update(type="Dropdown", choices=choices)
        default = _scalar(spec.default)
        if default is not MISSING and default is not None:
            prop["value"] = str(default)
        elif not spec.required:
            # An empty choice lets the user leave an optional setting unset.
            prop["choices"] = [{"name": "(not set)", "value": ""}, *choices]
            prop["value"] = ""
            prop["optional"] = True
        else:
            prop["value"] = choices[0]["value"]

    def boolean(self, spec: FieldSpec, where: Where, prop: dict[str, Any]) -> None:
        feel = self.feel(spec, where, ("static", "optional", "required"), "static")
        default = spec.default if isinstance(spec.default, bool) else False
        prop.update(type="Boolean", value=default, feel=feel)

    def number(self, spec: FieldSpec, where: Where, prop: dict[str, Any]) -> None:
        feel = self.feel(spec, where, ("static", "optional", "required"), "static")
        integer = spec.kind == "integer"
        if feel != "static" or (not spec.required and spec.default in (MISSING, None)):
            # Without a value a static Number would be written as an empty expression;
            # a String keeps "not set" possible and still checks the digits.
            number = r"-?\d+" if integer else r"-?\d+(\.\d+)?([eE][-+]?\d+)?"
            prop.update(type="String", feel="optional" if feel == "static" else feel)
            prop["constraints"] = {
                "pattern": {
                    "value": f"^(=.*|\\{{\\{{secrets\\..*|{number})$",
                    "message": "Must be a whole number" if integer else "Must be a number",
                }
            }
            if spec.default not in (MISSING, None):
                prop["value"] = str(spec.default)
        else:
            prop.update(type="Number", feel="static")
            if spec.default is not MISSING:
                prop["value"] = spec.default
            if integer:
                prop["constraints"] = {
                    "pattern": {"value": r"^-?\d+$", "message": "Must be a whole number"}
                }
        self.mark_optional(spec.required, prop)

    def json_field(self, spec: FieldSpec, where: Where, prop: dict[str, Any]) -> None:
        feel = self.feel(spec, where, ("required",), "required")
        prop.update(type="Text" if spec.options.get("multiline") else "String", feel=feel)
        default = spec.default
        if default not in (MISSING, None) and default not in ({}, [], ()):
            prop["value"] = "=" + json.dumps(_jsonable(default), ensure_ascii=False)
        self.mark_optional(spec.required and default is MISSING, prop)

    def text(self, spec: FieldSpec, where: Where, prop: dict[str, Any]) -> None:
        feel = self.feel(spec, where, ("optional", "required"), "optional")
        prop.update(type="Text" if spec.options.get("multiline") else "String", feel=feel)
        if spec.default not in (MISSING, None) and not spec.secret:
            prop["value"] = str(_scalar(spec.default))
        constraints: dict[str, Any] = {}
        if spec.min_length is not None:
            constraints["minLength"] = spec.min_length
        if spec.max_length is not None:
            constraints["maxLength"] = spec.max_length
        if spec.pattern is not None:
            constraints["pattern"] = {
                "value": f"{_FEEL_OR_PLACEHOLDER}|(?:{_js_pattern(spec.pattern)})",
                "message": f"Must match {spec.pattern}",
            }
        elif spec.kind == "url":
            constraints["pattern"] = {"value": _URL_PATTERN, "message": "Must be a http(s) URL"}
        elif spec.kind == "date":
            constraints["pattern"] = {
                "value": _DATE_PATTERN,
                "message": "Must be a YYYY-MM-DD date",
            }
        elif spec.kind == "datetime":
            constraints["pattern"] = {
                "value": _DATETIME_PATTERN,
                "message": "Must be an ISO-8601 date and time",
            }
        if constraints:
            prop["constraints"] = constraints
        self.mark_optional(spec.required, prop)

    # -- fixed parts -----------------------------------------------------------------------
    def operation_dropdown(self) -> None:
        operations = list(self.connector.operations.values())
        for operation in operations:
            if not operation.name or not operation.name.strip():
                raise TemplateError(
                    "has no name; pass name= to @connector.operation",
                    connector=self.connector.id,
                    operation=operation.id,
                )
        self.add_group(*_OPERATION_GROUP)
        self.add(
            {
                "id": "operation",
                "label": "Operation",
                "description": "What the connector does",
                "type": "Dropdown",
                "value": operations[0].id,
                "group": _OPERATION_GROUP[0],
                "binding": {"type": "zeebe:taskHeader", "key": "operation"},
                "choices": [{"name": op.name, "value": op.id} for op in operations],
            },
            "operation",
        )

    def standard_tail(self, template_id: str, version: int) -> None:
        for group_id, label in _STANDARD_GROUPS:
            self.add_group(group_id, label)
        tail: list[dict[str, Any]] = [
            {
                "id": "elementTemplateId",
                "type": "Hidden",
                "value": template_id,
                "binding": {"type": "zeebe:taskHeader", "key": "elementTemplateId"},
            },
            {
                "id": "elementTemplateVersion",
                "type": "Hidden",
                "value": str(version),
                "binding": {"type": "zeebe:taskHeader", "key": "elementTemplateVersion"},
            },
            {
                "id": "resultVariable",
                "label": "Result variable",
                "description": "Name of the process variable that receives the whole result",
                "type": "String",
                "optional": True,
                "group": "output",
                "binding": {"type": "zeebe:taskHeader", "key": "resultVariable"},
            },
            {
                "id": "resultExpression",
                "label": "Result expression",
                "description": "FEEL expression over `response` returning a context whose "
                "entries become process variables",
                "type": "Text",
                "feel": "required",
                "optional": True,
                "group": "output",
                "binding": {"type": "zeebe:taskHeader", "key": "resultExpression"},
            },
            {
                "id": "errorExpression",
                "label": "Error expression",
                "description": "FEEL expression evaluated after every run with `response` or "
                "`error` in scope; return bpmnError(code, message) or jobError(message) to "
                "change the outcome",
                "type": "Text",
                "feel": "required",
                "optional": True,
                "group": "error",
                "binding": {"type": "zeebe:taskHeader", "key": "errorExpression"},
            },
            {
                "id": "retryCount",
                "label": "Retries",
                "description": "How often the job is retried after a connector error",
                "type": "String",
                "value": "3",
                "feel": "optional",
                "group": "retries",
                "binding": {"type": "zeebe:taskDefinition", "property": "retries"},
                "constraints": {
                    "notEmpty": True,
                    "pattern": {"value": r"^(=.+|\d+)$", "message": "Must be a whole number"},
                },
            },
            {
                "id": "retryBackoff",
                "label": "Retry backoff",
                "description": "ISO-8601 duration to wait between retries, e.g. PT30S",
                "type": "String",
                "value": "PT30S",
                "group": "retries",
                "binding": {"type": "zeebe:taskHeader", "key": "retryBackoff"},
                "constraints": {
                    "notEmpty": True,
                    "pattern": {
                        "value": _DURATION_PATTERN,
                        "message": "Must be an ISO-8601 duration such as PT30S",
                    },
                },
            },
            {
                "id": "jobTimeout",
                "label": "Job timeout",
                "description": "ISO-8601 duration after which the engine considers the job "
                "timed out; empty for the worker's default",
                "type": "String",
                "optional": True,
                "group": "retries",
                "binding": {"type": "zeebe:taskHeader", "key": "jobTimeout"},
            },
        ]
        for prop in tail:
            self.add(prop, prop["id"])


_KEY_ORDER = (
    "id",
    "label",
    "description",
    "type",
    "value",
    "choices",
    "optional",
    "feel",
    "placeholder",
    "secret",
    "constraints",
    "group",
    "binding",
    "condition",
)


def _ordered(prop: dict[str, Any]) -> dict[str, Any]:
    """A fixed key order, so generated files read alike and diff cleanly."""
    rank = {key: i for i, key in enumerate(_KEY_ORDER)}
    return dict(sorted(prop.items(), key=lambda item: rank.get(item[0], len(rank))))


def _hidden_value(value: Any) -> str | bool:
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return "=" + json.dumps(_jsonable(value), ensure_ascii=False)


def _jsonable(value: Any) -> Any:
    from .._jsonable import to_jsonable

    return to_jsonable(value)


def camunda_template(connector: Connector, *, hybrid: bool = False) -> dict[str, Any]:
    """The Camunda 8 element template of ``connector``.

    ``hybrid=True`` gives the variant whose task type is editable (id suffix ``-hybrid``),
    so one diagram can point the task at another runtime.
    Raises :class:`TemplateError` when a field cannot be expressed.
    """
    if not connector.operations:
        raise TemplateError("declares no operation", connector=connector.id)
    if not connector.description or not connector.description.strip():
        raise TemplateError("has no description", connector=connector.id)
    template_id = connector.id + ("-hybrid" if hybrid else "")
    builder = _Builder(connector)
    if hybrid:
        builder.add_group(*_TASK_TYPE_GROUP)
        builder.add(
            {
                "id": "taskDefinitionType",
                "label": "Task definition type",
                "description": "The job type a worker subscribes to; change it to route this "
                "task to another runtime",
                "type": "String",
                "value": connector.job_type,
                "group": _TASK_TYPE_GROUP[0],
                "binding": {"type": "zeebe:taskDefinition", "property": "type"},
                "constraints": {"notEmpty": True},
            },
            "taskDefinitionType",
        )
    else:
        builder.add(
            {
                "type": "Hidden",
                "value": connector.job_type,
                "binding": {"type": "zeebe:taskDefinition", "property": "type"},
            },
            "taskDefinitionType",
        )
    if builder.multi:
        builder.operation_dropdown()
    builder.input_fields()
    builder.standard_tail(template_id, connector.template_version)

    template: dict[str, Any] = {
        "$schema": SCHEMA_URL,
        "name": f"Hybrid {connector.title}" if hybrid else connector.title,
        "id": template_id,
        "description": connector.description.strip(),
        "version": connector.template_version,
    }
    if connector.keywords:
        template["keywords"] = list(connector.keywords)
    if connector.documentation_url:
        if not re.match(r"^https?://", connector.documentation_url):
            raise TemplateError(
                f"documentation_url {connector.documentation_url!r} must be an http(s) URL",
                connector=connector.id,
            )
        template["documentationRef"] = connector.documentation_url
    icon = _icon(connector)
    if icon is not None:
        template["icon"] = icon
    template.update(
        {
            "category": {"id": _slug(connector.category), "name": connector.category},
            "appliesTo": ["bpmn:Task"],
            "elementType": {"value": "bpmn:ServiceTask"},
            "engines": dict(ENGINES),
            "groups": [{"id": gid, "label": label} for gid, label in _ordered_groups(builder)],
            "properties": builder.properties,
        }
    )
    return template


def _ordered_groups(builder: _Builder) -> list[tuple[str, str]]:
    """Connector groups in first-use order, the standard groups last."""
    standard = [g for g, _ in _STANDARD_GROUPS]
    first = [(g, label) for g, label in builder.groups.items() if g not in standard]
    return first + [(g, builder.groups[g]) for g in standard]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "connectors"
