"""The IMAP operations, on top of :mod:`._imap`."""

from __future__ import annotations

from typing import IO

from tasklink.core import ConnectorError, Context, InputError, spooled_file

from ._errors import EmailErrorCode, too_large
from ._imap import FetchedMessage, ImapSession, imap_date, imap_session
from ._mailbox_models import (
    FolderInfo,
    FolderList,
    ImapFolders,
    ImapList,
    ImapMark,
    ImapMessage,
    ImapMessageList,
    ImapMessageSummary,
    ImapMove,
    ImapRead,
    ImapSearch,
    ImapSelect,
    ImapUpdated,
)
from ._mime import outline
from ._parse import content_fields, parse, summary_fields
from ._tls import register_credentials

__all__ = [
    "delete_message",
    "download",
    "list_folders",
    "list_messages",
    "mark_message",
    "move_message",
    "read_message",
    "search_messages",
    "selected_uids",
    "summaries",
]

SEEN = "\\Seen"


def _check_selector(data: ImapSelect) -> None:
    if data.uid is None and data.message_id is None:
        raise InputError("uid: give the message's uid or its messageId", field="uid")
    if data.uid is not None and data.message_id is not None:
        raise InputError("uid: give either uid or messageId, not both", field="uid")


def selected_uids(session: ImapSession, data: ImapSelect) -> list[int]:
    if data.uid is not None:
        uids = session.search([b"UID", str(data.uid).encode("ascii")])
        what = f"uid {data.uid}"
    else:
        assert data.message_id is not None
        uids = session.search([], [(b"HEADER Message-ID", data.message_id)])
        what = f"Message-ID {data.message_id}"
    if not uids:
        raise ConnectorError(
            f"no message with {what} in the folder {data.folder!r}",
            code=EmailErrorCode.MESSAGE_NOT_FOUND,
            variables={"folder": data.folder, "uid": data.uid, "messageId": data.message_id},
            retryable=False,
        )
    return uids


def summaries(session: ImapSession, uids: list[int], ctx: Context) -> list[ImapMessageSummary]:
    out: list[ImapMessageSummary] = []
    # Fetch in batches so a large limit neither builds one huge command nor ignores
    # cancellation for long.
    for start in range(0, len(uids), 100):
        ctx.cancellation.raise_if_cancelled()
        for fetched in session.fetch(uids[start : start + 100]):
            out.append(_summary(fetched))
    return out


def _summary(fetched: FetchedMessage) -> ImapMessageSummary:
    return ImapMessageSummary(
        **summary_fields(parse(fetched.data), fetched.size),
        uid=fetched.uid,
        seen=SEEN in fetched.flags,
        flags=fetched.flags,
        received_at=fetched.internal_date,
    )


def list_folders(data: ImapFolders, ctx: Context) -> FolderList:
    register_credentials(data.connection, ctx)
    with imap_session(data.connection, ctx) as session:
        folders = session.folders()
    return FolderList(folders=[FolderInfo(name=n, delimiter=d, flags=f) for n, d, f in folders])


def list_messages(data: ImapList, ctx: Context) -> ImapMessageList:
    register_credentials(data.connection, ctx)
    with imap_session(data.connection, ctx) as session:
        session.select(data.folder, readonly=True)
        uids = session.search([b"UNSEEN"] if data.unseen_only else [b"ALL"])
        newest = sorted(uids, reverse=True)[: data.limit]
        messages = summaries(session, newest, ctx)
    return ImapMessageList(folder=data.folder, total=len(uids), messages=messages)


def _criteria(data: ImapSearch) -> tuple[list[bytes], list[tuple[bytes, str]]]:
    criteria: list[bytes] = []
    texts = [
        (key, value)
        for key, value in (
            (b"FROM", data.sender),
            (b"TO", data.to),
            (b"SUBJECT", data.subject),
            (b"BODY", data.body),
        )
        if value is not None
    ]
    if data.since is not None:
        criteria += [b"SINCE", imap_date(data.since).encode("ascii")]
    if data.before is not None:
        criteria += [b"BEFORE", imap_date(data.before).encode("ascii")]
    if data.unseen_only:
        criteria.append(b"UNSEEN")
    return criteria, texts


