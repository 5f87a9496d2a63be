"""Sending one request: authentication, redirects, the size limit and errors.

Redirects are followed here rather than by httpx, hop by hop, so that the limit is per
job, each hop goes through the outbound guard, and credentials stay with the origin
they were given for: on a hop to another scheme, host or port (an upgrade from http to
https on the same host excepted) the connector drops ``Authorization``,
``Proxy-Authorization``, ``Cookie`` and the API-key header or parameter. 301 and 302
turn a POST into a GET, 303 turns anything but HEAD into a GET (dropping the body);
307 and 308 repeat the request as it was.

Two limits bound every job, whatever the server does: ``totalTimeoutInSeconds`` covers
the whole exchange (token request, connecting, every hop, sending, reading the body), so
a server dripping one byte at a time cannot hold a job for longer; and the response size
limit, which a job may lower but never raise above the operator's
``TASKLINK_HTTP_MAX_RESPONSE_BYTES``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

# This module is imported when the first request is sent, never by discovery, so it
# imports httpx at the top rather than on every call.
import httpx

from tasklink.core import ConnectorError, Context, InputError

from ._auth import AppliedAuth, authenticate, register_derived_credentials, tokens
from ._checks import safe_url
from ._decoding import BodyTooLargeError, read_limited
from ._errors import HttpErrorCode, status_error, transport_error
from ._guard import DEFAULT_PORTS, BlockedAddressError, preflight
from ._models import DEFAULT_MAX_RESPONSE_BYTES, HttpRequest, HttpResponse
from ._policy import ENV_MAX_RESPONSE_BYTES, OperatorSettings, PolicyConfigError
from ._pool import LoopState, PooledClient, acquire, release
from ._response import read_body, response_headers, response_output

if TYPE_CHECKING:
    from ._body import EncodedBody

__all__ = ["send"]

# Headers that carry credentials and must not follow a redirect to another origin.
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
# Small redirect and 401 bodies are read so their connection can be reused.
_DRAIN_LIMIT = 64 * 1024


def _origin(url: httpx.URL) -> tuple[str, str, int]:
    return url.scheme, url.host, url.port or DEFAULT_PORTS.get(url.scheme, 0)


def _same_origin(url: httpx.URL, origin: tuple[str, str, int]) -> bool:
    here = _origin(url)
    if here == origin:
        return True
    # http -> https on the same host and default ports is an upgrade, not a new origin.
    return here == ("https", origin[1], 443) and origin[0] == "http" and origin[2] == 80


@dataclass(frozen=True, slots=True)
class _ResponseLimit:
    """The most response bytes a job reads, and whether the operator's ceiling set it."""

    size: int
    operator: bool


def _response_limit(request: HttpRequest, ceiling: int) -> _ResponseLimit:
    """The job's ``maxResponseBytes`` within the operator's ceiling.

    A job may only lower the limit: a value above the ceiling is an input error, before
    anything is sent. The default counts as no choice, whether left out or sent as it is
    (the modeler writes the default into every diagram made with the template), so it
    yields to a lower ceiling instead of failing every such job.
    """
    wanted = request.max_response_bytes
    if wanted == DEFAULT_MAX_RESPONSE_BYTES:
        return _ResponseLimit(min(wanted, ceiling), operator=ceiling < wanted)
    if wanted > ceiling:
        raise InputError(
            f"maxResponseBytes: {wanted} is more than the operator allows: at most "
            f"{ceiling} bytes ({ENV_MAX_RESPONSE_BYTES})",
            field="maxResponseBytes",
        )
    return _ResponseLimit(wanted, operator=False)


async def _drain(response: httpx.Response) -> None:
    """Read a small redirect or 401 body so its connection can be reused (decoded within
    the same bounds as any body); a larger one just closes the connection."""
    try:
        await read_limited(response, _DRAIN_LIMIT)
    except (BodyTooLargeError, httpx.HTTPError):
        return


