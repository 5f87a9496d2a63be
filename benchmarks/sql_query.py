"""A 1,000-row SELECT of mixed column types through the SQL connector, beside the same
library stack used bare.

PostgreSQL (the machine's: ``TASKLINK_TEST_POSTGRES``, default ``127.0.0.1:5432``, user
``postgres``, database ``test``), a table of 1,000 rows made for the run (integer, text,
NUMERIC, TIMESTAMPTZ, DATE, UUID, BOOLEAN, DOUBLE; dropped at the end). Each round runs
the same ``SELECT * ... ORDER BY id``, the sides interleaved:

* ``tasklink``: the ``query`` operation through the runtime's ``Pipeline`` (secrets, the
  password given as ``{{secrets.DB_PASSWORD}}``; validation; the statement's checks; the
  statement time limit set on the server; rows streamed and converted to JSON values;
  output mapping and redaction of the result);
* ``bare``: the same SQLAlchemy engine the connector uses (its pool of asyncpg
  connections, codecs and pre-ping: ``engine_for`` of the same target) executing the same
  statement and taking the rows as dictionaries the way SQLAlchemy documents it
  (``result.mappings()``, each made a ``dict``). The bare stack's fetch of plain tuples is
  shown too, for scale.

``sql_query_ratio`` is the median over rounds of tasklink's throughput over bare's
(target >= 0.7), measured with the warm heap frozen (``gc.freeze()`` after the warm-up).
The collector's full passes traverse every tracked object of the process, tens of
milliseconds for the imported SQLAlchemy, pydantic and tasklink modules, and they fall on
whichever side allocates most: the connector keeps two copies of the rows (its rows, and
the JSON the core makes of its output) where the bare side keeps one. A long-running
worker freezes its warm heap so that these passes cost what the jobs' own objects cost;
``sql_query_ratio_unfrozen_heap`` is the same comparison before freezing, for scale.

    python benchmarks/sql_query.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import socket
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from tasklink.core import Completed, Job, JobInfo, MappingSecretProvider
from tasklink.runtime import Pipeline, RuntimeSettings
from tasklink.sql import connector
from tasklink.sql._engines import engine_for
from tasklink.sql._urls import Target

ROWS = 1000
PASSWORD = "benchmark-password-5e1a"
POSTGRES = os.environ.get("TASKLINK_TEST_POSTGRES", "127.0.0.1:5432")


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


async def timed(side: Callable[[], Awaitable[Any]], repeat: int) -> float:
    """Seconds one run of ``side`` takes, averaged over ``repeat`` runs."""
    started = time.perf_counter()
    for _ in range(repeat):
        await side()
    return (time.perf_counter() - started) / repeat


async def create_table(engine: Any, table: str) -> None:
    """``table`` with :data:`ROWS` rows of mixed column types."""
    async with engine.begin() as connection:
        await connection.exec_driver_sql(
            f"CREATE TABLE {table} (id INT PRIMARY KEY, name TEXT, amount NUMERIC(12,2), "
            "created TIMESTAMPTZ, day DATE, ref UUID, active BOOLEAN, score DOUBLE PRECISION)"
        )
        await connection.exec_driver_sql(
            f"INSERT INTO {table} SELECT g, 'customer ' || g, g * 1.25, "
            "now() - g * interval '1 minute', current_date - g, gen_random_uuid(), "
            f"g % 2 = 0, g / 3.0 FROM generate_series(1, {ROWS}) g"
        )


async def main(quick: bool) -> None:
    host, _, port_text = POSTGRES.rpartition(":")
    port = int(port_text)
    if not reachable(host, port):
        raise SystemExit(
            f"PostgreSQL is not running on {POSTGRES}: run `bash packages/sql/tests/"
            "setup_databases.sh`"
        )
    from sqlalchemy import text

    table = f"bench_{uuid.uuid4().hex[:10]}"
    statement = f"SELECT * FROM {table} ORDER BY id"
    target = Target("postgresql", host, port, "test", "postgres", PASSWORD)
    engine = await engine_for(target)
    await create_table(engine, table)
    pipeline = Pipeline(
        [connector],
        RuntimeSettings(concurrency=1),
        secrets=MappingSecretProvider({"DB_PASSWORD": PASSWORD}),
        metrics=False,
    )
    operation = connector.get_operation("query")
    variables = {
        "connection": {
            "type": "url",
            "url": f"postgresql://postgres@{host}:{port}/test",
            "password": "{{secrets.DB_PASSWORD}}",
        },
        "statement": statement,
        "maxRows": ROWS,
    }
    query = text(statement)

    async def tasklink() -> None:
        job = Job(variables, info=JobInfo(engine="bench", job_type=connector.job_type, retries=3))
        outcome = await pipeline.run(operation, job)
        if not isinstance(outcome, Completed) or len(outcome.output["rows"]) != ROWS:
            raise SystemExit(f"the connector's query failed: {outcome}")

    async def bare() -> None:
        async with engine.connect() as connection:
            result = await connection.execute(query)
            rows = [dict(row) for row in result.mappings()]
        if len(rows) != ROWS:
            raise SystemExit("the bare query lost rows")

    async def tuples() -> None:
        async with engine.connect() as connection:
            result = await connection.execute(query)
            result.all()

    rounds, repeat = (25, 4) if quick else (61, 10)
    try:
        for side in (tasklink, bare, tuples):  # warm up: imports, pool, prepared statements
            await timed(side, 3)
        unfrozen = await measure((tasklink, bare, tuples), rounds, repeat)
        # The warm heap (the modules' objects) out of the collector's full passes, as a
        # long-running worker keeps it (see the module's docstring).
        gc.freeze()
        frozen = await measure((tasklink, bare, tuples), rounds, repeat)
        gc.unfreeze()
    finally:
        async with engine.begin() as connection:
            await connection.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
        await pipeline.aclose()
    report(frozen, unfrozen, rounds, repeat)


def report(
    frozen: tuple[list[float], ...], unfrozen: tuple[list[float], ...], rounds: int, repeat: int
) -> None:
    """The table, then the METRIC lines."""
    print(f"{ROWS}-row SELECT on PostgreSQL, {rounds} rounds of {repeat} per heap state")
    print(f"{'side':<38}{'median ms':>10}{'rows/s':>12}")
    ours, theirs, plain = frozen
    for label, times in (
        ("bare (SQLAlchemy, rows as dicts)", theirs),
        ("tasklink (query through Pipeline)", ours),
        ("bare tuples (for scale)", plain),
    ):
        median = statistics.median(times)
        print(f"{label:<38}{median * 1000:>10.2f}{ROWS / median:>12.0f}")
    ratio = throughput_ratio(frozen)
    plain_heap = throughput_ratio(unfrozen)
    print(f"ratio tasklink / bare throughput (median of rounds) {ratio:.3f}   (target >= 0.7)")
    print(f"the same with the warm heap not frozen                {plain_heap:.3f}")
    print(f"METRIC sql_query_ratio={ratio:.3f}")
    print(f"METRIC sql_query_ratio_unfrozen_heap={plain_heap:.3f}")
    print(f"METRIC sql_query_ms={statistics.median(ours) * 1000:.2f}")


async def measure(
    sides: tuple[Callable[[], Awaitable[Any]], ...], rounds: int, repeat: int
) -> tuple[list[float], ...]:
    """Seconds per run of each side, per round; the sides interleaved, so drift on a
    shared machine hits them alike."""
    times: tuple[list[float], ...] = tuple([] for _ in sides)
    for _ in range(rounds):
        for side, found in zip(sides, times, strict=True):
            found.append(await timed(side, repeat))
    return times


def throughput_ratio(times: tuple[list[float], ...]) -> float:
    """Median over rounds of bare's time over tasklink's (tasklink's throughput over
    bare's): each round's sides ran back to back, so their ratio cancels the machine's
    speed at that moment, and the median of those ratios is steadier than a ratio of
    medians."""
    ours, theirs = times[0], times[1]
    return statistics.median(b / t for b, t in zip(theirs, ours, strict=True))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a short smoke run (< 30 s)")
    sys.exit(asyncio.run(main(parser.parse_args().quick)))
