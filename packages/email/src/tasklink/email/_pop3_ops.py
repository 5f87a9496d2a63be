"""The POP3 operations, on top of :mod:`._pop3`."""

from __future__ import annotations

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
from ._pop3 import pop3_session
from ._tls import register_credentials

__all__ = ["delete_message", "list_messages", "read_message"]


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


def read_message(data: Pop3Read, ctx: Context) -> Pop3Message:
    register_credentials(data.connection, ctx)
    with spooled_file() as raw:
        with pop3_session(data.connection, ctx) as session:
            number = session.number_of(data.uid)
            listed = session.sizes().get(number)
            if listed is not None and listed > data.max_message_bytes:
                raise too_large(listed, data.max_message_bytes, {"uid": data.uid})
            size = session.retrieve(
                number,
                raw,
                limit=data.max_message_bytes,
                cancellation=ctx.cancellation,
                uid=data.uid,
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
