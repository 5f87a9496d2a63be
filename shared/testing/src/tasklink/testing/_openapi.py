"""Check HTTP traffic and vcrpy cassettes against a vendor's OpenAPI spec.

A cassette must not drift from the real API: every recorded request and response is
checked for its path, method, parameters, status, content type and body schema. Swagger
2.0 and OpenAPI 3.0/3.1 documents, JSON or YAML, are supported::

    spec = OpenAPISpec.load(kit / "specs/slack/slack_web_openapi_v2_without_examples.json")
    assert_cassette_matches_spec(cassette_path, spec)

Schemas are validated with ``jsonschema`` (Draft 4 for Swagger 2.0 and OpenAPI 3.0, Draft
2020-12 for OpenAPI 3.1); ``$ref`` is resolved over the whole document with a ``referencing``
registry. Parsed documents and compiled validators are cached, so only the first load of a
large spec is slow.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import email.parser
import email.policy
import gzip
import itertools
import json
import os
import re
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, Literal, TypeAlias
from urllib.parse import parse_qs, unquote, urlsplit

import yaml
from jsonschema import FormatChecker, validators
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT4, DRAFT202012

from ._recording import SENSITIVE_HEADERS, SENSITIVE_QUERY_PARAMETERS

__all__ = [
    "OpenAPISpec",
    "OperationNotFoundError",
    "SpecOperation",
    "assert_cassette_matches_spec",
    "check_cassette",
]

Headers: TypeAlias = Mapping[str, "str | Sequence[str]"]
Body: TypeAlias = "bytes | str | Mapping[str, Any] | Sequence[Any] | None"
_Direction: TypeAlias = Literal["request", "response"]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Keywords of a Swagger 2.0 non-body parameter that describe its value.
_PARAMETER_SCHEMA_KEYS = (
    "type",
    "format",
    "items",
    "enum",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "multipleOf",
    "x-nullable",
)
# OpenAPI: header parameters with these names are described elsewhere and ignored.
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_COLLECTION_SEPARATORS = {"csv": ",", "ssv": " ", "tsv": "\t", "pipes": "|"}
_CREDENTIAL_NAMES = SENSITIVE_QUERY_PARAMETERS | SENSITIVE_HEADERS
_MAX_PROBLEMS_PER_BODY = 20
_MAX_MESSAGE = 240


class OperationNotFoundError(LookupError):
    """No operation of the spec matches a method and URL.

    ``candidates`` holds the closest path templates (or, when the path matched but the
    method did not, the methods it allows), best first.
    """

    def __init__(self, message: str, *, candidates: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.candidates = tuple(candidates)


@dataclass(frozen=True)
class SpecOperation:
    """The operation of a spec that a request addresses."""

    method: str
    """Upper-case HTTP method."""
    path: str
    """The path template as written in the spec, e.g. ``/nodes/{nodeId}/children``."""
    operation_id: str | None
    path_params: Mapping[str, str]
    """Path parameter values taken from the URL (percent-decoded)."""
    definition: Mapping[str, Any] = field(repr=False)
    """The raw operation object of the spec."""
    pointer: str = field(repr=False)
    """JSON pointer of the operation object inside the spec document."""


@dataclass(frozen=True)
class _Parameter:
    name: str
    location: str  # path, query, header, cookie, formData, body
    required: bool
    definition: Mapping[str, Any]
    pointer: str


@dataclass(frozen=True)
class _PathTemplate:
    template: str
    regex: re.Pattern[str]
    names: tuple[str, ...]
    segments: tuple[str, ...]
    pointer: str


# --------------------------------------------------------------------------- formats


_FORMATS = FormatChecker(formats=())
_DATE_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?"
    r"(?:[Zz]|[+-](\d{2}):?(\d{2}))?$"
)
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


@_FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(instance: object) -> bool:
    # Vendors write offsets as +0000 as often as +00:00: accept both, check the ranges.
    if not isinstance(instance, str):
        return True
    match = _DATE_TIME.match(instance)
    if match is None:
        return False
    year, month, day, hour, minute, second, off_h, off_m = match.groups()
    dt.datetime(int(year), int(month), int(day), int(hour), int(minute), min(int(second), 59))
    return off_h is None or (int(off_h) < 24 and int(off_m) < 60)


@_FORMATS.checks("date", raises=ValueError)
def _is_date(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    match = _DATE.match(instance)
    if match is None:
        return False
    dt.date(*(int(part) for part in match.groups()))
    return True


@_FORMATS.checks("int32")
def _is_int32(instance: object) -> bool:
    return not isinstance(instance, int) or -(2**31) <= instance < 2**31


@_FORMATS.checks("int64")
def _is_int64(instance: object) -> bool:
    return not isinstance(instance, int) or -(2**63) <= instance < 2**63


@_FORMATS.checks("uuid")
def _is_uuid(instance: object) -> bool:
    return not isinstance(instance, str) or _UUID.match(instance) is not None


# --------------------------------------------------------------------------- patterns

# ECMA-262 patterns in specs may use Unicode property classes that Python's ``re`` lacks.
_LETTER = "[^\\W\\d_]"
_PROPERTY = re.compile(r"\\[pP]\{(\w+)\}")
_pattern_cache: dict[str, re.Pattern[str] | None] = {}


def _translate_class(body: str) -> str:
    """A ``[...]`` class body whose ``\\p{..}`` items are rewritten for ``re``."""
    letters = False

    def replace(match: re.Match[str]) -> str:
        nonlocal letters
        if match.group(0).startswith("\\P"):
            raise re.error("negated property class")
        if match.group(1).startswith("L"):
            letters = True
            return ""
        return "\\d" if match.group(1).startswith("N") else "\\w"

    rest = _PROPERTY.sub(replace, body)
    if not letters:
        return f"[{rest}]"
    return f"(?:{_LETTER}|[{rest}])" if rest else _LETTER


def _translate_pattern(pattern: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            match = _PROPERTY.match(pattern, i)
            if match:
                out.append(_translate_class(match.group(0)))
                i = match.end()
            else:
                out.append(pattern[i : i + 2])
                i += 2
            continue
        if char == "[":
            j = i + 1
            while j < len(pattern) and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            body = pattern[i + 1 : j]
            if body.startswith("^") and _PROPERTY.search(body):
                raise re.error("negated class with property escapes")
            out.append(_translate_class(body))
            i = j + 1
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _compile_pattern(pattern: str) -> re.Pattern[str] | None:
    """Compile a schema pattern; ``None`` when ``re`` cannot express it (then unchecked)."""
    if pattern in _pattern_cache:
        return _pattern_cache[pattern]
    compiled: re.Pattern[str] | None
    try:
        compiled = re.compile(pattern)
    except re.error:
        try:
            compiled = re.compile(_translate_pattern(pattern))
        except re.error:
            compiled = None
    _pattern_cache[pattern] = compiled
    return compiled


def _pattern(validator: Validator, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    if not isinstance(instance, str) or not isinstance(pattern, str):
        return
    compiled = _compile_pattern(pattern)
    if compiled is not None and not compiled.search(instance):
        yield ValidationError(f"{_short(instance)} does not match {pattern!r}")


def _pattern_properties(
    validator: Any, patterns: Mapping[str, Any], instance: Any, schema: Any
) -> Iterator[Any]:
    if not isinstance(instance, dict):
        return
    for pattern, subschema in patterns.items():
        compiled = _compile_pattern(pattern)
        for key, value in instance.items():
            if compiled is not None and compiled.search(key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


_KEYWORD_OVERRIDES = {"pattern": _pattern, "patternProperties": _pattern_properties}
_extend: Callable[..., Any] = validators.extend
_Draft4 = _extend(validators.Draft4Validator, _KEYWORD_OVERRIDES)
_Draft202012 = _extend(validators.Draft202012Validator, _KEYWORD_OVERRIDES)


# --------------------------------------------------------------------------- helpers


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _clip(message: str) -> str:
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 3] + "..."


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _json_path(path: Iterable[Any]) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _media_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def _is_json_media(media: str | None) -> bool:
    return media is not None and (media == "application/json" or media.endswith("+json"))


def _is_form_media(media: str | None) -> bool:
    return media in ("application/x-www-form-urlencoded", "multipart/form-data")


def _match_media(media: str, declared: Iterable[str]) -> str | None:
    """The declared media range that covers ``media`` (exact, then ``type/*``, ``*/*``)."""
    ranges = {_media_type(item) or item: item for item in declared}
    for candidate in (media, media.split("/", 1)[0] + "/*", "*/*"):
        if candidate in ranges:
            return ranges[candidate]
    return None


def _normalise_headers(headers: Headers | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in (headers or {}).items():
        values = [value] if isinstance(value, str | bytes) else list(value)
        out.setdefault(name.lower(), []).extend(
            v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in values
        )
    return out


def _is_empty(body: Body) -> bool:
    return body is None or (isinstance(body, bytes | str) and len(body) == 0)


def _body_text(body: bytes | str) -> str:
    return body.decode("utf-8", "replace") if isinstance(body, bytes) else body


def _decode_json(body: Body) -> tuple[Any, str | None]:
    """Parsed JSON (or an already parsed object) and an error message."""
    if not isinstance(body, bytes | str):
        return body, None
    try:
        return json.loads(_body_text(body)), None
    except ValueError as exc:
        return None, f"is not valid JSON ({exc})"


def _decode_form(body: Body, content_type: str | None) -> dict[str, list[str]]:
    """Fields of a form-urlencoded or multipart body (files as their text)."""
    if body is None or not isinstance(body, bytes | str):
        return {}
    if _media_type(content_type) == "multipart/form-data":
        raw = body if isinstance(body, bytes) else body.encode("utf-8", "surrogateescape")
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
        fields: dict[str, list[str]] = {}
        for part in message.iter_parts() if message.is_multipart() else ():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            payload = part.get_payload(decode=True)
            text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
            fields.setdefault(name, []).append(text)
        return fields
    return parse_qs(_body_text(body), keep_blank_values=True)


def _as_form_text(value: Any) -> str:
    """The form-encoded equivalent of a JSON body value (Slack accepts both)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)


