"""Field metadata the template generator reads: groups, secrets, FEEL, text areas, labels.

Use :func:`field` instead of ``pydantic.Field`` when a connector input needs more than a
description and a default::

    class Auth(BaseModel):
        token: str = field(description="Bearer token", secret=True, group="authentication")
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args

from pydantic import AliasChoices, AliasPath, BaseModel, Field, SecretStr
from pydantic.fields import FieldInfo

__all__ = ["TEMPLATE_KEY", "FieldOptions", "field", "field_options", "secret_values"]

TEMPLATE_KEY = "x-tasklink"

FeelMode = Literal["optional", "required", "static"]


class FieldOptions(dict[str, Any]):
    """The template options of one field, as stored in its JSON schema extras."""


def field(
    default: Any = ...,
    *,
    description: str,
    title: str | None = None,
    group: str | None = None,
    secret: bool = False,
    feel: FeelMode | None = None,
    multiline: bool = False,
    placeholder: str | None = None,
    hidden: bool = False,
    choice_labels: Mapping[str, str] | None = None,
    show_when: Mapping[str, Sequence[str] | str] | None = None,
    activiti_type: Literal["file", "folder"] | None = None,
    **kwargs: Any,
) -> Any:
    """A pydantic ``Field`` that also carries template options.

    ``secret`` marks a credential (shown as a secret in templates, always redacted);
    ``group`` places it in a template group; ``feel`` overrides the FEEL mode;
    ``multiline`` asks for a text area; ``placeholder`` is the hint shown in an empty text
    field; ``hidden`` keeps it out of the modeler form. ``choice_labels`` names the choices
    of a dropdown (an ``Enum``, a ``Literal`` or a discriminated union) by value, e.g.
    ``{"starttls": "STARTTLS", "tls": "TLS (implicit)"}``; values it leaves out keep the
    generated label (the value humanized, well-known acronyms upper-cased).

    ``show_when`` shows the field in the modeler only while sibling dropdowns hold given
    values: it maps a field name of the same model (a ``Literal`` or ``Enum`` field declared
    before this one) to one value or several, e.g. ``{"method": ["POST", "PUT"]}``; with
    several names every one must match. Only the form changes: validation does not.

    ``activiti_type`` gives the parameter Alfresco Process Automation's variable type
    ``file`` or ``folder`` in the Activiti definition (its modeler then offers File and
    Folder variables), for a field that takes or returns them in APA's shape.
    """
    options: dict[str, Any] = {}
    if group:
        options["group"] = group
    if secret:
        options["secret"] = True
    if feel:
        options["feel"] = feel
    if multiline:
        options["multiline"] = True
    if placeholder:
        options["placeholder"] = placeholder
    if hidden:
        options["hidden"] = True
    if choice_labels:
        options["choice_labels"] = _checked_labels(choice_labels)
    if show_when:
        options["show_when"] = _checked_show_when(show_when)
    if activiti_type:
        options["activiti_type"] = activiti_type
    extra = dict(kwargs.pop("json_schema_extra", None) or {})
    if options:
        extra[TEMPLATE_KEY] = options
    return Field(
        default,
        description=description,
        title=title,
        json_schema_extra=extra or None,
        **kwargs,
    )


def _checked_labels(labels: Mapping[str, str]) -> dict[str, str]:
    if not isinstance(labels, Mapping):
        raise TypeError(f"choice_labels must map choice values to labels, not {labels!r}")
    checked: dict[str, str] = {}
    for value, label in labels.items():
        if not isinstance(value, str) or not isinstance(label, str) or not label.strip():
            raise TypeError(
                f"choice_labels must map str values to non-empty str labels, got {value!r}: "
                f"{label!r}"
            )
        checked[value] = label
    return checked


def _checked_show_when(show_when: Mapping[str, Sequence[str] | str]) -> dict[str, list[str]]:
    if not isinstance(show_when, Mapping):
        raise TypeError(f"show_when must map field names to values, not {show_when!r}")
    checked: dict[str, list[str]] = {}
    for name, wanted in show_when.items():
        items = [wanted] if isinstance(wanted, str | enum.Enum) else wanted
        try:
            values = [_choice_value(item) for item in items]
        except TypeError:
            values = []
        if not isinstance(name, str) or not name or not values:
            raise TypeError(
                "show_when must map a field name to a str value or a non-empty sequence of "
                f"them, got {name!r}: {wanted!r}"
            )
        checked[name] = list(dict.fromkeys(values))
    return checked


def _choice_value(item: Any) -> str:
    """A dropdown value as the template stores it (an Enum member by its value)."""
    if isinstance(item, enum.Enum):
        item = item.value
    if isinstance(item, bool) or not isinstance(item, str | int):
        raise TypeError(item)
    return str(item)


def secret_values(model: BaseModel) -> list[str]:
    """The values of every ``secret=True`` field in a validated model, at any depth.

    Secrets typed in literally (not as ``{{secrets.NAME}}``) are credentials all the same:
    the executor registers these with the redactor.
    """
    found: list[str] = []
    _collect_secrets(model, found)
    return found


def _collect_secrets(model: BaseModel, found: list[str]) -> None:
    # Runs on every job: exact type checks, no isinstance on unions.
    for name, is_secret, leaves in _secret_plan(type(model)):
        value = getattr(model, name, None)
        if is_secret:
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            if isinstance(value, str) and value:
                found.append(value)
            continue
        kind = type(value)
        if value is None or kind in leaves:
            continue
        if kind is list or kind is tuple:
            items: Any = value
        elif kind is dict:
            items = value.values()
        else:
            items = (value,)
        for item in items:
            if type(item) not in leaves and isinstance(item, BaseModel):
                _collect_secrets(item, found)


def raw_secret_values(model: type[BaseModel], data: Any) -> list[str]:
    """The strings at ``model``'s ``secret=True`` fields in raw input, valid or not.

    What echoes an input that failed validation (an error, the Activiti reply) must mask
    credentials typed into it although no model was built. Every model a field may hold is
    tried (each member of a union), so a value is found when any reading of the input puts
    it in a secret field.
    """
    found: list[str] = []
    _collect_raw(model, data, found, 0)
    return found


_MAX_RAW_DEPTH = 64  # JSON input is a tree; library callers may pass anything


def _collect_raw(model: type[BaseModel], data: Any, found: list[str], depth: int) -> None:
    if not isinstance(data, Mapping) or depth > _MAX_RAW_DEPTH:
        return
    for name, info in model.model_fields.items():
        for key in field_input_names(name, info):
            value = data.get(key)
            if value is None:
                continue
            if field_options(info).get("secret"):
                if isinstance(value, str) and value:
                    found.append(value)
                continue
            members = (
                value.values()
                if isinstance(value, Mapping)
                else value
                if isinstance(value, (list, tuple))
                else ()
            )
            for nested in _models_in(info.annotation):
                _collect_raw(nested, value, found, depth + 1)  # one model
                for item in members:  # or a list or dict of them
                    _collect_raw(nested, item, found, depth + 1)


def field_input_names(name: str, info: FieldInfo) -> set[str]:
    """The names a field is read by at its level: its name, alias and validation aliases
    (the first step of an alias path)."""
    names = {name}
    for alias in (info.alias, info.validation_alias):
        if isinstance(alias, str):
            names.add(alias)
        elif isinstance(alias, AliasPath):
            names.add(str(alias.path[0]))
        elif isinstance(alias, AliasChoices):
            for choice in alias.choices:
                names.add(choice if isinstance(choice, str) else str(choice.path[0]))
    return names


_Plan = tuple[tuple[str, bool, frozenset[type[BaseModel]]], ...]


@functools.cache
def _secret_plan(model: type[BaseModel]) -> _Plan:
    """Per model class: its secret fields, and the fields that may hold models with the
    declared model classes that are leaves (no secret and no model fields).

    Nested values are walked by their own class, so a subclass instance (from a validator,
    say) with secret fields its declared class lacks is found; only an instance of exactly
    a leaf class is skipped, as it cannot hold a secret.
    """
    plan: list[tuple[str, bool, frozenset[type[BaseModel]]]] = []
    for name, info in model.model_fields.items():
        if field_options(info).get("secret"):
            plan.append((name, True, frozenset()))
            continue
        declared = _models_in(info.annotation)
        if declared:
            leaves = frozenset(m for m in declared if _nested_plan(m) == ())
            plan.append((name, False, leaves))
    return tuple(plan)


_PLANNING: set[type[BaseModel]] = set()


def _nested_plan(model: type[BaseModel]) -> _Plan | None:
    """The plan of a nested model, or ``None`` while it is being planned (a model that
    contains itself is no leaf)."""
    if model in _PLANNING:
        return None
    _PLANNING.add(model)
    try:
        return _secret_plan(model)
    finally:
        _PLANNING.discard(model)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in get_args(annotation) for model in _models_in(arg)]


def field_options(info: FieldInfo) -> FieldOptions:
    """Return the template options of a pydantic field (empty when it has none)."""
    extra = info.json_schema_extra
    if isinstance(extra, dict):
        options = extra.get(TEMPLATE_KEY)
        if isinstance(options, dict):
            return FieldOptions(options)
    return FieldOptions()
