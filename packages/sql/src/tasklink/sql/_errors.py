"""The connector's error codes, and the failures of the drivers mapped onto them.

A process branches on codes, so the many ways a database says no become a few stable
codes (:data:`SQL_ERRORS`). They are read from what each database reports:

* PostgreSQL: the SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html),
  by class (``23`` integrity constraint violation...) and a few single states;
* MariaDB / MySQL: the error number
  (https://mariadb.com/kb/en/mariadb-error-code-reference/), then the SQLSTATE it carries;
* SQLite: the extended result code's name (``SQLITE_CONSTRAINT_UNIQUE``;
  https://www.sqlite.org/rescode.html);
* failures before the database answered (refused, unresolvable host, TLS): the exception.

The database's own SQLSTATE, error number and constraint name stay in the error's
variables (``sqlState``, ``errorNumber``, ``constraint``), so an ``errorExpression`` can go
further. Never the statement's parameters, nor any credential: messages pass through
:func:`scrub` (a URL's password) and the job's redactor (every secret).

The declaration imports this module: it needs nothing but the core at import time, and
recognises the drivers' exceptions by their attributes and class names.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Mapping
from typing import Any

from tasklink.client import ClientErrorCode
from tasklink.core import ConnectorError, ErrorCode, InputError

__all__ = [
    "APA_ERRORS",
    "SQL_ERRORS",
    "SqlCode",
    "classify",
    "scrub",
    "sql_error",
]


class SqlCode:
    """The connector's own codes (beside the core's ``TIMEOUT``, ``CONNECTION_FAILED``,
    ``TLS_FAILED``, ``AUTHENTICATION_FAILED``, ``CONFLICT``...)."""

    SQL_SYNTAX_ERROR = "SQL_SYNTAX_ERROR"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    DATA_ERROR = "DATA_ERROR"
    DEADLOCK = "DEADLOCK"
    DATABASE_ERROR = "DATABASE_ERROR"
    DRIVER_NOT_INSTALLED = "DRIVER_NOT_INSTALLED"
    #: A vendor contract's result over its row limit (the vendors have no ``maxRows``).
    RESULT_TOO_LARGE = "RESULT_TOO_LARGE"


#: Every code the connector's operations raise (``Connector(errors=...)``).
SQL_ERRORS: Mapping[str, str] = {
    ClientErrorCode.BLOCKED_ADDRESS: "The operator's outbound policy refuses the database "
    "host's address (link-local, cloud metadata or a blocked network)",
    ClientErrorCode.CONFIGURATION_ERROR: "An operator setting of the outbound policy is invalid",
    SqlCode.SQL_SYNTAX_ERROR: "The statement is not valid SQL for the database, or names a "
    "table, column or function that does not exist (SQLSTATE class 42)",
    ErrorCode.CONFLICT: "A constraint refused the change: unique key, foreign key, check or "
    "not null (SQLSTATE class 23); variables.constraint names it where the database does",
    ErrorCode.CONNECTION_FAILED: "The database could not be reached, refused or dropped the "
    "connection, or has no database of that name; retried unless the database is missing",
    ErrorCode.AUTHENTICATION_FAILED: "The database refused the user name or password",
    SqlCode.PERMISSION_DENIED: "The user may not do this (SQLSTATE 42501), or the database "
    "is read-only",
    ErrorCode.TIMEOUT: "The statement ran longer than timeoutInSeconds (cancelled by the "
    "database where it can), or no connection within connectTimeoutInSeconds; retried",
    SqlCode.DEADLOCK: "A deadlock, a serialization failure or a lock wait timeout; the "
    "transaction was rolled back and is retried",
    SqlCode.DATA_ERROR: "A value does not fit its column or type (invalid text for a number "
    "or date, out of range, too long, division by zero; SQLSTATE class 22)",
    ErrorCode.TLS_FAILED: "The TLS handshake failed: the server's certificate is not trusted, "
    "or the server does not offer TLS while tls asks for it",
    SqlCode.DATABASE_ERROR: "Another error the database reported: its SQLSTATE or error "
    "number is in variables",
    SqlCode.DRIVER_NOT_INSTALLED: "The database's driver is not installed (SQL Server and "
    "Oracle are optional extras: pip install 'tasklink-sql[mssql]' or '[oracle]')",
    ErrorCode.MISSING_INPUT: "A required input is missing, or the statement has a :name "
    "placeholder without a value in parameters",
    ErrorCode.INVALID_INPUT: "An input is invalid: a URL, a parameter without a placeholder, "
    "a SQLite file outside the folders the operator allows, a query that returns no rows",
}

#: APA's codes (the same for its three database connectors), with what each means here.
APA_ERRORS: Mapping[str, str] = {
    "MISSING_INPUT": "A required input or configuration value is missing (query, "
    "DB_USERNAME, DB_PASSWORD, DB_DATASOURCE), or metadata lacks a {name} of the query",
    "INVALID_INPUT": "An input or configuration value is invalid (metadata, DB_DATASOURCE)",
    "DATA_ACCESS_ERROR": "The database failed the statement otherwise (its SQLSTATE or error "
    "number in variables), or a SELECT returned more than 10000 rows",
    "DATA_INTEGRITY_VIOLATION_ERROR": "A constraint or a value's type refused the change: "
    "foreign key, check, not null, a value out of range",
    "CONNECTION_ERROR": "The database could not be reached, refused the login, or has no "
    "database of that name",
    "SQL_GRAMMAR_ERROR": "The query is not valid SQL, or names a table or column that does "
    "not exist",
    "DUPLICATE_KEY_ERROR": "A unique key or primary key already has the value",
    "OPTIMISTIC_LOCK_ERROR": "A serialization failure: the transaction conflicted with another one",
    "DEAD_LOCK_ERROR": "A deadlock or lock wait timeout",
    "PERMISSION_DENIED_ERROR": "The database user may not do this",
    "UNKNOWN_ERROR": "An unexpected failure",
}

#: Codes a later attempt may get past.
_RETRIED = frozenset(
    {
        ErrorCode.CONNECTION_FAILED,
        ErrorCode.TIMEOUT,
        SqlCode.DEADLOCK,
    }
)

# -- PostgreSQL ---------------------------------------------------------------------------

#: Single SQLSTATEs whose class says something else.
_PG_STATES: Mapping[str, str] = {
    "42501": SqlCode.PERMISSION_DENIED,  # insufficient_privilege (class 42 is syntax)
    "25006": SqlCode.PERMISSION_DENIED,  # read_only_sql_transaction
    "3D000": ErrorCode.CONNECTION_FAILED,  # invalid_catalog_name: no such database
    "57014": ErrorCode.TIMEOUT,  # query_canceled: statement_timeout
    "57P01": ErrorCode.CONNECTION_FAILED,  # admin_shutdown
    "57P02": ErrorCode.CONNECTION_FAILED,  # crash_shutdown
    "57P03": ErrorCode.CONNECTION_FAILED,  # cannot_connect_now
    "53300": ErrorCode.CONNECTION_FAILED,  # too_many_connections
    "40001": SqlCode.DEADLOCK,  # serialization_failure
    "40P01": SqlCode.DEADLOCK,  # deadlock_detected
    "55P03": SqlCode.DEADLOCK,  # lock_not_available
}
#: SQLSTATE classes (the first two characters).
_PG_CLASSES: Mapping[str, str] = {
    "08": ErrorCode.CONNECTION_FAILED,  # connection exception
    "28": ErrorCode.AUTHENTICATION_FAILED,  # invalid authorization specification
    "42": SqlCode.SQL_SYNTAX_ERROR,  # syntax error or access rule violation
    "23": ErrorCode.CONFLICT,  # integrity constraint violation
    "22": SqlCode.DATA_ERROR,  # data exception
    "40": SqlCode.DEADLOCK,  # transaction rollback
}
#: Server-side failures a later attempt may get past (resources, system, internal).
_PG_RETRIED_CLASSES = frozenset({"53", "58", "XX"})
#: States that are not retried although their code usually is.
_NOT_RETRIED_STATES = frozenset({"3D000", "42000"})

# -- MariaDB / MySQL ----------------------------------------------------------------------

_MYSQL_ERRORS: Mapping[int, str] = {
    # authentication
    1045: ErrorCode.AUTHENTICATION_FAILED,  # ER_ACCESS_DENIED_ERROR
    1698: ErrorCode.AUTHENTICATION_FAILED,  # ER_ACCESS_DENIED_NO_PASSWORD_ERROR
    1251: ErrorCode.AUTHENTICATION_FAILED,  # ER_NOT_SUPPORTED_AUTH_MODE
    2059: ErrorCode.AUTHENTICATION_FAILED,  # CR_AUTH_PLUGIN_CANNOT_LOAD
    # permissions
    1044: SqlCode.PERMISSION_DENIED,  # ER_DBACCESS_DENIED_ERROR
    1142: SqlCode.PERMISSION_DENIED,  # ER_TABLEACCESS_DENIED_ERROR
    1143: SqlCode.PERMISSION_DENIED,  # ER_COLUMNACCESS_DENIED_ERROR
    1227: SqlCode.PERMISSION_DENIED,  # ER_SPECIFIC_ACCESS_DENIED_ERROR
    1370: SqlCode.PERMISSION_DENIED,  # ER_PROCACCESS_DENIED_ERROR
    1290: SqlCode.PERMISSION_DENIED,  # ER_OPTION_PREVENTS_STATEMENT (read-only)
    1792: SqlCode.PERMISSION_DENIED,  # ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
    # connection
    1049: ErrorCode.CONNECTION_FAILED,  # ER_BAD_DB_ERROR: no such database
    1040: ErrorCode.CONNECTION_FAILED,  # ER_CON_COUNT_ERROR: too many connections
    1053: ErrorCode.CONNECTION_FAILED,  # ER_SERVER_SHUTDOWN
    1927: ErrorCode.CONNECTION_FAILED,  # ER_CONNECTION_KILLED
    2002: ErrorCode.CONNECTION_FAILED,  # CR_CONNECTION_ERROR
    2003: ErrorCode.CONNECTION_FAILED,  # CR_CONN_HOST_ERROR
    2005: ErrorCode.CONNECTION_FAILED,  # CR_UNKNOWN_HOST
    2006: ErrorCode.CONNECTION_FAILED,  # CR_SERVER_GONE_ERROR
    2013: ErrorCode.CONNECTION_FAILED,  # CR_SERVER_LOST
    2055: ErrorCode.CONNECTION_FAILED,  # CR_SERVER_LOST_EXTENDED
    # syntax, unknown names
    1064: SqlCode.SQL_SYNTAX_ERROR,  # ER_PARSE_ERROR
    1046: SqlCode.SQL_SYNTAX_ERROR,  # ER_NO_DB_ERROR: no database named or selected
    1146: SqlCode.SQL_SYNTAX_ERROR,  # ER_NO_SUCH_TABLE
    1054: SqlCode.SQL_SYNTAX_ERROR,  # ER_BAD_FIELD_ERROR
    1052: SqlCode.SQL_SYNTAX_ERROR,  # ER_NON_UNIQ_ERROR: ambiguous column
    1050: SqlCode.SQL_SYNTAX_ERROR,  # ER_TABLE_EXISTS_ERROR
    1051: SqlCode.SQL_SYNTAX_ERROR,  # ER_BAD_TABLE_ERROR
    1060: SqlCode.SQL_SYNTAX_ERROR,  # ER_DUP_FIELDNAME
    1109: SqlCode.SQL_SYNTAX_ERROR,  # ER_UNKNOWN_TABLE
    1305: SqlCode.SQL_SYNTAX_ERROR,  # ER_SP_DOES_NOT_EXIST
    1630: SqlCode.SQL_SYNTAX_ERROR,  # ER_FUNC_INEXISTENT_NAME_COLLISION
    # constraints
    1062: ErrorCode.CONFLICT,  # ER_DUP_ENTRY
    1586: ErrorCode.CONFLICT,  # ER_DUP_ENTRY_WITH_KEY_NAME
    1169: ErrorCode.CONFLICT,  # ER_DUP_UNIQUE
    1451: ErrorCode.CONFLICT,  # ER_ROW_IS_REFERENCED_2
    1452: ErrorCode.CONFLICT,  # ER_NO_REFERENCED_ROW_2
    1216: ErrorCode.CONFLICT,  # ER_NO_REFERENCED_ROW
    1217: ErrorCode.CONFLICT,  # ER_ROW_IS_REFERENCED
    1048: ErrorCode.CONFLICT,  # ER_BAD_NULL_ERROR
    1364: ErrorCode.CONFLICT,  # ER_NO_DEFAULT_FOR_FIELD
    3819: ErrorCode.CONFLICT,  # ER_CHECK_CONSTRAINT_VIOLATED (MySQL)
    4025: ErrorCode.CONFLICT,  # ER_CONSTRAINT_FAILED (MariaDB)
    # locks
    1213: SqlCode.DEADLOCK,  # ER_LOCK_DEADLOCK
    1205: SqlCode.DEADLOCK,  # ER_LOCK_WAIT_TIMEOUT
    # time limits
    1969: ErrorCode.TIMEOUT,  # ER_STATEMENT_TIMEOUT (MariaDB max_statement_time)
    3024: ErrorCode.TIMEOUT,  # ER_QUERY_TIMEOUT (MySQL max_execution_time)
    1317: ErrorCode.TIMEOUT,  # ER_QUERY_INTERRUPTED
    # data
    1264: SqlCode.DATA_ERROR,  # ER_WARN_DATA_OUT_OF_RANGE
    1265: SqlCode.DATA_ERROR,  # WARN_DATA_TRUNCATED
    1292: SqlCode.DATA_ERROR,  # ER_TRUNCATED_WRONG_VALUE
    1366: SqlCode.DATA_ERROR,  # ER_TRUNCATED_WRONG_VALUE_FOR_FIELD
    1365: SqlCode.DATA_ERROR,  # ER_DIVISION_BY_ZERO
    1367: SqlCode.DATA_ERROR,  # ER_ILLEGAL_VALUE_FOR_TYPE
    1406: SqlCode.DATA_ERROR,  # ER_DATA_TOO_LONG
    1690: SqlCode.DATA_ERROR,  # ER_DATA_OUT_OF_RANGE
    3140: SqlCode.DATA_ERROR,  # ER_INVALID_JSON_TEXT (MySQL)
    4038: SqlCode.DATA_ERROR,  # ER_JSON_SYNTAX (MariaDB)
}
#: Numbers of failures that a retry cannot fix although their code usually is retried.
_MYSQL_NOT_RETRIED = frozenset({1049})

# -- SQLite -------------------------------------------------------------------------------

#: The primary result code's name (the extended name's head) -> code.
_SQLITE_CODES: Mapping[str, str] = {
    "SQLITE_CONSTRAINT": ErrorCode.CONFLICT,
    "SQLITE_BUSY": SqlCode.DEADLOCK,
    "SQLITE_LOCKED": SqlCode.DEADLOCK,
    "SQLITE_INTERRUPT": ErrorCode.TIMEOUT,
    "SQLITE_READONLY": SqlCode.PERMISSION_DENIED,
    "SQLITE_AUTH": SqlCode.PERMISSION_DENIED,
    "SQLITE_PERM": SqlCode.PERMISSION_DENIED,
    "SQLITE_CANTOPEN": ErrorCode.CONNECTION_FAILED,
    "SQLITE_ERROR": SqlCode.SQL_SYNTAX_ERROR,
    "SQLITE_MISMATCH": SqlCode.DATA_ERROR,
    "SQLITE_TOOBIG": SqlCode.DATA_ERROR,
    "SQLITE_RANGE": SqlCode.DATA_ERROR,
}

# -- Oracle (python-oracledb: ORA- numbers; DPY- for the driver's own) -----------------

_ORACLE_ERRORS: Mapping[int, str] = {
    1: ErrorCode.CONFLICT,  # ORA-00001 unique constraint violated
    1400: ErrorCode.CONFLICT,  # cannot insert NULL
    2290: ErrorCode.CONFLICT,  # check constraint violated
    2291: ErrorCode.CONFLICT,  # integrity constraint violated - parent key not found
    2292: ErrorCode.CONFLICT,  # integrity constraint violated - child record found
    942: SqlCode.SQL_SYNTAX_ERROR,  # table or view does not exist
    904: SqlCode.SQL_SYNTAX_ERROR,  # invalid identifier
    900: SqlCode.SQL_SYNTAX_ERROR,  # invalid SQL statement
    923: SqlCode.SQL_SYNTAX_ERROR,  # FROM keyword not found where expected
    933: SqlCode.SQL_SYNTAX_ERROR,  # SQL command not properly ended
    936: SqlCode.SQL_SYNTAX_ERROR,  # missing expression
    1031: SqlCode.PERMISSION_DENIED,  # insufficient privileges
    1017: ErrorCode.AUTHENTICATION_FAILED,  # invalid username/password
    28000: ErrorCode.AUTHENTICATION_FAILED,  # the account is locked
    60: SqlCode.DEADLOCK,  # deadlock detected
    54: SqlCode.DEADLOCK,  # resource busy and acquire with NOWAIT
    8177: SqlCode.DEADLOCK,  # cannot serialize access
    1013: ErrorCode.TIMEOUT,  # user requested cancel of current operation
    1722: SqlCode.DATA_ERROR,  # invalid number
    1438: SqlCode.DATA_ERROR,  # value larger than specified precision
    12899: SqlCode.DATA_ERROR,  # value too large for column
    1476: SqlCode.DATA_ERROR,  # divisor is equal to zero
    12541: ErrorCode.CONNECTION_FAILED,  # no listener
    12514: ErrorCode.CONNECTION_FAILED,  # listener does not know of service
    12170: ErrorCode.CONNECTION_FAILED,  # connect timeout occurred
    3113: ErrorCode.CONNECTION_FAILED,  # end-of-file on communication channel
}


# -- failures before the database answered -----------------------------------------------

#: Exception class names of the network and the drivers' own checks -> code.
_EXCEPTION_CODES: Mapping[str, str] = {
    "ConnectionRefusedError": ErrorCode.CONNECTION_FAILED,
    "ConnectionResetError": ErrorCode.CONNECTION_FAILED,
    "ConnectionAbortedError": ErrorCode.CONNECTION_FAILED,
    "BrokenPipeError": ErrorCode.CONNECTION_FAILED,
    "gaierror": ErrorCode.CONNECTION_FAILED,
    "ConnectionDoesNotExistError": ErrorCode.CONNECTION_FAILED,  # asyncpg
    "InterfaceError": ErrorCode.CONNECTION_FAILED,
    "TimeoutError": ErrorCode.TIMEOUT,
    "CancelledError": ErrorCode.TIMEOUT,
}

_DATABASES: Mapping[str, str] = {
    "postgresql": "PostgreSQL",
    "mysql": "MySQL",
    "mariadb": "MariaDB",
    "sqlite": "SQLite",
    "mssql": "SQL Server",
    "oracle": "Oracle",
}

# A URL's user information with its password: ``scheme://user:password@`` and JDBC's
# ``password=...`` property. Drivers echo the URL they were given in some messages.
_URL_PASSWORD = re.compile(r"(?i)([a-z][a-z0-9+.-]*://[^\s:/@]*:)[^\s@/]+@")
_PASSWORD_PROPERTY = re.compile(r"(?i)\b(password|pwd)=[^\s;&]+")


def scrub(text: str) -> str:
    """``text`` with any URL password or ``password=`` property masked: the job's
    redactor masks every secret it knows as well; this catches a password that came in
    a URL the redactor was not told about."""
    text = _URL_PASSWORD.sub(r"\1***@", text)
    return _PASSWORD_PROPERTY.sub(r"\1=***", text)


def _driver_error(exc: BaseException) -> BaseException:
    """The driver's exception behind SQLAlchemy's wrapper (``DBAPIError.orig``)."""
    orig = getattr(exc, "orig", None)
    return orig if isinstance(orig, BaseException) else exc


def _sqlstate(error: BaseException) -> str | None:
    for name in ("sqlstate", "pgcode"):
        value = getattr(error, name, None)
        if isinstance(value, str) and len(value) == 5:
            return value
    if type(error).__module__.split(".")[0] == "pyodbc":  # SQL Server: (state, message)
        args = getattr(error, "args", ())
        if args and isinstance(args[0], str) and len(args[0]) == 5:
            return args[0]
    return None


def _oracle_error(error: BaseException) -> tuple[str, int] | None:
    """python-oracledb's ``ORA-00942`` (prefix, number) of an error."""
    args = getattr(error, "args", ())
    full = getattr(args[0], "full_code", None) if args else None
    if not isinstance(full, str) or "-" not in full:
        return None
    prefix, _, number = full.partition("-")
    return (prefix, int(number)) if number.isdigit() else None


