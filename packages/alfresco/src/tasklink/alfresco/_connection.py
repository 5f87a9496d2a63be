"""Where the repository is and how to log in to it.

APA configures its content-service connector implicitly (the repository of the APA
installation, the application's service account). Here a task either gives the
``connection`` input, or leaves it out and the runtime reads the same object, as JSON,
from the secret ``CONTENT_SERVICE_CONNECTION`` (``TASKLINK_SECRET_CONTENT_SERVICE_CONNECTION``
with the default environment provider), so that APA processes, which know nothing of a
connection, run unchanged.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from tasklink.core import CamelInputModel, field

__all__ = [
    "CONNECTION_SECRET",
    "Authentication",
    "BasicAuth",
    "BearerAuth",
    "Connection",
    "OAuth2ClientCredentials",
    "TicketAuth",
]

#: The secret holding the connection of tasks that give none (APA processes).
CONNECTION_SECRET = "CONTENT_SERVICE_CONNECTION"  # noqa: S105 - a secret's name


def _http_url(value: str) -> str:
    try:
        parts = urlsplit(value.strip())
        absolute = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # a malformed host or port
        absolute = False
    if not absolute:
        raise PydanticCustomError(
            "url", "must be an http or https URL, e.g. https://acs.example.com/alfresco"
        )
    return value.strip().rstrip("/")


# Checked here rather than by pydantic's HttpUrl, whose pattern the template would carry
# (the modeler would flag every new, still empty task).
Url = Annotated[str, AfterValidator(_http_url)]


class BasicAuth(CamelInputModel):
    """HTTP Basic authentication with the user's password on every request."""

    type: Literal["basic"] = field(description="How the connector logs in")
    username: str = field(
        description="User name", group="authentication", min_length=1, pattern=r"^[^:]*$"
    )
    password: str = field(description="Password", group="authentication", secret=True)


class TicketAuth(CamelInputModel):
    """An ACS ticket: one login (``POST .../authentication/versions/1/tickets``) per
    repository and user, reused by every job, and a new login when ACS refuses it."""

    type: Literal["ticket"] = field(description="How the connector logs in")
    username: str = field(description="User name", group="authentication", min_length=1)
    password: str = field(description="Password", group="authentication", secret=True)


class OAuth2ClientCredentials(CamelInputModel):
    """OAuth 2.0 client credentials against an identity service (Keycloak, Alfresco
    Identity Service); tokens are cached and renewed before they expire."""

    type: Literal["oauth2_client_credentials"] = field(description="How the connector logs in")
    token_url: Url = field(
        title="Token endpoint",
        description="Token endpoint of the identity service",
        group="authentication",
        placeholder="https://ids.example.com/auth/realms/alfresco/protocol/openid-connect/token",
    )
    client_id: str = field(
        title="Client ID", description="Client ID", group="authentication", min_length=1
    )
    client_secret: str = field(
        description="Client secret", group="authentication", secret=True, min_length=1
    )
    scopes: str | None = field(
        None, description="Scopes to request, separated by spaces", group="authentication"
    )
    audience: str | None = field(
        None,
        description="Audience to request (some identity services need it)",
        group="authentication",
    )


class BearerAuth(CamelInputModel):
    """A token obtained elsewhere, sent as ``Authorization: Bearer <token>``."""

    type: Literal["bearer"] = field(description="How the connector logs in")
    token: str = field(
        description="The token, without the 'Bearer ' prefix",
        group="authentication",
        secret=True,
        min_length=1,
    )


Authentication = Annotated[
    BasicAuth | TicketAuth | OAuth2ClientCredentials | BearerAuth, Field(discriminator="type")
]


class Connection(CamelInputModel):
    """The repository and the credentials of the task."""

    base_url: Url = field(
        title="Base URL",
        description="URL of the ACS web application, e.g. https://acs.example.com/alfresco; "
        "the API paths (/api/-default-/public/...) are added to it",
        group="connection",
        placeholder="https://acs.example.com/alfresco",
    )
    authentication: Authentication = field(
        description="How the connector logs in to the repository",
        group="authentication",
        choice_labels={
            "basic": "Basic",
            "ticket": "ACS ticket",
            "oauth2_client_credentials": "OAuth 2.0 client credentials",
            "bearer": "Bearer token",
        },
    )
    connection_timeout_in_seconds: float = field(
        20,
        description="Seconds to wait for a connection (0 waits without limit)",
        group="timeouts",
        ge=0,
        allow_inf_nan=False,
    )
    read_timeout_in_seconds: float = field(
        60,
        description="Seconds to wait for each part of a response (0 waits without limit)",
        group="timeouts",
        ge=0,
        allow_inf_nan=False,
    )
    total_timeout_in_seconds: float = field(
        300,
        description="Seconds each call may take from login to the last byte, content "
        "transfers included (0: no limit of its own)",
        group="timeouts",
        ge=0,
        allow_inf_nan=False,
    )
