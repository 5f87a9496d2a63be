"""Authentication schemes, and OAuth 2.0 tokens cached across jobs.

A scheme is anything with ``async apply(session) -> AppliedAuth``: the schemes here
(none, Basic, bearer, API key, OAuth 2.0 client credentials and refresh token) and any a
connector writes for its own API (a ticket login, a signed header) without touching this
package. :class:`AuthSession` gives a scheme what it may use: the pooled client (so token
requests pass the outbound guard like any other), the time limits, the redactor and a
lock per key.

Every credential, and every value derived from one (the Basic header, access tokens), is
registered with the redactor before it is used, so it is masked in logs, errors and
results. Nothing of a token endpoint's response reaches a job's result.

Tokens are cached per credentials (token URL, client, a hash of the secret, audience,
scopes) for the life of the process and renewed before they expire: at ``expires_in``
minus a tenth of the lifetime, at most 60 seconds early. Concurrent jobs that need the
same token share one token request. A token the API rejects with 401 is dropped
(:attr:`AppliedAuth.renew`) and the request is sent once more with a fresh one. An API's
own scheme caches its credential (a login ticket) the same way, with a
:class:`TokenCache` of its own and :meth:`TokenCache.obtain`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable
from urllib.parse import quote_plus, urlencode

from tasklink.core import TOKEN_TTL, ConnectorError, InputError, Redactor

from ._errors import ClientErrorCode, is_retryable_status, transport_error
from ._options import FieldNames, Timeouts
from ._urls import safe_url

if TYPE_CHECKING:
    import logging

    import httpx

__all__ = [
    "NO_AUTH",
    "ApiKeyAuth",
    "AppliedAuth",
    "AuthScheme",
    "AuthSession",
    "BasicAuth",
    "BearerAuth",
    "NoAuth",
    "OAuth2ClientCredentials",
    "OAuth2RefreshToken",
    "TokenCache",
    "tokens",
]

# Tokens are cached this long when the server does not say (expires_in is optional).
DEFAULT_TOKEN_LIFETIME = 300.0
MAX_EARLY_REFRESH = 60.0
TOKEN_RESPONSE_LIMIT = 1024 * 1024


@dataclass(frozen=True, slots=True)
class AppliedAuth:
    """What a scheme adds to a request (for the origin it was given for only).

    ``header_names`` (lower case) are the headers it owns: a caller's own header of that
    name gives way. ``renew``, when set, drops the credential it used (a cached token) so
    that applying the scheme again fetches a new one: called once after a 401.
    """

    headers: Mapping[str, str] = field(default_factory=dict)
    query: tuple[tuple[str, str], ...] = ()
    header_names: frozenset[str] = frozenset()
    renew: Callable[[], None] | None = None


_NOTHING = AppliedAuth()  # never mutated: applied by copying its (empty) parts


class AuthSession:
    """What a scheme may use while it applies itself to one exchange."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        redactor: Redactor,
        logger: logging.Logger | logging.LoggerAdapter[logging.Logger],
        timeouts: Timeouts,
        fields: FieldNames,
        lock: Callable[[str], asyncio.Lock],
        check_url: Callable[[httpx.URL], Awaitable[None]] | None = None,
    ) -> None:
        self.client = client
        self.redactor = redactor
        self.logger = logger
        self.timeouts = timeouts
        self.fields = fields
        self.lock = lock
        self._check_url = check_url

    async def post_form(
        self, url: str, form: Mapping[str, str], headers: Mapping[str, str]
    ) -> tuple[int, bytes]:
        """POST a form to a token endpoint (checked by the outbound guard like any request);
        the status and the body, read up to 1 MiB. Failures are classified like the job's
        own, naming ``fields.token_url``."""
        import httpx

        from ._decoding import BodyTooLargeError, read_limited
        from ._guard import BlockedAddressError

        where = safe_url(url)
        timeout = self.timeouts.httpx()
        try:
            target = httpx.URL(url)
            _ = target.host  # decoding an internationalized name fails for an invalid one
        except (httpx.InvalidURL, ValueError) as exc:
            name = self.fields.token_url
            raise InputError(f"{name}: {exc}", field=name) from None
        try:
            request = self.client.build_request(
                "POST", target, content=urlencode(form), headers=dict(headers), timeout=timeout
            )
            if self._check_url is not None:
                # A proxy would resolve the host itself: the same check as the job's request.
                await self._check_url(request.url)
            response = await self.client.send(request, stream=True)
            try:
                return response.status_code, await read_limited(response, TOKEN_RESPONSE_LIMIT)
            except BodyTooLargeError:
                raise _token_error(
                    f"the token endpoint {where} answered with more than "
                    f"{TOKEN_RESPONSE_LIMIT} bytes",
                    status=response.status_code,
                ) from None
            finally:
                await response.aclose()
        except (httpx.HTTPError, BlockedAddressError) as exc:
            error = transport_error(exc, "POST", where, self.timeouts, self.fields)
            if isinstance(error, InputError):
                message = error.message.removeprefix(f"{self.fields.url}: ")
                raise InputError(
                    f"{self.fields.token_url}: {message}", field=self.fields.token_url
                ) from None
            raise ConnectorError(
                f"could not get an OAuth 2.0 token: {error.message}",
                code=error.code,
                retryable=error.retryable,
            ) from None


