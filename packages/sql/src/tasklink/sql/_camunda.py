"""Running an ``io.camunda:connector-jdbc:1`` job: Camunda's SQL connector
(``connectors/jdbc``: ``JdbiJdbcClient``, ``ConnectionHelper``, ``ConnectionStringHelper``,
``JdbiJsonHelper``) on this connector's statements (:mod:`._run`).

What Camunda does, done here the same way:

* **Connection.** ``configuration`` (a stored credential) wins over ``connection``
  (``ConnectionHelper.resolveConnection``). ``uri``: a JDBC URL; the user and password
  from the URL, else from ``uriProperties`` (``user``, ``password``). ``detailed``: host,
  port, database name, user name and password, the database from ``database``. JDBC
  properties that set TLS are read (PostgreSQL's ``sslmode`` and ``ssl``, MySQL's and
  MariaDB's ``sslMode`` and ``useSSL``); the other driver properties of Java drivers
  mean nothing to Python's and are ignored.
* **Statement.** ``data.variables`` a map: ``:name`` placeholders, and Jdbi's ``<name>``
  for a list (``IN (<ids>)``); a list: positional ``?`` placeholders
  (``JdbiJdbcClient.bindVariables``). Values are bound, never written into the SQL.
* **Result.** ``returnResults`` true: ``{"resultSet": [row, ...]}``, each row an object by
  column label, JSON and JSONB columns (MySQL's JSON type too) parsed
  (``JdbiJsonHelper``); a statement that returns no rows fails (Jdbi's
  ``NoResultsException``), and is rolled back here. Otherwise ``{"modifiedRows": n}``,
  ``-1`` for a statement that returns rows (a SELECT run as an update).

Values as :mod:`._values` converts them: DECIMAL as a number (as Jackson writes a
BigDecimal) while a double holds it exactly, else as text, where Camunda's number would be
rounded by Zeebe; dates and timestamps as ISO 8601 text.

Differences, on purpose: a result is read up to :data:`MAX_RESULT_ROWS` rows (more fail
with ``RESULT_TOO_LARGE`` instead of filling a process variable); failures keep this
connector's stable codes (``CONFLICT``, ``SQL_SYNTAX_ERROR``...; Camunda's connector
throws without a code), so an ``errorExpression`` can tell them apart; a password in the
URL or the properties is masked in every message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tasklink.core import ConnectorError, Context, ErrorCode, InputError

from ._errors import SqlCode
from ._run import Outcome, Step, make_target, run_statements, time_limit
from ._statements import bind_statement, to_named
from ._urls import Target, UrlError, parse_jdbc_url
from ._vendor_models import CamundaJdbcConnection, CamundaJdbcRequest

__all__ = ["MAX_RESULT_ROWS", "jdbc_tls", "run"]

#: Rows a result may have; Camunda's connector has no limit, a process variable has one.
MAX_RESULT_ROWS = 10_000

_DIALECTS = {
    "MARIADB": "mariadb",
    "MYSQL": "mysql",
    "POSTGRESQL": "postgresql",
    "MSSQL": "mssql",
    "ORACLE": "oracle",
}


def _missing(name: str) -> InputError:
    return InputError(f"{name}: required", code=ErrorCode.MISSING_INPUT, field=name)


def jdbc_tls(properties: Mapping[str, str], dialect: str) -> str:
    """The TLS mode JDBC properties ask for (``default`` when they say nothing)."""
    lowered = {k.lower(): v.strip().lower() for k, v in properties.items()}
    if dialect == "postgresql":
        mode = lowered.get("sslmode")
        if mode in ("disable", "allow"):
            return "disable"
        if mode in ("require",):
            return "require"
        if mode in ("verify-ca", "verify-full"):
            return "verify"
        if lowered.get("ssl") == "true":
            return "verify"  # PgJDBC: ssl=true without sslmode verifies the certificate
        return "default"
    mode = lowered.get("sslmode")
    if mode in ("disabled", "disable"):
        return "disable"
    if mode in ("required", "require", "trust", "preferred"):
        return "require"
    if mode in ("verify_ca", "verify_identity", "verify-ca", "verify-full"):
        return "verify"
    use_ssl = lowered.get("usessl") or lowered.get("ssl")
    if use_ssl == "true":
        return "require"
    if use_ssl == "false":
        return "disable"
    return "default"


def _port(text: str | None, name: str) -> int | None:
    if text is None:
        return None
    if not text.strip().isdigit() or not 0 < int(text) < 65536:
        raise InputError(f"{name}: must be a number from 1 to 65535", field=name)
    return int(text)


def _database(request: CamundaJdbcRequest) -> str:
    """``database``, else the stored credential's."""
    config = request.configuration
    database = request.database or (config.database if config is not None else None)
    if database is None:
        raise _missing("database")
    return _DIALECTS[database]


