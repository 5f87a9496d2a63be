"""The standard suite every tasklink connector package runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tasklink.http import connector
from tasklink.testing import SecretCase, StandardConnectorSuite


class TestStandard(StandardConnectorSuite):
    connector = connector
    package_dir = Path(__file__).resolve().parents[1]
    heavy_modules = ("httpx", "httpcore", "anyio", "certifi")

    @pytest.fixture
    def valid_inputs(self) -> dict[str, dict[str, Any]]:
        return {
            "request": {
                "method": "POST",
                "url": "https://api.example.com/items",
                "queryParameters": {"page": 1},
                "headers": {"X-Request-Id": "r-1"},
                "bodyType": "json",
                "body": {"name": "Ada"},
                "followRedirects": True,
                "maxRedirects": 3,
                "connectionTimeoutInSeconds": 5,
                "readTimeoutInSeconds": 5,
                "maxResponseBytes": 1024,
                "authentication": {"type": "bearer", "token": "t0ken"},
                "tls": {"verify": True},
            }
        }

    @pytest.fixture
    def secret_cases(self, server: Any) -> list[SecretCase]:
        oauth = server.oauth
        oauth.clients["suite-client"] = "suite-client-secret-1"
        return [
            # The server echoes the token back: it must be masked in the result.
            SecretCase(
                "request",
                {
                    "url": f"{server.url}/bearer",
                    "authentication": {"type": "bearer", "token": "{{secrets.TOKEN}}"},
                },
                {"TOKEN": "suite-bearer-token-1"},
            ),
            # A failure: the error variables hold the echoed request.
            SecretCase(
                "request",
                {
                    "url": f"{server.url}/basic-auth/ada/other",
                    "authentication": {
                        "type": "basic",
                        "username": "ada",
                        "password": "{{secrets.PASSWORD}}",
                    },
                },
                {"PASSWORD": "suite-password-1"},
            ),
            SecretCase(
                "request",
                {
                    "url": f"{server.url}/anything",
                    "authentication": {
                        "type": "api_key",
                        "location": "query",
                        "name": "key",
                        "value": "{{secrets.KEY}}",
                    },
                },
                {"KEY": "suite/api key+1"},
            ),
            SecretCase(
                "request",
                {
                    "url": f"{server.url}/oauth/protected",
                    "authentication": {
                        "type": "oauth2_client_credentials",
                        "tokenUrl": f"{server.url}/oauth/token",
                        "clientId": "suite-client",
                        "clientSecret": "{{secrets.CLIENT_SECRET}}",
                    },
                },
                {"CLIENT_SECRET": "suite-client-secret-1"},
                headers={"resultVariable": "reply"},
            ),
            # Rejected client credentials: nothing of them in the error either.
            SecretCase(
                "request",
                {
                    "url": f"{server.url}/oauth/protected",
                    "authentication": {
                        "type": "oauth2_client_credentials",
                        "tokenUrl": f"{server.url}/oauth/token",
                        "clientId": "suite-client",
                        "clientSecret": "{{secrets.CLIENT_SECRET}}",
                    },
                },
                {"CLIENT_SECRET": "wrong-client-secret-1"},
            ),
        ]

    @pytest.fixture
    def readme_environment(self, server: Any) -> dict[str, str]:
        return {"EXAMPLE_URL": server.url, "TASKLINK_SECRET_API_TOKEN": "example-token-123"}
