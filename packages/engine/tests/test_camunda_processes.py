"""Processes modelled for Camunda 8, end to end on the embedded engine: every supported
element, the job contract (mappings, headers, retries, errors) and incidents."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from engine_support import ECHO, bpmn, chain, flow, script, service

from tasklink.core import BpmnError, ConnectorError

START = '<bpmn:startEvent id="start"/>'
END = '<bpmn:endEvent id="end"/>'
ECHO_HEADERS = {"operation": "echo_message"}
RESULT = {**ECHO_HEADERS, "resultVariable": "r"}


async def test_a_service_task_runs_its_connector_with_mappings_and_headers(run: Any) -> None:
    xml = bpmn(
        START
        + service(
            "greet",
            inputs={"message": '="Hello " + name', "count": "=count(items)"},
            outputs={"greeting": "=reply.message", "stats.count": "=reply.count"},
            headers={**ECHO_HEADERS, "resultVariable": "reply"},
        )
        + END
        + chain("start", "greet", "end")
    )
    result = await run(xml, variables={"name": "Ada", "items": [1, 2, 3], "stats": {"a": 1}})
    assert result.state == "completed"
    assert result.path == ["start", "greet", "end"]
    # Output mappings decide what reaches the process: the job's own variables and the
    # task's inputs do not; a dotted target merges into the existing context.
    assert result.variables == {
        "name": "Ada",
        "items": [1, 2, 3],
        "stats": {"a": 1, "count": 3},
        "greeting": "Hello Ada",
    }


async def test_without_output_mappings_the_jobs_variables_are_merged(run: Any) -> None:
    xml = bpmn(
        START
        + service(
            "greet",
            inputs={"message": "static text"},
            headers={**ECHO_HEADERS, "resultExpression": "={said: response.message}"},
        )
        + END
        + chain("start", "greet", "end")
    )
    result = await run(xml)
    assert result.variables == {"said": "static text"}  # inputs stay local to the task


async def test_an_exclusive_gateway_takes_the_first_true_flow_or_the_default(run: Any) -> None:
    xml = bpmn(
        START
        + '<bpmn:exclusiveGateway id="gw" default="to-small"/>'
        + '<bpmn:task id="big"/><bpmn:task id="medium"/><bpmn:task id="small"/>'
        + END
        + flow("start", "gw")
        + flow("gw", "big", "=amount &gt; 100")
        + flow("gw", "medium", "=amount &gt; 10")
        + flow("gw", "small", id="to-small")
        + chain("big", "end")
        + chain("medium", "end")
        + chain("small", "end")
    )
    assert (await run(xml, variables={"amount": 500})).path == ["start", "gw", "big", "end"]
    assert (await run(xml, variables={"amount": 50})).path == ["start", "gw", "medium", "end"]
    assert (await run(xml, variables={"amount": 5})).path == ["start", "gw", "small", "end"]


async def test_a_condition_that_is_not_boolean_is_an_incident(run: Any) -> None:
    xml = bpmn(
        START
        + '<bpmn:exclusiveGateway id="gw"/><bpmn:task id="a"/>'
        + END
        + flow("start", "gw")
        + flow("gw", "a", "=missing &gt; 1")
        + chain("a", "end")
    )
    result = await run(xml)
    assert result.state == "incident"
    assert result.incident is not None
    assert result.incident.type == "CONDITION_ERROR"
    assert result.incident.element_id == "gw"
    assert "expected true or false" in result.incident.message


async def test_no_flow_can_be_taken_is_an_incident(run: Any) -> None:
    xml = bpmn(
        START
        + '<bpmn:exclusiveGateway id="gw"/><bpmn:task id="a"/>'
        + END
        + flow("start", "gw")
        + flow("gw", "a", "=amount &gt; 1")
        + chain("a", "end")
    )
    result = await run(xml, variables={"amount": 0})
    assert result.state == "incident"
    assert result.incident is not None
    assert (result.incident.type, result.incident.element_id) == ("CONDITION_ERROR", "gw")


async def test_parallel_branches_run_their_jobs_concurrently_and_join(run: Any) -> None:
    xml = bpmn(
        START
        + '<bpmn:parallelGateway id="fork"/><bpmn:parallelGateway id="join"/>'
        + service(
            "left",
            inputs={"message": "left", "delay": "=0.3"},
            outputs={"left": "=message"},
            headers=ECHO_HEADERS,
        )
        + service(
            "right",
            inputs={"message": "right", "delay": "=0.3"},
            outputs={"right": "=message"},
            headers=ECHO_HEADERS,
        )
        + END
        + chain("start", "fork")
        + chain("fork", "left", "join")
        + chain("fork", "right", "join")
        + chain("join", "end")
    )
    started = time.monotonic()
    result = await run(xml)
    elapsed = time.monotonic() - started
    assert result.state == "completed"
    assert result.variables == {"left": "left", "right": "right"}
    assert set(result.path[2:4]) == {"left", "right"}
    assert result.path[-2:] == ["join", "end"]
    assert elapsed < 0.55, "the two 0.3 s jobs ran one after the other"


async def test_an_inclusive_gateway_takes_every_true_flow(run: Any) -> None:
    xml = bpmn(
        START
        + '<bpmn:inclusiveGateway id="fork" default="none"/>'
        + '<bpmn:inclusiveGateway id="join"/>'
        + script("mail", '"mail"', "byMail")
        + script("sms", '"sms"', "bySms")
        + '<bpmn:task id="nothing"/>'
        + END
        + flow("start", "fork")
        + flow("fork", "mail", "=list contains(channels, &quot;mail&quot;)")
        + flow("fork", "sms", "=list contains(channels, &quot;sms&quot;)")
        + flow("fork", "nothing", id="none")
        + chain("mail", "join")
        + chain("sms", "join")
        + chain("nothing", "join")
        + chain("join", "end")
    )
    both = await run(xml, variables={"channels": ["mail", "sms"]})
    assert both.state == "completed"
    assert both.variables["byMail"] == "mail" and both.variables["bySms"] == "sms"
    one = await run(xml, variables={"channels": ["sms"]})
    assert "mail" not in one.path and "sms" in one.path
    none = await run(xml, variables={"channels": []})
    assert "nothing" in none.path and none.path[-1] == "end"


async def test_a_script_task_evaluates_feel_into_its_result_variable(run: Any) -> None:
    xml = bpmn(
        START
        + script("total", "sum(for line in lines return line.price * line.qty)", "total")
        + END
        + chain("start", "total", "end")
    )
    result = await run(xml, variables={"lines": [{"price": 2.5, "qty": 2}, {"price": 1, "qty": 3}]})
    assert result.variables["total"] == 8


async def test_a_failing_script_is_an_incident_at_its_element(run: Any) -> None:
    xml = bpmn(START + script("bad", 'matches("a", "(")', "x") + END + chain("start", "bad", "end"))
    result = await run(xml)
    # FEEL turns a bad pattern into null, with a warning: the script still completes.
    assert result.state == "completed" and result.variables["x"] is None


def _subprocess(body: str, inputs: dict[str, str], outputs: dict[str, str]) -> str:
    mapping = "".join(f'<zeebe:input source="{s}" target="{t}"/>' for t, s in inputs.items())
    mapping += "".join(f'<zeebe:output source="{s}" target="{t}"/>' for t, s in outputs.items())
    return (
        '<bpmn:subProcess id="sub"><bpmn:extensionElements><zeebe:ioMapping>'
        f"{mapping}</zeebe:ioMapping></bpmn:extensionElements>{body}</bpmn:subProcess>"
    )


async def test_an_embedded_subprocess_has_its_own_scope(run: Any) -> None:
    inner = (
        '<bpmn:startEvent id="s-start"/>'
        + script("s-double", "local * 2", "doubled")
        + script("s-note", '"seen " + string(local)', "note")
        + '<bpmn:endEvent id="s-end"/>'
        + chain("s-start", "s-double", "s-note", "s-end")
    )
    xml = bpmn(
        START
        + _subprocess(inner, {"local": "=value + 1"}, {"result": "=doubled"})
        + END
        + chain("start", "sub", "end")
    )
    result = await run(xml, variables={"value": 4})
    assert result.state == "completed"
    assert result.path == ["start", "s-start", "s-double", "s-note", "s-end", "sub", "end"]
    # The subprocess's input variable stays in its scope; its output mapping decides what
    # leaves; what its tasks created without a mapping lands in the process (Zeebe's
    # propagation).
    assert result.variables == {"value": 4, "result": 10, "doubled": 10, "note": "seen 5"}


ERRORS = (
    '<bpmn:error id="not-found" errorCode="NOT_FOUND"/><bpmn:error id="denied" errorCode="DENIED"/>'
)


def _boundary(id: str, attached: str, error: str | None = None, outputs: str = "") -> str:
    definition = (
        f'<bpmn:errorEventDefinition errorRef="{error}"/>'
        if error
        else ("<bpmn:errorEventDefinition/>")
    )
    extensions = (
        f"<bpmn:extensionElements><zeebe:ioMapping>{outputs}</zeebe:ioMapping>"
        "</bpmn:extensionElements>"
        if outputs
        else ""
    )
    return (
        f'<bpmn:boundaryEvent id="{id}" attachedToRef="{attached}">'
        f"{extensions}{definition}</bpmn:boundaryEvent>"
    )


async def test_a_bpmn_error_is_caught_by_the_boundary_event_with_its_code(run: Any) -> None:
    xml = bpmn(
        START
        + service("call", headers=ECHO_HEADERS)
        + _boundary(
            "on-denied",
            "call",
            "denied",
            '<zeebe:output source="=errorCode + &quot;: &quot; + errorMessage" target="why"/>',
        )
        + _boundary("on-any", "call")
        + END
        + '<bpmn:endEvent id="denied-end"/><bpmn:endEvent id="any-end"/>'
        + chain("start", "call", "end")
        + chain("on-denied", "denied-end")
        + chain("on-any", "any-end"),
        ERRORS,
    )
    denied = await run(xml, mock={"call": BpmnError("DENIED", "no way", variables={"who": "x"})})
    assert denied.path == ["start", "on-denied", "denied-end"]
    assert denied.variables == {"why": "DENIED: no way"}  # output mappings decide
    other = await run(xml, mock={"call": BpmnError("OTHER", "hm", variables={"who": "y"})})
    assert other.path == ["start", "on-any", "any-end"]
    assert other.variables == {"who": "y"}  # no mappings: the error's variables
    fine = await run(xml, mock={"call": {"message": "ok"}})
    assert fine.path == ["start", "call", "end"]


async def test_an_error_expression_turns_a_response_into_a_bpmn_error(run: Any) -> None:
    xml = bpmn(
        START
        + service(
            "call",
            inputs={"message": "=msg"},
            headers={
                **ECHO_HEADERS,
                "errorExpression": '=if response.message = "missing" then '
                'bpmnError("NOT_FOUND", "no " + response.message) else null',
            },
        )
        + _boundary("on-missing", "call", "not-found")
        + END
        + '<bpmn:endEvent id="missing-end"/>'
        + chain("start", "call", "end")
        + chain("on-missing", "missing-end"),
        ERRORS,
    )
    assert (await run(xml, variables={"msg": "missing"})).path == [
        "start",
        "on-missing",
        "missing-end",
    ]
    assert (await run(xml, variables={"msg": "here"})).path == ["start", "call", "end"]


async def test_an_uncaught_bpmn_error_is_an_incident(run: Any) -> None:
    xml = bpmn(START + service("call", headers=ECHO_HEADERS) + END + chain("start", "call", "end"))
    result = await run(xml, mock={"call": BpmnError("NOPE", "not caught")})
    assert result.state == "incident"
    assert result.incident is not None
    assert result.incident.type == "UNHANDLED_ERROR_EVENT"
    assert (result.incident.element_id, result.incident.code) == ("call", "NOPE")


async def test_an_error_end_event_in_a_subprocess_is_caught_on_the_subprocess(run: Any) -> None:
    inner = (
        '<bpmn:startEvent id="s-start"/>'
        '<bpmn:endEvent id="s-fail"><bpmn:errorEventDefinition errorRef="denied"/></bpmn:endEvent>'
        + chain("s-start", "s-fail")
    )
    xml = bpmn(
        START
        + f'<bpmn:subProcess id="sub">{inner}</bpmn:subProcess>'
        + _boundary("on-denied", "sub", "denied")
        + END
        + '<bpmn:endEvent id="denied-end"/>'
        + chain("start", "sub", "end")
        + chain("on-denied", "denied-end"),
        ERRORS,
    )
    result = await run(xml)
    assert result.state == "completed"
    # The subprocess ends by its error: it does not complete, its path goes on at the
    # boundary event.
    assert result.path == ["start", "s-start", "s-fail", "on-denied", "denied-end"]


async def test_an_uncaught_error_end_event_is_an_incident(run: Any) -> None:
    xml = bpmn(
        START
        + '<bpmn:endEvent id="fail"><bpmn:errorEventDefinition errorRef="denied"/></bpmn:endEvent>'
        + chain("start", "fail"),
        ERRORS,
    )
    result = await run(xml)
    assert result.incident is not None
    assert (result.incident.type, result.incident.element_id) == ("UNHANDLED_ERROR_EVENT", "fail")


async def test_failed_jobs_are_retried_with_their_backoff_then_become_an_incident(
    run: Any,
) -> None:
    attempts: list[float] = []

    def flaky(variables: dict[str, Any]) -> Any:
        attempts.append(time.monotonic())
        if len(attempts) < 3:
            raise ConnectorError("upstream down", code="SERVICE_UNAVAILABLE")
        return {"message": "finally"}

    xml = bpmn(
        START
        + service("call", retries=3, headers={**ECHO_HEADERS, "retryBackoff": "PT0.2S"})
        + END
        + chain("start", "call", "end")
    )
    result = await run(xml, mock={"call": flaky}, clock="real")
    assert result.state == "completed"
    assert len(attempts) == 3
    assert attempts[1] - attempts[0] >= 0.19 and attempts[2] - attempts[1] >= 0.19

    attempts.clear()
    failing = await run(
        xml.replace('retries="3"', 'retries="2"'),
        mock={"call": ConnectorError("upstream down", code="SERVICE_UNAVAILABLE")},
    )
    assert failing.state == "incident"
    assert failing.incident is not None
    assert failing.incident.type == "JOB_NO_RETRIES"
    assert (failing.incident.code, failing.incident.job_type) == ("SERVICE_UNAVAILABLE", ECHO)


async def test_an_input_error_is_an_incident_at_once(run: Any) -> None:
    calls: list[int] = []
    xml = bpmn(
        START
        + service("call", inputs={"count": "=-1"}, headers=ECHO_HEADERS)
        + END
        + chain("start", "call", "end")
    )
    result = await run(xml)
    assert result.incident is not None
    assert result.incident.type == "JOB_NO_RETRIES"
    assert result.incident.code in ("INVALID_INPUT", "MISSING_INPUT")
    assert "message" in result.incident.message or "count" in result.incident.message
    assert calls == []


async def test_an_intermediate_timer_waits_its_duration(run: Any) -> None:
    xml = bpmn(
        START + '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>=wait</bpmn:timeDuration></bpmn:timerEventDefinition>"
        "</bpmn:intermediateCatchEvent>" + END + chain("start", "wait", "end")
    )
    started = time.monotonic()
    real = await run(xml, variables={"wait": "PT0.3S"}, clock="real")
    assert real.path == ["start", "wait", "end"]
    assert time.monotonic() - started >= 0.29
    started = time.monotonic()
    virtual = await run(xml, variables={"wait": "P3D"})
    assert virtual.path == ["start", "wait", "end"]
    assert time.monotonic() - started < 2, "the virtual clock jumps to the timer"


async def test_a_timer_date_in_the_past_fires_at_once(run: Any) -> None:
    xml = bpmn(
        START + '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>'
        "<bpmn:timeDate>2020-01-01T00:00:00Z</bpmn:timeDate></bpmn:timerEventDefinition>"
        "</bpmn:intermediateCatchEvent>" + END + chain("start", "wait", "end")
    )
    assert (await run(xml, clock="real")).state == "completed"


async def test_a_bad_timer_duration_is_an_incident(run: Any) -> None:
    xml = bpmn(
        START + '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>soon</bpmn:timeDuration></bpmn:timerEventDefinition>"
        "</bpmn:intermediateCatchEvent>" + END + chain("start", "wait", "end")
    )
    result = await run(xml)
    assert result.incident is not None
    assert (result.incident.type, result.incident.element_id) == ("EXTRACT_VALUE_ERROR", "wait")


async def test_a_timer_boundary_event_interrupts_a_slow_job(run: Any) -> None:
    cancelled = asyncio.Event()

    async def slow(variables: dict[str, Any]) -> Any:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return {}

    xml = bpmn(
        START
        + service("call", headers=ECHO_HEADERS)
        + '<bpmn:boundaryEvent id="too-slow" attachedToRef="call"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>PT0.2S</bpmn:timeDuration></bpmn:timerEventDefinition>"
        "</bpmn:boundaryEvent>"
        + END
        + '<bpmn:endEvent id="gave-up"/>'
        + chain("start", "call", "end")
        + chain("too-slow", "gave-up")
    )
    started = time.monotonic()
    result = await run(xml, mock={"call": slow}, clock="real")
    assert result.path == ["start", "too-slow", "gave-up"]
    assert time.monotonic() - started < 5
    assert cancelled.is_set(), "the interrupted job was cancelled"


async def test_a_job_type_from_feel_and_the_upper_connector(run: Any) -> None:
    xml = bpmn(
        START
        + service(
            "shout",
            job_type="=kind",
            inputs={"text": "=word"},
            outputs={"loud": "=r.text"},
            headers={"resultVariable": "r"},
        )
        + END
        + chain("start", "shout", "end")
    )
    result = await run(xml, variables={"kind": "tasklink-test:upper:1", "word": "hey"})
    assert result.variables["loud"] == "HEY"


async def test_secrets_resolve_and_never_reach_the_result(run: Any) -> None:
    xml = bpmn(
        START
        + service(
            "call",
            inputs={"message": "x", "token": "{{secrets.API_TOKEN}}"},
            outputs={"echoed": "=token", "copy": '="token is " + token'},
            headers=ECHO_HEADERS,
        )
        + END
        + chain("start", "call", "end")
    )
    result = await run(xml, secrets={"API_TOKEN": "s3cr3t-value-42"})
    assert result.state == "completed"
    assert "s3cr3t-value-42" not in str(result.to_json())
    missing = await run(xml)
    assert missing.incident is not None and "API_TOKEN" in missing.incident.message


async def test_mocks_by_job_type_and_callables(run: Any) -> None:
    seen: list[dict[str, Any]] = []

    def answer(variables: dict[str, Any]) -> dict[str, Any]:
        seen.append(variables)
        return {"message": variables["message"].upper()}

    xml = bpmn(
        START
        + service("a", inputs={"message": "one"}, outputs={"a": "=r.message"}, headers=RESULT)
        + service("b", inputs={"message": "two"}, outputs={"b": "=r.message"}, headers=RESULT)
        + END
        + chain("start", "a", "b", "end")
    )
    result = await run(xml, mock={ECHO: answer, "b": {"message": "fixed"}})
    assert result.variables == {"a": "ONE", "b": "fixed"}
    assert seen[0]["message"] == "one" and len(seen) == 1


@pytest.mark.parametrize("clock", ["real", "virtual"])
async def test_trace_reports_each_step(run: Any, clock: str) -> None:
    lines: list[str] = []
    xml = bpmn(
        START
        + service("a", headers=ECHO_HEADERS, inputs={"message": "m"})
        + END
        + chain("start", "a", "end")
    )
    await run(xml, trace=lines.append, clock=clock)
    assert lines == [
        "completed start",
        f"job {ECHO} of a started",
        f"job {ECHO} of a completed",
        "completed a",
        "completed end",
    ]


async def test_a_non_interrupting_timer_lets_the_task_finish(run: Any) -> None:
    async def slow(variables: dict[str, Any]) -> Any:
        await asyncio.sleep(0.4)
        return {"message": "late"}

    xml = bpmn(
        START
        + service("call", headers=RESULT)
        + '<bpmn:boundaryEvent id="reminder" attachedToRef="call" cancelActivity="false">'
        "<bpmn:timerEventDefinition><bpmn:timeDuration>PT0.1S</bpmn:timeDuration>"
        "</bpmn:timerEventDefinition></bpmn:boundaryEvent>"
        + script("remind", '"sent"', "reminded")
        + '<bpmn:endEvent id="reminded-end"/>'
        + END
        + chain("start", "call", "end")
        + chain("reminder", "remind", "reminded-end")
    )
    result = await run(xml, mock={"call": slow}, clock="real")
    assert result.state == "completed"
    assert result.path.index("reminded-end") < result.path.index("call")
    assert result.path[-1] == "end"
    assert result.variables == {"reminded": "sent", "r": {"message": "late"}}


async def test_a_terminate_end_event_ends_every_branch(run: Any) -> None:
    xml = bpmn(
        START
        + '<bpmn:parallelGateway id="fork"/>'
        + '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>"
        "</bpmn:intermediateCatchEvent>"
        + '<bpmn:intermediateThrowEvent id="note"/>'
        + '<bpmn:endEvent id="stop"><bpmn:terminateEventDefinition/></bpmn:endEvent>'
        + END
        + chain("start", "fork")
        + chain("fork", "wait", "end")
        + chain("fork", "note", "stop")
    )
    started = time.monotonic()
    result = await run(xml, clock="real")
    assert result.state == "completed"
    assert result.path == ["start", "fork", "note", "stop"]
    assert time.monotonic() - started < 5, "the waiting branch was terminated"


async def test_an_endless_loop_ends_in_an_incident(run: Any) -> None:
    xml = bpmn(
        START
        + script("count", "n + 1", "n")
        + '<bpmn:exclusiveGateway id="again" default="more"/>'
        + END
        + chain("start", "count", "again")
        + flow("again", "end", "=n &lt; 0")
        + flow("again", "count", id="more")
    )
    result = await run(xml, variables={"n": 0}, max_steps=300)
    assert result.state == "incident"
    assert result.incident is not None
    assert (result.incident.type, result.incident.element_id) in {
        ("STEP_LIMIT", "count"),
        ("STEP_LIMIT", "again"),
    }
    assert len(result.path) == 301


async def test_a_loop_deeper_than_spiffs_own_limit_completes(run: Any) -> None:
    # Spiff's task iterators stop 1,000 tasks deep; 700 turns are 1,400 elements.
    xml = bpmn(
        START
        + script("count", "n + 1", "n")
        + '<bpmn:exclusiveGateway id="again" default="more"/>'
        + END
        + chain("start", "count", "again")
        + flow("again", "end", "=n &gt;= 700")
        + flow("again", "count", id="more")
    )
    result = await run(xml, variables={"n": 0})
    assert result.state == "completed"
    assert result.variables == {"n": 700}
