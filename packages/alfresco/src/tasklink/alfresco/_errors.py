"""APA's error codes for the content-service connector, and the translation of the shared
client's failures onto them.

Alfresco Process Automation's content-service connector declares these codes
(``process-automation/latest/model/connectors/content.md``); an APA process catches them
with error boundary events by code, so every failure here ends as one of them. Statuses
APA has no name for (413, 415, 429, 507...) become ``UNKNOWN_ERROR`` with the status in
the variables. Retries follow the shared client: 5xx (but 501 and 505), 408, 429 and
timeouts are retried, other 4xx raise an incident at once.

The declaration imports this module, so it needs nothing but the core at import time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tasklink.core import ConnectorError

__all__ = [
    "APA_ERRORS",
    "APA_STATUS_CODES",
    "INVALID_RESULT_FORMAT",
    "LOCKED",
    "apa_code",
    "invalid_result",
    "recoded",
]

LOCKED = "LOCKED"
INVALID_RESULT_FORMAT = "INVALID_RESULT_FORMAT"

#: HTTP status -> APA's code (the statuses APA's connector names).
APA_STATUS_CODES: Mapping[int, str] = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    408: "REQUEST_TIMEOUT",
    409: "CONFLICT",
    410: "GONE",
    422: "UNPROCESSABLE_ENTITY",
    423: LOCKED,
    424: "FAILED_DEPENDENCY",
    500: "INTERNAL_SERVER_ERROR",
    501: "NOT_IMPLEMENTED",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}

# The shared client's codes for failures without a status, as APA would report them.
_CLIENT_CODES: Mapping[str, str] = {
    "TIMEOUT": "REQUEST_TIMEOUT",
    "CONNECTION_FAILED": "SERVICE_UNAVAILABLE",
    "PROXY_ERROR": "SERVICE_UNAVAILABLE",
    "AUTHENTICATION_FAILED": "UNAUTHORIZED",
}

_ALSO: Mapping[int, str] = {
    401: ", or the login or token endpoint refused the credentials",
    403: ": the user may not do this to the node",
    404: ": no node with the given id, path or variable",
    408: ", or no answer came within the timeouts",
    409: ": a node of that name already exists in the target folder (autorename not set)",
    423: ", or ACS refused to change a locked node",
    503: ", or the repository could not be reached",
}

#: Every code the connector declares (``Connector(errors=...)``): APA's list.
APA_ERRORS: Mapping[str, str] = {
    "MISSING_INPUT": "A required input is missing (a node selector, a name...)",
    "INVALID_INPUT": "An input is invalid: a metadata key without a prefix, an unknown "
    "lock type, a connection that does not validate...",
    INVALID_RESULT_FORMAT: "The repository answered with a body that is not what its API documents",
    "UNKNOWN_ERROR": "Another failure: a status APA has no code for (413, 415, 429, 507), a "
    "TLS failure, a body larger than the limit, the outbound policy",
    **{
        code: f"The repository answered HTTP {status}{_ALSO.get(status, '')}"
        for status, code in APA_STATUS_CODES.items()
    },
}


def apa_code(status: int) -> str:
    """APA's code for an HTTP status from 400 up (``UNKNOWN_ERROR`` when APA names none)."""
    return APA_STATUS_CODES.get(status, "UNKNOWN_ERROR")


def recoded(error: ConnectorError, message: str | None = None) -> ConnectorError:
    """``error`` (from the shared client) with APA's code, keeping retries and backoff."""
    code = error.code
    if code not in APA_ERRORS:
        code = _CLIENT_CODES.get(code, "UNKNOWN_ERROR")
    return ConnectorError(
        message or error.message,
        code=code,
        variables=error.variables,
        retryable=error.retryable,
        backoff=error.backoff,
    )


def invalid_result(what: str, variables: Mapping[str, Any] | None = None) -> ConnectorError:
    """A 2xx answer whose body is not what the API documents. Not retried: the same
    request gets the same answer."""
    return ConnectorError(
        f"the repository's answer is not in the expected format: {what}",
        code=INVALID_RESULT_FORMAT,
        variables=variables,
        retryable=False,
    )
