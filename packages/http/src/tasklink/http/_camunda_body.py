"""A Camunda REST task's body, as the REST connector's body type and body.

Camunda encodes the body by its ``Content-Type`` header and the value's type
(``connector-commons/http-client``, ``ApacheRequestBodyBuilder`` and
``DocumentAwareMultipartEntityBuilder``):

* GET and DELETE send no body; a ``null`` body sends none either;
* with a body and no ``Content-Type`` (looked up ignoring case), ``application/json`` is
  added;
* an object with ``multipart/form-data``: one part per entry, a document as a file part,
  a list as one part per item, ``null`` left out, anything else as text;
* an object with ``application/x-www-form-urlencoded``: a UTF-8 form, ``null`` as the bare
  name;
* a string: sent as it is, in the header's charset (UTF-8 by default);
* anything else: JSON.

Where Camunda's choice is an accident of Java rather than a contract, this module sends
something a server can read: a nested object in a form or a multipart part is JSON text
(Java would send ``{a=1}``), and a list in a form repeats the name (Java: ``[a, b]``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote_plus

from tasklink.core import DOCUMENT_TYPE

from ._body import FORM_TYPE, MULTIPART_TYPE, BodyType, media_type
from ._checks import scalar_text

__all__ = ["camunda_body", "without_nulls"]

_BODYLESS = frozenset({"GET", "DELETE"})


def without_nulls(value: Any) -> Any:
    """``value`` without ``null`` object entries, at every depth (``ignoreNullValues``:
    Jackson's NON_NULL inclusion); list items stay."""
    if isinstance(value, Mapping):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def _is_document(value: Any) -> bool:
    return isinstance(value, Mapping) and DOCUMENT_TYPE in value


def _text(value: Any) -> str:
    if isinstance(value, str | int | float | bool):
        return scalar_text(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _part(value: Any) -> Any:
    """One multipart value: documents stay (file parts), the rest becomes text."""
    if value is None or _is_document(value):
        return value
    return _text(value)


def _multipart(body: Mapping[str, Any]) -> dict[str, Any]:
    parts: dict[str, Any] = {}
    for name, value in body.items():
        if isinstance(value, list):
            parts[name] = [_part(item) for item in value]
        else:
            parts[name] = _part(value)
    return parts


def _form(body: Mapping[str, Any]) -> str:
    pairs: list[str] = []
    for name, value in body.items():
        key = quote_plus(str(name))
        for item in value if isinstance(value, list) else [value]:
            pairs.append(key if item is None else f"{key}={quote_plus(_text(item))}")
    return "&".join(pairs)


def camunda_body(
    method: str, headers: Mapping[str, Any] | None, body: Any, *, ignore_nulls: bool
) -> tuple[BodyType, Any, dict[str, Any] | None]:
    """The REST connector's ``bodyType``, ``body`` and ``headers`` for a Camunda task."""
    given = dict(headers) if headers is not None else None
    if method in _BODYLESS or body is None:
        return "json", None, given
    if ignore_nulls:
        body = without_nulls(body)
    out = dict(given or {})
    name = next((k for k in out if k.lower() == "content-type" and out[k] is not None), None)
    if _is_document(body):
        # A document alone is its content, streamed with its own content type unless the
        # task gives one (Camunda would send the reference's JSON).
        return "binary", body, out
    if name is None:
        name = "Content-Type"
        out = {k: v for k, v in out.items() if k.lower() != "content-type"}
        out[name] = "application/json"
    kind = media_type(str(out[name]))
    if isinstance(body, Mapping):
        if kind == MULTIPART_TYPE:
            # The boundary is the one the body is written with: the header is ours.
            del out[name]
            return "multipart", _multipart(body), out
        if kind == FORM_TYPE:
            return "text", _form(body), out
    if isinstance(body, str):
        return "text", body, out
    return "json", body, out
