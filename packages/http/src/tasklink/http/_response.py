"""A response, read by the shared client within its limits, as the connector's output.

A body in a ``Content-Encoding`` the client does not decode is binary. Otherwise its type
comes from ``Content-Type``: JSON for
``application/json`` and ``*+json``; text for ``text/*``, XML, YAML, form data,
JavaScript or any type with a ``charset``; otherwise binary, returned base64-encoded with
its content type. Without a ``Content-Type`` a body that is valid UTF-8 is text, anything
else binary. JSON that does not parse is returned as text. A binary body's file name from
``Content-Disposition`` (``filename`` or RFC 2231 ``filename*``) is reduced to a safe base
name (:func:`tasklink.core.safe_file_name`): a server's ``../../etc/passwd``, absolute
path or CR/LF/NUL never reaches a process that may write the file somewhere.

Response headers ``Set-Cookie``, ``Set-Cookie2``, ``Authorization``,
``Proxy-Authorization`` and ``Cookie`` come masked from the client: they carry credentials
and process variables are no place for them. ``WWW-Authenticate`` stays readable: it
carries the challenge and error description needed to understand a 401, never a
credential.
"""

from __future__ import annotations

import base64
import json
from email.message import Message
from typing import TYPE_CHECKING, Any

from tasklink.core import safe_file_name

from ._body import charset as body_charset
from ._body import media_type

if TYPE_CHECKING:
    from tasklink.client import Response

__all__ = ["file_name", "response_output"]

_TEXT_SUBTYPES = frozenset(
    {
        "xml",
        "javascript",
        "ecmascript",
        "x-www-form-urlencoded",
        "yaml",
        "x-yaml",
        "graphql",
        "csv",
        "sql",
        "x-ndjson",
        "x-sh",
        "toml",
    }
)


def _is_json(kind: str) -> bool:
    return kind in ("application/json", "text/json") or kind.endswith("+json")


def _is_text(kind: str, charset: str | None) -> bool:
    if kind.startswith("text/") or charset:
        return True
    subtype = kind.partition("/")[2]
    return subtype in _TEXT_SUBTYPES or subtype.endswith(("+xml", "+yaml"))


def _decode(content: bytes, charset: str | None) -> str:
    try:
        return content.decode(charset or "utf-8", errors="replace")
    except LookupError:  # an unknown charset name
        return content.decode("utf-8", errors="replace")


def file_name(disposition: str | None) -> str | None:
    """The safe base name of ``Content-Disposition``'s file name (RFC 2231 decoded)."""
    if not disposition:
        return None
    message = Message()
    message["content-disposition"] = disposition
    return safe_file_name(message.get_filename())


def _parse(
    content: bytes, content_type: str | None, disposition: str | None, encoded: bool
) -> tuple[Any, str]:
    if not content:
        return None, "empty"
    kind = "" if encoded else media_type(content_type) or ""
    charset = body_charset(content_type)
    if _is_json(kind):
        try:
            return json.loads(content), "json"
        except ValueError:
            return _decode(content, charset), "text"
    if kind and _is_text(kind, charset):
        return _decode(content, charset), "text"
    if not kind and not encoded:
        try:
            return content.decode("utf-8"), "text"
        except UnicodeDecodeError:
            pass
    binary = {
        "content": base64.b64encode(content).decode("ascii"),
        "contentType": content_type,
        "filename": file_name(disposition),
    }
    return binary, "binary"


def response_output(response: Response) -> dict[str, Any]:
    """The connector's output (as JSON) for a response read by the shared client."""
    headers = response.headers
    content_type = headers.get("content-type")
    body, body_type = _parse(
        response.content,
        content_type,
        headers.get("content-disposition"),
        response.encoded,
    )
    return {
        "status": response.status,
        "reason": response.reason,
        "headers": headers,
        "body": body,
        "bodyType": body_type,
        "contentType": content_type,
        "url": response.url,
    }
