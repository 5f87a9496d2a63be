"""Camunda's IMAP actions, on this connector's IMAP session (``imaplib``, TLS, limits).

* Folders: empty or ``INBOX`` is the inbox; other names are split on ``.`` and ``/`` and
  joined with the server's delimiter (``Archive/2026`` is ``Archive.2026`` on a server
  whose delimiter is ``.``), as Camunda's ``findImapFolder`` does. A missing folder is
  ``FOLDER_NOT_FOUND``, except the target of a move, which is created.
* A message is found by its Message-ID (``HEADER Message-ID``); with several in the folder,
  the first (the oldest) is the one read, deleted or moved, as Camunda takes the first
  that its search returns. None is ``MESSAGE_NOT_FOUND``.
* Reading never marks the message seen; deleting removes just that message (UID EXPUNGE),
  where Camunda's closing of the folder expunges every message flagged deleted in it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from tasklink.core import Context, ErrorCode, InputError, spooled_file

from .._imap import ImapSession, imap_session
from .._imap_ops import download, selected_uids, summaries
from .._mailbox_models import DEFAULT_MAX_MESSAGE_BYTES, ImapSelect, check_message_id
from .._mime import outline
from .._models import Connection
from .._parse import content_fields, header_pairs
from .._tls import register_credentials
from ._criteria import imap_keys, parse_criteria
from ._models import ImapAction
from ._results import listed, read_response

__all__ = ["ACTIONS", "folder_name", "message_id", "run"]

_ACTION = "data.imapAction"
_BATCH = 100


def folder_name(session: ImapSession, name: str | None) -> str:
    """Camunda's folder path on this server."""
    if name is None or not name.strip() or name.strip().upper() == "INBOX":
        return "INBOX"
    parts = [part for part in re.split(r"[./]", name.strip()) if part]
    return session.separator().join(parts) if parts else "INBOX"


def _required(value: str | None, name: str) -> str:
    if value is None:
        field = f"{_ACTION}.{name}"
        raise InputError(f"{field}: required", code=ErrorCode.MISSING_INPUT, field=field)
    return value


def message_id(value: str | None) -> str:
    """The Message-ID ``value`` with its angle brackets (``<a@b>``); input errors name
    ``data.imapAction.messageId``."""
    value = _required(value, "messageId")
    field = f"{_ACTION}.messageId"
    try:
        normalized = check_message_id(value)
    except ValueError as exc:
        raise InputError(f"{field}: {exc}", field=field) from None
    assert normalized is not None  # a blank value arrives as None
    return normalized


def _first(session: ImapSession, connection: Connection, folder: str, wanted: str) -> int:
    select = ImapSelect.model_construct(
        connection=connection, folder=folder, uid=None, message_id=wanted
    )
    return min(selected_uids(session, select))


def _metadata(session: ImapSession, uids: list[int], ctx: Context) -> list[Any]:
    out: list[Any] = []
    for start in range(0, len(uids), _BATCH):
        ctx.cancellation.raise_if_cancelled()
        out += session.fetch(uids[start : start + _BATCH], header=False)
    return out


def _sorted(values: list[Any], key: Any, descending: bool) -> list[Any]:
    # Unknown values (no Date header) sort as the oldest; Camunda's comparator fails on them.
    return sorted(values, key=lambda v: (key(v) is not None, key(v)), reverse=descending)


def list_emails(action: ImapAction, connection: Connection, ctx: Context) -> list[dict[str, Any]]:
    """``listEmailsImap``: every message sorted by ``sortField`` and ``sortOrder``, then
    the first ``maxToBeRead``. Sorting by received date or size reads only the messages'
    metadata; by sent date, the header of every message."""
    descending = action.sort_order == "DESC"
    with imap_session(connection, ctx) as session:
        folder = folder_name(session, action.list_emails_folder)
        session.select(folder, readonly=True, field=f"{_ACTION}.listEmailsFolder")
        uids = session.search([b"ALL"])
        if action.sort_field == "SENT_DATE":
            found = _sorted(summaries(session, uids, ctx), lambda s: s.date, descending)
            chosen = found[: action.max_to_be_read]
        else:
            metadata = _metadata(session, uids, ctx)
            if action.sort_field == "SIZE":
                ordered = _sorted(metadata, lambda m: m.size, descending)
            else:
                ordered = _sorted(metadata, lambda m: m.internal_date, descending)
            picked = [m.uid for m in ordered[: action.max_to_be_read]]
            by_uid = {s.uid: s for s in summaries(session, picked, ctx)}
            chosen = [by_uid[uid] for uid in picked if uid in by_uid]
    return [listed(summary.model_dump()) for summary in chosen]


