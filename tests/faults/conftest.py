"""Hostile servers for the fault tests: each started by a test on 127.0.0.1, in a thread
of its own (see :mod:`hostile_servers`)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


@pytest.fixture(autouse=True)
def _isolated(outbound_isolation: None) -> None:
    """No operator setting or proxy of the environment reaches the connectors: loopback
    servers are allowed, as in library use."""
