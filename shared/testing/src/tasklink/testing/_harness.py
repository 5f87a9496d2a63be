"""Run an operation the way a runtime would: variables, secrets and headers in, outcome out."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from tasklink.core import (
    Connector,
    DocumentStore,
    ExpressionEvaluator,
    Job,
    JobExecutor,
    JobInfo,
    MappingSecretProvider,
    Operation,
    Outcome,
    Redactor,
)

__all__ = ["arun_job", "run_job"]


def _operation(target: Connector | Operation, operation: str | None) -> Operation:
    if isinstance(target, Operation):
        return target
    return target.get_operation(operation)


async def arun_job(
    target: Connector | Operation,
    variables: Mapping[str, Any],
    *,
    operation: str | None = None,
    secrets: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    retries: int = 3,
    strict: bool = True,
    timeout: float | None = None,
    evaluator: ExpressionEvaluator | None = None,
    redactor: Redactor | None = None,
    documents: DocumentStore | None = None,
) -> Outcome:
    """Run one job through the core path and return its outcome (async). ``documents``
    is the engine's document store (core's inline store unless given)."""
    op = _operation(target, operation)
    executor = JobExecutor(
        MappingSecretProvider(secrets or {}), redactor=redactor, evaluator=evaluator
    )
    job = Job(
        variables,
        headers=dict(headers or {}),
        info=JobInfo(engine="test", job_type=op.connector.job_type, retries=retries),
        strict=strict,
        documents=documents,
    )
    return await executor.execute(op, job, timeout=timeout)


def run_job(
    target: Connector | Operation,
    variables: Mapping[str, Any],
    **options: Any,
) -> Outcome:
    """Run one job through the core path and return its outcome (from sync code).

    Accepts the keyword options of :func:`arun_job`.
    """
    return asyncio.run(arun_job(target, variables, **options))
