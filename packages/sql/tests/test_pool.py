"""Connections are pooled per database and credentials on each event loop, reused by
the jobs that follow, and closed by the runtime's shutdown."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sql_databases import POSTGRES, Database

from tasklink.sql import _engines, connector
from tasklink.sql._urls import Target
from tasklink.testing import arun_job


async def _backend_pid(connection: dict[str, Any]) -> int:
    outcome = await arun_job(
        connector,
        {"connection": connection, "statement": "SELECT pg_backend_pid() AS pid"},
        operation="query",
    )
    assert outcome.kind == "completed", outcome
    pid: int = outcome.output["rows"][0]["pid"]
    return pid


async def test_jobs_share_pooled_connections(postgres: Database) -> None:
    first = await _backend_pid(postgres.connection)
    assert await _backend_pid(postgres.connection) == first  # the same server session
    target = Target(
        "postgresql",
        POSTGRES.rsplit(":", 1)[0],
        int(POSTGRES.rsplit(":", 1)[1]),
        "test",
        "postgres",
    )
    engine = await _engines.engine_for(target)
    assert engine is await _engines.engine_for(target)
    # Other credentials: another pool (the password is part of the key, never shared).
    other = await _engines.engine_for(Target(**{**target.__dict__, "password": "other-pass"}))
    assert other is not engine


async def test_the_shutdown_hook_closes_the_pool(postgres: Database) -> None:
    first = await _backend_pid(postgres.connection)
    await connector.aclose()  # what the runtime calls at shutdown
    # The server sees the session end (its backend exits right after the client's goodbye).
    query = f"SELECT count(*) FROM pg_stat_activity WHERE pid = {first}"
    for _ in range(100):
        if await postgres.afetch(query) == [(0,)]:
            break
        await asyncio.sleep(0.05)
    assert await postgres.afetch(query) == [(0,)]
    assert await _backend_pid(postgres.connection) != first  # a new pool, a new session


async def test_the_least_recently_used_engine_is_disposed(
    sqlite_dir: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(_engines, "MAX_ENGINES_PER_LOOP", 2)
    targets = [Target("sqlite", None, None, str(sqlite_dir / f"{n}.db"), None) for n in range(3)]
    engines = [await _engines.engine_for(t) for t in targets]
    state = _engines._loops[asyncio.get_running_loop()]
    assert list(state.engines) == targets[1:]
    assert await _engines.engine_for(targets[1]) is engines[1]
    assert await _engines.engine_for(targets[0]) is not engines[0]  # made anew
    await _engines.close_engines()
