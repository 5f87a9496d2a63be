"""Reading a BPMN file into SpiffWorkflow specs, for Camunda 8 or Activiti / APA.

SpiffWorkflow's parser does the BPMN; this module adds three things:

* an up-front check that refuses every element the embedded engine does not run, by
  id and line (Spiff would ignore some and treat others its own way);
* a *dialect* per engine: how extension elements, conditions and timers are written
  (Zeebe's ``zeebe:*`` elements and FEEL; Activiti's ``implementation`` and JUEL);
* the engine's own task specs and event definitions (:mod:`._specs`).

XML is read without entities, DTDs or network access.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser, full_tag
from SpiffWorkflow.bpmn.parser.event_parsers import (
    BoundaryEventParser,
    EndEventParser,
    IntermediateCatchEventParser,
    IntermediateThrowEventParser,
    StartEventParser,
)
from SpiffWorkflow.bpmn.parser.task_parsers import (
    ConditionalGatewayParser,
    GatewayParser,
    SubWorkflowParser,
)
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.parser.util import first
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import (
    BoundaryEvent,
    EndEvent,
    ExclusiveGateway,
    InclusiveGateway,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    ParallelGateway,
    StartEvent,
)

from ._errors import ProcessDefinitionError
from ._expressions import Expression
from ._juel import JuelError, juel_to_feel
from ._specs import (
    DateTimer,
    DurationTimer,
    ElementExtensions,
    ErrorDefinition,
    ExpressionScriptTask,
    IoMapping,
    JobTask,
    PassThroughTask,
    ScopedSubprocess,
)

__all__ = ["ACTIVITI", "CAMUNDA", "Definition", "Dialect", "load_definition"]

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
_NS = {"bpmn": BPMN_NS, "zeebe": ZEEBE_NS}

# Flow elements the engine runs, and the parts they may contain. Everything else in a
# process is refused up front: skipping an element would run a different process.
_FLOW_NODES = {
    "startEvent",
    "endEvent",
    "serviceTask",
    "scriptTask",
    "task",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "subProcess",
    "boundaryEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
}
_ARTIFACTS = {"sequenceFlow", "textAnnotation", "association", "group", "laneSet"}
_PARTS = {
    "incoming",
    "outgoing",
    "extensionElements",
    "documentation",
    "conditionExpression",
    "timerEventDefinition",
    "errorEventDefinition",
    "terminateEventDefinition",
    "timeDuration",
    "timeDate",
    "text",
    "lane",
    "flowNodeRef",
    "childLaneSet",
}
# Which event definitions each event may carry (none: the plain event).
_EVENT_DEFINITIONS = {
    "startEvent": set(),
    "endEvent": {"errorEventDefinition", "terminateEventDefinition"},
    "intermediateThrowEvent": set(),
    "intermediateCatchEvent": {"timerEventDefinition"},
    "boundaryEvent": {"errorEventDefinition", "timerEventDefinition"},
}
_ZEEBE_ELEMENTS = {
    "taskDefinition",
    "ioMapping",
    "input",
    "output",
    "taskHeaders",
    "header",
    "script",
    "properties",
    "property",
    "versionTag",
}

SUPPORTED_ELEMENTS = tuple(sorted(_FLOW_NODES))


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _namespace(tag: Any) -> str | None:
    return etree.QName(tag).namespace if isinstance(tag, str) else None


def _owner(node: Any) -> Any:
    """The nearest element with an id: what a message names."""
    while node is not None and node.get("id") is None:
        node = node.getparent()
    return node


def _refuse(node: Any, message: str) -> ProcessDefinitionError:
    owner = _owner(node)
    return ProcessDefinitionError(
        message,
        element_id=owner.get("id") if owner is not None else None,
        line=node.sourceline,
    )


# -- dialects -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Dialect:
    """How one engine writes what BPMN leaves open."""

    name: str
    extensions: Callable[[Any], ElementExtensions]
    expression: Callable[[str, Any], Expression]  # a condition, or a timer's value
    service_task: Callable[[Any], str | None]  # what a service task lacks, or None


def _feel(text: str, node: Any, *, feel: bool = False) -> Expression:
    try:
        return Expression.parse(text, feel=feel)
    except Exception as exc:  # tasklink.feel.FeelSyntaxError, with line and column
        raise _refuse(node, f"invalid expression {text.strip()!r}: {exc}") from None


def _zeebe(node: Any, path: str) -> list[Any]:
    found: list[Any] = node.xpath(f"./bpmn:extensionElements/{path}", namespaces=_NS)
    return found


def _camunda_extensions(node: Any) -> ElementExtensions:
    definition = first(_zeebe(node, "zeebe:taskDefinition"))
    job_type = retries = None
    if definition is not None:
        if definition.get("type"):
            job_type = _feel(definition.get("type"), definition)
        retries = _feel(definition.get("retries", "3"), definition)
    headers = {
        h.get("key", ""): h.get("value", "") for h in _zeebe(node, "zeebe:taskHeaders/zeebe:header")
    }

    def mappings(kind: str) -> tuple[IoMapping, ...]:
        found = []
        for item in _zeebe(node, f"zeebe:ioMapping/zeebe:{kind}"):
            target = item.get("target")
            if not target:
                raise _refuse(item, f"zeebe:{kind} needs a target")
            found.append(IoMapping(_feel(item.get("source", "=null"), item), target))
        return tuple(found)

    script_node = first(_zeebe(node, "zeebe:script"))
    script = result_variable = None
    if script_node is not None:
        script = _feel(script_node.get("expression", ""), script_node, feel=True)
        result_variable = script_node.get("resultVariable")
    return ElementExtensions(
        job_type=job_type,
        retries=retries,
        headers=headers,
        inputs=mappings("input"),
        outputs=mappings("output"),
        script=script,
        result_variable=result_variable,
        line=node.sourceline,
    )


def _camunda_service_task(node: Any) -> str | None:
    definition = first(_zeebe(node, "zeebe:taskDefinition"))
    if definition is None or not definition.get("type"):
        return "a service task needs zeebe:taskDefinition with a type"
    return None


def _activiti_extensions(node: Any) -> ElementExtensions:
    return ElementExtensions(implementation=node.get("implementation"), line=node.sourceline)


def _activiti_service_task(node: Any) -> str | None:
    if not node.get("implementation"):
        return 'a service task needs implementation="<connector>.<ACTION>"'
    return None


def _juel(text: str, node: Any) -> Expression:
    try:
        translated = juel_to_feel(text)
    except JuelError as exc:
        raise _refuse(node, f"expression {text.strip()!r}: {exc}") from None
    if translated is None:
        return Expression(text.strip())
    return _feel(translated, node, feel=True)


CAMUNDA = Dialect("camunda", _camunda_extensions, _feel, _camunda_service_task)
ACTIVITI = Dialect("activiti", _activiti_extensions, _juel, _activiti_service_task)


# -- the up-front check ---------------------------------------------------------------------


def _walk(node: Any) -> Iterator[Any]:
    for child in node:
        if isinstance(child.tag, str):
            yield child


def _check_node(node: Any, dialect: Dialect) -> None:
    name = _local(node.tag)
    if _namespace(node.tag) != BPMN_NS:
        return
    if name not in _FLOW_NODES and name not in _ARTIFACTS:
        raise _refuse(
            node,
            f"bpmn:{name} is not supported by the embedded engine "
            f"(supported: {', '.join(SUPPORTED_ELEMENTS)})",
        )
    if name == "subProcess" and node.get("triggeredByEvent") == "true":
        raise _refuse(node, "event subprocesses are not supported by the embedded engine")
    if name in _EVENT_DEFINITIONS:
        for child in _walk(node):
            kind = _local(child.tag)
            if kind.endswith("EventDefinition") and kind not in _EVENT_DEFINITIONS[name]:
                raise _refuse(child, f"a bpmn:{name} with bpmn:{kind} is not supported")
            if (
                kind == "timerEventDefinition"
                and first(child.xpath("./bpmn:timeCycle", namespaces=_NS)) is not None
            ):
                raise _refuse(child, "timer cycles are not supported (durations and dates are)")
    if name == "serviceTask":
        missing = dialect.service_task(node)
        if missing:
            raise _refuse(node, missing)
    if name == "scriptTask" and dialect is CAMUNDA and not _zeebe(node, "zeebe:script"):
        raise _refuse(node, "a script task needs zeebe:script with a FEEL expression")
    if name == "scriptTask" and dialect is ACTIVITI:
        raise _refuse(node, "Activiti script tasks are not supported by the embedded engine")
    if name == "sequenceFlow" and node.xpath("./bpmn:conditionExpression", namespaces=_NS):
        source = node.getparent().xpath("./*[@id=$ref]", ref=node.get("sourceRef"), namespaces=_NS)
        if source and _local(source[0].tag) not in ("exclusiveGateway", "inclusiveGateway"):
            raise _refuse(node, "conditions are supported on flows out of gateways only")
    for child in _walk(node):
        kind = _local(child.tag)
        if kind == "extensionElements":
            _check_extensions(child, dialect)
        elif _namespace(child.tag) != BPMN_NS or kind in _PARTS:
            continue
        elif name == "subProcess":
            _check_node(child, dialect)  # the subprocess's own flow elements
        else:
            raise _refuse(child, f"bpmn:{kind} is not supported by the embedded engine")


def _check_extensions(node: Any, dialect: Dialect) -> None:
    for child in node.iter():
        if not isinstance(child.tag, str) or _namespace(child.tag) != ZEEBE_NS:
            continue
        if dialect is CAMUNDA and _local(child.tag) not in _ZEEBE_ELEMENTS:
            raise _refuse(
                child, f"zeebe:{_local(child.tag)} is not supported by the embedded engine"
            )


def _check_supported(process: Any, dialect: Dialect) -> None:
    for child in _walk(process):
        if _local(child.tag) == "extensionElements":
            _check_extensions(child, dialect)
            continue
        if _local(child.tag) != "documentation":
            _check_node(child, dialect)


# -- Spiff parsers ------------------------------------------------------------------------


class _Reads:
    """Extension elements and conditions through the parser's dialect."""

    node: Any
    process_parser: Any

    def _dialect(self) -> Dialect:
        dialect: Dialect = self.process_parser.parser.dialect
        return dialect

    def parse_extensions(self, node: Any = None) -> ElementExtensions:
        return self._dialect().extensions(node if node is not None else self.node)

    def parse_condition(self, sequence_flow: Any) -> Expression | None:
        found = first(sequence_flow.xpath("./bpmn:conditionExpression", namespaces=_NS))
        if found is None or not (found.text or "").strip():
            return None
        expression = self._dialect().expression(found.text, sequence_flow)
        if expression.is_static:
            raise _refuse(sequence_flow, f"the condition {found.text!r} is not an expression")
        return expression


