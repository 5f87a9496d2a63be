"""SQL Server and Oracle: optional extras. Where their driver is missing, a job says how
to install it; where it imports, a job reaches the driver (no server of either runs here:
the test stops at the refused connection)."""

from __future__ import annotations

import importlib
import socket
from typing import Any

import pytest

from tasklink.sql import connector
from tasklink.testing import run_job

DRIVERS = {"mssql": "aioodbc", "oracle": "oracledb"}


def _importable(module: str) -> bool:
    """Whether the driver imports (aioodbc also needs the system's ODBC library)."""
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def _job(dialect: str, port: int) -> Any:
    connection = {
        "type": "detailed",
        "databaseType": dialect,
        "host": "127.0.0.1",
        "port": port,
        "database": "db",
        "username": "app",
        "password": "optional-driver-password",
    }
    return run_job(
        connector,
        {"connection": connection, "statement": "SELECT 1", "connectTimeoutInSeconds": 3},
        operation="query",
    )


@pytest.mark.parametrize("dialect", sorted(DRIVERS))
def test_a_missing_driver_says_how_to_install_it(dialect: str) -> None:
    if _importable(DRIVERS[dialect]):
        pytest.skip(f"{DRIVERS[dialect]} is installed here")
    outcome = _job(dialect, 1)
    assert (outcome.code, outcome.retries) == ("DRIVER_NOT_INSTALLED", 0)
    assert f"tasklink-sql[{dialect}]" in outcome.message


@pytest.mark.parametrize("dialect", sorted(DRIVERS))
def test_an_installed_driver_reaches_the_server(dialect: str) -> None:
    if not _importable(DRIVERS[dialect]):
        pytest.skip(f"the {dialect} extra is not installed (or its driver does not import)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, not listening: refused
        outcome = _job(dialect, sock.getsockname()[1])
    assert outcome.kind == "failed", outcome
    assert outcome.code in ("CONNECTION_FAILED", "TIMEOUT"), outcome
    assert "optional-driver-password" not in outcome.message
