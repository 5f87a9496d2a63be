"""Connectors for the runtime's own tests (served with ``--load`` or by entry points).

The test set-up registers them for discovery by writing a ``tasklink_testconnectors``
dist-info with entry points into a temporary directory on ``PYTHONPATH``: nothing is
installed into the environment.
"""

from __future__ import annotations

from .echo_connector import echo, flaky_failures
from .noop_connector import noop

__all__ = ["connectors", "echo", "flaky_failures", "noop"]

connectors = [echo, noop]
