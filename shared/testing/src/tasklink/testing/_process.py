"""Testing a process's paths: tasklink-engine's ``run_process`` with test defaults."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from tasklink.engine import ProcessResult

__all__ = ["arun_process", "run_process"]

_MISSING = "run_process needs tasklink-engine: pip install tasklink-engine"


async def arun_process(
    process: str | Path,
    *,
    variables: Mapping[str, Any] | None = None,
    secrets: Mapping[str, str] | None = None,
    mock: Mapping[str, Any] | None = None,
    clock: Literal["real", "virtual"] = "virtual",
    **options: Any,
) -> ProcessResult:
    """Run one instance of ``process`` on the embedded engine, for a test.

    As :func:`tasklink.engine.run_process_async`, with two defaults made for tests:
    secrets come from ``secrets`` alone (never the environment), and the clock is
    virtual (a timer fires as soon as nothing else can happen, so a process that waits
    an hour is tested at once). ``mock`` maps element ids or job types to what the
    connector returns (or raises), so a path can be tested without real calls.
    """
    try:
        from tasklink.engine import run_process_async
    except ImportError:
        raise ImportError(_MISSING) from None
    return await run_process_async(
        process,
        variables=variables,
        secrets=dict(secrets or {}),
        mock=mock,
        clock=clock,
        **options,
    )


def run_process(
    process: str | Path,
    *,
    variables: Mapping[str, Any] | None = None,
    secrets: Mapping[str, str] | None = None,
    mock: Mapping[str, Any] | None = None,
    clock: Literal["real", "virtual"] = "virtual",
    **options: Any,
) -> ProcessResult:
    """:func:`arun_process` in a fresh event loop (for synchronous tests)."""
    import asyncio

    return asyncio.run(
        arun_process(
            process, variables=variables, secrets=secrets, mock=mock, clock=clock, **options
        )
    )
