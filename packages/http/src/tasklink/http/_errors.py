"""The error codes the REST connector and the vendor contracts it serves declare: code ->
what it means. Standard library only, so the declaration stays cheap to import."""

from __future__ import annotations

from http import HTTPStatus

__all__ = ["APA_ERRORS", "APA_STATUS_CODES", "CAMUNDA_ERRORS", "HTTP_ERRORS"]

_CLIENT_STATUSES = [s for s in HTTPStatus if s.value >= 400]

#: The REST connector's own codes (core's MISSING_INPUT, INVALID_INPUT and UNKNOWN_ERROR
#: are every connector's). Unnamed statuses come as ``HTTP_<status>``.
HTTP_ERRORS = {
    **{
        status.name: f"The server answered HTTP {status.value} {status.phrase}"
        for status in _CLIENT_STATUSES
    },
    "TIMEOUT": "No connection, no response data, or not finished within the timeouts",
    "CONNECTION_FAILED": "The connection was refused, reset or never made (unknown host)",
    "PROXY_ERROR": "The proxy refused or failed",
    "TLS_FAILED": "The TLS handshake failed: certificate not trusted, wrong host name, "
    "client certificate refused",
    "TOO_MANY_REDIRECTS": "More redirects than maxRedirects",
    "INVALID_REDIRECT": "A redirect to an invalid or non-HTTP location",
    "RESPONSE_TOO_LARGE": "The response body is larger than maxResponseBytes or the "
    "operator's ceiling",
    "AUTHENTICATION_FAILED": "The OAuth 2.0 token endpoint refused the client or returned no token",
    "BLOCKED_ADDRESS": "The operator's outbound policy refuses the address",
    "CONFIGURATION_ERROR": "An operator setting of the outbound client is invalid",
}

#: What Camunda's REST connector fails with: every status from 400 up as itself (the
#: variables hold response.headers and response.body), and the failures without one.
CAMUNDA_ERRORS = {
    **{
        str(status.value): f"The server answered HTTP {status.value} {status.phrase}"
        for status in _CLIENT_STATUSES
    },
    "408": "HTTP 408 from the server, or the request timed out, or the connection failed "
    "or was aborted",
    "500": "HTTP 500 from the server, an HTTP protocol error (a redirect that cannot be "
    "followed), or a 2xx body that is not the JSON documentReturnFormat asks for",
    "SSL_HANDSHAKE_FAILED": "The TLS handshake failed (certificate not trusted, client "
    "certificate refused)",
    "OAUTH_TOKEN_ERROR": "The OAuth 2.0 token endpoint returned no access token",
    "OAUTH_REFRESH_TOKEN_EXPIRED": "The OAuth 2.0 refresh token was refused (invalid_grant)",
    "OAUTH_INTERACTION_REQUIRED": "The OAuth 2.0 server wants the user to sign in again "
    "(interaction_required)",
    "RESPONSE_TOO_LARGE": "The response body is larger than the operator allows (tasklink's limit)",
    "BLOCKED_ADDRESS": "The operator's outbound policy refuses the address (tasklink's guard)",
    "CONFIGURATION_ERROR": "An operator setting of the outbound client is invalid",
}

#: APA's REST connector codes for HTTP statuses (``model/connectors/rest.md``).
APA_STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    407: "PROXY_AUTHENTICATION_REQUIRED",
    408: "REQUEST_TIMEOUT",
    409: "CONFLICT",
    410: "GONE",
    500: "INTERNAL_SERVER_ERROR",
    501: "NOT_IMPLEMENTED",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}

_APA_ALSO = {
    401: ", or the token endpoint refused the client",
    408: ", or no answer came within the timeout",
    503: ", or the server could not be reached",
}

#: APA's REST connector error codes, all of them (``model/connectors/rest.md``).
APA_ERRORS = {
    "MISSING_INPUT": "A required input is missing (restUrl)",
    "INVALID_INPUT": "An input is invalid (a URL that is not http or https, a header with "
    "a line break...)",
    "UNKNOWN_ERROR": "Another status from 400 up, or a failure with no status of its own "
    "(TLS, too large a response, the outbound policy)",
    **{
        code: f"The server answered HTTP {status}{_APA_ALSO.get(status, '')}"
        for status, code in APA_STATUS_CODES.items()
    },
}
