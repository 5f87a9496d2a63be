"""A small synchronous POP3 session over :mod:`poplib`, with errors mapped to codes.

What the server sends in answer to one command is bounded (:data:`MAX_ANSWER_BYTES`) and
the job's cancellation is looked at line by line (:class:`_BoundedAnswers`); RETR is read
by :meth:`Pop3Session.retrieve` with its own bounds.
"""

from __future__ import annotations

import poplib
import socket
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import IO, TYPE_CHECKING, Any, cast

from tasklink.core import CancellationToken, ConnectorError, Context, InputError

from ._errors import EmailErrorCode, network_error, too_large
from ._models import Connection
from ._outbound import Address, checked_addresses, connect_to
from ._tls import port_of, require_login, tls_context

__all__ = ["MAX_ANSWER_BYTES", "Pop3Session", "pop3_session"]

#: The most a multi-line answer other than RETR (UIDL, LIST, TOP) may hold: a UIDL line
#: takes about 50 bytes, so some 300,000 messages; poplib keeps the answer as a list of
#: lines, about twice its size in memory.
MAX_ANSWER_BYTES = 16 * 1024 * 1024

# A status line is short (poplib allows 2048 bytes); message lines are read in pieces.
_MAX_STATUS_LINE = 2048
_PIECE_BYTES = 64 * 1024
# How often a long RETR looks whether the job was cancelled.
_CANCEL_CHECK_BYTES = 1024 * 1024


if TYPE_CHECKING:
    _POP3 = poplib.POP3
else:
    _POP3 = object


class _BoundedAnswers(_POP3):
    """poplib's answers, bounded (mixed into POP3 and POP3_SSL).

    poplib collects a multi-line answer (UIDL, LIST, TOP) in a list until the server
    sends the final dot: a server that never sends it had the process collect lines
    without end, in a worker thread the job's timeout cannot stop (tests/faults,
    test_hostile_email). Here one answer holds at most :data:`MAX_ANSWER_BYTES`, and each
    line is read after a look at the job's cancellation token.
    """

    def __init__(
        self,
        *args: Any,
        cancellation: CancellationToken,
        addresses: Sequence[Address],
        **kwargs: Any,
    ) -> None:
        self.cancellation = cancellation
        self.addresses = addresses  # checked by the outbound policy: connect to these
        self.received = 0  # bytes of the current answer
        super().__init__(*args, **kwargs)

    def _putcmd(self, line: bytes) -> None:  # every command starts a new answer
        self.received = 0
        getattr(super(), "_putcmd")(line)  # noqa: B009 - private in typeshed's view

    def _getline(self) -> tuple[bytes, int]:
        self.cancellation.raise_if_cancelled()
        line, octets = cast("tuple[bytes, int]", getattr(super(), "_getline")())  # noqa: B009
        self.received += octets
        if self.received > MAX_ANSWER_BYTES:
            raise ConnectorError(
                f"the POP3 server {self.host}:{self.port} sent more than {MAX_ANSWER_BYTES} "
                "bytes in answer to one command; the session was ended",
                code=EmailErrorCode.MESSAGE_TOO_LARGE,
                variables={"protocol": "POP3", "host": self.host, "port": self.port},
                retryable=False,
            )
        return line, octets


class _Pop3(_BoundedAnswers, poplib.POP3):
    def _create_socket(self, timeout: float) -> socket.socket:
        return connect_to(self.addresses, self.port, timeout)


class _Pop3Ssl(_BoundedAnswers, poplib.POP3_SSL):
    def _create_socket(self, timeout: float) -> socket.socket:
        # As POP3_SSL's own, to a checked address: TLS still for the host's name.
        context: ssl.SSLContext = getattr(self, "context")  # noqa: B009 - not in typeshed
        return context.wrap_socket(
            connect_to(self.addresses, self.port, timeout), server_hostname=self.host
        )