def search_messages(data: ImapSearch, ctx: Context) -> ImapMessageList:
    if data.since and data.before and data.since >= data.before:
        raise InputError("before: must be later than since", field="before")
    register_credentials(data.connection, ctx)
    criteria, texts = _criteria(data)
    with imap_session(data.connection, ctx) as session:
        session.select(data.folder, readonly=True)
        uids = session.search(criteria, texts)
        newest = sorted(uids, reverse=True)[: data.limit]
        messages = summaries(session, newest, ctx)
    return ImapMessageList(folder=data.folder, total=len(uids), messages=messages)


def download(
    session: ImapSession, uid: int, into: IO[bytes], *, limit: int, ctx: Context
) -> tuple[FetchedMessage, int]:
    """Copy message ``uid`` of the selected folder into ``into``: its metadata and size.
    A message over ``limit`` bytes fails before it is fetched (``MESSAGE_TOO_LARGE``)."""
    folder = session.selected
    described = session.fetch([uid], header=False)
    if not described:  # expunged between SEARCH and FETCH
        raise ConnectorError(
            f"the message with uid {uid} disappeared from {folder!r}",
            code=EmailErrorCode.MESSAGE_NOT_FOUND,
            variables={"folder": folder, "uid": uid},
            retryable=False,
        )
    message = described[0]
    if message.size > limit:
        raise too_large(message.size, limit, {"folder": folder, "uid": uid})
    size = session.fetch_raw(uid, into, limit=limit, cancellation=ctx.cancellation)
    return message, size


def read_message(data: ImapRead, ctx: Context) -> ImapMessage:
    _check_selector(data)
    register_credentials(data.connection, ctx)
    with spooled_file() as raw:
        with imap_session(data.connection, ctx) as session:
            session.select(data.folder, readonly=not data.mark_as_seen)
            uid = max(selected_uids(session, data))
            message, size = download(session, uid, raw, limit=data.max_message_bytes, ctx=ctx)
            flags = list(message.flags)
            if data.mark_as_seen and SEEN not in flags:
                session.store_flags([uid], SEEN, add=True)
                flags.append(SEEN)
        fields = content_fields(outline(raw), size, with_documents=data.include_attachment_content)
    return ImapMessage(
        **fields,
        uid=uid,
        folder=data.folder,
        seen=SEEN in flags,
        flags=flags,
        received_at=message.internal_date,
    )


def move_message(data: ImapMove, ctx: Context) -> ImapUpdated:
    _check_selector(data)
    register_credentials(data.connection, ctx)
    with imap_session(data.connection, ctx) as session:
        session.select(data.folder, readonly=False)
        uids = selected_uids(session, data)
        targets, expunged = session.move(uids, data.target_folder)
    if not expunged:
        ctx.logger.warning(
            "the IMAP server has neither MOVE nor UIDPLUS: the original of the moved "
            "message is flagged \\Deleted in %r but not expunged",
            data.folder,
        )
    return ImapUpdated(
        folder=data.folder,
        uids=uids,
        target_folder=data.target_folder,
        target_uids=targets,
        expunged=expunged,
    )


def delete_message(data: ImapSelect, ctx: Context) -> ImapUpdated:
    _check_selector(data)
    register_credentials(data.connection, ctx)
    with imap_session(data.connection, ctx) as session:
        session.select(data.folder, readonly=False)
        uids = selected_uids(session, data)
        expunged = session.delete(uids)
    if not expunged:
        ctx.logger.warning(
            "the IMAP server lacks UIDPLUS: the message is flagged \\Deleted in %r but not "
            "expunged (a folder-wide EXPUNGE would remove other clients' deleted mail too)",
            data.folder,
        )
    return ImapUpdated(folder=data.folder, uids=uids, expunged=expunged)


def mark_message(data: ImapMark, ctx: Context) -> ImapUpdated:
    _check_selector(data)
    register_credentials(data.connection, ctx)
    with imap_session(data.connection, ctx) as session:
        session.select(data.folder, readonly=False)
        uids = selected_uids(session, data)
        session.store_flags(uids, SEEN, add=data.seen)
    return ImapUpdated(folder=data.folder, uids=uids)
