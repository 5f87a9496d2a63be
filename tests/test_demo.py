"""The README's demo command keeps working: it runs the demo script end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_demo_runs_every_step() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py")],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every step behaved as expected" in done.stdout
    assert "demo-token-4f9a2c71" not in done.stdout + done.stderr, "the API token must never show"
    # the example process, on the embedded engine, once per path
    assert done.stdout.count("$ tasklink process run examples/order-notification.bpmn") == 3
    assert "tasklink: completed notify-customer" in done.stdout  # --trace
    assert (
        "completed through order-received -> fetch-order -> is-shipped -> notify-customer"
        " -> customer-notified" in done.stdout
    )
    assert (
        "completed through order-received -> fetch-order -> is-shipped -> not-shipped-yet"
        in done.stdout
    )
    assert "completed through order-received -> order-not-found -> unknown-order" in done.stdout
    assert "failed with HTTP 404 Not Found" in done.stdout  # the caught error's message
    # the e-mail arrived, once
    assert done.stdout.count("Subject: Your order 42 has shipped") == 1
    assert "To: ada@example.org" in done.stdout
    assert "secret 'HOME' is not defined" in done.stdout, "the environment is no secret store"
