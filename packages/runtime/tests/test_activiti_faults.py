"""Faults on the broker's side, with requests flowing: RabbitMQ restarted mid-run, and a
connection that freezes (a partition that keeps the socket open).

In both the Activiti runtime must reconnect on its own and lose nothing: every request
gets a result. A request can be answered twice only when its reply was confirmed but its
acknowledgement did not reach the broker before the connection went (at least once), so
duplicates are bounded by the prefetch (``concurrency``).

The restart stops and starts the RabbitMQ application of this machine
(``rabbitmqctl stop_app`` / ``start_app``, about two seconds); other tests using the
broker at that moment see their connections drop, so only these tests do it, and the
broker is always started again, whatever happens to the test. Skipped when
``rabbitmqctl`` cannot control the broker (not installed, or not allowed: it needs the
broker's Erlang cookie, i.e. the user that runs it).
"""

from __future__ import annotations

import asyncio
import functools
import json
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aio_pika
import pytest
from activiti_bundle import RABBITMQ_URL, RuntimeBundle
from activiti_runtime import activiti_settings, rabbitmq_running, served
from aio_pika.abc import AbstractIncomingMessage
from freezable_proxy import FreezableProxy

from tasklink.runtime import Pipeline
from tasklink.runtime.activiti import ActivitiAdapter
from tasklink.testing.fixtures import echo

pytestmark = pytest.mark.slow

CONCURRENCY = 16
#: Seconds each echo job takes: enough that jobs are in flight when the fault hits.
DELAY = 0.01


class RobustBundle(RuntimeBundle):
    """The stand-in runtime bundle on a robust connection, so that it outlives a broker
    restart as Activiti's own does (Spring reconnects).

    A reply the broker delivers to it a second time because its own acknowledgement was
    lost in the restart (``redelivered``, for a context it recorded already) is counted
    in :attr:`redelivered` and not recorded again: only replies the runtime *sent* twice
    count as duplicates."""

    def __init__(self, url: str, prefix: str) -> None:
        super().__init__(url, prefix)
        self.redelivered = 0

    async def start(self) -> None:
        self.connection = await aio_pika.connect_robust(self.url, reconnect_interval=0.5)
        self.channel = await self.connection.channel(publisher_confirms=True)
        await self.channel.set_qos(prefetch_count=500)
        for kind, destination in (
            ("result", self.result_destination),
            ("error", self.error_destination),
        ):
            exchange = await self.channel.declare_exchange(
                destination, aio_pika.ExchangeType.TOPIC, durable=True
            )
            queue = await self.channel.declare_queue(f"{destination}.{self.service}", durable=True)
            await queue.bind(exchange, "#")
            self._exchanges.add(destination)
            self._queues.add(queue.name)
            await queue.consume(functools.partial(self._record, kind))

    async def _record(self, kind: str, message: AbstractIncomingMessage) -> None:
        context_id = str(json.loads(message.body).get("integrationContext", {}).get("id"))
        if message.redelivered and context_id in self.replies:
            self.redelivered += 1
            await message.ack()
            return
        await super()._record(kind, message)

    async def wait_connected(self, timeout: float) -> None:
        """Until its connection and channel are back after a restart."""
        connection = self.connection
        assert isinstance(connection, aio_pika.RobustConnection)
        await asyncio.wait_for(connection.connected.wait(), timeout)
        await wait_until(lambda: not self.channel.is_closed, timeout)


# -- helpers --------------------------------------------------------------------------------


async def wait_until(predicate: Callable[[], bool], timeout: float) -> None:
    async def poll() -> None:
        while not predicate():  # noqa: ASYNC110 - polls state that has no event
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)


async def wait_quiet(bundle: RuntimeBundle, quiet: float = 1.0, timeout: float = 30) -> None:
    """Until no reply has arrived for ``quiet`` seconds: late duplicates are in."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    seen, since = bundle.received, loop.time()
    while loop.time() - since < quiet and loop.time() < deadline:
        await asyncio.sleep(0.05)
        if bundle.received != seen:
            seen, since = bundle.received, loop.time()


class StatusWatch:
    """Records when the adapter reports a status (it calls ``pipeline.set_ready``), so
    recovery times do not depend on when the test looks."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.changes: list[tuple[float, str]] = []

    def __enter__(self) -> StatusWatch:
        set_ready = self.pipeline.set_ready
        loop = asyncio.get_running_loop()

        def recording(ready: bool, status: str | None = None) -> None:
            set_ready(ready, status)
            self.changes.append((loop.time(), self.pipeline.status))

        self.pipeline.set_ready = recording  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        del self.pipeline.set_ready  # the class's method again

    def first(self, status: str, after: float) -> float:
        """When the status first became ``status`` after the loop time ``after``."""
        return next(t for t, s in self.changes if s == status and t >= after)


