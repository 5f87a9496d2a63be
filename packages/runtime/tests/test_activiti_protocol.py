"""Integration request parsing and the result / error documents, without a broker."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tasklink.core import BpmnErrorThrown, Failed, InputError
from tasklink.runtime.activiti import (
    CLOUD_BPMN_ERROR,
    CONNECTOR_ERROR_CLASS,
    INPUT_ERROR_CLASS,
    UnusableMessageError,
    display_url,
    error_class,
    error_document,
    parse_request,
    result_document,
)
from tasklink.runtime.activiti._protocol import job_for, stack_trace
from tasklink.testing.fixtures import echo


def request(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "appName": "app",
        "serviceFullName": "rb",
        "resultDestination": "integrationResult_rb",
        "errorDestination": "integrationError_rb",
        "integrationContext": {
            "id": "ctx-1",
            "processInstanceId": "p1",
            "processDefinitionId": "Process_1:3:x",
            "processDefinitionKey": "Process_1",
            "processDefinitionVersion": 3,
            "businessKey": "bk",
            "clientId": "Task_1",
            "executionId": "e1",
            "connectorType": "echo.ECHO_MESSAGE",
            "inBoundVariables": {"message": {"type": "string", "value": "hi"}, "count": 2},
        },
    }
    document.update(overrides)
    return document


def encode(document: Any) -> bytes:
    return json.dumps(document).encode()


def test_job_carries_variables_and_context() -> None:
    parsed = parse_request(encode(request()))
    job = job_for(parsed, echo.operations["echo_message"], retries=3)
    assert job.variables == {"message": "hi", "count": 2}
    assert not job.strict
    info = job.info
    assert (info.engine, info.job_key, info.job_type) == ("activiti", "ctx-1", "echo.ECHO_MESSAGE")
    assert info.process_instance_key == "p1" and info.process_definition_version == 3
    assert info.element_id == "Task_1" and info.business_key == "bk" and info.retries == 3
    assert parsed.headers() == {
        "targetAppName": "app",
        "targetService": "rb",
        "resultDestination": "integrationResult_rb",
        "errorDestination": "integrationError_rb",
    }


def test_destinations_fall_back_to_the_service_full_name() -> None:
    document = request()
    del document["resultDestination"], document["errorDestination"]
    parsed = parse_request(encode(document), separator="-")
    assert parsed.result_destination == "integrationResult-rb"
    assert parsed.error_destination == "integrationError-rb"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfe", "not UTF-8"),
        (b"{", "not JSON"),
        (b'"text"', "JSON str"),
        (encode({"integrationContext": "x"}), "integrationContext is missing"),
        (encode({"integrationContext": {}}), "no usable error destination"),
        (encode({"integrationContext": {}, "errorDestination": "a b"}), "no usable error"),
    ],
)
def test_unusable_messages(body: bytes, reason: str) -> None:
    with pytest.raises(UnusableMessageError, match=reason):
        parse_request(body)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": None}, "integrationContext.id"),
        ({"inBoundVariables": "x"}, "integrationContext.inBoundVariables"),
        ({"inBoundVariables": {"count": {"type": "integer", "value": "2.5"}}}, "count"),
    ],
)
def test_requests_we_can_answer_but_not_serve(change: dict[str, Any], field: str) -> None:
    document = request()
    document["integrationContext"].update(change)
    with pytest.raises(InputError) as caught:
        job_for(parse_request(encode(document)), echo.operations["echo_message"], 1)
    assert caught.value.field == field


def test_result_and_error_documents() -> None:
    parsed = parse_request(encode(request()))
    result = result_document(parsed, {"message": "hi", "count": 2})
    assert result["integrationRequest"] == request()
    assert result["integrationContext"]["outBoundVariables"] == {"message": "hi", "count": 2}
    assert result["integrationContext"]["inBoundVariables"] == {}
    assert result["integrationContext"]["id"] == "ctx-1"
    # A non-object output travels as one variable.
    assert result_document(parsed, [1, 2])["integrationContext"]["outBoundVariables"] == {
        "result": [1, 2]
    }
    error = error_document(
        parsed,
        code="REJECTED",
        message="no",
        class_name=CLOUD_BPMN_ERROR,
        variables={"why": 1},
        stack=stack_trace(echo.operations["fail"]),
    )
    assert error["errorCode"] == "REJECTED" and error["errorMessage"] == "no"
    assert error["errorClassName"] == "org.activiti.cloud.api.process.model.CloudBpmnError"
    assert error["integrationContext"]["outBoundVariables"] == {"why": 1}
    [frame] = error["stackTraceElements"]
    assert frame["className"] == "tasklink.testing.fixtures" and frame["methodName"] == "fail"
    assert frame["fileName"] == "fixtures.py" and frame["lineNumber"] > 0
    assert frame["nativeMethod"] is False


def test_display_url_hides_the_password() -> None:
    assert display_url("amqp://bob:s3cret@host:5673/vh") == "amqp://bob:***@host:5673/vh"
    assert display_url("amqp://host/") == "amqp://host/"


def test_which_failures_become_bpmn_errors() -> None:
    declared = {"NOT_FOUND", "INVALID_INPUT"}
    # A BPMN error always, declared or not.
    assert error_class(BpmnErrorThrown("ORDER_REJECTED", "no"), declared) == CLOUD_BPMN_ERROR
    # A final failure whose code the definition declares: the process can catch it.
    assert error_class(Failed("NOT_FOUND", "gone", 0), declared) == CLOUD_BPMN_ERROR
    assert (
        error_class(Failed("INVALID_INPUT", "bad", 0, input_error=True), declared)
        == CLOUD_BPMN_ERROR
    )
    # Any other code keeps our class: an integration error, the task waits.
    assert error_class(Failed("SERVICE_UNAVAILABLE", "down", 0), declared) == (
        CONNECTOR_ERROR_CLASS
    )
    assert error_class(Failed("BLOCKED", "no", 0, input_error=True), declared) == (
        INPUT_ERROR_CLASS
    )
    assert error_class(Failed("NOT_FOUND", "gone", 0), set()) == CONNECTOR_ERROR_CLASS
