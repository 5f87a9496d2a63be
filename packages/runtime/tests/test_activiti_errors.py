"""Errors a process catches: over the real RabbitMQ, with the stand-in runtime bundle
modelling what Activiti's runtime bundle does with an integration error (a BPMN error for
``CloudBpmnError``'s class name, caught by an error boundary event by code; anything else
leaves the task waiting)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from activiti_bundle import CLOUD_BPMN_ERROR_CLASS, ErrorBoundary, Execution, RuntimeBundle

from tasklink.core import Connector, InputModel, MappingSecretProvider, field
from tasklink.core.templates import activiti_definition
from tasklink.http import connector as rest
from tasklink.runtime import Pipeline, RuntimeSettings, serve
from tasklink.runtime.activiti import (
    CLOUD_BPMN_ERROR,
    CONNECTOR_ERROR_CLASS,
    INPUT_ERROR_CLASS,
    ActivitiAdapter,
    ActivitiSettings,
)
from tasklink.testing import httpbin
from tasklink.testing.fixtures import echo

Call = Callable[..., Awaitable[tuple[dict[str, Any], Execution]]]


@pytest.fixture
async def runtime(
    rabbitmq_url: str, prefix: str, bundle: RuntimeBundle
) -> AsyncIterator[tuple[Pipeline, ActivitiAdapter]]:
    """The runtime serving the REST connector and the fixture connector ``echo``, with two
    attempts for retryable errors."""
    settings = RuntimeSettings(
        engine="activiti",
        concurrency=8,
        engines={
            "activiti": {
                "url": rabbitmq_url,
                "destination_prefix": prefix,
                "retries": 2,
                "retry_backoff": 0.01,
                "connection_name": f"tasklink-test-{prefix}",
            }
        },
    )
    connectors: list[Connector] = [rest, echo]
    pipeline = Pipeline(connectors, settings, secrets=MappingSecretProvider({}))
    names = ActivitiAdapter(settings.section("activiti", ActivitiSettings), pipeline)
    task = asyncio.create_task(serve(settings, pipeline=pipeline, handle_signals=False))
    ready = asyncio.ensure_future(pipeline.wait_ready())
    await asyncio.wait([ready, task], timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        ready.cancel()
        task.result()
    try:
        yield pipeline, names
    finally:
        pipeline.stop()
        await asyncio.wait_for(task, 30)
        destinations = {names.destination(op) for c in connectors for op in c.operations.values()}
        queues = {f"{d}.tasklink{dlq}" for d in destinations for dlq in ("", ".dlq")}
        await bundle.cleanup(destinations, queues)


@pytest.fixture
def call(runtime: tuple[Pipeline, ActivitiAdapter], bundle: RuntimeBundle) -> Call:
    """Send a request for ``connector_type`` to the task ``ServiceTask_1`` with the given
    error boundary events; the reply and the task's execution once the reply arrived."""
    _, names = runtime

    async def send(
        connector_type: str,
        variables: dict[str, Any],
        *boundaries: ErrorBoundary,
        destination: str | None = None,
    ) -> tuple[dict[str, Any], Execution]:
        request = bundle.request(connector_type, variables, boundaries=boundaries)
        context_id = request["integrationContext"]["id"]
        connector, _, action = connector_type.partition(".")
        if destination is None:
            served = {c.name: c for c in (rest, echo)}[connector]
            [operation] = [op for op in served.operations.values() if op.action == action]
            destination = names.destination(operation)
        await bundle.publish(destination, request)
        [reply] = await bundle.wait_for(context_id)
        return reply, bundle.executions[context_id]

    return send


def declared(connector: Connector) -> set[str]:
    """The codes the connector definition offers the modeler for boundary events."""
    return {error["code"] for error in activiti_definition(connector)["errors"]}


