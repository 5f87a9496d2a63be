"""Base models for connector inputs and outputs, and binding input to them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from ._errors import ErrorCode, InputError

__all__ = ["InputModel", "OutputModel", "bind_input", "format_validation_error"]


class InputModel(BaseModel):
    """Base for operation inputs: unknown nested fields are rejected, aliases accepted."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class OutputModel(BaseModel):
    """Base for operation outputs."""

    model_config = ConfigDict(populate_by_name=True)


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "input"


def format_validation_error(exc: ValidationError) -> InputError:
    """One :class:`InputError` naming every offending field path and its problem.

    The offending values are left out on purpose: they may hold secrets.
    """
    problems: list[str] = []
    fields: list[str] = []
    all_missing = True
    for error in exc.errors(include_input=False, include_url=False):
        # Tagged unions add the tag to the location; it is noise for a person.
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
        path = _path(loc)
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


def bind_input(
    model: type[BaseModel], data: Mapping[str, Any], *, strict: bool = False
) -> BaseModel:
    """Validate ``data`` into ``model``; raises :class:`InputError` naming the fields.

    Engines hand a job every process variable in scope, so unknown top-level names are
    ignored unless ``strict`` (local invocations, where they are a user's typo).
    """
    if not isinstance(data, Mapping):
        raise InputError(f"input must be a JSON object, not {type(data).__name__}")
    if not strict:
        fields = model.model_fields
        names = set(fields) | {f.alias for f in fields.values() if f.alias}
        data = {k: v for k, v in data.items() if k in names}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise format_validation_error(exc) from None
