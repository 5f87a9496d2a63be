"""The authentication fields a connector's input offers: each maps onto the client's
scheme, checks its values without repeating them, and null means no authentication."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from tasklink import client


class Settings(BaseModel):
    """A connector's input, as far as authentication goes."""

    authentication: client.AuthenticationOptions = client.NoAuthOptions()


TOKEN_URL = "https://login.example.com/oauth/token"


@pytest.mark.parametrize(
    ("given", "scheme"),
    [
        ({"type": "none"}, client.NO_AUTH),
        (None, client.NO_AUTH),
        ({"type": "basic", "username": "ada", "password": "pw"}, client.BasicAuth("ada", "pw")),
        # A pasted "Bearer " prefix is not sent twice.
        ({"type": "bearer", "token": " Bearer t0ken "}, client.BearerAuth("t0ken")),
        (
            {"type": "api_key", "name": "X-API-Key", "value": " k3y\t"},
            client.ApiKeyAuth("X-API-Key", "k3y", "header"),
        ),
        # A query parameter is percent-encoded: any name or value will do.
        (
            {"type": "api_key", "location": "query", "name": "api key", "value": "a b"},
            client.ApiKeyAuth("api key", "a b", "query"),
        ),
        (
            {
                "type": "oauth2_client_credentials",
                "tokenUrl": f" {TOKEN_URL} ",
                "clientId": "svc",
                "clientSecret": "s3cret",
                "clientAuthentication": "body",
                "audience": " ",
                "scopes": "read write",
            },
            client.OAuth2ClientCredentials(
                token_url=TOKEN_URL,
                client_id="svc",
                client_secret="s3cret",
                scopes="read write",
                client_authentication="body",
            ),
        ),
    ],
)
def test_each_option_gives_the_clients_scheme(given: Any, scheme: client.AuthScheme) -> None:
    settings = Settings.model_validate({"authentication": given})
    assert settings.authentication.scheme() == scheme


def test_left_out_it_is_the_one_shared_none() -> None:
    assert Settings().authentication.scheme() is client.NO_AUTH


@pytest.mark.parametrize(
    ("given", "loc", "message"),
    [
        (
            {"type": "basic", "username": "ada:x", "password": "secret-1"},
            ("basic", "username"),
            "must not contain ':'",
        ),
        ({"type": "bearer", "token": "Bearer "}, ("bearer", "token"), "must not be empty"),
        (
            {"type": "bearer", "token": "secret-1\r\nX-Evil: 1"},
            ("bearer", "token"),
            "line breaks",
        ),
        (
            {"type": "api_key", "name": "X Key", "value": "secret-1"},
            ("api_key", "name"),
            "not a valid header name",
        ),
        (
            {"type": "api_key", "name": "X-Key", "value": "secret-1\u00e9"},
            ("api_key", "value"),
            "must be ASCII",
        ),
        (
            {
                "type": "oauth2_client_credentials",
                "tokenUrl": "ftp://secret-1.example.com/token",
                "clientId": "svc",
                "clientSecret": "s3cret",
            },
            ("oauth2_client_credentials", "tokenUrl"),
            "unsupported scheme 'ftp'",
        ),
        ({"type": "kerberos"}, (), "does not match any of the expected tags"),
    ],
)
def test_a_bad_value_is_named_by_its_field_never_shown(
    given: dict[str, Any], loc: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        Settings.model_validate({"authentication": given})
    [error] = raised.value.errors(include_input=False, include_url=False)
    assert error["loc"] == ("authentication", *loc)
    assert message in error["msg"]
    assert "secret-1" not in error["msg"]


def test_the_labels_name_every_choice() -> None:
    members = get_args(get_args(client.AuthenticationOptions)[0])
    tags = {get_args(member.model_fields["type"].annotation)[0] for member in members}
    assert set(client.AUTHENTICATION_LABELS) == tags


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "must not be empty"),
        ("https://api.example.com/a b", "must not contain spaces"),
        ("api.example.com/items", "must be an absolute URL"),
        ("mailto:ops@example.com", "unsupported scheme 'mailto'"),
        ("https://ada:pw@api.example.com/", "must not contain credentials"),
        ("https://api.example.com:0/", "has an invalid port"),
    ],
)
def test_a_web_url_is_an_absolute_http_url(url: str, message: str) -> None:
    adapter = TypeAdapter(client.WebUrl)
    assert adapter.validate_python(" https://api.example.com/items\n") == (
        "https://api.example.com/items"
    )
    with pytest.raises(ValidationError, match=message):
        adapter.validate_python(url)


def test_the_header_checks_name_where_the_problem_is() -> None:
    with pytest.raises(client.CheckError) as raised:
        client.check_header_name("X:Y", ("headers", "X:Y"))
    assert raised.value.loc == ("headers", "X:Y")
    assert client.check_header_value(" value\t") == "value"
