"""The inputs of Alfresco Process Automation's REST connector (actions GET, HEAD, POST,
PUT, PATCH, DELETE, OPTIONS and TRACE), and their translation to this connector's request.

APA documents the inputs (``process-automation/latest/model/connectors/rest.md``):
``restUrl``, ``restUrlParams`` (a map appended as query parameters), ``restUrlEncoded``,
``requestHeaders``, ``requestPayload`` (POST, PUT and PATCH), ``circuitBreaker`` and
``timeout`` in milliseconds. How a task picks one of the project's *Authentication*
models is not documented; ``authentication`` takes the three kinds APA has (Basic,
bearer token, client credentials) with APA's field names, and ``{{secrets.NAME}}``
placeholders work in every input, headers included.

JSON inputs may arrive as JSON text (an Activiti ``json`` variable mapped from a
string): objects are parsed from it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from tasklink.client import CheckError, check_url
from tasklink.core import CamelInputModel, field, validation_problem

from ._checks import encode_url
from ._models import HttpRequest
from ._vendor import Location, our_request

if TYPE_CHECKING:
    from tasklink.client import AuthScheme

__all__ = [
    "ApaAuthentication",
    "ApaBasic",
    "ApaBearer",
    "ApaClientCredentials",
    "ApaPayloadRequest",
    "ApaRequest",
]

_LOCATIONS: dict[tuple[str | int, ...], tuple[str | int, ...]] = {
    ("url",): ("restUrl",),
    ("queryParameters",): ("restUrlParams",),
    ("headers",): ("requestHeaders",),
    ("body",): ("requestPayload",),
}


def _location(loc: Location) -> Location:
    """Our field path as APA names it."""
    return _LOCATIONS.get(loc[:1], loc[:1]) + loc[1:]


class _ApaModel(CamelInputModel):
    model_config = ConfigDict(extra="ignore")


class ApaBasic(_ApaModel):
    """Basic authentication."""

    type: Literal["basic"] = field(description="Authentication type")
    username: str = field(description="User name")
    password: str = field(description="Password", secret=True)

    def scheme(self) -> AuthScheme:
        from tasklink import client

        return client.BasicAuth(self.username, self.password)


class ApaBearer(_ApaModel):
    """A bearer token."""

    type: Literal["bearer"] = field(description="Authentication type")
    token: str = field(description="The bearer token", secret=True, min_length=1)

    def scheme(self) -> AuthScheme:
        from tasklink import client

        return client.BearerAuth(self.token.strip())


class ApaClientCredentials(_ApaModel):
    """OAuth 2.0 client credentials; the token is cached until it expires."""

    type: Literal["clientCredentials"] = field(description="Authentication type")
    client_id: str = field(description="Client ID", min_length=1)
    client_secret: str = field(description="Client secret", secret=True, min_length=1)
    endpoint: str = field(description="Token endpoint")
    scope: str | None = field(None, description="Scopes to request")

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        try:
            return check_url(value)
        except CheckError as exc:
            raise validation_problem(exc.message) from None

    def scheme(self) -> AuthScheme:
        from tasklink import client

        return client.OAuth2ClientCredentials(
            token_url=self.endpoint,
            client_id=self.client_id,
            client_secret=self.client_secret,
            scopes=self.scope or None,
        )


ApaAuthentication = Annotated[
    ApaBasic | ApaBearer | ApaClientCredentials, Field(discriminator="type")
]


def _json_object(value: Any) -> Any:
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise validation_problem("must be a JSON object") from None
    return value


class ApaRequest(_ApaModel):
    """The inputs of APA's REST connector actions without a body."""

    rest_url: str = field(description="The URL to call, with its protocol")
    rest_url_params: dict[str, Any] | None = field(
        None, description="URL parameters, appended to the URL's query"
    )
    rest_url_encoded: bool | None = field(
        None,
        description="Whether restUrl is already encoded: true sends it as given, else "
        "spaces and other characters a URL cannot hold are percent-encoded",
    )
    request_headers: dict[str, Any] | None = field(None, description="Request headers")
    circuit_breaker: bool | None = field(
        None,
        description="Accepted for APA processes; tasklink retries with backoff instead of "
        "a circuit breaker",
    )
    timeout: int | None = field(
        None, description="Milliseconds to wait for the connection and for each read", ge=0
    )
    authentication: ApaAuthentication | None = field(
        None, description="Basic, bearer token or client credentials authentication"
    )

    _request: HttpRequest = PrivateAttr()

    _objects = field_validator("rest_url_params", "request_headers", mode="before")(_json_object)

    def _body(self) -> tuple[str, Any]:
        """The REST connector's body type and body (none here)."""
        return "json", None

    @model_validator(mode="after")
    def _prepare(self, info: ValidationInfo) -> ApaRequest:
        body_type, body = self._body()
        ours: dict[str, Any] = {
            # The action decides the method when the request is sent.
            "url": self.rest_url if self.rest_url_encoded else encode_url(self.rest_url),
            "queryParameters": self.rest_url_params,
            "headers": self.request_headers,
            "bodyType": body_type,
            "body": body,
        }
        if self.timeout is not None:
            # APA's timeout bounds each wait (0: none); the job's timeout bounds the whole.
            seconds = self.timeout / 1000
            ours.update(
                connectionTimeoutInSeconds=seconds,
                readTimeoutInSeconds=seconds,
                totalTimeoutInSeconds=0,
            )
        self._request = our_request(ours, info.context, title=type(self).__name__, locate=_location)
        return self

    @property
    def request(self) -> HttpRequest:
        """The request, as the REST connector's own model (its method is the action's)."""
        return self._request

    def scheme(self) -> AuthScheme | None:
        """The shared client's authentication scheme, ``None`` for none."""
        return self.authentication.scheme() if self.authentication is not None else None


class ApaPayloadRequest(ApaRequest):
    """The inputs of APA's REST connector actions with a body (POST, PUT, PATCH)."""

    request_payload: Any = field(None, description="The request body: JSON, or text sent as it is")

    def _body(self) -> tuple[str, Any]:
        payload = self.request_payload
        if isinstance(payload, str):
            try:
                json.loads(payload)
            except ValueError:
                return "text", payload
        return "json", payload
