"""Activiti-style variable mapping and typed variable values.

Mappings follow Activiti's ``ExtensionsVariablesMappingProvider``: a task's mapping has
``inputs`` and ``outputs`` of type ``VARIABLE`` (name a variable), ``VALUE`` (a literal) or
``JSONPATCH`` (RFC 6902 operations applied to the target variable's current value), and an
optional ``mappingType`` of ``MAP_ALL``, ``MAP_ALL_INPUTS`` or ``MAP_ALL_OUTPUTS``. A task
without a mapping passes no variables in or out (constants only).
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from ._errors import InputError

__all__ = [
    "MappingType",
    "SourceType",
    "TaskMapping",
    "VariableMapping",
    "decode_typed_value",
    "decode_variables",
    "map_inputs",
    "map_outputs",
]


class MappingType(StrEnum):
    MAP_ALL = "MAP_ALL"
    MAP_ALL_INPUTS = "MAP_ALL_INPUTS"
    MAP_ALL_OUTPUTS = "MAP_ALL_OUTPUTS"


class SourceType(StrEnum):
    VARIABLE = "VARIABLE"
    VALUE = "VALUE"
    JSONPATCH = "JSONPATCH"


@dataclass(frozen=True, slots=True)
class VariableMapping:
    type: SourceType
    value: Any


@dataclass(frozen=True, slots=True)
class TaskMapping:
    """The mapping of one task, as written in a process extensions file."""

    inputs: dict[str, VariableMapping] = field(default_factory=dict)
    outputs: dict[str, VariableMapping] = field(default_factory=dict)
    mapping_type: MappingType | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TaskMapping:
        """Parse ``{"inputs": {...}, "outputs": {...}, "mappingType": ...}``."""
        if not isinstance(data, Mapping):
            raise InputError(f"a task mapping must be an object, not {type(data).__name__}")

        def entries(kind: str) -> dict[str, VariableMapping]:
            raw = data.get(kind) or {}
            if not isinstance(raw, Mapping):
                raise InputError(f"mapping '{kind}' must be an object", field=kind)
            out: dict[str, VariableMapping] = {}
            for name, spec in raw.items():
                where = f"{kind}.{name}"
                if not isinstance(spec, Mapping) or "type" not in spec:
                    raise InputError(f"mapping '{where}' needs a type and a value", field=where)
                try:
                    source = SourceType(str(spec["type"]).upper())
                except ValueError:
                    raise InputError(
                        f"mapping '{where}': unknown type {spec['type']!r}; expected one of "
                        f"{[t.value for t in SourceType]}",
                        field=where,
                    ) from None
                out[str(name)] = VariableMapping(source, spec.get("value"))
            return out

        raw_type = data.get("mappingType")
        try:
            mapping_type = MappingType(raw_type) if raw_type else None
        except ValueError:
            raise InputError(
                f"unknown mappingType {raw_type!r}; expected one of "
                f"{[t.value for t in MappingType]}",
                field="mappingType",
            ) from None
        return cls(entries("inputs"), entries("outputs"), mapping_type)


def map_inputs(
    mapping: TaskMapping | None,
    variables: Mapping[str, Any],
    constants: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The inbound variables a connector receives for a task."""
    result = dict(constants or {})
    if mapping is None:
        return result
    if mapping.mapping_type in (MappingType.MAP_ALL, MappingType.MAP_ALL_INPUTS):
        return {**result, **variables}
    inbound: dict[str, Any] = {}
    for name, spec in mapping.inputs.items():
        if spec.type is SourceType.VALUE:
            inbound[name] = spec.value
        elif spec.type is SourceType.VARIABLE and str(spec.value) in variables:
            inbound[name] = variables[str(spec.value)]
    inbound.update(result)
    return inbound


def map_outputs(
    mapping: TaskMapping | None,
    outputs: Mapping[str, Any],
    variables: Mapping[str, Any],
    declared: Iterable[str] | None = None,
) -> dict[str, Any]:
    """The process variables set from a connector's ``outputs``.

    ``variables`` are the process variables now; ``declared`` the names declared in the
    process (with ``None`` every existing or mapped name is accepted).
    """
    if mapping is None:
        return {}
    if mapping.mapping_type in (MappingType.MAP_ALL, MappingType.MAP_ALL_OUTPUTS):
        return dict(outputs)
    known = None if declared is None else set(declared)
    result: dict[str, Any] = {}
    for name, spec in mapping.outputs.items():
        if known is not None and name not in known and variables.get(name) is None:
            continue
        if spec.type is SourceType.VALUE:
            result[name] = spec.value
        elif spec.type is SourceType.VARIABLE:
            key = str(spec.value)
            if key in outputs:
                result[name] = outputs[key]
        elif spec.type is SourceType.JSONPATCH:
            result[name] = _apply_patch(name, spec.value, variables)
    return result


