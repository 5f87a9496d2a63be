"""Headless Chromium for the modeler check: started here, killed in teardown."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("TASKLINK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_SETUP = "run `bash scripts/setup_node_tools.sh` from the repository root"


def require_tools() -> None:
    """Fail with the fix when the set-up script has not run."""
    missing = []
    if shutil.which("node") is None:
        missing.append("node")
    if not Path(CHROMIUM).is_file():
        missing.append(CHROMIUM)
    if not (HERE / "node_modules" / "puppeteer-core").is_dir():
        missing.append("tests/modeler/node_modules (npm ci)")
    bundle = HERE / "dist" / "modeler.js"
    if not bundle.is_file():
        missing.append("tests/modeler/dist/modeler.js (node build.mjs)")
    else:
        sources = [HERE / "build.mjs", *(HERE / "src").iterdir()]
        if any(s.stat().st_mtime > bundle.stat().st_mtime for s in sources):
            missing.append("a rebuilt tests/modeler/dist (its sources are newer)")
    if missing:
        pytest.fail(f"the modeler check needs {', '.join(missing)}: {_SETUP}", pytrace=False)


@pytest.fixture(scope="session")
def chromium() -> Iterator[str]:
    """A headless Chromium with the DevTools protocol on a loopback port; yields its
    websocket address."""
    require_tools()
    profile = tempfile.mkdtemp(prefix="tasklink-chromium-")
    process = subprocess.Popen(
        [
            CHROMIUM,
            *CHROMIUM_FLAGS,
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "--window-size=1400,1600",
            "about:blank",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    found = threading.Event()
    endpoint: list[str] = []
    log: list[str] = []

    def read() -> None:  # keeps draining stderr so Chromium never blocks on it
        assert process.stderr is not None
        for line in process.stderr:
            log.append(line)
            match = re.search(r"DevTools listening on (ws://\S+)", line)
            if match and not endpoint:
                endpoint.append(match.group(1))
                found.set()
        found.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not found.wait(30) or not endpoint:
            pytest.fail("Chromium did not start:\n" + "".join(log[-20:]), pytrace=False)
        yield endpoint[0]
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        reader.join(5)
        shutil.rmtree(profile, ignore_errors=True)
