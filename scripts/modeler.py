"""The modeler page in headless Chromium, for the modeler check (``tests/modeler``) and the
documentation's screenshots (``scripts/docs_site.py``): the page is camunda-bpmn-js with
its properties panel, built by ``scripts/setup_node_tools.sh`` and driven by
``tests/modeler/drive.mjs`` over the DevTools protocol.

    missing_tools()                                  # what the set-up has not provided
    with headless_chromium() as endpoint:            # ws://127.0.0.1:<port>/devtools/...
        drive(endpoint, job)                         # drive.mjs's result for the job
    template_screenshots(templates, folder)          # the panel with each template applied
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PAGE = REPO / "tests" / "modeler"
SETUP = "run `bash scripts/setup_node_tools.sh` from the repository root"

CHROMIUM = os.environ.get("TASKLINK_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class ChromiumError(RuntimeError):
    """Chromium is missing or did not start; the message says what it printed."""


@contextmanager
def headless_chromium(window: str = "1400,1600") -> Iterator[str]:
    """A headless Chromium; yields its DevTools websocket address."""
    if not os.path.isfile(CHROMIUM):
        raise ChromiumError(f"no Chromium at {CHROMIUM} (set TASKLINK_CHROMIUM)")
    profile = tempfile.mkdtemp(prefix="tasklink-chromium-")
    process = subprocess.Popen(
        [
            CHROMIUM,
            *FLAGS,
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            f"--window-size={window}",
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
            raise ChromiumError("Chromium did not start:\n" + "".join(log[-20:]))
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


def missing_tools() -> list[str]:
    """What driving the modeler page needs and this machine lacks (empty: all there)."""
    missing = []
    if shutil.which("node") is None:
        missing.append("node")
    if not os.path.isfile(CHROMIUM):
        missing.append(CHROMIUM)
    if not (PAGE / "node_modules" / "puppeteer-core").is_dir():
        missing.append("tests/modeler/node_modules (npm ci)")
    bundle = PAGE / "dist" / "modeler.js"
    if not bundle.is_file():
        missing.append("tests/modeler/dist/modeler.js (node build.mjs)")
    else:
        sources = [PAGE / "build.mjs", *(PAGE / "src").iterdir()]
        if any(s.stat().st_mtime > bundle.stat().st_mtime for s in sources):
            missing.append("a rebuilt tests/modeler/dist (its sources are newer)")
    return missing


def drive(endpoint: str, job: dict[str, Any], work: Path, timeout: float = 300) -> Any:
    """Run ``drive.mjs`` for ``job`` (``wsEndpoint`` and the page's ``url`` are added)
    in the browser at ``endpoint``; its JSON result. Raises ``RuntimeError`` when it fails."""
    job = {**job, "wsEndpoint": endpoint, "url": (PAGE / "dist" / "index.html").as_uri()}
    (work / "job.json").write_text(json.dumps(job), "utf-8")
    done = subprocess.run(
        ["node", str(PAGE / "drive.mjs"), str(work / "job.json"), str(work / "result.json")],
        cwd=PAGE,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"drive.mjs failed:\n{done.stderr[-4000:]}")
    return json.loads((work / "result.json").read_text("utf-8"))


def screenshot_name(template: dict[str, Any]) -> str:
    return f"{template['id']}.png"


def template_screenshots(templates: Sequence[dict[str, Any]], folder: Path) -> list[Path]:
    """A PNG of the properties panel with each template applied to a service task, as
    the modeler draws it, in ``folder`` (named by :func:`screenshot_name`)."""
    missing = missing_tools()
    if missing:
        raise ChromiumError(f"screenshots need {', '.join(missing)}: {SETUP}")
    folder.mkdir(parents=True, exist_ok=True)
    shots = [
        {"id": t["id"], "version": t["version"], "path": str(folder / screenshot_name(t))}
        for t in templates
    ]
    with tempfile.TemporaryDirectory() as work, headless_chromium() as endpoint:
        result = drive(endpoint, {"templates": list(templates), "screenshots": shots}, Path(work))
    errors = [*result.get("pageErrors", []), *(result.get("load") or {}).get("errors", [])]
    if errors:
        raise RuntimeError(f"the modeler page reported: {errors}")
    return [Path(shot["path"]) for shot in shots]
