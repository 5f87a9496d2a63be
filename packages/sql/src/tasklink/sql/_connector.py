"""The connector's declaration: what discovery and the templates read.

It imports only pydantic, the core and the models; every operation is a lazy target,
imported when it first runs, and SQLAlchemy and the drivers with it.
"""

from __future__ import annotations

from tasklink.core import Connector

from ._errors import SQL_ERRORS
from ._models import (
    Execute,
    ExecuteResult,
    Query,
    QueryResult,
    Transaction,
    TransactionResult,
)

__all__ = ["connector"]

connector = Connector(
    id="io.tasklink.sql",
    name="sql",
    title="SQL Database",
    job_type="tasklink:sql:1",
    description="Run parameterised SQL queries, statements and transactions on "
    "PostgreSQL, MariaDB / MySQL and SQLite",
    package=__package__,
    documentation_url="https://github.com/tasklink/tasklink/blob/main/docs/connectors/sql.md",
    # The Camunda template's version: bump it on every change of the form that is not
    # cosmetic, so diagrams made with the previous one keep it (docs/templates.md).
    template_version=1,
    keywords=("sql", "database", "postgresql", "mysql", "mariadb", "sqlite", "jdbc"),
    group_labels={
        "connection": "Connection",
        "tls": "TLS",
        "statement": "Statement",
        "result": "Result",
        "timeouts": "Timeouts",
    },
    errors=SQL_ERRORS,
)


@connector.on_shutdown
async def _close_engines() -> None:
    """The runtime's shutdown closes the pooled database connections after the last job."""
    from ._engines import close_engines

    await close_engines()


connector.operation(
    "query",
    name="Query",
    description="Run a SELECT (or a statement with RETURNING); outputs rows as objects, "
    "columns, rowCount, truncated",
    target="._run:query",
    input_model=Query,
    output_model=QueryResult,
)
connector.operation(
    "execute",
    name="Execute",
    description="Run an INSERT, UPDATE, DELETE or DDL statement; outputs affectedRows, "
    "lastInsertId and generatedKeys (RETURNING)",
    target="._run:execute",
    input_model=Execute,
    output_model=ExecuteResult,
)
connector.operation(
    "transaction",
    name="Transaction",
    description="Run several statements in one transaction: all committed, or none when "
    "one fails; outputs one result per statement",
    target="._run:transaction",
    input_model=Transaction,
    output_model=TransactionResult,
)

from . import _contracts  # noqa: E402, F401 - declares the vendor contracts
