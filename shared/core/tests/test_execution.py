from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tasklink.core import (
    BpmnErrorThrown,
    Completed,
    Connector,
    ConnectorError,
    Context,
    Failed,
    InputModel,
    Job,
    JobExecutor,
    JobInfo,
    MappingSecretProvider,
)

SECRETS = {"TOKEN": "tok-0123456789"}
# Operations of the fixture connector: what echo_message and fail are given by default.
ECHO = {"message": "Ada", "token": "{{secrets.TOKEN}}"}
FAIL = {"message": "upstream refused {{secrets.TOKEN}}", "detail": "{{secrets.TOKEN}}"}


def executor(evaluator: Any = None, **kwargs: Any) -> JobExecutor:
    return JobExecutor(MappingSecretProvider(SECRETS), evaluator=evaluator, **kwargs)


def job(headers: dict[str, str] | None = None, **variables: Any) -> Job:
    """A job for echo_message, or (with FAIL's or other variables) another operation: each
    reads its own fields and ignores the rest, as engines hand jobs every variable."""
    return Job({**ECHO, **variables}, headers=headers or {}, info=JobInfo(retries=3))


async def test_success_maps_result_variable_and_redacts(connector: Connector) -> None:
    outcome = await executor().execute(
        connector.get_operation("echo_message"), job(headers={"resultVariable": "result"})
    )
    assert isinstance(outcome, Completed)
    assert outcome.output == {"message": "Ada", "count": 1, "token": "***"}
    assert outcome.variables == {"result": outcome.output}


async def test_no_result_headers_set_no_variables(connector: Connector) -> None:
    outcome = await executor().execute(connector.get_operation("echo_message"), job())
    assert isinstance(outcome, Completed)
    assert outcome.variables == {}


async def test_connector_error_counts_retries_down_with_header_backoff(
    connector: Connector,
) -> None:
    outcome = await executor().execute(
        connector.get_operation("fail"), job({"retryBackoff": "PT30S"}, **FAIL)
    )
    assert isinstance(outcome, Failed)
    assert (outcome.code, outcome.retries, outcome.backoff) == (
        "SERVICE_UNAVAILABLE",
        2,
        timedelta(seconds=30),
    )
    assert "tok-0123456789" not in outcome.message + str(outcome.variables)
    assert not outcome.incident


async def test_non_retryable_error_is_an_incident(connector: Connector) -> None:
    fatal = job(code="UNAUTHORIZED", retryable=False)
    outcome = await executor().execute(connector.get_operation("fail"), fatal)
    assert isinstance(outcome, Failed)
    assert outcome.incident and outcome.code == "UNAUTHORIZED"


async def test_retry_error_sets_retries(connector: Connector) -> None:
    outcome = await executor().execute(connector.get_operation("fail"), job(retries=7))
    assert isinstance(outcome, Failed) and outcome.retries == 7


async def test_bpmn_error_is_thrown(connector: Connector) -> None:
    thrown = job(code="NOT_FOUND", message="no such thing")
    outcome = await executor().execute(connector.get_operation("throw_bpmn"), thrown)
    assert outcome == BpmnErrorThrown("NOT_FOUND", "no such thing", {"thrown": True})


async def test_input_error_is_an_incident_naming_the_field(connector: Connector) -> None:
    outcome = await executor().execute(
        connector.get_operation("echo_message"),
        job(count=-1, address={"city": "X", "zip": "1"}),
    )
    assert isinstance(outcome, Failed) and outcome.input_error and outcome.retries == 0
    assert "count" in outcome.message and "address.zip" in outcome.message


async def test_unknown_top_level_fields_only_fail_in_strict_jobs(connector: Connector) -> None:
    op = connector.get_operation("echo_message")
    lenient = await executor().execute(op, job(otherProcessVariable=1))
    assert isinstance(lenient, Completed)
    strict = await executor().execute(
        op, Job({"message": "x", "otherProcessVariable": 1}, strict=True)
    )
    assert isinstance(strict, Failed) and "otherProcessVariable: unknown field" in strict.message


