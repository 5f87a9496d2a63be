"""Input and output models of the GraphQL connector.

Field names are snake_case in Python and camelCase on the wire (process variables and
template bindings). Authentication and TLS are the shared client's models
(``tasklink.client``), so the fields read and behave as in the REST connector; the
timeouts and the size limit carry the REST connector's names too. Every check of the
input happens here, so a bad job fails before anything is sent: the document is read
(:mod:`._document`) to find the operation to run, which must be a query or a mutation,
and a query only over GET.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, PrivateAttr, field_validator
from pydantic import model_validator as _model_validator

from tasklink.client import (
    AUTHENTICATION_LABELS,
    AuthenticationOptions,
    CheckError,
    NoAuthOptions,
    TlsOptions,
    WebUrl,
    check_header_name,
    check_header_value,
)
from tasklink.core import (
    CamelInputModel,
    CamelOutputModel,
    field,
    validation_error,
    validation_problem,
)

from ._document import DocumentError, OperationDefinition, operations, select

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "GraphqlMethod",
    "GraphqlRequest",
    "GraphqlResponse",
]

GraphqlMethod = Literal["POST", "GET"]
HeaderValue = str | int | float | bool

DEFAULT_TIMEOUT_SECONDS = 20.0
DEFAULT_TOTAL_TIMEOUT_SECONDS = 60.0
DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024

# Headers the connector writes itself: the body is JSON and its framing is the client's.
_MANAGED_HEADERS = frozenset({"content-type", "content-length", "transfer-encoding"})
_GRAPHQL_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")


def _header(name: str, value: HeaderValue | None) -> str | None:
    """The header value as text (``None`` for a ``null`` one), or :class:`CheckError` for a
    name or value the request cannot carry (the message does not repeat it)."""
    loc: tuple[str | int, ...] = ("headers", name)
    check_header_name(name, loc)
    if name.lower() in _MANAGED_HEADERS:
        raise CheckError(loc, "is set by the connector (the body is JSON, its length the client's)")
    if value is None:
        return None
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return check_header_value(text, loc)


def _variables(value: Any) -> Any:
    """Variables as an object; JSON text of an object is read (a blank text is none)."""
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            value = json.loads(value)
        except ValueError:
            raise validation_problem(
                "must be an object of variable values, or its JSON text"
            ) from None
    return value


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _finite(value: Any) -> bool:
    """``value`` holds no NaN or infinity, which JSON cannot carry."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Mapping):
        return all(_finite(item) for item in value.values())
    if isinstance(value, list | tuple):
        return all(_finite(item) for item in value)
    return True


# Immutable, so one instance serves every request that leaves them out.
_NO_AUTH = NoAuthOptions()
_DEFAULT_TLS = TlsOptions()