class _Exchange:
    """One job's request, with its redirect hops and at most one token renewal."""

    def __init__(
        self,
        request: HttpRequest,
        ctx: Context,
        pooled: PooledClient,
        state: LoopState,
        settings: OperatorSettings,
    ) -> None:
        self.request = request
        # Read once: pydantic private attributes are slow to reach.
        self.user_headers = request.request_headers
        self.first_body = request.encoded_body
        self.ctx = ctx
        self.pooled = pooled
        self.client = pooled.client
        self.policy = settings.policy
        self.state = state
        self.limit = _response_limit(request, settings.max_response_bytes)
        connect = request.connection_timeout_in_seconds or None
        read = request.read_timeout_in_seconds or None
        self.timeout = httpx.Timeout(connect=connect, read=read, write=read, pool=connect)

    def _fail(self, exc: Exception, method: str, url: httpx.URL) -> ConnectorError | InputError:
        return transport_error(
            exc,
            method,
            safe_url(url),
            self.request.connection_timeout_in_seconds,
            self.request.read_timeout_in_seconds,
        )

    def _headers(
        self, body: EncodedBody | None, same_origin: bool, auth: AppliedAuth
    ) -> dict[str, str]:
        drop: set[str] = set()
        if body is not None or self.first_body is not None:
            drop.add("content-type")  # ours when there is a body; gone when a hop drops it
        if same_origin:
            drop |= auth.header_names
        else:
            drop |= _CREDENTIAL_HEADERS | auth.header_names
        headers = {k: v for k, v in self.user_headers.items() if k.lower() not in drop}
        if body is not None:
            headers["Content-Type"] = body.content_type
        if same_origin:
            headers.update(auth.headers)
        return headers

    def _next_hop(
        self, response: httpx.Response, method: str, body: EncodedBody | None
    ) -> tuple[httpx.URL, str, EncodedBody | None]:
        where = f"{method} {safe_url(response.url)}"
        try:
            target = response.url.join(response.headers["location"])
        except (httpx.InvalidURL, ValueError):
            target = None
        if target is None or target.scheme not in DEFAULT_PORTS or not target.host:
            raise ConnectorError(
                f"{where} redirected to an invalid or non-HTTP location",
                code=HttpErrorCode.INVALID_REDIRECT,
                variables={"status": response.status_code},
                retryable=False,
            )
        status = response.status_code
        if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
            method, body = "GET", None
        return target, method, body

    async def _send(
        self, method: str, url: httpx.URL, headers: dict[str, str], body: EncodedBody | None
    ) -> httpx.Response:
        try:
            await preflight(self.policy, self.pooled.proxied, url, self.timeout.connect)
            built = self.client.build_request(
                method,
                url,
                headers=headers,
                content=body.content if body is not None else None,
                timeout=self.timeout,
            )
            return await self.client.send(built, stream=True)
        except (httpx.HTTPError, BlockedAddressError) as exc:
            raise self._fail(exc, method, url) from None

    async def run(self) -> HttpResponse:
        request = self.request
        try:
            url = httpx.URL(request.url)
            query = request.query
            if query:
                url = url.copy_merge_params(tuple(query))
        except (httpx.InvalidURL, ValueError) as exc:
            raise InputError(f"url: {exc}", field="url") from None
        origin = _origin(url)
        auth = await authenticate(request, self.pooled, self.timeout, self.ctx, self.state)
        method: str = request.method
        body = self.first_body
        hops = 0
        renewed = False
        while True:
            same_origin = _same_origin(url, origin)
            target = url.copy_merge_params(tuple(auth.query)) if same_origin and auth.query else url
            response = await self._send(
                method, target, self._headers(body, same_origin, auth), body
            )
            try:
                if request.follow_redirects and response.has_redirect_location:
                    if hops >= request.max_redirects:
                        raise ConnectorError(
                            f"{method} {safe_url(url)}: more than {request.max_redirects} "
                            "redirects (maxRedirects)",
                            code=HttpErrorCode.TOO_MANY_REDIRECTS,
                            variables={"status": response.status_code},
                            retryable=False,
                        )
                    url, method, body = self._next_hop(response, method, body)
                    hops += 1
                    self._log("following a %d redirect to %s", response.status_code, safe_url(url))
                    await _drain(response)
                    continue
                if response.status_code == 401 and auth.cached and same_origin and not renewed:
                    # The cached token may have been revoked early: renew it once.
                    assert auth.token_key is not None and auth.token is not None
                    tokens.invalidate(auth.token_key, auth.token)
                    renewed = True
                    self._log("the API rejected a cached OAuth 2.0 token; renewing it")
                    await _drain(response)
                    auth = await authenticate(
                        request, self.pooled, self.timeout, self.ctx, self.state
                    )
                    continue
                headers = response_headers(response)
                content = (
                    b""
                    if method == "HEAD"
                    else await read_body(
                        response,
                        self.limit.size,
                        method,
                        safe_url(target),
                        headers.get("content-length", ""),
                        operator_limit=self.limit.operator,
                    )
                )
            except httpx.HTTPError as exc:
                raise self._fail(exc, method, target) from None
            finally:
                await response.aclose()
            output = response_output(response, content, headers)
            if response.status_code >= 400:
                raise status_error(
                    method, safe_url(target), output, headers.get("retry-after"), self.ctx.headers
                )
            return HttpResponse.model_validate(output)

    async def run_within_total_timeout(self) -> HttpResponse:
        """:meth:`run`, bounded by ``totalTimeoutInSeconds``. Expiry cancels the exchange
        where it stands; the ``finally`` blocks on the way out close the response and its
        connection. A cancellation from outside (the runtime's job timeout) passes through
        as it came."""
        total = self.request.total_timeout_in_seconds
        deadline = asyncio.timeout(total or None)
        try:
            async with deadline:
                return await self.run()
        except TimeoutError:
            if not deadline.expired():
                raise  # not ours
            raise ConnectorError(
                f"{self.request.method} {safe_url(self.request.url)} timed out: not finished "
                f"within {total:g} s (totalTimeoutInSeconds)",
                code=HttpErrorCode.TIMEOUT,
            ) from None

    def _log(self, message: str, *args: Any) -> None:
        logger = self.ctx.logger
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(message, *args)


async def send(request: HttpRequest, ctx: Context) -> HttpResponse:
    """Send ``request`` with the pooled client for its TLS settings."""
    register_derived_credentials(request, ctx)
    try:
        state, pooled = await acquire(request.tls)
    except PolicyConfigError as exc:
        raise ConnectorError(
            f"the REST connector is misconfigured: {exc}",
            code=HttpErrorCode.CONFIGURATION_ERROR,
            retryable=False,
        ) from None
    try:
        exchange = _Exchange(request, ctx, pooled, state, state.settings())
        return await exchange.run_within_total_timeout()
    finally:
        await release(pooled)