async def test_placeholders_in_variables_the_operation_does_not_read_are_left_alone(
    connector: Connector,
) -> None:
    op = connector.get_operation("echo_message")
    outcome = await executor().execute(
        op, job(formComment="see {{secrets.", otherSecret="{{secrets.UNDEFINED}}")
    )
    assert isinstance(outcome, Completed), outcome


async def test_unexpected_exception_is_a_retryable_unknown_error(
    connector: Connector, caplog: pytest.LogCaptureFixture
) -> None:
    bug = job(bug=True, message="division by zero near {{secrets.TOKEN}}")
    outcome = await executor().execute(connector.get_operation("fail"), bug)
    assert isinstance(outcome, Failed)
    assert outcome.code == "UNKNOWN_ERROR" and outcome.retries == 2
    assert outcome.message == "RuntimeError: division by zero near ***"


async def test_timeout_fails_with_timeout_code(connector: Connector) -> None:
    sleep = connector.get_operation("sleep")
    outcome = await executor().execute(sleep, job(seconds=10), timeout=0.05)
    assert isinstance(outcome, Failed) and outcome.code == "TIMEOUT" and outcome.retries == 2


@pytest.mark.parametrize(
    ("operation", "variables", "output"),
    [
        ("blocking_echo", {"message": "a"}, {"message": "a", "thread": "MainThread"}),
        ("noop", {}, {}),  # takes no context
    ],
)
async def test_sync_operation_runs_inline_or_through_runner(
    connector: Connector, operation: str, variables: dict[str, Any], output: dict[str, Any]
) -> None:
    calls: list[str] = []

    async def runner(function: Any) -> Any:
        calls.append("runner")
        return function()

    op = connector.get_operation(operation)
    inline = await executor().execute(op, Job(variables))
    through = await executor(run_sync=runner).execute(op, Job(variables))
    assert isinstance(inline, Completed) and inline.output == output
    assert isinstance(through, Completed) and through.output == output
    assert calls == ["runner"]


@pytest.mark.parametrize("operation", ["echo_message", "fail"])
async def test_invalid_retry_backoff_header_fails_before_the_operation_runs(
    connector: Connector, fake_evaluator: Any, caplog: pytest.LogCaptureFixture, operation: str
) -> None:
    jobs = fake_evaluator({"je": lambda c: {"errorType": "jobError", "message": "x"}})
    headers = {"retryBackoff": "30 seconds", "errorExpression": "=je"}
    op = connector.get_operation(operation)
    with caplog.at_level(logging.INFO):
        outcome = await executor(jobs).execute(op, job(headers))
    assert isinstance(outcome, Failed) and outcome.input_error and outcome.retries == 0
    assert "retryBackoff" in outcome.message  # not the fail operation's error
    assert "echoing" not in caplog.text, "the operation must not run"


async def test_result_expression_merges_context(connector: Connector, fake_evaluator: Any) -> None:
    evaluator = fake_evaluator({"{n: response.count}": lambda c: {"n": c["response"]["count"]}})
    outcome = await executor(evaluator).execute(
        connector.get_operation("echo_message"),
        job(headers={"resultExpression": "={n: response.count}", "resultVariable": "r"}),
    )
    assert isinstance(outcome, Completed)
    assert outcome.variables["n"] == 1 and "r" in outcome.variables


async def test_expressions_are_compiled_once(connector: Connector, fake_evaluator: Any) -> None:
    evaluator = fake_evaluator({"{n: 1}": lambda c: {"n": 1}})
    ex = executor(evaluator)
    for _ in range(3):
        await ex.execute(
            connector.get_operation("echo_message"), job({"resultExpression": "{n: 1}"})
        )
    assert evaluator.compiled == ["{n: 1}"]


async def test_result_expression_must_return_a_context(
    connector: Connector, fake_evaluator: Any
) -> None:
    evaluator = fake_evaluator({"5": lambda c: 5})
    outcome = await executor(evaluator).execute(
        connector.get_operation("echo_message"), job(headers={"resultExpression": "=5"})
    )
    assert isinstance(outcome, Failed) and outcome.input_error
    assert "resultExpression must return a context" in outcome.message


