"""Alfresco Process Automation's database connectors (MariaDB, PostgreSQL, SQL Server),
actions ``INSERT``, ``UPDATE``, ``DELETE`` and ``SELECT``, on this connector's statements.

APA documents them in ``process-automation/latest/model/connectors/database.md``:

* **Inputs.** ``query`` and ``metadata``, whose values the query names as ``{name}``
  (unquoted), "always executed as prepared statements": each ``{name}`` becomes a bound
  parameter here (a dotted ``{a.b}`` reads a nested value).
* **Output.** ``result``: the number of rows affected for INSERT, UPDATE and DELETE; for
  SELECT "a JSON object containing the selected data", which is the list of rows here,
  each an object by column name (at most :data:`MAX_RESULT_ROWS`).
* **Configuration** of the connector instance, read by these names from the runtime's
  secret providers (core's ``apa_setting``; an instance named otherwise reads
  ``<INSTANCE>_<NAME>`` first): ``DB_USERNAME`` and ``DB_PASSWORD`` (required; the
  password is masked everywhere), ``DB_DATASOURCE`` (a JDBC URL) or, when it is not set,
  the default APA builds from ``<FLAVOUR>_HOST``, ``<FLAVOUR>_PORT`` and ``DB_NAME``
  (``jdbc:mysql://${MARIADB_HOST}:${MARIADB_PORT}/${DB_NAME}``; ``POSTGRES_`` and
  ``SQLSERVER_`` for the others). ``DB_DRIVER_CLASS_NAME`` names a Java driver class: the
  connector picks its Python driver from the URL, so it is read for nothing but a check.
* **Errors**: APA's codes (:data:`APA_ERRORS`), this connector's own in
  ``variables.cause``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from tasklink.core import ConnectorError, Context, ErrorCode, InputError, apa_setting

from ._errors import APA_ERRORS, SqlCode
from ._run import Outcome, Step, make_target, run_statements, time_limit
from ._statements import bind_statement, to_named
from ._urls import Target, UrlError, parse_jdbc_url
from ._vendor_models import ApaStatement

__all__ = [
    "APA_ERRORS",
    "FLAVOURS",
    "MAX_RESULT_ROWS",
    "apa_error",
    "mariadb_change",
    "mariadb_select",
    "postgresql_change",
    "postgresql_select",
    "sqlserver_change",
    "sqlserver_select",
]

#: Rows a SELECT may return into the ``result`` variable.
MAX_RESULT_ROWS = 10_000

_CODES: Mapping[str, str] = {
    SqlCode.SQL_SYNTAX_ERROR: "SQL_GRAMMAR_ERROR",
    SqlCode.PERMISSION_DENIED: "PERMISSION_DENIED_ERROR",
    SqlCode.DATA_ERROR: "DATA_INTEGRITY_VIOLATION_ERROR",
    SqlCode.DEADLOCK: "DEAD_LOCK_ERROR",
    SqlCode.DATABASE_ERROR: "DATA_ACCESS_ERROR",
    SqlCode.DRIVER_NOT_INSTALLED: "CONNECTION_ERROR",
    ErrorCode.CONNECTION_FAILED: "CONNECTION_ERROR",
    ErrorCode.AUTHENTICATION_FAILED: "CONNECTION_ERROR",
    ErrorCode.TLS_FAILED: "CONNECTION_ERROR",
    ErrorCode.TIMEOUT: "DATA_ACCESS_ERROR",
    SqlCode.RESULT_TOO_LARGE: "DATA_ACCESS_ERROR",
}
_UNIQUE_STATES = frozenset({"23505"})
_UNIQUE_NUMBERS = frozenset({1062, 1586, 1169})
_SERIALIZATION_STATES = frozenset({"40001"})


def apa_error(error: InputError | ConnectorError) -> InputError | ConnectorError:
    """``error`` with APA's code: a unique key conflict is ``DUPLICATE_KEY_ERROR``, other
    constraints ``DATA_INTEGRITY_VIOLATION_ERROR``; this connector's code stays in
    ``variables.cause``."""
    if error.code in ("MISSING_INPUT", "INVALID_INPUT"):
        return error
    variables = dict(error.variables)
    if error.code == ErrorCode.CONFLICT:
        unique = (
            variables.get("sqlState") in _UNIQUE_STATES
            or variables.get("errorNumber") in _UNIQUE_NUMBERS
        )
        code = "DUPLICATE_KEY_ERROR" if unique else "DATA_INTEGRITY_VIOLATION_ERROR"
    elif variables.get("sqlState") in _SERIALIZATION_STATES:
        code = "OPTIMISTIC_LOCK_ERROR"
    else:
        code = _CODES.get(error.code, ErrorCode.UNKNOWN_ERROR)
    variables["cause"] = error.code
    if isinstance(error, InputError):
        return InputError(error.message, code=code, field=error.field, variables=variables)
    return ConnectorError(
        error.message,
        code=code,
        variables=variables,
        retryable=error.retryable,
        backoff=error.backoff,
    )


@dataclass(frozen=True)
class Flavour:
    """One of APA's database connectors."""

    name: str  # the connector's name (and the setting prefix of an instance named so)
    prefix: str  # of its host and port settings
    scheme: str  # of its default datasource
    drivers: tuple[str, ...]  # Java driver classes it is configured with


