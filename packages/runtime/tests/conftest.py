"""Shared fixtures of the runtime tests: RabbitMQ, a plugin site with the fixture connector."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

SUPPORT = Path(__file__).resolve().parent / "support"
if str(SUPPORT) not in sys.path:
    sys.path.insert(0, str(SUPPORT))

from activiti_bundle import RABBITMQ_URL, RuntimeBundle  # noqa: E402


def rabbitmq_available(host: str = "127.0.0.1", port: int = 5672) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def rabbitmq_url() -> str:
    if not rabbitmq_available():
        pytest.fail(
            "RabbitMQ is not running on 127.0.0.1:5672: start it with "
            "`rabbitmq-server -detached && rabbitmqctl await_startup`"
        )
    return RABBITMQ_URL


@pytest.fixture
def prefix() -> str:
    """A unique destination prefix, so parallel runs never share exchanges or queues."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with dist-infos that register tasklink-testing's fixture connector (and
    one broken plugin) as entry points; put it on PYTHONPATH, nothing gets installed."""
    site = tmp_path_factory.mktemp("site")
    for dist, version, entries in (
        (
            "tasklink_testconnectors",
            "0.3.0",
            "echo = tasklink.testing.fixtures:echo\n",
        ),
        ("tasklink_brokenplugin", "0.0.1", "broken = tasklink_no_such_module:connector\n"),
    ):
        info = site / f"{dist}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {dist.replace('_', '-')}\nVersion: {version}\n"
        )
        (info / "entry_points.txt").write_text(f"[tasklink.connectors]\n{entries}")
    return site


@pytest.fixture
def cli_env(plugin_site: Path) -> dict[str, str]:
    """Environment for a `python -m tasklink.runtime` subprocess that discovers the
    fixture connector."""
    env = dict(os.environ)
    paths = [str(plugin_site)]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


@pytest.fixture
async def bundle(rabbitmq_url: str, prefix: str) -> AsyncIterator[RuntimeBundle]:
    rb = RuntimeBundle(rabbitmq_url, prefix)
    await rb.start()
    try:
        yield rb
    finally:
        await rb.close()


async def wait_until(predicate: Callable[[], bool], timeout: float = 20) -> None:
    async def poll() -> None:
        while not predicate():  # noqa: ASYNC110 - polls state that has no event
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


@pytest.fixture
def until() -> Callable[[Callable[[], bool], float], Awaitable[None]]:
    """``await until(lambda: condition, timeout)`` (test modules cannot import conftest)."""
    return wait_until
