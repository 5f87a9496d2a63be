"""The inputs of the vendors' database connectors this connector serves.

**Camunda's SQL connector** (``io.camunda:connector-jdbc:1``, element template
``io.camunda.connectors.Jdbc.v1`` versions 1 to 6; ``connectors/jdbc`` ``JdbcRequest``,
``JdbcRequestData``, ``connection/*``): four top-level variables, ``database``
(``MARIADB``, ``MSSQL``, ``MYSQL``, ``POSTGRESQL``, ``ORACLE``), ``connection``
(``authType`` ``uri`` with ``uri`` and ``uriProperties``, or ``detailed`` with ``host``,
``port``, ``username``, ``password``, ``databaseName``, ``properties``), ``data``
(``returnResults``, ``query``, ``variables``) and ``configuration`` (a stored JDBC
connection credential, versions 4 on: ``host``, ``port``, ``databaseName``, ``username``,
``password``; it wins over ``connection``). Bound as Camunda's runtime binds them: unknown
fields ignored, enum values in any case, numbers and booleans where text is expected,
FEEL maps and lists also as JSON text.

**Alfresco Process Automation's database connectors** (MariaDB, PostgreSQL, SQL Server;
``process-automation/latest/model/connectors/database.md``): actions ``INSERT``,
``UPDATE``, ``DELETE`` and ``SELECT``, each with ``query`` (required) and ``metadata``
(JSON: the values of the query's ``{name}`` placeholders). The connection is
configuration, not input (:mod:`._apa`).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator, ConfigDict

from tasklink.core import CamelInputModel, field

__all__ = [
    "ApaStatement",
    "CamundaDatabase",
    "CamundaJdbcConfiguration",
    "CamundaJdbcConnection",
    "CamundaJdbcData",
    "CamundaJdbcRequest",
]

CamundaDatabase = Literal["MARIADB", "MSSQL", "MYSQL", "POSTGRESQL", "ORACLE"]
AuthType = Literal["uri", "detailed"]


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _text(value: Any) -> Any:
    """Jackson binds a number or a boolean to a ``String`` field as its text."""
    value = _blank_is_none(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _enum(choices: tuple[str, ...]) -> BeforeValidator:
    """Camunda's mapper accepts enum values in any case."""

    def canonical(value: Any) -> Any:
        value = _blank_is_none(value)
        if isinstance(value, str):
            for choice in choices:
                if value.strip().lower() == choice.lower():
                    return choice
        return value

    return BeforeValidator(canonical)


def _flag(value: Any) -> Any:
    value = _blank_is_none(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return False if value is None else value


def _json(value: Any) -> Any:
    """A FEEL map or list, or the JSON text of one."""
    value = _blank_is_none(value)
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value  # left for the field's own error
    return value


def _properties(value: Any) -> Any:
    """JDBC properties: a map of texts (values given as numbers or booleans become text)."""
    value = _json(value)
    if isinstance(value, dict):
        return {str(k): _text(v) for k, v in value.items() if _text(v) is not None}
    return value


Text = Annotated[str | None, BeforeValidator(_text)]
Properties = Annotated[dict[str, str] | None, BeforeValidator(_properties)]


class _Vendor(CamelInputModel):
    # The vendors' mappers ignore fields their classes do not have.
    model_config = ConfigDict(extra="ignore")


class CamundaJdbcConnection(_Vendor):
    """``connection`` (``JdbcConnection``): a JDBC URI, or host, port and database."""

    auth_type: Annotated[AuthType | None, _enum(get_args(AuthType))] = field(
        None, description="uri or detailed"
    )
    uri: Text = field(None, description="uri: the JDBC URL, e.g. jdbc:postgresql://host:5432/db")
    uri_properties: Properties = field(
        None, description="uri: JDBC properties (user, password, sslmode...)"
    )
    host: Text = field(None, description="detailed: the server's host name")
    port: Text = field(None, description="detailed: the server's port")
    username: Text = field(None, description="detailed: the user name")
    password: Text = field(None, description="detailed: the password", secret=True)
    database_name: Text = field(None, description="detailed: the database's name")
    properties: Properties = field(None, description="detailed: further JDBC properties")


class CamundaJdbcConfiguration(_Vendor):
    """``configuration``: a stored JDBC connection credential (template versions 4 on),
    used instead of ``connection``. Its template (``io.camunda.connectors:jdbc-connection``,
    version 2) holds the database too: version 6 of the element template maps the
    top-level ``database`` only when no credential is chosen."""

    database: Annotated[CamundaDatabase | None, _enum(get_args(CamundaDatabase))] = field(
        None, description="MARIADB, MSSQL, MYSQL, POSTGRESQL or ORACLE"
    )
    host: Text = field(None, description="The server's host name")
    port: Text = field(None, description="The server's port")
    database_name: Text = field(None, description="The database's name")
    username: Text = field(None, description="The user name")
    password: Text = field(None, description="The password", secret=True)


class CamundaJdbcData(_Vendor):
    """``data`` (``JdbcRequestData``)."""

    return_results: Annotated[bool, BeforeValidator(_flag)] = field(
        False, description="true: the statement returns rows (SELECT, RETURNING)"
    )
    query: Text = field(None, description="The SQL, with :name or ? placeholders")
    variables: Annotated[Any, BeforeValidator(_json)] = field(
        None,
        description="Values of the placeholders: a map for :name (and Jdbi's <list>), a list for ?",
    )


class CamundaJdbcRequest(_Vendor):
    """The variables of an ``io.camunda:connector-jdbc:1`` job."""

    database: Annotated[CamundaDatabase | None, _enum(get_args(CamundaDatabase))] = field(
        None, description="MARIADB, MSSQL, MYSQL, POSTGRESQL or ORACLE"
    )
    connection: CamundaJdbcConnection | None = field(
        None, description="The connection, when no configuration is bound"
    )
    data: CamundaJdbcData = field(
        default_factory=CamundaJdbcData, description="The statement and its values"
    )
    configuration: CamundaJdbcConfiguration | None = field(
        None, description="A stored connection credential; wins over connection"
    )


class ApaStatement(_Vendor):
    """The inputs of APA's ``INSERT``, ``UPDATE``, ``DELETE`` and ``SELECT``."""

    query: str = field(description="The SQL, with {name} placeholders", min_length=1)
    metadata: Annotated[dict[str, Any] | None, BeforeValidator(_json)] = field(
        None, description="Values of the query's {name} placeholders"
    )
