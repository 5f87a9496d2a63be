"""Processes modelled for Activiti / APA: ``implementation`` service tasks, the extensions
JSON's mappings, JUEL conditions, declared error codes as BPMN errors."""

from __future__ import annotations

from typing import Any

import pytest
from engine_support import HEADER, SETTINGS

from tasklink.engine import ProcessDefinitionError
from tasklink.runtime import RuntimeSettings


def activiti(body: str, definitions: str = "") -> str:
    return (
        f'{HEADER}<bpmn:process id="Process_1" isExecutable="true">\n{body}\n'
        f"</bpmn:process>\n{definitions}</bpmn:definitions>\n"
    )


def flow(source: str, target: str, condition: str | None = None) -> str:
    inner = f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression>" if condition else ""
    return (
        f'<bpmn:sequenceFlow id="{source}-{target}" sourceRef="{source}" '
        f'targetRef="{target}">{inner}</bpmn:sequenceFlow>'
    )


ORDER_PROCESS = activiti(
    '<bpmn:startEvent id="start"/>'
    '<bpmn:serviceTask id="Task_1" implementation="echo.ECHO_MESSAGE"/>'
    '<bpmn:exclusiveGateway id="gw"/>'
    '<bpmn:endEvent id="many"/><bpmn:endEvent id="few"/>'
    + flow("start", "Task_1")
    + flow("Task_1", "gw")
    + flow("gw", "many", "${echoed &gt; 2 &amp;&amp; said == 'hello'}")
    + flow("gw", "few", "${!(echoed &gt; 2) || said != 'hello'}")
)

EXTENSIONS = {
    "id": "process-1",
    "extensions": {
        "Process_1": {
            "properties": {
                "p1": {"id": "p1", "name": "greeting", "type": "string", "value": "hello"},
                "p2": {"id": "p2", "name": "quantity", "type": "integer", "value": "1"},
            },
            "mappings": {
                "Task_1": {
                    "inputs": {
                        "message": {"type": "variable", "value": "greeting"},
                        "count": {"type": "value", "value": "${quantity}"},
                    },
                    "outputs": {
                        "said": {"type": "variable", "value": "message"},
                        "echoed": {"type": "variable", "value": "count"},
                    },
                }
            },
        }
    },
}


def _settings(**changes: Any) -> RuntimeSettings:
    return SETTINGS.model_copy(update=changes)


async def test_mappings_and_a_juel_condition(run: Any) -> None:
    few = await run(ORDER_PROCESS, extensions=EXTENSIONS)
    assert few.state == "completed"
    assert few.path == ["start", "Task_1", "gw", "few"]
    # The properties' values start the process; outputs land under the mapped names.
    assert few.variables == {"greeting": "hello", "quantity": 1, "said": "hello", "echoed": 1}
    many = await run(ORDER_PROCESS, extensions=EXTENSIONS, variables={"quantity": 5})
    assert many.path == ["start", "Task_1", "gw", "many"]


async def test_without_extensions_every_variable_goes_in_and_out(run: Any) -> None:
    result = await run(
        ORDER_PROCESS, engine="activiti", variables={"message": "hi", "count": 3, "x": 1}
    )
    # Every variable went in (the echo took its two), its outbound variables came back
    # under their own names.
    assert result.variables == {"message": "hi", "count": 3, "x": 1, "token": ""}
    # FEEL: `null != "hello"` is true, so the second flow is taken.
    assert result.path == ["start", "Task_1", "gw", "few"]


async def test_a_declared_error_code_is_a_bpmn_error_caught_by_code(run: Any) -> None:
    process = activiti(
        '<bpmn:startEvent id="start"/>'
        '<bpmn:serviceTask id="Task_1" implementation="echo.FAIL"/>'
        '<bpmn:boundaryEvent id="timed-out" attachedToRef="Task_1">'
        '<bpmn:errorEventDefinition errorRef="e1"/></bpmn:boundaryEvent>'
        '<bpmn:endEvent id="done"/><bpmn:endEvent id="gave-up"/>'
        + flow("start", "Task_1")
        + flow("Task_1", "done")
        + flow("timed-out", "gave-up"),
        '<bpmn:error id="e1" errorCode="TIMEOUT"/>',
    )
    # TIMEOUT is a core code every connector definition declares.
    caught = await run(
        process, engine="activiti", variables={"code": "TIMEOUT", "retryable": False}
    )
    assert caught.path == ["start", "timed-out", "gave-up"]
    # A code the connector definition does not declare leaves an incident (APA: the
    # task waits), after the retries.
    other = await run(
        process,
        engine="activiti",
        variables={"code": "ACME_BROKE", "retryable": True},
        settings=_settings(activiti={"retries": 2, "retry_backoff": 0}),
    )
    assert other.state == "incident"
    assert other.incident is not None
    assert (other.incident.type, other.incident.code) == ("JOB_NO_RETRIES", "ACME_BROKE")


async def test_a_bpmn_error_from_the_connector_is_caught(run: Any) -> None:
    process = activiti(
        '<bpmn:startEvent id="start"/>'
        '<bpmn:serviceTask id="Task_1" implementation="echo.THROW_BPMN"/>'
        '<bpmn:boundaryEvent id="caught" attachedToRef="Task_1">'
        "<bpmn:errorEventDefinition/></bpmn:boundaryEvent>"
        '<bpmn:endEvent id="done"/><bpmn:endEvent id="error-end"/>'
        + flow("start", "Task_1")
        + flow("Task_1", "done")
        + flow("caught", "error-end")
    )
    result = await run(process, engine="activiti", variables={"code": "REJECTED"})
    assert result.path == ["start", "caught", "error-end"]
    assert result.variables["thrown"] is True


async def test_an_implementation_nobody_serves_is_refused(run: Any) -> None:
    process = activiti(
        '<bpmn:startEvent id="start"/>'
        '<bpmn:serviceTask id="Task_1" implementation="crm.CREATE_LEAD"/>'
        '<bpmn:endEvent id="end"/>' + flow("start", "Task_1") + flow("Task_1", "end")
    )
    with pytest.raises(ProcessDefinitionError, match=r"'crm.CREATE_LEAD'.*echo.ECHO_MESSAGE"):
        await run(process)
    mocked = await run(process, mock={"crm.CREATE_LEAD": {"lead": "L-1"}})
    assert mocked.variables == {"lead": "L-1"}


async def test_a_broken_extensions_file_is_refused_before_the_run(run: Any) -> None:
    broken = {"extensions": {"Process_1": {"mappings": {"Task_1": {"inputs": {"x": 5}}}}}}
    with pytest.raises(ProcessDefinitionError, match=r"extensions\.mappings\.Task_1\.inputs\.x"):
        await run(ORDER_PROCESS, extensions=broken)


async def test_an_unsupported_juel_expression_is_refused(run: Any) -> None:
    process = ORDER_PROCESS.replace(
        "${echoed &gt; 2 &amp;&amp; said == 'hello'}", "${x.size() &gt; 2}"
    )
    with pytest.raises(ProcessDefinitionError, match="method and function calls"):
        await run(process, extensions=EXTENSIONS)
