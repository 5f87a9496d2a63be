"""Statuses from 400 up as the connector's errors: coded by the shared client's classifier
(tested in tasklink-client), carrying the connector's output as variables, with the
server's Retry-After and the task's retryBackoff."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tasklink.core import Failed
from tasklink.http import connector
from tasklink.testing import arun_job


async def fail(variables: dict[str, Any], **options: Any) -> Failed:
    outcome = await arun_job(connector, variables, **options)
    assert isinstance(outcome, Failed), outcome
    return outcome


@pytest.mark.parametrize(
    ("status", "code", "retried"),
    [
        (404, "NOT_FOUND", False),
        (422, "UNPROCESSABLE_ENTITY", False),
        (503, "SERVICE_UNAVAILABLE", True),
    ],
)
async def test_a_status_error_carries_the_output(
    server: Any, status: int, code: str, retried: bool
) -> None:
    failed = await fail({"url": f"{server.url}/problem/{status}"}, retries=3)
    assert failed.code == code
    assert failed.retries == (2 if retried else 0)
    assert failed.variables["status"] == status
    assert failed.variables["bodyType"] == "json"
    assert failed.variables["body"] == {"title": "problem", "status": status}
    assert failed.variables["headers"]["content-type"] == "application/problem+json"
    assert failed.variables["url"] == f"{server.url}/problem/{status}"


async def test_the_message_leaves_the_query_out(server: Any) -> None:
    failed = await fail({"url": f"{server.url}/status/404?token=abc123xyz"})
    assert failed.message == f"GET {server.url}/status/404 failed with HTTP 404 Not Found"


async def test_retry_after_and_the_tasks_retry_backoff(server: Any) -> None:
    # The server's Retry-After and the task's retryBackoff header: the longer one wins.
    for retry_after, expected in (("5", timedelta(minutes=1)), ("120", timedelta(minutes=2))):
        failed = await fail(
            {"url": f"{server.url}/problem/429?retry_after={retry_after}"},
            headers={"retryBackoff": "PT1M"},
        )
        assert failed.code == "TOO_MANY_REQUESTS"
        assert failed.backoff == expected


async def test_error_expression_can_branch_on_the_status_code(server: Any) -> None:
    class Evaluator:
        """Stands in for FEEL: `if error.code = "NOT_FOUND" then bpmnError(...)`."""

        def compile(self, expression: str) -> Any:
            return self

        def evaluate(
            self,
            context: dict[str, Any],
            *,
            max_steps: int | None = None,
            deadline: float | None = None,
        ) -> Any:
            error = context.get("error")
            if error and error["code"] == "NOT_FOUND" and error["variables"]["status"] == 404:
                return {"errorType": "bpmnError", "code": "ITEM_MISSING", "message": "gone"}
            return None

    outcome = await arun_job(
        connector,
        {"url": f"{server.url}/status/404"},
        headers={"errorExpression": "if error.code = ... "},
        evaluator=Evaluator(),
    )
    assert outcome.kind == "bpmn_error"
    assert outcome.code == "ITEM_MISSING"