@runtime_checkable
class AuthScheme(Protocol):
    """How requests to an API authenticate. Implement it for an API's own scheme."""

    async def apply(self, session: AuthSession) -> AppliedAuth: ...


# -- static credentials ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NoAuth:
    """Send no credentials."""

    async def apply(self, session: AuthSession) -> AppliedAuth:
        return _NOTHING


NO_AUTH = NoAuth()


def _basic(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


@dataclass(frozen=True, slots=True, repr=False)
class BasicAuth:
    """HTTP Basic authentication (RFC 7617)."""

    username: str
    password: str

    async def apply(self, session: AuthSession) -> AppliedAuth:
        value = _basic(self.username, self.password)
        session.redactor.add(self.password)
        session.redactor.add(value)
        return AppliedAuth(
            headers={"Authorization": f"Basic {value}"}, header_names=frozenset({"authorization"})
        )


@dataclass(frozen=True, slots=True, repr=False)
class BearerAuth:
    """A bearer token sent as ``Authorization: Bearer <token>``."""

    token: str

    async def apply(self, session: AuthSession) -> AppliedAuth:
        session.redactor.add(self.token)
        return AppliedAuth(
            headers={"Authorization": f"Bearer {self.token}"},
            header_names=frozenset({"authorization"}),
        )


@dataclass(frozen=True, slots=True, repr=False)
class ApiKeyAuth:
    """An API key sent as a header or a query parameter."""

    name: str
    value: str
    location: Literal["header", "query"] = "header"

    async def apply(self, session: AuthSession) -> AppliedAuth:
        session.redactor.add(self.value)
        if self.location == "header":
            return AppliedAuth(
                headers={self.name: self.value}, header_names=frozenset({self.name.lower()})
            )
        import httpx

        # Register the key exactly as it will appear in the URL, whatever httpx escapes.
        session.redactor.add(str(httpx.QueryParams({"k": self.value}))[2:])
        return AppliedAuth(query=((self.name, self.value),))


# -- OAuth 2.0 ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Token:
    value: str
    refresh_at: float


class TokenCache:
    """Credentials (access tokens, login tickets) by key, shared by every job of the
    process; bounded, the least recently used evicted first."""

    def __init__(self, size: int = 256) -> None:
        self._tokens: OrderedDict[str, _Token] = OrderedDict()
        self._size = size
        # Refresh tokens a server rotated (sent a new one with an access token), by the
        # credentials they replace: the next refresh must use the newest.
        self._rotated: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        token = self._tokens.get(key)
        if token is None:
            return None
        if time.monotonic() >= token.refresh_at:
            del self._tokens[key]
            return None
        self._tokens.move_to_end(key)
        return token.value

    def put(self, key: str, value: str, lifetime: float | None = None) -> None:
        """Cache ``value`` for ``lifetime`` seconds, less a tenth of it (at most a minute)
        so it is renewed before it expires; ``None``: until invalidated or evicted."""
        if lifetime is None:
            refresh_at = math.inf
        else:
            refresh_at = time.monotonic() + lifetime - min(MAX_EARLY_REFRESH, lifetime / 10)
        self._tokens[key] = _Token(value, refresh_at)
        self._tokens.move_to_end(key)
        while len(self._tokens) > self._size:
            self._tokens.popitem(last=False)

    def invalidate(self, key: str, value: str) -> None:
        """Drop the token, unless another job has already replaced it."""
        token = self._tokens.get(key)
        if token is not None and token.value == value:
            del self._tokens[key]

    async def obtain(
        self,
        key: str,
        fetch: Callable[[], Awaitable[tuple[str, float | None]]],
        lock: Callable[[str], asyncio.Lock],
    ) -> tuple[str, Callable[[], None] | None]:
        """The credential cached under ``key``, else the one ``fetch`` returns with its
        lifetime (cached as :meth:`put` says; a lifetime of 0 or less is not cached). Jobs
        that miss together wait for ``lock(key)`` (:meth:`AuthSession.lock`) and share
        one fetch. Also returns the :attr:`AppliedAuth.renew` for it."""
        value = self.get(key)
        if value is None:
            async with lock(key):
                # Another job may have fetched it while this one waited for the lock.
                value = self.get(key)
                if value is None:
                    value, lifetime = await fetch()
                    if lifetime is None or lifetime > 0:
                        self.put(key, value, lifetime)
                    # A fresh credential the API refuses is refused for a reason: only a
                    # cached one, perhaps revoked early, is worth renewing.
                    return value, None
        used = value
        return value, lambda: self.invalidate(key, used)

    def refresh_token(self, key: str, default: str) -> str:
        """The newest refresh token for the credentials ``key`` (``default`` until the
        server rotated it)."""
        return self._rotated.get(key, default)

    def rotate(self, key: str, refresh_token: str) -> None:
        self._rotated[key] = refresh_token

    def clear(self) -> None:
        self._tokens.clear()
        self._rotated.clear()


#: The process's token cache.
tokens = TokenCache()


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
        code=ClientErrorCode.AUTHENTICATION_FAILED,
        variables=variables,
        retryable=retryable,
    )