class _Events(_Reads):
    """Timers and errors as the engine's own definitions."""

    def parse_timer_event(self, event: Any) -> Any:
        name = self.node.get("name", self.node.get("id"))
        for kind, cls in (("timeDuration", DurationTimer), ("timeDate", DateTimer)):
            found = first(event.xpath(f"./bpmn:{kind}", namespaces=_NS))
            if found is not None:
                text = (found.text or "").strip()
                if not text:
                    raise _refuse(found, f"bpmn:{kind} is empty")
                return cls(name, self._dialect().expression(text, found))
        raise _refuse(event, "a timer needs bpmn:timeDuration or bpmn:timeDate")

    def parse_error_event(self, error_event: Any) -> Any:
        ref = error_event.get("errorRef")
        if not ref:
            return ErrorDefinition("any error", None)
        error = self.process_parser.parser.errors.get(ref)
        if error is None:
            raise _refuse(error_event, f"errorRef {ref!r} names no bpmn:error")
        return ErrorDefinition(error.get("name") or ref, error.get("error_code"))


class _TaskParser(_Reads, TaskParser):  # type: ignore[misc]
    pass


class _GatewayParser(_Reads, GatewayParser):  # type: ignore[misc]
    pass


class _ConditionalGatewayParser(_Reads, ConditionalGatewayParser):  # type: ignore[misc]
    pass


