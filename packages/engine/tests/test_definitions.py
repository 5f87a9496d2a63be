"""What the engine refuses before anything runs: unreadable files, unsupported elements
(named by id and line), bad expressions, job types nobody serves."""

from __future__ import annotations

from typing import Any

import pytest
from engine_support import ECHO, bpmn, chain, service

from tasklink.engine import ProcessDefinitionError

START = '<bpmn:startEvent id="start"/>'
END = '<bpmn:endEvent id="end"/>'


@pytest.mark.parametrize(
    ("element", "refused"),
    [
        ('<bpmn:userTask id="x"/>', "bpmn:userTask is not supported"),
        ('<bpmn:callActivity id="x" calledElement="other"/>', "bpmn:callActivity"),
        ('<bpmn:receiveTask id="x"/>', "bpmn:receiveTask"),
        ('<bpmn:eventBasedGateway id="x"/>', "bpmn:eventBasedGateway"),
        (
            '<bpmn:intermediateCatchEvent id="x"><bpmn:messageEventDefinition/>'
            "</bpmn:intermediateCatchEvent>",
            "bpmn:messageEventDefinition is not supported",
        ),
        (
            '<bpmn:intermediateCatchEvent id="x"><bpmn:timerEventDefinition>'
            "<bpmn:timeCycle>R3/PT1M</bpmn:timeCycle></bpmn:timerEventDefinition>"
            "</bpmn:intermediateCatchEvent>",
            "timer cycles are not supported",
        ),
        (
            '<bpmn:subProcess id="x" triggeredByEvent="true"/>',
            "event subprocesses are not supported",
        ),
        (
            '<bpmn:serviceTask id="x"><bpmn:multiInstanceLoopCharacteristics/>'
            "<bpmn:extensionElements><zeebe:taskDefinition type='t:1'/></bpmn:extensionElements>"
            "</bpmn:serviceTask>",
            "bpmn:multiInstanceLoopCharacteristics is not supported",
        ),
        (
            '<bpmn:serviceTask id="x"><bpmn:extensionElements><zeebe:taskDefinition type="t:1"/>'
            "<zeebe:executionListeners/></bpmn:extensionElements></bpmn:serviceTask>",
            "zeebe:executionListeners is not supported",
        ),
        ('<bpmn:serviceTask id="x"/>', "needs zeebe:taskDefinition with a type"),
        ('<bpmn:scriptTask id="x"/>', "needs zeebe:script"),
    ],
)
async def test_an_unsupported_element_is_refused_with_its_id_and_line(
    run: Any, element: str, refused: str
) -> None:
    xml = bpmn(START + "\n" + element + END + chain("start", "end"))
    with pytest.raises(ProcessDefinitionError) as caught:
        await run(xml)
    assert refused in str(caught.value)
    assert caught.value.element_id == "x"
    assert caught.value.line == 5
    assert str(caught.value).startswith("element 'x' (line 5): ")


async def test_an_unsupported_element_inside_a_subprocess_is_refused(run: Any) -> None:
    xml = bpmn(
        START
        + '<bpmn:subProcess id="sub"><bpmn:startEvent id="s"/>'
        + '<bpmn:manualTask id="inner"/></bpmn:subProcess>'
        + END
        + chain("start", "sub", "end")
    )
    with pytest.raises(ProcessDefinitionError, match=r"element 'inner'.*bpmn:manualTask"):
        await run(xml)


async def test_a_condition_on_a_flow_out_of_a_task_is_refused(run: Any) -> None:
    xml = bpmn(
        START
        + '<bpmn:sequenceFlow id="f" sourceRef="start" targetRef="end">'
        + "<bpmn:conditionExpression>=true</bpmn:conditionExpression></bpmn:sequenceFlow>"
        + END
    )
    with pytest.raises(ProcessDefinitionError, match=r"element 'f'.*out of gateways only"):
        await run(xml)


