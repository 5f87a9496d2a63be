"""The connector's error codes, and how AMQP failures map onto them.

RabbitMQ answers a refusal by closing the channel (or, before the connection is open,
the connection) with an AMQP reply code and text (AMQP 0-9-1, section 1.9 "Constants":
312 NO_ROUTE, 403 ACCESS_REFUSED, 404 NOT_FOUND, 406 PRECONDITION_FAILED, 530
NOT_ALLOWED...), returns an unroutable mandatory message with ``basic.return``, and
answers a publisher confirm with ``basic.ack`` or ``basic.nack``. aiormq raises each as
an exception (``aiormq.exceptions``); :func:`classify` turns them into the stable codes
of :data:`RABBITMQ_ERRORS`, with the broker's reply code and text in the variables.

Importing this module is cheap (the connector's declaration reads the table); aiormq is
imported by :func:`classify`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tasklink.core import ConnectorError, ErrorCode

from ._target import Target

if TYPE_CHECKING:
    import ssl

__all__ = [
    "RABBITMQ_ERRORS",
    "Failure",
    "FieldNames",
    "Stage",
    "classify",
]

RABBITMQ_ERRORS: dict[str, str] = {
    ErrorCode.CONNECTION_FAILED: "The broker could not be reached, or closed the connection "
    "(refused, reset, unknown host, connection forced); retried",
    ErrorCode.TIMEOUT: "No connection, or no confirm of the message, within the timeout; "
    "retried (the message may have arrived: give a messageId to let consumers drop "
    "duplicates)",
    ErrorCode.TLS_FAILED: "The TLS handshake failed: certificate not trusted, wrong host name",
    ErrorCode.AUTHENTICATION_FAILED: "The broker refused the user name and password",
    ErrorCode.FORBIDDEN: "The user may not open the virtual host (or it does not exist), or "
    "may not publish to the exchange (ACCESS_REFUSED)",
    ErrorCode.NOT_FOUND: "The exchange does not exist in the virtual host",
    "UNROUTABLE": "A mandatory message reached no queue: the broker returned it "
    "(NO_ROUTE); variables replyCode, replyText",
    "NACKED": "The broker refused to take the message (a negative publisher confirm: a "
    "full queue that rejects publishes, an internal error); retried",
    "MESSAGE_TOO_LARGE": "The body is larger than maxBodyBytes or than the broker's "
    "max_message_size",
    ErrorCode.BAD_REQUEST: "The broker refused the message's properties "
    "(PRECONDITION_FAILED: a user ID other than the connection's, a bad expiration)",
    "BLOCKED_ADDRESS": "The operator's outbound policy refuses the broker's address",
    "AMQP_ERROR": "Any other AMQP failure; variables replyCode, replyText; retried for the "
    "broker's resource and internal errors",
}

# AMQP 0-9-1 reply codes (section 1.9).
_NO_ROUTE = 312
_CONNECTION_FORCED = 320
_ACCESS_REFUSED = 403
_NOT_FOUND = 404
_PRECONDITION_FAILED = 406
_RESOURCE_ERROR = 506
_NOT_ALLOWED = 530
_INTERNAL_ERROR = 541
_RETRYABLE_REPLIES = frozenset({_CONNECTION_FORCED, _RESOURCE_ERROR, _INTERNAL_ERROR})

Stage = str  # "connect" or "publish"


@dataclass(frozen=True, slots=True)
class FieldNames:
    """What the caller calls its inputs, so messages point at the field to fix."""

    exchange: str = "exchange"
    routing_key: str = "routingKey"
    connect_timeout: str | None = "connectTimeoutInSeconds"
    publish_timeout: str | None = "publishTimeoutInSeconds"
    max_body_bytes: str | None = "maxBodyBytes"
    ca_certificate: str | None = "tls.caCertificate"
    client_certificate: str | None = "tls.clientCertificate"


@dataclass(frozen=True, slots=True)
class Failure:
    """What was being done when something failed, for the message."""

    target: Target
    stage: Stage
    exchange: str = ""
    routing_key: str = ""
    message_id: str | None = None
    body_size: int = 0
    timeout: float | None = None
    names: FieldNames = FieldNames()

    @property
    def where(self) -> str:
        return f"exchange {self.exchange!r}" if self.exchange else "the default exchange"

    def variables(self, **extra: Any) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if self.stage == "publish":
            found = {"exchange": self.exchange, "routingKey": self.routing_key}
            if self.message_id is not None:
                found["messageId"] = self.message_id
        found.update({k: v for k, v in extra.items() if v is not None})
        return found


def _reply(exc: BaseException) -> tuple[int | None, str]:
    """The broker's reply code and text carried by an aiormq exception."""
    from aiormq import exceptions as amqp

    codes: dict[type[BaseException], int] = {
        amqp.ChannelAccessRefused: _ACCESS_REFUSED,
        amqp.ChannelNotFoundEntity: _NOT_FOUND,
        amqp.ChannelLockedResource: 405,
        amqp.ChannelPreconditionFailed: _PRECONDITION_FAILED,
        amqp.ConnectionResourceError: _RESOURCE_ERROR,
        amqp.ConnectionNotAllowed: _NOT_ALLOWED,
        amqp.ConnectionInternalError: _INTERNAL_ERROR,
        amqp.ConnectionNotImplemented: 540,
        amqp.ConnectionSyntaxError: 502,
        amqp.ConnectionFrameError: 501,
        amqp.ConnectionCommandInvalid: 503,
        amqp.ConnectionChannelError: 504,
        amqp.ConnectionUnexpectedFrame: 505,
        amqp.ProbableAuthenticationError: _ACCESS_REFUSED,
    }
    args = [a for a in exc.args if a is not None]
    for kind, code in codes.items():
        if type(exc) is kind:
            return code, str(args[0]) if args else ""
    # Unmapped codes keep both: ChannelClosed(code, text), ConnectionClosed(code, text).
    if len(args) >= 2 and isinstance(args[0], int):
        return args[0], str(args[1])
    return None, str(args[0]) if args else ""


