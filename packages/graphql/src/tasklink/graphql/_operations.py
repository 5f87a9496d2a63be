"""The operation: one GraphQL request through the shared client, and its response read as
GraphQL (the GraphQL-over-HTTP specification, draft of 2025: ``application/json``
requests, ``application/graphql-response+json`` or ``application/json`` responses).

The client (``tasklink.client``) owns what every HTTP connector must get right: pooled
connections, the operator's outbound guard, authentication with cached tokens, TLS, time
limits, bounded reading, and one classification of failures onto error codes. This module
describes the request in GraphQL's terms and judges the answer:

* a status from 400 up fails as the REST connector's do (the status name as the code,
  retried for 408, 429 and most 5xx), the GraphQL ``errors`` of its body, if any, in the
  variables;
* a 2xx body with GraphQL ``errors`` fails with ``GRAPHQL_ERROR`` (not retried: the same
  request gets the same errors), the errors and the partial ``data`` in the variables, or
  completes with both when ``allowErrors`` is set;
* anything else that is not a GraphQL response fails with ``INVALID_RESPONSE``.

Imported when the operation first runs, not at discovery.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin

from tasklink import client
from tasklink.core import ConnectorError, Context

from .__about__ import __version__
from ._errors import GRAPHQL_ERROR, INVALID_RESPONSE
from ._models import DEFAULT_MAX_RESPONSE_BYTES, GraphqlRequest, GraphqlResponse

__all__ = ["ACCEPT", "FIELDS", "USER_AGENT", "execute", "graphql_body"]

USER_AGENT = f"tasklink-graphql/{__version__}"
#: What GraphQL over HTTP asks a client to accept: the GraphQL response type first, plain
#: JSON for servers that predate it.
ACCEPT = "application/graphql-response+json, application/json;q=0.9"

#: The connector's names for the settings the client's messages point at.
FIELDS = client.FieldNames(
    url="url",
    headers="headers",
    connect_timeout="connectionTimeoutInSeconds",
    read_timeout="readTimeoutInSeconds",
    total_timeout="totalTimeoutInSeconds",
    max_response_bytes="maxResponseBytes",
    token_url="authentication.tokenUrl",  # noqa: S106 - a field name
    tls=client.TlsFields(ca="tls.caCertificate", client_certificate="tls.clientCertificate"),
)

# How much of a body that is not GraphQL goes into the error's variables.
_SHOWN_BODY = 4096
_SHOWN_MESSAGE = 500


async def execute(input: GraphqlRequest, ctx: Context) -> GraphqlResponse:
    """Send the request; return the response, or fail as the module says."""
    request = _request(input)
    ctx.logger.debug(
        "GraphQL %s over %s to %s",
        input.operation.describe(),
        input.method,
        client.safe_url(input.url),
    )
    response = await client.send(request, ctx)
    return _result(input, response, ctx)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _request(input: GraphqlRequest) -> client.Request:
    headers = {"Accept": ACCEPT}
    for name, value in input.request_headers.items():
        headers = {k: v for k, v in headers.items() if k.lower() != name.lower()}
        headers[name] = value
    payload = input.payload()
    content: bytes | None = None
    query: list[tuple[str, str]] = []
    if input.method == "GET":
        # GraphQL over HTTP: each member a query parameter, variables as JSON text.
        query = [(k, v if isinstance(v, str) else _json(v)) for k, v in payload.items()]
    else:
        content = _json(payload).encode("utf-8")
    return client.Request(
        method=input.method,
        url=input.url,
        headers=headers,
        query=query,
        content=content,
        content_type="application/json" if content is not None else None,
        auth=input.authentication.scheme(),
        tls=input.tls.config(),
        timeouts=client.Timeouts(
            connect=input.connection_timeout_in_seconds,
            read=input.read_timeout_in_seconds,
            total=input.total_timeout_in_seconds,
        ),
        max_response_bytes=input.max_response_bytes,
        # The modeler writes the default into every diagram: it is no choice of the
        # process, so a lower operator ceiling wins over it instead of failing the job.
        explicit_limit=input.max_response_bytes != DEFAULT_MAX_RESPONSE_BYTES,
        user_agent=USER_AGENT,
        fields=FIELDS,
    )


def graphql_body(content: bytes) -> dict[str, Any] | None:
    """``content`` as a GraphQL response (a JSON object with ``data`` or a non-empty
    ``errors`` list of objects), or ``None`` when it is not one."""
    try:
        parsed = json.loads(content)
    except ValueError:  # not JSON, or not UTF-8
        return None
    if not isinstance(parsed, dict) or not ({"data", "errors"} & parsed.keys()):
        return None
    errors = parsed.get("errors")
    if errors is not None and not (
        isinstance(errors, list) and all(isinstance(e, dict) for e in errors)
    ):
        return None
    data = parsed.get("data")
    if data is not None and not isinstance(data, dict):
        return None
    return parsed


def _text(content: bytes) -> str:
    text = content[: _SHOWN_BODY * 4].decode("utf-8", errors="replace")
    return text[:_SHOWN_BODY]


def _first_message(errors: list[dict[str, Any]]) -> str:
    message = errors[0].get("message")
    text = message if isinstance(message, str) and message.strip() else "an error without a message"
    text = " ".join(text.split())
    if len(text) > _SHOWN_MESSAGE:
        text = text[:_SHOWN_MESSAGE] + "..."
    more = len(errors) - 1
    return text + (f" (and {more} more)" if more else "")


def _result(input: GraphqlRequest, response: client.Response, ctx: Context) -> GraphqlResponse:
    where = client.safe_url(response.url)
    body = graphql_body(response.content) if response.content else None
    errors = (body or {}).get("errors") or None
    http = {"status": response.status, "reason": response.reason, "headers": response.headers}
    if response.status >= 400:
        shown: Any = body if body is not None else (_text(response.content) or None)
        failure = client.status_error(
            response.method,
            where,
            response.status,
            response.reason,
            variables={**http, "body": shown, "errors": errors},
            retry_after=response.headers.get("retry-after"),
            task_headers=ctx.headers,
        )
        if errors:
            # A GraphQL server's 4xx says why in its errors: the message says it too.
            raise ConnectorError(
                f"{failure.message}: {_first_message(errors)}",
                code=failure.code,
                variables=failure.variables,
                retryable=failure.retryable,
                backoff=failure.backoff,
            )
        raise failure
    if body is None:
        raise _not_graphql(response, where, http)
    if errors and not input.allow_errors:
        raise ConnectorError(
            f"{input.operation.describe()} at {where} failed with GraphQL errors: "
            f"{_first_message(errors)}",
            code=GRAPHQL_ERROR,
            variables={
                "errors": errors,
                "data": body.get("data"),
                "extensions": body.get("extensions"),
                **http,
            },
            retryable=False,
        )
    extensions = body.get("extensions")
    return GraphqlResponse(
        data=body.get("data"),
        errors=errors,
        extensions=extensions if isinstance(extensions, dict) else None,
        **http,
    )


def _not_graphql(response: client.Response, where: str, http: dict[str, Any]) -> ConnectorError:
    status = f"{response.status} {response.reason}".rstrip()
    location = response.headers.get("location")
    if 300 <= response.status < 400 and location:
        target = client.safe_url(urljoin(response.url, location))
        advice = f"it redirects to {target}: set url to the endpoint itself"
    else:
        kind = response.content_type or "no content type"
        what = "an empty body" if not response.content else f"a body of {kind}"
        advice = (
            f"it sent {what}, not a GraphQL response (a JSON object with data or errors): "
            "is url the GraphQL endpoint?"
        )
    return ConnectorError(
        f"{response.method} {where} answered {status}; {advice}",
        code=INVALID_RESPONSE,
        variables={**http, "body": _text(response.content) or None},
        retryable=False,
    )
