"""Reading pydantic input models as flat lists of template fields.

Both generators share this walk: it unwraps ``Optional`` and ``Annotated``, classifies each
field's type, follows nested models (dotted binding names) and discriminated unions (a choice
plus the members' fields under a condition), and collects descriptions, defaults, constraints
and the ``x-tasklink`` options of :func:`tasklink.core.field`.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import enum
import ipaddress
import re
import types
import typing
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Literal

import annotated_types
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined, Url

from .._documents import Document
from .._fields import FieldOptions, field_options
from ._errors import TemplateError

__all__ = [
    "MISSING",
    "Choice",
    "Condition",
    "FieldSpec",
    "Kind",
    "TypeInfo",
    "Where",
    "binding_name",
    "classify",
    "humanize",
    "walk_model",
]

Kind = Literal[
    "document",
    "string",
    "url",
    "date",
    "datetime",
    "integer",
    "number",
    "boolean",
    "choice",
    "constant",
    "json",
    "model",
    "union",
]

MISSING: Any = PydanticUndefined
"""Marks a field without a default."""

# Words humanize() spells as acronyms, lower-case -> spelling: "tls" -> "TLS" and
# "oauth" -> "OAuth", so labels and dropdown choices made from names read well.
_ACRONYMS: dict[str, str] = {
    word: word.upper()
    for word in (
        "api",
        "bcc",
        "ca",
        "cc",
        "css",
        "dn",
        "ftp",
        "html",
        "http",
        "https",
        "id",
        "ids",
        "imap",
        "ip",
        "json",
        "jwt",
        "mime",
        "pem",
        "pop3",
        "s3",
        "sftp",
        "smtp",
        "sql",
        "ssl",
        "starttls",
        "tls",
        "ttl",
        "uid",
        "uids",
        "uri",
        "url",
        "urls",
        "uuid",
        "xml",
    )
} | {"oauth": "OAuth", "oauth2": "OAuth2"}

_STRING_TYPES: tuple[type, ...] = (
    str,
    SecretStr,
    uuid.UUID,
    PurePath,
    ipaddress.IPv4Address,
    ipaddress.IPv6Address,
    ipaddress.IPv4Network,
    ipaddress.IPv6Network,
    _dt.time,
    _dt.timedelta,
)
_JSON_ORIGINS: tuple[type, ...] = (list, tuple, set, frozenset, dict, Sequence, Mapping)


class _UnsupportedTypeError(Exception):
    """Raised inside the walk; turned into a TemplateError naming the field."""


@dataclass(frozen=True, slots=True)
class Where:
    """Which connector and operation a walk belongs to, for error messages."""

    connector: str
    operation: str | None

    def error(self, message: str, field_path: str | None = None) -> TemplateError:
        return TemplateError(
            message, connector=self.connector, operation=self.operation, field=field_path
        )


@dataclass(frozen=True, slots=True)
class Choice:
    """One entry of a dropdown: the stored value and the label shown."""

    value: str
    name: str


@dataclass(frozen=True, slots=True)
class TypeInfo:
    """What a field's annotation means for a template."""

    kind: Kind
    nullable: bool = False
    metadata: tuple[Any, ...] = ()
    choices: tuple[Choice, ...] = ()
    model: type[BaseModel] | None = None
    members: tuple[type[BaseModel], ...] = ()
    secret: bool = False
    integer_choices: bool = False
    discriminator: str | None = None


@dataclass(frozen=True, slots=True)
class Condition:
    """Show a field only when the choice field ``ref`` holds one of ``values``."""

    ref: tuple[str, ...]
    values: tuple[str, ...]


@dataclass(slots=True)
class FieldSpec:
    """One form field of a template, already flattened out of nested models."""

    path: str
    """Python field path, for messages (``auth.username``)."""
    binding: str
    """Dotted input variable name, aliases applied (``authentication.username``)."""
    id_parts: tuple[str, ...]
    """Parts of the template property id (union tags included, operation excluded)."""
    label: str
    description: str
    kind: Kind
    required: bool
    default: Any = MISSING
    nullable: bool = False
    choices: tuple[Choice, ...] = ()
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    options: FieldOptions = field(default_factory=FieldOptions)
    conditions: tuple[Condition, ...] = ()
    secret: bool = False
    discriminator: bool = False
    integer_choices: bool = False


