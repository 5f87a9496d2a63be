"""Pooled SQLAlchemy engines: one per event loop and :class:`~._urls.Target`.

Jobs share an engine's connection pool (a job never opens a connection of its own);
connections belong to the event loop that opened them, so engines are kept per loop,
at most :data:`MAX_ENGINES_PER_LOOP` of them (the least recently used is disposed). When
a loop shuts down through ``asyncio.run`` (anything that calls
``loop.shutdown_asyncgens()``) its engines are disposed automatically; the runtime's
shutdown calls :func:`close_engines` after the last job (the connector's shutdown hook).

Every connection is opened by the connector's own creator, never from a URL, with host,
port, database, user and password passed one by one and the driver's ambient defaults
closed off: PostgreSQL never falls back on ``PGPASSWORD`` or ``~/.pgpass``; MySQL never
reads an option file and refuses ``LOAD DATA LOCAL INFILE`` (a server could read the
runtime's files with it); SQLite refuses ``ATTACH`` (it opens or creates any file),
checks the statement time limit while it runs, and enforces foreign keys.

PostgreSQL connections run in UTC with ISO dates and ISO 8601 intervals, and read and
write dates, times, timestamps, intervals and UUIDs as text: process variables hold
dates as ISO text, which asyncpg's binary codecs refuse as parameters (``'2024-05-01'``
for a ``date`` column), and the results come back as ISO text without a detour through
Python objects.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import ssl
import weakref
from collections import OrderedDict
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from tasklink.client import ClientErrorCode, TlsConfig, TlsFields
from tasklink.client import ssl_context as client_ssl_context
from tasklink.core import ConnectorError, ErrorCode

from ._errors import SqlCode
from ._urls import MEMORY, Target
from ._values import PgNumeric, duration

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = [
    "APPLICATION_NAME",
    "MAX_ENGINES_PER_LOOP",
    "SqliteDeadline",
    "close_engines",
    "engine_for",
    "ssl_context",
]

APPLICATION_NAME = "tasklink-sql"
#: Distinct databases (or credentials) per loop before the least recently used engine is
#: disposed.
MAX_ENGINES_PER_LOOP = 16
#: Connections kept per engine, and opened beyond them under load.
POOL_SIZE = 5
MAX_OVERFLOW = 10
#: Seconds before a pooled connection is replaced (servers and firewalls drop idle ones).
POOL_RECYCLE = 1800
#: SQLite's progress handler runs every this many virtual machine steps.
_SQLITE_PROGRESS_STEPS = 1000
# SQLite's authorizer action codes (https://www.sqlite.org/c3ref/c_alter_table.html).
_SQLITE_ATTACH = 24
_SQLITE_DETACH = 25
_SQLITE_DENY = 1
_SQLITE_OK = 0

_log = logging.getLogger("tasklink.sql")
_TLS_FIELDS = TlsFields(ca="caCertificate")

_SQLALCHEMY_URLS = {
    "postgresql": "postgresql+asyncpg://",
    "mysql": "mysql+aiomysql://",
    "mariadb": "mysql+aiomysql://",
    "sqlite": "sqlite+aiosqlite://",
    "mssql": "mssql+aioodbc://",
    "oracle": "oracle+oracledb_async://",
}
_DRIVERS = {
    "postgresql": "asyncpg",
    "mysql": "aiomysql",
    "mariadb": "aiomysql",
    "sqlite": "aiosqlite",
    "mssql": "aioodbc",
    "oracle": "oracledb",
}


def _driver(name: str) -> Any:
    """A driver module, imported on first use. asyncpg, aiomysql, PyMySQL, aioodbc and
    oracledb ship no type information: imported by name, their API is ``Any`` here rather
    than a type checker's exception in the workspace's configuration."""
    return importlib.import_module(name)


def ssl_context(target: Target) -> ssl.SSLContext | None:
    """The TLS context of ``require`` (encrypted, not verified) or ``verify`` (the
    certificate and host name, against the trust policy every tasklink connection shares:
    :func:`tasklink.client.ssl_context`, plus ``caCertificate``). A new one per
    connection: oracledb adjusts the context it is given."""
    if target.tls == "require":
        return client_ssl_context(TlsConfig(verify=False))
    if target.tls == "verify":
        return client_ssl_context(TlsConfig(ca_pem=target.ca_certificate), _TLS_FIELDS)
    return None


def _no_tls(target: Target) -> ConnectorError:
    """The server does not offer TLS, which ``tls`` asks for: never carry on in the clear
    (aiomysql would, silently)."""
    return ConnectorError(
        f"TLS with {target.name} at {target.where()} failed: the server does not offer TLS, "
        f"and tls is {target.tls}",
        code=ErrorCode.TLS_FAILED,
        retryable=False,
    )


# -- PostgreSQL ---------------------------------------------------------------------------


def _pg_text(value: Any) -> str:
    """A parameter for a date, time, interval or UUID column, as PostgreSQL reads it."""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return duration(value)
    return str(value)


def _pg_timestamp(text: str) -> str:
    return text.replace(" ", "T", 1)


def _with_offset(text: str) -> str:
    """``+00`` as ISO 8601 writes an offset: ``+00:00``."""
    if len(text) > 3 and text[-3] in "+-" and text[-2:].isdigit():
        return text + ":00"
    return text


def _pg_timestamptz(text: str) -> str:
    return _with_offset(text.replace(" ", "T", 1))


def _same(text: str) -> str:
    return text


_PG_TEXT_TYPES: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("date", _same),
    ("time", _same),
    ("timetz", _with_offset),
    ("timestamp", _pg_timestamp),
    ("timestamptz", _pg_timestamptz),
    ("interval", _same),
    ("uuid", _same),
    ("numeric", PgNumeric),
)


async def _connect_postgresql(target: Target) -> Any:
    asyncpg = _driver("asyncpg")
    tls: Any = {"default": "prefer", "disable": False}.get(target.tls) or ssl_context(target)
    try:
        connection = await _pg_connect(asyncpg, target, tls)
    except ConnectionError as exc:
        if target.tls in ("require", "verify") and "SSL" in str(exc):
            raise _no_tls(target) from None  # "rejected SSL upgrade"
        raise
    try:
        for name, decoder in _PG_TEXT_TYPES:
            await connection.set_type_codec(
                name, schema="pg_catalog", encoder=_pg_text, decoder=decoder, format="text"
            )
    except BaseException:
        await connection.close()
        raise
    return connection


async def _pg_connect(asyncpg: Any, target: Target, tls: Any) -> Any:
    return await asyncpg.connect(
        host=target.host,
        port=target.port,
        user=target.username,
        # Never None: asyncpg would then read PGPASSWORD or ~/.pgpass of the runtime.
        password=target.password or "",
        passfile=None,
        database=target.database or target.username,
        timeout=target.connect_timeout,
        ssl=tls,
        server_settings={
            "application_name": APPLICATION_NAME,
            "TimeZone": "UTC",
            "DateStyle": "ISO, YMD",
            "IntervalStyle": "iso_8601",
        },
    )


# -- MariaDB / MySQL ------------------------------------------------------------------------


async def _connect_mysql(target: Target) -> Any:
    import json

    aiomysql = _driver("aiomysql")
    constants = _driver("pymysql.constants")
    conversions = _driver("pymysql.converters").conversions
    client, field_type = constants.CLIENT, constants.FIELD_TYPE

    options = dict(target.options)
    context = ssl_context(target)
    connection = await aiomysql.connect(
        host=target.host,
        port=target.port or 3306,
        user=target.username,
        password=target.password or "",
        db=target.database,
        charset=options.get("charset", "utf8mb4"),
        connect_timeout=target.connect_timeout,
        ssl=context,
        # Row counts of matched rows, as PostgreSQL and MariaDB's JDBC driver report them.
        client_flag=client.FOUND_ROWS,
        # A server must never read the runtime's files (LOAD DATA LOCAL INFILE).
        local_infile=False,
        autocommit=False,
        # MySQL's JSON type as JSON (MariaDB's JSON is text and stays text).
        conv={**conversions, field_type.JSON: json.loads},
        program_name=APPLICATION_NAME,
    )
    if context is not None and not connection._secure:  # aiomysql's own flag
        connection.close()
        raise _no_tls(target)
    return connection


# -- SQLite --------------------------------------------------------------------------------


@dataclass
class SqliteDeadline:
    """When the statements running on a SQLite connection must stop (a monotonic
    time; ``None``: no limit). SQLite's progress handler reads it while a statement runs."""

    at: float | None = None


