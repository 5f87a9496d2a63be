"""The fixture connectors do what their documentation says, and pass the standard suite."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

import pytest

from tasklink.core import BpmnErrorThrown, Completed, Failed
from tasklink.testing import run_job
from tasklink.testing.fixtures import echo, sleeps_started, upper


@pytest.mark.parametrize(
    ("operation", "variables", "outcome"),
    [
        (
            "echo_message",
            {"message": "hi", "count": 2, "token": "{{secrets.TOKEN}}", "delay": 0.01},
            Completed({"message": "hi", "count": 2, "token": "***"}, {}),
        ),
        (
            "fail",
            {},
            Failed("SERVICE_UNAVAILABLE", "upstream is down", 2, None, {"why": "asked to"}),
        ),
        (
            "fail",
            {"code": "UNAUTHORIZED", "retryable": False, "detail": "{{secrets.TOKEN}}"},
            Failed("UNAUTHORIZED", "upstream is down", 0, None, {"why": "***"}),
        ),
        (
            "fail",
            {"retries": 7, "backoff_seconds": 5},
            Failed(
                "SERVICE_UNAVAILABLE",
                "upstream is down",
                7,
                timedelta(seconds=5),
                {"why": "asked to"},
            ),
        ),
        (
            "fail",
            {"bug": True, "message": "boom"},
            Failed("UNKNOWN_ERROR", "RuntimeError: boom", 2),
        ),
        (
            "throw_bpmn",
            {"code": "REJECTED", "message": "no"},
            BpmnErrorThrown("REJECTED", "no", {"thrown": True}),
        ),
        ("sleep", {"seconds": 0.01}, Completed({"slept": 0.01}, {})),
        (
            "blocking_echo",
            {"message": "m"},
            Completed({"message": "m", "thread": "MainThread"}, {}),
        ),
        ("noop", {}, Completed({}, {})),
    ],
)
def test_each_operation_does_what_it_says(
    operation: str, variables: dict[str, Any], outcome: Any
) -> None:
    secrets = {"TOKEN": "tok-0123456789"}
    assert run_job(echo, variables, operation=operation, secrets=secrets) == outcome


def test_the_api_key_is_read_under_its_alias_and_logged_masked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    variables = {"message": "m", "apiKey": "{{secrets.API_KEY}}"}
    secrets = {"API_KEY": "key-0123456789"}
    outcome = run_job(echo, variables, operation="echo_message", secrets=secrets)
    assert outcome == Completed({"message": "m", "count": 1, "token": ""}, {})
    assert "API key ***" in caplog.messages
    assert "key-0123456789" not in caplog.text
    caplog.clear()
    run_job(echo, {"message": "m"}, operation="echo_message")
    assert not any(m.startswith("API key") for m in caplog.messages)


def test_sleep_counts_its_key_as_it_begins() -> None:
    key = uuid.uuid4().hex
    assert run_job(echo, {"seconds": 0, "key": key}, operation="sleep").kind == "completed"
    run_job(echo, {"seconds": 0, "key": key}, operation="sleep")
    assert sleeps_started[key] == 2
    invalid = run_job(echo, {"seconds": -1, "key": "never-started"}, operation="sleep")
    assert invalid.kind == "failed"
    assert "never-started" not in sleeps_started


def test_upper_has_one_operation_and_its_own_job_type() -> None:
    assert list(upper.operations) == ["upper"]
    assert upper.job_type == "tasklink-test:upper:1" != echo.job_type
    assert run_job(upper, {"text": "abc"}) == Completed({"text": "ABC"}, {})


def test_flaky_fails_as_often_as_asked_then_succeeds() -> None:
    variables = {"key": uuid.uuid4().hex, "failures": 2}
    outcomes = [run_job(echo, variables, operation="flaky") for _ in range(3)]
    assert [o.kind for o in outcomes] == ["failed", "failed", "completed"]
    assert outcomes[2] == Completed({"attempts": 3}, {})


CONNECTOR_SUITE = """
from pathlib import Path

import pytest

from tasklink.testing import SecretCase, StandardConnectorSuite
from tasklink.testing.fixtures import echo, upper


class TestEcho(StandardConnectorSuite):
    connector = echo
    package_dir = Path(".")

    @pytest.fixture
    def valid_inputs(self):
        return {
            "echo_message": {"message": "m", "address": {"city": "c", "zip": "8001"}},
            "fail": {"code": "C", "retries": 1},
            "throw_bpmn": {"code": "C"},
            "sleep": {"seconds": 0},
            "blocking_echo": {"message": "m"},
            "flaky": {"key": "k", "failures": 0},
            "noop": {},
        }

    @pytest.fixture
    def secret_cases(self):
        variables = {"message": "m", "token": "{{secrets.TOKEN}}"}
        aliased = {"message": "m", "apiKey": "{{secrets.TOKEN}}"}
        return [
            SecretCase(operation, inputs, {"TOKEN": "tok-0123456789"})
            for operation in ("echo_message", "blocking_echo")
            for inputs in (variables, aliased)
        ]


class TestUpper(StandardConnectorSuite):
    connector = upper
    package_dir = Path(".")

    @pytest.fixture
    def valid_inputs(self):
        return {"upper": {"text": "t"}}
"""

# Package-level checks (README, CHANGELOG, bundled templates, discovery) concern packages.
APPLICABLE = (
    "described or targets or templates_are_valid or valid_inputs or missing_input "
    "or wrong_types or secret"
)


def test_the_fixture_connectors_pass_the_standard_suite(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_fixtures=CONNECTOR_SUITE)
    result = pytester.runpytest("-k", APPLICABLE)
    result.assert_outcomes(passed=14)
