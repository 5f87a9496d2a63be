"""Authentication (OAuth2 client credentials, basic) and the fake gateway's own contract
checks: a request that breaks the API must be caught, or the contract tests prove nothing."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from camunda_fakes import JobStore, WorkerHarness
from camunda_fakes.connectors import single
from camunda_fakes.rest import OAUTH, FakeRestGateway

from tasklink.core import Redactor
from tasklink.runtime.camunda import (
    AuthenticationError,
    OAuth2ClientCredentials,
    RestGateway,
)


def _oauth(fake: FakeRestGateway, **kwargs: Any) -> OAuth2ClientCredentials:
    options: dict[str, Any] = {
        "token_url": fake.token_url,
        "client_id": OAUTH.client_id,
        "client_secret": OAUTH.client_secret,
        "audience": OAUTH.audience,
    }
    options.update(kwargs)
    return OAuth2ClientCredentials(**options)


async def test_one_token_serves_every_request(
    store: JobStore, oauth_gateway: FakeRestGateway
) -> None:
    jobs = store.add_many(single.job_type, [{"text": str(i)} for i in range(5)])
    auth = _oauth(oauth_gateway, scope="zeebe")
    async with WorkerHarness([single], RestGateway(oauth_gateway.rest_address, auth=auth)):
        await store.wait_for(lambda: store.done(*jobs))
    assert all(job.state == "completed" for job in jobs)
    assert auth.tokens_fetched == 1
    [form] = oauth_gateway.token_requests
    assert form == {
        "grant_type": "client_credentials",
        "client_id": OAUTH.client_id,
        "client_secret": OAUTH.client_secret,
        "audience": "zeebe-api",
        "scope": "zeebe",
    }
    headers = [h for _, path, _, h in oauth_gateway.requests if path.startswith("/v2/")]
    assert len(headers) > 5
    assert all(h["Authorization"].startswith("Bearer access-token-1-") for h in headers)


async def test_a_revoked_token_is_renewed_on_401(
    store: JobStore, oauth_gateway: FakeRestGateway
) -> None:
    auth = _oauth(oauth_gateway)
    async with WorkerHarness([single], RestGateway(oauth_gateway.rest_address, auth=auth)):
        first = store.add(single.job_type, {"text": "a"})
        await store.wait_for(lambda: store.done(first))
        oauth_gateway.revoke_tokens()
        second = store.add(single.job_type, {"text": "b"})
        await store.wait_for(lambda: store.done(second))
    assert auth.tokens_fetched == 2
    assert second.state == "completed"


async def test_the_token_is_renewed_before_it_expires(oauth_gateway: FakeRestGateway) -> None:
    now = [1000.0]
    oauth_gateway.token_lifetime = 300
    auth = _oauth(oauth_gateway, leeway=30, clock=lambda: now[0])
    try:
        first = await auth.token()
        now[0] += 260  # 40 s of life left: still more than the leeway
        assert await auth.token() == first
        now[0] += 15  # 25 s left: renewed ahead of time
        second = await auth.token()
        assert second != first
        assert auth.tokens_fetched == 2
        # A short-lived token is renewed at half its life, never after it lapsed.
        oauth_gateway.token_lifetime = 10
        auth.invalidate()
        third = await auth.token()
        now[0] += 4
        assert await auth.token() == third
        now[0] += 2
        assert await auth.token() != third
    finally:
        await auth.aclose()


async def test_rejected_credentials_are_reported_without_the_secret(
    store: JobStore, oauth_gateway: FakeRestGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "this-is-the-wrong-secret"
    redactor = Redactor()
    auth = _oauth(oauth_gateway, client_secret=wrong, redactor=redactor)
    with pytest.raises(AuthenticationError, match="refused the client credentials") as info:
        await auth.token()
    assert info.value.status == 401
    assert wrong not in str(info.value)
    assert wrong in redactor
    harness = WorkerHarness([single], RestGateway(oauth_gateway.rest_address, auth=auth))
    async with harness:
        await store.wait_for(lambda: len(oauth_gateway.token_requests) >= 3)
        assert not harness.pipeline.ready
    assert any("invalid_client" in m for m in caplog.messages)
    assert not any(wrong in m for m in caplog.messages)


async def test_an_identity_provider_without_a_token_is_an_error(
    oauth_gateway: FakeRestGateway,
) -> None:
    auth = _oauth(oauth_gateway, token_url=oauth_gateway.url + "/v2/jobs/activation")
    try:
        with pytest.raises(AuthenticationError):
            await auth.token()
    finally:
        await auth.aclose()
    oauth_gateway.violations.clear()  # the misdirected token request is no job request


async def test_basic_authentication(store: JobStore, camunda_spec: Any) -> None:
    fake = FakeRestGateway(store, camunda_spec, auth="basic", basic_user=("demo", "demo-pass"))
    await fake.start()
    try:
        job = store.add(single.job_type, {"text": "x"})
        auth = httpx.BasicAuth("demo", "demo-pass")
        async with WorkerHarness([single], RestGateway(fake.url, auth=auth)):
            await store.wait_for(lambda: store.done(job))
        assert job.state == "completed"
    finally:
        await fake.stop()
    assert fake.violations == []


# -- the contract checks catch what they should ---------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        ("POST", "/v2/jobs/activation", {"type": "t", "timeout": 1}, "maxJobsToActivate"),
        (
            "POST",
            "/v2/jobs/activation",
            {"type": "t", "timeout": "1s", "maxJobsToActivate": 1},
            "not of type 'integer'",
        ),
        ("POST", "/v2/jobs/12/completion", {"variables": {}, "extra": 1}, "extra"),
        ("POST", "/v2/jobs/key-1/completion", {}, "jobKey"),
        ("POST", "/v2/jobs/12/error", {"errorMessage": "no code"}, "errorCode"),
        ("POST", "/v2/jobs/12/failure", {"retries": "2"}, "retries"),
        ("PATCH", "/v2/jobs/12", {"timeout": 5}, "changeset"),
        ("POST", "/v2/jobs/12/finish", {}, "no path"),
    ],
)
async def test_requests_that_break_the_api_are_caught(
    gateway: FakeRestGateway, method: str, path: str, body: Any, expected: str
) -> None:
    async with httpx.AsyncClient(base_url=gateway.url) as client:
        response = await client.request(method, path, json=body)
    assert response.status_code == 400
    assert any(expected in v for v in gateway.violations), gateway.violations
    gateway.violations.clear()


async def test_a_wrong_content_type_is_caught(gateway: FakeRestGateway) -> None:
    async with httpx.AsyncClient(base_url=gateway.url) as client:
        response = await client.post(
            "/v2/jobs/activation", content=b"type=t", headers={"Content-Type": "text/plain"}
        )
    assert response.status_code == 400
    assert any("content type" in v for v in gateway.violations), gateway.violations
    gateway.violations.clear()


async def test_the_fake_answers_within_the_api(store: JobStore, gateway: FakeRestGateway) -> None:
    # A job whose process id breaks the API's pattern must be caught in the answer too.
    job = store.add(single.job_type, {"text": "x"})
    job.process_definition_id = "1-starts-with-a-digit"
    async with httpx.AsyncClient(base_url=gateway.url) as client:
        response = await client.post(
            "/v2/jobs/activation",
            json={"type": single.job_type, "timeout": 1000, "maxJobsToActivate": 1},
        )
    assert response.status_code == 200
    assert any("processDefinitionId" in v for v in gateway.violations), gateway.violations
    gateway.violations.clear()


def test_oauth_needs_complete_credentials() -> None:
    with pytest.raises(ValueError, match="client secret"):
        OAuth2ClientCredentials(token_url="https://idp/token", client_id="x", client_secret="")


def test_oauth_refuses_sync_clients() -> None:
    auth = OAuth2ClientCredentials(token_url="https://idp/token", client_id="x", client_secret="y")
    with httpx.Client(auth=auth) as client, pytest.raises(RuntimeError, match="AsyncClient"):
        client.get("http://127.0.0.1:9/")


async def test_a_gateway_that_wants_credentials_is_retried_with_backoff(
    store: JobStore, camunda_spec: Any, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeRestGateway(store, camunda_spec, auth="basic", basic_user=("demo", "demo"))
    await fake.start()
    try:
        store.add(single.job_type, {"text": "x"})
        harness = WorkerHarness([single], RestGateway(fake.url))
        async with harness:
            await store.wait_for(lambda: len(fake.requests) >= 3)
            assert not harness.pipeline.ready
        assert all(path == "/v2/jobs/activation" for _, path, _, _ in fake.requests)
        assert any("HTTP 401" in m for m in caplog.messages)
    finally:
        await fake.stop()
    assert fake.violations == []