def _decompress(body: bytes, headers: Mapping[str, list[str]]) -> bytes:
    encoding = ",".join(headers.get("content-encoding", [])).lower()
    try:
        if "gzip" in encoding:
            return gzip.decompress(body)
        if "deflate" in encoding:
            return zlib.decompress(body)
    except (OSError, zlib.error):
        pass
    return body


class _CassetteLoader(yaml.SafeLoader):
    """Safe YAML plus the harmless Python tags vcrpy may write."""


# Annotated with the node each tag stands for (the stubs' add_constructor is generic in the
# node type); PyYAML's construct_scalar and construct_sequence check the node they get.
def _construct_str(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


def _construct_tuple(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> tuple[Any, ...]:
    return tuple(loader.construct_sequence(node))


_CassetteLoader.add_constructor("tag:yaml.org,2002:python/str", _construct_str)
_CassetteLoader.add_constructor("tag:yaml.org,2002:python/unicode", _construct_str)
_CassetteLoader.add_constructor("tag:yaml.org,2002:python/tuple", _construct_tuple)

_SpecLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _plain(node: Any) -> Any:
    """YAML specs may hold int keys (``200:``) and dates; make them JSON-like."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, dt.date | dt.datetime):
        return node.isoformat()
    return node


# --------------------------------------------------------------------------- document


def _schema_view(node: Any, *, nullable_keys: tuple[str, ...], strip_flag: str, root: Any) -> Any:
    """A copy of the spec in plain JSON Schema terms, for one direction of traffic.

    ``nullable``/``x-nullable`` become ``null`` allowed; Swagger ``type: file`` accepts
    anything; a property marked ``readOnly`` is not required in requests and one marked
    ``writeOnly`` not in responses. Other OpenAPI keywords (discriminator, xml, example)
    are annotations JSON Schema ignores.
    """

    def flagged(prop: Any) -> bool:
        for _ in range(8):
            if not isinstance(prop, dict):
                return False
            if prop.get(strip_flag) is True:
                return True
            if any(flagged(part) for part in prop.get("allOf", ()) if isinstance(part, dict)):
                return True
            ref = prop.get("$ref")
            if not (isinstance(ref, str) and ref.startswith("#/")):
                return False
            prop = _resolve_pointer(root, ref[1:])
        return False

    def walk(item: Any) -> Any:
        if isinstance(item, list):
            return [walk(v) for v in item]
        if not isinstance(item, dict):
            return item
        out = {k: walk(v) for k, v in item.items()}
        if out.get("type") == "file":
            del out["type"]
        props, required = item.get("properties"), item.get("required")
        if isinstance(props, dict) and isinstance(required, list):
            out["required"] = [r for r in required if not flagged(props.get(r))]
        nullable = False
        for key in nullable_keys:
            if out.get(key) is True:
                del out[key]
                nullable = True
        if not nullable:
            return out
        if any(k in out for k in ("$ref", "allOf", "anyOf", "oneOf", "not")) or "type" not in out:
            return {"anyOf": [{"type": "null"}, out]}
        # Keep the node in place (refs may point inside it): widen type and enum.
        types = out["type"] if isinstance(out["type"], list) else [out["type"]]
        out["type"] = [*types, "null"] if "null" not in types else types
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        return out

    return walk(node)


def _resolve_pointer(document: Any, pointer: str) -> Any:
    node = document
    for token in pointer.split("/")[1:]:
        key = _unescape(token)
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def _server_prefix(server: Mapping[str, Any]) -> str:
    url = str(server.get("url", ""))
    for name, variable in (server.get("variables") or {}).items():
        url = url.replace("{" + name + "}", str(variable.get("default", "")))
    url = re.sub(r"\{[^}]*\}", "x", url)  # undeclared variables: any host or port
    return urlsplit(url).path.rstrip("/")


def _template(template: str, pointer: str) -> _PathTemplate:
    names: list[str] = []
    regex = ""
    for literal, name in re.findall(r"([^{]*)(?:\{([^}]*)\})?", template):
        regex += re.escape(literal)
        if name:
            regex += f"(?P<p{len(names)}>[^/]+)"
            names.append(name)
    segments = tuple(template.strip("/").split("/"))
    return _PathTemplate(template, re.compile(f"^{regex}$"), tuple(names), segments, pointer)


def _specificity(template: _PathTemplate) -> tuple[int, ...]:
    # Literal segments win over templated ones at the first place they differ.
    return tuple(1 if "{" in segment else 0 for segment in template.segments)


def _similarity(path: str, template: _PathTemplate) -> float:
    segments = path.strip("/").split("/")
    total = 0.0
    for given, declared in zip(segments, template.segments, strict=False):
        if "{" in declared:
            total += 0.75 if given else 0.0
        else:
            total += difflib.SequenceMatcher(None, given, declared).ratio()
    return total / max(len(segments), len(template.segments))


class _Document:
    """A parsed spec with its lookup tables and validator caches (shared per file)."""

    def __init__(self, raw: dict[str, Any], source: str) -> None:
        self.raw = raw
        self.source = source
        if str(raw.get("swagger", "")).startswith("2"):
            self.version = "2.0"
        elif str(raw.get("openapi", "")).startswith("3.1"):
            self.version = "3.1"
        elif str(raw.get("openapi", "")).startswith("3"):
            self.version = "3.0"
        else:
            raise ValueError(f"{source} is neither a Swagger 2.0 nor an OpenAPI 3 document")
        self.uri = f"urn:tasklink-openapi:{_escape(source)}"
        if self.version == "2.0":
            prefixes = {str(raw.get("basePath") or "").rstrip("/")}
        else:
            prefixes = {_server_prefix(s) for s in raw.get("servers") or ()} or {""}
        self.prefixes = tuple(sorted(prefixes, key=len, reverse=True))
        templates = [
            _template(path, "/paths/" + _escape(path)) for path in (raw.get("paths") or {})
        ]
        self.templates = sorted(templates, key=_specificity)
        self._lock = threading.Lock()
        self._views: dict[str, Registry[Any]] = {}
        self._validators: dict[tuple[str, str], Validator] = {}
        self._parameters: dict[str, tuple[_Parameter, ...]] = {}

    def deref(self, node: Any, pointer: str) -> tuple[Any, str]:
        """Follow local ``$ref`` chains of parameter, response and request body objects."""
        for _ in range(16):
            ref = node.get("$ref") if isinstance(node, dict) else None
            if not isinstance(ref, str):
                return node, pointer
            if not ref.startswith("#"):
                raise ValueError(f"external reference {ref!r} is not supported")
            pointer = ref[1:]
            node = _resolve_pointer(self.raw, pointer)
        raise ValueError(f"reference loop at {pointer}")

    def parameters(self, operation: SpecOperation) -> tuple[_Parameter, ...]:
        cached = self._parameters.get(operation.pointer)
        if cached is not None:
            return cached
        item_pointer = operation.pointer.rsplit("/", 1)[0]
        item = _resolve_pointer(self.raw, item_pointer)
        merged: dict[tuple[str, str], _Parameter] = {}
        for owner, pointer in ((item, item_pointer), (operation.definition, operation.pointer)):
            for index, entry in enumerate(owner.get("parameters") or ()):
                definition, where = self.deref(entry, f"{pointer}/parameters/{index}")
                location = str(definition.get("in", ""))
                merged[(str(definition.get("name")), location)] = _Parameter(
                    name=str(definition.get("name")),
                    location=location,
                    required=bool(definition.get("required")) or location == "path",
                    definition=definition,
                    pointer=where,
                )
        result = tuple(merged.values())
        self._parameters[operation.pointer] = result
        return result

    def _registry(self, direction: str) -> Registry[Any]:
        registry = self._views.get(direction)
        if registry is None:
            with self._lock:
                registry = self._views.get(direction)
                if registry is None:
                    registry = self._build_registry(direction)
                    self._views[direction] = registry
        return registry

    def _build_registry(self, direction: str) -> Registry[Any]:
        nullable_keys: tuple[str, ...] = {
            "2.0": ("x-nullable",),
            "3.0": ("nullable", "x-nullable"),
            "3.1": (),
        }[self.version]
        contents = _schema_view(
            self.raw,
            nullable_keys=nullable_keys,
            strip_flag="readOnly" if direction == "request" else "writeOnly",
            root=self.raw,
        )
        specification = DRAFT202012 if self.version == "3.1" else DRAFT4
        resource: Resource[Any] = specification.create_resource(contents)
        registry: Registry[Any] = Registry().with_resource(self.uri, resource)
        return registry

    def _validator_class(self) -> Any:
        return _Draft202012 if self.version == "3.1" else _Draft4

    def validator(self, direction: _Direction, pointer: str) -> Validator:
        """A cached validator for the schema at ``pointer`` of the document."""
        key = (direction, pointer)
        found = self._validators.get(key)
        if found is None:
            cls = self._validator_class()
            found = cls(
                {"$ref": f"{self.uri}#{pointer}"},
                registry=self._registry(direction),
                format_checker=_FORMATS,
            )
            self._validators[key] = found
        return found

    def parameter_validator(self, parameter: _Parameter) -> Validator:
        """Validator for a parameter value (Swagger 2 keeps the schema in the parameter)."""
        if self.version != "2.0":
            return self.validator("request", self.parameter_schema_pointer(parameter))
        key = ("parameter", parameter.pointer)
        found = self._validators.get(key)
        if found is None:
            schema = {
                k: parameter.definition[k]
                for k in _PARAMETER_SCHEMA_KEYS
                if k in parameter.definition
            }
            schema = _schema_view(
                schema, nullable_keys=("x-nullable",), strip_flag="readOnly", root=self.raw
            )
            found = _Draft4(schema, registry=self._registry("request"), format_checker=_FORMATS)
            self._validators[key] = found
        return found

    def parameter_schema_pointer(self, parameter: _Parameter) -> str:
        if "schema" in parameter.definition:
            return parameter.pointer + "/schema"
        for media, entry in (parameter.definition.get("content") or {}).items():
            if isinstance(entry, dict) and "schema" in entry:
                return f"{parameter.pointer}/content/{_escape(media)}/schema"
        return parameter.pointer + "/schema"

    def schema_at(self, pointer: str) -> Any:
        """The raw schema at ``pointer`` with local ``$ref``/``allOf`` flattened for typing."""
        try:
            node = _resolve_pointer(self.raw, pointer)
        except (KeyError, IndexError, ValueError):
            return {}
        return self.flatten(node)

    def flatten(self, node: Any, depth: int = 0) -> dict[str, Any]:
        """Enough of a schema to coerce strings: ``type``, ``items`` and ``properties``."""
        if not isinstance(node, dict) or depth > 8:
            return {}
        out: dict[str, Any] = {}
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            with contextlib.suppress(KeyError, IndexError, ValueError):
                out.update(self.flatten(_resolve_pointer(self.raw, ref[1:]), depth + 1))
        for part in node.get("allOf") or ():
            sub = self.flatten(part, depth + 1)
            props = {**out.get("properties", {}), **sub.get("properties", {})}
            out.update(sub)
            if props:
                out["properties"] = props
        for key in ("type", "items", "properties", "format"):
            if key in node:
                out[key] = node[key]
        if isinstance(out.get("type"), list):
            out["type"] = next((t for t in out["type"] if t != "null"), None)
        return out


# --------------------------------------------------------------------------- coercion


def _coerce_scalar(text: str, kind: Any) -> Any:
    """Parse a string from a URL, header or form by its declared type.

    A string that does not parse is returned as is, so the schema reports the type error.
    """
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            number = float(text)
            return int(number) if number.is_integer() and "." not in text else number
    except ValueError:
        return text
    if kind == "boolean":
        lowered = text.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
    return text


def _split_array(values: list[str], separator: str | None) -> list[str]:
    if len(values) != 1 or separator is None:
        return values
    return values[0].split(separator) if values[0] else []


# --------------------------------------------------------------------------- the spec


class OpenAPISpec:
    """A vendor's OpenAPI (or Swagger 2.0) spec, able to check requests and responses.

    Build one with :meth:`load`; instances are cheap views over a cached parsed document.
    """

    _cache: dict[tuple[Any, ...], OpenAPISpec] = {}
    _documents: dict[tuple[Any, ...], _Document] = {}
    _cache_lock = threading.Lock()

    def __init__(self, document: _Document, *, default_body_statuses: Iterable[int] = ()) -> None:
        self._doc = document
        self.default_body_statuses = frozenset(int(s) for s in default_body_statuses)
        self._operations: dict[tuple[str, str], SpecOperation | OperationNotFoundError] = {}

    def __repr__(self) -> str:
        return f"OpenAPISpec({self._doc.source!r}, version={self.version!r})"

    @classmethod
    def load(
        cls, path: str | os.PathLike[str], *, default_body_statuses: Iterable[int] = ()
    ) -> OpenAPISpec:
        """Load a spec file (JSON or YAML), cached per file.

        ``default_body_statuses`` lists statuses whose body may match the ``default``
        response instead of its own: Slack, for one, reports errors as ``200`` with
        ``{"ok": false, ...}``, which its spec describes as the ``default`` response.
        """
        resolved = Path(path).resolve()
        stat = resolved.stat()
        file_key = (str(resolved), stat.st_mtime_ns, stat.st_size)
        statuses = frozenset(int(s) for s in default_body_statuses)
        with cls._cache_lock:
            cached = cls._cache.get((*file_key, statuses))
            if cached is not None:
                return cached
            document = cls._documents.get(file_key)
            if document is None:
                text = resolved.read_text("utf-8")
                if resolved.suffix.lower() == ".json" or text.lstrip().startswith("{"):
                    raw = json.loads(text)
                else:
                    raw = _plain(yaml.load(text, Loader=_SpecLoader))  # noqa: S506 - safe loader
                if not isinstance(raw, dict):
                    raise ValueError(f"{resolved} does not hold an OpenAPI document")
                document = _Document(raw, str(resolved))
                cls._documents[file_key] = document
            spec = cls(document, default_body_statuses=statuses)
            cls._cache[(*file_key, statuses)] = spec
            return spec

    @classmethod
    def from_dict(
        cls,
        document: Mapping[str, Any],
        *,
        name: str = "spec",
        default_body_statuses: Iterable[int] = (),
    ) -> OpenAPISpec:
        """A spec from an in-memory document (not cached); ``name`` appears in messages."""
        raw = _plain(json.loads(json.dumps(document)))
        return cls(_Document(raw, name), default_body_statuses=default_body_statuses)

    @property
    def version(self) -> str:
        """``"2.0"``, ``"3.0"`` or ``"3.1"``."""
        return self._doc.version

    @property
    def base_paths(self) -> tuple[str, ...]:
        """URL path prefixes of the API (``basePath`` or the servers' paths)."""
        return self._doc.prefixes

    @property
    def document(self) -> Mapping[str, Any]:
        """The parsed spec document (do not modify)."""
        return self._doc.raw

    # ------------------------------------------------------------------ operations

    def find_operation(self, method: str, url_or_path: str) -> SpecOperation:
        """The operation for ``method`` and a URL or path, honouring the base path.

        A full URL must carry the base path (``/api/chat.postMessage`` for Slack); a bare
        path may leave it out. Raises :class:`OperationNotFoundError` naming the closest
        templates when no path matches, or the allowed methods when only the method is wrong.
        """
        method = method.upper()
        parts = urlsplit(url_or_path)
        path = parts.path or "/"
        key = (method, path if not (parts.scheme and parts.netloc) else "//" + path)
        found = self._operations.get(key)
        if found is None:
            found = self._find(method, path, absolute=bool(parts.scheme and parts.netloc))
            if len(self._operations) > 4096:
                self._operations.clear()
            self._operations[key] = found
        if isinstance(found, OperationNotFoundError):
            raise OperationNotFoundError(str(found), candidates=found.candidates)
        return found

    def _relative_paths(self, path: str, *, absolute: bool) -> list[str]:
        out: list[str] = []
        for prefix in self._doc.prefixes:
            if not prefix:
                out.append(path)
            elif path == prefix or path.startswith(prefix + "/"):
                out.append(path[len(prefix) :] or "/")
        if not absolute and path not in out:
            out.append(path)
        return out

    def _find(
        self, method: str, path: str, *, absolute: bool
    ) -> SpecOperation | OperationNotFoundError:
        relative = self._relative_paths(path, absolute=absolute)
        method_mismatch: tuple[str, list[str]] | None = None
        for candidate in relative:
            for template in self._doc.templates:
                match = template.regex.match(candidate)
                if match is None:
                    continue
                item = self._doc.raw["paths"][template.template]
                item, item_pointer = self._doc.deref(item, template.pointer)
                definition = item.get(method.lower()) if isinstance(item, dict) else None
                if not isinstance(definition, dict):
                    if method_mismatch is None:
                        allowed = [m.upper() for m in _METHODS if m in item]
                        method_mismatch = (template.template, allowed)
                    continue
                values = {
                    name: unquote(match.group(f"p{i}")) for i, name in enumerate(template.names)
                }
                return SpecOperation(
                    method=method,
                    path=template.template,
                    operation_id=definition.get("operationId"),
                    path_params=values,
                    definition=definition,
                    pointer=f"{item_pointer}/{method.lower()}",
                )
        if method_mismatch is not None:
            template_path, allowed = method_mismatch
            return OperationNotFoundError(
                f"method {method} is not allowed on {template_path} "
                f"(allowed: {', '.join(allowed) or 'none'})",
                candidates=allowed,
            )
        probe = relative[0] if relative else path
        scored = sorted(
            ((_similarity(probe, t), t.template) for t in self._doc.templates),
            key=lambda pair: -pair[0],
        )
        closest = [template for score, template in scored[:3] if score > 0.3]
        bases = ", ".join(repr(p or "/") for p in self._doc.prefixes)
        message = f"no path of the spec matches {path!r} (base path {bases})"
        if (
            absolute
            and not any(p and (path == p or path.startswith(p + "/")) for p in self._doc.prefixes)
            and "" not in self._doc.prefixes
        ):
            message += "; the URL does not start with the base path"
        if closest:
            message += "; closest: " + ", ".join(closest)
        return OperationNotFoundError(message, candidates=closest)

    # ------------------------------------------------------------------ requests

    def validate_request(
        self,
        method: str,
        url: str,
        *,
        headers: Headers | None = None,
        body: Body = None,
        content_type: str | None = None,
    ) -> list[str]:
        """Problems of one request against the spec; an empty list means it conforms.

        Checks the path and method, required path/query/header/cookie parameters and their
        declared types and enums, the content type, and the body: JSON against its schema,
        form-urlencoded and multipart bodies decoded into fields (Swagger 2 ``formData``
        parameters, or the OpenAPI 3 form schema). ``body`` may also be an already parsed
        JSON value.

        Credentials are scrubbed from cassettes, so a required credential parameter
        (``token``, ``api_key``, ...) counts as present wherever it is sent, or when an
        ``Authorization`` header is, and its masked value is not type-checked.
        """
        try:
            operation = self.find_operation(method, url)
        except OperationNotFoundError as exc:
            return [str(exc)]
        heads = _normalise_headers(headers)
        content_type = content_type or next(iter(heads.get("content-type", [])), None)
        query = parse_qs(urlsplit(url).query, keep_blank_values=True)
        cookies: dict[str, list[str]] = {}
        for raw_cookie in heads.get("cookie", []):
            jar: SimpleCookie = SimpleCookie()
            jar.load(raw_cookie)
            for name, morsel in jar.items():
                cookies.setdefault(name, []).append(morsel.value)
        parameters = self._doc.parameters(operation)
        media = _media_type(content_type)
        form_params = [p for p in parameters if p.location == "formData"]
        fields = self._form_fields(body, content_type, media) if form_params else {}
        credentials_sent = "authorization" in heads or any(
            name.lower() in _CREDENTIAL_NAMES
            for name in itertools.chain(heads, query, cookies, fields)
        )
        problems: list[str] = []
        for parameter in parameters:
            if parameter.location == "body":
                continue
            if parameter.location == "header" and parameter.name.lower() in _IGNORED_HEADERS:
                continue
            source: Mapping[str, list[str]] = {
                "path": {k: [v] for k, v in operation.path_params.items()},
                "query": query,
                "header": heads,
                "cookie": cookies,
                "formData": fields,
            }.get(parameter.location, {})
            name = parameter.name.lower() if parameter.location == "header" else parameter.name
            values = source.get(name)
            is_credential = parameter.name.lower() in _CREDENTIAL_NAMES
            if values is None:
                if parameter.required and not (is_credential and credentials_sent):
                    problems.append(
                        f"missing required {parameter.location} parameter {parameter.name!r}"
                    )
                continue
            if not is_credential:
                problems.extend(self._check_parameter(parameter, values))
        problems.extend(self._check_request_body(operation, parameters, body, content_type, media))
        return problems

    def _form_fields(
        self, body: Body, content_type: str | None, media: str | None
    ) -> dict[str, list[str]]:
        if _is_empty(body):
            return {}
        if _is_form_media(media):
            return _decode_form(body, content_type)
        parsed, error = _decode_json(body)
        if error is None and isinstance(parsed, dict):
            # A JSON body stands for the form it replaces: each field as its form text.
            return {str(k): [_as_form_text(v)] for k, v in parsed.items() if v is not None}
        return _decode_form(body, content_type) if media is None else {}

    def _check_parameter(self, parameter: _Parameter, values: list[str]) -> list[str]:
        definition = parameter.definition
        where = f"{parameter.location} parameter {parameter.name!r}"
        if self.version == "2.0":
            schema = self._doc.flatten(definition)
            collection = str(definition.get("collectionFormat", "csv"))
            separator = None if collection == "multi" else _COLLECTION_SEPARATORS.get(collection)
        else:
            pointer = self._doc.parameter_schema_pointer(parameter)
            if "content" in definition and "schema" not in definition:
                parsed, error = _decode_json(values[-1])
                if error:
                    return [f"{where} {error}"]
                return self._schema_problems(self._doc.validator("request", pointer), parsed, where)
            schema = self._doc.schema_at(pointer)
            style = definition.get("style") or (
                "form" if parameter.location in ("query", "cookie") else "simple"
            )
            explode = definition.get("explode", style == "form")
            separator = {
                "spaceDelimited": " ",
                "pipeDelimited": "|",
            }.get(str(style), None if explode and style == "form" else ",")
        kind = schema.get("type")
        if kind == "object":
            return []  # exploded/deepObject objects are spread over many names: not checked
        value: Any
        if kind == "array":
            item_kind = self._doc.flatten(schema.get("items")).get("type")
            value = [_coerce_scalar(v, item_kind) for v in _split_array(values, separator)]
        else:
            value = _coerce_scalar(values[-1], kind)
        return self._schema_problems(self._doc.parameter_validator(parameter), value, where)

    def _check_request_body(
        self,
        operation: SpecOperation,
        parameters: Sequence[_Parameter],
        body: Body,
        content_type: str | None,
        media: str | None,
    ) -> list[str]:
        empty = _is_empty(body)
        if self.version == "2.0":
            return self._check_swagger_body(operation, parameters, body, media, empty)
        request_body = operation.definition.get("requestBody")
        if request_body is None:
            return [] if empty else ["the operation declares no request body, but one was sent"]
        definition, pointer = self._doc.deref(request_body, operation.pointer + "/requestBody")
        if empty:
            return ["the request body is required but empty"] if definition.get("required") else []
        content = definition.get("content") or {}
        declared = media or (
            "application/json" if _match_media("application/json", content) else None
        )
        key = _match_media(declared, content) if declared else None
        if key is None:
            return [
                f"request content type {content_type or '(none)'!r} is not declared "
                f"(declared: {', '.join(content) or 'none'})"
            ]
        if not isinstance(content[key], dict) or "schema" not in content[key]:
            return []
        schema_pointer = f"{pointer}/content/{_escape(key)}/schema"
        validator = self._doc.validator("request", schema_pointer)
        effective = media or key
        if _is_form_media(effective):
            fields = _decode_form(body, content_type) if isinstance(body, bytes | str) else body
            value = self._coerce_form(fields, self._doc.schema_at(schema_pointer))
            return self._schema_problems(validator, value, "request body")
        if _is_json_media(effective) or not isinstance(body, bytes | str):
            parsed, error = _decode_json(body)
            if error:
                return [f"request body {error}"]
            return self._schema_problems(validator, parsed, "request body")
        return []

    def _coerce_form(self, fields: Any, schema: Mapping[str, Any]) -> Any:
        if not isinstance(fields, Mapping):
            return fields
        properties = schema.get("properties") or {}
        out: dict[str, Any] = {}
        for name, raw in fields.items():
            values = list(raw) if isinstance(raw, list) else [raw]
            declared = self._doc.flatten(properties.get(name))
            kind = declared.get("type")
            if kind == "array":
                item_kind = self._doc.flatten(declared.get("items")).get("type")
                out[name] = [_coerce_scalar(str(v), item_kind) for v in values]
            elif kind == "object" and isinstance(values[-1], str):
                parsed, error = _decode_json(values[-1])
                out[name] = values[-1] if error else parsed
            else:
                last = values[-1]
                out[name] = _coerce_scalar(last, kind) if isinstance(last, str) else last
        return out

    def _check_swagger_body(
        self,
        operation: SpecOperation,
        parameters: Sequence[_Parameter],
        body: Body,
        media: str | None,
        empty: bool,
    ) -> list[str]:
        consumes = operation.definition.get("consumes", self._doc.raw.get("consumes")) or []
        body_param = next((p for p in parameters if p.location == "body"), None)
        has_form = any(p.location == "formData" for p in parameters)
        problems: list[str] = []
        if not empty and media and consumes and _match_media(media, consumes) is None:
            problems.append(
                f"request content type {media!r} is not declared (declared: {', '.join(consumes)})"
            )
        if body_param is None:
            if not empty and not has_form:
                problems.append("the operation declares no request body, but one was sent")
            return problems
        if empty:
            if body_param.required:
                problems.append(f"the request body ({body_param.name!r}) is required but empty")
            return problems
        if _is_json_media(media) or media is None or not isinstance(body, bytes | str):
            parsed, error = _decode_json(body)
            if error:
                return [*problems, f"request body {error}"]
            validator = self._doc.validator("request", body_param.pointer + "/schema")
            problems.extend(self._schema_problems(validator, parsed, "request body"))
        # A form or multipart body for a `body` parameter has no field types to check.
        return problems

    # ------------------------------------------------------------------ responses

    def validate_response(
        self,
        method: str,
        url: str,
        status: int,
        *,
        headers: Headers | None = None,
        body: Body = None,
        content_type: str | None = None,
    ) -> list[str]:
        """Problems of one response against the spec; an empty list means it conforms.

        The status must be declared (exactly, as a ``4XX`` range or through ``default``);
        a JSON body must match the schema declared for it; any other body is checked only
        for its content type.
        """
        try:
            operation = self.find_operation(method, url)
        except OperationNotFoundError as exc:
            return [str(exc)]
        heads = _normalise_headers(headers)
        content_type = content_type or next(iter(heads.get("content-type", [])), None)
        if isinstance(body, bytes):
            body = _decompress(body, heads)
        responses = operation.definition.get("responses") or {}
        key = self._status_key(responses, status)
        if key is None:
            return [
                f"status {status} is not declared for {operation.method} {operation.path} "
                f"(declared: {', '.join(map(str, responses)) or 'none'})"
            ]
        problems = self._check_response_body(
            operation, responses, key, status, body=body, content_type=content_type
        )
        if (
            problems
            and key != "default"
            and status in self.default_body_statuses
            and "default" in responses
            and not self._check_response_body(
                operation, responses, "default", status, body=body, content_type=content_type
            )
        ):
            return []
        return problems

    @staticmethod
    def _status_key(responses: Mapping[str, Any], status: int) -> str | None:
        for candidate in (str(status), f"{status // 100}XX", f"{status // 100}xx", "default"):
            if candidate in responses:
                return candidate
        return None

    def _check_response_body(
        self,
        operation: SpecOperation,
        responses: Mapping[str, Any],
        key: str,
        status: int,
        *,
        body: Body,
        content_type: str | None,
    ) -> list[str]:
        definition, pointer = self._doc.deref(
            responses[key], f"{operation.pointer}/responses/{_escape(key)}"
        )
        if _is_empty(body) or operation.method == "HEAD":
            return []
        media = _media_type(content_type)
        where = f"response body (status {status})"
        if self.version == "2.0":
            produces = operation.definition.get("produces", self._doc.raw.get("produces")) or []
            if media and produces and _match_media(media, produces) is None:
                return [
                    f"response content type {media!r} is not declared "
                    f"(declared: {', '.join(produces)})"
                ]
            schema_pointer = pointer + "/schema" if "schema" in definition else None
        else:
            content = definition.get("content") or {}
            if not content:
                return []  # no body described: not checked
            matched = _match_media(media, content) if media else None
            if media and matched is None:
                return [
                    f"response content type {media!r} is not declared for status {key} "
                    f"(declared: {', '.join(content)})"
                ]
            matched = matched or next(iter(content))
            entry = content[matched]
            has_schema = isinstance(entry, dict) and "schema" in entry
            schema_pointer = f"{pointer}/content/{_escape(matched)}/schema" if has_schema else None
            media = media or matched
        if schema_pointer is None:
            return []
        if not (_is_json_media(media) or media is None or not isinstance(body, bytes | str)):
            return []
        parsed, error = _decode_json(body)
        if error:
            return [f"{where} {error}"] if _is_json_media(media) else []
        validator = self._doc.validator("response", schema_pointer)
        return self._schema_problems(validator, parsed, where)

    # ------------------------------------------------------------------ schemas

    @staticmethod
    def _schema_problems(validator: Validator, instance: Any, where: str) -> list[str]:
        try:
            errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
        except (Unresolvable, re.error, ValueError, TypeError, KeyError) as exc:
            return [f"{where}: the schema could not be applied ({type(exc).__name__}: {exc})"]
        problems: list[str] = []
        for error in errors[:_MAX_PROBLEMS_PER_BODY]:
            chosen = error
            suffix = ""
            if error.context:
                chosen = best_match(error.context)
                suffix = f" (no alternative of {error.validator} matched)"
            path = f" at {_json_path(chosen.absolute_path)}" if chosen.absolute_path else ""
            problems.append(_clip(f"{where}{path}: {chosen.message}{suffix}"))
        problems = list(dict.fromkeys(problems))  # allOf repeats a property's own checks
        if len(errors) > _MAX_PROBLEMS_PER_BODY:
            problems.append(f"{where}: {len(errors) - _MAX_PROBLEMS_PER_BODY} more problems")
        return problems


# --------------------------------------------------------------------------- cassettes


def _select(specs: Sequence[OpenAPISpec], method: str, url: str) -> tuple[OpenAPISpec, str | None]:
    """The spec that declares ``method url``, else the first one and why none fits."""
    failures: list[str] = []
    for spec in specs:
        try:
            spec.find_operation(method, url)
        except OperationNotFoundError as exc:
            failures.append(str(exc))
        else:
            return spec, None
    return specs[0], "; ".join(dict.fromkeys(failures))


def _as_specs(
    spec: OpenAPISpec | str | os.PathLike[str] | Iterable[OpenAPISpec],
) -> list[OpenAPISpec]:
    if isinstance(spec, OpenAPISpec):
        return [spec]
    if isinstance(spec, str | os.PathLike):
        return [OpenAPISpec.load(spec)]
    specs = list(spec)
    if not specs:
        raise ValueError("no spec given")
    return specs


def check_cassette(
    cassette_path: str | os.PathLike[str],
    spec: OpenAPISpec | str | os.PathLike[str] | Iterable[OpenAPISpec],
    *,
    ignore_hosts: Iterable[str] = (),
) -> list[str]:
    """Check every interaction of a vcrpy YAML cassette; returns the problems found.

    Each problem starts with ``interaction <index> <METHOD> <path>:``. ``spec`` may be
    several specs (Alfresco's core, auth and search APIs): each interaction is checked
    against the one that declares its path. Interactions with a host in ``ignore_hosts``
    (an OAuth token endpoint, say) are skipped.
    """
    specs = _as_specs(spec)
    ignored = {host.lower() for host in ignore_hosts}
    text = Path(cassette_path).read_text("utf-8")
    data = yaml.load(text, Loader=_CassetteLoader)  # noqa: S506 - safe loader subclass
    interactions = data.get("interactions") if isinstance(data, dict) else None
    if not isinstance(interactions, list):
        return [f"{cassette_path} is not a vcrpy cassette (no 'interactions' list)"]
    problems: list[str] = []
    for index, interaction in enumerate(interactions):
        request = interaction.get("request") or {}
        response = interaction.get("response") or {}
        method = str(request.get("method", "GET")).upper()
        uri = str(request.get("uri", ""))
        parts = urlsplit(uri)
        if (parts.hostname or "").lower() in ignored:
            continue
        prefix = f"interaction {index} {method} {parts.path or '/'}: "
        chosen, failure = _select(specs, method, uri)
        if failure is not None:
            problems.append(prefix + failure)
            continue
        req_body = request.get("body")
        found = chosen.validate_request(
            method, uri, headers=request.get("headers") or {}, body=req_body
        )
        status = response.get("status") or {}
        code = status.get("code") if isinstance(status, dict) else status
        resp_body = response.get("body")
        if isinstance(resp_body, dict):
            resp_body = resp_body.get("string")
        found += chosen.validate_response(
            method,
            uri,
            int(code or 0),
            headers=response.get("headers") or {},
            body=resp_body,
        )
        problems.extend(prefix + problem for problem in found)
    return problems


def assert_cassette_matches_spec(
    cassette_path: str | os.PathLike[str],
    spec: OpenAPISpec | str | os.PathLike[str] | Iterable[OpenAPISpec],
    *,
    ignore_hosts: Iterable[str] = (),
) -> None:
    """Raise ``AssertionError`` listing every problem :func:`check_cassette` finds."""
    problems = check_cassette(cassette_path, spec, ignore_hosts=ignore_hosts)
    if problems:
        listing = "\n".join(f"  - {problem}" for problem in problems)
        raise AssertionError(
            f"cassette {os.fspath(cassette_path)} does not match the spec "
            f"({len(problems)} problem(s)):\n{listing}"
        )
