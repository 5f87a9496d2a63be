"""Running statements: the connector's operations, and the internal API its vendor
contracts share (:func:`run_statements`).

Every operation runs in one transaction on a pooled connection: committed when every
statement succeeded, rolled back otherwise (a query too, so ``INSERT ... RETURNING``
through ``query`` is all or nothing). Rows are streamed from the database (a server-side
cursor on PostgreSQL, an unbuffered cursor on MySQL) and read up to ``maxRows`` plus one,
to say whether there were more, so a large result never sits in memory whole.

Time limits: ``timeoutInSeconds`` bounds the operation. The database enforces it where it
can, so a statement that runs too long is cancelled by the server and the connection stays
usable: PostgreSQL's ``statement_timeout`` (for the transaction only), MariaDB's
``max_statement_time``, MySQL's ``max_execution_time`` (SELECT only), SQLite's progress
handler. A client deadline a second later catches what the server does not (a stalled
network, SQL Server and Oracle), and the job's own deadline, when the engine gave one,
lowers both.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tasklink.core import ConnectorError, Context, ErrorCode, InputError

from ._engines import SqliteDeadline, engine_for
from ._errors import sql_error
from ._models import (
    DetailedConnection,
    Execute,
    ExecuteResult,
    Query,
    QueryResult,
    SqlInput,
    StatementResult,
    Transaction,
    TransactionResult,
    UrlConnection,
)
from ._statements import BoundStatement, bind_statement, returns_rows_hint
from ._urls import (
    DEFAULT_PORTS,
    DIALECT_NAMES,
    Target,
    allowed_sqlite_path,
    check_host,
    parse_url,
)
from ._values import RowConverter, column_names

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = [
    "Outcome",
    "execute",
    "query",
    "run_statements",
    "target_of",
    "time_limit",
    "transaction",
]

#: Seconds the client waits beyond the time limit for the database's own cancellation.
CLIENT_GRACE = 1.0
#: Rows fetched from the database at a time.
FETCH_ROWS = 10_000

_ISOLATION = {
    "read_committed": "READ COMMITTED",
    "repeatable_read": "REPEATABLE READ",
    "serializable": "SERIALIZABLE",
}
_INSERTS = ("insert", "replace")


def target_of(data: SqlInput, *, prefix: str = "connection") -> Target:
    """The database the input names, checked for what a connection needs; problems are
    input errors naming the field."""
    connection = data.connection
    if isinstance(connection, UrlConnection):
        parsed = parse_url(connection.url)
        dialect, host, port = parsed.dialect, parsed.host, parsed.port
        database, options = parsed.database, parsed.options
        username = connection.username or parsed.username
        where = {"host": f"{prefix}.url", "database": f"{prefix}.url"}
    else:
        assert isinstance(connection, DetailedConnection)
        dialect, host, port = connection.database_type, connection.host, connection.port
        database, options, username = connection.database, (), connection.username
        where = {"host": f"{prefix}.host", "database": f"{prefix}.database"}
    return make_target(
        dialect,
        host=host,
        port=port,
        database=database,
        username=username,
        password=connection.password,
        options=options,
        tls=data.tls,
        ca_certificate=data.ca_certificate,
        connect_timeout=data.connect_timeout_in_seconds,
        fields={**where, "username": f"{prefix}.username", "tls": "tls"},
    )


def make_target(
    dialect: Any,
    *,
    host: str | None,
    port: int | None,
    database: str | None,
    username: str | None,
    password: str | None,
    options: tuple[tuple[str, str], ...] = (),
    tls: Any = "default",
    ca_certificate: str | None = None,
    connect_timeout: float = 10.0,
    fields: dict[str, str],
) -> Target:
    """A checked :class:`Target`; ``fields`` names the inputs for the messages (``host``,
    ``database``, ``username``, ``tls``)."""
    if dialect == "sqlite":
        if tls in ("require", "verify"):
            raise InputError(
                f"{fields['tls']}: SQLite is a local file, without a connection to encrypt",
                field=fields["tls"],
            )
        path = allowed_sqlite_path(database or "", fields["database"])
        return Target("sqlite", None, None, path, None, None, connect_timeout=connect_timeout)
    host = check_host(host, dialect, fields["host"])
    if not username:
        raise InputError(
            f"{fields['username']}: required for {DIALECT_NAMES[dialect]}",
            code=ErrorCode.MISSING_INPUT,
            field=fields["username"],
        )
    return Target(
        dialect,
        host,
        port or DEFAULT_PORTS[dialect],
        database or None,
        username,
        password or None,
        options=options,
        tls=tls,
        ca_certificate=ca_certificate if tls == "verify" else None,
        connect_timeout=connect_timeout,
    )


def time_limit(seconds: float | None, ctx: Context) -> float | None:
    """The seconds the operation may take: its own limit (``0`` or ``None``: none), and
    no longer than the job's deadline allows."""
    limit = seconds if seconds else None
    deadline = ctx.job.deadline
    if deadline is not None:
        now = datetime.now(deadline.tzinfo or UTC)
        left = (deadline - now).total_seconds() - CLIENT_GRACE
        limit = left if limit is None else min(limit, left)
    if limit is not None and limit <= 0:
        raise ConnectorError(
            "the job's deadline has passed before the statement could run",
            code=ErrorCode.TIMEOUT,
        )
    return limit