async def test_expression_syntax_error_is_an_incident_quoting_the_position(
    connector: Connector, fake_evaluator: Any
) -> None:
    outcome = await executor(fake_evaluator({})).execute(
        connector.get_operation("echo_message"), job(headers={"resultExpression": "={oops"})
    )
    assert isinstance(outcome, Failed) and outcome.retries == 0
    assert "resultExpression" in outcome.message and "line 1, column 1" in outcome.message


def bpmn_on_error(context: dict[str, Any]) -> Any:
    error = context.get("error")
    if error and error["code"] == "SERVICE_UNAVAILABLE":
        return {"errorType": "bpmnError", "code": "UPSTREAM_DOWN", "message": error["message"]}
    return None


async def test_error_expression_turns_connector_error_into_bpmn_error(
    connector: Connector, fake_evaluator: Any
) -> None:
    ev = fake_evaluator({"expr": bpmn_on_error})
    outcome = await executor(ev).execute(
        connector.get_operation("fail"), job({"errorExpression": "=expr"}, **FAIL)
    )
    assert isinstance(outcome, BpmnErrorThrown)
    assert outcome.code == "UPSTREAM_DOWN" and "tok-0123456789" not in outcome.message


async def test_error_expression_sees_response_on_success(
    connector: Connector, fake_evaluator: Any
) -> None:
    def job_error(context: dict[str, Any]) -> Any:
        if context["response"]["count"] == 2:
            return {
                "errorType": "jobError",
                "message": "count is two",
                "variables": {"why": "two"},
                "retries": 4,
                "retryBackoff": timedelta(seconds=9),
            }
        return None

    ex = executor(fake_evaluator({"je": job_error}))
    op = connector.get_operation("echo_message")
    failed = await ex.execute(op, job(count=2, headers={"errorExpression": "je"}))
    assert failed == Failed("JOB_ERROR", "count is two", 4, timedelta(seconds=9), {"why": "two"})
    passed = await ex.execute(op, job(count=1, headers={"errorExpression": "je"}))
    assert isinstance(passed, Completed)


async def test_error_expression_decides_on_input_errors_too(
    connector: Connector, fake_evaluator: Any
) -> None:
    """As in Camunda's runtime: a task configured wrongly can be caught as well."""

    def any_error(context: dict[str, Any]) -> Any:
        error = context.get("error")
        return {"errorType": "bpmnError", "errorCode": "BROKEN", "errorMessage": error["code"]}

    ex = executor(fake_evaluator({"any": any_error}))
    outcome = await ex.execute(
        connector.get_operation("echo_message"),
        job({"errorExpression": "=any"}, token="{{secrets.MISSING}}"),
    )
    assert outcome == BpmnErrorThrown("BROKEN", "MISSING_INPUT", {})
    # Without a decision it stays an incident.
    plain = await executor().execute(
        connector.get_operation("echo_message"), job(token="{{secrets.MISSING}}")
    )
    assert isinstance(plain, Failed) and plain.input_error and plain.retries == 0


async def test_result_expression_sees_the_response_entries_too(
    connector: Connector, fake_evaluator: Any
) -> None:
    def both(context: dict[str, Any]) -> Any:
        return {"top": context["message"], "nested": context["response"]["message"]}

    outcome = await executor(fake_evaluator({"both": both})).execute(
        connector.get_operation("echo_message"), job({"resultExpression": "both"})
    )
    assert isinstance(outcome, Completed)
    assert outcome.variables == {"top": "Ada", "nested": "Ada"}


async def test_error_expression_scope_is_camundas(
    connector: Connector, fake_evaluator: Any
) -> None:
    """The response's entries at the top, the response value as ``response`` (an error
    is ``{"error": ...}``), and ``job.retries``."""
    seen: list[dict[str, Any]] = []

    def record(context: dict[str, Any]) -> None:
        seen.append(context)

    ex = executor(fake_evaluator({"see": record}))
    await ex.execute(connector.get_operation("echo_message"), job({"errorExpression": "see"}))
    await ex.execute(connector.get_operation("fail"), job({"errorExpression": "see"}, **FAIL))
    success, failure = seen
    output = {"message": "Ada", "count": 1, "token": "***"}
    assert success == {**output, "response": output, "job": {"retries": 3}}
    error = failure["error"]
    assert error["code"] == "SERVICE_UNAVAILABLE" and "tok-0123456789" not in str(error)
    assert failure == {"error": error, "response": {"error": error}, "job": {"retries": 3}}