FLAVOURS: Mapping[str, Flavour] = {
    "mariadb": Flavour(
        "mariadb", "MARIADB", "jdbc:mysql", ("org.mariadb.jdbc.Driver", "com.mysql.cj.jdbc.Driver")
    ),
    "postgresql": Flavour("postgresql", "POSTGRES", "jdbc:postgresql", ("org.postgresql.Driver",)),
    "sqlserver": Flavour(
        "sqlserver",
        "SQLSERVER",
        "jdbc:sqlserver",
        ("com.microsoft.sqlserver.jdbc.SQLServerDriver",),
    ),
}


def _setting(ctx: Context, flavour: Flavour, name: str, *, strip: bool = True) -> str | None:
    return apa_setting(ctx, name, connector=flavour.name, strip=strip)


def _required(ctx: Context, flavour: Flavour, name: str, *, strip: bool = True) -> str:
    value = _setting(ctx, flavour, name, strip=strip)
    if value is None:
        raise InputError(
            f"{name}: the database connection is not configured: set the secret {name}",
            code=ErrorCode.MISSING_INPUT,
            field=name,
        )
    return value


def _datasource(ctx: Context, flavour: Flavour) -> str:
    """``DB_DATASOURCE``, else APA's default from the host, port and database name."""
    datasource = _setting(ctx, flavour, "DB_DATASOURCE")
    if datasource is not None:
        return datasource
    host = _setting(ctx, flavour, f"{flavour.prefix}_HOST")
    if host is None:
        raise InputError(
            f"DB_DATASOURCE: the database is not configured: set DB_DATASOURCE (a JDBC URL) "
            f"or {flavour.prefix}_HOST, {flavour.prefix}_PORT and DB_NAME",
            code=ErrorCode.MISSING_INPUT,
            field="DB_DATASOURCE",
        )
    port = _setting(ctx, flavour, f"{flavour.prefix}_PORT")
    name = _setting(ctx, flavour, "DB_NAME") or ""
    address = f"{host}:{port}" if port else host
    if flavour.name == "sqlserver":
        return f"{flavour.scheme}://{address};databaseName={name}"
    return f"{flavour.scheme}://{address}/{name}"


def _target(ctx: Context, flavour: Flavour) -> Target:
    driver = _setting(ctx, flavour, "DB_DRIVER_CLASS_NAME")
    if driver is not None and driver not in flavour.drivers:
        raise InputError(
            f"DB_DRIVER_CLASS_NAME: {driver} is no driver of the {flavour.name} connector "
            f"(expected {' or '.join(flavour.drivers)})",
            field="DB_DRIVER_CLASS_NAME",
        )
    username = _required(ctx, flavour, "DB_USERNAME")
    password = _required(ctx, flavour, "DB_PASSWORD", strip=False)
    ctx.redactor.add(password)
    datasource = _datasource(ctx, flavour)
    try:
        parsed, _ = parse_jdbc_url(datasource)
    except UrlError as exc:
        raise InputError(f"DB_DATASOURCE: {exc}", field="DB_DATASOURCE") from None
    if parsed.password:
        ctx.redactor.add(parsed.password)
    return make_target(
        parsed.dialect,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        username=username,
        password=password,
        options=parsed.options,
        fields={
            "host": "DB_DATASOURCE",
            "database": "DB_DATASOURCE",
            "username": "DB_USERNAME",
            "tls": "DB_DATASOURCE",
        },
    )


def _rows(_: int, outcome: Outcome) -> None:
    if outcome.truncated:
        raise ConnectorError(
            f"the query returned more than {MAX_RESULT_ROWS} rows, too many for the result "
            "variable: narrow it down",
            code=SqlCode.RESULT_TOO_LARGE,
            variables={"maxRows": MAX_RESULT_ROWS},
            retryable=False,
        )


async def _run(data: ApaStatement, ctx: Context, flavour: Flavour, select: bool) -> Any:
    target = _target(ctx, flavour)
    sql, values = to_named(data.query, named=data.metadata or {}, braces=True, field="metadata")
    bound = bind_statement(sql, values, "metadata")
    [outcome] = await run_statements(
        ctx,
        target,
        [Step(bound, stream=select)],
        max_rows=MAX_RESULT_ROWS,
        decimals="number",
        limit=time_limit(None, ctx),
        check=_rows if select else None,
    )
    return outcome.rows if select else outcome.affected_rows


Action = Callable[[ApaStatement, Context], Coroutine[Any, Any, dict[str, Any]]]


def _action(flavour: Flavour, *, select: bool) -> Action:
    async def action(data: ApaStatement, ctx: Context) -> dict[str, Any]:
        try:
            return {"result": await _run(data, ctx, flavour, select)}
        except (InputError, ConnectorError) as exc:
            raise apa_error(exc) from None

    action.__name__ = f"{flavour.name}_{'select' if select else 'change'}"
    action.__doc__ = (
        f"APA's {flavour.name} {'SELECT' if select else 'INSERT, UPDATE and DELETE'}: "
        f"{'the rows' if select else 'the rows affected'} as result."
    )
    return action


mariadb_change = _action(FLAVOURS["mariadb"], select=False)
mariadb_select = _action(FLAVOURS["mariadb"], select=True)
postgresql_change = _action(FLAVOURS["postgresql"], select=False)
postgresql_select = _action(FLAVOURS["postgresql"], select=True)
sqlserver_change = _action(FLAVOURS["sqlserver"], select=False)
sqlserver_select = _action(FLAVOURS["sqlserver"], select=True)
