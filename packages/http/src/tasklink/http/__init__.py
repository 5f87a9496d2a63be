"""tasklink-http: the REST connector.

Send one HTTP request per job: any method, JSON, text, form, multipart or binary bodies,
Basic, bearer, API key or OAuth 2.0 client-credentials authentication, redirects, TLS
options and a response size limit. Non-2xx statuses from 400 up become errors coded by
status name (``NOT_FOUND``, ``TOO_MANY_REQUESTS``...). The request itself goes through the
shared outbound client (``tasklink.client``): its operator settings, failure codes and
trust policy apply.

Importing this package is cheap; httpx is imported when the first request is sent.
"""

# The authentication and TLS models are the shared client's (every connector offers the
# same fields), here under the names this package gave them before.
from tasklink.client import ApiKeyAuthOptions as ApiKeyAuth
from tasklink.client import AuthenticationOptions as Authentication
from tasklink.client import BasicAuthOptions as BasicAuth
from tasklink.client import BearerAuthOptions as BearerAuth
from tasklink.client import NoAuthOptions as NoAuth
from tasklink.client import OAuth2ClientCredentialsOptions as OAuth2ClientCredentials
from tasklink.client import TlsOptions

from .__about__ import __version__
from ._connector import connector
from ._models import BinaryBody, HttpMethod, HttpRequest, HttpResponse

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
]
