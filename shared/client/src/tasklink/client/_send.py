"""Sending one request: authentication, redirects, limits, the guard and the deadline.

Redirects are followed here rather than by httpx, hop by hop, so that the limit is per
request, each hop goes through the outbound guard, and credentials stay with the origin
they were given for: on a hop to another scheme, host or port (an upgrade from http to
https on the same host excepted) ``Authorization``, ``Proxy-Authorization``, ``Cookie``
and whatever the scheme added are dropped. 301 and 302 turn a POST into a GET, 303 turns
anything but HEAD into a GET (dropping the body); 307 and 308 repeat the request as it
was.

Two limits bound every request, whatever the server does: ``Timeouts.total`` covers the
whole exchange (token request, connecting, every hop, sending, reading the body); and the
response size. A body held in memory (:func:`send`, :meth:`StreamedResponse.read`) is never
larger than the operator's ``TASKLINK_HTTP_MAX_RESPONSE_BYTES``, which a caller may lower
but not raise; a body streamed in pieces (into a document) is bounded by the caller's own
limit, which it takes from the document store.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

# This module is imported when the first request is sent, never by discovery, so it
# imports httpx at the top rather than on every call.
import httpx

from tasklink.core import MASK, ConnectorError, Context, InputError

from ._auth import NO_AUTH, AppliedAuth, AuthScheme, AuthSession
from ._content import StreamedContent
from ._decoding import BodyTooLargeError, is_left_encoded, iter_limited, read_limited
from ._errors import ClientErrorCode, transport_error
from ._guard import BlockedAddressError, preflight
from ._options import FieldNames, Timeouts
from ._policy import ENV_MAX_RESPONSE_BYTES, OperatorSettings, PolicyConfigError
from ._pool import LoopState, PooledClient, acquire, release
from ._tls import DEFAULT_TLS, TlsConfig
from ._urls import DEFAULT_PORTS, safe_url

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "SENSITIVE_RESPONSE_HEADERS",
    "Request",
    "Response",
    "StreamedResponse",
    "send",
    "stream",
]

DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_REDIRECTS = 10
#: Response headers that carry credentials: masked in :attr:`Response.headers`.
SENSITIVE_RESPONSE_HEADERS = frozenset(
    {"set-cookie", "set-cookie2", "authorization", "proxy-authorization", "cookie"}
)
# Headers that carry credentials and must not follow a redirect to another origin.
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
# Small redirect and 401 bodies are read so their connection can be reused.
_DRAIN_LIMIT = 64 * 1024


@dataclass(frozen=True, slots=True)
class Request:
    """One request as a connector describes it.

    ``query`` is merged into what ``url`` already carries (a name given here replaces
    the URL's value for it). ``content`` is bytes, or :class:`StreamedContent` for a
    body read as it is sent (documents). ``max_response_bytes`` bounds the
    decoded body; above the operator's ceiling it is an input error when
    ``explicit_limit`` (the process chose it), else it yields to the ceiling.
    ``user_agent`` is sent unless ``headers`` has one.
    """

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Sequence[tuple[str, str]] = ()
    content: bytes | StreamedContent | None = None
    content_type: str | None = None
    auth: AuthScheme = NO_AUTH
    tls: TlsConfig = DEFAULT_TLS
    timeouts: Timeouts = field(default_factory=Timeouts)
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    explicit_limit: bool = False
    follow_redirects: bool = False
    max_redirects: int = DEFAULT_MAX_REDIRECTS
    user_agent: str | None = None
    fields: FieldNames = field(default_factory=FieldNames)


@dataclass(frozen=True, slots=True)
class Response:
    """A response read whole (within the size limit).

    ``headers``: by lower-case name, repeated ones joined with ``", "``, credentials
    (:data:`SENSITIVE_RESPONSE_HEADERS`) masked. ``raw_headers``: the same lines as the
    server sent them, in order, names in their own case (credentials masked too), for
    callers whose contract keeps names and repetitions (a vendor's result shape).
    ``url``: the final URL, after redirects.
    ``content`` is decoded from its ``Content-Encoding`` (gzip, deflate) unless
    ``encoded``: a coding the client does not decode (br, zstd, more than two stacked),
    returned as it came.
    """

    method: str
    url: str
    status: int
    reason: str
    headers: dict[str, str]
    content: bytes
    encoded: bool = False
    raw_headers: tuple[tuple[str, str], ...] = ()

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    def json(self) -> Any:
        """The body parsed as JSON (:class:`ValueError` if it is not JSON)."""
        import json

        return json.loads(self.content)


def _raw_headers(response: httpx.Response) -> tuple[tuple[str, str], ...]:
    return tuple(
        (name, MASK if name.lower() in SENSITIVE_RESPONSE_HEADERS else value)
        for name, value in (
            (raw_name.decode("latin-1"), raw_value.decode("latin-1"))
            for raw_name, raw_value in response.headers.raw
        )
    )


def _response_headers(response: httpx.Response) -> dict[str, str]:
    # Built once per response and used for every lookup after it (httpx's own lookups
    # lower-case and scan the raw list each time).
    out: dict[str, str] = {}
    for raw_name, raw_value in response.headers.raw:
        key = raw_name.decode("latin-1").lower()
        value = MASK if key in SENSITIVE_RESPONSE_HEADERS else raw_value.decode("latin-1")
        if key in out and key not in SENSITIVE_RESPONSE_HEADERS:
            out[key] = f"{out[key]}, {value}"
        else:
            out[key] = value
    return out


def _reason(response: httpx.Response) -> str:
    if response.reason_phrase:
        return response.reason_phrase
    try:
        return HTTPStatus(response.status_code).phrase
    except ValueError:
        return ""


def _origin(url: httpx.URL) -> tuple[str, str, int]:
    return url.scheme, url.host, url.port or DEFAULT_PORTS.get(url.scheme, 0)


def _same_origin(url: httpx.URL, origin: tuple[str, str, int]) -> bool:
    here = _origin(url)
    if here == origin:
        return True
    # http -> https on the same host and default ports is an upgrade, not a new origin.
    return here == ("https", origin[1], 443) and origin[0] == "http" and origin[2] == 80


async def _drain(response: httpx.Response) -> None:
    """Read a small redirect or 401 body so its connection can be reused (decoded within
    the same bounds as any body); a larger one just closes the connection."""
    try:
        await read_limited(response, _DRAIN_LIMIT)
    except (BodyTooLargeError, httpx.HTTPError):
        return


def _response_limit(request: Request, ceiling: int) -> tuple[int, bool]:
    """The most body bytes to read, and whether it is the operator's ceiling."""
    wanted = request.max_response_bytes
    if wanted <= ceiling:
        return wanted, False
    if request.explicit_limit:
        name = request.fields.max_response_bytes
        raise InputError(
            f"{name}: {wanted} is more than the operator allows: at most {ceiling} bytes "
            f"({ENV_MAX_RESPONSE_BYTES})",
            field=name,
        )
    return ceiling, True


class _Exchange:
    """One request, with its redirect hops and at most one credential renewal."""

    def __init__(
        self,
        request: Request,
        ctx: Context,
        pooled: PooledClient,
        state: LoopState,
        *,
        streamed: bool = False,
    ) -> None:
        self.request = request
        self.ctx = ctx
        self.pooled = pooled
        self.client = pooled.client
        self.state = state
        settings: OperatorSettings = state.settings()
        self.policy = settings.policy
        self.ceiling = settings.max_response_bytes
        if streamed:  # the body never sits in memory whole: the ceiling does not apply
            self.limit, self.operator_limit = request.max_response_bytes, False
        else:
            self.limit, self.operator_limit = _response_limit(request, self.ceiling)
        self.timeout = request.timeouts.httpx()
        self.session = AuthSession(
            pooled.client,
            redactor=ctx.redactor,
            logger=ctx.logger,
            timeouts=request.timeouts,
            fields=request.fields,
            lock=state.lock,
            check_url=self._check,
        )

    async def _check(self, url: httpx.URL) -> None:
        await preflight(self.policy, self.pooled.proxied, url, self.timeout.connect)

    def _fail(self, exc: Exception, method: str, url: httpx.URL) -> ConnectorError | InputError:
        request = self.request
        return transport_error(exc, method, safe_url(url), request.timeouts, request.fields)

    def _headers(self, has_body: bool, same_origin: bool, auth: AppliedAuth) -> dict[str, str]:
        request = self.request
        drop: set[str] = set()
        if has_body or request.content is not None:
            drop.add("content-type")  # ours when there is a body; gone when a hop drops it
        if same_origin:
            drop |= auth.header_names
        else:
            drop |= _CREDENTIAL_HEADERS | auth.header_names
        headers = {k: v for k, v in request.headers.items() if k.lower() not in drop}
        if has_body and request.content_type is not None:
            headers["Content-Type"] = request.content_type
        content = request.content
        if has_body and isinstance(content, StreamedContent) and content.length is not None:
            headers["Content-Length"] = str(content.length)
        if request.user_agent is not None and not any(
            k.lower() == "user-agent" for k in request.headers
        ):
            headers["User-Agent"] = request.user_agent
        if same_origin:
            headers.update(auth.headers)
        return headers

    def _next_hop(
        self, response: httpx.Response, method: str, has_body: bool
    ) -> tuple[httpx.URL, str, bool]:
        where = f"{method} {safe_url(response.url)}"
        try:
            target = response.url.join(response.headers["location"])
            # .host decodes an internationalized name, which fails for an invalid one.
            valid = target.scheme in DEFAULT_PORTS and bool(target.host)
        except (httpx.InvalidURL, ValueError):
            valid = False
        if not valid:
            raise ConnectorError(
                f"{where} redirected to an invalid or non-HTTP location",
                code=ClientErrorCode.INVALID_REDIRECT,
                variables={"status": response.status_code},
                retryable=False,
            )
        status = response.status_code
        if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
            method, has_body = "GET", False
        return target, method, has_body

    async def _send(
        self, method: str, url: httpx.URL, headers: dict[str, str], has_body: bool
    ) -> httpx.Response:
        try:
            await self._check(url)
            content = self.request.content if has_body else None
            built = self.client.build_request(
                method,
                url,
                headers=headers,
                # A streamed body is opened afresh for every hop that repeats it.
                content=content.open() if isinstance(content, StreamedContent) else content,
                timeout=self.timeout,
            )
            return await self.client.send(built, stream=True)
        except (httpx.HTTPError, BlockedAddressError) as exc:
            raise self._fail(exc, method, url) from None
        except UnicodeEncodeError:
            # httpx encodes header names and values as ASCII; the message would quote the
            # value, which may be a credential.
            name = self.request.fields.headers
            raise InputError(
                f"{name}: the request could not be sent: a header name or value is not ASCII",
                field=name,
            ) from None

    async def _read(self, response: httpx.Response, method: str, url: httpx.URL) -> bytes:
        declared = response.headers.get("content-length", "")
        try:
            return await read_limited(response, self.limit, declared)
        except BodyTooLargeError:
            raise self.too_large(
                response.status_code, method, url, self.limit, self.operator_limit
            ) from None

    def too_large(
        self, status: int, method: str, url: httpx.URL, limit: int, operator: bool
    ) -> ConnectorError:
        """The error of a body larger than ``limit`` bytes; ``operator``: the limit is the
        operator's ceiling, not the caller's own."""
        if operator:
            what = f"{limit} bytes, the most the operator allows ({ENV_MAX_RESPONSE_BYTES})"
            advice = "request less data"
        else:
            what = f"{self.request.fields.max_response_bytes} ({limit} bytes)"
            advice = "raise the limit or request less data"
        return ConnectorError(
            f"{method} {safe_url(url)}: the response body is larger than {what}; {advice}",
            code=ClientErrorCode.RESPONSE_TOO_LARGE,
            variables={"status": status, "maxResponseBytes": limit},
            retryable=False,
        )

    async def final_response(self) -> tuple[httpx.Response, str, httpx.URL]:
        """The response that ends the exchange (after redirects and at most one renewal),
        its body unread, with the method and URL that got it. The caller closes it."""
        request = self.request
        try:
            url = httpx.URL(request.url)
            if request.query:
                url = url.copy_merge_params(tuple(request.query))
            origin = _origin(url)  # .host decodes an internationalized name, or fails
        except (httpx.InvalidURL, ValueError) as exc:
            raise InputError(f"{request.fields.url}: {exc}", field=request.fields.url) from None
        auth = await request.auth.apply(self.session)
        method = request.method
        has_body = request.content is not None
        hops = 0
        renewed = False
        while True:
            same_origin = _same_origin(url, origin)
            target = url.copy_merge_params(auth.query) if same_origin and auth.query else url
            response = await self._send(
                method, target, self._headers(has_body, same_origin, auth), has_body
            )
            try:
                if request.follow_redirects and response.has_redirect_location:
                    if hops >= request.max_redirects:
                        raise ConnectorError(
                            f"{method} {safe_url(url)}: more than {request.max_redirects} "
                            f"redirects ({request.fields.max_redirects})",
                            code=ClientErrorCode.TOO_MANY_REDIRECTS,
                            variables={"status": response.status_code},
                            retryable=False,
                        )
                    url, method, has_body = self._next_hop(response, method, has_body)
                    hops += 1
                    self._log("following a %d redirect to %s", response.status_code, safe_url(url))
                    await _drain(response)
                    await response.aclose()
                    continue
                if (
                    response.status_code == 401
                    and auth.renew is not None
                    and same_origin
                    and not renewed
                ):
                    # The cached credential may have been revoked early: renew it once.
                    auth.renew()
                    renewed = True
                    self._log("the API refused a cached credential; renewing it")
                    await _drain(response)
                    await response.aclose()
                    auth = await request.auth.apply(self.session)
                    continue
            except httpx.HTTPError as exc:
                await response.aclose()
                raise self._fail(exc, method, target) from None
            except BaseException:
                await response.aclose()
                raise
            return response, method, target

    async def run(self) -> Response:
        response, method, target = await self.final_response()
        try:
            headers = _response_headers(response)
            content = b"" if method == "HEAD" else await self._read(response, method, target)
        except httpx.HTTPError as exc:
            raise self._fail(exc, method, target) from None
        finally:
            await response.aclose()
        return Response(
            method=method,
            url=str(response.url),
            status=response.status_code,
            reason=_reason(response),
            headers=headers,
            content=content,
            encoded=is_left_encoded(headers.get("content-encoding")),
            raw_headers=_raw_headers(response),
        )

    async def body(
        self, response: httpx.Response, method: str, target: httpx.URL
    ) -> AsyncIterator[bytes]:
        """The body of a streamed response, decoded, within the request's own limit."""
        if method == "HEAD":
            return
        try:
            async for piece in iter_limited(response, self.limit):
                yield piece
        except BodyTooLargeError:
            raise self.too_large(
                response.status_code, method, target, self.limit, self.operator_limit
            ) from None
        except httpx.HTTPError as exc:
            raise self._fail(exc, method, target) from None

    def _log(self, message: str, *args: Any) -> None:
        logger = self.ctx.logger
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(message, *args)


@dataclass(frozen=True, slots=True)
class StreamedResponse:
    """A response whose body is read piece by piece (:meth:`chunks`), not held whole."""

    method: str
    url: str
    status: int
    reason: str
    headers: dict[str, str]
    encoded: bool
    _body: AsyncIterator[bytes] = field(repr=False)
    _too_large: Callable[[int, bool], ConnectorError] = field(repr=False)
    _ceiling: int = field(repr=False)
    raw_headers: tuple[tuple[str, str], ...] = ()

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    def chunks(self) -> AsyncIterator[bytes]:
        """The body, decoded, within the request's ``max_response_bytes`` (read once)."""
        return self._body

    async def read(self, max_bytes: int) -> bytes:
        """The whole body, read into memory (a small error body of a response otherwise
        streamed): at most ``max_bytes`` and never more than the operator's ceiling, as
        for :func:`send`; ``RESPONSE_TOO_LARGE`` beyond."""
        limit = min(max_bytes, self._ceiling)
        content = bytearray()
        async for chunk in self._body:
            if len(content) + len(chunk) > limit:  # checked first: never held past it
                raise self._too_large(limit, limit < max_bytes)
            content += chunk
        return bytes(content)


@contextlib.asynccontextmanager
async def stream(request: Request, ctx: Context) -> AsyncIterator[StreamedResponse]:
    """Send ``request`` and give the response with its body still to read, for bodies too
    large to hold (a file download): ``async with stream(request, ctx) as response:
    async for chunk in response.chunks(): ...``.

    As :func:`send`, except that the body read in pieces is bounded by
    ``request.max_response_bytes`` alone (it never sits in memory whole, so the
    operator's ceiling for bodies does not apply; the caller takes the limit from where
    the body goes, a document store's bound) and that ``Timeouts.total`` covers the whole
    block. :meth:`StreamedResponse.read` holds the body in memory: the ceiling applies.
    """
    try:
        state, pooled = await acquire(request.tls, request.fields.tls)
    except PolicyConfigError as exc:
        raise _misconfigured(exc) from None
    try:
        exchange = _Exchange(request, ctx, pooled, state, streamed=True)
        async with _total_deadline(request):
            response, method, target = await exchange.final_response()
            try:
                headers = _response_headers(response)
                yield StreamedResponse(
                    method=method,
                    url=str(response.url),
                    status=response.status_code,
                    reason=_reason(response),
                    headers=headers,
                    encoded=is_left_encoded(headers.get("content-encoding")),
                    _body=exchange.body(response, method, target),
                    _too_large=functools.partial(
                        exchange.too_large, response.status_code, method, target
                    ),
                    _ceiling=exchange.ceiling,
                    raw_headers=_raw_headers(response),
                )
            finally:
                await response.aclose()
    finally:
        await release(pooled)


@contextlib.asynccontextmanager
async def _total_deadline(request: Request) -> AsyncIterator[None]:
    total = request.timeouts.total
    deadline = asyncio.timeout(total or None)
    try:
        async with deadline:
            yield
    except TimeoutError:
        if not deadline.expired():
            raise  # not ours: the job's own timeout passes through as it came
        raise ConnectorError(
            f"{request.method} {safe_url(request.url)} timed out: not finished "
            f"within {total:g} s ({request.fields.total_timeout})",
            code=ClientErrorCode.TIMEOUT,
        ) from None


def _misconfigured(exc: PolicyConfigError) -> ConnectorError:
    return ConnectorError(
        f"the outbound client is misconfigured: {exc}",
        code=ClientErrorCode.CONFIGURATION_ERROR,
        retryable=False,
    )


async def send(request: Request, ctx: Context) -> Response:
    """Send ``request`` with the pooled client for its TLS configuration and return the
    response, whatever its status (:func:`~tasklink.client.status_error` turns a status
    >= 400 into the connector's error).

    Raises :class:`~tasklink.core.InputError` for what the request itself gets wrong
    (naming ``request.fields``) and :class:`~tasklink.core.ConnectorError` with a
    :class:`~tasklink.client.ClientErrorCode` for everything on the way.
    """
    try:
        state, pooled = await acquire(request.tls, request.fields.tls)
    except PolicyConfigError as exc:
        raise _misconfigured(exc) from None
    try:
        async with _total_deadline(request):
            return await _Exchange(request, ctx, pooled, state).run()
    finally:
        await release(pooled)
