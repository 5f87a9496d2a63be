"""The standard suite every tasklink connector package runs, against the local GraphQL
server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from graphql_server import GraphqlServer

from tasklink import graphql
from tasklink.graphql import connector
from tasklink.testing import SecretCase, StandardConnectorSuite, check_package_exports, httpbin

ME = "{ me { name scheme } }"


class TestStandard(StandardConnectorSuite):
    connector = connector
    package_dir = Path(__file__).resolve().parents[1]
    # Discovery must not load the HTTP stack: the client imports it with the first request.
    heavy_modules = ("httpx", "httpcore", "anyio", "certifi")

    @pytest.fixture
    def valid_inputs(self) -> dict[str, dict[str, Any]]:
        return {
            "execute": {
                "url": "https://api.example.com/graphql",
                "method": "GET",
                "headers": {"X-Request-Id": "r-1"},
                "query": "query A { a } query B($id: ID!) { b(id: $id) }",
                "variables": {"id": "42"},
                "operationName": "B",
                "allowErrors": True,
                "authentication": {"type": "bearer", "token": "t0ken"},
                "connectionTimeoutInSeconds": 5,
                "readTimeoutInSeconds": 5,
                "totalTimeoutInSeconds": 30,
                "maxResponseBytes": 1024,
                "tls": {"verify": True},
            }
        }

    @pytest.fixture
    def secret_cases(
        self, graphql_server: GraphqlServer, server: httpbin.TestServer
    ) -> list[SecretCase]:
        endpoint = f"{graphql_server.url}/graphql"
        server.oauth.clients["suite-client"] = "suite-client-secret-1"
        oauth = {
            "type": "oauth2_client_credentials",
            "tokenUrl": f"{server.url}/oauth/token",
            "clientId": "suite-client",
            "clientSecret": "{{secrets.CLIENT_SECRET}}",
        }
        # header(name) answers with the request header: the credential comes back in the
        # data, and must be masked there.
        echo = '{ auth: header(name: "Authorization") key: header(name: "X-API-Key") }'
        return [
            SecretCase(
                "execute",
                {
                    "url": endpoint,
                    "query": echo,
                    "authentication": {"type": "bearer", "token": "{{secrets.TOKEN}}"},
                },
                {"TOKEN": "suite-bearer-token-1"},
                headers={"resultVariable": "reply"},
            ),
            SecretCase(
                "execute",
                {
                    "url": endpoint,
                    "query": echo,
                    "authentication": {
                        "type": "basic",
                        "username": "ada",
                        "password": "{{secrets.PASSWORD}}",
                    },
                },
                {"PASSWORD": "suite-password-1"},
            ),
            # In a GraphQL error: the server says it does not know the variable's value.
            SecretCase(
                "execute",
                {
                    "url": endpoint,
                    "query": "query Q($id: ID!) { cancelOrder(id: $id) { id } }",
                    "variables": {"id": "{{secrets.ORDER}}"},
                    "method": "POST",
                },
                {"ORDER": "suite-order-secret-1"},
            ),
            SecretCase(
                "execute",
                {
                    "url": endpoint,
                    "query": echo,
                    "authentication": {
                        "type": "api_key",
                        "name": "X-API-Key",
                        "value": "{{secrets.KEY}}",
                    },
                },
                {"KEY": "suite-api-key-1"},
            ),
            SecretCase(
                "execute",
                {"url": endpoint, "query": ME, "authentication": oauth},
                {"CLIENT_SECRET": "suite-client-secret-1"},
            ),
            # Refused client credentials: nothing of them in the error either.
            SecretCase(
                "execute",
                {"url": endpoint, "query": ME, "authentication": oauth},
                {"CLIENT_SECRET": "wrong-client-secret-1"},
            ),
        ]

    @pytest.fixture
    def readme_environment(self, graphql_server: GraphqlServer) -> dict[str, str]:
        return {
            "GRAPHQL_URL": f"{graphql_server.url}/graphql",
            "TASKLINK_SECRET_GRAPHQL_TOKEN": "graphql-test-token-7f3a",
        }


def test_the_public_api_resolves() -> None:
    assert check_package_exports(graphql) == []
