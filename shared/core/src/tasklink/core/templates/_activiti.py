"""The Activiti / Alfresco Process Automation connector definition of a connector."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from .._connector import CONNECTOR_NAME_PATTERN, Connector, Operation
from ._errors import TemplateError
from ._types import TypeInfo, Where, _UnsupportedTypeError, binding_name, classify

__all__ = ["ACTIVITI_NAME_PATTERN", "ACTIVITI_TYPES", "activiti_definition"]

# Connector names are checked when a Connector is declared; the pattern is Activiti's.
ACTIVITI_NAME_PATTERN = CONNECTOR_NAME_PATTERN
ACTIVITI_TYPES = ("string", "integer", "boolean", "date", "datetime", "json", "file")

# Activiti variables are flat: nested values travel as one json variable. Floats have no
# type of their own in connector definitions; json keeps them numbers (string would not).
_TYPES: dict[str, str] = {
    "document": "file",
    "string": "string",
    "url": "string",
    "constant": "string",
    "choice": "string",
    "integer": "integer",
    "boolean": "boolean",
    "date": "date",
    "datetime": "datetime",
    "number": "json",
    "json": "json",
    "model": "json",
    "union": "json",
}


def _activiti_type(info: TypeInfo) -> str:
    if info.kind == "choice" and info.integer_choices:
        return "integer"
    return _TYPES[info.kind]


def _parameters(
    model: type[BaseModel] | None,
    where: Where,
    action: str,
    direction: str,
    *,
    require_description: bool,
) -> list[dict[str, Any]]:
    if model is None:
        return []
    parameters: list[dict[str, Any]] = []
    for name, info in model.model_fields.items():
        discriminator = info.discriminator if isinstance(info.discriminator, str) else None
        try:
            type_info = classify(info.annotation, discriminator=discriminator)
        except _UnsupportedTypeError as exc:
            raise where.error(str(exc), name) from None
        description = (info.description or "").strip()
        if not description and require_description:
            raise where.error(
                "has no description; add Field(description=...) or field(description=...)",
                name,
            )
        if type_info.kind in ("choice", "constant") and type_info.choices:
            allowed = ", ".join(c.value for c in type_info.choices)
            description = f"{description} One of: {allowed}.".strip()
        variable = binding_name(name, info)
        parameter: dict[str, Any] = {
            "id": f"{action}.{direction}.{variable}",
            "name": variable,
            "type": _activiti_type(type_info),
            "required": info.is_required() and not type_info.nullable,
        }
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _action(connector: Connector, operation: Operation) -> dict[str, Any]:
    where = Where(connector.id, operation.id)
    if not operation.name or not operation.name.strip():
        raise where.error("has no name; pass name= to @connector.operation")
    action = operation.action  # upper snake case: operation ids are checked when declared
    return {
        "id": action,
        "name": action,
        "description": f"{operation.name}: {operation.description.strip()}",
        "inputs": _parameters(
            operation.input_model, where, action, "input", require_description=True
        ),
        "outputs": _parameters(
            operation.output_model, where, action, "output", require_description=False
        ),
    }


def activiti_definition(connector: Connector) -> dict[str, Any]:
    """The Activiti connector definition of ``connector``: one action per operation.

    A service task uses an action with ``implementation="<name>.<ACTION>"``.
    Raises :class:`TemplateError` when an operation or field cannot be expressed.
    """
    if not connector.operations:
        raise TemplateError("declares no operation", connector=connector.id)
    if not connector.description or not connector.description.strip():
        raise TemplateError("has no description", connector=connector.id)
    return {
        "id": connector.id,
        "name": connector.name,
        "description": connector.description.strip(),
        "actions": {op.action: _action(connector, op) for op in connector.operations.values()},
    }
