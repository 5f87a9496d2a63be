"""Authentication: Basic, bearer, API key and OAuth 2.0 client credentials."""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from tasklink.core import Completed, Failed
from tasklink.http import connector
from tasklink.testing import arun_job

CLIENT_ID = "order-service"
CLIENT_SECRET = "cl!ent+secret/with=odd chars"


async def test_basic(server: Any) -> None:
    outcome = await arun_job(
        connector,
        {
            "url": f"{server.url}/basic-auth/ada/p%40ss",
            "authentication": {"type": "basic", "username": "ada", "password": "p%40ss"},
        },
    )
    assert isinstance(outcome, Completed), outcome
    assert outcome.output["body"] == {"authenticated": True, "user": "ada"}


async def test_basic_with_a_wrong_password_is_an_unretried_unauthorized(server: Any) -> None:
    outcome = await arun_job(
        connector,
        {
            "url": f"{server.url}/basic-auth/ada/right",
            "authentication": {"type": "basic", "username": "ada", "password": "wrong"},
        },
    )
    assert isinstance(outcome, Failed)
    assert (outcome.code, outcome.retries) == ("UNAUTHORIZED", 0)
    assert outcome.variables["headers"]["www-authenticate"] == 'Basic realm="Fake Realm"'


async def test_bearer_and_a_pasted_bearer_prefix(server: Any) -> None:
    for token in ("abc.def.ghi", "Bearer abc.def.ghi"):
        outcome = await arun_job(
            connector,
            {"url": f"{server.url}/bearer", "authentication": {"type": "bearer", "token": token}},
        )
        assert isinstance(outcome, Completed)
        # The server echoes the token; the connector masks it in the result.
        assert outcome.output["body"] == {"authenticated": True, "token": "***"}


async def test_api_key_in_a_header(server: Any) -> None:
    outcome = await arun_job(
        connector,
        {
            "url": f"{server.url}/anything",
            "authentication": {"type": "api_key", "name": "X-API-Key", "value": "key-12345"},
        },
    )
    assert isinstance(outcome, Completed)
    assert outcome.output["body"]["headers"]["X-API-Key"] == "***"
    assert server.log[-1]["headers"]["X-API-Key"] == "key-12345"


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


async def test_authentication_replaces_a_hand_written_authorization_header(server: Any) -> None:
    outcome = await arun_job(
        connector,
        {
            "url": f"{server.url}/bearer",
            "headers": {"authorization": "Basic old"},
            "authentication": {"type": "bearer", "token": "fresh-token"},
        },
    )
    assert isinstance(outcome, Completed)
    assert server.log[-1]["headers"]["Authorization"] == "Bearer fresh-token"


# -- OAuth 2.0 client credentials ----------------------------------------------------------


@pytest.fixture
def oauth(server: Any) -> Iterator[Any]:
    state = server.oauth
    state.clients = {CLIENT_ID: CLIENT_SECRET}
    state.requests.clear()
    state.expires_in = 3600
    yield state
    state.revoke_all()


def oauth_job(server: Any, **auth: Any) -> dict[str, Any]:
    return {
        "url": f"{server.url}/oauth/protected",
        "authentication": {
            "type": "oauth2_client_credentials",
            "tokenUrl": f"{server.url}/oauth/token",
            "clientId": CLIENT_ID,
            "clientSecret": "{{secrets.CLIENT_SECRET}}",
            **auth,
        },
    }


SECRETS = {"CLIENT_SECRET": CLIENT_SECRET}


async def test_oauth_with_a_basic_header_then_the_cached_token(server: Any, oauth: Any) -> None:
    for _ in range(3):
        outcome = await arun_job(connector, oauth_job(server), secrets=SECRETS)
        assert isinstance(outcome, Completed), outcome
        assert outcome.output["body"] == {"ok": True}
    assert len(oauth.requests) == 1
    assert oauth.requests[0]["basic"] is True
    assert oauth.requests[0]["form"] == {"grant_type": "client_credentials"}


async def test_oauth_credentials_in_the_body_with_audience_and_scopes(
    server: Any, oauth: Any
) -> None:
    job = oauth_job(
        server, clientAuthentication="body", audience="https://api.example", scopes="read, write"
    )
    outcome = await arun_job(connector, job, secrets=SECRETS)
    assert isinstance(outcome, Completed), outcome
    assert oauth.requests[0]["basic"] is False
    assert oauth.requests[0]["form"] == {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "audience": "https://api.example",
        "scope": "read write",
    }


async def test_concurrent_jobs_share_one_token_request(server: Any, oauth: Any) -> None:
    outcomes = await asyncio.gather(
        *(arun_job(connector, oauth_job(server), secrets=SECRETS) for _ in range(8))
    )
    assert all(isinstance(o, Completed) for o in outcomes), outcomes
    assert len(oauth.requests) == 1


