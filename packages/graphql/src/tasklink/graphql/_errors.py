"""The error codes the GraphQL connector and its Camunda contract declare: code -> what it
means. Standard library only (and the REST connector's table of Camunda's codes, itself
standard library only), so the declaration stays cheap to import."""

from __future__ import annotations

from http import HTTPStatus

from tasklink.http.camunda import CAMUNDA_ERRORS as CAMUNDA_REST_ERRORS

__all__ = ["CAMUNDA_ERRORS", "GRAPHQL_ERROR", "GRAPHQL_ERRORS", "INVALID_RESPONSE"]

#: The server answered, and its answer holds GraphQL errors.
GRAPHQL_ERROR = "GRAPHQL_ERROR"
#: The server answered 2xx with something that is not a GraphQL response.
INVALID_RESPONSE = "INVALID_RESPONSE"

#: The connector's own codes (core's MISSING_INPUT, INVALID_INPUT and UNKNOWN_ERROR are
#: every connector's). Unnamed statuses come as ``HTTP_<status>``.
GRAPHQL_ERRORS = {
    GRAPHQL_ERROR: "The server answered with GraphQL errors (variables: errors, data with "
    "what was resolved, extensions, status, headers); not retried",
    INVALID_RESPONSE: "The server answered 2xx with something that is not a GraphQL "
    "response (not JSON, or neither data nor errors)",
    **{
        status.name: f"The server answered HTTP {status.value} {status.phrase}"
        for status in HTTPStatus
        if status.value >= 400
    },
    "TIMEOUT": "No connection, no response data, or not finished within the timeouts",
    "CONNECTION_FAILED": "The connection was refused, reset or never made (unknown host)",
    "PROXY_ERROR": "The proxy refused or failed",
    "TLS_FAILED": "The TLS handshake failed: certificate not trusted, wrong host name, "
    "client certificate refused",
    "RESPONSE_TOO_LARGE": "The response body is larger than maxResponseBytes or the "
    "operator's ceiling",
    "AUTHENTICATION_FAILED": "The OAuth 2.0 token endpoint refused the client or returned no token",
    "BLOCKED_ADDRESS": "The operator's outbound policy refuses the address",
    "CONFIGURATION_ERROR": "An operator setting of the outbound client is invalid",
}

#: What Camunda's GraphQL connector fails with: its REST base's codes (a status from 400
#: up as itself, ``408``, ``SSL_HANDSHAKE_FAILED``, the OAuth codes...) and GRAPHQL_ERROR.
CAMUNDA_ERRORS = {
    **CAMUNDA_REST_ERRORS,
    GRAPHQL_ERROR: "The response body holds GraphQL errors; the message is the first "
    "error's, the variables hold response.body and response.headers (retried, as Camunda "
    "retries every connector error)",
}
