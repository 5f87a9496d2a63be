"""The connector's declaration: what discovery and the templates read.

It imports only pydantic, the core, the models (with the REST connector's authentication
and TLS models) and the error table, so listing connectors stays cheap. The operation
names its implementation as a lazy target, imported when it first runs (and httpx with
it).
"""

from __future__ import annotations

from tasklink.core import Connector

from ._errors import GRAPHQL_ERRORS
from ._models import GraphqlRequest, GraphqlResponse

__all__ = ["connector"]

connector = Connector(
    id="io.tasklink.graphql",
    name="graphql",
    title="GraphQL",
    job_type="tasklink:graphql:1",
    description="Send GraphQL queries and mutations with variables and an operation name "
    "over POST or GET, with authentication, TLS and GraphQL errors as error codes",
    package=__package__,
    documentation_url="https://github.com/tasklink/tasklink/blob/main/docs/connectors/graphql.md",
    # The Camunda template's version: bump it on every change of the form that is not
    # cosmetic, so diagrams made with the previous one keep it (docs/templates.md).
    template_version=1,
    keywords=("graphql", "query", "mutation", "api"),
    group_labels={
        "endpoint": "HTTP endpoint",
        "graphql": "GraphQL",
        "timeouts": "Timeouts and limits",
        "tls": "TLS",
    },
    errors=GRAPHQL_ERRORS,
)


@connector.on_shutdown
async def _close_clients() -> None:
    """The runtime's shutdown closes the shared pooled clients after the last job."""
    from tasklink.client import aclose_clients

    await aclose_clients()


connector.operation(
    "execute",
    name="Execute query or mutation",
    description="Send one GraphQL query or mutation and return its data, with the HTTP "
    "status and headers; GraphQL errors fail with GRAPHQL_ERROR unless allowErrors is set",
    target="._operations:execute",
    input_model=GraphqlRequest,
    output_model=GraphqlResponse,
)

from . import _contracts  # noqa: E402, F401 - declares the vendor contract
