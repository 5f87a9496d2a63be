"""From network failures and HTTP statuses to tasklink errors: codes, retries, backoff.

One classifier for every connector. Statuses >= 400 get the Alfresco-style status name
(``NOT_FOUND``); failures without a status get one of the codes below. Messages say what
happened where (method and URL without its query) and name the caller's own setting to
change (:class:`~tasklink.client.FieldNames`).

Retryable (the job is retried while retries remain):
    408, 425, 429 and every 5xx except 501 and 505; timeouts and connection failures.
Not retryable (an incident at once, unless an error expression decides otherwise):
    every other 4xx (a retry sends the same request and gets the same answer), 501,
    505, TLS failures, too many redirects, oversized responses, blocked addresses.
429 and 503 honour ``Retry-After`` (seconds or an HTTP date): the retry waits at least
that long, capped at one hour, or the task's ``retryBackoff`` if that is longer.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from tasklink.core import ConnectorError, ErrorCode, InputError, parse_duration, status_code_name

from ._options import FieldNames, Timeouts
from ._retry import parse_retry_after

__all__ = [
    "NON_RETRYABLE_SERVER_ERRORS",
    "RETRYABLE_CLIENT_ERRORS",
    "RETRY_AFTER_STATUSES",
    "ClientErrorCode",
    "is_retryable_status",
    "status_error",
    "transport_error",
]

RETRYABLE_CLIENT_ERRORS = frozenset({408, 425, 429})
NON_RETRYABLE_SERVER_ERRORS = frozenset({501, 505})
RETRY_AFTER_STATUSES = frozenset({429, 503})
#: The most a response head may take: httpcore's ``MAX_INCOMPLETE_EVENT_SIZE`` (1.0.x),
#: which it hands h11 as ``max_incomplete_event_size``.
_MAX_HEAD_BYTES = 100 * 1024


class ClientErrorCode:
    """Codes of failures that have no HTTP status (statuses use their names)."""

    TIMEOUT = ErrorCode.TIMEOUT
    CONNECTION_FAILED = ErrorCode.CONNECTION_FAILED
    TLS_FAILED = ErrorCode.TLS_FAILED
    AUTHENTICATION_FAILED = ErrorCode.AUTHENTICATION_FAILED
    PROXY_ERROR = "PROXY_ERROR"
    TOO_MANY_REDIRECTS = "TOO_MANY_REDIRECTS"
    INVALID_REDIRECT = "INVALID_REDIRECT"
    RESPONSE_TOO_LARGE = "RESPONSE_TOO_LARGE"
    BLOCKED_ADDRESS = "BLOCKED_ADDRESS"
    CONFIGURATION_ERROR = "CONFIGURATION_ERROR"


def is_retryable_status(status: int) -> bool:
    if status in RETRYABLE_CLIENT_ERRORS:
        return True
    return 500 <= status <= 599 and status not in NON_RETRYABLE_SERVER_ERRORS


def _task_backoff(headers: Mapping[str, str]) -> timedelta | None:
    raw = headers.get("retryBackoff")
    if not raw or not raw.strip():
        return None
    try:
        return parse_duration(raw)
    except ValueError:
        return None  # the runtime reports a malformed header itself


def status_error(
    method: str,
    safe_url: str,
    status: int,
    reason: str,
    *,
    variables: Mapping[str, Any],
    retry_after: str | None = None,
    task_headers: Mapping[str, str] | None = None,
) -> ConnectorError:
    """The error for a response with status >= 400, carrying ``variables`` (typically the
    response as the connector returns it) for error expressions and boundary events."""
    backoff = None
    if status in RETRY_AFTER_STATUSES:
        backoff = parse_retry_after(retry_after)
        task = _task_backoff(task_headers or {})
        if backoff is not None and task is not None:
            backoff = max(backoff, task)
    return ConnectorError(
        f"{method} {safe_url} failed with HTTP {status} {reason}".rstrip(),
        code=status_code_name(status),
        variables=dict(variables),
        retryable=is_retryable_status(status),
        backoff=backoff,
    )


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def transport_error(
    exc: Exception,
    method: str,
    safe_url: str,
    timeouts: Timeouts,
    fields: FieldNames,
) -> ConnectorError | InputError:
    """Translate an httpx transport failure (or a blocked address) to a tasklink error."""
    import httpx

    from ._guard import BlockedAddressError

    where = f"{method} {safe_url}"
    if isinstance(exc, BlockedAddressError):
        return ConnectorError(
            f"{where} was refused by the outbound policy: {exc}",
            code=ClientErrorCode.BLOCKED_ADDRESS,
            retryable=False,
        )
    if isinstance(exc, httpx.TimeoutException):
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            what = f"no connection within {timeouts.connect or 0:g} s ({fields.connect_timeout})"
        else:
            what = f"no response data within {timeouts.read or 0:g} s ({fields.read_timeout})"
        return ConnectorError(f"{where} timed out: {what}", code=ClientErrorCode.TIMEOUT)
    if isinstance(exc, httpx.ProxyError):
        return ConnectorError(
            f"{where} failed at the proxy: {exc}", code=ClientErrorCode.PROXY_ERROR
        )
    causes = _causes(exc)
    if any(isinstance(cause, ssl.SSLCertVerificationError) for cause in causes):
        return ConnectorError(
            f"{where} failed: the server's TLS certificate was not accepted ({exc}); "
            f"set {fields.tls.ca} for a private CA",
            code=ClientErrorCode.TLS_FAILED,
            retryable=False,
        )
    if any(
        isinstance(cause, ssl.SSLError) and not isinstance(cause, ssl.SSLEOFError)
        for cause in causes
    ):
        # A failed handshake (protocol, cipher, a client certificate the server refuses)
        # is configuration; an abrupt end of stream is a network failure, handled below.
        return ConnectorError(
            f"{where} failed: the TLS handshake failed ({exc})",
            code=ClientErrorCode.TLS_FAILED,
            retryable=False,
        )
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return InputError(f"{fields.url}: {exc}", field=fields.url)
    if isinstance(exc, httpx.LocalProtocolError):
        return InputError(
            f"{fields.headers}: the request could not be sent: {exc}", field=fields.headers
        )
    if any(getattr(cause, "error_status_hint", None) == 431 for cause in causes):
        # h11 stops buffering a response head (status line and headers, or one line of
        # chunked framing) past httpcore's limit and says "Receive buffer too long": the
        # server sent too much, as with an oversized body, and would again.
        return ConnectorError(
            f"{where}: the response headers are larger than {_MAX_HEAD_BYTES // 1024} KiB",
            code=ClientErrorCode.RESPONSE_TOO_LARGE,
            retryable=False,
        )
    detail = str(exc) or type(exc).__name__
    return ConnectorError(f"{where} failed: {detail}", code=ClientErrorCode.CONNECTION_FAILED)
