"""Authentication (OAuth 2.0 client credentials through the shared client, basic) and the
fake gateway's own contract checks: a request that breaks the API must be caught, or the
contract tests prove nothing."""

from __future__ import annotations

import asyncio
import json
import logging
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from camunda_fakes import JobStore, WorkerHarness
from camunda_fakes.rest import OAUTH, FakeRestGateway

import tasklink.client._auth as token_cache  # its clock, for expiry without waiting
from tasklink.client import HttpxAuth, OAuth2ClientCredentials
from tasklink.core import Redactor
from tasklink.runtime.camunda import (
    ActivationRequest,
    AuthenticationError,
    CamundaSettings,
    RestGateway,
    build_gateway,
)
from tasklink.testing.fixtures import upper

# One activation that does not wait for jobs (0 would mean the gateway's default long poll).
POLL = ActivationRequest(upper.job_type, "w", 1000, 1, 1)


def _oauth(fake: FakeRestGateway, redactor: Redactor | None = None, **changes: Any) -> RestGateway:
    """The REST gateway ``tasklink run`` builds for OAuth against ``fake``."""
    settings = CamundaSettings(
        **{
            "rest_address": fake.url,
            "client_id": OAUTH.client_id,
            "client_secret": OAUTH.client_secret,
            "oauth_url": fake.token_url,
            "audience": OAUTH.audience,
            **changes,
        }
    )
    gateway = build_gateway(settings, redactor)
    assert isinstance(gateway, RestGateway)
    return gateway


async def _bearer(fake: FakeRestGateway, gateway: RestGateway) -> str:
    """The token one activation carried."""
    await gateway.activate(POLL)
    _, path, _, headers = fake.requests[-1]
    assert path == "/v2/jobs/activation"
    return headers["Authorization"].removeprefix("Bearer ")


async def test_one_token_serves_every_request(
    store: JobStore, oauth_gateway: FakeRestGateway
) -> None:
    jobs = store.add_many(upper.job_type, [{"text": str(i)} for i in range(5)])
    redactor = Redactor()
    gateway = _oauth(oauth_gateway, redactor, scope="zeebe")
    async with WorkerHarness([upper], gateway):
        await store.wait_for(lambda: store.done(*jobs))
    assert all(job.state == "completed" for job in jobs)
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
    token = headers[0]["Authorization"].removeprefix("Bearer ")
    assert token in redactor and OAUTH.client_secret in redactor


async def test_concurrent_requests_share_one_token_request(
    oauth_gateway: FakeRestGateway,
) -> None:
    gateway = _oauth(oauth_gateway)
    try:
        await asyncio.gather(*(gateway.activate(POLL) for _ in range(10)))
    finally:
        await gateway.aclose()
    assert len(oauth_gateway.token_requests) == 1
    sent = {h["Authorization"] for _, _, _, h in oauth_gateway.requests}
    assert len(oauth_gateway.requests) == 10 and len(sent) == 1


async def test_a_revoked_token_is_renewed_on_401(
    store: JobStore, oauth_gateway: FakeRestGateway, caplog: pytest.LogCaptureFixture
) -> None:
    async with WorkerHarness([upper], _oauth(oauth_gateway)):
        first = store.add(upper.job_type, {"text": "a"})
        await store.wait_for(lambda: store.done(first))
        oauth_gateway.revoke_tokens()
        second = store.add(upper.job_type, {"text": "b"})
        await store.wait_for(lambda: store.done(second))
    assert len(oauth_gateway.token_requests) == 2
    assert second.state == "completed"
    # The request was sent again with the new token: the worker never saw the 401.
    assert not any("HTTP 401" in m for m in caplog.messages)


