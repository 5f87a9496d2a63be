"""The vendor contract the GraphQL connector also serves: Camunda's
``io.camunda:connector-graphql:1``, with its inputs, result shape and error codes.

Its model is imported with the declaration (discovery reads it); the adapter
(:mod:`._camunda`) only when a job of the contract first runs.
"""

from __future__ import annotations

from ._camunda_models import CamundaGraphqlRequest
from ._connector import connector
from ._errors import CAMUNDA_ERRORS

__all__ = ["camunda"]

camunda = connector.vendor_contract(
    engine="camunda",
    name="camunda-graphql",
    job_type="io.camunda:connector-graphql:1",
    title="Camunda GraphQL connector",
    description="Camunda's GraphQL connector (io.camunda:connector-graphql:1) with its "
    "inputs, result and error codes: processes modelled with Camunda's GraphQL template "
    "run unchanged",
    documentation_url="https://docs.camunda.io/docs/components/connectors/protocol/graphql/",
    errors=CAMUNDA_ERRORS,
)
camunda.operation(
    "request",
    name="Send GraphQL request",
    description="Send the query or mutation; the result is {status, headers, body, reason, "
    "document}, a status from 400 up fails with the status as the code, GraphQL errors "
    "with GRAPHQL_ERROR",
    target="._camunda:run",
    input_model=CamundaGraphqlRequest,
    output_model=None,
)
