"""APA's codes for statuses and for the shared client's failures."""

from __future__ import annotations

import pytest

from tasklink.alfresco._errors import APA_ERRORS, apa_code, recoded
from tasklink.core import ConnectorError


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "BAD_REQUEST"), (401, "UNAUTHORIZED"), (403, "FORBIDDEN"), (404, "NOT_FOUND"),
        (405, "METHOD_NOT_ALLOWED"), (406, "NOT_ACCEPTABLE"), (408, "REQUEST_TIMEOUT"),
        (409, "CONFLICT"), (410, "GONE"), (422, "UNPROCESSABLE_ENTITY"), (423, "LOCKED"),
        (424, "FAILED_DEPENDENCY"), (500, "INTERNAL_SERVER_ERROR"), (501, "NOT_IMPLEMENTED"),
        (502, "BAD_GATEWAY"), (503, "SERVICE_UNAVAILABLE"), (504, "GATEWAY_TIMEOUT"),
        (413, "UNKNOWN_ERROR"), (429, "UNKNOWN_ERROR"), (507, "UNKNOWN_ERROR"),
    ],
)  # fmt: skip
def test_statuses_get_apas_codes(status: int, code: str) -> None:
    assert apa_code(status) == code
    assert code in APA_ERRORS


@pytest.mark.parametrize(
    ("client_code", "code"),
    [
        ("TIMEOUT", "REQUEST_TIMEOUT"),
        ("CONNECTION_FAILED", "SERVICE_UNAVAILABLE"),
        ("AUTHENTICATION_FAILED", "UNAUTHORIZED"),
        ("TLS_FAILED", "UNKNOWN_ERROR"),
        ("RESPONSE_TOO_LARGE", "UNKNOWN_ERROR"),
        ("NOT_FOUND", "NOT_FOUND"),
    ],
)
def test_client_failures_are_recoded_keeping_retries(client_code: str, code: str) -> None:
    error = recoded(ConnectorError("x", code=client_code, retryable=False, variables={"a": 1}))
    assert (error.code, error.retryable, error.variables) == (code, False, {"a": 1})
