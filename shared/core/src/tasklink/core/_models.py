"""Base models for connector inputs and outputs, and binding input to them."""

from __future__ import annotations

import functools
import types
import typing
from collections import deque
from collections.abc import Mapping
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

from ._errors import ErrorCode, InputError
from ._fields import field_input_names

__all__ = [
    "CamelInputModel",
    "CamelOutputModel",
    "InputModel",
    "OutputModel",
    "format_validation_error",
    "input_names",
]


class InputModel(BaseModel):
    """Base for operation inputs: unknown nested fields are rejected, aliases accepted."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class OutputModel(BaseModel):
    """Base for operation outputs."""

    model_config = ConfigDict(populate_by_name=True)


# Process variables are camelCase in Camunda and Activiti: these bases keep Python's
# snake_case field names and read and write the camelCase alias (``reply_to``: ``replyTo``).


class CamelInputModel(InputModel):
    """An :class:`InputModel` whose fields are camelCase on the wire (``replyTo``); the
    snake_case names are accepted too."""

    model_config = ConfigDict(alias_generator=to_camel)


class CamelOutputModel(OutputModel):
    """An :class:`OutputModel` whose fields are camelCase on the wire (``messageId``)."""

    model_config = ConfigDict(alias_generator=to_camel)


def _members(annotation: Any) -> list[Any]:
    """The non-None members of a union (``[annotation]`` when it is not a union)."""
    if get_origin(annotation) in (typing.Union, types.UnionType):
        return [a for a in get_args(annotation) if a is not type(None)]
    return [annotation]


def _tag_values(member: Any) -> set[str]:
    values: set[str] = {getattr(member, "__name__", "")}
    if isinstance(member, type) and issubclass(member, BaseModel):
        for info in member.model_fields.values():
            if get_origin(info.annotation) is Literal:
                values.update(str(v) for v in get_args(info.annotation))
    return values


def _path(model: type[BaseModel], loc: tuple[int | str, ...]) -> str:
    """A person's path for a pydantic error location.

    Pydantic adds the member of a union (its tag, or a type name such as
    ``function-after[...]``) to the location; walking the model drops those segments.
    """
    out = ""
    annotation: Any = model
    for part in loc:
        members = _members(annotation)
        if len(members) > 1:
            chosen = next((m for m in members if str(part) in _tag_values(m)), None)
            if chosen is not None or (isinstance(part, str) and "[" in part):
                annotation = chosen
                continue
        annotation = members[0] if members else None
        if isinstance(part, int):
            out += f"[{part}]"
            args = get_args(annotation)
            annotation = args[0] if args else None
            continue
        if isinstance(part, str) and "[" in part:
            continue
        out += f".{part}" if out else str(part)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            info = annotation.model_fields.get(str(part)) or next(
                (f for f in annotation.model_fields.values() if f.alias == part), None
            )
            annotation = info.annotation if info else None
        elif get_origin(annotation) in (dict, Mapping):
            annotation = get_args(annotation)[-1]
        else:
            annotation = None
    return out or "input"


#: Problems an input error names one by one; the rest are counted.
MAX_LISTED_PROBLEMS = 10
# Beyond this many problems pydantic's error list alone would take hundreds of bytes per
# problem (600 MB for a million unknown fields): only the count is read from it then.
_MAX_DETAILED_PROBLEMS = 10_000


def format_validation_error(
    exc: ValidationError, model: type[BaseModel], data: Any = None
) -> InputError:
    """One :class:`InputError` naming the first offending field paths and their problems
    (at most :data:`MAX_LISTED_PROBLEMS`), then how many more there are.

    The offending values are left out on purpose: they may hold secrets. ``variables``
    holds ``fields`` (the paths named) and ``problemCount``. ``data`` (the validated
    input) lets masses of unknown fields be named without pydantic's full error list.
    """
    count = exc.error_count()
    problems: list[str] = []
    fields: list[str] = []
    all_missing = True
    if count <= _MAX_DETAILED_PROBLEMS:
        for error in exc.errors(include_input=False, include_url=False):
            all_missing = all_missing and error["type"] == "missing"
            if len(problems) == MAX_LISTED_PROBLEMS:
                continue
            path = _path(model, tuple(error["loc"]))
            fields.append(path)
            message = "unknown field" if error["type"] == "extra_forbidden" else error["msg"]
            problems.append(f"{path}: {message}")
    else:
        # Too many to list: such counts come from objects with masses of unknown fields,
        # which a walk along the model finds without pydantic's list.
        all_missing = False
        fields = _unknown_fields(model, data, "", MAX_LISTED_PROBLEMS)
        problems = [f"{path}: unknown field" for path in fields]
    return _input_error(problems, fields, count, all_missing)


def _unknown_fields(annotation: Any, data: Any, path: str, limit: int) -> list[str]:
    """Paths of up to ``limit`` fields in ``data`` that the models of ``annotation``
    forbid, walking dicts, lists and (tagged) unions of models."""
    found: list[str] = []
    pending: deque[tuple[Any, Any, str]] = deque([(annotation, data, path)])
    while pending and len(found) < limit:
        annotation, value, where = pending.popleft()
        members = _members(annotation) or [None]
        models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
        if isinstance(value, Mapping) and models:
            model = next((m for m in models if _tagged(m, value)), models[0])
            names = input_names(model)
            forbid = model.model_config.get("extra") == "forbid"
            for key, item in value.items():
                inner = f"{where}.{key}" if where else str(key)
                if key in names:
                    pending.append((_field_annotation(model, key), item, inner))
                elif forbid and len(found) < limit:
                    found.append(inner)
        elif isinstance(value, Mapping) and get_origin(members[0]) in (dict, Mapping):
            item_type = get_args(members[0])[-1]
            pending.extend((item_type, item, f"{where}.{key}") for key, item in value.items())
        elif isinstance(value, list | tuple) and get_args(members[0]):
            item_type = get_args(members[0])[0]
            pending.extend((item_type, item, f"{where}[{i}]") for i, item in enumerate(value))
    return found


def _tagged(model: type[BaseModel], value: Mapping[Any, Any]) -> bool:
    """Whether ``value`` carries one of the literal tags of ``model`` (``type: "basic"``)."""
    for name, info in model.model_fields.items():
        if get_origin(info.annotation) is Literal:
            tag = value.get(info.alias or name, value.get(name))
            if tag is not None and tag in get_args(info.annotation):
                return True
    return False


def _field_annotation(model: type[BaseModel], key: Any) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias, info.validation_alias):
            return info.annotation
    return None


def _input_error(
    problems: list[str], fields: list[str], count: int, all_missing: bool = False
) -> InputError:
    text = "; ".join(problems) if problems else f"{count} problems"
    if count > len(problems) and problems:
        text += f"; and {count - len(problems)} more"
    return InputError(
        "invalid input: " + text,
        code=ErrorCode.MISSING_INPUT if all_missing else ErrorCode.INVALID_INPUT,
        field=fields[0] if fields else None,
        variables={"fields": fields, "problemCount": count},
    )


@functools.cache
def input_names(model: type[BaseModel]) -> frozenset[str]:
    """Every top-level name the model reads: field names, aliases, validation aliases."""
    names: set[str] = set()
    for name, info in model.model_fields.items():
        names |= field_input_names(name, info)
    return frozenset(names)


def select_input(
    model: type[BaseModel], data: Mapping[str, Any], *, strict: bool = False
) -> Mapping[str, Any]:
    """The top-level entries of ``data`` that ``model`` reads (all of them if ``strict``).

    Raises :class:`InputError` when ``data`` is not a mapping.
    """
    if type(data) is not dict and not isinstance(data, Mapping):
        raise InputError(f"input must be a JSON object, not {type(data).__name__}")
    names = input_names(model)
    if not data.keys() <= names:
        if not strict:
            return {k: v for k, v in data.items() if k in names}
        unknown = [k for k in data if k not in names]
        if len(unknown) > MAX_LISTED_PROBLEMS:
            # Named here, before validation: pydantic would build an error for each.
            listed = [str(k) for k in unknown[:MAX_LISTED_PROBLEMS]]
            raise _input_error([f"{k}: unknown field" for k in listed], listed, len(unknown))
    return data


def validate_input(
    model: type[BaseModel], data: Mapping[str, Any], context: Mapping[str, Any] | None = None
) -> BaseModel:
    """Validate ``data`` (already selected) into ``model``, naming the fields on error.
    ``context`` reaches the validators (``{"documents": store}`` for document fields)."""
    try:
        # The validator itself: model_validate's keyword handling costs a job ~0.3 us.
        if context is None:
            return model.__pydantic_validator__.validate_python(data)  # type: ignore[no-any-return]
        return model.__pydantic_validator__.validate_python(data, context=context)  # type: ignore[no-any-return]
    except ValidationError as exc:
        raise format_validation_error(exc, model, data) from None
