"""The input of Camunda's REST connector (job type ``io.camunda:http-json:1``), as the
templates of every version write it, and its translation to this connector's request.

The names and shapes are Camunda's (``connectors/http/http-base``, ``HttpCommonRequest``
and ``model/auth``; ``connectors/http/rest``, ``HttpJsonRequest``): ``authentication.type``
``noAuth`` / ``apiKey`` / ``basic`` / ``bearer`` / ``oauth-client-credentials-flow`` /
``oauth-refresh-token``, ``authenticationConfiguration``, ``clientTls.*``, timeouts in
whole seconds where ``0`` waits for ever, ``skipEncoding``, ``storeResponse``,
``documentReturnFormat``. Validation builds the :class:`~tasklink.http.HttpRequest` the
request is sent as, so the same checks, documents and limits apply, and its problems are
reported under Camunda's field names. Unknown fields are ignored, as Camunda's Jackson
binding does: vendor templates that reuse the job type (Twilio, GitHub...) add their own.
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
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

from ._camunda_body import camunda_body
from ._checks import encode_url
from ._models import HttpRequest
from ._vendor import Location, our_request

if TYPE_CHECKING:
    from tasklink.client import AuthScheme

__all__ = [
    "CamundaApiKey",
    "CamundaAuthentication",
    "CamundaBasic",
    "CamundaBearer",
    "CamundaClientTls",
    "CamundaDocumentReturnFormat",
    "CamundaHttpRequest",
    "CamundaNoAuth",
    "CamundaOAuthClientCredentials",
    "CamundaOAuthRefreshToken",
]

CamundaMethod = Literal["POST", "GET", "DELETE", "PATCH", "PUT"]

# Our field paths as Camunda names them, for the problems our request model finds.
_LOCATIONS: dict[tuple[str | int, ...], tuple[str | int, ...]] = {
    ("tls", "caCertificate"): ("clientTls", "trustedCertificate"),
    ("tls", "clientCertificate"): ("clientTls", "clientCertificate"),
    ("tls", "clientKey"): ("clientTls", "clientPrivateKey"),
    ("tls", "clientKeyPassword"): ("clientTls", "privateKeyPassword"),
    ("bodyType",): ("body",),
}


def _located(loc: Location) -> Location:
    """Our field path as Camunda names it."""
    return _LOCATIONS.get(loc, loc)


class _CamundaModel(CamelInputModel):
    # Camunda binds with Jackson, which ignores what it does not know.
    model_config = ConfigDict(extra="ignore")


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


# -- authentication ----------------------------------------------------------------------


class CamundaNoAuth(_CamundaModel):
    """No authentication."""

    type: Literal["noAuth"] = field("noAuth", description="Authentication type")

    def scheme(self) -> AuthScheme:
        from tasklink.client import NO_AUTH

        return NO_AUTH


class CamundaApiKey(_CamundaModel):
    """An API key in a header or a query parameter."""

    type: Literal["apiKey"] = field(description="Authentication type")
    api_key_location: Literal["headers", "query"] = field(
        "headers", description="Send the key as a header or a query parameter"
    )
    name: str = field(description="Name of the header or query parameter", min_length=1)
    value: str = field(description="The API key", secret=True)

    def scheme(self) -> AuthScheme:
        from tasklink import client

        location: Literal["header", "query"] = (
            "query" if self.api_key_location == "query" else "header"
        )
        return client.ApiKeyAuth(self.name, self.value, location)


class CamundaBasic(_CamundaModel):
    """HTTP Basic authentication."""

    type: Literal["basic"] = field(description="Authentication type")
    username: str = field(description="User name")
    password: str = field("", description="Password", secret=True)

    def scheme(self) -> AuthScheme:
        from tasklink import client

        return client.BasicAuth(self.username, self.password)


class CamundaBearer(_CamundaModel):
    """A bearer token."""

    type: Literal["bearer"] = field(description="Authentication type")
    token: str = field(description="The bearer token", secret=True, min_length=1)

    def scheme(self) -> AuthScheme:
        from tasklink import client

        return client.BearerAuth(self.token.strip())


def _token_endpoint(value: str) -> str:
    try:
        return check_url(value)
    except CheckError as exc:
        raise validation_problem(exc.message) from None


class CamundaOAuthClientCredentials(_CamundaModel):
    """OAuth 2.0 client credentials grant; the token is cached until it expires."""

    type: Literal["oauth-client-credentials-flow"] = field(description="Authentication type")
    oauth_token_endpoint: str = field(description="Token endpoint of the OAuth 2.0 server")
    client_id: str = field(description="Client ID", min_length=1)
    client_secret: str = field(description="Client secret", secret=True)
    audience: str | None = field(None, description="Audience of the token")
    client_authentication: Literal["credentialsBody", "basicAuthHeader"] = field(
        "basicAuthHeader",
        description="Send the client credentials in the body or as a Basic header",
    )
    scopes: str | None = field(None, description="Scopes to request")

    _endpoint = field_validator("oauth_token_endpoint")(_token_endpoint)
    _blank = field_validator("audience", "scopes", mode="before")(_blank_is_none)

    def scheme(self) -> AuthScheme:
        from tasklink import client

        return client.OAuth2ClientCredentials(
            token_url=self.oauth_token_endpoint,
            client_id=self.client_id,
            client_secret=self.client_secret,
            audience=self.audience,
            scopes=self.scopes,
            client_authentication=(
                "body" if self.client_authentication == "credentialsBody" else "basic_header"
            ),
        )


class CamundaOAuthRefreshToken(_CamundaModel):
    """OAuth 2.0 refresh token grant; the token is cached until it expires."""

    type: Literal["oauth-refresh-token"] = field(description="Authentication type")
    oauth_token_endpoint: str = field(description="Token endpoint of the OAuth 2.0 server")
    client_id: str | None = field(None, description="Client ID")
    client_secret: str | None = field(None, description="Client secret", secret=True)
    refresh_token: str = field(description="The refresh token", secret=True, min_length=1)
    scopes: str | None = field(None, description="Scopes to request")

    _endpoint = field_validator("oauth_token_endpoint")(_token_endpoint)
    _blank = field_validator("client_id", "client_secret", "scopes", mode="before")(_blank_is_none)

    def scheme(self) -> AuthScheme:
        from tasklink import client

        # Camunda sends client_id and client_secret in the form, as RFC 6749 lets a
        # public client do.
        return client.OAuth2RefreshToken(
            token_url=self.oauth_token_endpoint,
            refresh_token=self.refresh_token,
            client_id=self.client_id,
            client_secret=self.client_secret,
            scopes=self.scopes,
            client_authentication="body",
        )


CamundaAuthentication = Annotated[
    CamundaNoAuth
    | CamundaApiKey
    | CamundaBasic
    | CamundaBearer
    | CamundaOAuthClientCredentials
    | CamundaOAuthRefreshToken,
    Field(discriminator="type"),
]


def _no_type_is_none(value: Any) -> Any:
    # Camunda: no authentication, or one without a type, means none.
    if value is None or (isinstance(value, Mapping) and not value.get("type")):
        return {"type": "noAuth"}
    return value


class CamundaAuthenticationConfiguration(_CamundaModel):
    """A credential (``io.camunda.connectors:rest-authentication:1``): it replaces the
    task's own authentication."""

    authentication: CamundaAuthentication = field(
        CamundaNoAuth(), description="The credential's authentication"
    )

    _none = field_validator("authentication", mode="before")(_no_type_is_none)


