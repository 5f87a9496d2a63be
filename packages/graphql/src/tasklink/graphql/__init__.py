"""tasklink-graphql: the GraphQL connector.

Send one GraphQL query or mutation per job, with variables and an operation name, over
POST (a JSON body) or GET (the query string), with the REST connector's authentication
(Basic, bearer, API key, OAuth 2.0 client credentials) and TLS settings. GraphQL errors
fail the job with ``GRAPHQL_ERROR``, the errors and the partial data in its variables
(or come back in the result with ``allowErrors``); statuses from 400 up fail with the
status name as the code. Also serves Camunda's GraphQL connector
(``io.camunda:connector-graphql:1``).

Operation ``execute`` (Activiti action ``graphql.EXECUTE``). Calls go through the shared
outbound client (``tasklink.client``): its operator settings, failure codes and trust
policy apply. Importing this package is cheap; httpx is imported when the first request
is sent.
"""

from .__about__ import __version__
from ._connector import connector
from ._models import GraphqlMethod, GraphqlRequest, GraphqlResponse

__all__ = [
    "GraphqlMethod",
    "GraphqlRequest",
    "GraphqlResponse",
    "__version__",
    "connector",
]
