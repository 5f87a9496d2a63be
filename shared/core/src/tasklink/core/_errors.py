"""The error hierarchy every connector and runtime shares.

Each error carries a stable ``code``. The runtime decides the outcome from the class:

* :class:`InputError` - the input cannot work; never retried, becomes an incident.
* :class:`ConnectorError` - the outside system failed; retried while retries remain.
* :class:`RetryError` - a connector error that sets retries and backoff explicitly.
* :class:`BpmnError` - thrown to the process so error boundary events can catch it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from http import HTTPStatus
from typing import Any

__all__ = [
    "ERROR_DESCRIPTIONS",
    "BpmnError",
    "ConnectorError",
    "ErrorCode",
    "InputError",
    "RetryError",
    "TasklinkError",
    "status_code_name",
]


class ErrorCode:
    """Stable error codes shared across connectors (Alfresco's names for HTTP-like failures,
    and one name for each way reaching a system can fail)."""

    MISSING_INPUT = "MISSING_INPUT"
    INVALID_INPUT = "INVALID_INPUT"
    UNKNOWN_ERROR = "UNKNOWN_ERROR"
    TIMEOUT = "TIMEOUT"
    #: Refused, reset or unreachable; a host name that does not resolve.
    CONNECTION_FAILED = "CONNECTION_FAILED"
    #: The TLS handshake failed: a certificate not trusted, a client certificate refused.
    TLS_FAILED = "TLS_FAILED"
    #: The credentials were refused (by the system itself or by its token endpoint).
    AUTHENTICATION_FAILED = "AUTHENTICATION_FAILED"
    BAD_REQUEST = "BAD_REQUEST"
    UNAUTHORIZED = "UNAUTHORIZED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    GATEWAY_TIMEOUT = "GATEWAY_TIMEOUT"


#: What each :class:`ErrorCode` means, for templates and documentation (a connector
#: declaring a code in ``Connector(errors=...)`` may reuse these words).
ERROR_DESCRIPTIONS: Mapping[str, str] = {
    ErrorCode.MISSING_INPUT: "A required input is missing, or a {{secrets.NAME}} placeholder "
    "names a secret the runtime does not have",
    ErrorCode.INVALID_INPUT: "An input is invalid (wrong type, out of range, not a usable "
    "document reference); the message names the field",
    ErrorCode.UNKNOWN_ERROR: "An unexpected failure inside the connector; the message says "
    "what was raised",
    ErrorCode.TIMEOUT: "The operation did not finish within its time limit",
    ErrorCode.CONNECTION_FAILED: "The system could not be reached: refused, reset, unreachable, "
    "or a host name that does not resolve",
    ErrorCode.TLS_FAILED: "The TLS handshake failed: a certificate not trusted, a client "
    "certificate refused",
    ErrorCode.AUTHENTICATION_FAILED: "The credentials were refused, by the system or by its "
    "token endpoint",
    ErrorCode.BAD_REQUEST: "The system refused the request as malformed (HTTP 400)",
    ErrorCode.UNAUTHORIZED: "The system asked for valid credentials (HTTP 401)",
    ErrorCode.FORBIDDEN: "The credentials may not do this (HTTP 403)",
    ErrorCode.NOT_FOUND: "What the request names does not exist (HTTP 404)",
    ErrorCode.CONFLICT: "The request conflicts with the current state (HTTP 409)",
    ErrorCode.TOO_MANY_REQUESTS: "Rate limited by the system (HTTP 429)",
    ErrorCode.INTERNAL_SERVER_ERROR: "The system failed (HTTP 500)",
    ErrorCode.SERVICE_UNAVAILABLE: "The system is unavailable for now (HTTP 503)",
    ErrorCode.GATEWAY_TIMEOUT: "A gateway in front of the system timed out (HTTP 504)",
}


def status_code_name(status: int) -> str:
    """Return the Alfresco-style code for an HTTP status, e.g. ``404 -> "NOT_FOUND"``.

    Unknown statuses map to ``HTTP_<status>`` so the number is never lost.
    """
    try:
        return HTTPStatus(status).name
    except ValueError:
        return f"HTTP_{status}"


class TasklinkError(Exception):
    """Base of all tasklink errors: a stable ``code``, a message and optional variables."""

    default_code = ErrorCode.UNKNOWN_ERROR

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.variables: dict[str, Any] = dict(variables or {})

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class InputError(TasklinkError):
    """The input cannot be used: a field is missing or invalid, or a secret is missing.

    Never retried: the same input would fail the same way. ``field`` is the dotted path
    of the offending input field (or secret name) when one is known.
    """

    default_code = ErrorCode.INVALID_INPUT

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, code=code, variables=variables)
        self.field = field


class ConnectorError(TasklinkError):
    """The outside system failed; the runtime retries while retries remain.

    Set ``retryable=False`` for failures that a retry cannot fix (for example rejected
    credentials): the runtime then raises an incident at once.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        variables: Mapping[str, Any] | None = None,
        retryable: bool = True,
        backoff: timedelta | None = None,
    ) -> None:
        super().__init__(message, code=code, variables=variables)
        self.retryable = retryable
        self.backoff = backoff


class RetryError(ConnectorError):
    """A connector error that decides retries and backoff itself.

    ``retries`` is the number of retries left after this failure (``None`` keeps the
    runtime's countdown); ``backoff`` the delay before the next attempt.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        variables: Mapping[str, Any] | None = None,
        retries: int | None = None,
        backoff: timedelta | None = None,
    ) -> None:
        super().__init__(message, code=code, variables=variables, backoff=backoff)
        if retries is not None and retries < 0:
            raise ValueError("retries must not be negative")
        self.retries = retries


class BpmnError(TasklinkError):
    """Thrown to the process; error boundary events catch it by ``code``."""

    def __init__(
        self, code: str, message: str = "", *, variables: Mapping[str, Any] | None = None
    ) -> None:
        if not code:
            raise ValueError("a BPMN error needs a code")
        super().__init__(message or code, code=code, variables=variables)
