"""The vendor contracts the SQL connector also serves: Camunda's SQL connector
(``io.camunda:connector-jdbc:1``) and Alfresco Process Automation's database connectors
(MariaDB, PostgreSQL, SQL Server: actions INSERT, UPDATE, DELETE, SELECT).

The models are imported with the declaration (discovery reads them); the adapters
(:mod:`._camunda`, :mod:`._apa`) only when a job of a contract first runs. The runtime
serves a contract only when the operator turns it on.
"""

from __future__ import annotations

from collections.abc import Mapping

from tasklink.core import VendorContract

from ._connector import connector
from ._errors import APA_ERRORS, SQL_ERRORS, SqlCode
from ._vendor_models import ApaStatement, CamundaJdbcRequest

__all__ = ["APA_ERRORS", "CAMUNDA_ERRORS", "apa", "camunda"]

#: Camunda's SQL connector fails without codes (its ConnectorException); the contract
#: keeps the connector's stable codes, so that an ``errorExpression`` can tell failures
#: apart (``error.code = "CONFLICT"``), and its judgement of what a retry can fix.
CAMUNDA_ERRORS: Mapping[str, str] = {
    **SQL_ERRORS,
    SqlCode.RESULT_TOO_LARGE: "The statement returned more than 10000 rows, too many for a "
    "process variable (Camunda's connector has no limit)",
}

camunda = connector.vendor_contract(
    engine="camunda",
    name="camunda-jdbc",
    job_type="io.camunda:connector-jdbc:1",
    title="Camunda SQL connector",
    description="Camunda's SQL connector (io.camunda:connector-jdbc:1): a statement with "
    "named or positional variables, its connection by JDBC URI, details or a stored "
    "credential, and its resultSet or modifiedRows, run by this connector",
    documentation_url="https://docs.camunda.io/docs/components/connectors/out-of-the-box-connectors/sql/",
    errors=CAMUNDA_ERRORS,
)
camunda.operation(
    "jdbc",
    name="SQL statement",
    description="Run the statement; its rows as resultSet when returnResults is true, "
    "else the rows changed as modifiedRows",
    target="._camunda:run",
    input_model=CamundaJdbcRequest,
    output_model=None,
)

#: APA's three database connectors by their names, each with its actions.
apa: dict[str, VendorContract] = {}
for _name, _title in (
    ("mariadb", "MariaDB"),
    ("postgresql", "PostgreSQL"),
    ("sqlserver", "Microsoft SQL Server"),
):
    _contract = connector.vendor_contract(
        engine="activiti",
        name=_name,
        title=f"Alfresco Process Automation {_title}",
        description=f"APA's {_title} connector: INSERT, UPDATE, DELETE and SELECT with its "
        "query and metadata inputs, its configuration (DB_USERNAME, DB_PASSWORD, "
        "DB_DATASOURCE...) and its error codes, run by this connector",
        documentation_url="https://docs.alfresco.com/process-automation/latest/model/connectors/database/",
        errors=APA_ERRORS,
    )
    for _action, _verb in (
        ("insert", "an INSERT"),
        ("update", "an UPDATE"),
        ("delete", "a DELETE"),
    ):
        _contract.operation(
            _action,
            name=_action.upper(),
            description=f"Run {_verb} statement; result: the rows affected",
            target=f"._apa:{_name}_change",
            input_model=ApaStatement,
            output_model=None,
        )
    _contract.operation(
        "select",
        name="SELECT",
        description="Run a SELECT; result: the rows, each an object by column name",
        target=f"._apa:{_name}_select",
        input_model=ApaStatement,
        output_model=None,
    )
    apa[_name] = _contract
