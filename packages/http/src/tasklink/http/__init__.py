"""tasklink-http: the REST connector.

Send one HTTP request per job: any method, JSON, text, form, multipart or binary bodies,
Basic, bearer, API key or OAuth 2.0 client-credentials authentication, redirects, TLS
options and a response size limit. Non-2xx statuses from 400 up become errors coded by
status name (``NOT_FOUND``, ``TOO_MANY_REQUESTS``...). The request itself goes through the
shared outbound client (``tasklink.client``): its operator settings, failure codes and
trust policy apply.

Importing this package is cheap; httpx is imported when the first request is sent.
"""

from .__about__ import __version__
from ._connector import connector, request
from ._models import (
    ApiKeyAuth,
    Authentication,
    BasicAuth,
    BearerAuth,
    BinaryBody,
    HttpMethod,
    HttpRequest,
    HttpResponse,
    NoAuth,
    OAuth2ClientCredentials,
    TlsOptions,
)

__all__ = [
    "ApiKeyAuth",
    "Authentication",
    "BasicAuth",
    "BearerAuth",
    "BinaryBody",
    "HttpMethod",
    "HttpRequest",
    "HttpResponse",
    "NoAuth",
    "OAuth2ClientCredentials",
    "TlsOptions",
    "__version__",
    "connector",
    "request",
]