def rabbitmqctl(*args: str, timeout: float = 120) -> None:
    subprocess.run(
        ["rabbitmqctl", *args], check=True, capture_output=True, text=True, timeout=timeout
    )


def rabbitmqctl_problem() -> str | None:
    """Why ``rabbitmqctl`` cannot restart the broker here, or ``None`` when it can."""
    if shutil.which("rabbitmqctl") is None:
        return "rabbitmqctl is not installed"
    try:
        subprocess.run(
            ["rabbitmqctl", "-q", "status"], check=True, capture_output=True, text=True, timeout=60
        )
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or exc.stdout or "").strip().splitlines()
        return "rabbitmqctl cannot control the broker: " + (detail[0] if detail else str(exc))
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"rabbitmqctl cannot control the broker: {exc}"
    return None


@dataclass
class Tally:
    """What came back for the requests sent."""

    lost: list[str]
    duplicates: int
    not_results: list[str]
    wrong: list[str]


def tally(bundle: RuntimeBundle, requests: list[dict[str, Any]]) -> Tally:
    lost, not_results, wrong = [], [], []
    duplicates = 0
    for request in requests:
        context_id = request["integrationContext"]["id"]
        replies = bundle.replies.get(context_id, [])
        if not replies:
            lost.append(context_id)
            continue
        duplicates += len(replies) - 1
        if set(bundle.kinds[context_id]) != {"result"}:
            not_results.append(context_id)
        sent = request["integrationContext"]["inBoundVariables"]["message"]
        if any(r["integrationContext"]["outBoundVariables"]["message"] != sent for r in replies):
            wrong.append(context_id)
    return Tally(lost, duplicates, not_results, wrong)


def requests_for(bundle: RuntimeBundle, count: int, tag: str) -> list[dict[str, Any]]:
    return [
        bundle.request("echo.ECHO_MESSAGE", {"message": f"{tag}{i}", "delay": DELAY})
        for i in range(count)
    ]


async def publish_all(bundle: RuntimeBundle, destination: str, requests: list[Any]) -> None:
    for start in range(0, len(requests), 200):
        await asyncio.gather(
            *(bundle.publish(destination, r) for r in requests[start : start + 200])
        )


@asynccontextmanager
async def robust_bundle() -> AsyncIterator[RobustBundle]:
    if not rabbitmq_running():
        pytest.fail(
            "RabbitMQ is not running on 127.0.0.1:5672: start it with "
            "`rabbitmq-server -detached && rabbitmqctl await_startup`"
        )
    bundle = RobustBundle(RABBITMQ_URL, f"t{uuid.uuid4().hex[:10]}")
    await bundle.start()
    try:
        yield bundle
    finally:
        await bundle.close()


def pipeline_for(bundle: RuntimeBundle, **activiti: Any) -> Pipeline:
    settings = activiti_settings(bundle, retries=1, concurrency=CONCURRENCY, grace_period=5)
    settings.engines["activiti"].update({"reconnect_interval": 0.5, **activiti})
    return Pipeline([echo], settings)


def destination_of(adapter: ActivitiAdapter) -> str:
    return adapter.destination(echo.operations["echo_message"])


# -- the tests ------------------------------------------------------------------------------