async def test_error_expression_without_evaluator_is_a_clear_input_error(
    connector: Connector, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.metadata as md

    from tasklink.core._expressions import load_evaluator

    load_evaluator.cache_clear()
    monkeypatch.setattr(md, "entry_points", lambda **kw: [])
    try:
        outcome = await executor().execute(
            connector.get_operation("echo_message"), job(headers={"errorExpression": "=x"})
        )
    finally:
        load_evaluator.cache_clear()
    assert isinstance(outcome, Failed) and outcome.input_error
    assert "install tasklink-feel" in outcome.message


async def test_context_logger_masks_secrets(
    connector: Connector, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        await executor().execute(connector.get_operation("echo_message"), job())
    assert "echoing 'Ada' with token ***" in caplog.text
    assert "tok-0123456789" not in caplog.text


class NoInput(InputModel):
    pass


async def test_operations_see_the_task_headers() -> None:
    seen: dict[str, str] = {}
    c = Connector(
        id="io.t.h", name="h", title="H", job_type="t:h:1", description="d", package="tasklink.core"
    )

    @c.operation(name="Headers", description="Reads headers")
    def read(i: NoInput, ctx: Context) -> None:
        seen.update(ctx.headers)

    await executor().execute(c.get_operation(), Job({}, headers={"retryBackoff": "PT1M"}))
    assert seen == {"retryBackoff": "PT1M"}


@pytest.mark.parametrize(
    ("decision", "problem"),
    [
        ({"errorType": "jobError", "message": "m", "retries": "x"}, "retries must be a number"),
        ({"errorType": "jobError", "message": "m", "retries": -1}, "whole number >= 0"),
        ({"errorType": "jobError", "message": "m", "retries": float("inf")}, "whole number"),
        ({"errorType": "jobError", "message": "m", "retryBackoff": "soon"}, "retryBackoff"),
        ({"errorType": "nonsense"}, "errorType is 'nonsense'; use bpmnError(...)"),
        ({"code": "404"}, "errorType is None"),
        ("oops", "must return null or a context"),
    ],
)
async def test_odd_error_expression_results_are_incidents_naming_the_problem(
    connector: Connector, fake_evaluator: Any, decision: Any, problem: str
) -> None:
    ex = executor(fake_evaluator({"odd": lambda c: decision}))
    for operation in ("echo_message", "fail"):
        outcome = await ex.execute(
            connector.get_operation(operation), job({"errorExpression": "=odd"})
        )
        assert isinstance(outcome, Failed), outcome
        assert outcome.input_error and outcome.retries == 0
        assert problem in outcome.message


@pytest.mark.parametrize(
    ("decision", "expected"),
    [
        # Camunda's own keys, as a context written out instead of bpmnError(...).
        (
            {"errorType": "bpmnError", "errorCode": "E1", "errorMessage": "m", "variables": {}},
            BpmnErrorThrown("E1", "m", {}),
        ),
        # A BPMN error without a code decides nothing, as in Camunda's runtime.
        ({"errorType": "bpmnError", "message": "m"}, None),
        # ignoreError completes the job with only its variables.
        (
            {"errorType": "ignoreError", "variables": {"skipped": True}},
            Completed({}, {"skipped": True}),
        ),
        ({}, None),
    ],
)
async def test_error_expression_decisions_as_camunda_reads_them(
    connector: Connector, fake_evaluator: Any, decision: Any, expected: Any
) -> None:
    ex = executor(fake_evaluator({"decide": lambda c: decision}))
    outcome = await ex.execute(
        connector.get_operation("fail"), job({"errorExpression": "=decide"}, **FAIL)
    )
    if expected is None:  # no decision: the connector error goes its way
        assert isinstance(outcome, Failed) and outcome.code == "SERVICE_UNAVAILABLE"
    else:
        assert outcome == expected


async def test_job_error_backoff_may_be_an_iso_duration(
    connector: Connector, fake_evaluator: Any
) -> None:
    decision = {"errorType": "jobError", "message": "m", "retries": 2, "retryBackoff": "PT10S"}
    ex = executor(fake_evaluator({"je": lambda c: decision}))
    outcome = await ex.execute(
        connector.get_operation("echo_message"), job(headers={"errorExpression": "je"})
    )
    assert outcome == Failed("JOB_ERROR", "m", 2, timedelta(seconds=10))


async def test_base_tasklink_errors_and_unconvertible_results_never_raise() -> None:
    from tasklink.core._errors import TasklinkError

    c = Connector(
        id="io.t.x", name="x", title="X", job_type="t:x:1", description="d", package="tasklink.core"
    )

    @c.operation(name="Base", description="raises the base class")
    def base(i: NoInput) -> None:
        raise TasklinkError("plain base error", code="ODD")

    @c.operation(name="Loop", description="returns data that contains itself")
    def loop(i: NoInput) -> Any:
        data: dict[str, Any] = {}
        data["self"] = data
        return data

    @c.operation(name="Vars", description="fails with variables that contain themselves")
    def variables(i: NoInput) -> Any:
        data: dict[str, Any] = {}
        data["self"] = data
        raise ConnectorError("odd variables", variables=data)

    failed = await executor().execute(c.get_operation("base"), Job({}, info=JobInfo(retries=3)))
    assert isinstance(failed, Failed) and (failed.code, failed.retries) == ("ODD", 2)
    broken = await executor().execute(c.get_operation("loop"), Job({}, info=JobInfo(retries=3)))
    assert isinstance(broken, Failed) and broken.code == "UNKNOWN_ERROR"
    odd = await executor().execute(c.get_operation("variables"), Job({}, info=JobInfo(retries=3)))
    assert isinstance(odd, Failed) and odd.code == "UNKNOWN_ERROR" and odd.retries == 0


async def test_the_operations_own_timeout_error_is_not_ours() -> None:
    c = Connector(
        id="io.t.t", name="t", title="T", job_type="t:t:1", description="d", package="tasklink.core"
    )

    @c.operation(name="Read", description="a socket read times out")
    async def read(i: NoInput) -> None:
        raise TimeoutError("read timed out")

    outcome = await executor().execute(c.get_operation(), Job({}), timeout=30)
    assert isinstance(outcome, Failed) and outcome.code == "UNKNOWN_ERROR"
    assert "read timed out" in outcome.message


async def test_secret_fields_typed_in_literally_are_masked(
    connector: Connector, caplog: pytest.LogCaptureFixture
) -> None:
    literal = "typed-in-token-4711"
    with caplog.at_level(logging.INFO):
        outcome = await executor().execute(
            connector.get_operation("echo_message"), Job({"message": "Ada", "token": literal})
        )
    assert isinstance(outcome, Completed) and outcome.output["token"] == "***"
    assert "with token ***" in caplog.text and literal not in caplog.text


async def test_secret_fields_of_an_input_that_does_not_validate_are_masked(
    connector: Connector,
) -> None:
    # An error echoing the input (Activiti's reply does) must not give the credential
    # away because validation failed elsewhere in the input.
    literal = "typed-in-token-4711"
    run = executor()
    outcome = await run.execute(
        connector.get_operation("echo_message"), Job({"token": literal, "count": -1})
    )
    assert isinstance(outcome, Failed) and outcome.code == "INVALID_INPUT"
    assert run.redactor.redact(f"echo: {literal}") == "echo: ***"


def test_raw_secret_values_read_input_that_does_not_validate() -> None:
    from typing import Literal

    from pydantic import Field

    from tasklink.core import CamelInputModel, field
    from tasklink.core._fields import raw_secret_values

    class Basic(CamelInputModel):
        type: Literal["basic"] = "basic"
        user_password: str = field(description="p", secret=True)

    class Keyed(CamelInputModel):
        type: Literal["key"] = "key"
        api_key: str = field(description="k", secret=True)

    class Server(CamelInputModel):
        auth: Basic | Keyed = Field(discriminator="type")

    class Tree(CamelInputModel):
        servers: list[Server] = []
        by_name: dict[str, Server] = {}
        count: int = 0

    raw = {
        "count": "not a number",
        "servers": [
            {"auth": {"type": "basic", "userPassword": "pw-1"}},
            {"auth": {"type": "unknown", "apiKey": "key-2"}},  # any member's reading
            {"auth": {"userPassword": 42}},  # not text: nothing to mask
        ],
        "byName": {"a": {"auth": {"api_key": "key-3"}}},  # by field name as well
        "spare": {"userPassword": "not a field of Tree"},
    }
    assert sorted(raw_secret_values(Tree, raw)) == ["key-2", "key-3", "pw-1"]
    assert raw_secret_values(Tree, ["not", "a", "mapping"]) == []


def test_secret_values_follow_nested_models_and_skip_unset_ones() -> None:
    from tasklink.core import field
    from tasklink.core._fields import secret_values

    class Token(InputModel):
        value: str = field(description="t", secret=True)

    class Auth(InputModel):
        token: Token

    class Outer(InputModel):
        auth: Auth
        spare: Auth = None  # type: ignore[assignment] # an unset default is never validated

    outer = Outer.model_validate({"auth": {"token": {"value": "tok-1234"}}})
    assert secret_values(outer) == ["tok-1234"]


def test_secret_values_follow_the_class_of_each_value_not_of_its_field() -> None:
    from pydantic import field_validator

    from tasklink.core import field
    from tasklink.core._fields import secret_values

    class Auth(InputModel):
        token: str = field(description="t", secret=True)

    class Refreshing(Auth):
        refresh: str = field(description="r", secret=True)

    class Outer(InputModel):
        auth: Auth

        @field_validator("auth", mode="before")
        @classmethod
        def _refreshing(cls, value: Any) -> Any:
            return Refreshing.model_validate(value) if "refresh" in value else value

    outer = Outer.model_validate({"auth": {"token": "tok-aaaa", "refresh": "ref-bbbb"}})
    assert secret_values(outer) == ["tok-aaaa", "ref-bbbb"]

    class Plain(InputModel):
        kind: str = "plain"

    class Keyed(Plain):
        key: str = field(description="k", secret=True)

    class Holder(InputModel):
        auth: Plain  # declares no secret at all

        @field_validator("auth", mode="before")
        @classmethod
        def _keyed(cls, value: Any) -> Any:
            return Keyed.model_validate(value) if "key" in value else value

    holder = Holder.model_validate({"auth": {"key": "key-cccc"}})
    assert secret_values(holder) == ["key-cccc"]

    class Vault(InputModel):
        by_name: dict[str, Keyed]

    vault = Vault.model_validate({"by_name": {"a": {"key": "key-dddd"}}})
    assert secret_values(vault) == ["key-dddd"]


def test_secret_values_reach_nested_lists_and_unions() -> None:
    from typing import Literal

    from pydantic import Field

    from tasklink.core import field
    from tasklink.core._fields import secret_values

    class Basic(InputModel):
        type: Literal["basic"] = "basic"
        password: str = field(description="p", secret=True)

    class Plain(InputModel):
        type: Literal["none"] = "none"

    class Server(InputModel):
        auth: Basic | Plain = Field(discriminator="type")
        note: str = "x"

    class Tree(InputModel):
        servers: list[Server] = []
        child: Tree | None = None

    tree = Tree.model_validate(
        {
            "servers": [
                {"auth": {"type": "basic", "password": "pw-1"}},
                {"auth": {"type": "none"}},
            ],
            "child": {"servers": [{"auth": {"type": "basic", "password": "pw-2"}}]},
        }
    )
    assert secret_values(tree) == ["pw-1", "pw-2"]


# -- property-based: no job input makes the executor raise or leak a secret ------------------

_placeholders = st.sampled_from(
    [
        "{{secrets.TOKEN}}",
        "Bearer {{secrets.TOKEN}}",
        "{{ secrets.TOKEN }}",
        "{{secrets.}}",
        "{{secrets.TOKEN",
        "{{secrets.MISSING}}",
    ]
)
_json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(max_size=12),
        _placeholders,
    ),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["city", "zip", "x"]) | st.text(max_size=4), children, max_size=3
        )
    ),
    max_leaves=12,
)
_text = st.text(max_size=12) | _placeholders
_echo = {
    "token": _placeholders | _json_values,
    "count": st.integers(-2, 5) | _json_values,
    "address": st.fixed_dictionaries(
        {"city": st.text(max_size=5), "zip": st.text(max_size=6) | _placeholders}
    )
    | _json_values,
}
# Codes come from the connector, never from secrets: a wrong type at most.
_code = st.sampled_from(["NOT_FOUND", "SERVICE_UNAVAILABLE", ""]) | st.integers()
_fail = {
    "code": _code,
    "message": _text | _json_values,
    "retryable": st.booleans() | _json_values,
    "retries": st.integers(-1, 8) | _json_values,
    "detail": _placeholders | _json_values,
    "bug": st.booleans() | _json_values,
}


