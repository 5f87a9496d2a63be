"""tasklink-http: the REST connector.

Send one HTTP request per job: any method, JSON, text, form, multipart or binary bodies,
Basic, bearer, API key or OAuth 2.0 client-credentials authentication, redirects, TLS
options and a response size limit. Non-2xx statuses from 400 up become errors coded by
status name (``NOT_FOUND``, ``TOO_MANY_REQUESTS``...).

Importing this package is cheap; httpx is imported when the first request is sent.
"""

from .__about__ import __version__
from ._connector import connector, request
from ._errors import (
    NON_RETRYABLE_SERVER_ERRORS,
    RETRY_AFTER_STATUSES,
    RETRYABLE_CLIENT_ERRORS,
    HttpErrorCode,
)
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
from ._policy import (
    ENV_ALLOWED_HOSTS,
    ENV_ALLOWED_NETWORKS,
    ENV_BLOCK_PRIVATE_NETWORKS,
    ENV_BLOCKED_NETWORKS,
    ENV_MAX_CONNECTIONS,
    ENV_MAX_RESPONSE_BYTES,
    OutboundPolicy,
)
from ._pool import aclose_clients
from ._response import SENSITIVE_RESPONSE_HEADERS

__all__ = [
    "ENV_ALLOWED_HOSTS",
    "ENV_ALLOWED_NETWORKS",
    "ENV_BLOCKED_NETWORKS",
    "ENV_BLOCK_PRIVATE_NETWORKS",
    "ENV_MAX_CONNECTIONS",
    "ENV_MAX_RESPONSE_BYTES",
    "NON_RETRYABLE_SERVER_ERRORS",
    "RETRYABLE_CLIENT_ERRORS",
    "RETRY_AFTER_STATUSES",
    "SENSITIVE_RESPONSE_HEADERS",
    "ApiKeyAuth",
    "Authentication",
    "BasicAuth",
    "BearerAuth",
    "BinaryBody",
    "HttpErrorCode",
    "HttpMethod",
    "HttpRequest",
    "HttpResponse",
    "NoAuth",
    "OAuth2ClientCredentials",
    "OutboundPolicy",
    "TlsOptions",
    "__version__",
    "aclose_clients",
    "connector",
    "request",
]
