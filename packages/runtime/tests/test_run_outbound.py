"""`tasklink run` refuses private, loopback and link-local addresses unless the operator
allows them: a REST job from an Activiti process, through a runtime subprocess."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from activiti_bundle import RuntimeBundle
from runtime_process import free_port, wait_healthy

from tasklink.runtime import guard_outbound_by_default


class _Internal(BaseHTTPRequestHandler):
    """Stands for an internal service on a private address."""

    def do_GET(self) -> None:
        body = b'{"secret": "internal data"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def internal_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Internal)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_port
    server.shutdown()


def test_the_guard_default_respects_the_operators_choice() -> None:
    environ: dict[str, str] = {}
    guard_outbound_by_default(environ)
    assert environ == {"TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS": "true"}
    chosen = {"TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS": "false"}
    guard_outbound_by_default(chosen)
    assert chosen == {"TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS": "false"}


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ({}, "BLOCKED_ADDRESS"),
        ({"TASKLINK_HTTP_ALLOWED_NETWORKS": "127.0.0.1/32"}, 200),
        ({"TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS": "false"}, 200),
    ],
)
async def test_run_blocks_private_addresses_unless_allowed(
    cli_env: dict[str, str],
    bundle: RuntimeBundle,
    prefix: str,
    tmp_path: Path,
    internal_port: int,
    operator: dict[str, str],
    expected: Any,
) -> None:
    env = {k: v for k, v in cli_env.items() if not k.startswith("TASKLINK_HTTP_")}
    env.update(operator)
    port = free_port()
    log_path = tmp_path / "runtime.log"
    command = [
        sys.executable, "-m", "tasklink.runtime", "run", "--engine", "activiti",
        "--connector", "http", "--destination-prefix", prefix, "--metrics-port", str(port),
        "-o", f"connection_name=tasklink-outbound-{prefix}",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: ASYNC220
    destination = f"{prefix}_http.REQUEST"
    try:
        await wait_healthy(port, process, log_path)
        request = bundle.request("http.REQUEST", {"url": f"http://127.0.0.1:{internal_port}/admin"})
        await bundle.publish(destination, request)
        [reply] = await bundle.wait_for(request["integrationContext"]["id"], timeout=30)
        if expected == "BLOCKED_ADDRESS":
            assert reply["errorCode"] == "BLOCKED_ADDRESS"
            assert "internal data" not in str(reply)
        else:
            assert reply["integrationContext"]["outBoundVariables"]["status"] == expected
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        await bundle.cleanup(
            {destination}, {f"{destination}.tasklink", f"{destination}.tasklink.dlq"}
        )