def _uri_target(connection: CamundaJdbcConnection, ctx: Context) -> Target:
    if connection.uri is None:
        raise _missing("connection.uri")
    try:
        parsed, query = parse_jdbc_url(connection.uri)
    except UrlError as exc:
        raise InputError(f"connection.uri: {exc}", field="connection.uri") from None
    properties = {**(connection.uri_properties or {}), **query}
    username = parsed.username or properties.get("user")
    password = parsed.password or properties.get("password")
    if password:
        ctx.redactor.add(password)  # not a secret field: a password all the same
    return make_target(
        parsed.dialect,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        username=username,
        password=password,
        options=parsed.options,
        tls=jdbc_tls(properties, parsed.dialect),
        fields={
            "host": "connection.uri",
            "database": "connection.uri",
            "username": "connection.uriProperties.user",
            "tls": "connection.uriProperties",
        },
    )


def _target(request: CamundaJdbcRequest, ctx: Context) -> Target:
    """The database of the job: ``configuration`` over ``connection``."""
    config, connection = request.configuration, request.connection
    if config is not None:
        dialect, prefix = _database(request), "configuration"
        host, port, database = config.host, config.port, config.database_name
        username, password, properties = config.username, config.password, {}
    elif connection is None:
        raise InputError(
            "connection: required (or a connection credential in configuration)",
            code=ErrorCode.MISSING_INPUT,
            field="connection",
        )
    elif connection.auth_type == "uri" or (connection.auth_type is None and connection.uri):
        return _uri_target(connection, ctx)
    else:
        dialect, prefix = _database(request), "connection"
        host, port, database = connection.host, connection.port, connection.database_name
        username, password = connection.username, connection.password
        properties = connection.properties or {}
    username = username or properties.get("user")
    password = password or properties.get("password")
    if password:
        ctx.redactor.add(password)
    return make_target(
        dialect,
        host=host,
        port=_port(port, f"{prefix}.port"),
        database=database,
        username=username,
        password=password,
        tls=jdbc_tls(properties, dialect),
        fields={
            "host": f"{prefix}.host",
            "database": f"{prefix}.databaseName",
            "username": f"{prefix}.username",
            "tls": f"{prefix}.properties",
        },
    )


def _statement(query: str, variables: Any) -> tuple[str, dict[str, Any]]:
    if variables is None:
        return to_named(query, named={}, field="data.variables")
    if isinstance(variables, list):
        return to_named(query, positional=variables, field="data.variables")
    if isinstance(variables, Mapping):
        return to_named(query, named=variables, field="data.variables")
    raise InputError(
        "data.variables: must be a map (for :name placeholders) or a list (for ?)",
        field="data.variables",
    )


def _result_rows(_: int, outcome: Outcome) -> None:
    if not outcome.returns_rows:
        raise InputError(
            "data.returnResults is true but the statement returns no rows (it is not a "
            "SELECT and has no RETURNING clause); nothing was changed",
            field="data.returnResults",
        )
    if outcome.truncated:
        raise ConnectorError(
            f"the statement returned more than {MAX_RESULT_ROWS} rows, too many for a "
            "process variable: add a LIMIT; nothing was changed",
            code=SqlCode.RESULT_TOO_LARGE,
            variables={"maxRows": MAX_RESULT_ROWS},
            retryable=False,
        )


async def run(request: CamundaJdbcRequest, ctx: Context) -> dict[str, Any]:
    """Camunda's result of the job's statement."""
    target = _target(request, ctx)
    data = request.data
    if data.query is None:
        raise _missing("data.query")
    sql, values = _statement(data.query, data.variables)
    bound = bind_statement(sql, values, "data.variables")
    limit = time_limit(None, ctx)
    if data.return_results:
        [outcome] = await run_statements(
            ctx,
            target,
            [Step(bound, stream=True)],
            max_rows=MAX_RESULT_ROWS,
            decimals="number",
            limit=limit,
            check=_result_rows,
        )
        return {"resultSet": outcome.rows}
    [outcome] = await run_statements(
        ctx,
        target,
        [Step(bound, stream=False)],
        max_rows=MAX_RESULT_ROWS,
        decimals="number",
        limit=limit,
    )
    return {"modifiedRows": -1 if outcome.returns_rows else outcome.affected_rows}
