"""One job's request through the shared client (``tasklink.client``).

The shared client owns what every HTTP connector must get right: the pooled clients, the
outbound guard, authentication with cached tokens, redirects that keep credentials at
their origin, the total deadline, the response size limit and one classification of
failures. This module only describes the REST connector's request to it, in the
connector's own field names, and turns the response into the connector's output; a
status from 400 up becomes an error carrying that output. With ``storeResponse`` the body
is streamed into a document (spooled to disk past 1 MiB) instead of being read whole:
bounded by the document store (or a lower ``maxResponseBytes``), not by the operator's
ceiling on bodies held in memory, which still holds an error status's body.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from tasklink import client
from tasklink.core import Context, Document

from .__about__ import __version__
from ._models import DEFAULT_MAX_RESPONSE_BYTES, HttpRequest, HttpResponse
from ._response import file_name, response_output

__all__ = ["FIELDS", "USER_AGENT", "Fetched", "fetch", "send"]

USER_AGENT = f"tasklink-http/{__version__}"

#: The REST connector's names for the settings errors point at.
FIELDS = client.FieldNames(
    url="url",
    headers="headers",
    connect_timeout="connectionTimeoutInSeconds",
    read_timeout="readTimeoutInSeconds",
    total_timeout="totalTimeoutInSeconds",
    max_response_bytes="maxResponseBytes",
    max_redirects="maxRedirects",
    token_url="authentication.tokenUrl",  # noqa: S106 - a field name
    tls=client.TlsFields(ca="tls.caCertificate", client_certificate="tls.clientCertificate"),
)


@dataclass(frozen=True, slots=True)
class Fetched:
    """A response read whole, or, with ``storeResponse``, its head with the body stored
    as ``document`` (``response.content`` empty then, unless the status is an error)."""

    response: client.Response
    document: Document | None = None


async def fetch(
    request: HttpRequest,
    ctx: Context,
    *,
    auth: client.AuthScheme | None = None,
    fields: client.FieldNames = FIELDS,
    method: str | None = None,
) -> Fetched:
    """Send ``request`` and return the response whatever its status. ``auth`` replaces
    the request's own authentication, ``fields`` its field names in messages and
    ``method`` its method (APA's TRACE, which the connector's own model does not offer):
    the vendor contracts send their requests through here, in their own terms."""
    outgoing = _outgoing(request, auth, fields)
    if method is not None:
        outgoing = dataclasses.replace(outgoing, method=method)
    if not request.store_response:
        return Fetched(await client.send(outgoing, ctx))
    async with client.stream(outgoing, ctx) as streamed:
        if streamed.status >= 400:  # an error's body belongs in the error, as always
            # Read into memory: within the operator's ceiling too (the client holds to it).
            content = await streamed.read(request.max_response_bytes)
            return Fetched(_read(streamed, content))
        document = await Document.from_chunks(
            streamed.chunks(),
            file_name=file_name(streamed.headers.get("content-disposition"))
            or client.url_file_name(streamed.url),
            content_type=streamed.content_type,
            limit=None,  # the stream holds to the request's limit
            field="response",
        )
    return Fetched(_read(streamed, b""), document)


async def send(request: HttpRequest, ctx: Context) -> HttpResponse:
    """Send ``request`` and return its output; statuses >= 400 raise the status error."""
    fetched = await fetch(request, ctx)
    if fetched.document is None:
        return _output(fetched.response, ctx)
    output = response_output(fetched.response)
    output.update(body=None, bodyType="document", document=fetched.document)
    return HttpResponse.model_validate(output)


def _outgoing(
    request: HttpRequest, auth: client.AuthScheme | None, fields: client.FieldNames
) -> client.Request:
    body = request.encoded_body
    limit = request.document_limit if request.store_response else request.max_response_bytes
    return client.Request(
        method=request.method,
        url=request.url,
        headers=request.request_headers,
        query=request.query,
        content=body.content if body is not None else None,
        content_type=body.content_type if body is not None else None,
        auth=auth if auth is not None else request.authentication.scheme(),
        tls=request.tls.config(),
        timeouts=client.Timeouts(
            connect=request.connection_timeout_in_seconds,
            read=request.read_timeout_in_seconds,
            total=request.total_timeout_in_seconds,
        ),
        max_response_bytes=limit,
        # The modeler writes the default into every diagram: it is no choice of the
        # process, so a lower operator ceiling wins over it instead of failing the job.
        explicit_limit=request.max_response_bytes != DEFAULT_MAX_RESPONSE_BYTES,
        follow_redirects=request.follow_redirects,
        max_redirects=request.max_redirects,
        user_agent=USER_AGENT,
        fields=fields,
    )


def _read(streamed: client.StreamedResponse, content: bytes) -> client.Response:
    return client.Response(
        method=streamed.method,
        url=streamed.url,
        status=streamed.status,
        reason=streamed.reason,
        headers=streamed.headers,
        content=content,
        encoded=streamed.encoded,
        raw_headers=streamed.raw_headers,
    )


def _output(response: client.Response, ctx: Context) -> HttpResponse:
    output = response_output(response)
    if response.status >= 400:
        raise client.status_error(
            response.method,
            client.safe_url(response.url),
            response.status,
            response.reason,
            variables=output,
            retry_after=response.headers.get("retry-after"),
            task_headers=ctx.headers,
        )
    return HttpResponse.model_validate(output)
