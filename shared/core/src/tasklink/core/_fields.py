"""Field metadata the template generator reads: groups, secrets, FEEL, text areas.

Use :func:`field` instead of ``pydantic.Field`` when a connector input needs more than a
description and a default::

    class Auth(BaseModel):
        token: str = field(description="Bearer token", secret=True, group="authentication")
"""

from __future__ import annotations

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
    **kwargs: Any,
) -> Any:
    """A pydantic ``Field`` that also carries template options.

    ``secret`` marks a credential (shown as a secret in templates, always redacted);
    ``group`` places it in a template group; ``feel`` overrides the FEEL mode;
    ``multiline`` asks for a text area; ``hidden`` keeps it out of the modeler form.
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


def field_options(info: FieldInfo) -> FieldOptions:
    """Return the template options of a pydantic field (empty when it has none)."""
    extra = info.json_schema_extra
    if isinstance(extra, dict):
        options = extra.get(TEMPLATE_KEY)
        if isinstance(options, dict):
            return FieldOptions(options)
    return FieldOptions()
