"""The package surface: the authentication and TLS models are the shared client's, under
the names this package gave them, and the operation is a lazy target, not a stub."""

from __future__ import annotations

import tasklink.http as http
from tasklink import client
from tasklink.http import connector
from tasklink.testing import check_package_exports


def test_the_exports_are_in_step() -> None:
    assert check_package_exports(http) == []


def test_the_input_models_are_the_clients() -> None:
    assert (
        http.NoAuth,
        http.BasicAuth,
        http.BearerAuth,
        http.ApiKeyAuth,
        http.OAuth2ClientCredentials,
        http.Authentication,
        http.TlsOptions,
    ) == (
        client.NoAuthOptions,
        client.BasicAuthOptions,
        client.BearerAuthOptions,
        client.ApiKeyAuthOptions,
        client.OAuth2ClientCredentialsOptions,
        client.AuthenticationOptions,
        client.TlsOptions,
    )


def test_the_operation_is_the_clients_send_loaded_on_first_use() -> None:
    assert connector.operations["request"].target == "._client:send"
    assert "request" not in http.__all__
