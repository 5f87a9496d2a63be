"""tasklink-sql: the SQL database connector.

Parameterised statements on PostgreSQL, MariaDB / MySQL and SQLite (SQL Server and
Oracle with optional drivers), on SQLAlchemy 2 core and its asyncio drivers: operations
``query``, ``execute`` and ``transaction`` (Activiti actions ``sql.QUERY``,
``sql.EXECUTE``, ``sql.TRANSACTION``). Importing this package is cheap: SQLAlchemy and
the drivers are imported when the first operation runs.
"""

from .__about__ import __version__
from ._connector import connector
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
    TransactionStatement,
    UrlConnection,
)

__all__ = [
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
    "__version__",
    "connector",
]