def search_emails(action: ImapAction, connection: Connection, ctx: Context) -> list[dict[str, Any]]:
    """``searchEmailsImap``: ``[{messageId, subject}]`` of every match, in folder order."""
    tree = parse_criteria(action.criteria, f"{_ACTION}.criteria")
    with imap_session(connection, ctx) as session:
        folder = folder_name(session, action.search_email_folder)
        session.select(folder, readonly=True, field=f"{_ACTION}.searchEmailFolder")
        uids = session.search(imap_keys(tree))
        found = summaries(session, uids, ctx)
    return [{"messageId": s.message_id, "subject": s.subject} for s in found]


def read_email(action: ImapAction, connection: Connection, ctx: Context) -> dict[str, Any]:
    """``readEmailImap``: the message with its attachments as documents."""
    wanted = message_id(action.message_id)
    with spooled_file() as raw:
        with imap_session(connection, ctx) as session:
            folder = folder_name(session, action.read_email_folder)
            session.select(folder, readonly=True, field=f"{_ACTION}.readEmailFolder")
            uid = _first(session, connection, folder, wanted)
            message, size = download(session, uid, raw, limit=DEFAULT_MAX_MESSAGE_BYTES, ctx=ctx)
        parsed = outline(raw)
        fields = content_fields(parsed, size, with_documents=True)
        received: datetime | None = message.internal_date
        return read_response(fields, header_pairs(parsed.message), received)


def delete_email(action: ImapAction, connection: Connection, ctx: Context) -> dict[str, Any]:
    """``deleteEmailImap``: ``{messageId, deleted: true}``."""
    wanted = message_id(action.message_id)
    with imap_session(connection, ctx) as session:
        folder = folder_name(session, action.delete_email_folder)
        session.select(folder, readonly=False, field=f"{_ACTION}.deleteEmailFolder")
        session.delete([_first(session, connection, folder, wanted)])
    return {"messageId": action.message_id, "deleted": True}


def move_email(action: ImapAction, connection: Connection, ctx: Context) -> dict[str, Any]:
    """``moveEmailImap``: ``{messageId, from, to}`` (the folder names as given); the target
    folder is created when it does not exist, as Camunda creates it."""
    wanted = message_id(action.message_id)
    from_folder = _required(action.from_folder, "fromFolder")
    to_folder = _required(action.to_folder, "toFolder")
    with imap_session(connection, ctx) as session:
        source = folder_name(session, from_folder)
        target = folder_name(session, to_folder)
        session.select(source, readonly=False, field=f"{_ACTION}.fromFolder")
        uid = _first(session, connection, source, wanted)
        if not session.exists(target):
            session.create_folder(target)
        _, expunged = session.move([uid], target)
    if not expunged:
        ctx.logger.warning(
            "the IMAP server has neither MOVE nor UIDPLUS: the original of the moved "
            "message is flagged \\Deleted in %r but not expunged",
            source,
        )
    return {"messageId": action.message_id, "from": from_folder, "to": to_folder}


ACTIONS: dict[str, Callable[[ImapAction, Connection, Context], Any]] = {
    "listEmailsImap": list_emails,
    "searchEmailsImap": search_emails,
    "readEmailImap": read_email,
    "deleteEmailImap": delete_email,
    "moveEmailImap": move_email,
}


def run(discriminator: str, action: ImapAction | None, connection: Connection, ctx: Context) -> Any:
    """Run the IMAP action ``discriminator`` names."""
    register_credentials(connection, ctx)
    return ACTIONS[discriminator](action or ImapAction(), connection, ctx)