def _input(required: dict[str, Any], optional: dict[str, Any]) -> Any:
    """Mostly valid input of one operation, with a few fields drawn from anything JSON and
    other process variables beside it, so every outcome is reached."""
    return st.fixed_dictionaries(required, optional={**optional, "otherVariable": _json_values})


# (operation id, its variables)
_jobs = st.one_of(
    st.tuples(st.just("echo_message"), _input({"message": _text}, _echo)),
    st.tuples(st.just("blocking_echo"), _input({"message": _text}, _echo)),
    st.tuples(st.just("fail"), _input({}, _fail)),
    st.tuples(st.just("throw_bpmn"), _input({"code": _code}, {"message": _text})),
    st.tuples(st.just("noop"), _input({}, {})),
)
_headers = st.fixed_dictionaries(
    {},
    optional={
        "resultVariable": st.sampled_from(["result", " "]) | st.text(max_size=6),
        "resultExpression": st.sampled_from(["={out: response}", "=response", "= 1 +"]),
        "errorExpression": st.sampled_from(
            [
                '=if error = null then null else bpmnError("E", error.message)',
                '=jobError("again", {}, 1, @"PT1S")',
                "=error.code",
                "=(",
            ]
        ),
        "retryBackoff": st.sampled_from(["PT5S", "P-1D", "soon"]) | st.text(max_size=6),
    },
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # the connector is stateless
)
@given(drawn=_jobs, headers=_headers, strict=st.booleans())
def test_no_job_input_makes_the_executor_raise_or_leak_a_secret(
    connector: Connector,
    drawn: tuple[str, dict[str, Any]],
    headers: dict[str, str],
    strict: bool,
) -> None:
    operation, variables = drawn
    job = Job(variables, headers=headers, info=JobInfo(retries=2), strict=strict)
    outcome = asyncio.run(executor().execute(connector.get_operation(operation), job))
    assert isinstance(outcome, Completed | Failed | BpmnErrorThrown)
    event(f"{outcome.kind} {getattr(outcome, 'code', '')}")
    assert SECRETS["TOKEN"] not in repr(outcome)
    if isinstance(outcome, Failed):
        assert outcome.retries >= 0 and outcome.code


