"""The REST connector's declaration. Imports only pydantic, the core and the models, so
discovery stays cheap; httpx is imported when the first request is sent."""

from __future__ import annotations

from tasklink.core import Connector, Context

from ._models import HttpRequest, HttpResponse

__all__ = ["connector", "request"]

connector = Connector(
    id="io.tasklink.http",
    name="http",
    title="REST",
    job_type="tasklink:http:1",
    description="Call a REST API: any method, JSON, text, form or multipart bodies, "
    "Basic, bearer, API key and OAuth 2.0 client credentials authentication",
    package=__package__,
    documentation_url="https://github.com/tasklink/tasklink/blob/main/docs/connectors/http.md",
    # 2: totalTimeoutInSeconds; maxResponseBytes names the operator's ceiling.
    template_version=2,
    keywords=("rest", "http", "api", "webhook", "oauth2"),
    group_labels={
        "endpoint": "HTTP endpoint",
        "payload": "Payload",
        "timeouts": "Timeouts",
        "tls": "TLS",
        "output": "Output mapping",
    },
)


@connector.on_shutdown
async def _close_clients() -> None:
    """The runtime's shutdown closes the shared pooled clients after the last job."""
    from tasklink.client import aclose_clients

    await aclose_clients()


@connector.operation(
    name="Send request",
    description="Send one HTTP request and return its status, headers and body",
)
async def request(input: HttpRequest, ctx: Context) -> HttpResponse:
    from ._client import send

    return await send(input, ctx)
