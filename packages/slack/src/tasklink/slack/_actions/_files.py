"""Files: upload a document and share it in a channel or thread."""

from __future__ import annotations

from tasklink.core import Context

from .. import _api
from .._inputs import UploadFile
from .._outputs import FileResult

__all__ = ["upload_file"]


async def upload_file(input: UploadFile, ctx: Context) -> FileResult:
    """``files.getUploadURLExternal``, the upload, ``files.completeUploadExternal``."""
    conn = input.connection()
    channel = None
    if input.channel:
        channel = await _api.resolve_conversation(ctx, conn, input.channel, open_dm=True)
    file = await _api.upload_file(
        ctx,
        conn,
        input.document,
        channel=channel,
        thread_ts=input.thread_ts,
        file_name=input.file_name,
        title=input.title,
        initial_comment=input.initial_comment,
    )
    return FileResult(file_id=str(file.get("id") or ""), channel=channel, file=file)