def _sqlite_authorizer(action: int, *_: Any) -> int:
    # ATTACH opens (or creates) any file the runtime may write: never for a process.
    return _SQLITE_DENY if action in (_SQLITE_ATTACH, _SQLITE_DETACH) else _SQLITE_OK


async def _connect_sqlite(target: Target) -> Any:
    import time as clock

    import aiosqlite

    deadline = SqliteDeadline()

    def progress() -> int:
        # Non-zero interrupts the statement (SQLITE_INTERRUPT: the TIMEOUT code).
        return int(deadline.at is not None and clock.monotonic() > deadline.at)

    connection = await aiosqlite.connect(
        target.database or MEMORY,
        timeout=target.connect_timeout,  # waiting for another writer's lock
        uri=False,
    )
    try:
        # Declared foreign keys are kept, as every other database keeps them.
        await connection.execute("PRAGMA foreign_keys = ON")
        await connection.set_authorizer(_sqlite_authorizer)
        await connection.set_progress_handler(progress, _SQLITE_PROGRESS_STEPS)
    except BaseException:
        await connection.close()
        raise
    connection.tasklink_deadline = deadline  # type: ignore[attr-defined]
    return connection


# -- SQL Server and Oracle (optional drivers) -------------------------------------------


def _odbc_value(value: str) -> str:
    """A value of an ODBC connection string, braced when it needs it (``}`` doubled)."""
    if any(c in value for c in ";{}=") or value != value.strip():
        return "{" + value.replace("}", "}}") + "}"
    return value


