"""The TCK runner on a small, self-made model (independent of the shared kit)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tasklink.feel.tck import run_tck

_MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" name="mini" namespace="x">
  <itemDefinition name="tNumbers" isCollection="true"><typeRef>number</typeRef></itemDefinition>
  <inputData name="Applicant Age" id="_age"><variable name="Applicant Age" typeRef="number"/></inputData>
  <inputData name="Scores" id="_scores"><variable name="Scores" typeRef="tNumbers"/></inputData>
  <decision name="literal" id="_literal">
    <variable name="literal"/>
    <literalExpression><text>Applicant Age + 1</text></literalExpression>
  </decision>
  <decision name="boxed" id="_boxed">
    <variable name="boxed"/>
    <context>
      <contextEntry><variable name="a"/><literalExpression><text>sum(Scores)</text></literalExpression></contextEntry>
      <contextEntry><literalExpression><text>a * 2</text></literalExpression></contextEntry>
    </context>
  </decision>
  <businessKnowledgeModel name="double" id="_double">
    <variable name="double"/>
    <encapsulatedLogic>
      <formalParameter name="n" typeRef="number"/>
      <literalExpression><text>n * 2</text></literalExpression>
    </encapsulatedLogic>
  </businessKnowledgeModel>
  <decision name="invoked" id="_invoked">
    <variable name="invoked"/>
    <invocation>
      <literalExpression><text>double</text></literalExpression>
      <binding><parameter name="n"/><literalExpression><text>21</text></literalExpression></binding>
    </invocation>
  </decision>
  <decision name="table" id="_table">
    <variable name="table" typeRef="string"/>
    <decisionTable hitPolicy="UNIQUE">
      <input><inputExpression typeRef="number"><text>Applicant Age</text></inputExpression></input>
      <output name="band"/>
      <rule><inputEntry><text>&lt; 18</text></inputEntry><outputEntry><text>"minor"</text></outputEntry></rule>
      <rule><inputEntry><text>[18..65)</text></inputEntry><outputEntry><text>"adult"</text></outputEntry></rule>
      <rule><inputEntry><text>&gt;= 65</text></inputEntry><outputEntry><text>"senior"</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <decision name="collected" id="_collected">
    <variable name="collected"/>
    <decisionTable hitPolicy="COLLECT" aggregation="SUM">
      <input><inputExpression><text>Applicant Age</text></inputExpression></input>
      <output name="points"/>
      <rule><inputEntry><text>&gt; 10</text></inputEntry><outputEntry><text>1</text></outputEntry></rule>
      <rule><inputEntry><text>&gt; 20</text></inputEntry><outputEntry><text>2</text></outputEntry></rule>
      <rule><inputEntry><text>-</text></inputEntry><outputEntry><text>4</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <decision name="wrong type" id="_wrong">
    <variable name="wrong type" typeRef="number"/>
    <literalExpression><text>"not a number"</text></literalExpression>
  </decision>
</definitions>
"""

_TESTS = """<?xml version="1.0" encoding="UTF-8"?>
<testCases xmlns="http://www.omg.org/spec/DMN/20160719/testcase"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
           xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <testCase id="1">
    <inputNode name="Applicant Age"><value xsi:type="xsd:decimal">30</value></inputNode>
    <inputNode name="Scores"><list>
      <item><value xsi:type="xsd:decimal">1</value></item>
      <item><value xsi:type="xsd:decimal">2</value></item>
    </list></inputNode>
    <resultNode name="literal"><expected><value xsi:type="xsd:decimal">31</value></expected></resultNode>
    <resultNode name="boxed"><expected><value xsi:type="xsd:decimal">6</value></expected></resultNode>
    <resultNode name="invoked"><expected><value xsi:type="xsd:decimal">42</value></expected></resultNode>
    <resultNode name="table"><expected><value xsi:type="xsd:string">adult</value></expected></resultNode>
    <resultNode name="collected"><expected><value xsi:type="xsd:decimal">7</value></expected></resultNode>
    <resultNode name="wrong type"><expected><value xsi:nil="true"/></expected></resultNode>
    <resultNode name="literal"><expected><value xsi:type="xsd:decimal">999</value></expected></resultNode>
  </testCase>
  <testCase id="2">
    <inputNode name="Applicant Age"><value xsi:type="xsd:decimal">70</value></inputNode>
    <resultNode name="table"><expected><value xsi:type="xsd:string">senior</value></expected></resultNode>
  </testCase>
</testCases>
"""


def _make_kit(root: Path) -> Path:
    folder = root / "0001-mini"
    folder.mkdir()
    (folder / "0001-mini.dmn").write_text(_MODEL, encoding="utf-8")
    (folder / "0001-mini-test-01.xml").write_text(_TESTS, encoding="utf-8")
    return root


def test_runner_counts_passes_and_failures(tmp_path: Path) -> None:
    result = run_tck(_make_kit(tmp_path))
    assert [d.name for d in result.directories] == ["0001-mini"]
    # 8 result nodes; the deliberately wrong expectation (999) fails.
    assert (result.passed, result.total) == (7, 8), result.directories[0].failures
    assert "expected 999, got 31" in result.directories[0].failures[0]
    assert result.summary_line() == "TCK total: 7/8 result nodes passed (87.5%)"


def test_runner_command_line(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tasklink.feel.tck", str(_make_kit(tmp_path))],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert out == ["0001-mini: 7/8 passed", "TCK total: 7/8 result nodes passed (87.5%)"]