async def test_a_timeout_cancels_the_callers_token_without_a_context(
    connector: Connector,
) -> None:
    from tasklink.core import CancellationToken

    sleep = connector.get_operation("sleep")
    assert not sleep.takes_context
    token = CancellationToken()
    outcome = await executor().execute(
        sleep, Job({"seconds": 10}), timeout=0.05, cancellation=token
    )
    assert isinstance(outcome, Failed) and outcome.code == "TIMEOUT"
    assert token.cancelled


@pytest.mark.parametrize(
    ("lists", "allowed"),
    [
        ({"io.tasklink.test.echo": ["TOKEN"]}, True),
        ({"io.tasklink.test.echo": ["OTHER"]}, False),
        ({"*": []}, False),
        ({"*": ["TOK?N"], "other.id": []}, True),
        ({"*": [], "io.tasklink.test.echo": ["TOK*"]}, True),
    ],
)
async def test_allow_lists_restrict_secrets_per_connector(
    connector: Connector, lists: dict[str, list[str]], allowed: bool
) -> None:
    assert connector.id == "io.tasklink.test.echo"
    op = connector.get_operation("echo_message")
    outcome = await executor(allowed_secrets=lists).execute(op, job())
    if allowed:
        assert isinstance(outcome, Completed)
        return
    assert isinstance(outcome, Failed) and outcome.input_error
    assert outcome.code == "INVALID_INPUT"
    assert "'TOKEN' is not on the allow list" in outcome.message


