"""Reading a response within a size limit and turning it into the connector's output.

The body is read as a stream and reading stops as soon as the limit is passed (the
limit counts decoded bytes, and decoding happens in bounded steps, so a compressed "zip
bomb" is stopped too; see ``_decoding``). A body in a ``Content-Encoding`` the connector
does not decode is binary. Otherwise its type comes from ``Content-Type``: JSON for
``application/json`` and ``*+json``; text for ``text/*``, XML, YAML, form data,
JavaScript or any type with a ``charset``; otherwise binary, returned base64-encoded with
its content type. Without a ``Content-Type`` a body that is valid UTF-8 is text, anything
else binary. JSON that does not parse is returned as text. A binary body's file name from
``Content-Disposition`` (``filename`` or RFC 2231 ``filename*``) is reduced to a safe base
name (:func:`tasklink.core.safe_file_name`): a server's ``../../etc/passwd``, absolute
path or CR/LF/NUL never reaches a process that may write the file somewhere.

Response headers ``Set-Cookie``, ``Set-Cookie2``, ``Authorization``,
``Proxy-Authorization`` and ``Cookie`` are masked: they carry credentials and process
variables are no place for them. ``WWW-Authenticate`` stays readable: it carries the
challenge and error description needed to understand a 401, never a credential.
"""

from __future__ import annotations

import base64
import json
from email.message import Message
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from tasklink.core import MASK, ConnectorError, safe_file_name

from ._body import charset as body_charset
from ._body import media_type
from ._decoding import BodyTooLargeError, is_left_encoded, read_limited
from ._errors import HttpErrorCode
from ._policy import ENV_MAX_RESPONSE_BYTES

if TYPE_CHECKING:
    import httpx

__all__ = ["SENSITIVE_RESPONSE_HEADERS", "read_body", "response_headers", "response_output"]

SENSITIVE_RESPONSE_HEADERS = frozenset(
    {"set-cookie", "set-cookie2", "authorization", "proxy-authorization", "cookie"}
)
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


def _too_large(
    method: str, safe_url: str, status: int, limit: int, operator_limit: bool
) -> ConnectorError:
    if operator_limit:
        what = f"{limit} bytes, the most the operator allows ({ENV_MAX_RESPONSE_BYTES})"
        advice = "request less data"
    else:
        what = f"maxResponseBytes ({limit} bytes)"
        advice = "raise the limit or request less data"
    return ConnectorError(
        f"{method} {safe_url}: the response body is larger than {what}; {advice}",
        code=HttpErrorCode.RESPONSE_TOO_LARGE,
        variables={"status": status, "maxResponseBytes": limit},
        retryable=False,
    )


async def read_body(
    response: httpx.Response,
    limit: int,
    method: str,
    safe_url: str,
    declared: str = "",
    *,
    operator_limit: bool = False,
) -> bytes:
    """Read the (decoded) body, failing with ``RESPONSE_TOO_LARGE`` as soon as it passes
    ``limit`` bytes.

    ``declared`` is the ``Content-Length`` header, if the caller has it at hand;
    ``operator_limit`` says the limit is the operator's ceiling, not the job's choice.
    """
    try:
        return await read_limited(response, limit, declared)
    except BodyTooLargeError:
        raise _too_large(method, safe_url, response.status_code, limit, operator_limit) from None


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


def _filename(disposition: str | None) -> str | None:
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
        "filename": _filename(disposition),
    }
    return binary, "binary"


def response_headers(response: httpx.Response) -> dict[str, str]:
    """Headers by lower-case name, repeated ones joined with ``", "``; credentials
    masked. Built once per response and used for every lookup after it (httpx's own
    lookups lower-case and scan the raw list each time)."""
    out: dict[str, str] = {}
    for raw_name, raw_value in response.headers.raw:
        key = raw_name.decode("latin-1").lower()
        value = MASK if key in SENSITIVE_RESPONSE_HEADERS else raw_value.decode("latin-1")
        if key in out and key not in SENSITIVE_RESPONSE_HEADERS:
            out[key] = f"{out[key]}, {value}"
        else:
            out[key] = value
    return out


def response_output(
    response: httpx.Response, content: bytes, headers: dict[str, str]
) -> dict[str, Any]:
    """The connector's output for a response whose body is ``content``."""
    content_type = headers.get("content-type")
    body, body_type = _parse(
        content,
        content_type,
        headers.get("content-disposition"),
        is_left_encoded(headers.get("content-encoding")),
    )
    reason = response.reason_phrase
    if not reason:
        try:
            reason = HTTPStatus(response.status_code).phrase
        except ValueError:
            reason = ""
    return {
        "status": response.status_code,
        "reason": reason,
        "headers": headers,
        "body": body,
        "bodyType": body_type,
        "contentType": content_type,
        "url": str(response.url),
    }