@pytest.mark.parametrize(
    ("body", "refused"),
    [
        (service("x", inputs={"a": "=1 +"}), "element 'x'"),
        (service("x", headers={"resultVariable": "r"}, inputs={"a": "=(("}), "invalid expression"),
    ],
)
async def test_invalid_feel_is_refused_up_front(run: Any, body: str, refused: str) -> None:
    xml = bpmn(START + body + END + chain("start", "x", "end"))
    with pytest.raises(ProcessDefinitionError, match=refused):
        await run(xml)


async def test_a_job_type_nobody_serves_is_refused_unless_mocked(run: Any) -> None:
    xml = bpmn(START + service("x", job_type="acme:crm:1") + END + chain("start", "x", "end"))
    with pytest.raises(ProcessDefinitionError) as caught:
        await run(xml)
    message = str(caught.value)
    assert "no installed connector serves job type 'acme:crm:1'" in message
    assert ECHO in message and caught.value.element_id == "x"
    result = await run(xml, mock={"acme:crm:1": {}})
    assert result.state == "completed"


@pytest.mark.parametrize(
    ("document", "refused"),
    [
        ("<unclosed>", "not well-formed XML"),
        ("<root/>", "not BPMN 2.0"),
        (
            '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"/>',
            "no bpmn:process",
        ),
    ],
)
async def test_a_document_that_is_not_bpmn_is_refused(
    run: Any, document: str, refused: str
) -> None:
    with pytest.raises(ProcessDefinitionError, match=refused):
        await run(document)


async def test_a_missing_file_is_refused(run: Any, tmp_path: Any) -> None:
    with pytest.raises(ProcessDefinitionError, match=r"cannot read .*missing.bpmn"):
        await run(tmp_path / "missing.bpmn")


async def test_external_entities_are_never_read(run: Any, tmp_path: Any) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xml = bpmn(
        START
        + '<bpmn:scriptTask id="x"><bpmn:extensionElements>'
        + '<zeebe:script expression="=&quot;&xxe;&quot;" resultVariable="leak"/>'
        + "</bpmn:extensionElements></bpmn:scriptTask>"
        + END
        + chain("start", "x", "end")
    ).replace(
        "<bpmn:definitions",
        f'<!DOCTYPE d [<!ENTITY xxe SYSTEM "file://{secret}">]>\n<bpmn:definitions',
        1,
    )
    try:
        result = await run(xml)
    except ProcessDefinitionError:
        return  # refused: fine
    assert "TOP-SECRET" not in str(result.to_json())


async def test_several_executable_processes_need_a_choice(run: Any) -> None:
    one = bpmn(START + END + chain("start", "end"))
    two = one.replace(
        "</bpmn:definitions>",
        '<bpmn:process id="q" isExecutable="true"><bpmn:startEvent id="qs"/>'
        '<bpmn:endEvent id="qe"/>' + chain("qs", "qe") + "</bpmn:process></bpmn:definitions>",
    )
    with pytest.raises(ProcessDefinitionError, match="2 executable processes"):
        await run(two)
    assert (await run(two, process_id="q")).path == ["qs", "qe"]
    with pytest.raises(ProcessDefinitionError, match="no process 'r'"):
        await run(two, process_id="r")


async def test_an_engine_keeps_parsed_processes_until_the_file_changes(tmp_path: Any) -> None:
    from engine_support import SETTINGS

    from tasklink.engine import ProcessEngine

    path = tmp_path / "p.bpmn"
    path.write_text(bpmn(START + END + chain("start", "end")))
    async with ProcessEngine(settings=SETTINGS, secrets={}) as engine:
        first = engine.load(path)
        assert engine.load(path) is first
        assert (await engine.run(path)).path == ["start", "end"]
        assert (await engine.run(path)).path == ["start", "end"]
        path.write_text(bpmn('<bpmn:startEvent id="begin"/>' + END + chain("begin", "end")))
        assert engine.load(path) is not first
        assert (await engine.run(path)).path == ["begin", "end"]
