"""A small synchronous IMAP session over :mod:`imaplib`, with errors mapped to codes.

The operations run in the runtime's worker threads: imaplib is mature, in the standard
library, and its blocking calls honour the socket timeout from the settings. What the
server sends is read in bounded steps (:class:`_BoundedReading`): at most
:data:`MAX_ANSWER_BYTES` in answer to one command, and the job's cancellation is looked at
between steps, so neither a never-ending literal nor a dripping answer can hold the worker
thread or its memory.
"""

from __future__ import annotations

import imaplib
import io
import re
import socket
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import IO, TYPE_CHECKING, Any, cast

from tasklink.core import CancellationToken, ConnectorError, Context, InputError

from ._errors import EmailErrorCode, network_error, too_large
from ._models import Connection
from ._outbound import Address, checked_addresses, connect_to
from ._tls import port_of, require_login, tls_context
from ._utf7 import decode_mailbox, encode_mailbox

__all__ = ["MAX_ANSWER_BYTES", "FetchedMessage", "ImapSession", "imap_session", "quote"]

#: A message is read in partial fetches of this size.
FETCH_CHUNK_BYTES = 1024 * 1024
#: The most the server may send in answer to one command (its lines and literals
#: together): a partial fetch asks for 1 MiB, a list for the headers of a few dozen
#: messages. More ends the session with ``MESSAGE_TOO_LARGE``.
MAX_ANSWER_BYTES = 32 * 1024 * 1024
# Bytes read at a time (one receive at most), and the longest line, as imaplib's _MAXLINE.
_READ_STEP = 64 * 1024
_MAX_LINE = 1_000_000
# Server text quoted in error messages is cut to this many characters.
_QUOTED = 300
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_FETCH_START = re.compile(rb"^\d+ \(")
_UID = re.compile(rb"\bUID (\d+)")
_FLAGS = re.compile(rb"\bFLAGS \(([^)]*)\)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_INTERNALDATE = re.compile(rb'\bINTERNALDATE "([^"]+)"')
_LIST = re.compile(rb'^\((?P<flags>[^)]*)\) (?P<delim>"(?:[^"\\]|\\.)*"|NIL) (?P<name>.*)$')


@dataclass(frozen=True, slots=True)
class FetchedMessage:
    """One FETCH result: metadata and the literal (header or whole message)."""

    uid: int
    flags: list[str]
    size: int
    internal_date: datetime | None
    data: bytes


def quote(value: str) -> bytes:
    """An IMAP quoted string (UTF-8 bytes; callers add ``CHARSET UTF-8`` when needed)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return b'"' + escaped.encode("utf-8") + b'"'


def imap_date(value: date) -> str:
    """``1-Feb-2026``, the date form of SEARCH SINCE / BEFORE (month names are English)."""
    return f"{value.day}-{_MONTHS[value.month - 1]}-{value.year}"


def _internal_date(raw: bytes) -> datetime | None:
    # "23-Nov-2026 22:54:26 +0000"
    match = re.match(
        rb"^\s*(\d{1,2})-(\w{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$", raw
    )
    if not match:
        return None
    day, month, year, hour, minute, second, sign, off_h, off_m = match.groups()
    try:
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        zone = timezone(-offset if sign == b"-" else offset)
        return datetime(
            int(year),
            _MONTHS.index(month.decode("ascii").title()) + 1,
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=zone,
        )
    except ValueError:
        return None


def _text(data: Sequence[object]) -> str:
    parts = [d.decode("utf-8", "replace") if isinstance(d, bytes) else str(d) for d in data if d]
    return _brief(" ".join(parts))


def _answers(data: Sequence[object]) -> list[tuple[bytes, bytes]]:
    """Metadata and literal of each FETCH answer in ``data`` (metadata sent after the
    literal joined to the rest; an answer without a literal has an empty one)."""
    out: list[tuple[bytes, bytes]] = []
    for item in data:
        if isinstance(item, tuple) and isinstance(item[0], bytes) and isinstance(item[1], bytes):
            out.append((item[0], item[1]))
        elif isinstance(item, bytes):
            if _FETCH_START.match(item):
                out.append((item, b""))
            elif out:
                out[-1] = (out[-1][0] + b" " + item, out[-1][1])
    return out


def _body_piece(data: Sequence[object], uid: int) -> bytes | None:
    """The bytes of a partial ``BODY[]<n>`` answer for ``uid`` (empty past the end of the
    message); ``None`` when there is none (the message was expunged meanwhile)."""
    for meta, literal in _answers(data):
        found = _UID.search(meta)
        if found and int(found.group(1)) == uid and b"BODY[]" in meta:
            return literal
    return None


def _brief(text: str) -> str:
    """Server text for a message: a hostile server's megabyte line stays out of logs."""
    return text if len(text) <= _QUOTED else text[:_QUOTED] + f"... ({len(text)} characters)"


if TYPE_CHECKING:
    from typing_extensions import Buffer

    _IMAP4 = imaplib.IMAP4
else:
    _IMAP4 = object


class _BoundedReading(_IMAP4):
    """imaplib's reading, bounded in size and time (mixed into IMAP4 and IMAP4_SSL).

    imaplib reads a literal whole, with the size the server announces
    (``file.read(size)``), and a line until its end. A server announcing a literal of
    4 GiB and sending it made the process read and hold 4 GiB, in a worker thread that the
    job's timeout cannot stop; one dripping its answer a byte at a time held the thread
    for as long as it liked, the socket timeout never firing (tests/faults,
    test_hostile_email). Here every answer (all that comes between two commands) is
    bounded by :data:`MAX_ANSWER_BYTES`, a literal announced larger is refused before
    reading it, and reading goes in steps of at most one receive, each after a look at the
    job's cancellation token.
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
        self.broken = False  # an answer was cut short: the session cannot go on
        super().__init__(*args, **kwargs)

    def send(self, data: Buffer) -> None:
        tag = cast("bytes", self.tagpre)  # bytes at run time (typeshed says str)
        if bytes(data).startswith(tag):  # a new command, not a literal or a continuation
            self.received = 0
        super().send(data)

    def _take(self, count: int, what: str) -> None:
        self.received += count
        if self.received > MAX_ANSWER_BYTES:
            self.broken = True
            host, port = self.host, self.port
            raise ConnectorError(
                f"the IMAP server {host}:{port} sent more than {MAX_ANSWER_BYTES} bytes in "
                f"answer to one command ({what}); the session was ended",
                code=EmailErrorCode.MESSAGE_TOO_LARGE,
                variables={"protocol": "IMAP", "host": host, "port": port, "size": self.received},
                retryable=False,
            )

    def _step(self) -> io.BufferedReader:
        if self.cancellation.cancelled:
            self.broken = True
            self.cancellation.raise_if_cancelled()
        return cast("io.BufferedReader", self.file)

    def read(self, size: int) -> bytes:
        self._take(size, f"a literal of {size} bytes")  # refused before reading any of it
        parts: list[bytes] = []
        while size > 0:
            part = self._step().read1(min(size, _READ_STEP))
            if not part:
                break  # the connection closed: imaplib reports the short literal
            parts.append(part)
            size -= len(part)
        return b"".join(parts)

    def readline(self) -> bytes:
        parts: list[bytes] = []
        length = 0
        while length <= _MAX_LINE:
            file = self._step()
            buffered = file.peek(1)  # what is buffered, or one receive when nothing is
            if not buffered:
                break
            end = buffered.find(b"\n", 0, _MAX_LINE + 1 - length)
            part = file.read(end + 1 if end >= 0 else min(len(buffered), _MAX_LINE + 1 - length))
            parts.append(part)
            length += len(part)
            if end >= 0:
                break
        self._take(length, "lines of text")
        if length > _MAX_LINE:
            self.broken = True
            raise self.error(f"got more than {_MAX_LINE} bytes in one line")
        return b"".join(parts)


class _Imap(_BoundedReading, imaplib.IMAP4):
    def _create_socket(self, timeout: float | None) -> socket.socket:
        return connect_to(self.addresses, self.port, timeout)


class _ImapSsl(_BoundedReading, imaplib.IMAP4_SSL):
    def _create_socket(self, timeout: float | None) -> socket.socket:
        # As IMAP4_SSL's own, to a checked address: TLS still for the host's name.
        context: ssl.SSLContext = self.ssl_context
        return context.wrap_socket(
            connect_to(self.addresses, self.port, timeout), server_hostname=self.host
        )


class ImapSession:
    """A logged-in IMAP connection; use :func:`imap_session` to open one."""

    def __init__(self, client: imaplib.IMAP4, connection: Connection, port: int) -> None:
        self.client = client
        self.connection = connection
        self.port = port
        self.capabilities: set[str] = set(client.capabilities)
        self.selected: str | None = None

    # --- plumbing -------------------------------------------------------------------

    def _where(self) -> dict[str, object]:
        return {"protocol": "IMAP", "host": self.connection.host, "port": self.port}

    def _failed(self, what: str, data: Sequence[object]) -> ConnectorError:
        return ConnectorError(
            f"IMAP {what} failed: {_text(data)}",
            code=EmailErrorCode.IMAP_ERROR,
            variables=self._where(),
        )

    def _response_code(self, name: str) -> list[bytes]:
        """Pop a response code (``[TRYCREATE]``, ``[COPYUID ...]``) imaplib stashed."""
        found = self.client.untagged_responses.pop(name, [])
        return [v for v in found if isinstance(v, bytes)]

    def _folder_missing(self, folder: str, field: str) -> ConnectorError:
        return ConnectorError(
            f"the folder {folder!r} does not exist",
            code=EmailErrorCode.FOLDER_NOT_FOUND,
            variables={**self._where(), "folder": folder, "field": field},
            retryable=False,
        )

    # --- commands -------------------------------------------------------------------

    def refresh_capabilities(self) -> None:
        typ, data = self.client.capability()
        if typ == "OK" and data and isinstance(data[0], bytes):
            self.capabilities = set(data[0].decode("ascii", "replace").upper().split())

    def select(self, folder: str, *, readonly: bool, field: str = "folder") -> int:
        """Select ``folder``; returns the number of messages in it."""
        self.client.untagged_responses.pop("NONEXISTENT", None)
        typ, data = self.client.select(encode_mailbox(folder), readonly=readonly)
        if typ != "OK":
            text = _text(data).lower()
            if (
                self._response_code("NONEXISTENT")
                or "doesn't exist" in text
                or "not exist" in text
                or "unknown mailbox" in text
            ):
                raise self._folder_missing(folder, field)
            raise self._failed(f"SELECT {folder!r}", data)
        self.selected = folder
        first = data[0] if data else b"0"
        return int(first) if isinstance(first, bytes) and first.isdigit() else 0

    def search(
        self,
        criteria: Sequence[bytes | tuple[bytes, str]],
        texts: Sequence[tuple[bytes, str]] = (),
    ) -> list[int]:
        """UIDs matching ``criteria`` and the ``(KEY, text)`` pairs, ascending.

        ``criteria`` are search keys in order; a ``(KEY, text)`` pair among them stays in
        its place (``OR FROM "a" SUBJECT "b"``), while those of ``texts`` may be moved (they
        are ANDed). Non-ASCII text goes with ``CHARSET UTF-8`` as a literal, as RFC 3501
        asks: inline non-synchronizing literals where the server has LITERAL+ / LITERAL-,
        otherwise imaplib's one literal (placed last, so for ``texts`` only) and, beyond
        that, 8-bit quoted strings, which lenient servers accept.
        """
        args: list[bytes] = []
        literal: bytes | None = None
        utf8 = False
        plus = bool({"LITERAL+", "LITERAL-"} & self.capabilities)
        for item in criteria:
            if isinstance(item, bytes):
                args.append(item)
                continue
            key, text = item
            utf8 = utf8 or not text.isascii()
            if text.isascii() or not plus:
                args += [key, quote(text)]
            else:
                encoded = text.encode("utf-8")
                args += [key, b"{%d+}\r\n" % len(encoded) + encoded]
        for key, text in texts:
            if text.isascii():
                args += [key, quote(text)]
                continue
            utf8 = True
            encoded = text.encode("utf-8")
            if plus:
                args += [key, b"{%d+}\r\n" % len(encoded) + encoded]
            elif literal is None:
                literal = encoded
                last = key
            else:
                args += [key, quote(text)]
        args = _parenthesized(args)
        if literal is not None:
            args.append(last)  # imaplib appends the literal after the last argument
            self.client.literal = literal  # type: ignore[assignment]  # bytes work, see _command
        if utf8:
            # imaplib's search() adds CHARSET itself; uid("SEARCH") does not.
            args = [b"CHARSET", b"UTF-8", *args]
        if not args:
            args = [b"ALL"]
        try:
            typ, data = self.client.uid("SEARCH", *args)  # type: ignore[arg-type]
        finally:
            self.client.literal = None
        if typ != "OK":
            raise self._failed("SEARCH", data)
        uids: list[int] = []
        for chunk in data:
            if isinstance(chunk, bytes):
                uids.extend(int(part) for part in chunk.split() if part.isdigit())
        return sorted(set(uids))

    def separator(self) -> str:
        """The server's hierarchy delimiter (``LIST "" ""``), ``/`` when it has none."""
        typ, data = self.client.list('""', '""')
        if typ != "OK":
            raise self._failed("LIST", data)
        for item in data:
            match = _LIST.match(item.strip()) if isinstance(item, bytes) else None
            if match and match.group("delim") != b"NIL":
                return _unquote(match.group("delim"))
        return "/"

    def exists(self, folder: str) -> bool:
        """Whether ``folder`` exists (``LIST "" <folder>`` answers it)."""
        typ, data = self.client.list('""', encode_mailbox(folder))
        if typ != "OK":
            raise self._failed("LIST", data)
        return any(isinstance(item, bytes | tuple) for item in data if item)

    def create_folder(self, folder: str) -> None:
        """CREATE ``folder``."""
        typ, data = self.client.create(encode_mailbox(folder))
        if typ != "OK":
            raise self._failed(f"CREATE {folder!r}", data)

    def fetch(self, uids: Sequence[int], *, header: bool = True) -> list[FetchedMessage]:
        """FETCH metadata and, with ``header``, the header (never setting \\Seen)."""
        if not uids:
            return []
        items = "UID FLAGS RFC822.SIZE INTERNALDATE" + (" BODY.PEEK[HEADER]" if header else "")
        uid_set = ",".join(str(u) for u in uids)
        typ, data = self.client.uid("FETCH", uid_set, f"({items})")
        if typ != "OK":
            raise self._failed("FETCH", data)
        found: dict[int, FetchedMessage] = {}
        for meta, literal in _answers(data):
            uid_match = _UID.search(meta)
            size_match = _SIZE.search(meta)
            # Ours carry a literal or a size; an unsolicited one (a flag change) neither.
            if not uid_match or not (literal or size_match):
                continue
            flags_match = _FLAGS.search(meta)
            date_match = _INTERNALDATE.search(meta)
            uid = int(uid_match.group(1))
            found[uid] = FetchedMessage(
                uid=uid,
                flags=flags_match.group(1).decode("utf-8", "replace").split()
                if flags_match
                else [],
                size=int(size_match.group(1)) if size_match else len(literal),
                internal_date=_internal_date(date_match.group(1)) if date_match else None,
                data=literal,
            )
        wanted = set(uids)
        return [found[u] for u in uids if u in found and u in wanted]

    def fetch_raw(
        self, uid: int, into: IO[bytes], *, limit: int, cancellation: CancellationToken
    ) -> int:
        """Copy the whole message into ``into`` in partial fetches of 1 MiB
        (``BODY.PEEK[]<offset.length>``, never setting \\Seen), so that neither imaplib
        nor this process holds it whole; returns its size. More than ``limit`` bytes is
        :data:`~EmailErrorCode.MESSAGE_TOO_LARGE` (a server may report a wrong size)."""
        offset = 0
        while True:
            cancellation.raise_if_cancelled()
            typ, data = self.client.uid(
                "FETCH", str(uid), f"(UID BODY.PEEK[]<{offset}.{FETCH_CHUNK_BYTES}>)"
            )
            if typ != "OK":
                raise self._failed("FETCH", data)
            piece = _body_piece(data, uid)
            if piece is None:
                raise ConnectorError(
                    f"the message with uid {uid} disappeared from {self.selected!r}",
                    code=EmailErrorCode.MESSAGE_NOT_FOUND,
                    variables={"folder": self.selected, "uid": uid},
                    retryable=False,
                )
            into.write(piece)
            offset += len(piece)
            if offset > limit:
                raise too_large(offset, limit, {"folder": self.selected, "uid": uid})
            if len(piece) < FETCH_CHUNK_BYTES:
                return offset

    def store_flags(self, uids: Sequence[int], flag: str, *, add: bool) -> None:
        command = "+FLAGS.SILENT" if add else "-FLAGS.SILENT"
        typ, data = self.client.uid("STORE", ",".join(map(str, uids)), command, f"({flag})")
        if typ != "OK":
            raise self._failed("STORE", data)

    def move(self, uids: Sequence[int], target: str) -> tuple[list[int], bool]:
        """Move messages; returns their new UIDs when the server reports them (UIDPLUS)
        and whether the originals are gone (see :meth:`delete` for servers without MOVE
        and UIDPLUS)."""
        uid_set = ",".join(map(str, uids))
        mailbox = encode_mailbox(target)
        self._response_code("COPYUID")
        self._response_code("TRYCREATE")
        if "MOVE" in self.capabilities:
            typ, data = self.client.uid("MOVE", uid_set, mailbox)
            if typ != "OK":
                raise self._copy_failed(target, data)
            return _copyuid_targets(self._response_code("COPYUID"), uids), True
        typ, data = self.client.uid("COPY", uid_set, mailbox)
        if typ != "OK":
            raise self._copy_failed(target, data)
        copied = self._response_code("COPYUID")
        expunged = self.delete(uids)
        return _copyuid_targets(copied, uids), expunged

    def _copy_failed(self, target: str, data: Sequence[object]) -> ConnectorError:
        text = _text(data).lower()
        if self._response_code("TRYCREATE") or "doesn't exist" in text or "not exist" in text:
            return self._folder_missing(target, "targetFolder")
        return self._failed(f"MOVE to {target!r}", data)

    def delete(self, uids: Sequence[int]) -> bool:
        """Flag as deleted and expunge just these UIDs (UID EXPUNGE, UIDPLUS).

        Without UIDPLUS the messages stay flagged ``\\Deleted`` and this returns False:
        a plain EXPUNGE would also remove every message other clients flagged
        ``\\Deleted`` in the folder (which they may still mean to undelete).
        """
        self.store_flags(uids, "\\Deleted", add=True)
        if "UIDPLUS" not in self.capabilities:
            return False
        typ, data = self.client.uid("EXPUNGE", ",".join(map(str, uids)))
        if typ != "OK":
            raise self._failed("EXPUNGE", data)
        return True

    def folders(self) -> list[tuple[str, str | None, list[str]]]:
        typ, data = self.client.list()
        if typ != "OK":
            raise self._failed("LIST", data)
        out: list[tuple[str, str | None, list[str]]] = []
        for item in data:
            if isinstance(item, tuple):  # the name came as a literal
                head, name_raw = item[0], item[1]
                line = head.rsplit(b"{", 1)[0] + b'"' + name_raw.replace(b'"', b'\\"') + b'"'
            elif isinstance(item, bytes):
                line = item
            else:
                continue
            match = _LIST.match(line.strip())
            if not match:
                continue
            delim_raw = match.group("delim")
            delimiter = None if delim_raw == b"NIL" else _unquote(delim_raw)
            name = _unquote(match.group("name"))
            flags = match.group("flags").decode("ascii", "replace").split()
            out.append((decode_mailbox(name), delimiter, flags))
        return out


def _parenthesized(args: list[bytes]) -> list[bytes]:
    """Search keys with ``(`` joined to the key after it and ``)`` to the one before:
    imaplib puts a space between arguments, which a parenthesized list must not start or
    end with (``(FROM "a" SUBJECT "b")``)."""
    out: list[bytes] = []
    opening = b""
    for arg in args:
        if arg == b"(":
            opening += b"("
        elif arg == b")" and out:
            out[-1] += b")"
        else:
            out.append(opening + arg)
            opening = b""
    return out


def _unquote(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


def _copyuid_targets(codes: list[bytes], uids: Sequence[int]) -> list[int]:
    """Target UIDs from ``[COPYUID <validity> <source set> <target set>]``."""
    for code in codes:
        parts = code.split()
        if len(parts) == 3:
            return _expand_set(parts[2])
    return []


def _expand_set(raw: bytes) -> list[int]:
    out: list[int] = []
    for piece in raw.decode("ascii", "replace").split(","):
        if ":" in piece:
            low, high = piece.split(":", 1)
            if low.isdigit() and high.isdigit():
                a, b = sorted((int(low), int(high)))
                out.extend(range(a, b + 1))
        elif piece.isdigit():
            out.append(int(piece))
    return out


@contextmanager
def imap_session(connection: Connection, ctx: Context) -> Iterator[ImapSession]:
    """Connect (implicit TLS, STARTTLS or plain), log in, yield a session, log out.

    Every failure leaves as a :class:`ConnectorError` with an email error code.
    """
    username, password = require_login(connection, "IMAP")
    port = port_of(connection, "IMAP")
    host = connection.host
    context = tls_context(connection) if connection.security != "none" else None
    client: imaplib.IMAP4 | None = None
    token = ctx.cancellation
    try:
        addresses = checked_addresses(connection, "IMAP", port)
        if connection.security == "tls":
            client = _ImapSsl(
                host,
                port,
                ssl_context=context,
                timeout=connection.timeout,
                cancellation=token,
                addresses=addresses,
            )
        else:
            client = _Imap(
                host, port, timeout=connection.timeout, cancellation=token, addresses=addresses
            )
            if connection.security == "starttls":
                if "STARTTLS" not in client.capabilities:
                    raise ConnectorError(
                        f"the IMAP server {host}:{port} does not offer STARTTLS",
                        code=EmailErrorCode.TLS_FAILED,
                        variables={"protocol": "IMAP", "host": host, "port": port},
                        retryable=False,
                    )
                client.starttls(context)
        ctx.cancellation.raise_if_cancelled()
        _login(client, connection, username, password, port)
        session = ImapSession(client, connection, port)
        session.refresh_capabilities()
        yield session
    except (ConnectorError, InputError):
        raise
    except imaplib.IMAP4.abort as exc:
        raise ConnectorError(
            f"the IMAP server {host}:{port} dropped the connection: {_brief(str(exc))}",
            code=EmailErrorCode.CONNECTION_FAILED,
            variables={"protocol": "IMAP", "host": host, "port": port},
        ) from None
    except imaplib.IMAP4.error as exc:
        raise ConnectorError(
            f"IMAP failed: {_brief(str(exc))}",
            code=EmailErrorCode.IMAP_ERROR,
            variables={"protocol": "IMAP", "host": host, "port": port},
        ) from None
    except OSError as exc:
        raise network_error(exc, protocol="IMAP", host=host, port=port) from None
    finally:
        if client is not None:
            _close(client)


def _login(
    client: imaplib.IMAP4, connection: Connection, username: str, password: str, port: int
) -> None:
    method = connection.auth_method
    plain = method == "plain" or (method == "auto" and "AUTH=PLAIN" in client.capabilities)
    if not plain:
        # LOGIN sends quoted strings, which IMAP4rev1 allows only in ASCII; SASL PLAIN
        # carries UTF-8 (RFC 4616).
        for name, value in (("username", username), ("password", password)):
            if not value.isascii():
                raise InputError(
                    f"connection.{name}: IMAP LOGIN accepts only ASCII; use authMethod "
                    "'plain' (AUTHENTICATE PLAIN, UTF-8) if the server offers it",
                    field=f"connection.{name}",
                )
    try:
        if plain:
            payload = f"\0{username}\0{password}".encode()
            client.authenticate("PLAIN", lambda _challenge: payload)
        else:
            client.login(username, password)
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as exc:
        detail = str(
            exc.args[0].decode("utf-8", "replace")
            if exc.args and isinstance(exc.args[0], bytes)
            else exc
        )
        raise ConnectorError(
            f"the IMAP server rejected the credentials: {_brief(detail)}",
            code=EmailErrorCode.AUTHENTICATION_FAILED,
            variables={"protocol": "IMAP", "host": connection.host, "port": port},
            retryable=False,
        ) from None


def _close(client: imaplib.IMAP4) -> None:
    # An answer cut short (too large, or the job cancelled) leaves the rest of it on the
    # wire: no LOGOUT then, whose reply would come after it, just close.
    if isinstance(client, _BoundedReading) and (client.broken or client.cancellation.cancelled):
        with suppress(OSError):
            client.shutdown()
        return
    # LOGOUT, not CLOSE: CLOSE would expunge every message flagged \Deleted by anyone.
    try:
        client.logout()
    except (imaplib.IMAP4.error, OSError, ConnectorError):
        with suppress(OSError):
            client.shutdown()
