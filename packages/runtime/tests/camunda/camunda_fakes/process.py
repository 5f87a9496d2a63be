"""What tests outside the runtime package use to run connectors' jobs through the Camunda
worker: the fake gateway checked against the official API document, and a process
instance whose service tasks run one after the other as jobs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tasklink.testing import OpenAPISpec, shared_kit_dir

from .jobstore import JobStore
from .rest import FakeRestGateway

__all__ = ["SPEC_PATH", "CamundaProcess", "spec_checked_gateway"]

SPEC_PATH = "specs/camunda/rest-api.bundle.json"


def _api_document() -> Path:
    kit = shared_kit_dir(Path(__file__).resolve().parent)
    if kit is None or not (kit / SPEC_PATH).is_file():
        pytest.skip(f"the developer kit with {SPEC_PATH} is absent (TASKLINK_SHARED_DIR)")
    return kit / SPEC_PATH


@asynccontextmanager
async def spec_checked_gateway() -> AsyncIterator[FakeRestGateway]:
    """The fake Orchestration Cluster REST gateway, every exchange checked against the
    official OpenAPI document (skips where the developer kit is absent); a request or an
    answer off the document fails the test on exit."""
    fake = FakeRestGateway(JobStore(), OpenAPISpec.load(_api_document()))
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
    assert fake.violations == [], "requests or answers broke the OpenAPI contract"


@dataclass
class CamundaProcess:
    """One process instance: its variables, and its service tasks run one after the other
    as jobs of ``job_type``, each with ``connection`` (what every task maps) and its own
    inputs."""

    store: JobStore
    job_type: str
    connection: Mapping[str, Any] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    outcomes: list[dict[str, Any]] = field(default_factory=list)

    async def task(
        self, operation: str, inputs: Mapping[str, Any], **headers: str
    ) -> dict[str, Any]:
        """Create the job of a service task with the template's ``operation`` header and
        the other ``headers``; its last command (``kind`` and body) once it is done. A
        completed job's variables become process variables."""
        variables = {**self.variables, **self.connection, **inputs}
        job = self.store.add(
            self.job_type, variables, headers={"operation": operation, **headers}, retries=3
        )
        await self.store.wait_for(lambda: self.store.done(job), timeout=30)
        last = self.store.outcomes_of(job.key)[-1]
        outcome = {"kind": last.kind, **last.body}
        self.outcomes.append(outcome)
        if last.kind == "complete":
            self.variables.update(last.body.get("variables") or {})
        return outcome

    async def ok(self, operation: str, inputs: Mapping[str, Any], **headers: str) -> dict[str, Any]:
        """The variables a job that must complete set."""
        outcome = await self.task(operation, inputs, **headers)
        assert outcome["kind"] == "complete", outcome
        variables: dict[str, Any] = outcome["variables"]
        return variables