# -- running statements ----------------------------------------------------------------------


@dataclass
class Outcome:
    """What one statement did."""

    affected_rows: int = -1
    last_insert_id: int | None = None
    returns_rows: bool = False
    columns: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False


@dataclass(frozen=True)
class Step:
    """One statement to run: bound, and whether its rows are streamed."""

    bound: BoundStatement
    stream: bool


def _text(bound: BoundStatement) -> Any:
    from sqlalchemy import bindparam, text

    clause = text(bound.sql)
    if bound.expanding:
        clause = clause.bindparams(*(bindparam(n, expanding=True) for n in bound.expanding))
    return clause


def _run_one(
    connection: Connection,
    step: Step,
    *,
    max_rows: int,
    decimals: str,
    dialect: str,
) -> Outcome:
    """Run one statement on a synchronous connection (inside SQLAlchemy's greenlet)."""
    clause = _text(step.bound)
    if step.stream:
        fetch = min(max_rows + 1, FETCH_ROWS)
        clause = clause.execution_options(stream_results=True, yield_per=fetch)
    result = connection.execute(clause, step.bound.values)
    outcome = Outcome()
    try:
        if result.returns_rows:
            outcome.returns_rows = True
            outcome.columns = column_names(result.keys())
            converter = RowConverter(outcome.columns, decimals=decimals, dialect=dialect)
            rows = outcome.rows
            for part in result.partitions(min(max_rows + 1, FETCH_ROWS)):
                room = max_rows - len(rows)
                if len(part) > room:
                    rows.extend(converter.rows(part[:room]))
                    outcome.truncated = True
                    break
                rows.extend(converter.rows(part))
        if not step.stream:
            outcome.affected_rows = _rowcount(result)
            first = step.bound.sql.lstrip().split(None, 1)[0].lower() if step.bound.sql else ""
            if first in _INSERTS:
                outcome.last_insert_id = _lastrowid(result)
    finally:
        result.close()
    return outcome


def _rowcount(result: Any) -> int:
    try:
        count = result.rowcount
    except Exception:  # a driver that cannot tell
        return -1
    return count if isinstance(count, int) and count >= 0 else -1


def _lastrowid(result: Any) -> int | None:
    try:
        value = result.lastrowid
    except Exception:  # PostgreSQL's driver has none: RETURNING tells instead
        return None
    return value if isinstance(value, int) and value > 0 else None


async def _limit_statements(
    connection: AsyncConnection, target: Target, limit: float | None
) -> SqliteDeadline | None:
    """Have the database cancel statements that outrun ``limit``."""
    dialect = target.dialect
    if dialect == "postgresql":
        if limit is not None:
            # SET LOCAL: for this transaction only; a pooled connection keeps nothing.
            await connection.exec_driver_sql(
                f"SET LOCAL statement_timeout = {max(1, int(limit * 1000))}"
            )
        return None
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    if dialect in ("mysql", "mariadb"):
        if connection.dialect.is_mariadb:  # type: ignore[attr-defined]
            setting = f"max_statement_time = {limit or 0:.3f}"  # seconds, every statement
        else:
            setting = f"max_execution_time = {int((limit or 0) * 1000)}"  # ms, SELECT only
        # A session setting stays on the pooled connection: set only when it changes.
        if getattr(driver, "tasklink_time_limit", None) != setting:
            await connection.exec_driver_sql(f"SET SESSION {setting}")
            driver.tasklink_time_limit = setting  # type: ignore[union-attr]
        return None
    if dialect == "sqlite":
        deadline: SqliteDeadline | None = getattr(driver, "tasklink_deadline", None)
        if deadline is not None:
            deadline.at = None if limit is None else time.monotonic() + limit
        return deadline
    return None


