"""The job variables of Camunda's GraphQL connector (``io.camunda:connector-graphql:1``), as
every version of its element template (``io.camunda.connectors.GraphQL.v1``, versions 1
to 13) binds them, and their translation to Camunda's REST request.

Camunda's connector (``connectors/http/graphql``: ``GraphQLFunction``,
``model/GraphQLRequest``, ``utils/GraphQLRequestMapper``, ``utils/JsonSerializeHelper``)
reads four top-level variables: ``graphql`` (``query``, ``variables``, ``method``,
``url``, ``headers``, the deprecated ``storeResponse``, ``connectionTimeoutInSeconds``,
``readTimeoutInSeconds``), ``authentication`` and ``authenticationConfiguration`` (the
REST connector's: ``noAuth``, ``apiKey``, ``basic``, ``bearer``,
``oauth-client-credentials-flow``, ``oauth-refresh-token``; a stored credential wins) and
``documentReturnFormat``. It maps them onto its REST base's request (``HttpCommonRequest``)
and sends that as the REST connector does; so does this contract, through the REST
connector's Camunda contract (:mod:`tasklink.http`), whose checks, documents and limits
apply:

* the query with every ``\\n`` (backslash and n, as a JSON text escaped twice carries it)
  removed and every ``\\"`` unescaped (``getEscapedQuery``);
* POST (and PUT, PATCH: the methods with a body) sends ``{"query", "variables"}`` as JSON;
  GET (and DELETE) sends ``query`` and ``variables`` (an object as JSON text) as query
  parameters. ``operationName`` is not Camunda's: a document with several operations
  fails on the server;
* ``variables`` and ``headers`` may be JSON text (Camunda's relaxed FEEL binding reads it).

Unknown fields are ignored, as Camunda's Jackson binding does. Problems are reported under
Camunda's names (``graphql.url``, ``authentication.token``). One deliberate difference:
templates 1 to 3 bind the bearer token to ``graphql.authentication.token``, which
Camunda's current runtime no longer reads (such tasks fail there); it is used here when
``authentication.token`` is missing, so those diagrams keep working.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import (
    ConfigDict,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails

from tasklink.core import CamelInputModel, field, validation_error, validation_problem
from tasklink.http.camunda import CamundaHttpRequest

__all__ = ["CamundaGraphql", "CamundaGraphqlRequest", "escaped_query"]

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# The tags of Camunda's authentication types: pydantic puts them in a problem's place.
_AUTHENTICATION_TYPES = frozenset(
    {
        "noAuth",
        "apiKey",
        "basic",
        "bearer",
        "oauth-client-credentials-flow",
        "oauth-refresh-token",
    }
)

# Camunda's REST request's fields as this contract's variables name them.
_LOCATIONS: dict[str, tuple[str, ...]] = {
    "url": ("graphql", "url"),
    "method": ("graphql", "method"),
    "headers": ("graphql", "headers"),
    "body": ("graphql", "variables"),
    "queryParameters": ("graphql", "variables"),
    "connectionTimeoutInSeconds": ("graphql", "connectionTimeoutInSeconds"),
    "readTimeoutInSeconds": ("graphql", "readTimeoutInSeconds"),
    "storeResponse": ("graphql", "storeResponse"),
}


def escaped_query(query: str) -> str:
    """The query as Camunda sends it (``JsonSerializeHelper.getEscapedQuery``)."""
    return query.replace("\\n", "").replace('\\"', '"')


def _json_text(value: Any, loc: tuple[str, ...]) -> Any:
    """A map given as JSON text, read as Camunda's relaxed FEEL binding reads it; a blank
    text is no value."""
    if not isinstance(value, str):
        return value
    if not value.strip():
        return None
    try:
        return json.loads(value)
    except ValueError:
        raise validation_error(
            "CamundaGraphqlRequest", [(loc, "must be a map, or its JSON text")]
        ) from None


class _Vendor(CamelInputModel):
    # Camunda's mapper ignores fields its classes do not have (FAIL_ON_UNKNOWN_PROPERTIES off).
    model_config = ConfigDict(extra="ignore")


class CamundaGraphql(_Vendor):
    """``graphql``: the request (``GraphQLRequest.GraphQL``)."""

    query: str = field(description="The query or mutation", min_length=1)
    variables: Any = field(None, description="Values of the query's variables (a map)")
    method: Any = field(description="HTTP method: get or post (any case)")
    url: Any = field(description="The GraphQL endpoint")
    headers: Any = field(None, description="Request headers (a map)")
    store_response: Any = field(
        None, description="Deprecated: store the response body as a document"
    )
    connection_timeout_in_seconds: Any = field(
        None, description="Seconds to wait for a connection (0: no limit; default 20)"
    )
    read_timeout_in_seconds: Any = field(
        None, description="Seconds to wait for response data (0: no limit; default 20)"
    )
    authentication: Any = field(
        None, description="Templates 1 to 3: holds the bearer token (graphql.authentication.token)"
    )

    @field_validator("query")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise validation_problem("must not be blank")
        return value


class CamundaGraphqlRequest(_Vendor):
    """The variables of an ``io.camunda:connector-graphql:1`` job."""

    graphql: CamundaGraphql = field(description="The GraphQL request")
    authentication: Any = field(None, description="How the connector authenticates")
    authentication_configuration: Any = field(
        None, description="A stored REST credential; its authentication wins"
    )
    document_return_format: Any = field(
        None, description="Return the body as JSON, TEXT or a DOCUMENT (templates 11 on)"
    )

    _request: CamundaHttpRequest = PrivateAttr()

    @model_validator(mode="after")
    def _prepare(self, info: ValidationInfo) -> CamundaGraphqlRequest:
        graphql = self.graphql
        method = graphql.method
        method = method.strip().upper() if isinstance(method, str) else method
        payload: dict[str, Any] = {"query": escaped_query(graphql.query)}
        variables = _json_text(graphql.variables, ("graphql", "variables"))
        if variables is not None:
            payload["variables"] = variables
        rest: dict[str, Any] = {
            "method": method,
            "url": graphql.url,
            "headers": _json_text(graphql.headers, ("graphql", "headers")),
            "authentication": self._authentication(),
            "authenticationConfiguration": self.authentication_configuration,
            "connectionTimeoutInSeconds": graphql.connection_timeout_in_seconds,
            "readTimeoutInSeconds": graphql.read_timeout_in_seconds,
            "documentReturnFormat": self.document_return_format,
        }
        if graphql.store_response is not None:
            rest["storeResponse"] = graphql.store_response
        if method in _BODY_METHODS:
            rest["body"] = payload
        else:
            # GraphQLRequestMapper: a map as JSON text, anything else as String.valueOf.
            rest["queryParameters"] = {
                name: value if isinstance(value, str) else json.dumps(value)
                for name, value in payload.items()
            }
        try:
            self._request = CamundaHttpRequest.model_validate(rest, context=info.context)
        except ValidationError as exc:
            raise ValidationError.from_exception_data(
                type(self).__name__,
                [
                    InitErrorDetails(
                        type="missing"
                        if error["type"] == "missing"
                        else validation_problem(error["msg"]),
                        loc=_located(error["loc"]),
                        input=None,
                    )
                    for error in exc.errors(include_input=False, include_url=False)
                ],
            ) from None
        return self

    def _authentication(self) -> Any:
        """``authentication``, with the token of templates 1 to 3 where they put it."""
        auth = self.authentication
        legacy = self.graphql.authentication
        if (
            isinstance(auth, Mapping)
            and auth.get("type") == "bearer"
            and not auth.get("token")
            and isinstance(legacy, Mapping)
            and legacy.get("token")
        ):
            return {**auth, "token": legacy["token"]}
        return auth

    @property
    def request(self) -> CamundaHttpRequest:
        """The task as Camunda's REST request, which is how Camunda sends it."""
        return self._request


def _located(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """A problem's place in Camunda's REST request as this contract's variables name it:
    ``url`` is ``graphql.url``; the tag of the authentication type is no field
    (``authentication.bearer.token`` is ``authentication.token``)."""
    head = loc[0] if loc else None
    if isinstance(head, str) and head in _LOCATIONS:
        return _LOCATIONS[head] + loc[1:]
    return tuple(
        part
        for i, part in enumerate(loc)
        if not (part in _AUTHENTICATION_TYPES and i > 0 and loc[i - 1] == "authentication")
    )
