"""Sending a composed message with aiosmtplib, and mapping its failures onto error codes."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import aiosmtplib

from tasklink.core import ConnectorError, Context

from ._compose import Composed
from ._errors import EmailErrorCode, network_error
from ._models import Connection, RefusedRecipient, SendResult
from ._outbound import achecked_addresses, aconnect_to
from ._tls import port_of, tls_context

__all__ = ["send_composed"]


def _retryable(code: int | None) -> bool:
    """4xx replies are temporary (RFC 5321 section 4.2.1); 5xx are permanent."""
    return code is not None and 400 <= code < 500


def _reply(exc: aiosmtplib.SMTPResponseException) -> str:
    return f"{exc.code} {exc.message}".strip()


def _smtp_error(exc: BaseException, where: dict[str, Any]) -> ConnectorError:
    host, port = where["host"], where["port"]
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return ConnectorError(
            f"the SMTP server rejected the credentials: {_reply(exc)}",
            code=EmailErrorCode.AUTHENTICATION_FAILED,
            variables={**where, "smtpCode": exc.code},
            retryable=False,
        )
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        refused = [
            {"address": r.recipient, "code": r.code, "message": r.message} for r in exc.recipients
        ]
        return ConnectorError(
            "the SMTP server refused every recipient: "
            + "; ".join(f"{r['address']}: {r['code']} {r['message']}" for r in refused),
            code=EmailErrorCode.RECIPIENTS_REFUSED,
            variables={**where, "refused": refused},
            retryable=all(_retryable(r.code) for r in exc.recipients),
        )
    if isinstance(exc, aiosmtplib.SMTPSenderRefused):
        return ConnectorError(
            f"the SMTP server refused the sender {exc.sender}: {_reply(exc)}",
            code=EmailErrorCode.SENDER_REFUSED,
            variables={**where, "smtpCode": exc.code},
            retryable=_retryable(exc.code),
        )
    if isinstance(exc, aiosmtplib.SMTPDataError):
        return ConnectorError(
            f"the SMTP server refused the message: {_reply(exc)}",
            code=EmailErrorCode.MESSAGE_REFUSED,
            variables={**where, "smtpCode": exc.code},
            retryable=_retryable(exc.code),
        )
    if isinstance(exc, aiosmtplib.SMTPConnectTimeoutError | aiosmtplib.SMTPReadTimeoutError):
        return network_error(TimeoutError(str(exc)), protocol="SMTP", host=host, port=port)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return ConnectorError(
            f"the SMTP server answered {_reply(exc)}",
            code=EmailErrorCode.SMTP_ERROR,
            variables={**where, "smtpCode": exc.code},
            retryable=_retryable(exc.code),
        )
    cause = exc.__cause__ or exc.__context__
    if isinstance(exc, aiosmtplib.SMTPConnectError) and isinstance(cause, OSError):
        return network_error(cause, protocol="SMTP", host=host, port=port)
    if isinstance(exc, OSError):
        return network_error(exc, protocol="SMTP", host=host, port=port)
    if isinstance(exc, aiosmtplib.SMTPNotSupported) or "STARTTLS" in str(exc):
        return ConnectorError(
            f"the SMTP server {host}:{port} does not support what the settings ask: {exc}",
            code=EmailErrorCode.TLS_FAILED if "TLS" in str(exc) else EmailErrorCode.SMTP_ERROR,
            variables=where,
            retryable=False,
        )
    if isinstance(exc, aiosmtplib.SMTPException) and "AUTH" in str(exc).upper():
        return ConnectorError(
            f"cannot log in to the SMTP server {host}:{port}: {exc}",
            code=EmailErrorCode.AUTHENTICATION_FAILED,
            variables=where,
            retryable=False,
        )
    return ConnectorError(f"SMTP failed: {exc}", code=EmailErrorCode.SMTP_ERROR, variables=where)


async def _login(client: aiosmtplib.SMTP, connection: Connection) -> None:
    username, password = connection.username, connection.password or ""
    if not username:
        return
    if connection.auth_method != "auto" and client.is_ehlo_or_helo_needed:
        await client.ehlo()  # login() does this itself; the forced mechanisms do not
    if connection.auth_method == "plain":
        await client.auth_plain(username, password)
    elif connection.auth_method == "login":
        await client.auth_login(username, password)
    else:
        await client.login(username, password)


async def _quit(client: aiosmtplib.SMTP) -> None:
    try:
        await client.quit()
    except (aiosmtplib.SMTPException, OSError):
        client.close()


async def _connect(client: aiosmtplib.SMTP, sock: socket.socket) -> None:
    """Hand ``sock`` to ``client``, closing it if that fails before asyncio took it over.

    asyncio's first step with a socket is to make it non-blocking; from then on its
    transport closes it. Handed over blocking, a socket still blocking after a failure (a
    cancellation while aiosmtplib looks up the local host name) was never taken. Closing
    one a transport holds would free its descriptor for reuse while the loop watches it.
    """
    sock.setblocking(True)
    try:
        await client.connect(sock=sock)
    except BaseException:
        if sock.getblocking():
            sock.close()
        raise


async def send_composed(connection: Connection, composed: Composed, ctx: Context) -> SendResult:
    """Connect, authenticate, send and quit; refused recipients are reported, not raised,
    unless every recipient was refused."""
    port = port_of(connection, "SMTP")
    where: dict[str, Any] = {"protocol": "SMTP", "host": connection.host, "port": port}
    context = tls_context(connection) if connection.security != "none" else None
    # The socket comes from us, connected to an address the outbound policy checked; the
    # host name stays for TLS (SNI and the certificate check).
    client = aiosmtplib.SMTP(
        hostname=connection.host,
        use_tls=connection.security == "tls",
        start_tls=connection.security == "starttls",
        tls_context=context,
        timeout=connection.timeout,
    )
    try:
        addresses = await achecked_addresses(connection, "SMTP", port)
        await _connect(client, await aconnect_to(addresses, port, connection.timeout))
        try:
            await _login(client, connection)
            ctx.logger.info(
                "sending %s to %d recipient(s) through %s:%d",
                composed.message_id,
                len(composed.recipients),
                connection.host,
                port,
            )
            errors, _ = await client.send_message(
                composed.message, sender=composed.sender, recipients=composed.recipients
            )
        except asyncio.CancelledError:
            # The job's timeout (or a shutdown): close at once. A polite QUIT would wait up
            # to `timeout` again for a server that may have stopped answering, so the job
            # outlived its timeout by that long (tests/faults: silent after DATA).
            client.close()
            raise
        except BaseException:
            await _quit(client)
            raise
        await _quit(client)
    except asyncio.CancelledError:
        client.close()  # cancelled while connecting (a TLS handshake that stalls, say)
        raise
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise _smtp_error(exc, where) from None
    refused = [
        RefusedRecipient(address=address, code=reply.code, message=reply.message)
        for address, reply in errors.items()
    ]
    refused_set = {r.address for r in refused}
    accepted = [r for r in composed.recipients if r not in refused_set]
    if refused:
        ctx.logger.warning(
            "%s: %d recipient(s) refused: %s",
            composed.message_id,
            len(refused),
            ", ".join(r.address for r in refused),
        )
    return SendResult(message_id=composed.message_id, accepted=accepted, refused=refused)
