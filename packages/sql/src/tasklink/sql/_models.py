"""Input and output models of the SQL connector.

Fields are snake_case in Python and camelCase in process variables and templates
(``max_rows`` is ``maxRows``). Every operation's input subclasses :class:`SqlInput` (which
database, how to sign in, how long to wait), so the templates show the connection once
whichever operation is chosen. Every check of the input that needs no database happens
here or before the first connection, so a bad job fails before anything is sent.

Values reach the database only as bound parameters: a statement names them as ``:name``
placeholders and ``parameters`` gives their values; the driver sends them apart from the
SQL text (PostgreSQL's extended protocol, MariaDB's escaping client-side library, SQLite's
``sqlite3_bind``), so a value can never become SQL.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from tasklink.core import CamelInputModel, CamelOutputModel, field

from ._urls import Dialect, TlsMode, UrlError, parse_url

__all__ = [
    "Connection",
    "DetailedConnection",
    "Execute",
    "ExecuteResult",
    "Query",
    "QueryResult",
    "SqlInput",
    "StatementResult",
    "Transaction",
    "TransactionResult",
    "TransactionStatement",
    "UrlConnection",
]

#: Rows a result may hold at most (``maxRows`` cannot go higher): process variables are
#: not the place for bulk data.
MAX_ROWS_CEILING = 100_000
#: Statements in one transaction at most.
MAX_STATEMENTS = 1_000

DecimalFormat = Literal["number", "string"]
IsolationLevel = Literal["default", "read_committed", "repeatable_read", "serializable"]
_PARAMETER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _url(value: str) -> str:
    try:
        parse_url(value)
    except UrlError as exc:
        # The message never repeats the URL: it may hold a password.
        raise PydanticCustomError("url", str(exc)) from None
    return value.strip()


def _parameter_names(value: dict[str, Any]) -> dict[str, Any]:
    for name in value:
        if not _PARAMETER_NAME.match(name):
            raise PydanticCustomError(
                "parameter_name",
                "parameter names are letters, digits and _ (not starting with a digit), "
                "as in :{name} placeholders; {bad!r} is not",
                {"name": "orderId", "bad": name[:40]},
            )
    return value


Parameters = Annotated[dict[str, Any], AfterValidator(_parameter_names)]
Statement = Annotated[str, AfterValidator(lambda s: s.strip())]

# -- connection --------------------------------------------------------------------------


class UrlConnection(CamelInputModel):
    """The database as a URL; the password in its own (secret) field."""

    type: Literal["url"] = field(description="How the database is given", group="connection")
    url: Annotated[str, AfterValidator(_url)] = field(
        title="URL",
        description="postgresql://user@host:5432/db, mysql://, mariadb://, "
        "sqlite:///relative.db, sqlite:////absolute.db or sqlite:// (in memory)",
        group="connection",
        placeholder="postgresql://app@db.example.com:5432/orders",
        min_length=1,
    )
    username: str | None = field(
        None, description="User name, when the URL has none", group="connection"
    )
    password: str | None = field(
        None,
        description="Password (enter {{secrets.NAME}}); a password in the URL is taken as "
        "this field",
        group="connection",
        secret=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _password_out_of_url(cls, data: Any) -> Any:
        """A password written into the URL moves to ``password`` (a secret field, which
        the runtime masks everywhere); the URL keeps none."""
        if not isinstance(data, dict) or not isinstance(data.get("url"), str):
            return data
        try:
            parsed = parse_url(data["url"])
        except UrlError:
            return data  # the url field's validator says what is wrong
        if parsed.password is None:
            return data
        if data.get("password") not in (None, ""):
            raise PydanticCustomError(
                "password_twice",
                "the URL holds a password and password is set: give it once, in password",
            )
        scheme, _, rest = data["url"].strip().partition("://")
        userinfo, _, host = rest.partition("@")
        user = userinfo.partition(":")[0]
        return {**data, "url": f"{scheme}://{user}@{host}", "password": parsed.password}


class DetailedConnection(CamelInputModel):
    """The database as host, port and database name."""

    type: Literal["detailed"] = field(description="How the database is given")
    database_type: Dialect = field(
        title="Database",
        description="Which database server (SQL Server and Oracle need optional drivers)",
        group="connection",
        choice_labels={
            "postgresql": "PostgreSQL",
            "mysql": "MySQL",
            "mariadb": "MariaDB",
            "sqlite": "SQLite",
            "mssql": "Microsoft SQL Server",
            "oracle": "Oracle",
        },
    )
    host: str | None = field(
        None, description="Host name or IP address of the server", group="connection"
    )
    port: int | None = field(
        None,
        description="Port (5432 PostgreSQL, 3306 MySQL and MariaDB, 1433 SQL Server, "
        "1521 Oracle when empty)",
        group="connection",
        ge=1,
        le=65535,
    )
    database: str | None = field(
        None,
        title="Database name",
        description="Database (Oracle: service name; SQLite: the file's path)",
        group="connection",
    )
    username: str | None = field(None, description="User name", group="connection")
    password: str | None = field(
        None, description="Password (enter {{secrets.NAME}})", group="connection", secret=True
    )


Connection = Annotated[UrlConnection | DetailedConnection, Field(discriminator="type")]


class SqlInput(CamelInputModel):
    """The settings every operation shares: which database, how to reach it, how long to
    wait."""

    connection: Connection = field(
        description="The database: a URL, or host, port and database name",
        group="connection",
        choice_labels={"url": "URL", "detailed": "Host, port and database"},
    )
    tls: TlsMode = field(
        "default",
        title="TLS",
        description="Encryption: the driver's default (PostgreSQL tries TLS, MySQL does "
        "not), disable, require (not verified) or verify (the certificate and host name)",
        group="tls",
        choice_labels={
            "default": "Driver default",
            "disable": "Disable",
            "require": "Require (certificate not checked)",
            "verify": "Verify certificate and host name",
        },
    )
    ca_certificate: str | None = field(
        None,
        title="CA certificate",
        description="Extra CA certificates to trust (PEM) for verify, in addition to the "
        "default store (certifi's, or the runtime's SSL_CERT_FILE / SSL_CERT_DIR)",
        group="tls",
        multiline=True,
        show_when={"tls": "verify"},
    )
    connect_timeout_in_seconds: float = field(
        10,
        description="Seconds to wait for a connection",
        group="timeouts",
        gt=0,
        le=300,
        allow_inf_nan=False,
    )
    timeout_in_seconds: float = field(
        60,
        description="Seconds the operation may take, all its statements together; the "
        "database cancels a statement that runs longer (0: only the job's timeout)",
        group="timeouts",
        ge=0,
        allow_inf_nan=False,
    )


class _Rows(SqlInput):
    """How rows come back."""

    max_rows: int = field(
        1000,
        description=f"Rows returned at most (up to {MAX_ROWS_CEILING}); truncated says when "
        "there were more",
        group="result",
        ge=1,
        le=MAX_ROWS_CEILING,
    )
    decimals: DecimalFormat = field(
        "number",
        description="DECIMAL and NUMERIC values as JSON numbers (exact up to 15 significant "
        "digits; longer ones come as text rather than rounded) or always as text",
        group="result",
        choice_labels={"number": "Numbers", "string": "Text (exact)"},
    )


class _Statement(_Rows):
    """One statement and its parameters."""

    statement: Statement = field(
        description="The SQL; values as :name placeholders, bound from parameters (never "
        "written into the SQL)",
        group="statement",
        multiline=True,
        min_length=1,
        placeholder="SELECT id, total FROM orders WHERE customer = :customer",
    )
    parameters: Parameters = field(
        default_factory=dict,
        description="Values of the statement's :name placeholders, e.g. {customer: customerId}",
        group="statement",
    )


class Query(_Statement):
    """A statement that returns rows (SELECT, or INSERT ... RETURNING)."""


class Execute(_Statement):
    """A statement that changes data (INSERT, UPDATE, DELETE, DDL...)."""


class TransactionStatement(CamelInputModel):
    """One statement of a transaction."""

    statement: Statement = field(
        description="The SQL, with :name placeholders", multiline=True, min_length=1
    )
    parameters: Parameters = field(
        default_factory=dict, description="Values of its :name placeholders"
    )


class Transaction(_Rows):
    """Several statements, committed together or not at all."""

    statements: list[TransactionStatement] = field(
        description="The statements in order: [{statement, parameters}]; all are committed "
        "together, or none when one fails",
        group="statement",
        min_length=1,
        max_length=MAX_STATEMENTS,
    )
    isolation_level: IsolationLevel = field(
        "default",
        description="Isolation of the transaction (the database's default when default)",
        group="statement",
        choice_labels={
            "default": "Database default",
            "read_committed": "Read committed",
            "repeatable_read": "Repeatable read",
            "serializable": "Serializable",
        },
    )


# -- outputs -----------------------------------------------------------------------------


class QueryResult(CamelOutputModel):
    """The rows of a query."""

    rows: list[dict[str, Any]] = field(
        description="The rows, each an object by column name (values converted to JSON)"
    )
    columns: list[str] = field(description="The column names, in order")
    row_count: int = field(description="Rows returned")
    truncated: bool = field(description="The query had more rows than maxRows")


class ExecuteResult(CamelOutputModel):
    """What a statement changed."""

    affected_rows: int = field(
        description="Rows the statement inserted, updated or deleted (-1 when the database "
        "does not tell)"
    )
    last_insert_id: int | None = field(
        None,
        description="MySQL's AUTO_INCREMENT or SQLite's rowid of the row inserted (use "
        "RETURNING on PostgreSQL)",
    )
    generated_keys: list[dict[str, Any]] = field(
        default_factory=list,
        description="Rows a RETURNING clause gave back, e.g. [{id: 42}]",
    )
    truncated: bool = field(False, description="RETURNING gave more rows than maxRows")


class StatementResult(CamelOutputModel):
    """What one statement of a transaction did."""

    affected_rows: int = field(description="Rows changed (-1 when the database does not tell)")
    last_insert_id: int | None = field(
        None, description="MySQL's AUTO_INCREMENT or SQLite's rowid of the row inserted"
    )
    rows: list[dict[str, Any]] = field(
        default_factory=list, description="Rows the statement returned (SELECT, RETURNING)"
    )
    columns: list[str] = field(default_factory=list, description="Their column names")
    truncated: bool = field(False, description="The statement returned more than maxRows")


class TransactionResult(CamelOutputModel):
    """A committed transaction."""

    results: list[StatementResult] = field(description="One result per statement, in order")
    affected_rows: int = field(description="Rows changed by all statements together")
