"""The connector's authentication settings and how they map onto the shared client's
schemes (the schemes, OAuth 2.0 flows and the token cache are tested in tasklink-client;
one OAuth job is in ``test_client.py``)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tasklink.core import Completed
from tasklink.http import connector
from tasklink.testing import arun_job


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize(
    ("authentication", "path", "header", "sent"),
    [
        (
            {"type": "basic", "username": "ada", "password": "p%40ss"},
            "/basic-auth/ada/p%40ss",
            "Authorization",
            basic("ada", "p%40ss"),
        ),
        (
            {"type": "bearer", "token": "abc.def.ghi"},
            "/bearer",
            "Authorization",
            "Bearer abc.def.ghi",
        ),
        # A pasted "Bearer " prefix is not sent twice.
        (
            {"type": "bearer", "token": "Bearer abc.def.ghi"},
            "/bearer",
            "Authorization",
            "Bearer abc.def.ghi",
        ),
        (
            {"type": "api_key", "name": "X-API-Key", "value": "key-12345"},
            "/anything",
            "X-API-Key",
            "key-12345",
        ),
    ],
)
async def test_each_scheme_reaches_the_server_and_is_masked_in_the_result(
    server: Any, authentication: dict[str, Any], path: str, header: str, sent: str
) -> None:
    outcome = await arun_job(
        connector, {"url": f"{server.url}{path}", "authentication": authentication}
    )
    assert isinstance(outcome, Completed), outcome
    assert outcome.output["status"] == 200
    assert server.log[-1]["headers"][header] == sent
    assert sent.rpartition(" ")[2] not in repr(outcome)  # an echo of it is masked


async def test_api_key_in_the_query_is_masked_in_the_result_url(server: Any) -> None:
    outcome = await arun_job(
        connector,
        {
            "url": f"{server.url}/anything",
            "queryParameters": {"page": 2},
            "authentication": {
                "type": "api_key",
                "location": "query",
                "name": "api_key",
                "value": "k/ey with+odd&chars",
            },
        },
    )
    assert isinstance(outcome, Completed)
    assert outcome.output["body"]["args"] == {"page": "2", "api_key": "***"}
    assert "odd" not in outcome.output["url"]


async def test_literal_secret_fields_are_masked_too(server: Any) -> None:
    # Typed straight into the input instead of {{secrets.*}}: still a secret field.
    outcome = await arun_job(
        connector,
        {
            "url": f"{server.url}/anything",
            "headers": {"X-Echo": "literal-password-1"},
            "authentication": {"type": "basic", "username": "u", "password": "literal-password-1"},
        },
    )
    assert isinstance(outcome, Completed)
    assert outcome.output["body"]["headers"]["X-Echo"] == "***"
    assert "literal-password-1" not in repr(outcome)
