"""``tasklink process run`` as a user runs it: the JSON on stdout, the trace on stderr,
the exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from engine_support import bpmn, chain, script

TASKLINK = str(Path(sys.executable).with_name("tasklink"))
PROCESS = bpmn(
    '<bpmn:startEvent id="start"/>'
    + script("double", "amount * 2", "doubled")
    + '<bpmn:exclusiveGateway id="gw" default="small"/>'
    + '<bpmn:endEvent id="end"/><bpmn:endEvent id="fail">'
    + '<bpmn:errorEventDefinition errorRef="e"/></bpmn:endEvent>'
    + chain("start", "double", "gw")
    + '<bpmn:sequenceFlow id="big" sourceRef="gw" targetRef="fail">'
    + "<bpmn:conditionExpression>=doubled &gt; 100</bpmn:conditionExpression></bpmn:sequenceFlow>"
    + '<bpmn:sequenceFlow id="small" sourceRef="gw" targetRef="end"/>',
    '<bpmn:error id="e" errorCode="TOO_BIG"/>',
)


def tasklink(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKLINK_")}
    return subprocess.run(
        [TASKLINK, "process", "run", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.fixture
def process(tmp_path: Path) -> Path:
    path = tmp_path / "double.bpmn"
    path.write_text(PROCESS)
    return path


def test_a_completed_process_prints_its_result_and_exits_0(process: Path) -> None:
    done = tasklink(str(process), "--variables", '{"amount": 21}', "--trace")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "state": "completed",
        "variables": {"amount": 21, "doubled": 42},
        "path": ["start", "double", "gw", "end"],
        "incident": None,
    }
    assert done.stderr.splitlines() == [
        "tasklink: completed start",
        "tasklink: completed double",
        "tasklink: completed gw",
        "tasklink: completed end",
    ]


def test_an_incident_exits_1(process: Path, tmp_path: Path) -> None:
    variables = tmp_path / "vars.json"
    variables.write_text('{"amount": 500}')
    done = tasklink(str(process), "--variables", f"@{variables}")
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["state"] == "incident"
    assert result["incident"]["type"] == "UNHANDLED_ERROR_EVENT"
    assert result["incident"]["elementId"] == "fail"
    assert done.stderr == ""


def test_variables_from_stdin(process: Path) -> None:
    done = tasklink(str(process), "--variables", "@-", stdin='{"amount": 1}')
    assert json.loads(done.stdout)["variables"]["doubled"] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.bpmn"], "cannot read"),
        (["{process}", "--variables", "[1]"], "--variables must be a JSON object"),
        (["{process}", "--variables", "{{"], "--variables is not valid JSON"),
        (["{unsupported}"], "element 'x' (line"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(
    process: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    unsupported = tmp_path / "unsupported.bpmn"
    unsupported.write_text(bpmn('<bpmn:userTask id="x"/>'))
    argv = [a.format(process=process, unsupported=unsupported) for a in args]
    done = tasklink(*argv)
    assert done.returncode == 2
    assert done.stdout == ""
    error = json.loads(done.stderr)
    assert error["code"] == "INVALID_INPUT"
    assert message in error["message"]


def test_the_process_command_is_listed_in_the_help() -> None:
    done = subprocess.run([TASKLINK, "--help"], capture_output=True, text=True, check=False)
    assert "process" in done.stdout
