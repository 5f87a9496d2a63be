"""The engine's tests: ``run`` runs a process with the fixture connectors, the virtual
clock and no secrets from the environment; ``engine_support`` writes processes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SUPPORT = Path(__file__).parent / "support"
if str(SUPPORT) not in sys.path:
    sys.path.insert(0, str(SUPPORT))

from engine_support import SETTINGS  # noqa: E402

from tasklink.engine import ProcessResult, run_process_async  # noqa: E402

Runner = Callable[..., Any]


@pytest.fixture
def run() -> Runner:
    """``await run(xml, variables=..., mock=..., ...)`` with the fixture connectors."""

    async def run(xml: str, **options: Any) -> ProcessResult:
        options.setdefault("secrets", {})
        options.setdefault("clock", "virtual")
        options.setdefault("settings", SETTINGS)
        return await run_process_async(xml, **options)

    return run
