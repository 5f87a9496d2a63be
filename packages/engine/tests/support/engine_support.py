"""Processes written compactly for the engine's tests, and the settings that serve the
test kit's fixture connectors (``echo``, ``upper``) instead of the installed ones."""

from __future__ import annotations

import itertools

from tasklink.runtime import RuntimeSettings

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" '
    'xmlns:activiti="http://activiti.org/bpmn" id="defs" targetNamespace="http://tasklink.io/test">\n'
)

ECHO = "tasklink-test:echo:1"


def bpmn(body: str, definitions: str = "", process_id: str = "p") -> str:
    """A definitions document with one executable process holding ``body``."""
    return (
        f'{HEADER}<bpmn:process id="{process_id}" isExecutable="true">\n{body}\n'
        f"</bpmn:process>\n{definitions}</bpmn:definitions>\n"
    )


def flow(source: str, target: str, condition: str | None = None, id: str | None = None) -> str:
    name = id or f"{source}-{target}"
    if condition is None:
        return f'<bpmn:sequenceFlow id="{name}" sourceRef="{source}" targetRef="{target}"/>'
    return (
        f'<bpmn:sequenceFlow id="{name}" sourceRef="{source}" targetRef="{target}">'
        f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>"
    )


def service(
    id: str,
    *,
    job_type: str = ECHO,
    retries: int | str = 3,
    inputs: dict[str, str] | None = None,
    outputs: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> str:
    """A service task; ``inputs`` / ``outputs`` map targets to sources."""
    mapping = "".join(
        f'<zeebe:input source="{_attr(s)}" target="{t}"/>' for t, s in (inputs or {}).items()
    ) + "".join(
        f'<zeebe:output source="{_attr(s)}" target="{t}"/>' for t, s in (outputs or {}).items()
    )
    head = "".join(
        f'<zeebe:header key="{k}" value="{_attr(v)}"/>' for k, v in (headers or {}).items()
    )
    return (
        f'<bpmn:serviceTask id="{id}"><bpmn:extensionElements>'
        f'<zeebe:taskDefinition type="{job_type}" retries="{retries}"/>'
        + (f"<zeebe:ioMapping>{mapping}</zeebe:ioMapping>" if mapping else "")
        + (f"<zeebe:taskHeaders>{head}</zeebe:taskHeaders>" if head else "")
        + "</bpmn:extensionElements></bpmn:serviceTask>"
    )


def script(id: str, expression: str, result: str) -> str:
    return (
        f'<bpmn:scriptTask id="{id}"><bpmn:extensionElements>'
        f'<zeebe:script expression="{_attr(expression)}" resultVariable="{result}"/>'
        "</bpmn:extensionElements></bpmn:scriptTask>"
    )


def _attr(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


def chain(*ids: str) -> str:
    """Flows from each id to the next."""
    return "".join(flow(a, b) for a, b in itertools.pairwise(ids))


SETTINGS = RuntimeSettings(
    load=("tasklink.testing.fixtures:echo", "tasklink.testing.fixtures:upper"),
    discover=False,
    vendor_contracts=("all",),
)