class _SubprocessParser(_Reads, SubWorkflowParser):  # type: ignore[misc]
    pass


class _StartParser(_Events, StartEventParser):  # type: ignore[misc]
    pass


class _EndParser(_Events, EndEventParser):  # type: ignore[misc]
    pass


class _CatchParser(_Events, IntermediateCatchEventParser):  # type: ignore[misc]
    pass


class _ThrowParser(_Events, IntermediateThrowEventParser):  # type: ignore[misc]
    pass


class _BoundaryParser(_Events, BoundaryEventParser):  # type: ignore[misc]
    pass


class _EngineParser(BpmnParser):  # type: ignore[misc]
    PARSER_CLASSES = {
        full_tag("startEvent"): (_StartParser, StartEvent),
        full_tag("endEvent"): (_EndParser, EndEvent),
        full_tag("task"): (_TaskParser, PassThroughTask),
        full_tag("serviceTask"): (_TaskParser, JobTask),
        full_tag("scriptTask"): (_TaskParser, ExpressionScriptTask),
        full_tag("subProcess"): (_SubprocessParser, ScopedSubprocess),
        full_tag("exclusiveGateway"): (_ConditionalGatewayParser, ExclusiveGateway),
        full_tag("inclusiveGateway"): (_ConditionalGatewayParser, InclusiveGateway),
        full_tag("parallelGateway"): (_GatewayParser, ParallelGateway),
        full_tag("intermediateCatchEvent"): (_CatchParser, IntermediateCatchEvent),
        full_tag("intermediateThrowEvent"): (_ThrowParser, IntermediateThrowEvent),
        full_tag("boundaryEvent"): (_BoundaryParser, BoundaryEvent),
    }

    def __init__(self, dialect: Dialect) -> None:
        super().__init__()
        self.dialect = dialect


