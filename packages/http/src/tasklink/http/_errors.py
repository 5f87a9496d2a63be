"""From HTTP outcomes to tasklink errors: codes, retryability and backoff.

Statuses >= 400 become a :class:`~tasklink.core.ConnectorError` whose code is the
Alfresco-style status name (``status_code_name(404) == "NOT_FOUND"``) and whose variables
hold the whole response (``status``, ``reason``, ``headers``, ``body``...), so error
expressions and boundary events can branch on either.

Retryable (the job is retried while retries remain):
    408, 425, 429 and every 5xx except 501 and 505; timeouts and connection failures.
Not retryable (an incident at once, unless an error expression decides otherwise):
    every other 4xx (a retry sends the same request and gets the same answer), 501,
    505, TLS certificate failures, too many redirects, oversized responses, blocked
    addresses.
429 and 503 honour ``Retry-After`` (seconds or an HTTP date): the retry waits at least
that long, capped at :data:`MAX_RETRY_AFTER` (one hour), or the task's ``retryBackoff``
if that is longer. A value that is neither is ignored.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from tasklink.core import ConnectorError, ErrorCode, InputError, parse_duration, status_code_name

__all__ = [
    "MAX_RETRY_AFTER",
    "NON_RETRYABLE_SERVER_ERRORS",
    "RETRYABLE_CLIENT_ERRORS",
    "RETRY_AFTER_STATUSES",
    "HttpErrorCode",
    "is_retryable_status",
    "parse_retry_after",
    "status_error",
    "transport_error",
]

RETRYABLE_CLIENT_ERRORS = frozenset({408, 425, 429})
NON_RETRYABLE_SERVER_ERRORS = frozenset({501, 505})
RETRY_AFTER_STATUSES = frozenset({429, 503})
# A server cannot park a job for longer than this (a typo or hostile value could say years).
MAX_RETRY_AFTER = timedelta(hours=1)


class HttpErrorCode:
    """Codes of failures that have no HTTP status (statuses use their names)."""

    TIMEOUT = ErrorCode.TIMEOUT
    CONNECTION_FAILED = "CONNECTION_FAILED"
    TLS_ERROR = "TLS_ERROR"
    PROXY_ERROR = "PROXY_ERROR"
    TOO_MANY_REDIRECTS = "TOO_MANY_REDIRECTS"
    INVALID_REDIRECT = "INVALID_REDIRECT"
    RESPONSE_TOO_LARGE = "RESPONSE_TOO_LARGE"
    BLOCKED_ADDRESS = "BLOCKED_ADDRESS"
    OAUTH2_TOKEN_ERROR = "OAUTH2_TOKEN_ERROR"  # noqa: S105 - a code, not a password
    CONFIGURATION_ERROR = "CONFIGURATION_ERROR"


_MAX_SECONDS = int(MAX_RETRY_AFTER.total_seconds())


def is_retryable_status(status: int) -> bool:
    if status in RETRYABLE_CLIENT_ERRORS:
        return True
    return 500 <= status <= 599 and status not in NON_RETRYABLE_SERVER_ERRORS


def parse_retry_after(value: str | None, now: datetime | None = None) -> timedelta | None:
    """``Retry-After`` as a delay: delta seconds or an HTTP date, at most
    :data:`MAX_RETRY_AFTER`; ``None`` if unusable. Never raises."""
    if not value:
        return None
    text = value.strip()
    # isdigit() alone accepts "²" or Arabic-Indic digits, which int() or HTTP do not.
    if text.isascii() and text.isdigit():
        # Compared as integers: timedelta() overflows long before int() does.
        return min(timedelta(seconds=min(int(text), _MAX_SECONDS)), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(text)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        delay = when - (now or datetime.now(UTC))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return min(max(delay, timedelta(0)), MAX_RETRY_AFTER)


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
    result: Mapping[str, Any],
    retry_after: str | None,
    task_headers: Mapping[str, str],
) -> ConnectorError:
    """The error for a response with status >= 400; ``result`` is the response output."""
    status = int(result["status"])
    backoff = None
    if status in RETRY_AFTER_STATUSES:
        backoff = parse_retry_after(retry_after)
        task = _task_backoff(task_headers)
        if backoff is not None and task is not None:
            backoff = max(backoff, task)
    reason = result.get("reason") or ""
    return ConnectorError(
        f"{method} {safe_url} failed with HTTP {status} {reason}".rstrip(),
        code=status_code_name(status),
        variables=dict(result),
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
    exc: Exception, method: str, safe_url: str, connect: float, read: float
) -> ConnectorError | InputError:
    """Translate an httpx transport failure (or a blocked address) to a tasklink error."""
    import httpx

    from ._guard import BlockedAddressError

    where = f"{method} {safe_url}"
    if isinstance(exc, BlockedAddressError):
        return ConnectorError(
            f"{where} was refused by the outbound policy: {exc}",
            code=HttpErrorCode.BLOCKED_ADDRESS,
            retryable=False,
        )
    if isinstance(exc, httpx.TimeoutException):
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            what = f"no connection within {connect:g} s (connectionTimeoutInSeconds)"
        else:
            what = f"no response data within {read:g} s (readTimeoutInSeconds)"
        return ConnectorError(f"{where} timed out: {what}", code=HttpErrorCode.TIMEOUT)
    if isinstance(exc, httpx.ProxyError):
        return ConnectorError(f"{where} failed at the proxy: {exc}", code=HttpErrorCode.PROXY_ERROR)
    causes = _causes(exc)
    if any(isinstance(cause, ssl.SSLCertVerificationError) for cause in causes):
        return ConnectorError(
            f"{where} failed: the server's TLS certificate was not accepted ({exc}); "
            "set tls.caCertificate for a private CA",
            code=HttpErrorCode.TLS_ERROR,
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
            code=HttpErrorCode.TLS_ERROR,
            retryable=False,
        )
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return InputError(f"url: {exc}", field="url")
    if isinstance(exc, httpx.LocalProtocolError):
        return InputError(f"headers: the request could not be sent: {exc}", field="headers")
    detail = str(exc) or type(exc).__name__
    return ConnectorError(f"{where} failed: {detail}", code=HttpErrorCode.CONNECTION_FAILED)
