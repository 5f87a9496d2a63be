"""Activiti Cloud's connector messages: integration requests in, results and errors out.

Pure functions over JSON documents, no broker. A result is the request with its
integration context's ``outBoundVariables`` filled; an error adds ``errorCode``,
``errorMessage``, ``errorClassName`` and ``stackTraceElements``. An error whose class is
Activiti's ``CloudBpmnError`` is thrown into the process as a BPMN error with its
``errorCode`` (:func:`error_class` decides which are). See, in
Activiti/activiti-cloud, ``IntegrationResultBuilder`` / ``IntegrationErrorBuilder`` of
``activiti-cloud-starter-connector`` (headers ``targetAppName``, ``targetService``,
``resultDestination``, ``errorDestination``) and ``IntegrationErrorImpl``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from tasklink.core import (
    BpmnErrorThrown,
    Connector,
    DocumentStore,
    ErrorCode,
    Failed,
    InputError,
    Job,
    JobInfo,
    Operation,
    VendorContract,
    decode_variables,
)

__all__ = [
    "CLOUD_BPMN_ERROR",
    "CONNECTOR_ERROR_CLASS",
    "INPUT_ERROR_CLASS",
    "IntegrationRequest",
    "UnusableMessageError",
    "declared_errors",
    "error_class",
    "error_document",
    "job_for",
    "outbound_variables",
    "parse_request",
    "result_document",
    "stack_trace",
]

# The engine throws a BPMN error (caught by error boundary events by errorCode) only when
# errorClassName equals this class name; any other name leaves the task waiting.
# Activiti/activiti-cloud: activiti-cloud-api/activiti-cloud-api-process-model/src/main/java/
#   org/activiti/cloud/api/process/model/CloudBpmnError.java, compared in
#   activiti-cloud-runtime-bundle-service/.../connectors/channel/
#   ServiceTaskIntegrationErrorEventHandler.java:
#   ``if (CloudBpmnError.class.getName().equals(errorClassName))``; then
#   PropagateCloudBpmnErrorCmd calls ErrorPropagation.propagateError(errorCode, execution)
#   (errorMessage when errorCode is null). When no boundary event or error start event
#   catches the code, the handler falls back to what it does for any other class: the
#   integration context is deleted, an integration error event recorded, the task waits.
CLOUD_BPMN_ERROR = "org.activiti.cloud.api.process.model.CloudBpmnError"
CONNECTOR_ERROR_CLASS = "tasklink.core.ConnectorError"
INPUT_ERROR_CLASS = "tasklink.core.InputError"

_DESTINATION = re.compile(r"^[A-Za-z0-9_.:\-]{1,255}$")


class UnusableMessageError(ValueError):
    """The message cannot be answered at all: it is dead-lettered with this reason."""


@dataclass(frozen=True, slots=True)
class IntegrationRequest:
    """A parsed request: the raw document plus where its result and error go."""

    raw: dict[str, Any]
    context: dict[str, Any]
    error_destination: str
    result_destination: str | None

    @property
    def context_id(self) -> str | None:
        value = self.context.get("id")
        return value if isinstance(value, str) else None

    @property
    def connector_type(self) -> str | None:
        value = self.context.get("connectorType")
        return value if isinstance(value, str) and value else None

    def headers(self) -> dict[str, str]:
        """The headers Activiti's connector starter sets on results and errors."""
        out: dict[str, str] = {}
        for header, key in (
            ("targetAppName", "appName"),
            ("targetService", "serviceFullName"),
            ("resultDestination", "resultDestination"),
            ("errorDestination", "errorDestination"),
        ):
            value = self.raw.get(key)
            if isinstance(value, str) and value:
                out[header] = value
        return out


def _destination(data: Mapping[str, Any], key: str, fallback: str, separator: str) -> str | None:
    value = data.get(key)
    if isinstance(value, str) and value:
        return value if _DESTINATION.match(value) else None
    service = data.get("serviceFullName")
    if isinstance(service, str) and service:
        name = f"{fallback}{separator}{service}"
        return name if _DESTINATION.match(name) else None
    return None


def parse_request(body: bytes, *, separator: str = "_") -> IntegrationRequest:
    """Parse a message body; :class:`UnusableMessageError` when no error can be sent.

    A request we can answer but cannot serve (no context id, no result destination, bad
    variables, unknown action) parses fine and is answered with an ``INVALID_INPUT``
    integration error by the caller.
    """
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise UnusableMessageError("the body is not UTF-8 text") from None
    except ValueError as exc:
        raise UnusableMessageError(f"the body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise UnusableMessageError(
            f"the body is a JSON {type(data).__name__}, not an integration request object"
        )
    context = data.get("integrationContext")
    if not isinstance(context, dict):
        raise UnusableMessageError("integrationContext is missing or not an object")
    error_destination = _destination(data, "errorDestination", "integrationError", separator)
    if error_destination is None:
        raise UnusableMessageError(
            "no usable error destination: errorDestination and serviceFullName are missing "
            "or not valid exchange names"
        )
    result_destination = _destination(data, "resultDestination", "integrationResult", separator)
    return IntegrationRequest(data, context, error_destination, result_destination)