def _os_reason(exc: BaseException) -> str:
    """The operating system's words for a failed connection (its last text argument)."""
    for candidate in (exc, exc.__cause__):
        if candidate is None:
            continue
        texts = [a for a in candidate.args if isinstance(a, str) and a]
        if texts:
            return texts[-1]
    return type(exc).__name__


def _tls_error(exc: BaseException) -> ssl.SSLError | None:
    import ssl

    seen: BaseException | None = exc
    for _ in range(4):
        if seen is None:
            return None
        if isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _timeout(failure: Failure) -> ConnectorError:
    name = (
        failure.names.connect_timeout
        if failure.stage == "connect"
        else failure.names.publish_timeout
    )
    limit = f"{failure.timeout:g} s" if failure.timeout else "the time allowed"
    named = f" ({name})" if name else ""
    if failure.stage == "connect":
        message = f"no connection to RabbitMQ at {failure.target.display} within {limit}{named}"
    else:
        message = (
            f"RabbitMQ did not confirm the message to {failure.where} within {limit}{named}; "
            "it may have arrived all the same: a messageId lets consumers drop a duplicate"
        )
    return ConnectorError(message, code=ErrorCode.TIMEOUT, variables=failure.variables())


def classify(exc: BaseException, failure: Failure) -> ConnectorError:
    """The connector error for ``exc``, raised while doing ``failure``."""
    from aiormq import exceptions as amqp

    target = failure.target
    if isinstance(exc, TimeoutError):
        return _timeout(failure)
    tls = _tls_error(exc)
    if tls is not None:
        reason = getattr(tls, "verify_message", None) or getattr(tls, "reason", None) or str(tls)
        where = failure.names.ca_certificate or "SSL_CERT_FILE in the runtime's environment"
        hint = f" (a private CA: trust it with {where})"
        return ConnectorError(
            f"TLS with RabbitMQ at {target.display} failed: {reason}{hint}",
            code=ErrorCode.TLS_FAILED,
            retryable=False,
        )
    if isinstance(exc, amqp.PublishError):
        returned = exc.message.delivery if exc.message is not None else None
        code = getattr(returned, "reply_code", None) or _NO_ROUTE
        text = getattr(returned, "reply_text", None) or "NO_ROUTE"
        return ConnectorError(
            f"RabbitMQ returned the message: {failure.where} routes routing key "
            f"{failure.routing_key!r} to no queue ({text}); bind a queue to it, or turn "
            "mandatory off to let such messages be dropped",
            code="UNROUTABLE",
            variables=failure.variables(replyCode=code, replyText=text),
            retryable=False,
        )
    if isinstance(exc, amqp.DeliveryError):  # a basic.nack
        return ConnectorError(
            f"RabbitMQ did not take the message on {failure.where} (a negative confirm: "
            "a queue at its length limit that rejects publishes, or a broker problem)",
            code="NACKED",
            variables=failure.variables(),
        )
    if isinstance(exc, amqp.ProbableAuthenticationError):
        _, text = _reply(exc)
        return ConnectorError(
            f"RabbitMQ at {target.display} refused the login of user {target.username!r}: {text}",
            code=ErrorCode.AUTHENTICATION_FAILED,
            variables={"replyCode": _ACCESS_REFUSED, "replyText": text},
            retryable=False,
        )
    if isinstance(exc, amqp.AuthenticationError):  # no common SASL mechanism
        return ConnectorError(
            f"RabbitMQ at {target.display} offers no login mechanism the connector has (PLAIN)",
            code=ErrorCode.AUTHENTICATION_FAILED,
            retryable=False,
        )
    # The broker answered connection.open with connection.close (530 NOT_ALLOWED): the
    # virtual host does not exist, or the user has no permission on it. aiormq reports the
    # unexpected frame without its text.
    if (
        failure.stage == "connect"
        and isinstance(exc, amqp.InvalidFrameError)
        and "Connection.Close" in str(exc)
    ):
        return ConnectorError(
            f"RabbitMQ at {target.display} refused to open the virtual host "
            f"{target.virtual_host!r} for user {target.username!r}: it does not exist, "
            "or the user has no permissions on it",
            code=ErrorCode.FORBIDDEN,
            variables={"replyCode": _NOT_ALLOWED, "virtualHost": target.virtual_host},
            retryable=False,
        )
    if isinstance(exc, amqp.ChannelClosed | amqp.ConnectionClosed):
        return _closed(exc, failure)
    if isinstance(exc, amqp.AMQPConnectionError | ConnectionError | OSError):
        return ConnectorError(
            f"cannot reach RabbitMQ at {target.display}: {_os_reason(exc)}",
            code=ErrorCode.CONNECTION_FAILED,
            variables=failure.variables(),
        )
    if isinstance(exc, amqp.ChannelInvalidStateError):
        return ConnectorError(
            f"the connection to RabbitMQ at {target.display} closed while publishing",
            code=ErrorCode.CONNECTION_FAILED,
            variables=failure.variables(),
        )
    code, text = _reply(exc)
    return ConnectorError(
        f"RabbitMQ at {target.display} failed: {type(exc).__name__}: {text}",
        code="AMQP_ERROR",
        variables=failure.variables(replyCode=code, replyText=text or None),
    )


