"""APA's error codes for its e-mail connector, and this connector's failures in them.

APA lists its codes without saying when each is raised; the mapping is ours: login
refused is ``EMAIL_AUTHENTICATION_ERROR``; no connection, a timeout, a failed TLS
handshake or a server address the operator's outbound policy refuses is
``EMAIL_CONNECTION_ERROR``; a refused sender, recipients or message and any
other SMTP failure is ``EMAIL_SEND_ERROR``. Each keeps this connector's own code in the
variables (``cause``) and whether it is retried.
"""

from __future__ import annotations

from tasklink.core import ConnectorError, DocumentCode, ErrorCode, InputError

from .._errors import EmailErrorCode

__all__ = ["APA_ERRORS", "apa_error"]

#: APA's codes (``process-automation/latest/model/connectors/email.md``), with what each
#: means here.
APA_ERRORS = {
    "MISSING_INPUT": "A required input or configuration value is missing",
    "INVALID_INPUT": "An input or configuration value is invalid (an address, a file, the "
    "attachments over their size limit)",
    "TEMPLATE_READ_ERROR": "The template file cannot be read, or is not UTF-8 text",
    "TEMPLATE_METADATA_ERROR": "The template uses a value metadata does not have",
    "TEMPLATE_SYNTAX_ERROR": "The template is not valid (or uses a FreeMarker directive)",
    "EMAIL_CONNECTION_ERROR": "The SMTP server could not be reached (or the outbound policy "
    "refuses its address), did not answer in time, or the TLS handshake failed",
    "EMAIL_AUTHENTICATION_ERROR": "The SMTP server rejected the credentials",
    "EMAIL_SEND_ERROR": "The SMTP server refused the sender, the recipients or the message",
    "UNKNOWN_ERROR": "An unexpected failure",
    "BAD_REQUEST": "A document could not be fetched: the request was refused",
    "UNAUTHORIZED": "A document could not be fetched: authentication required",
    "FORBIDDEN": "A document could not be fetched: access denied",
    "NOT_FOUND": "A document to attach or the template file was not found",
    "INTERNAL_SERVER_ERROR": "A document could not be fetched: the server failed",
    "BAD_GATEWAY": "A document could not be fetched: bad gateway",
    "SERVICE_UNAVAILABLE": "A document could not be fetched: service unavailable",
    "GATEWAY_TIMEOUT": "A document could not be fetched: gateway timeout",
}

_CODES = {
    EmailErrorCode.AUTHENTICATION_FAILED: "EMAIL_AUTHENTICATION_ERROR",
    EmailErrorCode.CONNECTION_FAILED: "EMAIL_CONNECTION_ERROR",
    EmailErrorCode.TIMEOUT: "EMAIL_CONNECTION_ERROR",
    EmailErrorCode.TLS_FAILED: "EMAIL_CONNECTION_ERROR",
    EmailErrorCode.BLOCKED_ADDRESS: "EMAIL_CONNECTION_ERROR",
    EmailErrorCode.RECIPIENTS_REFUSED: "EMAIL_SEND_ERROR",
    EmailErrorCode.SENDER_REFUSED: "EMAIL_SEND_ERROR",
    EmailErrorCode.MESSAGE_REFUSED: "EMAIL_SEND_ERROR",
    EmailErrorCode.SMTP_ERROR: "EMAIL_SEND_ERROR",
    DocumentCode.DOCUMENT_TOO_LARGE: "INVALID_INPUT",
    DocumentCode.DOCUMENT_NOT_FOUND: "NOT_FOUND",
}


def apa_error(error: InputError | ConnectorError) -> InputError | ConnectorError:
    """``error`` with APA's code: codes APA has stay, ours are mapped, the rest are
    ``UNKNOWN_ERROR``."""
    if error.code in APA_ERRORS:
        return error
    code = _CODES.get(error.code, ErrorCode.UNKNOWN_ERROR)
    variables = {**error.variables, "cause": error.code}
    if isinstance(error, InputError):
        return InputError(error.message, code=code, field=error.field, variables=variables)
    return ConnectorError(
        error.message,
        code=code,
        variables=variables,
        retryable=error.retryable,
        backoff=error.backoff,
    )