# -- bounded expressions ------------------------------------------------------------------


async def test_cheap_expressions_run_on_the_loop_with_a_budget(
    connector: Connector, fake_evaluator: Any, slow: Any
) -> None:
    quick = slow(0, {"n": 1})
    evaluator = fake_evaluator({"quick": quick})
    outcome = await executor(evaluator, expression_max_steps=1234).execute(
        connector.get_operation("echo_message"), job({"resultExpression": "=quick"}), timeout=60
    )
    assert isinstance(outcome, Completed) and outcome.variables == {"n": 1}
    assert quick.threads == ["MainThread"]
    [(max_steps, deadline)] = evaluator.calls
    assert max_steps == 1234 and deadline is not None


async def test_a_slow_expression_moves_off_the_event_loop(
    connector: Connector, fake_evaluator: Any, slow: Any
) -> None:
    import asyncio

    lengthy = slow(0.3, {"done": True})
    evaluator = fake_evaluator({"lengthy": lengthy})
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    beat = asyncio.create_task(ticker())
    try:
        outcome = await executor(evaluator).execute(
            connector.get_operation("echo_message"), job(headers={"resultExpression": "=lengthy"})
        )
    finally:
        beat.cancel()
    assert isinstance(outcome, Completed) and outcome.variables == {"done": True}
    # Tried on the loop for a moment, then evaluated again in a thread.
    assert lengthy.threads[0] == "MainThread" and lengthy.threads[1] != "MainThread"
    assert ticks > 5, "other work ran on the event loop meanwhile"