def humanize(name: str) -> str:
    """``base_url`` -> ``Base URL``, ``smtpHost`` -> ``SMTP host``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name.replace("_", " ").replace("-", " "))
    words = [w for w in spaced.split() if w]
    out: list[str] = []
    for i, word in enumerate(words):
        lower = word.lower()
        if lower in _ACRONYMS:
            out.append(_ACRONYMS[lower])
        elif i == 0:
            out.append(lower.capitalize())
        else:
            out.append(lower)
    return " ".join(out) or name


def binding_name(name: str, info: FieldInfo) -> str:
    """The input variable name of a field: its validation alias, alias, or name."""
    if isinstance(info.validation_alias, str):
        return info.validation_alias
    return info.alias or name


def _unwrap(annotation: Any) -> tuple[Any, bool, tuple[Any, ...], str | None]:
    """Strip ``Annotated`` and ``Optional``; return (type, nullable, metadata, discriminator)."""
    nullable = False
    metadata: list[Any] = []
    discriminator: str | None = None
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            args = typing.get_args(annotation)
            annotation = args[0]
            for item in args[1:]:
                if isinstance(item, FieldInfo):
                    metadata.extend(item.metadata)
                    if isinstance(item.discriminator, str):
                        discriminator = item.discriminator
                else:
                    metadata.append(item)
            continue
        if origin in (typing.Union, types.UnionType):
            args = typing.get_args(annotation)
            rest = [a for a in args if a is not type(None)]
            if len(rest) < len(args):
                nullable = True
                if len(rest) == 1:
                    annotation = rest[0]
                    continue
                annotation = typing.Union[tuple(rest)]  # noqa: UP007 - built at run time
        return annotation, nullable, tuple(metadata), discriminator


def _literal_choices(values: tuple[Any, ...]) -> tuple[Choice, ...]:
    choices: list[Choice] = []
    for value in values:
        if isinstance(value, enum.Enum):
            value = value.value  # noqa: PLW2901
        if not isinstance(value, str):
            raise _UnsupportedTypeError(
                f"Literal values must be strings to become a dropdown, got {value!r}; "
                "use a str Literal or an Enum"
            )
        choices.append(Choice(value, _choice_label(value)))
    return tuple(choices)


def _choice_label(value: str) -> str:
    """``"friendly"`` -> ``"Friendly"``; codes such as ``"GET"`` or ``"en"`` stay as they are."""
    if not value:
        return "(empty)"
    if value.isupper() or len(value) <= 2 or not value.isascii():
        return value
    return humanize(value)


def _enum_choices(enum_type: type[enum.Enum]) -> tuple[tuple[Choice, ...], bool]:
    choices: list[Choice] = []
    integers = False
    for member in enum_type:
        value = member.value
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise _UnsupportedTypeError(
                f"enum {enum_type.__name__} has a value {value!r}; dropdown values must be "
                "strings or integers"
            )
        integers = integers or isinstance(value, int)
        choices.append(Choice(str(value), humanize(member.name.lower())))
    return tuple(choices), integers


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def classify(annotation: Any, *, discriminator: str | None = None) -> TypeInfo:
    """Classify a field annotation; raises ``_UnsupportedTypeError`` with a reason."""
    tp, nullable, metadata, inner_discriminator = _unwrap(annotation)
    discriminator = discriminator or inner_discriminator
    origin = typing.get_origin(tp)
    if origin is Literal:
        choices = _literal_choices(typing.get_args(tp))
        kind: Kind = "constant" if len(choices) == 1 else "choice"
        return TypeInfo(kind, nullable, metadata, choices=choices)
    if origin in (typing.Union, types.UnionType):
        members = typing.get_args(tp)
        if all(_is_model(m) for m in members):
            if discriminator is None:
                raise _UnsupportedTypeError(
                    "a union of models needs a discriminator: "
                    "Field(discriminator='type') with a str Literal 'type' in every member"
                )
            return TypeInfo(
                "union", nullable, metadata, members=members, discriminator=discriminator
            )
        raise _UnsupportedTypeError(
            f"union {tp} cannot be a form field; use one type, a discriminated union "
            "of models, or dict/list for free JSON"
        )
    if origin is not None and (origin in _JSON_ORIGINS or isinstance(origin, type)):
        if isinstance(origin, type) and issubclass(origin, _JSON_ORIGINS):
            return TypeInfo("json", nullable, metadata)
        raise _UnsupportedTypeError(f"type {tp} is not supported")
    if tp is Any or tp is object:
        return TypeInfo("json", nullable, metadata)
    if not isinstance(tp, type):
        raise _UnsupportedTypeError(f"type {tp!r} is not supported")
    if issubclass(tp, Document):
        return TypeInfo("document", nullable, metadata)
    if issubclass(tp, bytes | bytearray | memoryview):
        raise _UnsupportedTypeError(
            f"type {tp.__name__} cannot be typed into a form; take a str (e.g. base64 or a "
            "document reference) instead"
        )
    if issubclass(tp, bool):
        return TypeInfo("boolean", nullable, metadata)
    if issubclass(tp, enum.Enum):
        choices, integers = _enum_choices(tp)
        return TypeInfo("choice", nullable, metadata, choices=choices, integer_choices=integers)
    if issubclass(tp, int):
        return TypeInfo("integer", nullable, metadata)
    if issubclass(tp, float | decimal.Decimal):
        return TypeInfo("number", nullable, metadata)
    if issubclass(tp, Url) or tp.__module__ == "pydantic.networks":
        return TypeInfo("url", nullable, metadata)
    if issubclass(tp, _dt.datetime):
        return TypeInfo("datetime", nullable, metadata)
    if issubclass(tp, _dt.date):
        return TypeInfo("date", nullable, metadata)
    if issubclass(tp, _STRING_TYPES):
        return TypeInfo("string", nullable, metadata, secret=issubclass(tp, SecretStr))
    if issubclass(tp, _JSON_ORIGINS):
        return TypeInfo("json", nullable, metadata)
    if issubclass(tp, BaseModel):
        return TypeInfo("model", nullable, metadata, model=tp)
    raise _UnsupportedTypeError(
        f"type {tp.__name__} is not supported in templates; use str, int, float, bool, "
        "an Enum or str Literal, a nested model, a discriminated union, or dict/list"
    )


def _constraints(metadata: Sequence[Any]) -> tuple[int | None, int | None, str | None]:
    min_length = max_length = None
    pattern = None
    for item in metadata:
        if isinstance(item, annotated_types.MinLen) or hasattr(item, "min_length"):
            value = getattr(item, "min_length", None)
            min_length = value if value is not None else min_length
        if isinstance(item, annotated_types.MaxLen) or hasattr(item, "max_length"):
            value = getattr(item, "max_length", None)
            max_length = value if value is not None else max_length
        value = getattr(item, "pattern", None)
        if value is not None:
            pattern = value if isinstance(value, str) else value.pattern
    return min_length, max_length, pattern


def _default(info: FieldInfo) -> Any:
    if info.default is not PydanticUndefined:
        return info.default
    if info.default_factory is not None:
        try:
            return info.default_factory()  # type: ignore[call-arg]
        except TypeError:  # factories taking the validated data have no static default
            return MISSING
    return MISSING


def _member_tags(
    member: type[BaseModel], discriminator: str, where: Where, path: str
) -> tuple[str, tuple[Choice, ...]]:
    fields = member.model_fields
    name = discriminator
    if name not in fields:
        by_alias = [n for n, f in fields.items() if binding_name(n, f) == discriminator]
        if not by_alias:
            raise where.error(
                f"union member {member.__name__} has no discriminator field {discriminator!r}",
                path,
            )
        name = by_alias[0]
    info = fields[name]
    try:
        tag_type = classify(info.annotation)
    except _UnsupportedTypeError as exc:
        raise where.error(str(exc), f"{path}.{name}") from None
    if tag_type.kind not in ("constant", "choice") or not tag_type.choices:
        raise where.error(
            f"discriminator {name!r} of {member.__name__} must be a str Literal",
            f"{path}.{name}",
        )
    title = member.model_config.get("title")
    choices = tuple(
        Choice(c.value, title if title and len(tag_type.choices) == 1 else c.name)
        for c in tag_type.choices
    )
    return name, choices


def walk_model(
    model: type[BaseModel],
    where: Where,
    *,
    path: str = "",
    binding: str = "",
    id_parts: tuple[str, ...] = (),
    conditions: tuple[Condition, ...] = (),
    optional_parent: bool = False,
    skip: frozenset[str] = frozenset(),
    label_prefix: str = "",
) -> list[FieldSpec]:
    """Flatten ``model`` into template fields, in declaration order."""
    specs: list[FieldSpec] = []
    # earlier fields by name and alias: what show_when may refer to
    siblings: dict[str, FieldSpec | str] = {}
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        field_path = f"{path}.{name}" if path else name
        field_binding = (
            f"{binding}.{binding_name(name, info)}" if binding else binding_name(name, info)
        )
        if not (info.description and info.description.strip()):
            raise where.error(
                "has no description; add Field(description=...) or field(description=...)",
                field_path,
            )
        discriminator = info.discriminator if isinstance(info.discriminator, str) else None
        try:
            type_info = classify(info.annotation, discriminator=discriminator)
        except _UnsupportedTypeError as exc:
            raise where.error(str(exc), field_path) from None
        if info.discriminator is not None and discriminator is None:
            raise where.error(
                "callable discriminators cannot become a dropdown; use a field name",
                field_path,
            )
        default = _default(info)
        required = info.is_required() and not type_info.nullable and not optional_parent
        options = field_options(info)
        label = info.title or humanize(name)
        if label_prefix:
            label = f"{label_prefix}: {label}"
        description = info.description.strip()
        field_conditions = conditions
        if options.get("show_when"):
            field_conditions = (
                *conditions,
                *_show_when(options["show_when"], siblings, model, where, field_path),
            )
        names = {name, binding_name(name, info)}
        if type_info.kind == "model":
            siblings.update(dict.fromkeys(names, "a nested model"))
            assert type_info.model is not None
            specs.extend(
                walk_model(
                    type_info.model,
                    where,
                    path=field_path,
                    binding=field_binding,
                    id_parts=(*id_parts, name),
                    conditions=field_conditions,
                    optional_parent=optional_parent or not required,
                    label_prefix=label,
                )
            )
            continue
        if type_info.kind == "union":
            siblings.update(dict.fromkeys(names, "a discriminated union"))
            assert type_info.discriminator is not None
            specs.extend(
                _walk_union(
                    type_info,
                    type_info.discriminator,
                    where,
                    path=field_path,
                    binding=field_binding,
                    id_parts=(*id_parts, name),
                    conditions=field_conditions,
                    label=label,
                    description=description,
                    default=default,
                    required=required,
                    optional_parent=optional_parent or not required,
                    options=options,
                )
            )
            continue
        min_length, max_length, pattern = _constraints((*info.metadata, *type_info.metadata))
        spec = FieldSpec(
            path=field_path,
            binding=field_binding,
            id_parts=(*id_parts, name),
            label=label,
            description=description,
            kind=type_info.kind,
            required=required,
            default=default,
            nullable=type_info.nullable,
            choices=type_info.choices,
            min_length=min_length,
            max_length=max_length,
            pattern=pattern,
            options=options,
            conditions=field_conditions,
            secret=type_info.secret or bool(options.get("secret")),
            integer_choices=type_info.integer_choices,
        )
        specs.append(spec)
        siblings.update(dict.fromkeys(names, spec))
    return specs


def _show_when(
    show_when: Mapping[str, Sequence[str]],
    siblings: Mapping[str, FieldSpec | str],
    model: type[BaseModel],
    where: Where,
    path: str,
) -> list[Condition]:
    """The conditions of a field's ``show_when`` option, each on a dropdown declared
    before the field in the same model."""
    found: list[Condition] = []
    for name, values in show_when.items():
        sibling = siblings.get(name)
        if sibling is None:
            later = name in model.model_fields or any(
                binding_name(n, f) == name for n, f in model.model_fields.items()
            )
            reason = (
                "which is declared after it; declare it first"
                if later
                else f"which is not a field of {model.__name__}"
            )
            raise where.error(f"show_when names {name!r}, {reason}", path)
        if isinstance(sibling, str):
            raise where.error(
                f"show_when names {name!r}, which is {sibling}, not a dropdown; "
                "name a Literal or Enum field",
                path,
            )
        if sibling.kind != "choice" or sibling.discriminator or sibling.options.get("hidden"):
            what = (
                "hidden"
                if sibling.options.get("hidden") or sibling.kind == "constant"
                else (f"a {sibling.kind} field")
            )
            raise where.error(
                f"show_when names {name!r}, which is {what}, not a dropdown; "
                "name a Literal or Enum field with several values",
                path,
            )
        choices = [c.value for c in sibling.choices]
        unknown = [v for v in values if v not in choices]
        if unknown:
            raise where.error(
                f"show_when gives {unknown} for {name!r}, which are not among its choices "
                f"{choices}",
                path,
            )
        found.append(Condition(sibling.id_parts, tuple(values)))
    return found


def _walk_union(
    type_info: TypeInfo,
    discriminator: str,
    where: Where,
    *,
    path: str,
    binding: str,
    id_parts: tuple[str, ...],
    conditions: tuple[Condition, ...],
    label: str,
    description: str,
    default: Any,
    required: bool,
    optional_parent: bool,
    options: FieldOptions,
) -> list[FieldSpec]:
    members: list[tuple[type[BaseModel], str, tuple[Choice, ...]]] = []
    choices: list[Choice] = []
    for member in type_info.members:
        tag_field, tags = _member_tags(member, discriminator, where, path)
        members.append((member, tag_field, tags))
        choices.extend(tags)
    values = [c.value for c in choices]
    if len(set(values)) != len(values):
        raise where.error(f"discriminator values repeat across union members: {values}", path)
    first_member = members[0][0]
    tag_info = first_member.model_fields[members[0][1]]
    tag_binding = f"{binding}.{binding_name(members[0][1], tag_info)}"
    if isinstance(default, BaseModel):
        default = getattr(default, members[[m[0] for m in members].index(type(default))][1])
    elif default is not MISSING and default is not None:
        raise where.error("the default of a union must be one of its member models", path)
    selector = FieldSpec(
        path=f"{path}.{members[0][1]}",
        binding=tag_binding,
        id_parts=(*id_parts, members[0][1]),
        label=label,
        description=description,
        kind="choice",
        required=required,
        default=default if default is not None else MISSING,
        nullable=type_info.nullable,
        choices=tuple(choices),
        options=FieldOptions({k: v for k, v in options.items() if k in ("group", "choice_labels")}),
        conditions=conditions,
        discriminator=True,
    )
    specs = [selector]
    for member, tag_field, tags in members:
        condition = Condition(selector.id_parts, tuple(t.value for t in tags))
        member_specs = walk_model(
            member,
            where,
            path=path,
            binding=binding,
            id_parts=(*id_parts, tags[0].value),
            conditions=(*conditions, condition),
            optional_parent=optional_parent,
            skip=frozenset({tag_field}),
        )
        group = options.get("group")
        if group:
            for spec in member_specs:
                spec.options.setdefault("group", group)
        specs.extend(member_specs)
    return specs
