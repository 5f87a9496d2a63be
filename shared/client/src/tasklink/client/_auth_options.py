"""The authentication fields a connector's input offers (``authentication.type``,
``authentication.username``, ...): one model per scheme of :mod:`._auth`, so the fields
read, validate and behave the same in every connector, and ``scheme()`` gives the
request's :class:`~._auth.AuthScheme`.

:data:`AuthenticationOptions` is the dropdown of all of them. A connector that offers only
some, or adds a scheme of its own (a ticket login), declares its own discriminated union
of these members and its own models.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, field_validator, model_validator

from tasklink.core import CamelInputModel, field, validation_error, validation_problem

from ._auth import NO_AUTH, ApiKeyAuth, AuthScheme, BasicAuth, BearerAuth, OAuth2ClientCredentials
from ._checks import CheckError, WebUrl, check_header_name, check_header_value

__all__ = [
    "AUTHENTICATION_LABELS",
    "ApiKeyAuthOptions",
    "AuthenticationOptions",
    "BasicAuthOptions",
    "BearerAuthOptions",
    "NoAuthOptions",
    "OAuth2ClientCredentialsOptions",
]


class NoAuthOptions(CamelInputModel):
    """Send no credentials."""

    # Frozen: one instance serves as the default of every input that leaves it out.
    model_config = ConfigDict(frozen=True)

    type: Literal["none"] = field(
        "none", description="How the connector authenticates", group="authentication"
    )

    def scheme(self) -> AuthScheme:
        """The shared client's scheme for these settings."""
        return NO_AUTH


class BasicAuthOptions(CamelInputModel):
    """HTTP Basic authentication (RFC 7617)."""

    type: Literal["basic"] = field(description="How the connector authenticates")
    username: str = field(
        description="User name (must not contain ':')", group="authentication", min_length=1
    )
    password: str = field(description="Password", group="authentication", secret=True)

    @field_validator("username")
    @classmethod
    def _no_colon(cls, value: str) -> str:
        if ":" in value:
            raise validation_problem(
                "must not contain ':' (Basic authentication separates with it)"
            )
        return value

    def scheme(self) -> AuthScheme:
        """The shared client's scheme for these settings."""
        return BasicAuth(self.username, self.password)


class BearerAuthOptions(CamelInputModel):
    """A bearer token sent as ``Authorization: Bearer <token>``."""

    type: Literal["bearer"] = field(description="How the connector authenticates")
    token: str = field(
        description="The token, without the 'Bearer ' prefix",
        group="authentication",
        secret=True,
        min_length=1,
    )

    @field_validator("token")
    @classmethod
    def _check_token(cls, value: str) -> str:
        token = value.strip()
        # A pasted "Bearer abc" would otherwise be sent as "Bearer Bearer abc".
        if token.lower() == "bearer" or token[:7].lower() == "bearer ":
            token = token[6:].strip()
        if not token:
            raise validation_problem("must not be empty")
        try:
            return check_header_value(token)
        except CheckError as problem:
            raise validation_problem(problem.message) from None

    def scheme(self) -> AuthScheme:
        """The shared client's scheme for these settings."""
        return BearerAuth(self.token)


class ApiKeyAuthOptions(CamelInputModel):
    """An API key sent as a header or a query parameter."""

    type: Literal["api_key"] = field(description="How the connector authenticates")
    location: Literal["header", "query"] = field(
        "header",
        title="Send key as",
        description="Send the key as a header or a query parameter.",
        group="authentication",
        choice_labels={"header": "Header", "query": "Query parameter"},
    )
    name: str = field(
        description="Name of the header or query parameter, e.g. X-API-Key",
        group="authentication",
        min_length=1,
    )
    value: str = field(description="The API key", group="authentication", secret=True)

    @model_validator(mode="after")
    def _check_header(self) -> ApiKeyAuthOptions:
        # A query parameter may hold anything (it is percent-encoded); a header may not.
        if self.location != "header":
            return self
        problems: list[CheckError] = []
        try:
            check_header_name(self.name, ("name",))
        except CheckError as problem:
            problems.append(problem)
        try:
            self.value = check_header_value(self.value, ("value",))
        except CheckError as problem:
            problems.append(problem)
        if problems:
            raise validation_error(type(self).__name__, [(p.loc, p.message) for p in problems])
        return self

    def scheme(self) -> AuthScheme:
        """The shared client's scheme for these settings."""
        return ApiKeyAuth(self.name, self.value, self.location)


class OAuth2ClientCredentialsOptions(CamelInputModel):
    """OAuth 2.0 client credentials grant (RFC 6749 section 4.4); tokens are cached."""

    type: Literal["oauth2_client_credentials"] = field(
        description="How the connector authenticates"
    )
    token_url: WebUrl = field(
        title="Token endpoint",
        description="Token endpoint of the authorization server",
        group="authentication",
        placeholder="https://login.example.com/oauth/token",
    )
    client_id: str = field(description="Client ID", group="authentication", min_length=1)
    client_secret: str = field(
        description="Client secret", group="authentication", secret=True, min_length=1
    )
    client_authentication: Literal["basic_header", "body"] = field(
        "basic_header",
        description="Send the client credentials as a Basic header (RFC 6749 default) "
        "or in the request body.",
        group="authentication",
        choice_labels={"basic_header": "Basic authentication header", "body": "Request body"},
    )
    audience: str | None = field(
        None,
        description="Audience of the token, for servers that need one",
        group="authentication",
    )
    scopes: str | None = field(
        None, description="Scopes to request, separated by spaces", group="authentication"
    )

    @field_validator("audience", "scopes")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    def scheme(self) -> AuthScheme:
        """The shared client's scheme for these settings."""
        return OAuth2ClientCredentials(
            token_url=self.token_url,
            client_id=self.client_id,
            client_secret=self.client_secret,
            audience=self.audience,
            scopes=self.scopes,
            client_authentication=self.client_authentication,
        )


def _null_is_none(value: Any) -> Any:
    # A process that maps no authentication at all sends null: it means none.
    return {"type": "none"} if value is None else value


AuthenticationOptions = Annotated[
    NoAuthOptions
    | BasicAuthOptions
    | BearerAuthOptions
    | ApiKeyAuthOptions
    | OAuth2ClientCredentialsOptions,
    BeforeValidator(_null_is_none),
    Field(discriminator="type"),
]
"""Every scheme, chosen by ``type``; ``null`` means ``none``."""

#: The labels of :data:`AuthenticationOptions`' dropdown, for ``field(choice_labels=...)``.
AUTHENTICATION_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "none": "None",
        "basic": "Basic",
        "bearer": "Bearer token",
        "api_key": "API key",
        "oauth2_client_credentials": "OAuth 2.0 client credentials",
    }
)
