#!/usr/bin/env python3
"""The README demo: a BPMN process run on the embedded engine, against local servers.

It starts a small orders API (with bearer authentication) and an SMTP server on 127.0.0.1,
then runs `examples/order-notification.bpmn` with `tasklink process run` exactly as a user
would from the shell, the API token coming from `TASKLINK_SECRET_ORDER_API_TOKEN`: the REST
task fetches the order, a gateway looks at its status, and the e-mail task tells the
customer when it has shipped. Three orders take the three paths: shipped (an e-mail whose
arrival it shows), not shipped yet (the gateway's default flow), and unknown (the API's 404
becomes the BPMN error ORDER_NOT_FOUND, caught by the boundary event on the REST task).
Then two single connector calls with `tasklink invoke`: an input mistake named by field,
and a placeholder that tries to read the runtime's own environment and is refused. Every
outcome is checked; the demo exits 1 when one differs from what it expects.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
import threading
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = "examples/order-notification.bpmn"  # run from the repository root
API_TOKEN = "demo-token-4f9a2c71"  # noqa: S105 - the demo's own local API
ORDERS = {
    "42": {
        "id": 42,
        "customer": "Ada Lovelace",
        "email": "ada@example.org",
        "total": 129.5,
        "status": "shipped",
    },
    "43": {
        "id": 43,
        "customer": "Grace Hopper",
        "email": "grace@example.org",
        "total": 18.0,
        "status": "packing",
    },
}


class OrdersApi(BaseHTTPRequestHandler):
    """GET /orders/<id> with a bearer token; everything else is 404."""

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != f"Bearer {API_TOKEN}":
            self.reply(401, {"error": "unauthorized"})
            return
        order = (
            ORDERS.get(self.path.rsplit("/", 1)[-1]) if self.path.startswith("/orders/") else None
        )
        self.reply(200, order) if order else self.reply(404, {"error": f"no {self.path}"})

    def reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    # aiosmtpd's controller cannot report an OS-chosen port, so pick one first.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def tasklink(*args: str, env: dict[str, str]) -> tuple[int, str]:
    """Run the `tasklink` command as a user would, show what it prints; its exit code and
    standard output."""
    command = [str(Path(sys.executable).with_name("tasklink")), *args]
    print("\n$ " + " ".join(shlex.quote(a) for a in ["tasklink", *args]), flush=True)
    done = subprocess.run(
        command, env={**os.environ, **env}, cwd=ROOT, text=True, capture_output=True, check=False
    )
    # --trace writes each step to stderr while the process runs; the result comes last
    for stream in (done.stderr, done.stdout):
        if stream.strip():
            print(stream.rstrip())
    print(f"(exit code {done.returncode})")
    return done.returncode, done.stdout


class Checks:
    """What the demo expects, and what differed."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def expect(self, what: str, actual: object, expected: object) -> None:
        if actual != expected:
            self.problems.append(f"{what}: expected {expected!r}, got {actual!r}")


def main() -> int:
    from aiosmtpd.controller import Controller

    api = ThreadingHTTPServer(("127.0.0.1", 0), OrdersApi)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    base = f"http://127.0.0.1:{api.server_port}"
    # {{secrets.ORDER_API_TOKEN}} reads TASKLINK_SECRET_ORDER_API_TOKEN, and nothing else
    # in the environment is a secret.
    env = {"TASKLINK_SECRET_ORDER_API_TOKEN": API_TOKEN}
    checks = Checks()
    print(f"Orders API on {base}, SMTP server on 127.0.0.1:{smtp.port}")

    def run(order: str, path: list[str], e_mails: int, *options: str) -> None:
        """Run the example for one order and check the outcome."""
        variables = {
            "orderId": order,
            "baseUrl": base,
            "smtpHost": "127.0.0.1",
            "smtpPort": smtp.port,
        }
        sent_before = len(inbox.messages)
        code, output = tasklink(
            "process", "run", EXAMPLE, "--variables", json.dumps(variables), *options, env=env
        )
        checks.expect(f"order {order}: exit code", code, 0)
        try:
            result = json.loads(output)
        except ValueError:
            checks.problems.append(f"order {order}: no result printed")
            return
        print(f"-> {result['state']} through {' -> '.join(result['path'])}")
        checks.expect(f"order {order}: state", result["state"], "completed")
        checks.expect(f"order {order}: path", result["path"], path)
        checks.expect(f"order {order}: e-mails sent", len(inbox.messages) - sent_before, e_mails)

    try:
        print(
            f"\n1. Order 42 has shipped: {EXAMPLE} fetches it with the REST connector (the "
            "token comes from TASKLINK_SECRET_ORDER_API_TOKEN and never shows), the gateway "
            "sends it to the e-mail task, and the customer is told. --trace shows each step."
        )
        run(
            "42",
            ["order-received", "fetch-order", "is-shipped", "notify-customer", "customer-notified"],
            1,
            "--trace",
        )
        print("\nThe SMTP server received:")
        for message in inbox.messages:
            print(
                f"  From: {message['From']}\n  To: {message['To']}\n  Subject: {message['Subject']}"
            )
            print("  " + message.get_payload(decode=True).decode().strip())
        print("\n2. Order 43 is still being packed: the gateway's default flow ends the process.")
        run("43", ["order-received", "fetch-order", "is-shipped", "not-shipped-yet"], 0)
        print(
            "\n3. Order 7 does not exist: the API's 404 becomes the BPMN error ORDER_NOT_FOUND "
            "(the task's error expression), which the boundary event order-not-found catches."
        )
        run("7", ["order-received", "order-not-found", "unknown-order"], 0)

        print(
            "\n4. One connector on its own, without a process: a mistake in the input is named "
            "by field (exit 2)."
        )
        code, _ = tasklink("invoke", "http", "--input", '{"method": "FETCH", "url": 5}', env=env)
        checks.expect("invoke with a bad input: exit code", code, 2)
        print(
            "\n5. Process data cannot read the runtime's environment: HOME is no secret (exit 2)."
        )
        leak = {"method": "POST", "url": f"{base}/orders", "body": {"home": "{{secrets.HOME}}"}}
        code, _ = tasklink("invoke", "http", "--input", json.dumps(leak), env=env)
        checks.expect("invoke reading {{secrets.HOME}}: exit code", code, 2)
    finally:
        smtp.stop()
        api.shutdown()
    subjects = [message["Subject"] for message in inbox.messages]
    checks.expect("e-mails received", subjects, ["Your order 42 has shipped"])
    if checks.problems:
        print("\nunexpected results:\n  " + "\n  ".join(checks.problems), file=sys.stderr)
        return 1
    print("\nDemo finished: every step behaved as expected.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
