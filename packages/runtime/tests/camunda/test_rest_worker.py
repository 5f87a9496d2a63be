"""The REST job worker against the fake gateway; every exchange is checked against the
official OpenAPI document (the ``gateway`` fixture fails a test that broke it)."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from camunda_fakes import JobStore, WorkerHarness
from camunda_fakes.rest import FakeRestGateway, Fault

from tasklink.core import MappingSecretProvider
from tasklink.runtime.camunda import (
    ActivationRequest,
    GatewayError,
    RestGateway,
    WorkerOptions,
    fetch_variables,
)
from tasklink.testing.fixtures import echo, sleeps_started, upper

ECHO = echo.job_type


def _harness(fake: FakeRestGateway, *connectors: Any, **kwargs: Any) -> WorkerHarness:
    return WorkerHarness(connectors or (echo,), RestGateway(fake.rest_address), **kwargs)


def _only(store: JobStore, key: str) -> dict[str, Any]:
    outcomes = store.outcomes_of(key)
    assert len(outcomes) == 1, outcomes
    return {"kind": outcomes[0].kind, **outcomes[0].body}


# -- success --------------------------------------------------------------------------------


async def test_completes_with_the_result_variable(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    job = store.add(
        ECHO,
        {"operation": "echo_message", "message": "Ada", "count": 2, "unrelated": "ignored"},
        headers={"resultVariable": "answer", "elementTemplateId": "io.tasklink.test.echo"},
    )
    async with _harness(gateway):
        await store.wait_for(lambda: store.done(job))
    assert _only(store, job.key) == {
        "kind": "complete",
        "variables": {"answer": {"message": "Ada", "count": 2, "token": ""}},
    }
    first = store.activation_requests[0]
    assert first["type"] == ECHO
    assert first["worker"] == "tasklink"
    assert first["timeout"] == 300_000
    assert first["requestTimeout"] == 2_000
    assert 1 <= first["maxJobsToActivate"] <= 4
    assert first["fetchVariable"] == list(fetch_variables(echo) or ())


async def test_completes_without_variables_when_no_mapping_is_set(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    job = store.add(upper.job_type, {"text": "abc"})
    async with _harness(gateway, upper):
        await store.wait_for(lambda: store.done(job))
    assert _only(store, job.key) == {"kind": "complete", "variables": {}}


def test_fetch_variables_come_from_the_input_models() -> None:
    names = fetch_variables(echo)
    assert names is not None
    # Field names, aliases, and the operation selector of a multi-operation connector.
    expected = {"message", "count", "address", "apiKey", "api_key", "seconds", "operation"}
    assert expected <= set(names)
    assert fetch_variables(upper) == ("text",)


async def test_only_the_input_variables_are_fetched(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    job = store.add(upper.job_type, {"text": "x", "huge": "y" * 10_000})
    async with _harness(gateway, upper):
        await store.wait_for(lambda: store.done(job))
    assert store.activation_requests[0]["fetchVariable"] == ["text"]


async def test_all_variables_are_fetched_when_configured(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    job = store.add(upper.job_type, {"text": "x"})
    options = WorkerOptions(request_timeout_ms=2_000, fetch_all_variables=True)
    async with _harness(gateway, upper, options=options):
        await store.wait_for(lambda: store.done(job))
    assert "fetchVariable" not in store.activation_requests[0]


# -- operations -----------------------------------------------------------------------------


async def test_the_operation_header_wins_over_the_variable(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    job = store.add(
        ECHO,
        {"operation": "sleep", "message": "Bo"},
        headers={"operation": "echo_message", "resultVariable": "r"},
    )
    async with _harness(gateway):
        await store.wait_for(lambda: store.done(job))
    assert _only(store, job.key)["variables"]["r"]["message"] == "Bo"


async def test_an_unknown_operation_is_an_incident_naming_the_field(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    unknown = store.add(ECHO, {"operation": "dance", "message": "x"})
    missing = store.add(ECHO, {"message": "x"})
    async with _harness(gateway):
        await store.wait_for(lambda: store.done(unknown, missing))
    for job in (unknown, missing):
        outcome = _only(store, job.key)
        assert outcome["kind"] == "fail"
        assert outcome["retries"] == 0
        assert outcome["errorMessage"].startswith("operation:")
        assert job.state == "incident"
    assert "dance" in _only(store, unknown.key)["errorMessage"]


async def test_a_single_operation_connector_ignores_an_operation_variable(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    job = store.add(upper.job_type, {"text": "hi", "operation": "something-else"})
    async with _harness(gateway, upper):
        await store.wait_for(lambda: store.done(job))
    assert _only(store, job.key)["kind"] == "complete"


# -- bad input ------------------------------------------------------------------------------


async def test_variables_that_do_not_fit_fail_with_zero_retries_naming_the_field(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    missing = store.add(ECHO, {"operation": "echo_message"}, retries=5)
    nested = store.add(
        ECHO,
        {"operation": "echo_message", "message": "x", "address": {"city": 3, "zip": "8001"}},
    )
    ranged = store.add(ECHO, {"operation": "echo_message", "message": "x", "count": -1})
    async with _harness(gateway):
        await store.wait_for(lambda: store.done(missing, nested, ranged))
    for job, field in ((missing, "message"), (nested, "address.city"), (ranged, "count")):
        outcome = _only(store, job.key)
        assert outcome["kind"] == "fail"
        assert outcome["retries"] == 0
        assert f"{field}:" in outcome["errorMessage"]
        assert job.state == "incident"


async def test_a_bad_retry_backoff_header_is_an_incident(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    job = store.add(ECHO, {"operation": "fail"}, headers={"retryBackoff": "soon"})
    async with _harness(gateway):
        await store.wait_for(lambda: store.done(job))
    outcome = _only(store, job.key)
    assert outcome["retries"] == 0
    assert "retryBackoff" in outcome["errorMessage"]


# -- failures, retries and backoff ----------------------------------------------------------


async def test_connector_errors_count_retries_down_to_an_incident(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    job = store.add(ECHO, {"operation": "fail", "message": "upstream is down"}, retries=3)
    async with _harness(gateway):
        await store.wait_for(lambda: store.done(job))
    attempts = store.outcomes_of(job.key)
    assert [o.body["retries"] for o in attempts] == [2, 1, 0]
    assert all(o.body["errorMessage"] == "upstream is down" for o in attempts)
    assert all(o.body["retryBackOff"] == 0 for o in attempts)
    assert attempts[0].body["variables"] == {"why": "asked to"}
    assert job.state == "incident"
    assert job.activations == 3


async def test_the_retry_backoff_header_is_sent_in_milliseconds(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    job = store.add(ECHO, {"operation": "fail"}, retries=2, headers={"retryBackoff": "PT0.2S"})
    async with _harness(gateway):
        await store.wait_for(lambda: store.done(job))
    attempts = store.outcomes_of(job.key)
    assert [(o.body["retries"], o.body["retryBackOff"]) for o in attempts] == [(1, 200), (0, 200)]


async def test_errors_that_retries_cannot_fix_and_connector_chosen_retries(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    fatal = store.add(ECHO, {"operation": "fail", "retryable": False}, retries=3)
    chosen = store.add(ECHO, {"operation": "fail", "retries": 0, "backoff_seconds": 1.5}, retries=3)
    async with _harness(gateway):
        await store.wait_for(lambda: store.done(fatal, chosen))
    assert _only(store, fatal.key)["retries"] == 0
    outcome = _only(store, chosen.key)
    assert (outcome["retries"], outcome["retryBackOff"]) == (0, 1500)


async def test_a_bpmn_error_is_thrown_with_code_message_and_variables(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    job = store.add(ECHO, {"operation": "throw_bpmn", "code": "NOT_FOUND", "message": "no such"})
    async with _harness(gateway):
        await store.wait_for(lambda: store.done(job))
    assert _only(store, job.key) == {
        "kind": "error",
        "errorCode": "NOT_FOUND",
        "errorMessage": "no such",
        "variables": {"thrown": True},
    }


# -- job timeout ----------------------------------------------------------------------------


async def test_the_job_timeout_header_extends_the_lock(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    iso = store.add(
        ECHO, {"operation": "echo_message", "message": "a"}, headers={"jobTimeout": "PT10M"}
    )
    millis = store.add(
        ECHO, {"operation": "echo_message", "message": "b"}, headers={"jobTimeout": "45000"}
    )
    async with _harness(gateway):
        await store.wait_for(lambda: store.done(iso, millis))
    assert [o.kind for o in store.outcomes_of(iso.key)] == ["update_timeout", "complete"]
    assert store.outcomes_of(iso.key)[0].body == {"changeset": {"timeout": 600_000}}
    assert store.outcomes_of(millis.key)[0].body == {"changeset": {"timeout": 45_000}}


async def test_an_operation_outliving_the_job_timeout_fails_and_a_bad_timeout_is_an_incident(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    slow = store.add(
        ECHO, {"operation": "sleep", "seconds": 30}, retries=1, headers={"jobTimeout": "PT0.2S"}
    )
    bad = store.add(
        ECHO, {"operation": "echo_message", "message": "a"}, headers={"jobTimeout": "later"}
    )

    def failures() -> list[Any]:
        return [o for o in store.outcomes_of(slow.key) if o.kind == "fail"]

    async with _harness(gateway):
        await store.wait_for(lambda: bool(failures()) and store.done(bad))
    # (The lock lapses as the operation is cancelled, so the job may be offered again.)
    # Half the lock: the other half is left to report the outcome.
    assert "did not finish within 0.1 seconds" in failures()[0].body["errorMessage"]
    outcome = _only(store, bad.key)
    assert (outcome["retries"], outcome["errorMessage"].split(":")[0]) == (0, "jobTimeout")


async def test_without_any_timeout_the_run_ends_before_the_lock_does(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    # No jobTimeout header, no operation or settings timeout: the 3 s lock still bounds
    # the run (lock minus the reporting margin, here half the lock), so the job is failed
    # while this worker still holds it instead of being offered to another one.
    job = store.add(ECHO, {"operation": "sleep", "seconds": 60}, retries=1)
    options = WorkerOptions(
        job_timeout_ms=3_000, request_timeout_ms=2_000, backoff_initial=0.01, backoff_max=0.05
    )
    async with _harness(gateway, options=options):
        await store.wait_for(lambda: store.done(job), timeout=20)
    outcome = _only(store, job.key)
    assert outcome["kind"] == "fail"
    assert "did not finish within 1.5 seconds" in outcome["errorMessage"]
    assert job.state == "incident"  # the failure was applied: the lock still held
    assert job.activations == 1


@pytest.mark.parametrize("seconds", [0.5, 10, 60, 270, 600, 3600])
def test_a_lock_leaves_room_to_report_after_the_longest_run(seconds: float) -> None:
    from tasklink.runtime.camunda._worker import lock_for, run_limit

    assert run_limit(lock_for(seconds)) >= seconds
    assert lock_for(seconds) >= (seconds + 30) * 1000


def test_the_run_limit_is_the_lock_minus_a_margin() -> None:
    from tasklink.runtime.camunda._worker import run_limit

    assert run_limit(300_000) == 270  # 10 %
    assert run_limit(20_000) == 15  # at least 5 s
    assert run_limit(3_000) == 1.5  # at most half the lock


# -- concurrency and long polling -----------------------------------------------------------


async def test_activation_asks_for_no_more_jobs_than_can_run(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    jobs = store.add_many(ECHO, [{"operation": "sleep", "seconds": 0.05}] * 7)
    active: list[int] = []
    original = store.activate

    async def observe(**kwargs: Any) -> Any:
        taken = await original(**kwargs)
        active.append(sum(1 for j in store.jobs.values() if j.state == "activated"))
        return taken

    store.activate = observe  # type: ignore[method-assign]
    async with _harness(gateway, concurrency=2):
        await store.wait_for(lambda: store.done(*jobs))
    requested = [r["maxJobsToActivate"] for r in store.activation_requests]
    assert max(requested) == 2
    assert min(requested) >= 1
    assert max(active) <= 2


async def test_job_types_together_never_lock_more_jobs_than_can_run(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    # Two job types share two slots: their concurrent polls must not lock four jobs.
    sleepers = store.add_many(ECHO, [{"operation": "sleep", "seconds": 0.05}] * 4)
    uppers = store.add_many(upper.job_type, [{"text": str(i)} for i in range(4)])
    activated: list[int] = []
    original = store.activate

    async def observe(**kwargs: Any) -> Any:
        taken = await original(**kwargs)
        activated.append(sum(1 for j in store.jobs.values() if j.state == "activated"))
        return taken

    store.activate = observe  # type: ignore[method-assign]
    async with _harness(gateway, echo, upper, concurrency=2):
        await store.wait_for(lambda: store.done(*sleepers, *uppers))
    assert max(activated) <= 2
    assert all(job.activations == 1 for job in (*sleepers, *uppers))


async def test_a_long_poll_delivers_a_job_that_arrives_while_it_waits(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    options = WorkerOptions(request_timeout_ms=30_000)
    async with _harness(gateway, upper, options=options):
        await store.wait_for(lambda: len(store.activation_requests) == 1)
        job = store.add(upper.job_type, {"text": "late"})
        await store.wait_for(lambda: store.done(job))
    # Still the first request: the job was handed out while it was open.
    assert job.activations == 1
    assert store.activation_requests[0]["requestTimeout"] == 30_000
    assert len(store.activation_requests) <= 2


async def test_empty_long_polls_are_repeated(store: JobStore, gateway: FakeRestGateway) -> None:
    options = WorkerOptions(request_timeout_ms=20)
    async with _harness(gateway, upper, options=options):
        await store.wait_for(lambda: len(store.activation_requests) >= 3)
        job = store.add(upper.job_type, {"text": "x"})
        await store.wait_for(lambda: store.done(job))
    assert _only(store, job.key)["kind"] == "complete"


# -- secrets --------------------------------------------------------------------------------


async def test_secrets_are_resolved_and_never_logged(
    store: JobStore, gateway: FakeRestGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "s3cr3t-api-key-value"
    job = store.add(
        ECHO,
        {"operation": "echo_message", "message": "x", "apiKey": "{{secrets.API_KEY}}"},
        headers={"resultVariable": "r"},
    )
    missing = store.add(ECHO, {"operation": "echo_message", "message": "{{secrets.NOPE}}"})
    secrets = MappingSecretProvider({"API_KEY": secret})
    async with _harness(gateway, secrets=secrets):
        await store.wait_for(lambda: store.done(job, missing))
    assert _only(store, job.key)["kind"] == "complete"
    assert "API key ***" in caplog.messages
    assert not any(secret in m for m in caplog.messages)
    outcome = _only(store, missing.key)
    assert outcome["retries"] == 0
    assert "NOPE" in outcome["errorMessage"]


# -- gateway errors -------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "retry_after"), [(503, "0"), (429, "0"), (500, None)])
async def test_activation_errors_back_off_and_recover(
    store: JobStore,
    gateway: FakeRestGateway,
    caplog: pytest.LogCaptureFixture,
    status: int,
    retry_after: str | None,
) -> None:
    gateway.inject(Fault("activateJobs", status, times=3, retry_after=retry_after))
    job = store.add(upper.job_type, {"text": "x"})
    async with _harness(gateway, upper) as harness:
        await store.wait_for(lambda: store.done(job))
        assert harness.pipeline.ready
    activations = [r for r in gateway.requests if r[1] == "/v2/jobs/activation"]
    assert len(activations) >= 4
    assert sum(f"HTTP {status}" in m for m in caplog.messages) == 3


@pytest.mark.parametrize(
    ("retry_after", "seconds"),
    [
        ("7", (7, 7)),
        ("86400", (3600, 3600)),  # a typo or a hostile gateway cannot park the worker for a day
        ("in a while", None),
        ("http-date", (25, 30)),
    ],
)
async def test_retry_after_is_read_as_seconds(
    gateway: FakeRestGateway, retry_after: str, seconds: tuple[float, float] | None
) -> None:
    if retry_after == "http-date":
        retry_after = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    gateway.inject(Fault("activateJobs", 503, retry_after=retry_after))
    client = RestGateway(gateway.rest_address)
    try:
        with pytest.raises(GatewayError) as info:
            await client.activate(ActivationRequest(upper.job_type, "w", 1000, 1, 1))
    finally:
        await client.aclose()
    delay = info.value.retry_after
    if seconds is None:
        assert delay is None
    else:
        assert isinstance(delay, float) and seconds[0] <= delay <= seconds[1]


async def test_command_errors_are_retried(store: JobStore, gateway: FakeRestGateway) -> None:
    gateway.inject(Fault("completeJob", 503, times=2, retry_after="0"))
    gateway.inject(Fault("failJob", 429, times=1))
    done = store.add(upper.job_type, {"text": "x"})
    failed = store.add(ECHO, {"operation": "fail"}, retries=1)
    async with _harness(gateway, echo, upper):
        await store.wait_for(lambda: store.done(done, failed))
    sent = [r[1] for r in gateway.requests]
    assert sent.count(f"/v2/jobs/{done.key}/completion") == 3
    assert sent.count(f"/v2/jobs/{failed.key}/failure") == 2
    assert done.state == "completed"
    assert failed.state == "incident"


async def test_a_job_that_is_gone_is_not_reported_again(
    store: JobStore, gateway: FakeRestGateway, caplog: pytest.LogCaptureFixture
) -> None:
    gateway.inject(Fault("completeJob", 404))
    job = store.add(upper.job_type, {"text": "x"})
    async with _harness(gateway, upper):
        await store.wait_for(lambda: any("no longer active" in m for m in caplog.messages))
    assert [r[1] for r in gateway.requests].count(f"/v2/jobs/{job.key}/completion") == 1


async def test_a_refused_result_raises_an_incident_with_the_reason(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    gateway.inject(Fault("completeJob", 400))
    job = store.add(upper.job_type, {"text": "x"})
    async with _harness(gateway, upper):
        await store.wait_for(lambda: store.done(job))
    outcome = _only(store, job.key)
    assert outcome["kind"] == "fail"
    assert outcome["retries"] == 0
    assert "refused the job's result" in outcome["errorMessage"]
    assert "HTTP 400" in outcome["errorMessage"]


@pytest.mark.parametrize(
    "body",
    [
        b"<html>gateway timeout</html>",
        b'{"jobs": "none"}',
        b'{"jobs": [{"type": "tasklink-test:upper:1"}]}',
        b'{"jobs": [{"jobKey": "1", "type": "tasklink-test:upper:1", "variables": []}]}',
        b"[]",
    ],
)
async def test_malformed_answers_are_logged_and_polling_goes_on(
    store: JobStore, gateway: FakeRestGateway, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    gateway.inject(Fault("activateJobs", 200, raw_body=body, content_type="application/json"))
    job = store.add(upper.job_type, {"text": "x"})
    skipped: list[str] = []
    rest = RestGateway(gateway.rest_address, on_malformed_job=skipped.append)
    harness = WorkerHarness([upper], rest, metrics=True)
    async with harness:
        await store.wait_for(lambda: store.done(job))
    assert _only(store, job.key)["kind"] == "complete"
    metrics = harness.pipeline.metrics.render().decode()
    rejected = 'tasklink_messages_rejected_total{engine="camunda",reason="malformed_response"} 1.0'
    if b'"jobs": [' in body:
        assert len(skipped) == 1
        assert any("skipping a malformed job" in m for m in caplog.messages)
    else:
        assert rejected in metrics
        assert any("not JSON" in m or "no 'jobs' list" in m for m in caplog.messages)


async def test_a_malformed_job_with_a_readable_key_becomes_an_incident(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    # The gateway activated this job but sends it unreadable: fail it with 0 retries
    # (an incident carrying the reason) instead of letting it time out and come back.
    broken = store.add(upper.job_type, {"text": "x"}, retries=3)
    broken.state, broken.deadline = "activated", float("inf")
    body = {"jobKey": broken.key, "type": upper.job_type, "variables": ["not", "an object"]}
    gateway.inject(
        Fault(
            "activateJobs",
            200,
            raw_body=json.dumps({"jobs": [body]}).encode(),
            content_type="application/json",
        )
    )
    fine = store.add(upper.job_type, {"text": "y"})
    async with _harness(gateway, upper):
        await store.wait_for(lambda: store.done(broken, fine))
    outcome = _only(store, broken.key)
    assert (outcome["kind"], outcome["retries"]) == ("fail", 0)
    assert "variables must be a JSON object" in outcome["errorMessage"]
    assert broken.state == "incident"
    assert fine.state == "completed"


async def test_a_bug_costs_one_job_not_the_worker(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    class Broken(RestGateway):
        async def update_timeout(self, job: Any, timeout_ms: int) -> None:
            raise RuntimeError("a bug in the gateway client")

    broken = store.add(upper.job_type, {"text": "x"}, retries=2, headers={"jobTimeout": "PT1M"})
    fine = store.add(upper.job_type, {"text": "y"})
    async with WorkerHarness([upper], Broken(gateway.rest_address)):
        await store.wait_for(lambda: bool(store.outcomes_of(broken.key)) and store.done(fine))
    first = store.outcomes_of(broken.key)[0]
    assert (first.kind, first.body["retries"]) == ("fail", 1)
    assert "RuntimeError: a bug in the gateway client" in first.body["errorMessage"]
    assert fine.state == "completed"


async def test_an_unreachable_gateway_is_retried_and_reported_unready(
    store: JobStore, caplog: pytest.LogCaptureFixture
) -> None:
    harness = WorkerHarness([upper], RestGateway("http://127.0.0.1:9"))
    async with harness:
        await store.wait_for(lambda: sum("polling" in m for m in caplog.messages) >= 3)
        assert not harness.pipeline.ready
    assert harness.cancelled == 0


# -- shutdown -------------------------------------------------------------------------------


async def test_shutdown_lets_running_jobs_finish(store: JobStore, gateway: FakeRestGateway) -> None:
    key = uuid.uuid4().hex
    job = store.add(ECHO, {"operation": "sleep", "seconds": 0.3, "key": key})
    harness = _harness(gateway, grace_period=10)
    async with harness:
        await store.wait_for(lambda: sleeps_started[key] > 0)
        cancelled = await harness.stop()
    assert cancelled == 0
    assert _only(store, job.key)["kind"] == "complete"


async def test_shutdown_hands_back_jobs_still_running_after_the_grace_period(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    key = uuid.uuid4().hex
    job = store.add(ECHO, {"operation": "sleep", "seconds": 60, "key": key}, retries=3)
    harness = _harness(gateway, grace_period=0.1)
    async with harness:
        await store.wait_for(lambda: sleeps_started[key] > 0)
        cancelled = await harness.stop()
    assert cancelled == 1
    outcome = _only(store, job.key)
    assert outcome["kind"] == "fail"
    assert outcome["retries"] == 3  # unchanged: the job did not fail, the worker left
    assert "shut down" in outcome["errorMessage"]
    assert job.state == "activatable"


async def test_shutdown_abandons_an_open_long_poll(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    options = WorkerOptions(request_timeout_ms=60_000)
    harness = _harness(gateway, upper, options=options)
    async with harness:
        await store.wait_for(lambda: len(store.activation_requests) == 1)
    # The poll ended with the worker (the harness waits at most 10 s for it).
    job = store.add(upper.job_type, {"text": "after"})
    assert job.state == "activatable"


async def test_one_slot_serves_a_stream_of_jobs(store: JobStore, gateway: FakeRestGateway) -> None:
    # Every job waits for the previous one's slot: a missed release would stall the loop.
    jobs = store.add_many(upper.job_type, [{"text": str(i)} for i in range(30)])
    async with _harness(gateway, upper, concurrency=1):
        await store.wait_for(lambda: store.done(*jobs))
    assert all(r["maxJobsToActivate"] == 1 for r in store.activation_requests)
    assert all(job.state == "completed" for job in jobs)
