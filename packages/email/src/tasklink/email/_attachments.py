"""Reading the attachments of ``send``: every document whole, before anything is sent.

A document's content may come from far (Camunda's document store, an http(s) URL): it is
read before the SMTP connection is opened, so a document that cannot be read, or that
is too large, fails the job with nothing sent.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass

from tasklink.core import ConnectorError, Document, DocumentMetadata, InputError

from ._errors import EmailErrorCode
from ._models import check_content_type, check_file_name

__all__ = ["AttachmentFile", "read_attachments"]


@dataclass(frozen=True, slots=True)
class AttachmentFile:
    """An attachment ready to be written into the message."""

    file_name: str
    maintype: str
    subtype: str
    content: bytes


async def read_attachments(documents: Sequence[Document], limit: int) -> list[AttachmentFile]:
    """The content, file name and content type of every attachment, at most ``limit``
    bytes together; errors name the attachment (``attachments[i]``)."""
    files: list[AttachmentFile] = []
    total = 0
    for index, document in enumerate(documents):
        where = f"attachments[{index}]"
        document.field = where  # what goes wrong reading it names the attachment
        chunks: list[bytes] = []
        async for chunk in document.chunks():
            total += len(chunk)
            if total > limit:
                raise ConnectorError(
                    f"{where}: the attachments have more than maxAttachmentBytes "
                    f"({limit}) bytes together",
                    code=EmailErrorCode.DOCUMENT_TOO_LARGE,
                    variables={"field": where, "maxAttachmentBytes": limit},
                    retryable=False,
                )
            chunks.append(chunk)
        # After reading: a document fetched from a URL learns its content type then.
        files.append(_file(where, document.metadata, b"".join(chunks)))
    return files


def _file(where: str, metadata: DocumentMetadata, content: bytes) -> AttachmentFile:
    name = metadata.file_name
    if name is not None:
        try:
            check_file_name(name)
        except ValueError as exc:
            raise InputError(f"{where}: the file name {exc}", field=where) from None
    try:
        # Parameters (charset=...) are dropped: the content goes base64 as it is.
        content_type = check_content_type((metadata.content_type or "").partition(";")[0])
    except ValueError as exc:
        raise InputError(f"{where}.contentType: {exc}", field=f"{where}.contentType") from None
    if content_type is None:
        guessed = mimetypes.guess_type(name)[0] if name else None
        content_type = guessed or "application/octet-stream"
    maintype, _, subtype = content_type.partition("/")
    if maintype == "multipart":
        raise InputError(
            f"{where}.contentType: a multipart type cannot be attached",
            field=f"{where}.contentType",
        )
    if name is None:
        name = "attachment" + (mimetypes.guess_extension(content_type) or "")
    return AttachmentFile(name, maintype, subtype, content)