def _lifetime(data: dict[str, Any]) -> float:
    expires = data.get("expires_in")
    lifetime = DEFAULT_TOKEN_LIFETIME
    if isinstance(expires, int | float | str) and not isinstance(expires, bool):
        with contextlib.suppress(ValueError):
            lifetime = float(expires)
    # "inf" or "nan" would keep a token for ever.
    return lifetime if math.isfinite(lifetime) else DEFAULT_TOKEN_LIFETIME


def _digest(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


class _OAuth2Grant:
    """The token flow every grant shares: cache, one request at a time per key, parsing."""

    token_url: str
    client_id: str | None
    client_secret: str | None
    scopes: str | None
    audience: str | None
    client_authentication: Literal["basic_header", "body"]

    def cache_key(self) -> str:
        raise NotImplementedError

    def grant_form(self, key: str, session: AuthSession) -> dict[str, str]:
        raise NotImplementedError

    def _request(self, session: AuthSession, key: str) -> tuple[dict[str, str], dict[str, str]]:
        """The form and headers of a token request."""
        form = self.grant_form(key, session)
        if self.scopes:
            form["scope"] = " ".join(self.scopes.replace(",", " ").split())
        if self.audience:
            form["audience"] = self.audience
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        if self.client_id is not None:
            secret = self.client_secret or ""
            if self.client_authentication == "body":
                form["client_id"] = self.client_id
                if secret:
                    form["client_secret"] = secret
            else:
                # RFC 6749 section 2.3.1: both parts are form-encoded before Basic encoding.
                basic = _basic(quote_plus(self.client_id), quote_plus(secret))
                session.redactor.add(basic)
                headers["Authorization"] = f"Basic {basic}"
            if secret:
                session.redactor.add(secret)
                session.redactor.add(quote_plus(secret))
        return form, headers

    async def _fetch(self, session: AuthSession, key: str) -> tuple[str, float]:
        """A new access token and its lifetime in seconds."""
        form, headers = self._request(session, key)
        status, content = await session.post_form(self.token_url, form, headers)
        where = safe_url(self.token_url)
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
            raise _token_error(
                f"the token endpoint {where} returned no access_token", status=status
            )
        session.redactor.add(token, ttl=TOKEN_TTL)
        rotated = data.get("refresh_token")
        if isinstance(rotated, str) and rotated:
            session.redactor.add(rotated)
            self.rotate(key, rotated)
        token_type = data.get("token_type")
        if isinstance(token_type, str) and token_type.lower() != "bearer":
            raise _token_error(
                f"the token endpoint {where} issued a {token_type!r} token; only bearer "
                "tokens are supported",
                status=status,
            )
        return token, _lifetime(data)

    def rotate(self, key: str, refresh_token: str) -> None:
        """A new refresh token came with an access token (only refresh grants keep it)."""

    async def apply(self, session: AuthSession) -> AppliedAuth:
        key = self.cache_key()

        async def fetch() -> tuple[str, float | None]:
            fetched = await self._fetch(session, key)
            session.logger.debug("fetched an OAuth 2.0 token from %s", safe_url(self.token_url))
            return fetched

        token, renew = await tokens.obtain(key, fetch, session.lock)
        session.redactor.add(token, ttl=TOKEN_TTL)
        return AppliedAuth(
            headers={"Authorization": f"Bearer {token}"},
            header_names=frozenset({"authorization"}),
            renew=renew,
        )


@dataclass(frozen=True, slots=True, repr=False)
class OAuth2ClientCredentials(_OAuth2Grant):
    """OAuth 2.0 client credentials grant (RFC 6749 section 4.4)."""

    token_url: str
    client_id: str
    client_secret: str
    audience: str | None = None
    scopes: str | None = None
    client_authentication: Literal["basic_header", "body"] = "basic_header"

    def cache_key(self) -> str:
        secret = hashlib.sha256(self.client_secret.encode("utf-8")).hexdigest()
        return _digest(
            "client_credentials",
            self.token_url,
            self.client_id,
            secret,
            self.audience,
            self.scopes,
            self.client_authentication,
        )

    def grant_form(self, key: str, session: AuthSession) -> dict[str, str]:
        return {"grant_type": "client_credentials"}


@dataclass(frozen=True, slots=True, repr=False)
class OAuth2RefreshToken(_OAuth2Grant):
    """OAuth 2.0 refresh token grant (RFC 6749 section 6): a long-lived refresh token
    (from an authorization a person gave once) is exchanged for access tokens. When the
    server rotates refresh tokens, the newest is used from then on."""

    token_url: str
    refresh_token: str
    client_id: str | None = None
    client_secret: str | None = None
    scopes: str | None = None
    audience: str | None = None
    client_authentication: Literal["basic_header", "body"] = "body"

    def cache_key(self) -> str:
        refresh = hashlib.sha256(self.refresh_token.encode("utf-8")).hexdigest()
        secret = hashlib.sha256((self.client_secret or "").encode("utf-8")).hexdigest()
        return _digest(
            "refresh_token",
            self.token_url,
            refresh,
            self.client_id,
            secret,
            self.scopes,
            self.audience,
            self.client_authentication,
        )

    def grant_form(self, key: str, session: AuthSession) -> dict[str, str]:
        refresh_token = tokens.refresh_token(key, self.refresh_token)
        session.redactor.add(refresh_token)
        session.redactor.add(quote_plus(refresh_token))
        return {"grant_type": "refresh_token", "refresh_token": refresh_token}

    def rotate(self, key: str, refresh_token: str) -> None:
        tokens.rotate(key, refresh_token)
