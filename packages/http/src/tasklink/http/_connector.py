"""The REST connector's declaration, and the vendor contracts it also serves: Camunda's
REST connector (job type ``io.camunda:http-json:1``) and Alfresco Process Automation's
(connector ``rest``). Imports only pydantic, the core and the models, so discovery stays
cheap; httpx is imported when the first request is sent."""

from __future__ import annotations

from tasklink.core import Connector

from ._apa_models import ApaPayloadRequest, ApaRequest
from ._camunda_models import CamundaHttpRequest
from ._errors import APA_ERRORS, CAMUNDA_ERRORS, HTTP_ERRORS
from ._models import HttpRequest, HttpResponse

__all__ = ["apa_rest", "camunda_rest", "connector"]

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
    errors=HTTP_ERRORS,
)


@connector.on_shutdown
async def _close_clients() -> None:
    """The runtime's shutdown closes the shared pooled clients after the last job."""
    from tasklink.client import aclose_clients

    await aclose_clients()


connector.operation(
    "request",
    name="Send request",
    description="Send one HTTP request and return its status, headers and body",
    target="._client:send",
    input_model=HttpRequest,
    output_model=HttpResponse,
)


# -- vendor contracts --------------------------------------------------------------------

camunda_rest = connector.vendor_contract(
    engine="camunda",
    name="camunda-http-json",
    job_type="io.camunda:http-json:1",
    title="Camunda REST connector",
    description="Camunda's REST connector (io.camunda:http-json:1) with its inputs, result "
    "and error codes: processes modelled with Camunda's REST template, and the vendor "
    "templates built on it (Twilio, GitHub, OpenAI...), run unchanged",
    documentation_url="https://docs.camunda.io/docs/components/connectors/protocol/rest/",
    errors=CAMUNDA_ERRORS,
)
camunda_rest.operation(
    "request",
    name="Send request",
    description="Send one HTTP request; the result is {status, headers, body, reason, "
    "document}, a status from 400 up fails with the status as the code",
    target="._camunda:request",
    input_model=CamundaHttpRequest,
    output_model=None,
)

apa_rest = connector.vendor_contract(
    engine="activiti",
    name="rest",
    title="Alfresco Process Automation REST connector",
    description="APA's REST connector (actions GET, HEAD, POST, PUT, PATCH, DELETE, "
    "OPTIONS, TRACE) with its inputs, outputs restResult, restStatus, responseHeaders and "
    "its error codes",
    documentation_url="https://docs.alfresco.com/process-automation/latest/model/connectors/rest/",
    errors=APA_ERRORS,
)
for _method, _outputs in (
    ("GET", "restResult, restStatus, responseHeaders"),
    ("HEAD", "restStatus, responseHeaders"),
    ("POST", "restResult, restStatus, responseHeaders"),
    ("PUT", "restResult, restStatus, responseHeaders"),
    ("PATCH", "restResult, restStatus, responseHeaders"),
    ("DELETE", "restResult, restStatus, responseHeaders"),
    ("OPTIONS", "restStatus, responseHeaders"),
    ("TRACE", "restResult, restStatus"),
):
    apa_rest.operation(
        _method.lower(),
        name=_method,
        description=f"Send a {_method} request to restUrl; outputs {_outputs}",
        target=f"._apa:{_method.lower()}",
        input_model=ApaPayloadRequest if _method in ("POST", "PUT", "PATCH") else ApaRequest,
        output_model=None,
    )
