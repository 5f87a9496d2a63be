"""A `tasklink run` subprocess as tests start it: free ports, health over HTTP, metrics."""

from __future__ import annotations

import asyncio
import socket
import subprocess
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def http_get(port: int, path: str) -> tuple[int, str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    await writer.drain()
    response = (await reader.read()).decode()
    writer.close()
    head, _, body = response.partition("\r\n\r\n")
    return int(head.split()[1]), body


async def wait_healthy(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until the runtime's /health answers 200; fails the test if it exits first."""

    async def poll() -> None:
        while True:
            if process.poll() is not None:
                pytest.fail(f"the runtime exited early:\n{log.read_text()}")  # noqa: ASYNC240
            try:
                if (await http_get(port, "/health"))[0] == 200:
                    return
            except OSError:
                pass
            await asyncio.sleep(0.1)

    await asyncio.wait_for(poll(), 60)


def metric(text: str, name: str, **labels: str) -> float:
    """The sum of a Prometheus metric's samples with these labels."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total
