"""Encoding a request body of a chosen type to bytes and a content type.

Pure standard library at import, so input validation (which encodes the body once) stays
cheap to import; a body with documents (multipart files, a binary body) is streamed by the
shared client's :func:`~tasklink.client.multipart` and
:class:`~tasklink.client.StreamedContent` as it is sent. Every problem is a
:class:`BodyError` with the path of the offending input.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlencode

from tasklink.core import Document

from ._checks import scalar_text

if TYPE_CHECKING:
    from tasklink.client import FormField, FormFile, StreamedContent

__all__ = [
    "BodyError",
    "BodyType",
    "EncodedBody",
    "charset",
    "decode_base64",
    "encode_body",
    "media_type",
]

BodyType = Literal["json", "text", "form", "multipart", "binary"]
Loc = tuple[str | int, ...]

FORM_TYPE = "application/x-www-form-urlencoded"
MULTIPART_TYPE = "multipart/form-data"
_FILE_KEYS = frozenset({"content", "filename", "contentType", "content_type"})
_CONTENT_TYPE = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/[!#$%&'*+\-.^_`|~0-9A-Za-z]+(\s*;.*)?$")


class BodyError(ValueError):
    """The body does not fit its body type; ``loc`` is the path of the offending input."""

    def __init__(self, loc: Loc, message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


@dataclass(frozen=True, slots=True)
class EncodedBody:
    """The bytes to send (or the documents to stream) and their ``Content-Type``."""

    content: bytes | StreamedContent
    content_type: str


def media_type(content_type: str | None) -> str | None:
    """``"Application/JSON; charset=utf-8" -> "application/json"``."""
    if content_type is None:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def charset(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a ``Content-Type``, unquoted; ``None`` if absent or empty."""
    for param in (content_type or "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').strip() or None
    return None


def decode_base64(value: str) -> bytes:
    """Decode standard or URL-safe base64, tolerating line breaks and missing padding."""
    text = "".join(value.split()).replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    return base64.b64decode(text, validate=True)


def _scalar(value: Any, loc: Loc, what: str) -> str | None:
    if value is None:
        return None
    try:
        return scalar_text(value)
    except TypeError:
        raise BodyError(loc, f"{what} must be a string, number or boolean") from None


def _require_mapping(body: Any, body_type: str) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise BodyError(
            ("body",),
            f"bodyType {body_type} needs an object of field names to values, not {_kind(body)}",
        )
    return body


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__


def _items(value: Any) -> Iterator[tuple[int | None, Any]]:
    if isinstance(value, list | tuple):
        yield from enumerate(value)
    else:
        yield None, value


def _loc(name: str, index: int | None, *rest: str) -> Loc:
    return ("body", name, *(() if index is None else (index,)), *rest)


@dataclass(frozen=True, slots=True)
class _File:
    data: bytes
    filename: str | None
    content_type: str | None


def _file(value: Mapping[str, Any], loc: Loc) -> _File:
    unknown = sorted(str(k) for k in value if k not in _FILE_KEYS)
    if unknown:
        raise BodyError(
            loc,
            f"a file needs content (base64) and optionally filename and contentType; "
            f"unknown field {unknown[0]!r}",
        )
    content = value.get("content")
    if not isinstance(content, str):
        raise BodyError((*loc, "content"), "a file needs its content as a base64 string")
    try:
        data = decode_base64(content)
    except (binascii.Error, ValueError):
        raise BodyError((*loc, "content"), "is not valid base64") from None
    filename = value.get("filename")
    if filename is not None and not isinstance(filename, str):
        raise BodyError((*loc, "filename"), "must be a string")
    content_type = value.get("contentType", value.get("content_type"))
    if content_type is not None:
        if not isinstance(content_type, str) or not _CONTENT_TYPE.match(content_type):
            raise BodyError((*loc, "contentType"), "must be a media type such as image/png")
        if any(c in content_type for c in "\r\n\0"):
            raise BodyError((*loc, "contentType"), "must not contain line breaks")
    return _File(data, filename or None, content_type or None)


def _json(body: Any, content_type: str | None) -> EncodedBody:
    if isinstance(body, str):
        # A string is JSON text (modelers and FEEL often hand JSON over as text); it is
        # checked and sent verbatim, keeping its formatting and number precision.
        try:
            json.loads(body)
        except ValueError as exc:
            raise BodyError(("body",), f"is not valid JSON text ({exc})") from None
        content = body.encode("utf-8")
    else:
        try:
            text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except ValueError:
            raise BodyError(("body",), "contains NaN or Infinity, which JSON cannot hold") from None
        except TypeError as exc:
            raise BodyError(("body",), f"holds a value JSON cannot represent ({exc})") from None
        content = text.encode("utf-8")
    return EncodedBody(content, content_type or "application/json")


def _text(body: Any, content_type: str | None) -> EncodedBody:
    if not isinstance(body, str):
        raise BodyError(("body",), f"bodyType text needs a string, not {_kind(body)}")
    encoding = charset(content_type) or "utf-8"
    try:
        content = body.encode(encoding)
    except LookupError:
        raise BodyError(("headers", "Content-Type"), f"unknown charset {encoding!r}") from None
    except UnicodeEncodeError:
        raise BodyError(("body",), f"cannot be encoded as {encoding}") from None
    return EncodedBody(content, content_type or "text/plain; charset=utf-8")


def _form(body: Any, content_type: str | None) -> EncodedBody:
    fields = _require_mapping(body, "form")
    pairs: list[tuple[str, str]] = []
    for name, value in fields.items():
        for index, item in _items(value):
            text = _scalar(item, _loc(name, index), "a form value")
            if text is not None:
                pairs.append((name, text))
    return EncodedBody(urlencode(pairs).encode("ascii"), content_type or FORM_TYPE)


def _multipart(body: Any) -> EncodedBody:
    from tasklink.client import FormField, FormFile, multipart

    fields = _require_mapping(body, "multipart")
    parts: list[FormField | FormFile] = []
    for name, value in fields.items():
        for index, item in _items(value):
            loc = _loc(name, index)
            if item is None:
                continue
            if isinstance(item, Document):
                parts.append(FormFile(name, item))
            elif isinstance(item, Mapping):
                part = _file(item, loc)
                parts.append(FormFile(name, part.data, part.filename, part.content_type))
            else:
                text = _scalar(item, loc, "a multipart value (a file object or a document)")
                parts.append(FormField(name, text or ""))
    content, content_type = multipart(parts)
    return EncodedBody(content, content_type)


def _binary(body: Any, content_type: str | None) -> EncodedBody:
    if isinstance(body, Document):
        from tasklink.client import StreamedContent

        kind = content_type or body.metadata.content_type or "application/octet-stream"
        return EncodedBody(StreamedContent(body.chunks), kind)
    if isinstance(body, Mapping):
        part = _file(body, ("body",))
        return EncodedBody(
            part.data, content_type or part.content_type or "application/octet-stream"
        )
    if not isinstance(body, str):
        raise BodyError(
            ("body",),
            f"bodyType binary needs base64 text, a file object or a document, not {_kind(body)}",
        )
    try:
        data = decode_base64(body)
    except (binascii.Error, ValueError):
        raise BodyError(("body",), "is not valid base64") from None
    return EncodedBody(data, content_type or "application/octet-stream")


def encode_body(body_type: BodyType, body: Any, content_type: str | None) -> EncodedBody | None:
    """Encode ``body`` as ``body_type``; ``content_type`` is the user's header, if any.

    Returns ``None`` when there is no body. Raises :class:`BodyError`.
    """
    if body is None:
        return None
    given = media_type(content_type)
    if body_type == "form" and given not in (None, FORM_TYPE):
        raise BodyError(
            ("headers", "Content-Type"),
            f"is {given!r} but bodyType form sends {FORM_TYPE}; remove the header "
            "or change bodyType",
        )
    if body_type == "multipart" and given not in (None, MULTIPART_TYPE):
        raise BodyError(
            ("headers", "Content-Type"),
            f"is {given!r} but bodyType multipart sends {MULTIPART_TYPE}; remove the header",
        )
    if body_type == "json":
        return _json(body, content_type)
    if body_type == "text":
        return _text(body, content_type)
    if body_type == "form":
        return _form(body, content_type)
    if body_type == "multipart":
        # The boundary must be ours, so a user's multipart Content-Type is replaced.
        return _multipart(body)
    return _binary(body, content_type)
