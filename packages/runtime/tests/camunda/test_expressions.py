"""resultExpression and errorExpression in FEEL (tasklink-feel), as Camunda's connector
runtime evaluates them, end to end through the REST worker."""

from __future__ import annotations

import re
from typing import Any

from camunda_fakes import JobStore, WorkerHarness
from camunda_fakes.connectors import greeter
from camunda_fakes.rest import FakeRestGateway

from tasklink.runtime.camunda import RestGateway

GREETER = greeter.job_type


def _harness(fake: FakeRestGateway) -> WorkerHarness:
    return WorkerHarness([greeter], RestGateway(fake.rest_address))


def _last(store: JobStore, key: str) -> dict[str, Any]:
    outcome = store.outcomes_of(key)[-1]
    return {"kind": outcome.kind, **outcome.body}


async def test_the_result_expression_maps_the_response(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    job = store.add(
        GREETER,
        {"operation": "greet", "name": "Ada"},
        headers={
            "resultVariable": "raw",
            "resultExpression": (
                "{greetingText: upper case(response.greeting), size: response.length * 2}"
            ),
        },
    )
    async with _harness(gateway):
        await store.wait_for(lambda: store.done(job))
    assert _last(store, job.key) == {
        "kind": "complete",
        "variables": {
            "raw": {"greeting": "Hello Ada", "length": 9},
            "greetingText": "HELLO ADA",
            "size": 18,
        },
    }


async def test_the_error_expression_turns_a_response_into_a_bpmn_error(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    expression = (
        'if response.length > 10 then bpmnError("TOO_LONG", "greeting of " + '
        'string(response.length) + " characters", {limit: 10}) else null'
    )
    long = store.add(
        GREETER,
        {"operation": "greet", "name": "Bartholomew"},
        headers={"errorExpression": expression, "resultVariable": "r"},
    )
    short = store.add(
        GREETER,
        {"operation": "greet", "name": "Bo"},
        headers={"errorExpression": expression, "resultVariable": "r"},
    )
    async with _harness(gateway):
        await store.wait_for(lambda: store.done(long, short))
    assert _last(store, long.key) == {
        "kind": "error",
        "errorCode": "TOO_LONG",
        "errorMessage": "greeting of 17 characters",
        "variables": {"limit": 10},
    }
    assert _last(store, short.key)["kind"] == "complete"


async def test_the_error_expression_sees_connector_errors(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    expression = (
        'if error.code = "NOT_FOUND" then bpmnError("MISSING", error.message, '
        "{upstream: error.variables.upstream}) else null"
    )
    caught = store.add(
        GREETER,
        {"operation": "fail", "code": "NOT_FOUND", "message": "no such order"},
        headers={"errorExpression": expression},
    )
    passed_on = store.add(
        GREETER,
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
        "variables": {"upstream": "example"},
    }
    assert _last(store, passed_on.key)["kind"] == "fail"


async def test_job_error_sets_message_variables_retries_and_backoff(
    store: JobStore, gateway: FakeRestGateway
) -> None:
    expression = (
        'if error.code = "SERVICE_UNAVAILABLE" then '
        'jobError("try later: " + error.message, {attempt: "failed"}, 7, @"PT3S") else null'
    )
    job = store.add(
        GREETER, {"operation": "fail"}, retries=2, headers={"errorExpression": expression}
    )
    defaults = store.add(
        GREETER,
        {"operation": "greet", "name": "x"},
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
        GREETER,
        {"operation": "greet", "name": "x"},
        headers={"resultExpression": "{a: response.greeting +}"},
    )
    error = store.add(
        GREETER,
        {"operation": "fail"},
        headers={"errorExpression": 'if error.code = then bpmnError("X", "y") else null'},
    )
    not_a_context = store.add(
        GREETER,
        {"operation": "greet", "name": "x"},
        headers={"resultExpression": "response.length"},
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
