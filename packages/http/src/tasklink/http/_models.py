"""Input and output models of the REST connector.

Field names are snake_case in Python and camelCase on the wire (process variables and
template bindings), following Camunda's REST connector where a name exists there
(``queryParameters``, ``connectionTimeoutInSeconds``, ``authentication.type``...).
Every check of the input happens here, so a bad job fails before anything is sent.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import (
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic import model_validator as _model_validator

from tasklink.client import (
    AUTHENTICATION_LABELS,
    AuthenticationOptions,
    CheckError,
    NoAuthOptions,
    TlsOptions,
    WebUrl,
)
from tasklink.core import (
    DEFAULT_DOCUMENT_MAX_BYTES,
    DOCUMENT_TYPE,
    CamelInputModel,
    CamelOutputModel,
    Document,
    field,
    validation_error,
)

from ._body import BodyError, BodyType, EncodedBody, encode_body
from ._checks import normalize_headers, normalize_query

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT_SECONDS",
    "DEFAULT_TOTAL_TIMEOUT_SECONDS",
    "BinaryBody",
    "HttpMethod",
    "HttpRequest",
    "HttpResponse",
]

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
HeaderValue = str | int | float | bool
QueryScalar = str | int | float | bool
QueryValue = QueryScalar | list[QueryScalar | None] | None

DEFAULT_TIMEOUT_SECONDS = 20.0
DEFAULT_TOTAL_TIMEOUT_SECONDS = 60.0
DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_REDIRECTS = 10

# The methods the modeler shows the body fields for. Only the form: a body given with
# another method is still validated and sent.
_BODY_METHODS = {"method": ["POST", "PUT", "PATCH", "DELETE"]}


# -- the request -------------------------------------------------------------------------

# Immutable, so one instance serves every request that leaves them out. The authentication
# and TLS models are the shared client's: the same fields in every connector.
_NO_AUTH = NoAuthOptions()
_DEFAULT_TLS = TlsOptions()


class HttpRequest(CamelInputModel):
    """One HTTP request and how to send it."""

    authentication: AuthenticationOptions = field(
        _NO_AUTH,
        description="How the connector authenticates",
        group="authentication",
        choice_labels=AUTHENTICATION_LABELS,
    )
    method: HttpMethod = field("GET", description="HTTP method.", group="endpoint")
    url: WebUrl = field(
        description="URL to call (http or https)",
        group="endpoint",
        placeholder="https://api.example.com/items",
    )
    query_parameters: dict[str, QueryValue] | None = field(
        None,
        description='Query parameters added to the URL, e.g. ={page: 2, tag: ["a", "b"]} '
        "(a list repeats the name)",
        group="endpoint",
    )
    headers: dict[str, HeaderValue | None] | None = field(
        None,
        description='Request headers, e.g. ={"X-Request-Id": requestId}',
        group="endpoint",
    )
    follow_redirects: bool = field(False, description="Follow 3xx redirects", group="endpoint")
    max_redirects: int = field(
        DEFAULT_MAX_REDIRECTS,
        title="Maximum redirects",
        description="Most redirects to follow before failing",
        group="endpoint",
        ge=0,
        le=50,
    )
    body_type: BodyType = field(
        "json",
        description="How the body is encoded: json, text, form (URL-encoded), multipart "
        "(fields and files) or binary (a document or base64).",
        group="payload",
        show_when=_BODY_METHODS,
        choice_labels={
            "json": "JSON",
            "text": "Text",
            "form": "Form (URL-encoded)",
            "multipart": "Multipart (fields and files)",
            "binary": "Binary",
        },
    )
    body: Any = field(
        None,
        description="json: any JSON value or JSON text; text: a string; form: an object of "
        "fields; multipart: an object of fields and files (documents, or {content (base64), "
        "filename, contentType}); binary: a document, base64 or such a file object",
        group="payload",
        multiline=True,
        show_when=_BODY_METHODS,
    )
    connection_timeout_in_seconds: float = field(
        DEFAULT_TIMEOUT_SECONDS,
        description="Seconds to wait for a connection (0 waits without limit)",
        group="timeouts",
        ge=0,
        allow_inf_nan=False,
    )
    read_timeout_in_seconds: float = field(
        DEFAULT_TIMEOUT_SECONDS,
        description="Seconds to wait for each part of the response (0 waits without limit)",
        group="timeouts",
        ge=0,
        allow_inf_nan=False,
    )
    total_timeout_in_seconds: float = field(
        DEFAULT_TOTAL_TIMEOUT_SECONDS,
        description="Seconds the whole exchange may take: token request, connecting, "
        "redirects, sending and reading the whole response (0: no limit of its own)",
        group="timeouts",
        ge=0,
        allow_inf_nan=False,
    )
    max_response_bytes: int = field(
        DEFAULT_MAX_RESPONSE_BYTES,
        title="Maximum response size (bytes)",
        description="Largest response body to accept, in bytes; larger ones fail the job. "
        "At most the operator's ceiling (32 MiB unless changed)",
        group="output",
        ge=1,
    )
    tls: TlsOptions = field(
        _DEFAULT_TLS,
        title="TLS",
        description="TLS settings for https URLs",
        group="tls",
    )

    @field_validator("method", mode="before")
    @classmethod
    def _upper_method(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    store_response: bool = field(
        False,
        description="Store the response body as a document, with its content type and "
        "the file name from Content-Disposition, instead of reading it into the result "
        "(for files; up to maxResponseBytes, or 100 MiB when that is left at its default)",
        group="output",
    )

    _headers: dict[str, str] = PrivateAttr(default_factory=dict)
    _query: list[tuple[str, str]] = PrivateAttr(default_factory=list)
    _body: EncodedBody | None = PrivateAttr(None)
    _store_limit: int | None = PrivateAttr(DEFAULT_DOCUMENT_MAX_BYTES)

    @_model_validator(mode="after")
    def _prepare(self, info: ValidationInfo) -> HttpRequest:
        # Private attributes are only assigned when set: assignment is not free and most
        # requests have neither headers, query parameters nor a body.
        problems: list[CheckError | BodyError] = []
        headers: dict[str, str] = {}
        if self.headers:
            try:
                headers = self._headers = normalize_headers(self.headers)
            except CheckError as problem:
                problems.append(problem)
        if self.query_parameters:
            try:
                self._query = normalize_query(self.query_parameters)
            except CheckError as problem:
                problems.append(problem)
        if not problems and self.body is not None:
            content_type = next(
                (v for k, v in headers.items() if k.lower() == "content-type"), None
            )
            try:
                body = _open_documents(self.body_type, self.body, info.context)
                self._body = encode_body(self.body_type, body, content_type)
            except BodyError as problem:
                problems.append(problem)
        if problems:
            raise validation_error(type(self).__name__, [(p.loc, p.message) for p in problems])
        if self.store_response:
            store = info.context.get("documents") if isinstance(info.context, Mapping) else None
            self._store_limit = getattr(store, "max_bytes", DEFAULT_DOCUMENT_MAX_BYTES)
        return self

    @property
    def request_headers(self) -> dict[str, str]:
        """The checked headers, values as text."""
        return self._headers

    @property
    def query(self) -> list[tuple[str, str]]:
        """The query parameters as name/value pairs."""
        return self._query

    @property
    def encoded_body(self) -> EncodedBody | None:
        """The body to send with its content type, or ``None``."""
        return self._body

    @property
    def document_limit(self) -> int:
        """The most bytes of a response stored as a document: the job's document store's
        bound, or ``maxResponseBytes`` when the process chose a lower one (a process may
        lower the operator's bounds, never raise them)."""
        store = self._store_limit if self._store_limit is not None else 2**62
        if self.max_response_bytes != DEFAULT_MAX_RESPONSE_BYTES:
            return min(self.max_response_bytes, store)
        return store


@functools.cache
def _document_adapter() -> TypeAdapter[Document]:
    return TypeAdapter(Document)


def _is_reference(value: Any) -> bool:
    return isinstance(value, Mapping) and DOCUMENT_TYPE in value


def _open_documents(body_type: BodyType, body: Any, context: Any) -> Any:
    """``body`` with the document references a multipart or binary body holds opened as
    documents through the job's store (JSON, text and form bodies are sent as given)."""

    def document(value: Any, loc: tuple[str | int, ...]) -> Any:
        if not _is_reference(value):
            return value
        try:
            opened: Document = _document_adapter().validate_python(value, context=context)
        except ValidationError as exc:
            raise BodyError(loc, exc.errors()[0]["msg"]) from None
        # What goes wrong reading it later names its place: body.files[0].
        opened.field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)[1:]
        return opened

    if body_type == "binary":
        return document(body, ("body",))
    if body_type != "multipart" or not isinstance(body, Mapping):
        return body
    opened: dict[str, Any] = {}
    for name, value in body.items():
        if isinstance(value, list | tuple):
            opened[name] = [document(item, ("body", name, i)) for i, item in enumerate(value)]
        else:
            opened[name] = document(value, ("body", name))
    return opened


# -- the response ------------------------------------------------------------------------


class BinaryBody(CamelOutputModel):
    """A binary response body; pass it on as a multipart file or a binary body."""

    content: str = field(description="The bytes, base64-encoded")
    content_type: str | None = field(None, description="Media type of the content")
    filename: str | None = field(
        None,
        description="Base name of the file from the Content-Disposition header (no path, "
        "no control characters), if any",
    )


class HttpResponse(CamelOutputModel):
    """The response: status, headers and the body parsed by its content type."""

    status: int = field(description="HTTP status code")
    reason: str = field(description="Reason phrase, e.g. 'Not Found'")
    headers: dict[str, str] = field(
        description="Response headers, names in lower case; credentials masked"
    )
    body: Any = field(
        None,
        description="JSON value, text, or for binary content an object with content "
        "(base64), contentType and filename; null when empty or stored as a document",
    )
    body_type: Literal["json", "text", "binary", "empty", "document"] = field(
        description="How body was read"
    )
    content_type: str | None = field(None, description="Content-Type of the response")
    url: str = field(description="Final URL, after redirects")
    document: Document | None = field(
        None, description="The body as a document, when storeResponse is true"
    )