# -- loading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Definition:
    """A parsed process: Spiff's specs plus what the engine checks before a run."""

    process_id: str
    dialect: Dialect
    spec: Any
    subprocess_specs: dict[str, Any]

    def task_specs(self) -> Iterator[Any]:
        """Every task spec, the subprocesses' included."""
        yield from self.spec.task_specs.values()
        for sub in self.subprocess_specs.values():
            yield from sub.task_specs.values()


def _read_xml(source: str | bytes | Path) -> Any:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        if isinstance(source, Path):
            data = source.read_bytes()
        elif isinstance(source, str):
            data = source.encode("utf-8")
        else:
            data = source
        return etree.fromstring(data, parser)
    except OSError as exc:
        raise ProcessDefinitionError(f"cannot read {source!s}: {exc.strerror or exc}") from None
    except etree.XMLSyntaxError as exc:
        raise ProcessDefinitionError(f"not well-formed XML: {exc}") from None


def _choose_process(root: Any, process_id: str | None) -> Any:
    processes = root.xpath("./bpmn:process", namespaces=_NS)
    if not processes:
        raise ProcessDefinitionError("no bpmn:process in the file (is it BPMN 2.0 XML?)")
    if process_id is not None:
        for process in processes:
            if process.get("id") == process_id:
                return process
        known = ", ".join(p.get("id") for p in processes)
        raise ProcessDefinitionError(f"no process {process_id!r} (the file has: {known})")
    executable = [p for p in processes if p.get("isExecutable", "true") == "true"]
    if len(executable) != 1:
        known = ", ".join(p.get("id") for p in processes)
        raise ProcessDefinitionError(
            f"the file has {len(executable)} executable processes ({known}): choose one"
        )
    return executable[0]


def _detect(process: Any) -> Dialect:
    """Activiti when service tasks name an ``implementation`` and nothing is Zeebe's."""
    if process.xpath(".//zeebe:*", namespaces=_NS):
        return CAMUNDA
    if process.xpath(".//bpmn:serviceTask[@implementation]", namespaces=_NS):
        return ACTIVITI
    return CAMUNDA


def load_definition(
    source: str | bytes | Path, dialect: Dialect | None = None, *, process_id: str | None = None
) -> Definition:
    """Parse and check ``source`` (a path, or the XML itself) for ``dialect`` (detected
    when ``None``); raises :class:`ProcessDefinitionError` for anything the engine
    cannot run."""
    root = _read_xml(source)
    if _local(root.tag) != "definitions" or _namespace(root.tag) != BPMN_NS:
        raise ProcessDefinitionError("the document is not BPMN 2.0 (no bpmn:definitions)")
    process = _choose_process(root, process_id)
    if dialect is None:
        dialect = _detect(process)
    _check_supported(process, dialect)
    parser = _EngineParser(dialect)
    name = str(source) if isinstance(source, Path) else "<bpmn>"
    try:
        parser.add_bpmn_xml(etree.ElementTree(root), filename=name)
        pid = process.get("id")
        spec = parser.get_spec(pid)
        subprocesses = parser.get_subprocess_specs(pid)
    except ProcessDefinitionError:
        raise
    except ValidationException as exc:
        raise ProcessDefinitionError(
            str(exc.args[0] if exc.args else exc),
            element_id=getattr(exc, "id", None) or None,
            line=getattr(exc, "line_number", None) or None,
        ) from None
    return Definition(pid, dialect, spec, subprocesses)
