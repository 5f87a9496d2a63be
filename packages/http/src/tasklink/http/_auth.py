"""Applying authentication to a request, and OAuth 2.0 client-credentials tokens.

Every credential, and every value derived from one (the Basic header, access tokens),
is registered with the job's redactor before it is used, so it is masked in logs,
errors and results. Nothing of a token endpoint's response reaches the job's result.

Tokens are cached per credentials (token URL, client id, a hash of the secret,
audience, scopes, client authentication) for the life of the process and renewed before
they expire: at ``expires_in`` minus a tenth of the lifetime, at most 60 seconds early.
Concurrent jobs that need the same token share one token request. A token the API
rejects with 401 is dropped and the request is sent once more with a fresh token.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import math
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, urlencode

from tasklink.core import TOKEN_TTL, ConnectorError, Context, InputError

from ._checks import safe_url
from ._errors import HttpErrorCode, is_retryable_status, transport_error
from ._models import (
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    HttpRequest,
    OAuth2ClientCredentials,
)
from ._pool import LoopState, PooledClient
from ._response import read_body

__all__ = ["AppliedAuth", "TokenCache", "authenticate", "register_derived_credentials", "tokens"]

# Tokens are cached this long when the server does not say (expires_in is optional).
DEFAULT_TOKEN_LIFETIME = 300.0
MAX_EARLY_REFRESH = 60.0
TOKEN_RESPONSE_LIMIT = 1024 * 1024


@dataclass(frozen=True, slots=True)
class AppliedAuth:
    """What authentication adds to a request (for the original origin only)."""

    headers: dict[str, str] = field(default_factory=dict)
    query: list[tuple[str, str]] = field(default_factory=list)
    header_names: frozenset[str] = frozenset()
    token_key: str | None = None
    token: str | None = None
    cached: bool = False


_NOTHING = AppliedAuth()  # never mutated: applied by copying its (empty) parts


@dataclass(slots=True)
class _Token:
    value: str
    refresh_at: float


class TokenCache:
    """Access tokens per credentials; bounded, least recently used evicted first."""

    def __init__(self, size: int = 256) -> None:
        self._tokens: OrderedDict[str, _Token] = OrderedDict()
        self._size = size

    def get(self, key: str) -> str | None:
        token = self._tokens.get(key)
        if token is None:
            return None
        if time.monotonic() >= token.refresh_at:
            del self._tokens[key]
            return None
        self._tokens.move_to_end(key)
        return token.value

    def put(self, key: str, value: str, lifetime: float) -> None:
        early = min(MAX_EARLY_REFRESH, lifetime / 10)
        self._tokens[key] = _Token(value, time.monotonic() + lifetime - early)
        self._tokens.move_to_end(key)
        while len(self._tokens) > self._size:
            self._tokens.popitem(last=False)

    def invalidate(self, key: str, value: str) -> None:
        """Drop the token, unless another job has already replaced it."""
        token = self._tokens.get(key)
        if token is not None and token.value == value:
            del self._tokens[key]

    def clear(self) -> None:
        self._tokens.clear()


tokens = TokenCache()


def register_derived_credentials(request: HttpRequest, ctx: Context) -> None:
    """Register the Basic header derived from the credentials (the core registers every
    ``secret=True`` field itself)."""
    auth = request.authentication
    if isinstance(auth, BasicAuth):
        ctx.redactor.add(_basic(auth.username, auth.password))


def _basic(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _token_key(auth: OAuth2ClientCredentials) -> str:
    parts = (
        auth.token_url,
        auth.client_id,
        hashlib.sha256(auth.client_secret.encode("utf-8")).hexdigest(),
        auth.audience,
        auth.scopes,
        auth.client_authentication,
    )
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


def _token_error(
    message: str, *, status: int | None = None, data: Any = None, retryable: bool = False
) -> ConnectorError:
    variables: dict[str, Any] = {"tokenEndpointStatus": status}
    if isinstance(data, dict):
        # RFC 6749 section 5.2 error fields only; the rest of the body stays out.
        for key, name in (("error", "error"), ("error_description", "errorDescription")):
            if isinstance(data.get(key), str):
                variables[name] = data[key]
    detail = variables.get("errorDescription") or variables.get("error")
    return ConnectorError(
        message + (f": {detail}" if detail else ""),
        code=HttpErrorCode.OAUTH2_TOKEN_ERROR,
        variables=variables,
        retryable=retryable,
    )


def _token_request(
    auth: OAuth2ClientCredentials, ctx: Context
) -> tuple[dict[str, str], dict[str, str]]:
    """The form and headers of a client-credentials token request."""
    form: dict[str, str] = {"grant_type": "client_credentials"}
    if auth.scopes:
        form["scope"] = " ".join(auth.scopes.replace(",", " ").split())
    if auth.audience:
        form["audience"] = auth.audience
    headers = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
    if auth.client_authentication == "body":
        form["client_id"] = auth.client_id
        form["client_secret"] = auth.client_secret
    else:
        # RFC 6749 section 2.3.1: both parts are form-encoded before Basic encoding.
        basic = _basic(quote_plus(auth.client_id), quote_plus(auth.client_secret))
        ctx.redactor.add(basic)
        headers["Authorization"] = f"Basic {basic}"
    ctx.redactor.add(quote_plus(auth.client_secret))
    return form, headers


async def _post_token_request(
    auth: OAuth2ClientCredentials,
    pooled: PooledClient,
    timeout: Any,
    ctx: Context,
    state: LoopState,
) -> tuple[int, bytes]:
    """Send the token request; the status and (size-limited) body of the answer."""
    import httpx

    from ._guard import BlockedAddressError, preflight

    form, headers = _token_request(auth, ctx)
    where = safe_url(auth.token_url)
    client = pooled.client
    request = client.build_request(
        "POST", auth.token_url, content=urlencode(form), headers=headers, timeout=timeout
    )
    try:
        # The same check as the job's own request: a proxy would resolve the host itself.
        await preflight(state.settings().policy, pooled.proxied, request.url, timeout.connect)
        response = await client.send(request, stream=True)
        try:
            return response.status_code, await read_body(
                response, TOKEN_RESPONSE_LIMIT, "POST", where
            )
        except ConnectorError:
            raise _token_error(
                f"the token endpoint {where} answered with more than {TOKEN_RESPONSE_LIMIT} bytes",
                status=response.status_code,
            ) from None
        finally:
            await response.aclose()
    except (httpx.HTTPError, BlockedAddressError) as exc:
        error = transport_error(exc, "POST", where, timeout.connect or 0, timeout.read or 0)
        if isinstance(error, InputError):
            raise InputError(
                f"authentication.tokenUrl: {error.message}", field="authentication.tokenUrl"
            ) from None
        raise ConnectorError(
            f"could not get an OAuth 2.0 token: {error.message}",
            code=error.code,
            retryable=error.retryable,
        ) from None


def _lifetime(data: dict[str, Any]) -> float:
    expires = data.get("expires_in")
    lifetime = DEFAULT_TOKEN_LIFETIME
    if isinstance(expires, int | float | str) and not isinstance(expires, bool):
        with contextlib.suppress(ValueError):
            lifetime = float(expires)
    # "inf" or "nan" would keep a token for ever.
    return lifetime if math.isfinite(lifetime) else DEFAULT_TOKEN_LIFETIME


async def _fetch_token(
    auth: OAuth2ClientCredentials,
    pooled: PooledClient,
    timeout: Any,
    ctx: Context,
    state: LoopState,
) -> tuple[str, float]:
    """A new access token and its lifetime in seconds."""
    status, content = await _post_token_request(auth, pooled, timeout, ctx, state)
    where = safe_url(auth.token_url)
    try:
        data = json.loads(content)
    except ValueError:
        data = None
    if not 200 <= status < 300:
        raise _token_error(
            f"the token endpoint {where} answered HTTP {status}",
            status=status,
            data=data,
            retryable=is_retryable_status(status),
        )
    token = data.get("access_token") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(token, str) or not token:
        raise _token_error(f"the token endpoint {where} returned no access_token", status=status)
    ctx.redactor.add(token, ttl=TOKEN_TTL)
    token_type = data.get("token_type")
    if isinstance(token_type, str) and token_type.lower() != "bearer":
        raise _token_error(
            f"the token endpoint {where} issued a {token_type!r} token; only bearer "
            "tokens are supported",
            status=status,
        )
    return token, _lifetime(data)


async def _oauth(
    auth: OAuth2ClientCredentials,
    pooled: PooledClient,
    timeout: Any,
    ctx: Context,
    state: LoopState,
) -> AppliedAuth:
    key = _token_key(auth)
    token = tokens.get(key)
    cached = token is not None
    if token is None:
        async with state.lock(key):
            # Another job may have fetched it while this one waited for the lock.
            token = tokens.get(key)
            cached = token is not None
            if token is None:
                token, lifetime = await _fetch_token(auth, pooled, timeout, ctx, state)
                if lifetime > 0:
                    tokens.put(key, token, lifetime)
                ctx.logger.debug("fetched an OAuth 2.0 token from %s", safe_url(auth.token_url))
    ctx.redactor.add(token, ttl=TOKEN_TTL)
    return AppliedAuth(
        headers={"Authorization": f"Bearer {token}"},
        header_names=frozenset({"authorization"}),
        token_key=key,
        token=token,
        cached=cached,
    )


async def authenticate(
    request: HttpRequest,
    pooled: PooledClient,
    timeout: Any,
    ctx: Context,
    state: LoopState,
) -> AppliedAuth:
    """What the request's authentication adds; may fetch an OAuth 2.0 token with
    ``pooled``'s client (checked against the outbound policy like any request)."""
    auth = request.authentication
    if auth.type == "none":
        return _NOTHING
    if isinstance(auth, BasicAuth):
        return AppliedAuth(
            headers={"Authorization": f"Basic {_basic(auth.username, auth.password)}"},
            header_names=frozenset({"authorization"}),
        )
    if isinstance(auth, BearerAuth):
        return AppliedAuth(
            headers={"Authorization": f"Bearer {auth.token}"},
            header_names=frozenset({"authorization"}),
        )
    if isinstance(auth, ApiKeyAuth):
        if auth.location == "header":
            return AppliedAuth(
                headers={auth.name: auth.value}, header_names=frozenset({auth.name.lower()})
            )
        import httpx

        # Register the key exactly as it will appear in the URL, whatever httpx escapes.
        ctx.redactor.add(str(httpx.QueryParams({"k": auth.value}))[2:])
        return AppliedAuth(query=[(auth.name, auth.value)])
    if isinstance(auth, OAuth2ClientCredentials):
        return await _oauth(auth, pooled, timeout, ctx, state)
    return _NOTHING