async def _connect_mssql(target: Target) -> Any:
    aioodbc = _driver("aioodbc")
    options = dict(target.options)
    parts = {
        "DRIVER": options.get("driver", "ODBC Driver 18 for SQL Server"),
        "SERVER": f"{target.host},{target.port or 1433}",
        "DATABASE": target.database or "",
        "UID": target.username or "",
        "PWD": target.password or "",
        "Encrypt": options.get("Encrypt", "no" if target.tls == "disable" else "yes"),
        "TrustServerCertificate": options.get(
            "TrustServerCertificate", "yes" if target.tls == "require" else "no"
        ),
        "APP": APPLICATION_NAME,
    }
    dsn = ";".join(f"{k}={_odbc_value(v)}" for k, v in parts.items() if v)
    return await aioodbc.connect(dsn=dsn, timeout=target.connect_timeout, autocommit=False)


async def _connect_oracle(target: Target) -> Any:
    oracledb = _driver("oracledb")
    options = dict(target.options)
    service = options.get("service_name") or target.database
    return await oracledb.connect_async(
        user=target.username,
        password=target.password or "",
        host=target.host,
        port=target.port or 1521,
        service_name=service,
        tcp_connect_timeout=target.connect_timeout,
        protocol="tcps" if target.tls in ("require", "verify") else "tcp",
        # oracledb (thin mode) takes the context and matches the host name itself.
        ssl_context=ssl_context(target),
        ssl_server_dn_match=target.tls == "verify",
        program=APPLICATION_NAME,
    )


_CONNECT: dict[str, Callable[[Target], Any]] = {
    "postgresql": _connect_postgresql,
    "mysql": _connect_mysql,
    "mariadb": _connect_mysql,
    "sqlite": _connect_sqlite,
    "mssql": _connect_mssql,
    "oracle": _connect_oracle,
}


def _check_driver(target: Target) -> None:
    driver = _DRIVERS[target.dialect]
    try:
        _driver(driver)
    except ImportError as exc:
        extra = {"mssql": "[mssql]", "oracle": "[oracle]"}.get(target.dialect, "")
        reason = (
            "which is not installed"
            if isinstance(exc, ModuleNotFoundError) and exc.name == driver
            else f"which cannot be imported ({exc})"
        )
        raise ConnectorError(
            f"{target.name} needs the Python package {driver}, {reason}: "
            f"pip install 'tasklink-sql{extra}'",
            code=SqlCode.DRIVER_NOT_INSTALLED,
            retryable=False,
        ) from None


_DEFAULT_PORTS = {"postgresql": 5432, "mariadb": 3306, "mysql": 3306, "mssql": 1433, "oracle": 1521}


