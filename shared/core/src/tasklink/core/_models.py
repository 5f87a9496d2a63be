"""Base models for connector inputs and outputs, and binding input to them."""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, get_args, get_origin

from pydantic import AliasChoices, AliasPath, BaseModel, ConfigDict, ValidationError

from ._errors import ErrorCode, InputError

__all__ = ["InputModel", "OutputModel", "bind_input", "format_validation_error", "input_names"]


class InputModel(BaseModel):
    """Base for operation inputs: unknown nested fields are rejected, aliases accepted."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class OutputModel(BaseModel):
    """Base for operation outputs."""

    model_config = ConfigDict(populate_by_name=True)


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


def format_validation_error(exc: ValidationError, model: type[BaseModel]) -> InputError:
    """One :class:`InputError` naming every offending field path and its problem.

    The offending values are left out on purpose: they may hold secrets.
    """
    problems: list[str] = []
    fields: list[str] = []
    all_missing = True
    for error in exc.errors(include_input=False, include_url=False):
        path = _path(model, tuple(error["loc"]))
        fields.append(path)
        all_missing = all_missing and error["type"] == "missing"
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown field"
        problems.append(f"{path}: {message}")
    code = ErrorCode.MISSING_INPUT if all_missing else ErrorCode.INVALID_INPUT
    return InputError(
        "invalid input: " + "; ".join(problems),
        code=code,
        field=fields[0] if fields else None,
        variables={"fields": fields},
    )


@functools.cache
def input_names(model: type[BaseModel]) -> frozenset[str]:
    """Every top-level name the model reads: field names, aliases, validation aliases."""
    names: set[str] = set(model.model_fields)
    for info in model.model_fields.values():
        for alias in (info.alias, info.validation_alias):
            if isinstance(alias, str):
                names.add(alias)
            elif isinstance(alias, AliasPath):
                names.add(str(alias.path[0]))
            elif isinstance(alias, AliasChoices):
                for choice in alias.choices:
                    names.add(choice if isinstance(choice, str) else str(choice.path[0]))
    return frozenset(names)


def bind_input(
    model: type[BaseModel], data: Mapping[str, Any], *, strict: bool = False
) -> BaseModel:
    """Validate ``data`` into ``model``; raises :class:`InputError` naming the fields.

    Engines hand a job every process variable in scope, so unknown top-level names are
    ignored unless ``strict`` (local invocations, where they are a user's typo).
    """
    return validate_input(model, select_input(model, data, strict=strict))


def select_input(
    model: type[BaseModel], data: Mapping[str, Any], *, strict: bool = False
) -> Mapping[str, Any]:
    """The top-level entries of ``data`` that ``model`` reads (all of them if ``strict``).

    Raises :class:`InputError` when ``data`` is not a mapping.
    """
    if type(data) is not dict and not isinstance(data, Mapping):
        raise InputError(f"input must be a JSON object, not {type(data).__name__}")
    if not strict:
        names = input_names(model)
        if not data.keys() <= names:
            return {k: v for k, v in data.items() if k in names}
    return data


def validate_input(model: type[BaseModel], data: Mapping[str, Any]) -> BaseModel:
    """Validate ``data`` (already selected) into ``model``, naming the fields on error."""
    try:
        # The validator itself: model_validate's keyword handling costs a job ~0.3 us.
        return model.__pydantic_validator__.validate_python(data)  # type: ignore[no-any-return]
    except ValidationError as exc:
        raise format_validation_error(exc, model) from None
