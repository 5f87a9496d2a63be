"""A whole Camunda 8 process on the embedded engine (``tasklink.testing.run_process``), its
service tasks served by the installed connectors against the GraphQL test server: a task
modelled with this connector's template reads an order, a gateway decides on its status,
and a task modelled with Camunda's own GraphQL template (the vendor contract, on in the
engine) cancels it; GraphQL errors end at an error boundary event."""

from __future__ import annotations

from typing import Any

from graphql_server import TOKEN, GraphqlServer

from tasklink.testing import run_process

PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://example.org">
  <bpmn:process id="cancel-new-orders" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:serviceTask id="fetch">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="tasklink:graphql:1" retries="3"/>
        <zeebe:ioMapping>
          <zeebe:input source="=endpoint" target="url"/>
          <zeebe:input source="GET" target="method"/>
          <zeebe:input target="query"
            source="query Order($id: ID!) { order(id: $id) { status } }"/>
          <zeebe:input source="={id: orderId}" target="variables"/>
          <zeebe:input source="bearer" target="authentication.type"/>
          <zeebe:input source="{{secrets.GRAPHQL_TOKEN}}" target="authentication.token"/>
        </zeebe:ioMapping>
        <zeebe:taskHeaders>
          <zeebe:header key="resultExpression" value="={status: data.order.status}"/>
        </zeebe:taskHeaders>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:exclusiveGateway id="is-new" default="leave"/>
    <bpmn:serviceTask id="cancel">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="io.camunda:connector-graphql:1" retries="3"/>
        <zeebe:ioMapping>
          <zeebe:input source="=endpoint" target="graphql.url"/>
          <zeebe:input source="post" target="graphql.method"/>
          <zeebe:input target="graphql.query"
            source="mutation Cancel($id: ID!) { cancelOrder(id: $id) { status } }"/>
          <zeebe:input source="={id: cancelId}" target="graphql.variables"/>
          <zeebe:input source="bearer" target="authentication.type"/>
          <zeebe:input source="{{secrets.GRAPHQL_TOKEN}}" target="authentication.token"/>
          <zeebe:input source="JSON" target="documentReturnFormat.choice"/>
        </zeebe:ioMapping>
        <zeebe:taskHeaders>
          <zeebe:header key="resultExpression" value="={status: body.data.cancelOrder.status}"/>
          <zeebe:header key="errorExpression"
            value='=if error.code = "GRAPHQL_ERROR"
              then bpmnError("REJECTED", error.message) else null'/>
        </zeebe:taskHeaders>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:boundaryEvent id="rejected" attachedToRef="cancel">
      <bpmn:errorEventDefinition errorRef="rejected-error"/>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="cancelled"/>
    <bpmn:endEvent id="left-alone"/>
    <bpmn:endEvent id="not-cancelled"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fetch"/>
    <bpmn:sequenceFlow id="f2" sourceRef="fetch" targetRef="is-new"/>
    <bpmn:sequenceFlow id="new" sourceRef="is-new" targetRef="cancel">
      <bpmn:conditionExpression>=status = "new"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="leave" sourceRef="is-new" targetRef="left-alone"/>
    <bpmn:sequenceFlow id="f3" sourceRef="cancel" targetRef="cancelled"/>
    <bpmn:sequenceFlow id="f4" sourceRef="rejected" targetRef="not-cancelled"/>
  </bpmn:process>
  <bpmn:error id="rejected-error" errorCode="REJECTED"/>
</bpmn:definitions>"""


def run(server: GraphqlServer, **variables: Any) -> Any:
    return run_process(
        PROCESS,
        variables={"endpoint": f"{server.url}/private/graphql", **variables},
        secrets={"GRAPHQL_TOKEN": TOKEN},
    )


def test_a_new_order_is_cancelled(graphql_server: GraphqlServer) -> None:
    result = run(graphql_server, orderId="2", cancelId="2")
    assert (result.state, result.path) == (
        "completed",
        ["start", "fetch", "is-new", "cancel", "cancelled"],
    )
    assert result.variables["status"] == "cancelled"
    assert graphql_server.orders["2"]["status"] == "cancelled"


def test_a_shipped_order_is_left_alone(graphql_server: GraphqlServer) -> None:
    result = run(graphql_server, orderId="1", cancelId="1")
    assert (result.state, result.path) == ("completed", ["start", "fetch", "is-new", "left-alone"])
    assert result.variables["status"] == "shipped"


def test_graphql_errors_end_at_the_boundary_event(graphql_server: GraphqlServer) -> None:
    result = run(graphql_server, orderId="2", cancelId="404")
    assert (result.state, result.path) == (
        "completed",
        ["start", "fetch", "is-new", "rejected", "not-cancelled"],
    )
    assert graphql_server.orders["2"]["status"] == "new"
    assert TOKEN not in repr(result)
