"""One job's request through the shared client (``tasklink.client``).

The shared client owns what every HTTP connector must get right: the pooled clients, the
outbound guard, authentication with cached tokens, redirects that keep credentials at
their origin, the total deadline, the response size limit and one classification of
failures. This module only describes the REST connector's request to it, in the
connector's own field names, and turns the response into the connector's output; a
status from 400 up becomes an error carrying that output.
"""

from __future__ import annotations

from tasklink import client
from tasklink.core import Context

from .__about__ import __version__
from ._models import DEFAULT_MAX_RESPONSE_BYTES, HttpRequest, HttpResponse
from ._response import response_output

__all__ = ["FIELDS", "USER_AGENT", "send"]

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


async def send(request: HttpRequest, ctx: Context) -> HttpResponse:
    """Send ``request`` and return its output; statuses >= 400 raise the status error."""
    body = request.encoded_body
    response = await client.send(
        client.Request(
            method=request.method,
            url=request.url,
            headers=request.request_headers,
            query=request.query,
            content=body.content if body is not None else None,
            content_type=body.content_type if body is not None else None,
            auth=request.authentication.scheme(),
            tls=request.tls.config(),
            timeouts=client.Timeouts(
                connect=request.connection_timeout_in_seconds,
                read=request.read_timeout_in_seconds,
                total=request.total_timeout_in_seconds,
            ),
            max_response_bytes=request.max_response_bytes,
            # The modeler writes the default into every diagram: it is no choice of the
            # process, so a lower operator ceiling wins over it instead of failing the job.
            explicit_limit=request.max_response_bytes != DEFAULT_MAX_RESPONSE_BYTES,
            follow_redirects=request.follow_redirects,
            max_redirects=request.max_redirects,
            user_agent=USER_AGENT,
            fields=FIELDS,
        ),
        ctx,
    )
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
