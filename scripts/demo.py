#!/usr/bin/env python3
"""The README demo: a REST call and an e-mail through `tasklink invoke`, against local servers.

It starts a small HTTP API (with bearer authentication) and an SMTP server on 127.0.0.1,
then runs the installed connectors exactly as a user would from the shell, secrets coming
from `TASKLINK_SECRET_*` environment variables: a successful request, a 404 turned into an
error with a stable code, an input mistake named by field, an e-mail whose arrival it shows,
and a placeholder that tries to read the runtime's own environment and is refused.
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

API_TOKEN = "demo-token-4f9a2c71"  # noqa: S105 - the demo's own local API
ORDERS = {"42": {"id": 42, "customer": "Ada Lovelace", "total": 129.5, "status": "shipped"}}


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


def tasklink(*args: str, env: dict[str, str]) -> int:
    command = [str(Path(sys.executable).with_name("tasklink")), *args]
    print("\n$ " + " ".join(shlex.quote(a) for a in ["tasklink", *args]), flush=True)
    done = subprocess.run(
        command, env={**os.environ, **env}, text=True, capture_output=True, check=False
    )
    for stream in (done.stdout, done.stderr):
        if stream.strip():
            print(stream.rstrip())
    print(f"(exit code {done.returncode})")
    return done.returncode


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
    print(f"Orders API on {base}, SMTP server on 127.0.0.1:{smtp.port}")

    def fetch(order: str) -> list[str]:
        request = {
            "method": "GET",
            "url": f"{base}/orders/{order}",
            "authentication": {"type": "bearer", "token": "{{secrets.ORDER_API_TOKEN}}"},
        }
        return ["invoke", "http", "--input", json.dumps(request)]

    try:
        print(
            "\n1. A REST call; the token comes from TASKLINK_SECRET_ORDER_API_TOKEN and never "
            "shows."
        )
        codes = [tasklink(*fetch("42"), env=env)]
        print("\n2. A 404 becomes a connector error with a stable code (exit 1).")
        codes.append(tasklink(*fetch("7"), env=env))
        print("\n3. A mistake in the input is named by field (exit 2).")
        codes.append(
            tasklink("invoke", "http", "--input", '{"method": "FETCH", "url": 5}', env=env)
        )
        print("\n4. An e-mail through SMTP.")
        mail = {
            "connection": {"host": "127.0.0.1", "port": smtp.port, "security": "none"},
            "sender": "shop@example.org",
            "to": ["ada@example.org"],
            "subject": "Your order {{ order.id }} has {{ order.status }}",
            "text": "Hello {{ order.customer }}, your order (CHF {{ order.total }}) is on its way.",
            "templateEngine": "jinja2",
            "templateData": {"order": ORDERS["42"]},
        }
        codes.append(
            tasklink("invoke", "email", "--operation", "send", "--input", json.dumps(mail), env=env)
        )
        print("\nThe SMTP server received:")
        for message in inbox.messages:
            print(
                f"  From: {message['From']}\n  To: {message['To']}\n  Subject: {message['Subject']}"
            )
            print("  " + message.get_payload(decode=True).decode().strip())
        print(
            "\n5. Process data cannot read the runtime's environment: HOME is no secret (exit 2)."
        )
        leak = {"method": "POST", "url": f"{base}/orders", "body": {"home": "{{secrets.HOME}}"}}
        codes.append(tasklink("invoke", "http", "--input", json.dumps(leak), env=env))
    finally:
        smtp.stop()
        api.shutdown()
    expected = [0, 1, 2, 0, 2]
    if codes != expected or len(inbox.messages) != 1:
        print(
            f"\nunexpected results: exit codes {codes}, {len(inbox.messages)} e-mails",
            file=sys.stderr,
        )
        return 1
    print("\nDemo finished: every step behaved as expected.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
