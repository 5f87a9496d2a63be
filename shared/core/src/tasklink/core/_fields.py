"""Field metadata the template generator reads: groups, secrets, FEEL, text areas, labels.

Use :func:`field` instead of ``pydantic.Field`` when a connector input needs more than a
description and a default::

    class Auth(BaseModel):
        token: str = field(description="Bearer token", secret=True, group="authentication")
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field
from pydantic.fields import FieldInfo

__all__ = ["TEMPLATE_KEY", "FieldOptions", "field", "field_options"]

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


def field_options(info: FieldInfo) -> FieldOptions:
    """Return the template options of a pydantic field (empty when it has none)."""
    extra = info.json_schema_extra
    if isinstance(extra, dict):
        options = extra.get(TEMPLATE_KEY)
        if isinstance(options, dict):
            return FieldOptions(options)
    return FieldOptions()