def check_request(request: IntegrationRequest) -> None:
    """Raise :class:`InputError` naming the first field that makes the request unusable."""
    if request.context_id is None:
        raise InputError(
            "integration request: integrationContext.id is missing or not a string",
            field="integrationContext.id",
        )
    if request.result_destination is None:
        raise InputError(
            "integration request: no usable result destination (resultDestination and "
            "serviceFullName are missing or not valid exchange names)",
            field="resultDestination",
        )
    variables = request.context.get("inBoundVariables")
    if variables is not None and not isinstance(variables, dict):
        raise InputError(
            "integration request: integrationContext.inBoundVariables must be an object",
            field="integrationContext.inBoundVariables",
        )


def job_for(
    request: IntegrationRequest,
    operation: Operation,
    retries: int,
    documents: DocumentStore | None = None,
) -> Job:
    """The job for a request: decoded inbound variables plus the context as job info;
    ``documents`` opens its document references and stores the documents it returns."""
    check_request(request)
    variables = decode_variables(request.context.get("inBoundVariables"))
    context = request.context

    def text(key: str) -> str | None:
        value = context.get(key)
        return str(value) if value is not None and value != "" else None

    version = context.get("processDefinitionVersion")
    info = JobInfo(
        engine="activiti",
        job_key=request.context_id,
        job_type=operation.qualified_name,
        process_instance_key=text("processInstanceId"),
        process_definition_id=text("processDefinitionId"),
        process_definition_key=text("processDefinitionKey"),
        process_definition_version=version if isinstance(version, int) else None,
        element_id=text("clientId"),
        element_instance_key=text("executionId"),
        business_key=text("businessKey"),
        retries=retries,
    )
    return Job(variables, info=info, documents=documents)


def _context_out(request: IntegrationRequest, outbound: Mapping[str, Any]) -> dict[str, Any]:
    # As Activiti's IntegrationResultBuilder: inbound variables are not echoed back.
    context = dict(request.context)
    context["inBoundVariables"] = {}
    context["outBoundVariables"] = dict(outbound)
    return context


def outbound_variables(output: Any) -> dict[str, Any]:
    """An operation output's top-level fields; a non-object output becomes ``result``."""
    if isinstance(output, dict):
        return output
    return {} if output is None else {"result": output}


def result_document(request: IntegrationRequest, output: Any) -> dict[str, Any]:
    """``{"integrationRequest", "integrationContext"}`` with outBoundVariables filled."""
    return {
        "integrationRequest": request.raw,
        "integrationContext": _context_out(request, outbound_variables(output)),
    }


def error_document(
    request: IntegrationRequest,
    *,
    code: str,
    message: str,
    class_name: str,
    variables: Mapping[str, Any] | None = None,
    stack: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """An integration error; error ``variables`` travel as the context's outBoundVariables."""
    return {
        "integrationRequest": request.raw,
        "integrationContext": _context_out(request, variables or {}),
        "errorCode": code or ErrorCode.UNKNOWN_ERROR,
        "errorMessage": message,
        "errorClassName": class_name,
        "stackTraceElements": stack or [],
    }


def declared_errors(connector: Connector) -> frozenset[str]:
    """The error codes of the connector definition a process was modelled with: those
    become BPMN errors. Ours declares the connector's codes and the core's; a vendor
    contract's is the vendor's own definition, with the vendor's codes alone."""
    if isinstance(connector, VendorContract):
        return frozenset(connector.errors)
    from tasklink.core.templates import activiti_error_codes

    return activiti_error_codes(connector)


def error_class(outcome: Failed | BpmnErrorThrown, declared: Collection[str]) -> str:
    """The ``errorClassName`` of a job's failure: Activiti's BPMN error class for a BPMN
    error, and for a failure whose code the connector definition declares (``declared``,
    its ``errors``: what a process catches); else the class of our error, which leaves the
    task waiting. ``outcome`` is final: retries are over or there were none."""
    if isinstance(outcome, BpmnErrorThrown) or outcome.code in declared:
        return CLOUD_BPMN_ERROR
    return INPUT_ERROR_CLASS if outcome.input_error else CONNECTOR_ERROR_CLASS


def stack_trace(operation: Operation | None) -> list[dict[str, Any]]:
    """One Java-style ``StackTraceElement`` naming the operation function: the engine's
    audit shows where the error came from (the Python traceback stays in our logs)."""
    if operation is None:
        return []
    function = operation.function
    code = getattr(function, "__code__", None)
    return [
        {
            "className": getattr(function, "__module__", None) or operation.connector.package,
            "methodName": getattr(function, "__qualname__", operation.id),
            "fileName": os.path.basename(code.co_filename) if code else None,
            "lineNumber": code.co_firstlineno if code else -1,
            "nativeMethod": False,
        }
    ]