async def test_the_token_is_renewed_before_it_expires(
    oauth_gateway: FakeRestGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(token_cache, "time", SimpleNamespace(monotonic=lambda: now[0]))
    oauth_gateway.token_lifetime = 300
    gateway = _oauth(oauth_gateway)
    try:
        first = await _bearer(oauth_gateway, gateway)
        now[0] += 260  # 40 s of life left: more than the 30 s (a tenth) kept in hand
        assert await _bearer(oauth_gateway, gateway) == first
        now[0] += 15  # 25 s left: renewed ahead of time
        second = await _bearer(oauth_gateway, gateway)
        assert second != first
        assert len(oauth_gateway.token_requests) == 2
        # A short-lived token is renewed a tenth of its life early, never after it lapsed.
        oauth_gateway.token_lifetime = 10
        now[0] += 300
        third = await _bearer(oauth_gateway, gateway)
        now[0] += 8.5
        assert await _bearer(oauth_gateway, gateway) == third
        now[0] += 1
        assert await _bearer(oauth_gateway, gateway) != third
        assert len(oauth_gateway.token_requests) == 4
    finally:
        await gateway.aclose()


async def test_rejected_credentials_are_reported_without_the_secret(
    store: JobStore, oauth_gateway: FakeRestGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "this-is-the-wrong-secret"
    redactor = Redactor()
    gateway = _oauth(oauth_gateway, redactor, client_secret=wrong)
    assert wrong in redactor  # at start, before any request
    with pytest.raises(AuthenticationError, match="answered HTTP 401") as info:
        await gateway.activate(POLL)
    assert info.value.status == 401 and info.value.retryable
    assert wrong not in str(info.value)
    harness = WorkerHarness([upper], gateway)
    async with harness:
        await store.wait_for(lambda: len(oauth_gateway.token_requests) >= 3)
        assert not harness.pipeline.ready
    assert any("Invalid client credentials" in m for m in caplog.messages)
    assert not any(wrong in m for m in caplog.messages)
    assert not [r for r in oauth_gateway.requests if r[1].startswith("/v2/")]


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ((400, {"error": "invalid_request"}), 401),
        ((403, {"error": "unauthorized_client"}), 401),
        # A wrong token URL: not "the job is gone", which 404 means for a job command.
        ((404, "no such page"), 401),
        ((200, {"token_type": "Bearer"}), 401),  # no access_token
        ((429, {"error": "slow_down"}), 429),
        ((503, "maintenance"), 503),
        (None, None),  # unreachable
    ],
    ids=["400", "403", "404", "no-token", "429", "503", "unreachable"],
)
async def test_token_endpoint_failures_are_gateway_errors_the_worker_retries(
    oauth_gateway: FakeRestGateway, answer: tuple[int, Any] | None, status: int | None
) -> None:
    def identity(request: httpx.Request) -> httpx.Response:
        if answer is None:
            raise httpx.ConnectError("connection refused", request=request)
        code, body = answer
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        kind = "text/plain" if isinstance(body, str) else "application/json"
        # A stream, as from the network: the client reads it within its size limit.
        return httpx.Response(code, headers={"Content-Type": kind}, stream=httpx.ByteStream(data))

    scheme = OAuth2ClientCredentials(
        "https://idp.example/token",
        OAUTH.client_id,
        OAUTH.client_secret,
        client_authentication="body",
    )
    token_client = httpx.AsyncClient(transport=httpx.MockTransport(identity))
    auth = HttpxAuth(scheme, token_client=token_client, redactor=Redactor())
    gateway = RestGateway(oauth_gateway.url, auth=auth)
    try:
        with pytest.raises(AuthenticationError) as info:
            await gateway.activate(POLL)
    finally:
        await gateway.aclose()
    assert info.value.status == status
    assert info.value.retryable and not info.value.job_gone
    assert str(info.value).startswith(f"activating {upper.job_type} jobs: ")
    assert "idp.example/token" in str(info.value)
    assert oauth_gateway.requests == []  # no job request without a token


async def test_basic_authentication(store: JobStore, camunda_spec: Any) -> None:
    fake = FakeRestGateway(store, camunda_spec, auth="basic", basic_user=("demo", "demo-pass"))
    await fake.start()
    try:
        job = store.add(upper.job_type, {"text": "x"})
        auth = httpx.BasicAuth("demo", "demo-pass")
        async with WorkerHarness([upper], RestGateway(fake.url, auth=auth)):
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
    job = store.add(upper.job_type, {"text": "x"})
    job.process_definition_id = "1-starts-with-a-digit"
    async with httpx.AsyncClient(base_url=gateway.url) as client:
        response = await client.post(
            "/v2/jobs/activation",
            json={"type": upper.job_type, "timeout": 1000, "maxJobsToActivate": 1},
        )
    assert response.status_code == 200
    assert any("processDefinitionId" in v for v in gateway.violations), gateway.violations
    gateway.violations.clear()


async def test_a_gateway_that_wants_credentials_is_retried_with_backoff(
    store: JobStore, camunda_spec: Any, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeRestGateway(store, camunda_spec, auth="basic", basic_user=("demo", "demo"))
    await fake.start()
    try:
        store.add(upper.job_type, {"text": "x"})
        harness = WorkerHarness([upper], RestGateway(fake.url))
        async with harness:
            await store.wait_for(lambda: len(fake.requests) >= 3)
            assert not harness.pipeline.ready
        assert all(path == "/v2/jobs/activation" for _, path, _, _ in fake.requests)
        assert any("HTTP 401" in m for m in caplog.messages)
    finally:
        await fake.stop()
    assert fake.violations == []
