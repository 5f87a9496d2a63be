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
    assert "demo-token-4f9a2c71" not in done.stdout, "the API token must never show"
    assert "Subject: Your order 42 has shipped" in done.stdout
    assert "secret 'HOME' is not defined" in done.stdout, "the environment is no secret store"