async def test_a_404_from_the_rest_connector_is_caught_by_a_boundary_event(
    call: Call, bundle: RuntimeBundle, httpbin_server: httpbin.TestServer
) -> None:
    assert "NOT_FOUND" in declared(rest), (
        "tasklink-http must declare NOT_FOUND in Connector(errors=...) for its definition "
        "to offer it and the runtime to throw it as a BPMN error"
    )
    url = f"{httpbin_server.url}/status/404"
    earlier = len(httpbin_server.log)  # the server is shared with other tests
    reply, execution = await call(
        "http.REQUEST",
        {"method": "GET", "url": url},
        ErrorBoundary("Conflict", "CONFLICT"),
        ErrorBoundary("NotFound", "NOT_FOUND"),
    )
    assert bundle.kinds[execution.context_id] == ["error"]
    assert reply["errorClassName"] == CLOUD_BPMN_ERROR_CLASS == CLOUD_BPMN_ERROR
    assert reply["errorCode"] == "NOT_FOUND"
    assert "404" in reply["errorMessage"]
    # What Activiti does with it: a BPMN error, caught by the boundary event for its code.
    assert (execution.state, execution.caught_by, execution.bpmn_error) == (
        "caught",
        "NotFound",
        "NOT_FOUND",
    )
    assert execution.integration_errors == []
    # Not retried: a 404 stays a 404.
    assert [e["path"] for e in httpbin_server.log[earlier:]] == ["/status/404"]


async def test_a_retryable_declared_error_is_retried_then_caught(
    call: Call, bundle: RuntimeBundle, runtime: tuple[Pipeline, ActivitiAdapter]
) -> None:
    pipeline, _ = runtime
    assert "TIMEOUT" in declared(echo)  # the core's code, declared for every connector
    reply, execution = await call(
        "echo.FAIL",
        {"code": "TIMEOUT", "message": "too slow"},
        ErrorBoundary("Timeout", "TIMEOUT"),
    )
    assert (reply["errorClassName"], reply["errorCode"]) == (CLOUD_BPMN_ERROR_CLASS, "TIMEOUT")
    assert reply["integrationContext"]["outBoundVariables"] == {"why": "asked to"}
    assert (execution.state, execution.caught_by) == ("caught", "Timeout")
    # Both attempts ran: the first failure was retried, the second reported.
    metrics = pipeline.metrics.render().decode()
    for outcome in ("failed", "incident"):
        assert (
            f'tasklink_jobs_total{{connector="echo",operation="fail",outcome="{outcome}"}} 1.0'
            in metrics
        )


async def test_core_codes_reach_boundary_events(call: Call) -> None:
    catch_all = ErrorBoundary("AnyError")  # an error event definition without errorRef
    reply, execution = await call("echo.ECHO_MESSAGE", {"count": 1}, catch_all)
    assert (reply["errorClassName"], reply["errorCode"]) == (
        CLOUD_BPMN_ERROR_CLASS,
        "MISSING_INPUT",
    )
    assert (execution.state, execution.caught_by) == ("caught", "AnyError")

    typed = {"message": "x", "count": {"type": "integer", "value": "seven"}}
    reply, execution = await call(
        "echo.ECHO_MESSAGE", typed, ErrorBoundary("Invalid", "INVALID_INPUT")
    )
    assert (reply["errorCode"], execution.caught_by) == ("INVALID_INPUT", "Invalid")

    reply, execution = await call(
        "echo.FAIL", {"message": "boom", "bug": True}, ErrorBoundary("Bug", "UNKNOWN_ERROR")
    )
    assert reply["errorCode"] == "UNKNOWN_ERROR" and "RuntimeError: boom" in reply["errorMessage"]
    assert (execution.state, execution.caught_by) == ("caught", "Bug")


