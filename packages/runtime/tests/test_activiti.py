"""The Activiti runtime against the real RabbitMQ, with a stand-in runtime bundle."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from activiti_bundle import RuntimeBundle, close_connection_on_server
from freezable_proxy import FreezableProxy

from tasklink.core import MappingSecretProvider
from tasklink.runtime import Pipeline, RuntimeSettings, configure_logging, serve
from tasklink.runtime.activiti import (
    CLOUD_BPMN_ERROR,
    CONNECTOR_ERROR_CLASS,
    INPUT_ERROR_CLASS,
    ActivitiAdapter,
    ActivitiSettings,
)
from tasklink.runtime.activiti import _adapter as adapter_module
from tasklink.testing.fixtures import echo

Until = Callable[..., Awaitable[None]]


@dataclass
class Running:
    pipeline: Pipeline
    names: ActivitiAdapter  # naming only: never connected
    task: asyncio.Task[None]
    connection_name: str

    def destination(self, operation: str) -> str:
        return self.names.destination(echo.operations[operation])

    def queue(self, operation: str) -> str:
        return self.names.queue_name(echo.operations[operation])

    def dead_letters(self, operation: str) -> str:
        return self.names.dead_letter_queue(echo.operations[operation])


@pytest.fixture
async def start_runtime(
    rabbitmq_url: str, prefix: str, bundle: RuntimeBundle
) -> AsyncIterator[Callable[..., Awaitable[Running]]]:
    started: list[Running] = []

    async def start(
        *,
        concurrency: int = 8,
        grace_period: float = 5.0,
        secrets: dict[str, str] | None = None,
        **activiti: Any,
    ) -> Running:
        connection_name = f"tasklink-test-{prefix}-{len(started)}"
        section = {
            "url": rabbitmq_url,
            "destination_prefix": prefix,
            "retries": 1,
            "retry_backoff": 0.01,
            "connection_name": connection_name,
            "reconnect_interval": 0.5,
            **activiti,
        }
        settings = RuntimeSettings(
            engine="activiti",
            concurrency=concurrency,
            grace_period=grace_period,
            engines={"activiti": section},
        )
        pipeline = Pipeline([echo], settings, secrets=MappingSecretProvider(secrets or {}))
        names = ActivitiAdapter(settings.section("activiti", ActivitiSettings), pipeline)
        task = asyncio.create_task(serve(settings, pipeline=pipeline, handle_signals=False))
        ready = asyncio.ensure_future(pipeline.wait_ready())
        await asyncio.wait([ready, task], timeout=30, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            ready.cancel()
            task.result()
        assert pipeline.ready
        running = Running(pipeline, names, task, connection_name)
        started.append(running)
        return running

    yield start
    names: set[str] = set()
    for running in started:
        running.pipeline.stop()
        await asyncio.wait_for(running.task, 30)
        for operation in echo.operations.values():
            names.add(running.names.destination(operation))
    queues = {f"{n}.tasklink" for n in names} | {f"{n}.tasklink.dlq" for n in names}
    await bundle.cleanup(names, queues)


async def test_success_answers_with_outbound_variables(
    start_runtime: Any, bundle: RuntimeBundle
) -> None:
    rt = await start_runtime()
    request = bundle.request("echo.ECHO_MESSAGE", {"message": "hello", "count": 3, "other": 1})
    context_id = request["integrationContext"]["id"]
    await bundle.publish(rt.destination("echo_message"), request)

    [reply] = await bundle.wait_for(context_id)
    assert bundle.kinds[context_id] == ["result"]
    assert reply["integrationRequest"] == request
    context = reply["integrationContext"]
    assert context["outBoundVariables"] == {"message": "hello", "count": 3, "token": ""}
    assert context["inBoundVariables"] == {}
    for key in ("id", "processInstanceId", "executionId", "clientId", "connectorType"):
        assert context[key] == request["integrationContext"][key]
    headers = bundle.headers[context_id][0]
    assert headers["targetService"] == bundle.service
    assert headers["targetAppName"] == "test-app"
    assert headers["resultDestination"] == bundle.result_destination


async def test_typed_variables_and_fallback_destination(
    start_runtime: Any, bundle: RuntimeBundle
) -> None:
    rt = await start_runtime()
    variables = {
        "message": {"type": "string", "value": "typed"},
        "count": {"type": "integer", "value": "7"},
    }
    request = bundle.request("echo.ECHO_MESSAGE", variables)
    # Without resultDestination the result goes to integrationResult_<serviceFullName>.
    del request["resultDestination"]
    await bundle.publish(rt.destination("echo_message"), request)
    [reply] = await bundle.wait_for(request["integrationContext"]["id"])
    assert reply["integrationContext"]["outBoundVariables"]["message"] == "typed"
    assert reply["integrationContext"]["outBoundVariables"]["count"] == 7


async def test_connector_error_is_retried_then_reported(
    start_runtime: Any, bundle: RuntimeBundle
) -> None:
    rt = await start_runtime(retries=2)
    failing = bundle.request("echo.FAIL", {"code": "SERVICE_UNAVAILABLE"})
    flaky = bundle.request("echo.FLAKY", {"key": bundle.prefix, "failures": 1})
    await bundle.publish(rt.destination("fail"), failing)
    await bundle.publish(rt.destination("flaky"), flaky)

    [error] = await bundle.wait_for(failing["integrationContext"]["id"])
    assert bundle.kinds[failing["integrationContext"]["id"]] == ["error"]
    assert error["errorCode"] == "SERVICE_UNAVAILABLE"
    assert error["errorMessage"] == "upstream is down"
    assert error["errorClassName"] == CONNECTOR_ERROR_CLASS
    assert error["integrationContext"]["outBoundVariables"] == {"why": "asked to"}
    assert error["stackTraceElements"][0]["methodName"] == "fail"
    assert error["integrationRequest"] == failing

    [result] = await bundle.wait_for(flaky["integrationContext"]["id"])
    assert result["integrationContext"]["outBoundVariables"] == {"attempts": 2}

    metrics = rt.pipeline.metrics.render().decode()
    assert 'tasklink_jobs_total{connector="echo",operation="fail",outcome="failed"} 1.0' in metrics
    assert (
        'tasklink_jobs_total{connector="echo",operation="fail",outcome="incident"} 1.0' in metrics
    )


async def test_bpmn_error_uses_the_cloud_bpmn_error_class(
    start_runtime: Any, bundle: RuntimeBundle
) -> None:
    rt = await start_runtime()
    request = bundle.request("echo.THROW_BPMN", {"code": "ORDER_REJECTED", "message": "no stock"})
    await bundle.publish(rt.destination("throw_bpmn"), request)
    [error] = await bundle.wait_for(request["integrationContext"]["id"])
    assert error["errorClassName"] == CLOUD_BPMN_ERROR
    assert error["errorCode"] == "ORDER_REJECTED"
    assert error["errorMessage"] == "no stock"
    assert error["integrationContext"]["outBoundVariables"] == {"thrown": True}


async def test_bad_requests_get_invalid_input_errors_and_serving_goes_on(
    start_runtime: Any, bundle: RuntimeBundle
) -> None:
    rt = await start_runtime()
    destination = rt.destination("echo_message")
    missing = bundle.request("echo.ECHO_MESSAGE", {"count": 1})
    wrong_type = bundle.request("echo.ECHO_MESSAGE", {"message": "x", "count": "many"})
    bad_typed = bundle.request(
        "echo.ECHO_MESSAGE", {"message": "x", "count": {"type": "integer", "value": "seven"}}
    )
    unknown_action = bundle.request("echo.NO_SUCH_ACTION", {"message": "x"})
    unknown_connector = bundle.request("nosuch.THING", {"message": "x"})
    list_variables = bundle.request("echo.ECHO_MESSAGE")
    list_variables["integrationContext"]["inBoundVariables"] = ["message"]
    bad_result_destination = bundle.request(
        "echo.ECHO_MESSAGE", {"message": "x"}, resultDestination="not a valid name!"
    )
    no_id = bundle.request("echo.ECHO_MESSAGE", {"message": "x"})
    no_id["integrationContext"]["id"] = 12345
    # Bad input is an error the connector definition declares: a BPMN error a process can
    # catch. A request that cannot be served as it is stays an integration error.
    bpmn, integration = CLOUD_BPMN_ERROR, INPUT_ERROR_CLASS
    cases = {
        "missing": (missing, "MISSING_INPUT", "message", bpmn),
        "wrong_type": (wrong_type, "INVALID_INPUT", "count", bpmn),
        "bad_typed": (bad_typed, "INVALID_INPUT", "'count'", bpmn),
        "unknown_action": (unknown_action, "INVALID_INPUT", "echo.NO_SUCH_ACTION", integration),
        "unknown_connector": (unknown_connector, "INVALID_INPUT", "nosuch.THING", integration),
        "list_variables": (list_variables, "INVALID_INPUT", "inBoundVariables", integration),
        "result_destination": (
            bad_result_destination,
            "INVALID_INPUT",
            "result destination",
            integration,
        ),
        "no_id": (no_id, "INVALID_INPUT", "integrationContext.id", integration),
    }
    for document, *_ in cases.values():
        await bundle.publish(destination, document)
    for name, (document, code, named, class_name) in cases.items():
        context_id = str(document["integrationContext"]["id"])
        [error] = await bundle.wait_for(context_id)
        assert bundle.kinds[context_id] == ["error"], name
        assert error["errorCode"] == code, name
        assert named in error["errorMessage"], name
        assert error["errorClassName"] == class_name, name

    good = bundle.request("echo.ECHO_MESSAGE", {"message": "still here"})
    await bundle.publish(destination, good)
    [reply] = await bundle.wait_for(good["integrationContext"]["id"])
    assert reply["integrationContext"]["outBoundVariables"]["message"] == "still here"


async def test_messages_that_are_not_requests_are_dead_lettered(
    start_runtime: Any, bundle: RuntimeBundle, until: Until
) -> None:
    rt = await start_runtime()
    destination = rt.destination("echo_message")
    no_error_destination = bundle.request("echo.ECHO_MESSAGE", {"message": "x"})
    for key in ("errorDestination", "resultDestination", "serviceFullName"):
        del no_error_destination[key]
    bodies = [
        b"this is not json",
        b"[1, 2, 3]",
        json.dumps({"appName": "x"}).encode(),
        json.dumps(no_error_destination).encode(),
    ]
    for body in bodies:
        await bundle.publish(destination, body)
    nobody = bundle.request(
        "echo.ECHO_MESSAGE", {"message": "x"}, resultDestination=f"{bundle.prefix}-nobody-listens"
    )
    await bundle.publish(destination, nobody)

    dlq = rt.dead_letters("echo_message")
    letters: list[Any] = []

    async def collect() -> None:
        while len(letters) < len(bodies) + 1:
            letters.extend(await bundle.drain_queue(dlq))
            await asyncio.sleep(0.05)

    await asyncio.wait_for(collect(), 20)
    reasons = {letter.body: str(letter.headers["x-tasklink-reason"]) for letter in letters}
    assert "not JSON" in reasons[b"this is not json"]
    assert "not an integration request" in reasons[b"[1, 2, 3]"]
    assert "integrationContext" in reasons[bodies[2]]
    assert "error destination" in reasons[bodies[3]]
    assert "routes to no queue" in reasons[json.dumps(nobody).encode()]
    assert all(letter.headers["x-tasklink-queue"] == rt.queue("echo_message") for letter in letters)
    assert await bundle.message_count(rt.queue("echo_message")) == 0
    assert bundle.received == 0

    good = bundle.request("echo.ECHO_MESSAGE", {"message": "after"})
    await bundle.publish(destination, good)
    await bundle.wait_for(good["integrationContext"]["id"])
    metrics = rt.pipeline.metrics.render().decode()
    assert (
        'tasklink_messages_rejected_total{engine="activiti",reason="not_a_request"} 4.0' in metrics
    )
    assert 'tasklink_messages_rejected_total{engine="activiti",reason="unroutable"} 1.0' in metrics


async def test_a_dead_letter_that_cannot_be_published_is_requeued_after_a_pause(
    start_runtime: Any, bundle: RuntimeBundle, until: Until, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without its dead-letter queue a message that is no request cannot go anywhere; it
    # goes back to its queue, but only after a pause (no tight redelivery loop).
    monkeypatch.setattr(adapter_module, "_POISON_PAUSE", 0.05)
    rt = await start_runtime()
    await bundle.cleanup(set(), {rt.dead_letters("echo_message")})
    events: list[str] = []
    wait_stopping = rt.pipeline.wait_stopping
    settle = ActivitiAdapter._settle

    async def spy_wait_stopping() -> None:
        events.append("pause")
        await wait_stopping()

    async def spy_settle(self: ActivitiAdapter, message: Any, how: str) -> None:
        events.append(how)
        await settle(self, message, how)  # type: ignore[arg-type]

    monkeypatch.setattr(rt.pipeline, "wait_stopping", spy_wait_stopping)
    monkeypatch.setattr(ActivitiAdapter, "_settle", spy_settle)
    await bundle.publish(rt.destination("echo_message"), b"not a request, nowhere to go")
    await until(lambda: events.count("requeue") >= 2, 20)
    first = events.index("requeue")
    assert events[first - 1] == "pause", events
    assert "ack" not in events


async def test_a_broker_that_stops_confirming_does_not_hold_the_request_forever(
    start_runtime: Any, bundle: RuntimeBundle, until: Until, caplog: pytest.LogCaptureFixture
) -> None:
    proxy = FreezableProxy("127.0.0.1", 5672)
    await proxy.start()
    rt: Running | None = None
    try:
        url = f"amqp://guest:guest@127.0.0.1:{proxy.port}/"
        rt = await start_runtime(url=url, publish_timeout=1.0)
        # Once through, so the result exchange is declared and known.
        warm = bundle.request("echo.SLEEP", {"seconds": 0})
        await bundle.publish(rt.destination("sleep"), warm)
        await bundle.wait_for(warm["integrationContext"]["id"])
        request = bundle.request("echo.SLEEP", {"seconds": 2})
        await bundle.publish(rt.destination("sleep"), request)
        await until(lambda: rt.pipeline.in_flight == 1, 20)
        proxy.freeze()  # the result is published into silence: no confirm comes back
        await until(lambda: any("giving up publishing" in m for m in caplog.messages), 20)
        proxy.thaw()
        # At least once: the request went back to its queue and is answered.
        await bundle.wait_for(request["integrationContext"]["id"], timeout=30)
    finally:
        proxy.thaw()
        if rt is not None:  # stopped while the broker is still reachable through the proxy
            rt.pipeline.stop()
            await asyncio.wait_for(asyncio.shield(rt.task), 30)
        await proxy.stop()


async def test_secrets_are_resolved_and_masked_everywhere(
    start_runtime: Any, bundle: RuntimeBundle
) -> None:
    secret = "tok-5up3r-s3cr3t-value"
    stream = io.StringIO()
    rt = await start_runtime(secrets={"API_TOKEN": secret})
    level = logging.getLogger().level
    handler = configure_logging(rt.pipeline.redactor, log_format="json", stream=stream)
    try:
        ok = bundle.request(
            "echo.ECHO_MESSAGE", {"message": "hi", "token": "{{secrets.API_TOKEN}}"}
        )
        missing = bundle.request(
            "echo.ECHO_MESSAGE", {"message": "hi", "token": "{{secrets.NOPE}}"}
        )
        await bundle.publish(rt.destination("echo_message"), ok)
        await bundle.publish(rt.destination("echo_message"), missing)
        [reply] = await bundle.wait_for(ok["integrationContext"]["id"])
        [error] = await bundle.wait_for(missing["integrationContext"]["id"])
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(level)
    assert reply["integrationContext"]["outBoundVariables"]["token"] == "***"
    assert secret not in json.dumps(reply)
    assert error["errorCode"] == "MISSING_INPUT" and "NOPE" in error["errorMessage"]
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    echoed = [line for line in lines if line["message"].startswith("echoing")]
    assert echoed and "***" in echoed[0]["message"]
    assert secret not in stream.getvalue()


async def test_reconnects_after_the_broker_closes_the_connection(
    start_runtime: Any, bundle: RuntimeBundle, until: Until
) -> None:
    rt = await start_runtime()
    destination = rt.destination("echo_message")
    first = bundle.request("echo.ECHO_MESSAGE", {"message": "before"})
    await bundle.publish(destination, first)
    await bundle.wait_for(first["integrationContext"]["id"])

    # Requests in flight while the connection drops are answered after reconnecting.
    slow = [
        bundle.request("echo.ECHO_MESSAGE", {"message": f"s{i}", "delay": 0.3}) for i in range(4)
    ]
    for request in slow:
        await bundle.publish(destination, request)
    await until(lambda: rt.pipeline.in_flight == 4, 10)
    closed = await asyncio.to_thread(close_connection_on_server, rt.connection_name)
    assert closed == 1

    after = [bundle.request("echo.ECHO_MESSAGE", {"message": f"a{i}"}) for i in range(5)]
    for request in after:
        await bundle.publish(destination, request)
    for request in slow + after:
        replies = await bundle.wait_for(request["integrationContext"]["id"], timeout=30)
        assert all(kind == "result" for kind in bundle.kinds[request["integrationContext"]["id"]])
        assert replies[0]["integrationContext"]["outBoundVariables"]["message"] in {
            r["integrationContext"]["inBoundVariables"]["message"] for r in slow + after
        }
    await until(lambda: rt.pipeline.ready, 10)
    assert rt.pipeline.status == "ready"


async def test_graceful_shutdown_finishes_in_flight_work(
    start_runtime: Any, bundle: RuntimeBundle, until: Until
) -> None:
    rt = await start_runtime(concurrency=4, grace_period=10)
    destination = rt.destination("sleep")
    running = [bundle.request("echo.SLEEP", {"seconds": 0.3}) for _ in range(3)]
    for request in running:
        await bundle.publish(destination, request)
    await until(lambda: rt.pipeline.in_flight == 3, 10)

    rt.pipeline.stop()
    late = bundle.request("echo.SLEEP", {"seconds": 0})
    await bundle.publish(destination, late)
    await asyncio.wait_for(rt.task, 20)

    for request in running:
        [reply] = bundle.replies[request["integrationContext"]["id"]]
        assert reply["integrationContext"]["outBoundVariables"] == {"slept": 0.3}
    assert late["integrationContext"]["id"] not in bundle.replies
    assert await bundle.message_count(rt.queue("sleep")) == 1


async def test_work_unfinished_after_the_grace_period_goes_back_to_the_queue(
    start_runtime: Any, bundle: RuntimeBundle, until: Until
) -> None:
    rt = await start_runtime(grace_period=0.2)
    request = bundle.request("echo.SLEEP", {"seconds": 30})
    await bundle.publish(rt.destination("sleep"), request)
    await until(lambda: rt.pipeline.in_flight == 1, 10)

    rt.pipeline.stop()
    await asyncio.wait_for(rt.task, 20)
    assert bundle.received == 0
    assert await bundle.message_count(rt.queue("sleep")) == 1
    metrics = rt.pipeline.metrics.render().decode()
    assert (
        'tasklink_jobs_total{connector="echo",operation="sleep",outcome="cancelled"} 1.0' in metrics
    )


async def test_literal_credentials_are_masked_in_the_echo_of_the_request(
    start_runtime: Any, bundle: RuntimeBundle
) -> None:
    # A credential typed straight into a secret field (no placeholder) is masked in the
    # request the reply echoes too, not only in the outbound variables.
    rt = await start_runtime()
    literal = "typed-in-credential-4711"
    request = bundle.request("echo.ECHO_MESSAGE", {"message": "hi", "token": literal})
    failing = bundle.request("echo.ECHO_MESSAGE", {"message": "hi", "token": literal, "count": -1})
    await bundle.publish(rt.destination("echo_message"), request)
    [reply] = await bundle.wait_for(request["integrationContext"]["id"])
    assert reply["integrationRequest"]["integrationContext"]["inBoundVariables"]["token"] == "***"
    assert literal not in json.dumps(reply)
    await bundle.publish(rt.destination("echo_message"), failing)
    [error] = await bundle.wait_for(failing["integrationContext"]["id"])
    assert error["errorCode"] == "INVALID_INPUT"
    assert literal not in json.dumps(error)


@pytest.mark.parametrize("case", ["invalid input", "unknown action", "typed value"])
async def test_literal_credentials_of_a_request_that_never_runs_are_masked(
    start_runtime: Any, bundle: RuntimeBundle, case: str
) -> None:
    # The runtime's first and only request fails before it becomes a job, so no valid
    # job registered the credential earlier: the request's own secret fields must.
    rt = await start_runtime()
    literal = "typed-in-credential-4711"
    connector_type, variables = {
        "invalid input": ("echo.ECHO_MESSAGE", {"token": literal, "count": -1}),
        "unknown action": ("echo.NO_SUCH_ACTION", {"token": literal}),
        "typed value": (
            "echo.ECHO_MESSAGE",
            {
                "token": {"type": "string", "value": literal},
                "count": {"type": "integer", "value": "many"},
            },
        ),
    }[case]
    request = bundle.request(connector_type, {"message": "hi", **variables})
    await bundle.publish(rt.destination("echo_message"), request)
    [error] = await bundle.wait_for(request["integrationContext"]["id"])
    assert error["errorCode"] == "INVALID_INPUT"
    assert literal not in json.dumps(error)
    assert "***" in json.dumps(error["integrationRequest"])


async def test_a_request_too_large_to_echo_is_still_answered(
    start_runtime: Any, bundle: RuntimeBundle
) -> None:
    # The request alone is more than a reply may be: the integration error leaves its
    # inbound variables out instead of dead-lettering the request.
    rt = await start_runtime(max_message_bytes=65536)
    big = bundle.request("echo.ECHO_MESSAGE", {"message": "x" * 70_000})
    await bundle.publish(rt.destination("echo_message"), big)
    [error] = await bundle.wait_for(big["integrationContext"]["id"])
    assert error["errorCode"] == "REPLY_TOO_LARGE"
    assert error["integrationRequest"]["integrationContext"]["inBoundVariables"] == {}
    assert error["integrationContext"]["id"] == big["integrationContext"]["id"]
    assert await bundle.message_count(rt.dead_letters("echo_message")) == 0


async def test_a_reply_too_large_for_the_broker_becomes_an_integration_error(
    start_runtime: Any, bundle: RuntimeBundle
) -> None:
    rt = await start_runtime(max_message_bytes=65536)
    # The reply echoes the request and returns the message: twice 40 kB is too much.
    big = bundle.request("echo.ECHO_MESSAGE", {"message": "x" * 40_000})
    await bundle.publish(rt.destination("echo_message"), big)
    [error] = await bundle.wait_for(big["integrationContext"]["id"])
    assert bundle.kinds[big["integrationContext"]["id"]] == ["error"]
    assert error["errorCode"] == "REPLY_TOO_LARGE"
    assert "more than max_message_bytes (65536)" in error["errorMessage"]
    assert error["errorClassName"] == CONNECTOR_ERROR_CLASS
    assert await bundle.message_count(rt.dead_letters("echo_message")) == 0


async def test_the_brokers_own_size_limit_is_reported_truly(
    start_runtime: Any, bundle: RuntimeBundle
) -> None:
    limit = await asyncio.to_thread(broker_max_message_size)
    big = bundle.request("echo.ECHO_MESSAGE", {"message": "x" * 60_000})
    try:
        # A channel reads the limit when it opens: lower it before the runtime connects
        # (the test bundle's channels are older and keep the default).
        await asyncio.to_thread(set_broker_max_message_size, 100_000)
        rt = await start_runtime()
        await bundle.publish(rt.destination("echo_message"), big)
        [error] = await bundle.wait_for(big["integrationContext"]["id"], timeout=30)
    finally:
        await asyncio.to_thread(set_broker_max_message_size, limit)
    assert error["errorCode"] == "REPLY_TOO_LARGE"
    assert "more than the broker accepts" in error["errorMessage"]
    # Serving goes on on the reopened publishing channel.
    good = bundle.request("echo.ECHO_MESSAGE", {"message": "after"})
    await bundle.publish(rt.destination("echo_message"), good)
    [reply] = await bundle.wait_for(good["integrationContext"]["id"], timeout=30)
    assert reply["integrationContext"]["outBoundVariables"]["message"] == "after"


async def test_a_context_id_longer_than_a_correlation_id_is_still_answered(
    start_runtime: Any, bundle: RuntimeBundle
) -> None:
    rt = await start_runtime()
    context_id = "ctx-" + "é" * 200  # 404 bytes: AMQP's correlation-id holds 255
    request = bundle.request("echo.ECHO_MESSAGE", {"message": "long id"}, context_id=context_id)
    await bundle.publish(rt.destination("echo_message"), request)
    [reply] = await bundle.wait_for(context_id)
    assert bundle.kinds[context_id] == ["result"]
    assert reply["integrationContext"]["id"] == context_id
    assert await bundle.message_count(rt.dead_letters("echo_message")) == 0


def broker_max_message_size() -> int:
    done = subprocess.run(
        ["rabbitmqctl", "eval", "application:get_env(rabbit, max_message_size)."],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found = re.search(r"\{ok,(\d+)\}", done.stdout)
    return int(found.group(1)) if found else 134_217_728


def set_broker_max_message_size(size: int) -> None:
    subprocess.run(
        ["rabbitmqctl", "eval", f"application:set_env(rabbit, max_message_size, {size})."],
        capture_output=True,
        timeout=60,
        check=True,
    )
