"""Camunda's REST connector (``io.camunda:http-json:1``) served by this connector.

The request goes through :func:`~tasklink.http._client.fetch`, the REST connector's own
path (shared client, guard, limits, TLS, documents); only the result and the errors are
shaped as Camunda's (``connectors/http/http-base`` ``HttpCommonResult``; the failures of
``connector-commons/http-client`` ``CustomApacheHttpClient`` and
``ConnectorExceptionMapper``):

* the result is ``{status, headers, body, reason, document}``, header names as the
  server sent them, a repeated header as a list of its values;
* a status from 400 up fails with the status as the code (``"404"``), the reason phrase
  as the message and ``{response: {headers, body}}`` as the variables; it is retried,
  4xx included, as Camunda's runtime retries every connector error;
* failures without a status get Camunda's codes: ``408`` for timeouts and broken
  connections, ``SSL_HANDSHAKE_FAILED``, ``500`` for protocol errors (redirects), and for
  OAuth 2.0 token requests ``OAUTH_TOKEN_ERROR``, ``OAUTH_REFRESH_TOKEN_EXPIRED``,
  ``OAUTH_INTERACTION_REQUIRED`` or the token endpoint's status. Limits of our own
  (``RESPONSE_TOO_LARGE``, ``BLOCKED_ADDRESS``, ``CONFIGURATION_ERROR``) keep their codes.
"""

from __future__ import annotations

import json
from typing import Any

from tasklink import client
from tasklink.core import ConnectorError, Context

from ._camunda_models import CamundaHttpRequest, CamundaOAuthRefreshToken
from ._client import fetch

__all__ = ["FIELDS_CAMUNDA", "grouped_headers", "request"]

#: Camunda's field names, for the messages of the shared client.
FIELDS_CAMUNDA = client.FieldNames(
    url="url",
    headers="headers",
    connect_timeout="connectionTimeoutInSeconds",
    read_timeout="readTimeoutInSeconds",
    total_timeout="the job timeout",
    max_response_bytes="the response size limit",
    max_redirects="followRedirects",
    token_url="authentication.oauthTokenEndpoint",  # noqa: S106 - a field name
    tls=client.TlsFields(
        ca="clientTls.trustedCertificate", client_certificate="clientTls.clientCertificate"
    ),
)

_TIMED_OUT = "The request timed out. Please try increasing the read and connection timeouts."
_ABORTED = "An error occurred while executing the request, or the connection was aborted"
_PROTOCOL = "An error with the HTTP protocol occurred"
_OAUTH_CODES = {
    "invalid_grant": "OAUTH_REFRESH_TOKEN_EXPIRED",
    "interaction_required": "OAUTH_INTERACTION_REQUIRED",
}


async def request(input: CamundaHttpRequest, ctx: Context) -> dict[str, Any]:
    """Send the task's request and return Camunda's result, or fail as Camunda does."""
    try:
        fetched = await fetch(input.request, ctx, auth=input.scheme(), fields=FIELDS_CAMUNDA)
    except ConnectorError as exc:
        raise _failure(exc, input, ctx) from None
    response = fetched.response
    headers = grouped_headers(response.raw_headers)
    if response.status >= 400:
        raise _status_error(response, headers, ctx)
    return {
        "status": response.status,
        "headers": headers,
        "body": None if fetched.document is not None else _body(input, response.content),
        "reason": response.reason,
        "document": fetched.document,
    }


def grouped_headers(raw: tuple[tuple[str, str], ...]) -> dict[str, str | list[str]]:
    """Header values by name as the server spelled it: one value as text, several as a
    list (Camunda's ``HeadersHelper``)."""
    grouped: dict[str, list[str]] = {}
    for name, value in raw:
        grouped.setdefault(name, []).append(value)
    return {name: values[0] if len(values) == 1 else values for name, values in grouped.items()}


