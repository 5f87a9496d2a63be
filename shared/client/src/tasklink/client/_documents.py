"""Documents fetched from an http(s) URL (``"camunda.document.type": "external"``)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

from tasklink.core import (
    ConnectorError,
    Context,
    Document,
    DocumentMetadata,
    JobInfo,
    MappingSecretProvider,
    SecretResolver,
)

from ._options import FieldNames, Timeouts
from ._urls import safe_url, url_file_name

__all__ = ["external_document"]

# A download may take long: the job's own deadline bounds it, and connect and read time
# limits each step.
_TIMEOUTS = Timeouts(connect=20.0, read=60.0, total=None)


def external_document(
    url: str, *, name: str | None = None, limit: int | None = None, field: str = "document"
) -> Document:
    """A document whose content is fetched from ``url`` through the shared client (its
    outbound guard, redirects, TLS) when it is read, streamed, at most ``limit`` bytes.
    Its content type becomes known with the response."""
    file_name = name or url_file_name(url)
    metadata = DocumentMetadata(file_name=file_name)
    document: Document

    async def opener() -> AsyncIterator[bytes]:
        from ._errors import status_error
        from ._send import Request, stream

        request = Request(
            "GET",
            url,
            timeouts=_TIMEOUTS,
            follow_redirects=True,
            max_response_bytes=limit if limit is not None else 2**62,
            explicit_limit=True,
            fields=FieldNames(url=document.field),
        )
        async with stream(request, _bare_context()) as response:
            if response.status >= 400:
                error = status_error(
                    response.method,
                    safe_url(response.url),
                    response.status,
                    response.reason,
                    variables={"status": response.status},
                )
                raise ConnectorError(
                    f"{document.field}: the document at {safe_url(url)} could not be fetched: "
                    f"{error.message}",
                    code=error.code,
                    variables=error.variables,
                    retryable=error.retryable,
                )
            document.metadata = dataclasses.replace(
                document.metadata, content_type=response.content_type
            )
            async for chunk in response.chunks():
                yield chunk

    document = Document(opener, metadata, limit=limit, field=field)
    return document


def _bare_context() -> Context:
    # Reading a document happens inside the operation, with the job's secrets already
    # resolved into the URL: a context of its own serves the client's logging.
    return Context(JobInfo(), SecretResolver(MappingSecretProvider({})))
