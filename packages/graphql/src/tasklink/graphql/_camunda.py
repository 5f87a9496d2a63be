"""Running an ``io.camunda:connector-graphql:1`` job as Camunda's GraphQL connector does
(``connectors/http/graphql``, ``GraphQLFunction``).

Camunda sends the task as its REST base's request; so does this contract, through the
REST connector's Camunda contract (``tasklink.http``): the shared client, guard, limits,
TLS and documents, and Camunda's result and failures:

* the result is ``{status, headers, body, reason, document}``, the body parsed by
  ``documentReturnFormat`` (JSON by default in templates 11 on; without it a JSON object
  parsed, anything else as text), header names as the server sent them;
* a status from 400 up fails with the status as the code (``"400"``), the reason as the
  message and ``{response: {headers, body}}`` as the variables; failures without a
  status get Camunda's codes (``408``, ``SSL_HANDSHAKE_FAILED``, ``OAUTH_TOKEN_ERROR``...);
* a body holding a non-empty GraphQL ``errors`` list (a JSON object, also when returned
  as TEXT; a DOCUMENT is not read) fails with ``GRAPHQL_ERROR``, the first error's message
  (``GraphQL response contains errors`` when it has none) and ``{response: {body,
  headers}}`` as the variables. Camunda's runtime retries it as every connector error,
  and so does this contract; an ``errorExpression`` decides otherwise
  (``if error.code = "GRAPHQL_ERROR" then bpmnError(...)``).
"""

from __future__ import annotations

import json
from typing import Any

from tasklink.core import ConnectorError, Context, InputError
from tasklink.http.camunda import request as camunda_rest_request

from ._camunda_models import CamundaGraphqlRequest
from ._errors import GRAPHQL_ERROR

__all__ = ["run"]

_NO_MESSAGE = "GraphQL response contains errors"
# The REST contract's names for what this contract's variables call graphql.*.
_FIELDS = {
    name: f"graphql.{name}"
    for name in ("url", "headers", "connectionTimeoutInSeconds", "readTimeoutInSeconds")
}


async def run(input: CamundaGraphqlRequest, ctx: Context) -> dict[str, Any]:
    """Send the task's request; return Camunda's result, or fail as Camunda does."""
    try:
        result = await camunda_rest_request(input.request, ctx)
    except InputError as exc:
        raise _renamed(exc) from None
    envelope = _envelope(result.get("body"))
    errors = envelope.get("errors") if envelope is not None else None
    if isinstance(errors, list) and errors:
        first = errors[0]
        message = first.get("message") if isinstance(first, dict) else None
        raise ConnectorError(
            message if isinstance(message, str) else _NO_MESSAGE,
            code=GRAPHQL_ERROR,
            variables={"response": {"body": envelope, "headers": result.get("headers")}},
        )
    return result


def _envelope(body: Any) -> dict[str, Any] | None:
    """The body as a JSON object: as it is, or read from TEXT; else ``None``."""
    if isinstance(body, dict):
        return body
    if isinstance(body, str):
        try:
            parsed = json.loads(body)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None
    return None


def _renamed(exc: InputError) -> InputError:
    """An input error of the shared client, naming this contract's variable."""
    ours = _FIELDS.get(exc.field or "")
    if ours is None:
        return exc
    message = exc.message
    if message.startswith(f"{exc.field}:"):
        message = ours + message[len(exc.field or "") :]
    return InputError(message, code=exc.code, field=ours, variables=exc.variables)
