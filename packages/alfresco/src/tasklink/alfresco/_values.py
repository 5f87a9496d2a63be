"""Readers for APA's value shapes: File / Folder variables, arrays and JSON parameters.

Activiti hands a connector its variables as JSON values (typed ones such as
``{"type": "file", "value": "<JSON text>"}`` are decoded by the runtime); a mapping from a
string variable gives JSON as text. Each reader accepts those forms and returns one Python
shape, so the actions see one thing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

__all__ = ["JsonObject", "Nodes", "OptionalJsonObject", "Strings", "node_id_of"]


def _untyped(value: Any) -> Any:
    """JSON text (a mapping from a string variable) as the value it holds. Typed values
    (``{"type": "file", "value": ...}``) arrive decoded: the Activiti adapter decodes
    them with the core's ``decode_variables``."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if text[0] in "[{":
            try:
                return json.loads(text)
            except ValueError:
                raise PydanticCustomError("json", "is not valid JSON") from None
    return value


def _nodes(value: Any) -> Any:
    """APA's File / Folder variable: an array of ACS node objects (``id`` at least); one
    object alone is taken as an array of one."""
    value = _untyped(value)
    if value is None:
        return None
    if isinstance(value, Mapping):
        value = [value]
    if not isinstance(value, list):
        raise PydanticCustomError(
            "nodes", "must be an array of nodes, each with an id (a File or Folder variable)"
        )
    if not value:
        return None
    for item in value:
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str) or not item["id"]:
            raise PydanticCustomError(
                "nodes", 'every element must be a node object with an id, e.g. [{"id": "..."}]'
            )
    return [dict(item) for item in value]


def _strings(value: Any) -> Any:
    """APA's Array parameters: ``wip, draft`` or ``["wip", "draft"]``."""
    value = _untyped(value)
    if value is None:
        return None
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        out = []
        for item in value:
            if not isinstance(item, str | int | float) or isinstance(item, bool):
                raise PydanticCustomError("strings", "must be an array of strings")
            if str(item).strip():
                out.append(str(item).strip())
        return out
    return value  # pydantic says what is wrong with it


def _object(value: Any) -> Any:
    return _untyped(value)


# The readers run before the None branch of an optional field is tried: an empty value
# ("", "[]") is absent.
#: A File or Folder variable: nodes, each a dict with an ``id`` (``None``: not given).
Nodes = Annotated[list[dict[str, Any]] | None, BeforeValidator(_nodes)]
#: An Array parameter.
Strings = Annotated[list[str], BeforeValidator(_strings)]
#: A JSON object, also from JSON text (Content-Metadata parameters).
JsonObject = Annotated[dict[str, Any], BeforeValidator(_object)]
#: An optional JSON object (``None``: not given).
OptionalJsonObject = Annotated[dict[str, Any] | None, BeforeValidator(_object)]


def node_id_of(nodes: list[dict[str, Any]] | None) -> str | None:
    """The id of the first node of a File / Folder variable (APA's actions act on one)."""
    return str(nodes[0]["id"]) if nodes else None
