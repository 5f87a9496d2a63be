"""The same worker over gRPC through pyzeebe, against an in-process Zeebe gateway built
from the protocol stubs pyzeebe ships (grpc.aio on 127.0.0.1)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

pytest.importorskip("pyzeebe", reason="the gRPC adapter needs tasklink-runtime[zeebe]")

import grpc
from camunda_fakes import JobStore, WorkerHarness
from camunda_fakes.rest import OAUTH, FakeRestGateway
from camunda_fakes.zeebe import FakeZeebe

from tasklink.core import Redactor
from tasklink.runtime.camunda import (
    ActivationRequest,
    AuthenticationError,
    CamundaSettings,
    build_gateway,
)
from tasklink.runtime.camunda._grpc import GrpcGateway, grpc_target
from tasklink.testing.fixtures import echo, sleeps_started, upper

ECHO = echo.job_type


@pytest.fixture
async def zeebe(store: JobStore) -> AsyncIterator[FakeZeebe]:
    fake = FakeZeebe(store)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


def _harness(fake: FakeZeebe, *connectors: Any, **kwargs: Any) -> WorkerHarness:
    gateway = GrpcGateway.connect(fake.address, tls=False)
    return WorkerHarness(connectors or (echo,), gateway, **kwargs)


def _bodies(store: JobStore, key: str) -> list[tuple[str, dict[str, Any]]]:
    return [(o.kind, o.body) for o in store.outcomes_of(key)]


async def test_jobs_complete_fail_and_throw_over_grpc(store: JobStore, zeebe: FakeZeebe) -> None:
    done = store.add(
        ECHO,
        {"operation": "echo_message", "message": "Ada", "other": 1},
        headers={"resultVariable": "r"},
    )
    failing = store.add(ECHO, {"operation": "fail"}, retries=2, headers={"retryBackoff": "PT0.1S"})
    thrown = store.add(ECHO, {"operation": "throw_bpmn", "code": "E42", "message": "boom"})
    bad = store.add(ECHO, {"operation": "echo_message"})
    async with _harness(zeebe):
        await store.wait_for(lambda: store.done(done, failing, thrown, bad))
    assert _bodies(store, done.key) == [
        ("complete", {"variables": {"r": {"message": "Ada", "count": 1, "token": ""}}})
    ]
    assert [(b["retries"], b["retryBackOff"]) for _, b in _bodies(store, failing.key)] == [
        (1, 100),
        (0, 100),
    ]
    assert _bodies(store, thrown.key) == [
        ("error", {"errorCode": "E42", "errorMessage": "boom", "variables": {"thrown": True}})
    ]
    [(kind, body)] = _bodies(store, bad.key)
    assert (kind, body["retries"]) == ("fail", 0)
    assert "message:" in body["errorMessage"]
    request = store.activation_requests[0]
    assert request["fetchVariable"]
    assert "other" not in request["fetchVariable"]
    assert request["requestTimeout"] == 2_000


async def test_the_job_timeout_header_updates_the_lock_over_grpc(
    store: JobStore, zeebe: FakeZeebe
) -> None:
    job = store.add(upper.job_type, {"text": "x"}, headers={"jobTimeout": "PT2M"})
    async with _harness(zeebe, upper):
        await store.wait_for(lambda: store.done(job))
    assert [o.kind for o in store.outcomes_of(job.key)] == ["update_timeout", "complete"]
    assert store.outcomes_of(job.key)[0].body == {"changeset": {"timeout": 120_000}}


async def test_unavailable_and_exhausted_gateways_are_retried(
    store: JobStore, zeebe: FakeZeebe
) -> None:
    zeebe.faults.extend(
        [
            ("ActivateJobs", grpc.StatusCode.UNAVAILABLE),
            ("ActivateJobs", grpc.StatusCode.RESOURCE_EXHAUSTED),
            ("CompleteJob", grpc.StatusCode.UNAVAILABLE),
        ]
    )
    job = store.add(upper.job_type, {"text": "x"})
    async with _harness(zeebe, upper):
        await store.wait_for(lambda: store.done(job))
    assert job.state == "completed"
    assert not zeebe.faults


async def test_jobs_received_before_a_stream_breaks_are_run(
    store: JobStore, zeebe: FakeZeebe, caplog: pytest.LogCaptureFixture
) -> None:
    zeebe.break_streams = 1
    jobs = store.add_many(upper.job_type, [{"text": "a"}, {"text": "b"}])
    async with _harness(zeebe, upper):
        await store.wait_for(lambda: store.done(*jobs))
    assert all(job.state == "completed" and job.activations == 1 for job in jobs)
    assert zeebe.break_streams == 0
    assert any("stream broken mid-way" in m for m in caplog.messages)


async def test_grpc_shutdown_hands_back_unfinished_jobs(store: JobStore, zeebe: FakeZeebe) -> None:
    key = uuid.uuid4().hex
    job = store.add(ECHO, {"operation": "sleep", "seconds": 60, "key": key}, retries=2)
    harness = _harness(zeebe, grace_period=0.1)
    async with harness:
        await store.wait_for(lambda: sleeps_started[key] > 0)
        assert await harness.stop() == 1
    [(kind, body)] = _bodies(store, job.key)
    assert (kind, body["retries"]) == ("fail", 2)


def _oauth_settings(identity: FakeRestGateway, address: str, **changes: Any) -> CamundaSettings:
    return CamundaSettings(
        **{
            "protocol": "grpc",
            "grpc_address": f"grpc://{address}",  # plaintext: tokens travel all the same
            "client_id": OAUTH.client_id,
            "client_secret": OAUTH.client_secret,
            "oauth_url": identity.token_url,
            "audience": OAUTH.audience,
            **changes,
        }
    )


async def test_oauth_tokens_travel_as_bearer_metadata(
    store: JobStore, oauth_gateway: FakeRestGateway
) -> None:
    fake = FakeZeebe(store, accepts=oauth_gateway.token_valid)
    await fake.start()
    redactor = Redactor()
    try:
        first = store.add(upper.job_type, {"text": "x"})
        async with WorkerHarness(
            [upper], build_gateway(_oauth_settings(oauth_gateway, fake.address), redactor)
        ):
            await store.wait_for(lambda: store.done(first))
            sent = {m.get("authorization") for _, m in fake.metadata}
            [token] = oauth_gateway.tokens
            assert sent == {f"Bearer {token}"}  # one token, cached, on every call
            assert len(oauth_gateway.token_requests) == 1
            assert token in redactor and OAUTH.client_secret in redactor
            # A revoked token is dropped when the gateway refuses it; the next call
            # fetches a new one and the worker goes on.
            oauth_gateway.revoke_tokens()
            second = store.add(upper.job_type, {"text": "y"})
            await store.wait_for(lambda: store.done(second))
        assert first.state == second.state == "completed"
        assert len(oauth_gateway.token_requests) >= 2
        [(_, last)] = fake.metadata[-1:]
        assert last["authorization"] != f"Bearer {token}"
        assert oauth_gateway.token_valid(last["authorization"].removeprefix("Bearer "))
    finally:
        await fake.stop()


async def test_refused_credentials_are_a_retryable_authentication_error(
    store: JobStore, oauth_gateway: FakeRestGateway, zeebe: FakeZeebe
) -> None:
    wrong = "not-the-secret-at-all"
    gateway = build_gateway(_oauth_settings(oauth_gateway, zeebe.address, client_secret=wrong))
    try:
        with pytest.raises(AuthenticationError, match="answered HTTP 401") as info:
            await gateway.activate(ActivationRequest(upper.job_type, "w", 1000, 1, 1))
    finally:
        await gateway.aclose()
    assert info.value.status == 401 and info.value.retryable
    assert wrong not in str(info.value)
    assert zeebe.metadata == []  # no call went out without a token


@pytest.mark.parametrize(
    ("address", "tls", "oauth", "expected"),
    [
        ("localhost:26500", None, False, ("localhost:26500", False)),
        (
            "cluster.bru-2.zeebe.camunda.io:443",
            None,
            True,
            ("cluster.bru-2.zeebe.camunda.io:443", True),
        ),
        ("grpcs://zeebe.example", None, False, ("zeebe.example:443", True)),
        ("http://zeebe:26500", None, True, ("zeebe:26500", False)),
        ("grpc://zeebe", True, False, ("zeebe:26500", True)),
    ],
)
def test_grpc_addresses(
    address: str, tls: bool | None, oauth: bool, expected: tuple[str, bool]
) -> None:
    assert grpc_target(address, tls, oauth=oauth) == expected


def test_an_unknown_grpc_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="scheme"):
        grpc_target("ftp://zeebe:1", None, oauth=False)