def _closed(exc: BaseException, failure: Failure) -> ConnectorError:
    """A channel or connection the broker closed, by its reply code."""
    code, text = _reply(exc)
    variables = failure.variables(replyCode=code, replyText=text)
    if code == _NOT_FOUND:
        return ConnectorError(
            f"RabbitMQ has no {failure.where} in virtual host "
            f"{failure.target.virtual_host!r} ({failure.names.exchange}): {text}",
            code=ErrorCode.NOT_FOUND,
            variables=variables,
            retryable=False,
        )
    if code in (_ACCESS_REFUSED, _NOT_ALLOWED):
        return ConnectorError(
            f"RabbitMQ refused publishing to {failure.where} for user "
            f"{failure.target.username!r}: {text}",
            code=ErrorCode.FORBIDDEN,
            variables=variables,
            retryable=False,
        )
    if code == _PRECONDITION_FAILED:
        # rabbit_channel:check_msg_size/2: "message size 200 is larger than configured
        # max size 100".
        if "message size" in text and "max size" in text:
            return ConnectorError(
                f"RabbitMQ refused the message of {failure.body_size} bytes: {text}",
                code="MESSAGE_TOO_LARGE",
                variables=variables,
                retryable=False,
            )
        return ConnectorError(
            f"RabbitMQ refused the message: {text}",
            code=ErrorCode.BAD_REQUEST,
            variables=variables,
            retryable=False,
        )
    if code == _CONNECTION_FORCED:
        return ConnectorError(
            f"RabbitMQ at {failure.target.display} closed the connection: {text}",
            code=ErrorCode.CONNECTION_FAILED,
            variables=variables,
        )
    return ConnectorError(
        f"RabbitMQ at {failure.target.display} closed the "
        f"{'channel' if failure.stage == 'publish' else 'connection'}: {code} {text}",
        code="AMQP_ERROR",
        variables=variables,
        retryable=code in _RETRYABLE_REPLIES,
    )