async def test_an_expression_over_its_time_limit_fails_that_job_only(
    connector: Connector, fake_evaluator: Any, slow: Any
) -> None:
    evaluator = fake_evaluator({"forever": slow(60), "quick": slow(0, {"n": 1})})
    run = executor(evaluator, expression_timeout=0.1)
    outcome = await run.execute(
        connector.get_operation("echo_message"), job(headers={"resultExpression": "=forever"})
    )
    assert isinstance(outcome, Failed) and outcome.input_error and outcome.incident
    assert outcome.message == (
        "resultExpression: the evaluation took longer than 0.1 seconds "
        "(the limit of one expression evaluation)"
    )
    failing = job({"errorExpression": "=forever"}, **FAIL)
    outcome = await run.execute(connector.get_operation("fail"), failing)
    assert isinstance(outcome, Failed) and outcome.message.startswith("errorExpression: ")
    outcome = await run.execute(
        connector.get_operation("echo_message"), job(headers={"resultExpression": "=quick"})
    )
    assert isinstance(outcome, Completed)


async def test_expressions_count_against_the_job_timeout(
    connector: Connector, fake_evaluator: Any, slow: Any
) -> None:
    evaluator = fake_evaluator({"forever": slow(60)})
    outcome = await executor(evaluator).execute(
        connector.get_operation("echo_message"),
        job(headers={"resultExpression": "=forever", "retryBackoff": "PT5S"}),
        timeout=0.2,
    )
    assert isinstance(outcome, Failed) and not outcome.input_error
    assert outcome.code == "TIMEOUT" and outcome.retries == 2
    assert outcome.backoff == timedelta(seconds=5)
    assert outcome.message == "the job did not finish within 0.2 seconds (resultExpression)"
