"""The POP3 operations, on top of :mod:`._pop3`."""

from __future__ import annotations

from typing import IO

from tasklink.core import Context, spooled_file

from ._errors import too_large
from ._mailbox_models import (
    Pop3Deleted,
    Pop3List,
    Pop3Message,
    Pop3MessageList,
    Pop3MessageSummary,
    Pop3Read,
    Pop3Select,
)
from ._mime import outline
from ._parse import content_fields, parse, summary_fields
from ._pop3 import Pop3Session, pop3_session
from ._tls import register_credentials

__all__ = ["delete_message", "download", "list_messages", "read_message"]


def list_messages(data: Pop3List, ctx: Context) -> Pop3MessageList:
    register_credentials(data.connection, ctx)
    with pop3_session(data.connection, ctx) as session:
        by_number = {number: uid for uid, number in session.uids().items()}
        sizes = session.sizes()
        newest = sorted(by_number, reverse=True)[: data.limit]
        messages: list[Pop3MessageSummary] = []
        for number in newest:
            ctx.cancellation.raise_if_cancelled()
            header = parse(session.header(number))
            messages.append(
                Pop3MessageSummary(
                    **summary_fields(header, sizes.get(number, 0)),
                    uid=by_number[number],
                    number=number,
                )
            )
    return Pop3MessageList(total=len(by_number), messages=messages)


def download(
    session: Pop3Session, number: int, into: IO[bytes], *, uid: str, limit: int, ctx: Context
) -> int:
    """Copy message ``number`` (unique id ``uid``) into ``into``; returns its size. A
    message over ``limit`` bytes fails before it is fetched (``MESSAGE_TOO_LARGE``)."""
    listed = session.sizes().get(number)
    if listed is not None and listed > limit:
        raise too_large(listed, limit, {"uid": uid})
    return session.retrieve(number, into, limit=limit, cancellation=ctx.cancellation, uid=uid)


def read_message(data: Pop3Read, ctx: Context) -> Pop3Message:
    register_credentials(data.connection, ctx)
    with spooled_file() as raw:
        with pop3_session(data.connection, ctx) as session:
            number = session.number_of(data.uid)
            size = download(
                session, number, raw, uid=data.uid, limit=data.max_message_bytes, ctx=ctx
            )
            if data.delete_after_read:
                session.delete(number)
        fields = content_fields(outline(raw), size, with_documents=data.include_attachment_content)
    return Pop3Message(**fields, uid=data.uid, deleted=data.delete_after_read)


def delete_message(data: Pop3Select, ctx: Context) -> Pop3Deleted:
    register_credentials(data.connection, ctx)
    with pop3_session(data.connection, ctx) as session:
        session.delete(session.number_of(data.uid))
    return Pop3Deleted(uid=data.uid)