class Pop3Session:
    """A logged-in POP3 connection; use :func:`pop3_session` to open one.

    Deletions take effect when the session ends with QUIT (:func:`pop3_session` does).
    """

    def __init__(self, client: poplib.POP3, connection: Connection, port: int) -> None:
        self.client = client
        self.connection = connection
        self.port = port
        self._uids: dict[str, int] | None = None

    def _failed(self, what: str, exc: poplib.error_proto) -> ConnectorError:
        return ConnectorError(
            f"POP3 {what} failed: {_reply(exc)}",
            code=EmailErrorCode.POP3_ERROR,
            variables={"protocol": "POP3", "host": self.connection.host, "port": self.port},
        )

    def uids(self) -> dict[str, int]:
        """Unique id -> message number, from UIDL."""
        if self._uids is None:
            try:
                _, lines, _ = self.client.uidl()
            except poplib.error_proto as exc:
                raise self._failed("UIDL", exc) from None
            found: dict[str, int] = {}
            for line in lines:
                number, _, uid = line.decode("utf-8", "replace").partition(" ")
                if number.isdigit() and uid:
                    found[uid.strip()] = int(number)
            self._uids = found
        return self._uids

    def sizes(self) -> dict[int, int]:
        """Message number -> size in bytes, from LIST."""
        try:
            _, lines, _ = self.client.list()
        except poplib.error_proto as exc:
            raise self._failed("LIST", exc) from None
        out: dict[int, int] = {}
        for line in lines:
            parts = line.split()
            if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit():
                out[int(parts[0])] = int(parts[1])
        return out

    def number_of(self, uid: str) -> int:
        number = self.uids().get(uid)
        if number is None:
            raise ConnectorError(
                f"no message with unique id {uid!r} in the mailbox",
                code=EmailErrorCode.MESSAGE_NOT_FOUND,
                variables={"uid": uid},
                retryable=False,
            )
        return number

    def header(self, number: int) -> bytes:
        try:
            _, lines, _ = self.client.top(number, 0)
        except poplib.error_proto as exc:
            raise self._failed("TOP", exc) from None
        return b"\r\n".join(lines) + b"\r\n"

    def retrieve(
        self,
        number: int,
        into: IO[bytes],
        *,
        limit: int,
        cancellation: CancellationToken,
        uid: str,
    ) -> int:
        """RETR message ``number`` (``uid``, for messages) into ``into`` as it arrives;
        returns its size.

        poplib's ``retr()`` gathers every line in a list, and then the caller joins them:
        twice the message in memory, plus an object per line. The command is sent here and
        the answer read line by line, undoing the byte-stuffing as poplib does (a line
        starting with ``..`` loses one dot) and ending lines with CRLF as it does. More
        than ``limit`` bytes is :data:`~EmailErrorCode.MESSAGE_TOO_LARGE`; the session then
        ends without QUIT, so nothing is deleted.
        """
        client = self.client
        client.sock.sendall(b"RETR %d\r\n" % number)
        status = _read(client.file, _MAX_STATUS_LINE)
        if not status.startswith(b"+"):
            raise self._failed("RETR", poplib.error_proto(status.rstrip(b"\r\n")))
        written = 0
        next_check = _CANCEL_CHECK_BYTES
        previous = b"\n"  # the piece before, to tell line starts and split CRLFs
        while True:
            piece = _read(client.file, _PIECE_BYTES)
            if previous.endswith(b"\n"):  # a line starts
                if piece in (b".\r\n", b".\n"):
                    return written
                if piece.startswith(b".."):
                    piece = piece[1:]
            split_crlf = piece == b"\n" and previous.endswith(b"\r")
            if piece.endswith(b"\n") and not piece.endswith(b"\r\n") and not split_crlf:
                piece = piece[:-1] + b"\r\n"
            previous = piece
            written += into.write(piece)
            if written > limit:
                raise too_large(written, limit, {"uid": uid})
            if written >= next_check:
                cancellation.raise_if_cancelled()
                next_check += _CANCEL_CHECK_BYTES

    def delete(self, number: int) -> None:
        try:
            self.client.dele(number)
        except poplib.error_proto as exc:
            raise self._failed("DELE", exc) from None


def _read(file: IO[bytes], limit: int) -> bytes:
    """A line, or its next ``limit`` bytes; a closed connection is a network failure."""
    piece = file.readline(limit)
    if not piece:
        raise ConnectionResetError("the POP3 server closed the connection")
    return piece


def _reply(exc: poplib.error_proto) -> str:
    arg = exc.args[0] if exc.args else b""
    return arg.decode("utf-8", "replace") if isinstance(arg, bytes) else str(arg)


@contextmanager
def pop3_session(connection: Connection, ctx: Context) -> Iterator[Pop3Session]:
    """Connect, log in, yield a session and QUIT (which commits deletions).

    When the block raises, the session is closed without QUIT, so nothing is deleted.
    """
    username, password = require_login(connection, "POP3")
    port = port_of(connection, "POP3")
    host = connection.host
    where = {"protocol": "POP3", "host": host, "port": port}
    context = tls_context(connection) if connection.security != "none" else None
    client: poplib.POP3 | None = None
    committed = False
    try:
        token = ctx.cancellation
        addresses = checked_addresses(connection, "POP3", port)
        if connection.security == "tls":
            client = _Pop3Ssl(
                host,
                port,
                context=context,
                timeout=connection.timeout,
                cancellation=token,
                addresses=addresses,
            )
        else:
            client = _Pop3(
                host, port, timeout=connection.timeout, cancellation=token, addresses=addresses
            )
            if connection.security == "starttls":
                try:
                    client.stls(context)
                except poplib.error_proto as exc:
                    raise ConnectorError(
                        f"the POP3 server {host}:{port} refused STARTTLS (STLS): {_reply(exc)}",
                        code=EmailErrorCode.TLS_FAILED,
                        variables=where,
                        retryable=False,
                    ) from None
        ctx.cancellation.raise_if_cancelled()
        try:
            client.user(username)
            client.pass_(password)
        except poplib.error_proto as exc:
            raise ConnectorError(
                f"the POP3 server rejected the credentials: {_reply(exc)}",
                code=EmailErrorCode.AUTHENTICATION_FAILED,
                variables=where,
                retryable=False,
            ) from None
        yield Pop3Session(client, connection, port)
        try:
            client.quit()
        except poplib.error_proto as exc:
            raise ConnectorError(
                f"the POP3 server did not confirm the session's changes: {_reply(exc)}",
                code=EmailErrorCode.POP3_ERROR,
                variables=where,
            ) from None
        committed = True
    except (ConnectorError, InputError):
        raise
    except poplib.error_proto as exc:
        raise ConnectorError(
            f"POP3 failed: {_reply(exc)}", code=EmailErrorCode.POP3_ERROR, variables=where
        ) from None
    except OSError as exc:
        raise network_error(exc, protocol="POP3", host=host, port=port) from None
    finally:
        if client is not None and not committed:
            with suppress(OSError):
                client.close()
