"""Camunda's POP3 actions, on this connector's POP3 session (``poplib``, TLS, limits).

POP3 knows messages by number and unique id only: a message is found by its Message-ID
by reading the header of each (``TOP n 0``), the first match winning, as Jakarta Mail's
client-side search does; the ids are compared without their angle brackets. Searching
matches each message here (see :mod:`._criteria`); a BODY criterion downloads the
messages it looks into (one larger than 64 MiB is skipped, with a warning). Reading does
not delete the message (Camunda's outbound connector does not either, whatever its
template's hint says); deletions take effect when the session ends with QUIT.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tasklink.core import ConnectorError, Context, ErrorCode, InputError, spooled_file

from .._errors import EmailErrorCode
from .._mailbox_models import DEFAULT_MAX_MESSAGE_BYTES
from .._mime import outline
from .._models import Connection
from .._parse import content_fields, header_pairs, parse, summary_fields
from .._pop3 import Pop3Session, pop3_session
from .._pop3_ops import download
from .._tls import register_credentials
from ._criteria import matches, parse_criteria
from ._models import Pop3Action
from ._results import bare_message_id, listed, read_response

__all__ = ["ACTIONS", "run"]

_ACTION = "data.pop3Action"


def _message_id(action: Pop3Action) -> str:
    if action.message_id is None:
        field = f"{_ACTION}.messageId"
        raise InputError(f"{field}: required", code=ErrorCode.MISSING_INPUT, field=field)
    return action.message_id


def _numbers(session: Pop3Session) -> list[int]:
    """Message numbers in mailbox order (1 = oldest)."""
    return sorted(session.sizes())


def _find(session: Pop3Session, wanted: str, ctx: Context) -> int:
    bare = bare_message_id(wanted)
    for number in _numbers(session):
        ctx.cancellation.raise_if_cancelled()
        header = parse(session.header(number))
        if bare_message_id(str(header.get("Message-ID", ""))) == bare:
            return number
    raise ConnectorError(
        f"no message with Message-ID {wanted!r} in the mailbox",
        code=EmailErrorCode.MESSAGE_NOT_FOUND,
        variables={"messageId": wanted},
        retryable=False,
    )


def _sorted(values: list[Any], key: Callable[[Any], Any], descending: bool) -> list[Any]:
    # Unknown values (no Date header) sort as the oldest; Camunda's comparator fails on them.
    return sorted(values, key=lambda v: (key(v) is not None, key(v)), reverse=descending)


def list_emails(action: Pop3Action, connection: Connection, ctx: Context) -> list[dict[str, Any]]:
    """``listEmailsPop3``: every message sorted by ``sortField`` (``SENT_DATE``, ``SIZE``)
    and ``sortOrder``, then the first ``maxToBeRead``; sorting by size reads the headers
    of those only."""
    descending = action.sort_order == "DESC"
    with pop3_session(connection, ctx) as session:
        sizes = session.sizes()
        numbers = sorted(sizes)
        if action.sort_field == "SIZE":
            numbers = _sorted(numbers, sizes.get, descending)[: action.max_to_be_read]
        found: list[dict[str, Any]] = []
        for number in numbers:
            ctx.cancellation.raise_if_cancelled()
            found.append(summary_fields(parse(session.header(number)), sizes[number]))
    if action.sort_field == "SENT_DATE":
        found = _sorted(found, lambda s: s["date"], descending)[: action.max_to_be_read]
    return [listed(summary) for summary in found]


def search_emails(action: Pop3Action, connection: Connection, ctx: Context) -> list[dict[str, Any]]:
    """``searchEmailsPop3``: ``[{messageId, subject}]`` of every match, in mailbox order."""
    tree = parse_criteria(action.criteria, f"{_ACTION}.criteria")
    found: list[dict[str, Any]] = []
    with pop3_session(connection, ctx) as session:
        sizes = session.sizes()
        for number in sorted(sizes):
            ctx.cancellation.raise_if_cancelled()
            header = parse(session.header(number))
            if matches(tree, header, _bodies(session, number, sizes[number], ctx)):
                summary = summary_fields(header, sizes[number])
                found.append({"messageId": summary["message_id"], "subject": summary["subject"]})
    return found


def _bodies(session: Pop3Session, number: int, size: int, ctx: Context) -> Callable[[], list[str]]:
    """Reads the text and HTML bodies of message ``number`` when first called."""
    read: list[str] | None = None

    def bodies() -> list[str]:
        nonlocal read
        if read is None:
            read = []
            if size > DEFAULT_MAX_MESSAGE_BYTES:
                ctx.logger.warning("message %d is too large to search its body", number)
                return read
            with spooled_file() as raw:
                got = download(
                    session, number, raw, uid=str(number), limit=DEFAULT_MAX_MESSAGE_BYTES, ctx=ctx
                )
                fields = content_fields(outline(raw), got, with_documents=False)
            read = [text for text in (fields["text"], fields["html"]) if text]
        return read

    return bodies


def read_email(action: Pop3Action, connection: Connection, ctx: Context) -> dict[str, Any]:
    """``readEmailPop3``: the message with its attachments as documents (no receive date:
    POP3 has none)."""
    wanted = _message_id(action)
    with spooled_file() as raw:
        with pop3_session(connection, ctx) as session:
            number = _find(session, wanted, ctx)
            size = download(
                session, number, raw, uid=str(number), limit=DEFAULT_MAX_MESSAGE_BYTES, ctx=ctx
            )
        parsed = outline(raw)
        fields = content_fields(parsed, size, with_documents=True)
        return read_response(fields, header_pairs(parsed.message), None)


def delete_email(action: Pop3Action, connection: Connection, ctx: Context) -> dict[str, Any]:
    """``deleteEmailPop3``: ``{messageId, deleted: true}``."""
    wanted = _message_id(action)
    with pop3_session(connection, ctx) as session:
        session.delete(_find(session, wanted, ctx))
    return {"messageId": wanted, "deleted": True}


ACTIONS: dict[str, Callable[[Pop3Action, Connection, Context], Any]] = {
    "listEmailsPop3": list_emails,
    "searchEmailsPop3": search_emails,
    "readEmailPop3": read_email,
    "deleteEmailPop3": delete_email,
}


def run(discriminator: str, action: Pop3Action | None, connection: Connection, ctx: Context) -> Any:
    """Run the POP3 action ``discriminator`` names."""
    register_credentials(connection, ctx)
    return ACTIONS[discriminator](action or Pop3Action(), connection, ctx)