async def _check_host(target: Target) -> None:
    """The operator's outbound policy for the database host, before each new connection:
    link-local and cloud metadata addresses and blocked networks are refused; private
    networks stay open (databases live there). Best effort, as for S3: the driver resolves
    the name again (connecting to the checked address would make TLS verify the address)."""
    from tasklink.client import BlockedAddressError, PolicyConfigError, check_host

    assert target.host is not None
    port = target.port or _DEFAULT_PORTS.get(target.dialect, 0)
    try:
        await check_host(
            target.host, port, private_networks_allowed=True, timeout=target.connect_timeout
        )
    except BlockedAddressError as exc:
        raise ConnectorError(
            f"the database host of {target.name} at {target.where()} is refused by the "
            f"outbound policy: {exc.reason}",
            code=ClientErrorCode.BLOCKED_ADDRESS,
            retryable=False,
        ) from None
    except PolicyConfigError as exc:
        raise ConnectorError(
            str(exc), code=ClientErrorCode.CONFIGURATION_ERROR, retryable=False
        ) from None
    except (OSError, TimeoutError):
        pass  # the driver's own connect fails and says why


def create_engine(target: Target) -> AsyncEngine:
    """A new engine (a connection pool) for ``target``."""
    from sqlalchemy.ext.asyncio import create_async_engine

    _check_driver(target)
    connect = _CONNECT[target.dialect]

    async def creator() -> Any:
        if target.host is not None:
            await _check_host(target)
        return await connect(target)

    options: dict[str, Any] = {"pool_recycle": POOL_RECYCLE, "pool_pre_ping": True}
    if target.dialect == "sqlite" and target.database == MEMORY:
        # One connection: an in-memory database lives as long as its connection.
        from sqlalchemy.pool import StaticPool

        options = {"poolclass": StaticPool}
    else:
        from sqlalchemy.pool import AsyncAdaptedQueuePool

        options.update(
            # Named: SQLAlchemy would take a URL without a database for an in-memory one.
            poolclass=AsyncAdaptedQueuePool,
            pool_size=POOL_SIZE,
            max_overflow=MAX_OVERFLOW,
            pool_timeout=target.connect_timeout,
        )
    return create_async_engine(_SQLALCHEMY_URLS[target.dialect], async_creator=creator, **options)


# -- engines per loop ------------------------------------------------------------------------


@dataclass(eq=False)
class _LoopEngines:
    engines: OrderedDict[Target, AsyncEngine] = field(default_factory=OrderedDict)
    closer: AsyncGenerator[None, None] | None = None
    closed: bool = False


_loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopEngines] = (
    weakref.WeakKeyDictionary()
)


async def _dispose(engines: list[AsyncEngine]) -> None:
    for engine in engines:
        try:
            await engine.dispose()
        except Exception:  # closing must go on for the others
            _log.debug("disposing a SQL engine failed", exc_info=True)


async def _closer(state: _LoopEngines) -> AsyncGenerator[None, None]:
    # Finalised by loop.shutdown_asyncgens(): disposes the loop's engines while the loop
    # still runs, so asyncio.run() based programs need no explicit clean-up.
    try:
        yield
    finally:
        if not state.closed:
            state.closed = True
            engines = list(state.engines.values())
            state.engines.clear()
            await _dispose(engines)


async def _state() -> _LoopEngines:
    loop = asyncio.get_running_loop()
    state = _loops.get(loop)
    if state is None or state.closed:
        state = _loops[loop] = _LoopEngines()
        closer = _closer(state)
        await closer.__anext__()
        state.closer = closer
    return state


async def engine_for(target: Target) -> AsyncEngine:
    """The running loop's engine for ``target`` (made on first use)."""
    state = await _state()
    engine = state.engines.get(target)
    if engine is not None:
        state.engines.move_to_end(target)
        return engine
    engine = state.engines[target] = create_engine(target)
    while len(state.engines) > MAX_ENGINES_PER_LOOP:
        _, oldest = state.engines.popitem(last=False)
        # Disposing closes the idle connections; those in use close when given back.
        task = asyncio.get_running_loop().create_task(_dispose([oldest]))
        _background.add(task)
        task.add_done_callback(_background.discard)
    return engine


_background: set[asyncio.Task[None]] = set()


async def close_engines() -> None:
    """Dispose the running loop's engines (their pooled connections). Later jobs open
    new ones."""
    loop = asyncio.get_running_loop()
    state = _loops.pop(loop, None)
    if state is None:
        return
    state.closed = True
    engines = list(state.engines.values())
    state.engines.clear()
    await _dispose(engines)
    if state.closer is not None:
        await state.closer.aclose()