_PATH_VARIABLE = re.compile(r"/\$\{(\w+)}")


def _apply_patch(name: str, patch: Any, variables: Mapping[str, Any]) -> Any:
    import jsonpatch

    where = f"outputs.{name}"
    if not isinstance(patch, list):
        raise InputError(f"mapping '{where}': a JSONPATCH value must be a list", field=where)
    current = variables.get(name)
    document: Any = copy.deepcopy(current) if isinstance(current, dict) else {}
    operations = []
    for raw in patch:
        if not isinstance(raw, Mapping) or "path" not in raw:
            raise InputError(f"mapping '{where}': each operation needs a path", field=where)
        op = dict(raw)
        op["path"] = _PATH_VARIABLE.sub(
            lambda m: "/" + _path_variable(m.group(1), variables, where), str(op["path"])
        )
        _initialise_path(document, op)
        operations.append(op)
    try:
        return jsonpatch.apply_patch(document, operations)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
        raise InputError(f"mapping '{where}': invalid JSON patch: {exc}", field=where) from None


def _path_variable(var: str, variables: Mapping[str, Any], where: str) -> str:
    value = variables.get(var)
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
        raise InputError(
            f"mapping '{where}': path variable ${var} must be a non-empty string or integer",
            field=where,
        )
    return str(value)


# A patch path may come from a process variable ("/items/${index}"): cap how far it pads a list.
MAX_PATCH_INDEX = 10_000


def _initialise_path(document: Any, op: dict[str, Any]) -> None:
    """Create the intermediate objects a patch path walks through, as Activiti does."""
    parts = str(op["path"]).split("/")[1:]
    node = document
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if isinstance(node, list) and part.isdigit():
            position = int(part)
            if position > MAX_PATCH_INDEX:
                raise InputError(
                    f"JSON patch path {op['path']!r}: index {position} is beyond {MAX_PATCH_INDEX}",
                    field="outputs",
                )
            while len(node) <= position:
                node.append({})
            if last:
                op["op"] = "replace"
                return
            node = node[position]
        elif isinstance(node, dict):
            if last:
                return
            if not isinstance(node.get(part), dict | list):
                node[part] = {}
            node = node[part]
        else:
            return


_INTEGER = re.compile(r"^[+-]?\d+$")
_TYPED = {
    "string",
    "integer",
    "long",
    "short",
    "boolean",
    "double",
    "float",
    "bigdecimal",
    "date",
    "datetime",
    "json",
    "object",
    "array",
    "null",
}


def decode_typed_value(value: Any, name: str = "value") -> Any:
    """Decode ``{"type": "integer", "value": "5"}`` to ``5``; other values pass through."""
    if not (
        isinstance(value, Mapping)
        and set(value) == {"type", "value"}
        and isinstance(value["type"], str)
        and value["type"].lower() in _TYPED
    ):
        return value
    kind = value["type"].lower()
    raw = value["value"]
    if raw is None or kind == "null":
        return None
    if not isinstance(raw, str):
        return raw  # already decoded by the sender
    try:
        if kind == "string":
            return raw
        if kind in ("integer", "long", "short"):
            if not _INTEGER.match(raw):
                raise ValueError(raw)
            return int(raw)
        if kind == "boolean":
            if raw.lower() not in ("true", "false"):
                raise ValueError(raw)
            return raw.lower() == "true"
        if kind in ("double", "float"):
            number = float(raw)
            if not math.isfinite(number):  # NaN and infinities are not JSON
                raise ValueError(raw)
            return number
        if kind == "bigdecimal":
            decimal = Decimal(raw)
            if not decimal.is_finite():
                raise ValueError(raw)
            return decimal
        if kind == "date":
            # Activiti sends dates as yyyy-MM-dd, sometimes with a time part.
            text = raw.replace("Z", "+00:00")
            day = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
            return (day.date() if isinstance(day, datetime) else day).isoformat()
        if kind == "datetime":
            return datetime.fromisoformat(raw.replace("Z", "+00:00")).isoformat()
        return json.loads(raw)  # json, object, array
    except RecursionError:
        raise InputError(
            f"variable '{name}': the {kind} value is nested too deeply", field=name
        ) from None
    except (ValueError, InvalidOperation):
        raise InputError(f"variable '{name}': {raw!r} is not a valid {kind}", field=name) from None


def decode_variables(variables: Mapping[str, Any] | None) -> dict[str, Any]:
    """Decode every typed value of an Activiti variables map."""
    if variables is not None and not isinstance(variables, Mapping):
        raise InputError(
            f"variables must be an object, not {type(variables).__name__}", field="variables"
        )
    return {str(k): decode_typed_value(v, str(k)) for k, v in (variables or {}).items()}
