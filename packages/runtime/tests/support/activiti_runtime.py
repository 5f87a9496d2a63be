"""The Activiti runtime served for a test against the stand-in runtime bundle: what the
connector packages' workflow tests and the vendor-contract tests share.

* :func:`started_bundle`: a :class:`~activiti_bundle.RuntimeBundle` on the RabbitMQ of this
  machine (a clear failure when it is down), closed afterwards;
* :func:`activiti_settings`: runtime settings for the bundle's destinations, with quick
  retries;
* :func:`served`: ``tasklink run`` for a pipeline, ready when entered, stopped and its
  exchanges and queues removed on exit;
* :class:`ActivitiProcess`: one process instance sending its service tasks one after the
  other, applying APA's output mapping.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from activiti_bundle import RABBITMQ_URL, ErrorBoundary, Execution, RuntimeBundle

from tasklink.runtime import Pipeline, RuntimeSettings, serve
from tasklink.runtime.activiti import ActivitiAdapter, ActivitiSettings

__all__ = [
    "ActivitiProcess",
    "activiti_settings",
    "rabbitmq_running",
    "served",
    "started_bundle",
]


def rabbitmq_running(host: str = "127.0.0.1", port: int = 5672) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


@asynccontextmanager
async def started_bundle(prefix: str | None = None) -> AsyncIterator[RuntimeBundle]:
    """A runtime bundle for destinations under ``prefix`` (a fresh one by default)."""
    if not rabbitmq_running():
        pytest.fail(
            "RabbitMQ is not running on 127.0.0.1:5672: start it with "
            "`rabbitmq-server -detached && rabbitmqctl await_startup`"
        )
    bundle = RuntimeBundle(RABBITMQ_URL, prefix or f"t{uuid.uuid4().hex[:10]}")
    await bundle.start()
    try:
        yield bundle
    finally:
        await bundle.close()


def activiti_settings(
    bundle: RuntimeBundle, *, retries: int = 2, **generic: Any
) -> RuntimeSettings:
    """Settings serving ``bundle``'s destinations; ``generic`` are the runtime's own
    settings (``concurrency``, ``vendor_contracts``...)."""
    return RuntimeSettings(
        engine="activiti",
        engines={
            "activiti": {
                "url": RABBITMQ_URL,
                "destination_prefix": bundle.prefix,
                "retries": retries,
                "retry_backoff": 0.01,
                "connection_name": f"tasklink-test-{bundle.prefix}",
            }
        },
        **generic,
    )


@asynccontextmanager
async def served(bundle: RuntimeBundle, pipeline: Pipeline) -> AsyncIterator[ActivitiAdapter]:
    """``pipeline`` served to ``bundle`` (its settings), ready on entry; on exit stopped,
    and the destinations it declared removed from the broker."""
    settings = pipeline.settings
    adapter = ActivitiAdapter(settings.section("activiti", ActivitiSettings), pipeline)
    task = asyncio.create_task(serve(settings, pipeline=pipeline, handle_signals=False))
    ready = asyncio.ensure_future(pipeline.wait_ready())
    await asyncio.wait([ready, task], timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        ready.cancel()
        task.result()  # serving failed: its error
    try:
        yield adapter
    finally:
        pipeline.stop()
        await asyncio.wait_for(task, 30)
        names = {adapter.destination(op) for op in pipeline.operations}
        queues = {f"{n}.tasklink{dlq}" for n in names for dlq in ("", ".dlq")}
        await bundle.cleanup(names, queues)


@dataclass
class ActivitiProcess:
    """One process instance: its variables, and its service tasks, each an integration
    request for ``<connector>.<ACTION>`` with ``connection`` (what every task maps) and its
    own inputs."""

    bundle: RuntimeBundle
    pipeline: Pipeline
    adapter: ActivitiAdapter
    connector: str
    connection: Mapping[str, Any] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    replies: list[dict[str, Any]] = field(default_factory=list)

    async def task(
        self,
        action: str,
        inputs: Mapping[str, Any],
        *boundaries: ErrorBoundary,
        outputs: Mapping[str, str] | None = None,
    ) -> tuple[str, dict[str, Any], Execution]:
        """Run the service task ``implementation="<connector>.<action>"``; ``outputs`` maps
        process variables to the connector's outputs (APA's output mapping), applied when
        the task completes. The kind of reply (``result`` or ``error``), the reply, and
        the execution of the task."""
        implementation = f"{self.connector}.{action}"
        variables = {**self.connection, **inputs}
        request = self.bundle.request(implementation, variables, boundaries=boundaries)
        context_id = request["integrationContext"]["id"]
        destination = self.adapter.destination(self.pipeline.find_operation(implementation))
        await self.bundle.publish(destination, request)
        [reply] = await self.bundle.wait_for(context_id, timeout=30)
        self.replies.append(reply)
        execution = self.bundle.executions[context_id]
        if execution.state == "completed":
            for variable, output in (outputs or {}).items():
                self.variables[variable] = execution.variables[output]
        return self.bundle.kinds[context_id][0], reply, execution

    async def ok(self, action: str, inputs: Mapping[str, Any], **outputs: str) -> dict[str, Any]:
        """The outbound variables of a task that must complete."""
        kind, reply, execution = await self.task(action, inputs, outputs=outputs)
        assert (kind, execution.state) == ("result", "completed"), reply.get("errorMessage")
        out: dict[str, Any] = reply["integrationContext"]["outBoundVariables"]
        return out
