"""Alfresco Process Automation's REST connector (actions GET, HEAD, POST, PUT, PATCH,
DELETE, OPTIONS, TRACE) served by this connector.

The request goes through :func:`~tasklink.http._client.fetch`, the REST connector's own
path; the outputs are APA's (``model/connectors/rest.md``): ``restResult`` (the body:
JSON parsed, text as text, other content as ``{content (base64), contentType,
filename}``) for GET, POST, PUT, PATCH, DELETE and TRACE, ``restStatus`` for every action
and ``responseHeaders`` for all but TRACE, as ``{name: [values]}`` with names as the
server sent them (the JSON form of Spring's ``HttpHeaders``; APA does not document it).

Failures carry APA's error codes, so that an error boundary event can catch them by the
codes APA's connector definition declares: the status name for the statuses APA lists,
``UNKNOWN_ERROR`` for any other; ``REQUEST_TIMEOUT`` when no answer came in time,
``SERVICE_UNAVAILABLE`` when the server could not be reached, ``UNAUTHORIZED`` when the
token endpoint refused the client. The outputs travel as the error's variables.
"""

from __future__ import annotations

from typing import Any

from tasklink import client
from tasklink.core import ConnectorError, Context

from ._apa_models import ApaPayloadRequest, ApaRequest
from ._client import fetch
from ._errors import APA_STATUS_CODES
from ._response import response_output

__all__ = [
    "delete",
    "get",
    "head",
    "options",
    "patch",
    "post",
    "put",
    "trace",
]

_TRANSPORT_CODES = {
    client.ClientErrorCode.TIMEOUT: "REQUEST_TIMEOUT",
    client.ClientErrorCode.CONNECTION_FAILED: "SERVICE_UNAVAILABLE",
    client.ClientErrorCode.PROXY_ERROR: "SERVICE_UNAVAILABLE",
    client.ClientErrorCode.AUTHENTICATION_FAILED: "UNAUTHORIZED",
}

_WITH_RESULT = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "TRACE"})


async def _send(method: str, input: ApaRequest, ctx: Context) -> dict[str, Any]:
    if input.circuit_breaker:
        ctx.logger.debug("circuitBreaker is accepted and not used: failures are retried")
    try:
        fetched = await fetch(input.request, ctx, auth=input.scheme(), method=method)
    except ConnectorError as exc:
        raise ConnectorError(
            exc.message,
            code=_TRANSPORT_CODES.get(exc.code, "UNKNOWN_ERROR"),
            variables=exc.variables,
            retryable=exc.retryable,
            backoff=exc.backoff,
        ) from None
    response = fetched.response
    outputs: dict[str, Any] = {}
    if method in _WITH_RESULT:
        outputs["restResult"] = response_output(response)["body"]
    outputs["restStatus"] = response.status
    if method != "TRACE":
        headers: dict[str, list[str]] = {}
        for name, value in response.raw_headers:
            headers.setdefault(name, []).append(value)
        outputs["responseHeaders"] = headers
    if response.status >= 400:
        ours = client.status_error(
            method,
            client.safe_url(response.url),
            response.status,
            response.reason,
            variables=outputs,
            retry_after=response.headers.get("retry-after"),
            task_headers=ctx.headers,
        )
        raise ConnectorError(
            ours.message,
            code=APA_STATUS_CODES.get(response.status, "UNKNOWN_ERROR"),
            variables=ours.variables,
            retryable=ours.retryable,
            backoff=ours.backoff,
        )
    return outputs


async def get(input: ApaRequest, ctx: Context) -> dict[str, Any]:
    """GET: restResult, restStatus, responseHeaders."""
    return await _send("GET", input, ctx)


async def head(input: ApaRequest, ctx: Context) -> dict[str, Any]:
    """HEAD: restStatus, responseHeaders."""
    return await _send("HEAD", input, ctx)


async def post(input: ApaPayloadRequest, ctx: Context) -> dict[str, Any]:
    """POST with requestPayload: restResult, restStatus, responseHeaders."""
    return await _send("POST", input, ctx)


async def put(input: ApaPayloadRequest, ctx: Context) -> dict[str, Any]:
    """PUT with requestPayload: restResult, restStatus, responseHeaders."""
    return await _send("PUT", input, ctx)


async def patch(input: ApaPayloadRequest, ctx: Context) -> dict[str, Any]:
    """PATCH with requestPayload: restResult, restStatus, responseHeaders."""
    return await _send("PATCH", input, ctx)


async def delete(input: ApaRequest, ctx: Context) -> dict[str, Any]:
    """DELETE: restResult, restStatus, responseHeaders."""
    return await _send("DELETE", input, ctx)


async def options(input: ApaRequest, ctx: Context) -> dict[str, Any]:
    """OPTIONS: restStatus, responseHeaders."""
    return await _send("OPTIONS", input, ctx)


async def trace(input: ApaRequest, ctx: Context) -> dict[str, Any]:
    """TRACE: restResult, restStatus."""
    return await _send("TRACE", input, ctx)
