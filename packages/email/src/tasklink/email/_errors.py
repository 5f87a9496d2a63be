"""Error codes of the email connector and the mapping of network failures onto them."""

from __future__ import annotations

from typing import Any

from tasklink.core import ConnectorError, DocumentCode, ErrorCode

__all__ = ["ERRORS", "EmailErrorCode", "network_error", "too_large"]


class EmailErrorCode:
    """Stable codes of :class:`~tasklink.core.ConnectorError` raised by the email connector.

    Input problems use the core's ``INVALID_INPUT`` / ``MISSING_INPUT``.
    """

    #: The server rejected the credentials (or offers no way to log in). Not retried.
    AUTHENTICATION_FAILED = "AUTHENTICATION_FAILED"
    #: The server could not be reached or dropped the connection. Retried.
    CONNECTION_FAILED = "CONNECTION_FAILED"
    #: The server did not answer in time. Retried.
    TIMEOUT = ErrorCode.TIMEOUT
    #: The operator's outbound policy (``TASKLINK_HTTP_*``) refuses the server's address: a
    #: link-local or cloud metadata address, or a blocked network. Not retried.
    BLOCKED_ADDRESS = "BLOCKED_ADDRESS"
    #: An operator setting of the outbound policy is invalid. Not retried.
    CONFIGURATION_ERROR = "CONFIGURATION_ERROR"
    #: The TLS handshake failed: untrusted certificate, wrong host name, or a TLS/plain
    #: mismatch between ``security`` and the port. Not retried: the settings must change.
    TLS_FAILED = "TLS_FAILED"
    #: Every recipient was refused. Retried only when all refusals were temporary (4xx).
    RECIPIENTS_REFUSED = "RECIPIENTS_REFUSED"
    #: The server refused the sender address. Retried only for temporary (4xx) refusals.
    SENDER_REFUSED = "SENDER_REFUSED"
    #: The server refused the message content. Retried only for temporary (4xx) refusals.
    MESSAGE_REFUSED = "MESSAGE_REFUSED"
    #: Any other SMTP failure. Retried only for temporary (4xx) replies.
    SMTP_ERROR = "SMTP_ERROR"
    #: The attachments of ``send`` are larger than ``maxAttachmentBytes`` together (the
    #: core's code for a document over a limit). Not retried.
    DOCUMENT_TOO_LARGE = DocumentCode.DOCUMENT_TOO_LARGE
    #: No message with the given uid / Message-ID in the folder. Not retried.
    MESSAGE_NOT_FOUND = "MESSAGE_NOT_FOUND"
    #: The message is larger than ``maxMessageBytes`` (checked before fetching it). Not
    #: retried.
    MESSAGE_TOO_LARGE = "MESSAGE_TOO_LARGE"
    #: The folder does not exist. Not retried.
    FOLDER_NOT_FOUND = "FOLDER_NOT_FOUND"
    #: The IMAP server refused a command for another reason. Retried.
    IMAP_ERROR = "IMAP_ERROR"
    #: The POP3 server refused a command for another reason. Retried.
    POP3_ERROR = "POP3_ERROR"


#: The codes the operations raise, with what each means (``Connector(errors=...)``).
ERRORS = {
    EmailErrorCode.AUTHENTICATION_FAILED: "The server rejected the credentials, or offers "
    "no way to log in",
    EmailErrorCode.CONNECTION_FAILED: "The server could not be reached or dropped the connection",
    EmailErrorCode.TIMEOUT: "The server did not answer in time",
    EmailErrorCode.BLOCKED_ADDRESS: "The operator's outbound policy refuses the server's address",
    EmailErrorCode.CONFIGURATION_ERROR: "An operator setting of the outbound policy is invalid",
    EmailErrorCode.TLS_FAILED: "Untrusted certificate, STARTTLS not offered, or TLS / plain "
    "mismatch with the port",
    EmailErrorCode.RECIPIENTS_REFUSED: "The SMTP server refused every recipient",
    EmailErrorCode.SENDER_REFUSED: "The SMTP server refused the sender",
    EmailErrorCode.MESSAGE_REFUSED: "The SMTP server refused the message content",
    EmailErrorCode.SMTP_ERROR: "Another SMTP failure",
    EmailErrorCode.DOCUMENT_TOO_LARGE: "The attachments are larger than maxAttachmentBytes",
    EmailErrorCode.MESSAGE_NOT_FOUND: "No message with that uid, Message-ID or unique id",
    EmailErrorCode.MESSAGE_TOO_LARGE: "The message is larger than maxMessageBytes",
    EmailErrorCode.FOLDER_NOT_FOUND: "The IMAP folder does not exist",
    EmailErrorCode.IMAP_ERROR: "The IMAP server refused a command",
    EmailErrorCode.POP3_ERROR: "The POP3 server refused a command",
}


def network_error(exc: BaseException, *, protocol: str, host: str, port: int) -> ConnectorError:
    """Classify a socket-level failure (connect, TLS, timeout, reset) as a connector error."""
    import ssl  # only the client modules need it; keep discovery light

    where: dict[str, Any] = {"protocol": protocol, "host": host, "port": port}
    target = f"{protocol} server {host}:{port}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return ConnectorError(
            f"TLS certificate of the {target} is not trusted: {exc.verify_message}",
            code=EmailErrorCode.TLS_FAILED,
            variables=where,
            retryable=False,
        )
    if isinstance(exc, ssl.SSLError):
        return ConnectorError(
            f"TLS handshake with the {target} failed ({exc.reason or exc}); check that "
            "'security' matches the port (implicit TLS vs STARTTLS vs none)",
            code=EmailErrorCode.TLS_FAILED,
            variables=where,
            retryable=False,
        )
    if isinstance(exc, TimeoutError):
        return ConnectorError(
            f"the {target} did not answer in time", code=EmailErrorCode.TIMEOUT, variables=where
        )
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return ConnectorError(
        f"could not talk to the {target}: {reason or type(exc).__name__}",
        code=EmailErrorCode.CONNECTION_FAILED,
        variables=where,
    )


def too_large(size: int, limit: int, where: dict[str, Any]) -> ConnectorError:
    """The message of ``size`` bytes is over ``maxMessageBytes``."""
    return ConnectorError(
        f"the message has {size} bytes, more than maxMessageBytes ({limit})",
        code=EmailErrorCode.MESSAGE_TOO_LARGE,
        variables={**where, "size": size, "maxMessageBytes": limit},
        retryable=False,
    )
