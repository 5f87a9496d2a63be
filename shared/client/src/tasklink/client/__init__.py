"""tasklink-client: the outbound HTTP client every tasklink connector shares.

A connector for an HTTP API describes each call as a :class:`Request` and hands it to
:func:`send`; the client owns what every such connector needs and must not get wrong:

* pooled ``httpx`` clients per event loop (closed by :func:`aclose_clients`);
* the outbound address guard (after DNS, on every redirect hop, for token URLs, through
  proxies), configured by the operator (``TASKLINK_HTTP_*``);
* bounded reading and decompression, a total deadline per request; bodies and
  responses streamed (:class:`StreamedContent`, :func:`multipart`, :func:`stream`) so
  documents of any size pass with bounded memory;
* one TLS trust policy (:func:`ssl_context`; :func:`ca_bundle` and
  :func:`ca_bundle_file` for libraries that take certificates), with PEM material from
  the job;
* authentication schemes, with OAuth 2.0 tokens cached across jobs, and the
  :class:`AuthScheme` protocol for an API's own scheme; the input fields that choose them
  (:data:`AuthenticationOptions`), as :class:`TlsOptions` offers the TLS fields;
* checks of URLs and headers (:func:`check_url`, :data:`WebUrl`...) for input models;
* one classifier of failures onto error codes (:func:`status_error`,
  :class:`ClientErrorCode`), whose messages name the caller's own fields.

Importing the package is cheap (discovery imports connector models that carry these
types); ``httpx`` is imported with the first request.
"""

from typing import TYPE_CHECKING

from tasklink.core import deferred_exports

from .__about__ import __version__
from ._auth import (
    NO_AUTH,
    ApiKeyAuth,
    AppliedAuth,
    AuthScheme,
    AuthSession,
    BasicAuth,
    BearerAuth,
    NoAuth,
    OAuth2ClientCredentials,
    OAuth2RefreshToken,
    TokenCache,
    tokens,
)
from ._auth_options import (
    AUTHENTICATION_LABELS,
    ApiKeyAuthOptions,
    AuthenticationOptions,
    BasicAuthOptions,
    BearerAuthOptions,
    NoAuthOptions,
    OAuth2ClientCredentialsOptions,
)
from ._checks import CheckError, WebUrl, check_header_name, check_header_value, check_url
from ._content import FormField, FormFile, StreamedContent, multipart
from ._documents import external_document
from ._errors import ClientErrorCode, is_retryable_status, status_error, transport_error
from ._options import FieldNames, Timeouts
from ._policy import (
    ENV_ALLOWED_HOSTS,
    ENV_ALLOWED_NETWORKS,
    ENV_BLOCK_PRIVATE_NETWORKS,
    ENV_BLOCKED_NETWORKS,
    ENV_MAX_CONNECTIONS,
    ENV_MAX_RESPONSE_BYTES,
    OutboundPolicy,
    PolicyConfigError,
)
from ._retry import MAX_RETRY_AFTER, parse_retry_after
from ._tls import (
    DEFAULT_TLS,
    CaBundleFile,
    TlsConfig,
    TlsFields,
    ca_bundle,
    ca_bundle_file,
    ssl_context,
)
from ._tls_options import TlsOptions
from ._urls import safe_url, url_file_name

if TYPE_CHECKING:
    from ._guard import BlockedAddressError, check_endpoint, check_host, check_host_blocking
    from ._httpx_auth import HttpxAuth
    from ._pool import aclose_clients, use_transport
    from ._send import (
        DEFAULT_MAX_RESPONSE_BYTES,
        SENSITIVE_RESPONSE_HEADERS,
        Request,
        Response,
        StreamedResponse,
        send,
        stream,
    )

# What imports httpx, by module: loaded on first access (PEP 562). Keep in step with the
# TYPE_CHECKING imports above (a test checks).
_DEFERRED = {
    "_guard": ("BlockedAddressError", "check_endpoint", "check_host", "check_host_blocking"),
    "_httpx_auth": ("HttpxAuth",),
    "_pool": ("aclose_clients", "use_transport"),
    "_send": (
        "DEFAULT_MAX_RESPONSE_BYTES",
        "SENSITIVE_RESPONSE_HEADERS",
        "Request",
        "Response",
        "StreamedResponse",
        "send",
        "stream",
    ),
}

__all__ = [
    "AUTHENTICATION_LABELS",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TLS",
    "ENV_ALLOWED_HOSTS",
    "ENV_ALLOWED_NETWORKS",
    "ENV_BLOCKED_NETWORKS",
    "ENV_BLOCK_PRIVATE_NETWORKS",
    "ENV_MAX_CONNECTIONS",
    "ENV_MAX_RESPONSE_BYTES",
    "MAX_RETRY_AFTER",
    "NO_AUTH",
    "SENSITIVE_RESPONSE_HEADERS",
    "ApiKeyAuth",
    "ApiKeyAuthOptions",
    "AppliedAuth",
    "AuthScheme",
    "AuthSession",
    "AuthenticationOptions",
    "BasicAuth",
    "BasicAuthOptions",
    "BearerAuth",
    "BearerAuthOptions",
    "BlockedAddressError",
    "CaBundleFile",
    "CheckError",
    "ClientErrorCode",
    "FieldNames",
    "FormField",
    "FormFile",
    "HttpxAuth",
    "NoAuth",
    "NoAuthOptions",
    "OAuth2ClientCredentials",
    "OAuth2ClientCredentialsOptions",
    "OAuth2RefreshToken",
    "OutboundPolicy",
    "PolicyConfigError",
    "Request",
    "Response",
    "StreamedContent",
    "StreamedResponse",
    "Timeouts",
    "TlsConfig",
    "TlsFields",
    "TlsOptions",
    "TokenCache",
    "WebUrl",
    "__version__",
    "aclose_clients",
    "ca_bundle",
    "ca_bundle_file",
    "check_endpoint",
    "check_header_name",
    "check_header_value",
    "check_host",
    "check_host_blocking",
    "check_url",
    "external_document",
    "is_retryable_status",
    "multipart",
    "parse_retry_after",
    "safe_url",
    "send",
    "ssl_context",
    "status_error",
    "stream",
    "tokens",
    "transport_error",
    "url_file_name",
    "use_transport",
]


if not TYPE_CHECKING:  # type checkers read the imports above, and flag unknown names
    __getattr__, __dir__ = deferred_exports(__name__, _DEFERRED)