def _mysql_number(error: BaseException) -> int | None:
    """PyMySQL's error number: its first argument."""
    if type(error).__module__.split(".")[0] not in ("pymysql", "aiomysql"):
        return None
    args = getattr(error, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def _detail(error: BaseException) -> str:
    """The driver's own words, without PyMySQL's ``(number, "...")`` tuple form."""
    args: tuple[Any, ...] = tuple(getattr(error, "args", ()))
    if _mysql_number(error) is not None and len(args) >= 2:
        return str(args[1])
    text = str(error).strip()
    cause = error.__cause__
    detail = getattr(cause, "detail", None)  # asyncpg: "Key (id)=(1) already exists."
    if isinstance(detail, str) and detail and detail not in text:
        text = f"{text} ({detail})"
    return text or type(error).__name__


def classify(exc: BaseException) -> tuple[str, bool, dict[str, Any]]:
    """The code of a driver's failure, whether a retry may get past it, and the
    variables that say what the database reported."""
    error = _driver_error(exc)
    variables: dict[str, Any] = {}
    number = _mysql_number(error)
    state = _sqlstate(error)
    if state is not None:
        variables["sqlState"] = state
    if number is not None:
        variables["errorNumber"] = number
        code = _MYSQL_ERRORS.get(number)
        if code is None and state is not None:
            code = _code_of_state(state)
        code = code or SqlCode.DATABASE_ERROR
        retried = code in _RETRIED and number not in _MYSQL_NOT_RETRIED
        return code, retried, variables
    if state is not None:
        cause = error.__cause__
        constraint = getattr(cause, "constraint_name", None)
        if isinstance(constraint, str) and constraint:
            variables["constraint"] = constraint
        code = _code_of_state(state) or SqlCode.DATABASE_ERROR
        retried = (code in _RETRIED or state[:2] in _PG_RETRIED_CLASSES) and (
            state not in _NOT_RETRIED_STATES
        )
        return code, retried, variables
    oracle = _oracle_error(error)
    if oracle is not None and oracle[0] == "ORA":
        variables["oracleError"] = f"ORA-{oracle[1]:05d}"
        code = _ORACLE_ERRORS.get(oracle[1], SqlCode.DATABASE_ERROR)
        return code, code in _RETRIED, variables
    name = getattr(error, "sqlite_errorname", None)
    if isinstance(name, str):
        variables["sqliteError"] = name
        code = _SQLITE_CODES.get("_".join(name.split("_")[:2]), SqlCode.DATABASE_ERROR)
        return code, code in _RETRIED and code != ErrorCode.CONNECTION_FAILED, variables
    if type(error).__module__.split(".")[0] == "sqlite3":
        # sqlite3's own checks, before SQLite ran anything: a value it cannot bind.
        return SqlCode.DATA_ERROR, False, variables
    if not isinstance(error, OSError) and isinstance(error.__cause__, OSError):
        # A driver's own error over a network failure (oracledb's DPY-6005, say).
        return classify(error.__cause__)
    if isinstance(error, ssl.SSLError | ssl.CertificateError):
        return ErrorCode.TLS_FAILED, False, variables
    for kind in type(error).__mro__:
        code = _EXCEPTION_CODES.get(kind.__name__)
        if code is not None:
            return code, code in _RETRIED, variables
    if isinstance(error, OSError):  # unreachable network, no route, ...
        return ErrorCode.CONNECTION_FAILED, True, variables
    return SqlCode.DATABASE_ERROR, False, variables


def _code_of_state(state: str) -> str | None:
    return _PG_STATES.get(state) or _PG_CLASSES.get(state[:2])


def _message(code: str, database: str, where: str, detail: str) -> str:
    if code == ErrorCode.CONNECTION_FAILED:
        return f"cannot connect to {database} at {where}: {detail}"
    if code == ErrorCode.AUTHENTICATION_FAILED:
        return f"{database} at {where} refused the login: {detail}"
    if code == ErrorCode.TLS_FAILED:
        return f"TLS with {database} at {where} failed: {detail}"
    if code == ErrorCode.TIMEOUT:
        return f"{database} at {where} timed out: {detail}"
    return f"{database} at {where} refused the statement: {detail}"


def sql_error(
    exc: BaseException,
    *,
    dialect: str,
    where: str,
    statement_index: int | None = None,
) -> ConnectorError | InputError:
    """The connector error for a failure of the driver on ``where`` (the database's URL
    without its password), in the connector's stable codes.

    ``statement_index`` names the statement of a transaction that failed (from 0).
    """
    if isinstance(exc, ConnectorError | InputError):
        return exc
    code, retried, variables = classify(exc)
    database = _DATABASES.get(dialect, dialect)
    error = _driver_error(exc)
    if isinstance(error, TimeoutError) or type(error).__name__ == "CancelledError":
        detail = "no answer in time"
    else:
        detail = _detail(error)
    if statement_index is not None:
        variables["statementIndex"] = statement_index
        detail = f"statement {statement_index + 1}: {detail}"
    message = scrub(_message(code, database, where, detail))
    return ConnectorError(message, code=code, variables=variables, retryable=retried)
