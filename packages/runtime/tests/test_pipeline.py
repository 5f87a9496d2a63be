"""The pipeline without an engine: limits, threads, timeouts, shutdown, metrics, health, logs."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tasklink.core import (
    Completed,
    Connector,
    Failed,
    InputModel,
    Job,
    JobInfo,
    MappingSecretProvider,
    RedactingFilter,
    Redactor,
    field,
)
from tasklink.runtime import Pipeline, RuntimeSettings, configure_logging
from tasklink.runtime._http import start_http_server
from tasklink.testing.fixtures import echo

Until = Callable[..., Awaitable[None]]


def job(**variables: Any) -> Job:
    return Job(variables, info=JobInfo(engine="test", job_key="k1", retries=3))


class Gate(InputModel):
    name: str = field(description="Which job")


def gated_connector(gate: asyncio.Event, running: list[str], peak: list[int]) -> Connector:
    connector = Connector(
        id="io.tasklink.test.gated",
        name="gated",
        title="Gated",
        job_type="tasklink-test:gated:1",
        description="Waits for a gate",
        package=__name__,
    )

    @connector.operation(name="Wait", description="Wait for the gate")
    async def wait(input: Gate) -> dict[str, str]:
        running.append(input.name)
        peak[0] = max(peak[0], len(running))
        await gate.wait()
        running.remove(input.name)
        return {"name": input.name}

    return connector


async def test_concurrency_is_bounded(until: Until) -> None:
    gate, running, peak = asyncio.Event(), [], [0]
    connector = gated_connector(gate, running, peak)
    pipeline = Pipeline([connector], RuntimeSettings(concurrency=3), metrics=False)
    operation = connector.get_operation()
    tasks = [asyncio.create_task(pipeline.run(operation, job(name=f"j{i}"))) for i in range(8)]
    await until(lambda: len(running) == 3)
    await asyncio.sleep(0.05)  # give a fourth job every chance to start if the bound leaked
    assert len(running) == 3 and pipeline.in_flight == 3 and pipeline.free_slots == 0
    gate.set()
    outcomes = await asyncio.gather(*tasks)
    assert all(isinstance(o, Completed) for o in outcomes)
    assert peak[0] == 3 and pipeline.free_slots == 3


async def test_sync_operations_run_in_the_thread_pool() -> None:
    pipeline = Pipeline([echo], RuntimeSettings(concurrency=2), metrics=False)
    outcome = await pipeline.run(echo.operations["blocking_echo"], job(message="x"))
    assert isinstance(outcome, Completed)
    assert outcome.output["thread"].startswith("tasklink-op")
    await pipeline.aclose()


async def test_timeout_cancels_the_operation() -> None:
    pipeline = Pipeline([echo], RuntimeSettings(job_timeout=0.05), metrics=False)
    outcome = await pipeline.run(echo.operations["sleep"], job(seconds=30))
    assert isinstance(outcome, Failed)
    assert outcome.code == "TIMEOUT" and "0.05" in outcome.message
    # The explicit timeout wins over the default.
    outcome = await pipeline.run(echo.operations["sleep"], job(seconds=0.01), timeout=5)
    assert isinstance(outcome, Completed)


async def test_no_job_runs_without_a_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    import tasklink.runtime._pipeline as pipeline_module

    assert pipeline_module.DEFAULT_JOB_TIMEOUT == 300
    monkeypatch.setattr(pipeline_module, "DEFAULT_JOB_TIMEOUT", 0.05)
    pipeline = Pipeline([echo], RuntimeSettings(), metrics=False)
    assert pipeline.settings.job_timeout is None and echo.operations["sleep"].timeout is None
    outcome = await pipeline.run(echo.operations["sleep"], job(seconds=30))
    assert isinstance(outcome, Failed) and outcome.code == "TIMEOUT"


async def test_health_reports_saturation(until: Until) -> None:
    gate, running, peak = asyncio.Event(), [], [0]
    connector = gated_connector(gate, running, peak)
    settings = RuntimeSettings(concurrency=2, saturation_threshold=0.05)
    pipeline = Pipeline([connector], settings, metrics=False)
    pipeline.set_ready(True)
    server = await start_http_server(pipeline, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    operation = connector.get_operation()
    try:
        first = asyncio.create_task(pipeline.run(operation, job(name="a")))
        await until(lambda: len(running) == 1)
        await asyncio.sleep(0.1)
        status, body = await _get(port, b"GET /health HTTP/1.1\r\n\r\n")
        assert status == 200, "a free slot is no saturation, however long the job runs"
        second = asyncio.create_task(pipeline.run(operation, job(name="b")))
        await until(lambda: len(running) == 2)
        await until(lambda: pipeline.saturated)
        status, body = await _get(port, b"GET /health HTTP/1.1\r\n\r\n")
        document = json.loads(body)
        assert status == 503 and (document["status"], document["ready"]) == ("saturated", False)
        assert document["saturated_seconds"] >= 0.05 and document["in_flight"] == 2
        gate.set()
        await asyncio.gather(first, second)
        status, body = await _get(port, b"GET /health HTTP/1.1\r\n\r\n")
        assert status == 200 and json.loads(body)["saturated_seconds"] == 0.0
    finally:
        server.close()
        await server.wait_closed()


async def test_cancelling_a_job_sets_its_cancellation_token(until: Until) -> None:
    from tasklink.core import CancellationToken

    pipeline = Pipeline([echo], RuntimeSettings())
    token = CancellationToken()
    task = asyncio.create_task(
        pipeline.run(echo.operations["sleep"], job(seconds=30), cancellation=token)
    )
    await until(lambda: pipeline.in_flight == 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert token.cancelled and pipeline.in_flight == 0
    metrics = pipeline.metrics.render().decode()
    assert (
        'tasklink_jobs_total{connector="echo",operation="sleep",outcome="cancelled"} 1.0' in metrics
    )


async def test_drain_waits_then_cancels_what_is_left() -> None:
    pipeline = Pipeline([echo], RuntimeSettings(grace_period=0.1), metrics=False)
    done: list[str] = []

    async def quick() -> None:
        await asyncio.sleep(0.01)
        done.append("quick")

    async def slow() -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            done.append("handed back")
            raise

    pipeline.spawn(quick())
    pipeline.spawn(slow())
    assert await pipeline.drain() == 1
    assert sorted(done) == ["handed back", "quick"]
    assert await pipeline.drain() == 0


async def test_a_second_stop_skips_the_grace_period() -> None:
    pipeline = Pipeline([echo], RuntimeSettings(grace_period=300), metrics=False)
    pipeline.spawn(asyncio.sleep(300))
    pipeline.stop()
    assert pipeline.stopping and pipeline.status == "stopping"
    draining = asyncio.create_task(pipeline.drain())
    await asyncio.sleep(0.01)
    assert not draining.done()
    pipeline.stop()
    assert await asyncio.wait_for(draining, 10) == 1


async def test_metrics_count_jobs_by_connector_and_outcome() -> None:
    pipeline = Pipeline([echo], RuntimeSettings())
    await pipeline.run(echo.operations["echo_message"], job(message="a"))
    await pipeline.run(echo.operations["echo_message"], job(message="b"))
    await pipeline.run(echo.operations["fail"], job())
    await pipeline.run(echo.operations["fail"], Job({}, info=JobInfo(retries=1)))
    await pipeline.run(echo.operations["throw_bpmn"], job(code="X"))
    await pipeline.run(echo.operations["echo_message"], job(count=1))
    text = pipeline.metrics.render().decode()
    prefix = 'tasklink_jobs_total{connector="echo",operation='
    assert f'{prefix}"echo_message",outcome="completed"}} 2.0' in text
    assert f'{prefix}"fail",outcome="failed"}} 1.0' in text
    assert f'{prefix}"fail",outcome="incident"}} 1.0' in text
    assert f'{prefix}"throw_bpmn",outcome="bpmn_error"}} 1.0' in text
    assert f'{prefix}"echo_message",outcome="incident"}} 1.0' in text  # the input error
    assert (
        'tasklink_job_duration_seconds_count{connector="echo",operation="echo_message"} 3.0' in text
    )
    assert 'tasklink_jobs_in_flight{connector="echo"} 0.0' in text
    assert "process_resident_memory_bytes" in text


async def test_an_exception_from_the_executor_is_counted_as_error_not_cancelled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pipeline = Pipeline([echo], RuntimeSettings())

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug in the executor")

    monkeypatch.setattr(pipeline.executor, "execute", broken)
    with pytest.raises(RuntimeError):
        await pipeline.run(echo.operations["echo_message"], job(message="a"))
    text = pipeline.metrics.render().decode()
    prefix = 'tasklink_jobs_total{connector="echo",operation="echo_message",outcome='
    assert f'{prefix}"error"}} 1.0' in text
    assert f'{prefix}"cancelled"}}' not in text
    assert pipeline.in_flight == 0


async def _get(port: int, request: bytes) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    response = await reader.read()
    writer.close()
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


async def test_health_and_metrics_endpoints() -> None:
    pipeline = Pipeline([echo], RuntimeSettings())
    server = await start_http_server(pipeline, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        status, body = await _get(port, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status == 503 and json.loads(body)["status"] == "starting"
        pipeline.set_ready(True)
        status, body = await _get(port, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status == 200 and json.loads(body) == {
            "status": "ready",
            "ready": True,
            "in_flight": 0,
            "concurrency": 16,
            "saturated_seconds": 0.0,
            "operations": 7,
        }
        await pipeline.run(echo.operations["echo_message"], job(message="m"))
        status, body = await _get(port, b"GET /metrics HTTP/1.1\r\n\r\n")
        assert status == 200 and b'outcome="completed"} 1.0' in body
        assert (await _get(port, b"GET /nope HTTP/1.1\r\n\r\n"))[0] == 404
        assert (await _get(port, b"POST /health HTTP/1.1\r\n\r\n"))[0] == 405
        assert (await _get(port, b"garbage\r\n\r\n"))[0] == 400
        pipeline.stop()
        status, body = await _get(port, b"GET /health HTTP/1.0\r\n\r\n")
        assert status == 503 and json.loads(body)["status"] == "stopping"
    finally:
        server.close()
        await server.wait_closed()


async def test_logs_are_json_and_redacted() -> None:
    secret = "hunter2-but-longer"
    pipeline = Pipeline([echo], RuntimeSettings(), secrets=MappingSecretProvider({"T": secret}))
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging(pipeline.redactor, log_format="json", stream=stream)
    try:
        assert any(isinstance(f, RedactingFilter) for f in handler.filters)
        outcome = await pipeline.run(
            echo.operations["echo_message"],
            job(message="hello", token="{{secrets.T}}"),
        )
        logging.getLogger("tasklink.test").warning("leak %s?", secret, extra={"note": secret})
        try:
            raise ValueError(f"boom {secret}")
        except ValueError:
            logging.getLogger("tasklink.test").exception("failed")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert isinstance(outcome, Completed) and outcome.output["token"] == "***"
    text = stream.getvalue()
    assert secret not in text
    lines = [json.loads(line) for line in text.splitlines()]
    echoed = next(line for line in lines if line["logger"] == "tasklink.connector")
    assert echoed["message"] == "echoing 'hello' with token ***"
    assert echoed["job_key"] == "k1" and echoed["level"] == "INFO"
    leak = next(line for line in lines if line["message"].startswith("leak"))
    assert leak["message"] == "leak ***?" and leak["note"] == "***"
    failed = next(line for line in lines if line["message"] == "failed")
    assert "ValueError: boom ***" in failed["exception"]


def test_debug_logs_keep_libraries_that_print_raw_headers_quiet() -> None:
    # httpcore logs header bytes at DEBUG (b'\xc3\xa9' for "é"): no redactor knows that
    # form of a secret, so even -vv keeps it at INFO; tasklink's own loggers debug on.
    root = logging.getLogger()
    level, levels = root.level, {n: logging.getLogger(n).level for n in ("httpcore", "hpack")}
    handler = configure_logging(Redactor(), level="DEBUG", stream=io.StringIO())
    try:
        assert logging.getLogger("tasklink.connector").isEnabledFor(logging.DEBUG)
        for name in ("httpcore", "httpcore.http11", "hpack", "aiormq"):
            assert not logging.getLogger(name).isEnabledFor(logging.DEBUG), name
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        for name, old in levels.items():
            logging.getLogger(name).setLevel(old)


def test_operations_are_found_by_qualified_name_and_job_type() -> None:
    pipeline = Pipeline([echo], RuntimeSettings(), metrics=False)
    assert pipeline.find_operation("echo.FAIL") is echo.operations["fail"]
    assert pipeline.connector_for_job_type("tasklink-test:echo:1") is echo
    with pytest.raises(KeyError, match=r"nope\.X"):
        pipeline.find_operation("nope.X")
    with pytest.raises(KeyError, match="job type"):
        pipeline.connector_for_job_type("nope:1")
    with pytest.raises(ValueError, match="share job type"):
        Pipeline([echo, echo], metrics=False)


async def test_aclose_runs_every_connector_shutdown_hook(caplog: pytest.LogCaptureFixture) -> None:
    closed: list[str] = []
    first = gated_connector(asyncio.Event(), [], [0])
    second = Connector(
        id="io.tasklink.test.second",
        name="second",
        title="Second",
        job_type="tasklink-test:second:1",
        description="Has hooks",
        package=__name__,
    )

    @first.on_shutdown
    async def broken() -> None:
        closed.append("broken")
        raise RuntimeError("pool already gone")

    @second.on_shutdown
    async def close_pool() -> None:
        closed.append("second")

    pipeline = Pipeline([first, second], metrics=False)
    with caplog.at_level(logging.ERROR, logger="tasklink.runtime"):
        await pipeline.aclose()
    assert closed == ["broken", "second"]
    assert "a shutdown hook of connector io.tasklink.test.gated failed" in caplog.text


# -- expressions written by process designers are bounded ----------------------------------

CATASTROPHIC = '= {m: matches("' + "a" * 40 + '!", "^(a|a)*$")}'


async def test_a_catastrophic_expression_fails_its_job_and_blocks_no_other() -> None:
    settings = RuntimeSettings(expression_timeout=1.0)
    pipeline = Pipeline([echo], settings, metrics=False)
    operation = echo.operations["echo_message"]
    slow_job = Job({"message": "m"}, headers={"resultExpression": CATASTROPHIC})
    slow = asyncio.create_task(pipeline.run(operation, slow_job))
    await asyncio.sleep(0.05)  # it has left the event loop for a thread by now
    quick = await pipeline.run(
        operation, Job({"message": "q"}, headers={"resultExpression": "= {n: 1}"})
    )
    assert isinstance(quick, Completed) and quick.variables == {"n": 1}
    assert not slow.done(), "the quick job finished while the slow expression still ran"
    outcome = await slow
    assert isinstance(outcome, Failed) and outcome.input_error
    assert outcome.message.startswith("resultExpression: the evaluation took longer than 1 s")
    await pipeline.aclose()


@pytest.mark.parametrize(
    "expression",
    [
        "= {n: count(for i in 1..100000, j in 1..100000 return i + j)}",
        "= {n: count(for i in 1..100000000 return i)}",
        '= {n: string join(for i in 1..10000000 return "0123456789abcdef")}',
    ],
)
async def test_expressions_over_their_budget_fail_their_job(expression: str) -> None:
    pipeline = Pipeline([echo], RuntimeSettings(expression_max_steps=100_000), metrics=False)
    outcome = await pipeline.run(
        echo.operations["echo_message"],
        Job({"message": "m"}, headers={"resultExpression": expression}),
    )
    assert isinstance(outcome, Failed) and outcome.input_error
    assert "exceeded its budget of 100000 steps" in outcome.message
    await pipeline.aclose()


async def test_expressions_count_against_the_job_timeout() -> None:
    pipeline = Pipeline([echo], RuntimeSettings(), metrics=False)
    outcome = await pipeline.run(
        echo.operations["echo_message"],
        Job({"message": "m"}, headers={"resultExpression": CATASTROPHIC}, info=JobInfo(retries=3)),
        timeout=0.3,
    )
    assert isinstance(outcome, Failed) and not outcome.input_error
    assert (outcome.code, outcome.retries) == ("TIMEOUT", 2)
    await pipeline.aclose()


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_a_worker_tags_its_log_lines(log_format: str) -> None:
    # Under `tasklink run --processes N` the workers share one stderr.
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging(Redactor(), log_format=log_format, stream=stream, worker=3)
    try:
        logging.getLogger("tasklink.test").warning("hello")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    line = stream.getvalue().strip()
    if log_format == "json":
        assert json.loads(line)["worker"] == 3
    else:
        assert line.endswith("WARNING [worker 3] tasklink.test: hello")