async def test_undeclared_codes_stay_integration_errors(
    call: Call, runtime: tuple[Pipeline, ActivitiAdapter]
) -> None:
    _, names = runtime
    catch_all = ErrorBoundary("AnyError")
    assert "SERVICE_UNAVAILABLE" not in declared(echo)
    reply, execution = await call(
        "echo.FAIL", {"code": "SERVICE_UNAVAILABLE", "retryable": False}, catch_all
    )
    assert (reply["errorClassName"], reply["errorCode"]) == (
        CONNECTOR_ERROR_CLASS,
        "SERVICE_UNAVAILABLE",
    )
    # Not a BPMN error: even a catch-all boundary event does not see it; the task waits.
    assert (execution.state, execution.caught_by) == ("waiting", None)
    assert execution.integration_errors == [reply]

    # A request that cannot be served as it is (an action this queue does not serve and
    # nobody serves) is no error of the connector's: an integration error too.
    reply, execution = await call(
        "echo.NO_SUCH_ACTION",
        {"message": "x"},
        catch_all,
        destination=names.destination(echo.operations["echo_message"]),
    )
    assert (reply["errorClassName"], reply["errorCode"]) == (INPUT_ERROR_CLASS, "INVALID_INPUT")
    assert execution.state == "waiting" and execution.integration_errors == [reply]


async def test_a_bpmn_error_nothing_catches_leaves_the_task_waiting(call: Call) -> None:
    # A BPMN error from the connector is always thrown, declared or not; Activiti falls
    # back to an integration error when no event catches its code.
    reply, execution = await call(
        "echo.THROW_BPMN",
        {"code": "ORDER_REJECTED", "message": "no stock"},
        ErrorBoundary("Other", "ORDER_LOST"),
    )
    assert (reply["errorClassName"], reply["errorCode"]) == (
        CLOUD_BPMN_ERROR_CLASS,
        "ORDER_REJECTED",
    )
    assert (execution.state, execution.caught_by) == ("waiting", None)
    assert execution.integration_errors == [reply]

    reply, execution = await call(
        "echo.THROW_BPMN",
        {"code": "ORDER_REJECTED", "message": "no stock"},
        ErrorBoundary("Other", "ORDER_LOST"),
        ErrorBoundary("Rejected", "ORDER_REJECTED"),
    )
    assert (execution.state, execution.caught_by, execution.bpmn_error) == (
        "caught",
        "Rejected",
        "ORDER_REJECTED",
    )


class _Order(InputModel):
    order_id: str = field(description="The order")


def _shop() -> Connector:
    shop = Connector(
        id="io.tasklink.test.shop",
        name="shop",
        title="Shop",
        job_type="tasklink-test:shop:1",
        description="Reads orders",
        package=__name__,
        errors={"ORDER_NOT_FOUND": "No such order"},
    )

    @shop.operation(name="Get", description="Read an order")
    def get(input: _Order) -> dict[str, Any]:
        return {}

    vendor = shop.vendor_contract(
        engine="activiti",
        name="orders",
        title="Vendor orders",
        description="The vendor's order connector",
        errors={"NOT_FOUND": "No such order"},
    )

    @vendor.operation("get", name="Get", description="GET as the vendor does")
    def vendor_get(input: _Order) -> dict[str, Any]:
        return {}

    return shop


def test_the_declared_codes_are_those_of_the_definition_the_process_uses() -> None:
    shop = _shop()
    [contract] = shop.contracts
    settings = RuntimeSettings(engine="activiti", engines={"activiti": {}})
    pipeline = Pipeline([shop, contract], settings, secrets=MappingSecretProvider({}))
    adapter = ActivitiAdapter(settings.section("activiti", ActivitiSettings), pipeline)
    # Ours: its generated definition, the connector's codes and the core's.
    ours = adapter.declared_errors(shop.operations["get"])
    assert ours == {e["code"] for e in activiti_definition(shop)["errors"]}
    assert {"ORDER_NOT_FOUND", "MISSING_INPUT", "TIMEOUT"} <= ours
    # A vendor contract: the vendor's own definition, whose codes are the vendor's alone.
    assert adapter.declared_errors(contract.operations["get"]) == {"NOT_FOUND"}
    assert adapter.declared_errors(contract.renamed("billing").operations["get"]) == {"NOT_FOUND"}
