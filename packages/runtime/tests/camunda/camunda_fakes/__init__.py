"""Fakes for the Camunda worker tests: job store, REST and gRPC gateways, and a harness
that runs a :class:`CamundaWorker` against them (serving tasklink-testing's fixture
connectors, ``tasklink.testing.fixtures``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from tasklink.core import Connector, DocumentStore
from tasklink.runtime import Pipeline, RuntimeSettings
from tasklink.runtime.camunda import CamundaWorker, Gateway, WorkerOptions

from .jobstore import FakeJob, JobStore, Outcome

__all__ = ["FakeJob", "JobStore", "Outcome", "WorkerHarness"]


class WorkerHarness:
    """Runs a worker with a real pipeline until :meth:`stop` (stop polling, drain,
    close the gateway client), as ``tasklink run`` does."""

    def __init__(
        self,
        connectors: Iterable[Connector],
        gateway: Gateway,
        options: WorkerOptions | None = None,
        *,
        concurrency: int = 4,
        grace_period: float = 5.0,
        secrets: Any = None,
        metrics: bool = False,
        documents: DocumentStore | None = None,
    ) -> None:
        settings = RuntimeSettings(concurrency=concurrency, grace_period=grace_period)
        self.pipeline = Pipeline(list(connectors), settings, secrets=secrets, metrics=metrics)
        self.gateway = gateway
        self.options = options or WorkerOptions(
            request_timeout_ms=2_000, backoff_initial=0.01, backoff_max=0.05
        )
        self.worker = CamundaWorker(self.pipeline, gateway, self.options, documents=documents)
        self._task: asyncio.Task[None] | None = None
        self.cancelled: int | None = None

    async def __aenter__(self) -> WorkerHarness:
        self._task = asyncio.ensure_future(self.worker.serve())
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def stop(self, grace: float | None = None) -> int:
        """Stop polling, drain, close; returns the number of jobs cancelled."""
        if self._task is None:
            return self.cancelled or 0
        self.worker.stop()
        try:
            await asyncio.wait_for(self._task, 10)
        finally:
            self._task = None
        self.cancelled = await self.pipeline.drain(grace)
        await self.gateway.aclose()
        await self.pipeline.aclose()
        return self.cancelled


def records(caplog: Any, level: int = logging.WARNING) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= level]