# -- TLS and the response format ---------------------------------------------------------


class CamundaClientTls(_CamundaModel):
    """Mutual TLS and a trusted CA, as PEM text."""

    client_certificate: str | None = field(None, description="Client certificate (PEM)")
    client_private_key: str | None = field(
        None, description="Private key of the client certificate (PEM)", secret=True
    )
    private_key_password: str | None = field(
        None, description="Password of an encrypted private key", secret=True
    )
    trusted_certificate: str | None = field(None, description="CA certificate to trust (PEM)")

    _blank = field_validator("*", mode="before")(_blank_is_none)

    @model_validator(mode="after")
    def _pair(self) -> CamundaClientTls:
        if bool(self.client_certificate) != bool(self.client_private_key):
            raise validation_problem(
                "clientCertificate and clientPrivateKey go together: give both"
            )
        return self


class CamundaDocumentReturnFormat(_CamundaModel):
    """How a 2xx body is returned: parsed JSON, text, or a document."""

    choice: Literal["JSON", "TEXT", "DOCUMENT"] = field("JSON", description="Response format")
    encoding: str | None = field(None, description="Charset of a TEXT body (default UTF-8)")

    _blank = field_validator("encoding", mode="before")(_blank_is_none)

    @field_validator("encoding")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                codecs.lookup(value)
            except LookupError:
                raise validation_problem("is not a charset Python knows, e.g. UTF-8") from None
        return value

    @field_validator("choice", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value


# -- the request -------------------------------------------------------------------------


class CamundaHttpRequest(_CamundaModel):
    """The variables of a Camunda REST connector task (``io.camunda:http-json:1``)."""

    method: CamundaMethod = field("GET", description="HTTP method")
    url: str = field(description="URL to call")
    headers: dict[str, Any] | None = field(None, description="Request headers")
    query_parameters: dict[str, Any] | None = field(None, description="Query parameters")
    body: Any = field(None, description="Request body (POST, PUT and PATCH)")
    authentication: CamundaAuthentication = field(
        CamundaNoAuth(), description="How the connector authenticates"
    )
    authentication_configuration: CamundaAuthenticationConfiguration | None = field(
        None, description="A credential that replaces authentication"
    )
    client_tls: CamundaClientTls | None = field(None, description="Mutual TLS and trusted CA")
    connection_timeout_in_seconds: float | None = field(
        20, description="Seconds to wait for a connection (0: no limit)", ge=0
    )
    read_timeout_in_seconds: float | None = field(
        None,
        description="Seconds to wait for response data (0: no limit; unset: the "
        "connection timeout)",
        ge=0,
    )
    write_timeout_in_seconds: Any = field(
        None, description="Template version 7's write timeout; not used (read covers it)"
    )
    follow_redirects: bool = field(False, description="Follow 3xx redirects")
    ignore_null_values: bool = field(False, description="Leave null entries out of the body")
    skip_encoding: Any = field(None, description='"true" sends the URL exactly as given')
    store_response: bool = field(False, description="Legacy: store the response body as a document")
    document_return_format: CamundaDocumentReturnFormat | None = field(
        None, description="Return the body as JSON, TEXT or a DOCUMENT"
    )
    group_set_cookie_headers: Any = field(None, description="Accepted; not used by Camunda")

    _request: HttpRequest = PrivateAttr()

    @field_validator("method", mode="before")
    @classmethod
    def _upper_method(cls, value: Any) -> Any:
        # The first templates wrote "get", "post"...
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("authentication", mode="before")
    @classmethod
    def _authentication(cls, value: Any) -> Any:
        return _no_type_is_none(value)

    @field_validator(
        "connection_timeout_in_seconds", "read_timeout_in_seconds", "headers", mode="before"
    )
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _blank_is_none(value)

    @model_validator(mode="after")
    def _prepare(self, info: ValidationInfo) -> CamundaHttpRequest:
        connect = self.connection_timeout_in_seconds
        connect = 20.0 if connect is None else connect
        read = self.read_timeout_in_seconds
        body_type, body, headers = camunda_body(
            self.method, self.headers, self.body, ignore_nulls=self.ignore_null_values
        )
        tls = self.client_tls
        wanted = (self.document_return_format or CamundaDocumentReturnFormat()).choice
        ours: dict[str, Any] = {
            "method": self.method,
            "url": self.url if self.skip_encoding_on else encode_url(self.url),
            "queryParameters": self.query_parameters,
            "headers": headers,
            "followRedirects": self.follow_redirects,
            "bodyType": body_type,
            "body": body,
            "connectionTimeoutInSeconds": connect,
            "readTimeoutInSeconds": connect if read is None else read,
            # Camunda bounds each wait, never the whole exchange; the job's own timeout
            # still does.
            "totalTimeoutInSeconds": 0,
            "storeResponse": (
                wanted == "DOCUMENT"
                if self.document_return_format is not None
                else self.store_response
            ),
        }
        if tls is not None:
            ours["tls"] = {
                "caCertificate": tls.trusted_certificate,
                "clientCertificate": tls.client_certificate,
                "clientKey": tls.client_private_key,
                "clientKeyPassword": tls.private_key_password,
            }
        self._request = our_request(ours, info.context, title=type(self).__name__, locate=_located)
        return self

    @property
    def skip_encoding_on(self) -> bool:
        """Camunda sends the URL as given only for the text ``"true"``."""
        return str(self.skip_encoding).strip().lower() == "true"

    @property
    def request(self) -> HttpRequest:
        """The request this task sends, as the REST connector's own model."""
        return self._request

    @property
    def effective_authentication(self) -> CamundaAuthentication:
        """``authenticationConfiguration``'s authentication when given, else the task's."""
        if self.authentication_configuration is not None:
            return self.authentication_configuration.authentication
        return self.authentication

    def scheme(self) -> AuthScheme:
        """The shared client's authentication scheme for this task."""
        return self.effective_authentication.scheme()