async def test_a_broker_restart_mid_run_loses_nothing(record_property: Any) -> None:
    problem = await asyncio.to_thread(rabbitmqctl_problem)
    if problem:
        pytest.skip(problem)
    async with robust_bundle() as bundle:
        pipeline = pipeline_for(bundle)
        async with served(bundle, pipeline) as adapter:
            destination = destination_of(adapter)
            before = requests_for(bundle, 1500, "b")
            await publish_all(bundle, destination, before)
            await wait_until(lambda: bundle.received >= 200, 60)

            loop = asyncio.get_running_loop()
            with StatusWatch(pipeline) as watch:
                in_flight_at_stop = pipeline.in_flight
                answered_at_stop = bundle.received
                stopped = loop.time()
                try:
                    await asyncio.to_thread(rabbitmqctl, "stop_app")
                    await wait_until(lambda: pipeline.status == "disconnected", 30)
                finally:  # never leave the machine's broker stopped
                    starting = loop.time()
                    await asyncio.to_thread(rabbitmqctl, "start_app")
                    await asyncio.to_thread(rabbitmqctl, "await_startup")
                await wait_until(lambda: pipeline.ready, 60)
                disconnected = watch.first("disconnected", stopped)
                ready = watch.first("ready", disconnected)
            noticed = disconnected - stopped
            outage, reconnect = ready - stopped, ready - starting

            # New requests after the restart are served as well.
            await bundle.wait_connected(60)
            after = requests_for(bundle, 500, "a")
            await publish_all(bundle, destination, after)
            requests = before + after
            await bundle.wait_total(len(requests), timeout=120)
            await wait_quiet(bundle)
            result = tally(bundle, requests)
            dead = await bundle.message_count(
                adapter.dead_letter_queue(echo.operations["echo_message"])
            )

    report = (
        f"broker restart: {len(requests)} requests, {answered_at_stop} answered and "
        f"{in_flight_at_stop} in flight at stop_app; 'disconnected' {noticed:.2f}s after "
        f"stop_app was issued; 'ready' again {reconnect:.2f}s after start_app was issued "
        f"({outage:.2f}s after stop_app); lost {len(result.lost)}, duplicates "
        f"{result.duplicates} (bound {CONCURRENCY}), replies the broker redelivered to "
        f"the bundle {bundle.redelivered}"
    )
    print(report)
    record_property("broker_restart_report", report)
    assert reconnect < 30  # the broker's start plus reconnect_interval (0.5 s): well within
    assert result.lost == []
    assert result.not_results == [] and result.wrong == []
    assert result.duplicates <= CONCURRENCY
    assert dead == 0
    assert 0 < answered_at_stop < len(before)  # the restart really hit the run mid-way


async def test_a_frozen_connection_is_noticed_and_nothing_is_lost(
    record_property: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # A partition that keeps the socket open: nothing arrives, nothing errors. The
    # runtime notices from the missing heartbeats (1 s here, in the URL: aiormq gives up
    # after no frame for three times the interval plus one second, 6 s), reconnects once
    # the path is back, and the broker redelivers what the frozen connection held.
    proxy = FreezableProxy("127.0.0.1", 5672)
    await proxy.start()
    try:
        async with robust_bundle() as bundle:
            url = f"amqp://guest:guest@127.0.0.1:{proxy.port}/?heartbeat=1"
            pipeline = pipeline_for(bundle, url=url, publish_timeout=2.0)
            async with served(bundle, pipeline) as adapter:
                destination = destination_of(adapter)
                requests = requests_for(bundle, 800, "f")
                await publish_all(bundle, destination, requests)
                await wait_until(lambda: bundle.received >= 100, 60)

                loop = asyncio.get_running_loop()
                with StatusWatch(pipeline) as watch:
                    answered_at_freeze = bundle.received
                    in_flight_at_freeze = pipeline.in_flight
                    frozen = loop.time()
                    proxy.freeze()
                    await wait_until(lambda: pipeline.status == "disconnected", 30)
                    thawed = loop.time()
                    proxy.thaw()
                    await wait_until(lambda: pipeline.ready, 60)
                    disconnected = watch.first("disconnected", frozen)
                    noticed_after = disconnected - frozen
                    reconnected_after = watch.first("ready", disconnected) - thawed

                await bundle.wait_total(len(requests), timeout=120)
                await wait_quiet(bundle)
                result = tally(bundle, requests)
                dead = await bundle.message_count(
                    adapter.dead_letter_queue(echo.operations["echo_message"])
                )
    finally:
        proxy.thaw()
        await proxy.stop()

    gave_up = sum("giving up publishing" in m for m in caplog.messages)
    report = (
        f"frozen connection: {len(requests)} requests, {answered_at_freeze} answered and "
        f"{in_flight_at_freeze} in flight at the freeze; noticed after "
        f"{noticed_after:.1f}s (heartbeat 1 s), {gave_up} replies given up after "
        f"publish_timeout; reconnected {reconnected_after:.2f}s after the thaw; lost "
        f"{len(result.lost)}, duplicates {result.duplicates} (bound {CONCURRENCY})"
    )
    print(report)
    record_property("frozen_connection_report", report)
    assert noticed_after < 20  # aiormq's 6 s plus its heartbeat loop's pace: well within
    assert result.lost == []
    assert result.not_results == [] and result.wrong == []
    assert result.duplicates <= CONCURRENCY
    assert dead == 0
    assert 0 < answered_at_freeze < len(requests)