async def run_statements(
    ctx: Context,
    target: Target,
    steps: Sequence[Step],
    *,
    max_rows: int,
    decimals: str,
    limit: float | None,
    isolation_level: str = "default",
    check: Callable[[int, Outcome], None] | None = None,
) -> list[Outcome]:
    """Run ``steps`` in one transaction on ``target``: committed when all succeeded (and
    ``check`` raised for none of them), else rolled back. Failures raise the connector's
    errors (a transaction's name the failing statement's index)."""
    index: int | None = None
    deadline: SqliteDeadline | None = None
    outcomes: list[Outcome] = []
    transactional = len(steps) > 1
    try:
        async with asyncio.timeout(None if limit is None else limit + CLIENT_GRACE):
            engine = await engine_for(target)
            async with engine.connect() as connection:
                if isolation_level != "default":
                    await connection.execution_options(isolation_level=_ISOLATION[isolation_level])
                deadline = await _limit_statements(connection, target, limit)
                try:
                    for index, step in enumerate(steps):
                        outcome = await connection.run_sync(
                            _run_one,
                            step,
                            max_rows=max_rows,
                            decimals=decimals,
                            dialect=target.dialect,
                        )
                        if check is not None:
                            check(index, outcome)
                        outcomes.append(outcome)
                    index = None
                    await connection.commit()
                finally:
                    if deadline is not None:
                        deadline.at = None
    except (InputError, ConnectorError):
        raise
    except Exception as exc:
        if _isolation_refused(exc):
            raise InputError(
                f"isolationLevel: {target.name} does not offer {isolation_level}",
                field="isolationLevel",
            ) from None
        error = sql_error(
            exc,
            dialect=target.dialect,
            where=target.where(),
            statement_index=index if transactional else None,
        )
        ctx.logger.debug("%s", error.message)
        raise error from None
    return outcomes


def _isolation_refused(exc: Exception) -> bool:
    return type(exc).__name__ == "ArgumentError" and "isolation" in str(exc).lower()


# -- the operations ------------------------------------------------------------------------


def _rows_only(_: int, outcome: Outcome) -> None:
    if not outcome.returns_rows:
        raise InputError(
            "statement: returns no rows (it is not a SELECT and has no RETURNING clause); "
            "nothing was changed: use the execute operation",
            field="statement",
        )


async def query(data: Query, ctx: Context) -> QueryResult:
    """Run a statement that returns rows; the rows as objects, at most ``maxRows``."""
    target = target_of(data)
    step = Step(bind_statement(data.statement, data.parameters, "parameters"), stream=True)
    [outcome] = await run_statements(
        ctx,
        target,
        [step],
        max_rows=data.max_rows,
        decimals=data.decimals,
        limit=time_limit(data.timeout_in_seconds, ctx),
        check=_rows_only,
    )
    return QueryResult.model_construct(
        rows=outcome.rows,
        columns=outcome.columns,
        row_count=len(outcome.rows),
        truncated=outcome.truncated,
    )


async def execute(data: Execute, ctx: Context) -> ExecuteResult:
    """Run a statement that changes data; the rows it changed and the keys it made."""
    target = target_of(data)
    step = Step(bind_statement(data.statement, data.parameters, "parameters"), stream=False)
    [outcome] = await run_statements(
        ctx,
        target,
        [step],
        max_rows=data.max_rows,
        decimals=data.decimals,
        limit=time_limit(data.timeout_in_seconds, ctx),
    )
    return ExecuteResult.model_construct(
        affected_rows=outcome.affected_rows,
        last_insert_id=outcome.last_insert_id,
        generated_keys=outcome.rows,
        truncated=outcome.truncated,
    )


async def transaction(data: Transaction, ctx: Context) -> TransactionResult:
    """Run the statements in one transaction: all committed, or none."""
    target = target_of(data)
    steps = [
        Step(
            bind_statement(s.statement, s.parameters, f"statements[{i}].parameters"),
            stream=returns_rows_hint(s.statement),
        )
        for i, s in enumerate(data.statements)
    ]
    outcomes = await run_statements(
        ctx,
        target,
        steps,
        max_rows=data.max_rows,
        decimals=data.decimals,
        limit=time_limit(data.timeout_in_seconds, ctx),
        isolation_level=data.isolation_level,
    )
    results = [
        StatementResult.model_construct(
            affected_rows=o.affected_rows,
            last_insert_id=o.last_insert_id,
            rows=o.rows,
            columns=o.columns,
            truncated=o.truncated,
        )
        for o in outcomes
    ]
    total = sum(o.affected_rows for o in outcomes if o.affected_rows > 0)
    return TransactionResult.model_construct(results=results, affected_rows=total)
