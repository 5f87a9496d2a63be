"""resultExpression and errorExpression in FEEL (tasklink-feel), as Camunda's connector
runtime evaluates them, end to end through the REST worker."""

from __future__ import annotations

import re
from typing import Any

from camunda_fakes import JobStore, WorkerHarness
from camunda_fakes.rest import FakeRestGateway

from tasklink.runtime.camunda import RestGateway
from tasklink.testing.fixtures import echo

ECHO = echo.job_type


def _harness(fake: FakeRestGateway) -> WorkerHarness:
    return WorkerHarness([echo], RestGateway(fake.rest_address))


def _last(store: JobStore, key: str) -> dict[str, Any]:
    outcome = store.outcomes_of(key)[-1]
    return {"kind": outcome.kind, **outcome.body}


async def test_the_result_expression_maps_the_response(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    job = store.add(
        ECHO,
        {"operation": "echo_message", "message": "Ada", "count": 9},
        headers={
            "resultVariable": "raw",
            "resultExpression": (
                "{messageText: upper case(response.message), size: response.count * 2}"
            ),
        },
    )
    async with _harness(gateway):
        await store.wait_for(lambda: store.done(job))
    assert _last(store, job.key) == {
        "kind": "complete",
        "variables": {
            "raw": {"message": "Ada", "count": 9, "token": ""},
            "messageText": "ADA",
            "size": 18,
        },
    }


async def test_the_error_expression_turns_a_response_into_a_bpmn_error(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    expression = (
        'if response.count > 10 then bpmnError("TOO_MANY", "a count of " + '
        'string(response.count) + " items", {limit: 10}) else null'
    )
    many = store.add(
        ECHO,
        {"operation": "echo_message", "message": "m", "count": 17},
        headers={"errorExpression": expression, "resultVariable": "r"},
    )
    few = store.add(
        ECHO,
        {"operation": "echo_message", "message": "m", "count": 2},
        headers={"errorExpression": expression, "resultVariable": "r"},
    )
    async with _harness(gateway):
        await store.wait_for(lambda: store.done(many, few))
    assert _last(store, many.key) == {
        "kind": "error",
        "errorCode": "TOO_MANY",
        "errorMessage": "a count of 17 items",
        "variables": {"limit": 10},
    }
    assert _last(store, few.key)["kind"] == "complete"


async def test_the_error_expression_sees_connector_errors(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    expression = (
        'if error.code = "NOT_FOUND" then bpmnError("MISSING", error.message, '
        "{why: error.variables.why}) else null"
    )
    caught = store.add(
        ECHO,
        {"operation": "fail", "code": "NOT_FOUND", "message": "no such order", "detail": "gone"},
        headers={"errorExpression": expression},
    )
    passed_on = store.add(
        ECHO,
        {"operation": "fail", "code": "SERVICE_UNAVAILABLE"},
        retries=1,
        headers={"errorExpression": expression},
    )
    async with _harness(gateway):
        await store.wait_for(lambda: store.done(caught, passed_on))
    assert _last(store, caught.key) == {
        "kind": "error",
        "errorCode": "MISSING",
        "errorMessage": "no such order",
        "variables": {"why": "gone"},
    }
    assert _last(store, passed_on.key)["kind"] == "fail"


async def test_job_error_sets_message_variables_retries_and_backoff(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    expression = (
        'if error.code = "SERVICE_UNAVAILABLE" then '
        'jobError("try later: " + error.message, {attempt: "failed"}, 7, @"PT3S") else null'
    )
    job = store.add(ECHO, {"operation": "fail"}, retries=2, headers={"errorExpression": expression})
    defaults = store.add(
        ECHO,
        {"operation": "echo_message", "message": "x"},
        retries=4,
        headers={"errorExpression": 'jobError("rejected")', "retryBackoff": "PT1S"},
    )
    async with _harness(gateway):
        await store.wait_for(
            lambda: bool(store.outcomes_of(job.key) and store.outcomes_of(defaults.key))
        )
    first = store.outcomes_of(job.key)[0].body
    assert first == {
        "retries": 7,
        "errorMessage": "try later: upstream is down",
        "retryBackOff": 3000,
        "variables": {"attempt": "failed"},
    }
    # Camunda's jobError defaults to no retries left (an incident); the backoff then
    # comes from the retryBackoff header.
    other = store.outcomes_of(defaults.key)[0].body
    assert (other["retries"], other["retryBackOff"], other["errorMessage"]) == (0, 1000, "rejected")


async def test_feel_errors_fail_the_job_quoting_the_position(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    result = store.add(
        ECHO,
        {"operation": "echo_message", "message": "x"},
        headers={"resultExpression": "{a: response.message +}"},
    )
    error = store.add(
        ECHO,
        {"operation": "fail"},
        headers={"errorExpression": 'if error.code = then bpmnError("X", "y") else null'},
    )
    not_a_context = store.add(
        ECHO,
        {"operation": "echo_message", "message": "x"},
        headers={"resultExpression": "response.count"},
    )
    async with _harness(gateway):
        await store.wait_for(lambda: store.done(result, error, not_a_context))
    for job, header in ((result, "resultExpression"), (error, "errorExpression")):
        outcome = _last(store, job.key)
        assert outcome["kind"] == "fail"
        assert outcome["retries"] == 0
        assert outcome["errorMessage"].startswith(f"{header}: ")
        assert re.search(r"line 1, column \d+", outcome["errorMessage"]), outcome
    outcome = _last(store, not_a_context.key)
    assert outcome["retries"] == 0
    assert "must return a context" in outcome["errorMessage"]