def _body(input: CamundaHttpRequest, content: bytes) -> Any:
    wanted = input.document_return_format
    if wanted is None:
        return _legacy_body(content)
    if wanted.choice == "TEXT":
        return content.decode(wanted.encoding or "UTF-8", errors="replace")
    if not content.strip():
        return None  # a 204 is an answer (Camunda fails on it)
    try:
        return json.loads(content)
    except ValueError as exc:
        raise ConnectorError(
            f"Error while executing an HTTP request: the response body is not JSON ({exc}); "
            "set documentReturnFormat to TEXT or DOCUMENT",
            code="500",
        ) from None


def _text_and_structure(content: bytes) -> tuple[str | None, dict[str, Any] | list[Any] | None]:
    """A body as text (``None`` when blank) and, when it is a JSON object or array, that."""
    text = content.decode("utf-8", errors="replace")
    if not text.strip():
        return None, None
    try:
        parsed = json.loads(text)
    except ValueError:
        return text, None
    return text, parsed if isinstance(parsed, dict | list) else None


def _legacy_body(content: bytes) -> Any:
    """Without documentReturnFormat: a JSON object or array parsed, anything else as text,
    nothing as null."""
    text, structure = _text_and_structure(content)
    return structure if structure is not None else text


def _error_body(content: bytes) -> Any:
    """An error response's body: a JSON object as an object, text as text, a JSON array
    or nothing as null (Camunda's ``ConnectorExceptionMapper``)."""
    text, structure = _text_and_structure(content)
    if isinstance(structure, list):
        return None
    return structure if structure is not None else text


def _status_error(
    response: client.Response, headers: dict[str, str | list[str]], ctx: Context
) -> ConnectorError:
    # The shared client's classification gives Retry-After's backoff (429, 503).
    ours = client.status_error(
        response.method,
        client.safe_url(response.url),
        response.status,
        response.reason,
        variables={},
        retry_after=response.headers.get("retry-after"),
        task_headers=ctx.headers,
    )
    ctx.logger.info("%s", ours.message)
    return ConnectorError(
        response.reason or "[no reason]",
        code=str(response.status),
        variables={"response": {"headers": headers, "body": _error_body(response.content)}},
        backoff=ours.backoff,
    )


def _failure(exc: ConnectorError, input: CamundaHttpRequest, ctx: Context) -> ConnectorError:
    """A failure without a status, with Camunda's code and message."""
    codes = client.ClientErrorCode
    code, message = exc.code, exc.message
    if exc.code == codes.TIMEOUT:
        code, message = "408", _TIMED_OUT
    elif exc.code in (codes.CONNECTION_FAILED, codes.PROXY_ERROR):
        code, message = "408", _ABORTED
    elif exc.code == codes.TLS_FAILED:
        code, message = "SSL_HANDSHAKE_FAILED", f"TLS handshake failed: {exc.message}"
    elif exc.code in (codes.TOO_MANY_REDIRECTS, codes.INVALID_REDIRECT):
        code, message = "500", _PROTOCOL
    elif exc.code == codes.AUTHENTICATION_FAILED:
        code = _oauth_code(exc, input)
    else:
        return exc  # our own limits keep their codes and retry policy
    if message != exc.message:
        ctx.logger.info("%s", exc.message)  # the detail Camunda's fixed message leaves out
    # Camunda's runtime retries every connector error while retries remain.
    return ConnectorError(message, code=code, variables=exc.variables, backoff=exc.backoff)


def _oauth_code(exc: ConnectorError, input: CamundaHttpRequest) -> str:
    error = exc.variables.get("error")
    refresh = isinstance(input.effective_authentication, CamundaOAuthRefreshToken)
    if refresh and isinstance(error, str) and error in _OAUTH_CODES:
        return _OAUTH_CODES[error]
    status = exc.variables.get("tokenEndpointStatus")
    if isinstance(status, int) and status >= 400:
        return str(status)
    return "OAUTH_TOKEN_ERROR"