async def test_a_token_is_renewed_before_it_expires(
    server: Any, oauth: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # expires_in 3600: reused for 3540 s, renewed within the last minute.
    now = [1000.0]
    monkeypatch.setattr("tasklink.client._auth.time.monotonic", lambda: now[0])
    for elapsed, fetches in ((0, 1), (3539, 1), (3541, 2)):
        now[0] = 1000.0 + elapsed
        outcome = await arun_job(connector, oauth_job(server), secrets=SECRETS)
        assert isinstance(outcome, Completed), outcome
        assert len(oauth.requests) == fetches, elapsed


async def test_a_token_without_lifetime_is_not_cached_when_expired(server: Any, oauth: Any) -> None:
    oauth.expires_in = 0
    for _ in range(2):
        outcome = await arun_job(connector, oauth_job(server), secrets=SECRETS)
        assert isinstance(outcome, Completed), outcome
    assert len(oauth.requests) == 2


async def test_a_revoked_cached_token_is_renewed_once(server: Any, oauth: Any) -> None:
    assert isinstance(await arun_job(connector, oauth_job(server), secrets=SECRETS), Completed)
    oauth.revoke_all()
    outcome = await arun_job(connector, oauth_job(server), secrets=SECRETS)
    assert isinstance(outcome, Completed), outcome
    assert len(oauth.requests) == 2


async def test_a_fresh_token_that_is_rejected_is_not_renewed_again(
    server: Any, oauth: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tokens are issued but never accepted: one fetch, one 401, no loop.
    monkeypatch.setattr(oauth, "tokens", set())
    monkeypatch.setattr(oauth, "issue", lambda: "never-valid-token")
    outcome = await arun_job(connector, oauth_job(server), secrets=SECRETS)
    assert isinstance(outcome, Failed)
    assert outcome.code == "UNAUTHORIZED"
    assert len(oauth.requests) == 1


async def test_a_401_from_another_origin_does_not_renew_the_token(server: Any, oauth: Any) -> None:
    # The token was never sent to the redirect target, so its 401 says nothing about it.
    other = server.url.replace("127.0.0.1", "localhost")
    job = {
        **oauth_job(server),
        "url": f"{server.url}/redirect-to",
        "queryParameters": {"url": f"{other}/oauth/protected"},
        "followRedirects": True,
    }
    assert isinstance(await arun_job(connector, oauth_job(server), secrets=SECRETS), Completed)
    outcome = await arun_job(connector, job, secrets=SECRETS)
    assert isinstance(outcome, Failed)
    assert outcome.code == "UNAUTHORIZED"
    assert len(oauth.requests) == 1


async def test_rejected_client_credentials(server: Any, oauth: Any) -> None:
    outcome = await arun_job(
        connector, oauth_job(server), secrets={"CLIENT_SECRET": "wrong-secret-value"}
    )
    assert isinstance(outcome, Failed)
    assert outcome.code == "AUTHENTICATION_FAILED"
    assert outcome.retries == 0
    assert outcome.variables == {
        "tokenEndpointStatus": 401,
        "error": "invalid_client",
        "errorDescription": "bad client",
    }
    assert "HTTP 401: bad client" in outcome.message


async def test_a_token_endpoint_that_breaks_off_is_a_retryable_failure(
    server: Any, oauth: Any
) -> None:
    # /delay answers after 2 s: the read timeout hits while the token response is awaited.
    job = oauth_job(server, tokenUrl=f"{server.url}/delay/2")
    outcome = await arun_job(connector, {**job, "readTimeoutInSeconds": 0.2}, secrets=SECRETS)
    assert isinstance(outcome, Failed)
    assert (outcome.code, outcome.retries) == ("TIMEOUT", 2)
    assert "OAuth 2.0 token" in outcome.message


async def test_a_token_endpoint_gzip_bomb_is_inflated_only_up_to_the_limit(
    server: Any, oauth: Any, inflated: list[int]
) -> None:
    from tasklink.client._auth import TOKEN_RESPONSE_LIMIT
    from tasklink.client._decoding import DECODE_STEP

    bomb = oauth_job(server, tokenUrl=f"{server.url}/gzip-bomb?size={16 * 1024 * 1024}")
    outcome = await arun_job(connector, bomb, secrets=SECRETS)
    assert isinstance(outcome, Failed)
    assert (outcome.code, outcome.retries) == ("AUTHENTICATION_FAILED", 0)
    assert "more than" in outcome.message
    assert inflated and max(inflated) <= DECODE_STEP
    assert sum(inflated) <= TOKEN_RESPONSE_LIMIT + DECODE_STEP


async def test_a_token_endpoint_answering_huge_or_odd_bodies(server: Any, oauth: Any) -> None:
    huge = oauth_job(server, tokenUrl=f"{server.url}/large?size=2000000")
    outcome = await arun_job(connector, huge, secrets=SECRETS)
    assert isinstance(outcome, Failed)
    assert outcome.code == "AUTHENTICATION_FAILED"
    assert "more than" in outcome.message
    text = oauth_job(server, tokenUrl=f"{server.url}/xml")
    outcome = await arun_job(connector, text, secrets=SECRETS)
    assert isinstance(outcome, Failed)
    assert (outcome.code, outcome.retries) == ("AUTHENTICATION_FAILED", 0)
    assert "no access_token" in outcome.message


async def test_unreachable_token_endpoint_is_retryable(oauth: Any) -> None:
    job = {
        "url": "http://127.0.0.1:9/x",
        "authentication": {
            "type": "oauth2_client_credentials",
            "tokenUrl": "http://127.0.0.1:9/token",
            "clientId": CLIENT_ID,
            "clientSecret": "whatever-secret",
        },
    }
    outcome = await arun_job(connector, job)
    assert isinstance(outcome, Failed)
    assert outcome.code == "CONNECTION_FAILED"
    assert outcome.retries == 2
    assert "OAuth 2.0 token" in outcome.message


async def test_token_and_secret_never_leave_the_connector(
    server: Any, oauth: Any, caplog: pytest.LogCaptureFixture
) -> None:
    issued: list[str] = []
    original = oauth.issue

    def issue() -> str:
        issued.append(original())
        return issued[-1]

    oauth.issue = issue
    with caplog.at_level(logging.DEBUG):
        ok = await arun_job(
            connector,
            {**oauth_job(server), "url": f"{server.url}/bearer"},
            secrets=SECRETS,
        )
    assert isinstance(ok, Completed)
    assert ok.output["body"]["token"] == "***"
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    seen = repr(ok) + caplog.text
    for value in (issued[0], CLIENT_SECRET, basic):
        assert value not in seen


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
