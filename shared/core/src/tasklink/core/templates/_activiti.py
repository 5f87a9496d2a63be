"""The Activiti / Alfresco Process Automation connector definition of a connector.

Besides its actions a definition declares the connector's ``errors`` (name, description,
code): the codes a process catches with error boundary events and error start events (the
modeler offers them). ``config`` lists the connector's deployment parameters (name,
description, value, required, secure): here the secrets its inputs can name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from .._connector import CONNECTOR_NAME_PATTERN, Connector, Operation
from .._documents import DocumentCode, _annotation_takes_documents
from .._errors import ERROR_DESCRIPTIONS, ErrorCode
from .._fields import field_options
from .._secrets import DEFAULT_SECRET_PREFIX
from ._errors import TemplateError
from ._types import TypeInfo, Where, _UnsupportedTypeError, binding_name, classify

__all__ = [
    "ACTIVITI_NAME_PATTERN",
    "ACTIVITI_TYPES",
    "activiti_config",
    "activiti_definition",
    "activiti_error_codes",
    "activiti_errors",
]

# Connector names are checked when a Connector is declared; the pattern is Activiti's.
ACTIVITI_NAME_PATTERN = CONNECTOR_NAME_PATTERN
ACTIVITI_TYPES = ("string", "integer", "boolean", "date", "datetime", "json", "file", "folder")

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
            # A field in APA's File / Folder shape says so; the rest follows its type.
            "type": field_options(info).get("activiti_type") or _activiti_type(type_info),
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


# -- errors ----------------------------------------------------------------------------

# The codes the core itself raises for any connector, whatever it declares: validation and
# missing secrets (JobExecutor.bind), the job's time limit and a connector bug
# (JobExecutor.execute). The core's other codes (CONNECTION_FAILED, the HTTP status names,
# ...) come from the shared client or the connector: a connector that raises them declares
# them. JOB_ERROR is not here: it comes from Camunda's errorExpression alone.
_CORE_CODES = (
    ErrorCode.MISSING_INPUT,
    ErrorCode.INVALID_INPUT,
    ErrorCode.TIMEOUT,
    ErrorCode.UNKNOWN_ERROR,
)
# Raised by the core's document handling on Activiti: a document over the runtime's read
# limit, or too large to answer inline. (DOCUMENT_NOT_FOUND comes from Camunda's document
# store only; Activiti has none.)
_DOCUMENT_CODES = {
    DocumentCode.DOCUMENT_TOO_LARGE: "A document is larger than the runtime reads "
    "(document_max_bytes) or answers inline in the reply (inline_document_max_bytes)",
}


def _takes_documents(connector: Connector) -> bool:
    return any(
        _annotation_takes_documents(model)
        for operation in connector.operations.values()
        for model in (operation.input_model, operation.output_model)
        if model is not None
    )


def _declared_errors(connector: Connector) -> dict[str, str]:
    """Code -> description: the connector's own codes in declaration order, then the core's
    it may raise too (a connector's own description of a core code wins)."""
    errors = {code: text.strip() for code, text in connector.errors.items()}
    for code in _CORE_CODES:
        errors.setdefault(code, ERROR_DESCRIPTIONS[code])
    if _takes_documents(connector):
        for code, text in _DOCUMENT_CODES.items():
            errors.setdefault(code, text)
    return errors


def activiti_errors(connector: Connector) -> list[dict[str, str]]:
    """The ``errors`` of the connector definition: ``{name, description, code}`` for each
    code the connector declares (``Connector(errors=...)``) and each core code it can
    raise (``MISSING_INPUT``, ``INVALID_INPUT``, ``TIMEOUT``, ``UNKNOWN_ERROR``, and
    ``DOCUMENT_TOO_LARGE`` when an operation takes or returns documents). The name is the
    code, as in Alfresco's own definitions. The Activiti runtime sends these codes as BPMN
    errors, so a boundary event catches them."""
    return [
        {"name": code, "description": text or code, "code": code}
        for code, text in _declared_errors(connector).items()
    ]


def activiti_error_codes(connector: Connector) -> frozenset[str]:
    """The codes :func:`activiti_errors` declares for ``connector``."""
    return frozenset(_declared_errors(connector))


# -- config ------------------------------------------------------------------------------


def _snake(binding: str) -> str:
    """``authentication.clientSecret`` -> ``AUTHENTICATION_CLIENT_SECRET``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", binding)
    return re.sub(r"[^A-Za-z0-9]+", "_", spaced).strip("_").upper()


def _secret_fields(
    model: type[BaseModel], prefix: str = "", seen: frozenset[type[BaseModel]] = frozenset()
) -> Iterator[tuple[str, str]]:
    """(binding, description) of every secret field of ``model``, nested models and the
    members of unions included, in declaration order (a model within itself once)."""
    if model in seen:
        return
    seen = seen | {model}
    for name, info in model.model_fields.items():
        binding = f"{prefix}{binding_name(name, info)}"
        discriminator = info.discriminator if isinstance(info.discriminator, str) else None
        try:
            type_info = classify(info.annotation, discriminator=discriminator)
        except _UnsupportedTypeError:
            continue  # reported by the actions, with the field named
        if type_info.secret or field_options(info).get("secret"):
            yield binding, (info.description or "").strip()
        elif type_info.kind == "model" and type_info.model is not None:
            yield from _secret_fields(type_info.model, f"{binding}.", seen)
        elif type_info.kind == "union":
            for member in type_info.members:
                yield from _secret_fields(member, f"{binding}.", seen)


def activiti_config(
    connector: Connector, *, prefix: str = DEFAULT_SECRET_PREFIX
) -> list[dict[str, Any]]:
    """The ``config`` of the connector definition: one secure parameter per secret input
    (``secret=True`` or ``SecretStr``), named for the environment variable the runtime
    reads it from, ``<prefix><CONNECTOR>_<INPUT>``: a task names
    ``TASKLINK_SECRET_HTTP_AUTHENTICATION_PASSWORD`` as
    ``{{secrets.HTTP_AUTHENTICATION_PASSWORD}}``.

    Alfresco Process Automation passes a connector's config values to it as environment
    variables at deployment, and asks for secure ones there. Nothing else is config: a
    tasklink connector takes its connection settings (hosts, ports, URLs) as task inputs,
    and the runtime's own settings apply to every connector it serves. None are required,
    since a task may name any secret or none; a connector without secret inputs has none.
    """
    found: dict[str, tuple[str, str, list[str]]] = {}
    for operation in connector.operations.values():
        if operation.input_model is None:
            continue
        for binding, text in _secret_fields(operation.input_model):
            secret = f"{_snake(connector.name)}_{_snake(binding)}"
            entry = found.setdefault(secret, (binding, text, []))
            if operation.action not in entry[2]:  # union members may share a secret field
                entry[2].append(operation.action)
    config: list[dict[str, Any]] = []
    for secret, (binding, text, actions) in found.items():
        what = f"{text.rstrip('.')}. " if text else ""
        used_by = (
            "every action" if len(actions) == len(connector.operations) > 1 else ", ".join(actions)
        )
        config.append(
            {
                "name": f"{prefix}{secret}",
                "description": f"{what}Set it when deploying, and write "
                f"{{{{secrets.{secret}}}}} in the input {binding} ({used_by})",
                "value": "",
                "required": False,
                "secure": True,
            }
        )
    return config


# -- the definition ----------------------------------------------------------------------


def activiti_definition(connector: Connector) -> dict[str, Any]:
    """The Activiti connector definition of ``connector``: one action per operation, the
    errors a process can catch (:func:`activiti_errors`) and the deployment parameters
    (:func:`activiti_config`).

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
        "errors": activiti_errors(connector),
        "config": activiti_config(connector),
    }