class GraphqlRequest(CamelInputModel):
    """One GraphQL request: the document, its variables and operation, and how to send it."""

    authentication: AuthenticationOptions = field(
        _NO_AUTH,
        description="How the connector authenticates",
        group="authentication",
        choice_labels=AUTHENTICATION_LABELS,
    )
    url: WebUrl = field(
        title="URL",
        description="The GraphQL endpoint (http or https)",
        group="endpoint",
        placeholder="https://api.example.com/graphql",
    )
    method: GraphqlMethod = field(
        "POST",
        description="HTTP method: POST sends a JSON body; GET puts the request in the query "
        "string (queries only, as GraphQL over HTTP says).",
        group="endpoint",
    )
    headers: dict[str, HeaderValue | None] | None = field(
        None,
        description='Request headers, e.g. ={"X-Request-Id": requestId}',
        group="endpoint",
    )
    query: str = field(
        title="Query or mutation",
        description="The GraphQL document: a query or a mutation, and the fragments it uses",
        group="graphql",
        multiline=True,
        placeholder="query Order($id: ID!) { order(id: $id) { status } }",
        min_length=1,
    )
    variables: Annotated[dict[str, Any] | None, BeforeValidator(_variables)] = field(
        None,
        description="Values of the document's variables, e.g. ={id: orderId}",
        group="graphql",
    )
    operation_name: Annotated[str | None, BeforeValidator(_blank_is_none)] = field(
        None,
        title="Operation name",
        description="The operation to run when the document defines several",
        group="graphql",
    )
    allow_errors: bool = field(
        False,
        description="Complete with errors and the partial data in the result instead of "
        "failing with GRAPHQL_ERROR when the server reports GraphQL errors",
        group="graphql",
    )
    connection_timeout_in_seconds: float = field(
        DEFAULT_TIMEOUT_SECONDS,
        description="Seconds to wait for a connection (0 waits without limit)",
        group="timeouts",
        ge=0,
        allow_inf_nan=False,
    )
    read_timeout_in_seconds: float = field(
        DEFAULT_TIMEOUT_SECONDS,
        description="Seconds to wait for each part of the response (0 waits without limit)",
        group="timeouts",
        ge=0,
        allow_inf_nan=False,
    )
    total_timeout_in_seconds: float = field(
        DEFAULT_TOTAL_TIMEOUT_SECONDS,
        description="Seconds the whole exchange may take: token request, connecting, "
        "sending and reading the whole response (0: no limit of its own)",
        group="timeouts",
        ge=0,
        allow_inf_nan=False,
    )
    max_response_bytes: int = field(
        DEFAULT_MAX_RESPONSE_BYTES,
        title="Maximum response size (bytes)",
        description="Largest response body to accept, in bytes; larger ones fail the job. "
        "At most the operator's ceiling (32 MiB unless changed)",
        group="timeouts",
        ge=1,
    )
    tls: TlsOptions = field(
        _DEFAULT_TLS,
        title="TLS",
        description="TLS settings for https URLs",
        group="tls",
    )

    _operation: OperationDefinition = PrivateAttr()
    _headers: dict[str, str] = PrivateAttr(default_factory=dict)

    @field_validator("method", mode="before")
    @classmethod
    def _upper_method(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("query")
    @classmethod
    def _check_query(cls, value: str) -> str:
        if not value.strip():
            raise validation_problem("must not be empty")
        try:
            operations(value)
        except DocumentError as exc:
            raise validation_problem(f"is not a GraphQL request: {exc}") from None
        return value

    @field_validator("operation_name")
    @classmethod
    def _check_operation_name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not _GRAPHQL_NAME.match(value):
            raise validation_problem(
                "must be a GraphQL name: letters, digits and _, not starting with a digit"
            )
        return value

    @field_validator("variables")
    @classmethod
    def _check_variables(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and not _finite(value):
            raise validation_problem("must not hold NaN or infinity, which JSON cannot carry")
        return value

    @_model_validator(mode="after")
    def _prepare(self) -> GraphqlRequest:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        headers: dict[str, str] = {}
        for name, value in (self.headers or {}).items():
            try:
                text = _header(name, value)
            except CheckError as problem:
                problems.append((problem.loc, problem.message))
            else:
                if text is not None:
                    headers[name] = text
        definitions = operations(self.query)  # read by the field's check already
        try:
            operation = select(definitions, self.operation_name)
        except DocumentError as exc:
            problems.append((("operationName",), str(exc)))
        else:
            if operation.type == "subscription":
                problems.append(
                    (
                        ("query",),
                        f"{operation.describe()}: subscriptions stream results over a "
                        "connection a task cannot hold (WebSocket or server-sent events); "
                        "run a query or a mutation",
                    )
                )
            elif operation.type == "mutation" and self.method == "GET":
                problems.append(
                    (
                        ("method",),
                        f"GET cannot run {operation.describe()}: GraphQL over HTTP allows "
                        "only queries over GET; use POST",
                    )
                )
            self._operation = operation
        if problems:
            raise validation_error(type(self).__name__, problems)
        if headers:
            self._headers = headers
        return self

    @property
    def operation(self) -> OperationDefinition:
        """The operation the request runs."""
        return self._operation

    @property
    def request_headers(self) -> dict[str, str]:
        """The checked headers, values as text (``null`` values left out)."""
        return self._headers

    def payload(self) -> dict[str, Any]:
        """The GraphQL request: ``query``, and ``variables`` and ``operationName`` when given."""
        payload: dict[str, Any] = {"query": self.query}
        if self.variables is not None:
            payload["variables"] = self.variables
        if self.operation_name is not None:
            payload["operationName"] = self.operation_name
        return payload


class GraphqlResponse(CamelOutputModel):
    """The GraphQL response, with the HTTP status and headers it came with."""

    data: Any = field(
        None,
        description="What the operation returned, one entry per top-level field; null when "
        "it failed before it ran",
    )
    errors: list[dict[str, Any]] | None = field(
        None,
        description="GraphQL errors (message, locations, path, extensions), only with "
        "allowErrors; null when there are none",
    )
    extensions: dict[str, Any] | None = field(
        None, description="The server's extensions entry (tracing, cost...), if any"
    )
    status: int = field(description="HTTP status code")
    reason: str = field(description="Reason phrase, e.g. 'OK'")
    headers: dict[str, str] = field(
        description="Response headers, names in lower case; credentials masked"
    )
