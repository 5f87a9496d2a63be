"""OAuth2 client credentials for the REST gateway, with the token cached and refreshed.

Camunda SaaS and self-managed identity providers (Keycloak, Entra ID, ...) issue bearer
tokens for a client id and secret. One token serves every request until shortly before it
expires; a 401 answer drops it and the request is sent once more with a fresh token.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Any

import httpx

from tasklink.core import TOKEN_TTL, Redactor

from ._gateway import GatewayError

__all__ = ["AuthenticationError", "OAuth2ClientCredentials"]

_log = logging.getLogger("tasklink.runtime.camunda.auth")


class AuthenticationError(GatewayError):
    """The identity provider refused the client credentials or could not be reached."""


class OAuth2ClientCredentials(httpx.Auth):
    """``client_credentials`` grant as an httpx auth flow (async clients only).

    ``leeway`` seconds before a token expires (at most half its lifetime) it is renewed, so
    long polls never start with a token about to lapse. Concurrent requests share one
    token request. The secret and every token are registered with ``redactor``.
    """

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        audience: str | None = None,
        scope: str | None = None,
        leeway: float = 30.0,
        timeout: float = 10.0,
        redactor: Redactor | None = None,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.AsyncBaseTransport | None = None,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        if not token_url or not client_id or not client_secret:
            raise ValueError("OAuth needs a token URL, a client id and a client secret")
        self.token_url = token_url
        self.client_id = client_id
        self.audience = audience or None
        self.scope = scope or None
        self.leeway = leeway
        self._secret = client_secret
        self._redactor = redactor if redactor is not None else Redactor()
        self._redactor.add(client_secret)
        self._clock = clock
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport, verify=verify)
        self._token: str | None = None
        self._refresh_at = 0.0
        self._lock: asyncio.Lock | None = None
        self.tokens_fetched = 0

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        raise RuntimeError("OAuth2ClientCredentials works with httpx.AsyncClient only")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            # Revoked or expired early (clock skew, key rotation): renew once, then give up.
            self.invalidate(token)
            token = await self.token()
            request.headers["Authorization"] = f"Bearer {token}"
            yield request

    def invalidate(self, token: str | None = None) -> None:
        """Forget the cached token (only if it is still ``token`` when one is given)."""
        if token is None or token == self._token:
            self._token = None

    async def token(self) -> str:
        """A valid access token: the cached one, or a new one from the identity provider."""
        current = self._token
        if current is not None and self._clock() < self._refresh_at:
            return current
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._token is not None and self._clock() < self._refresh_at:
                return self._token
            return await self._fetch()

    async def _fetch(self) -> str:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._secret,
        }
        if self.audience:
            form["audience"] = self.audience
        if self.scope:
            form["scope"] = self.scope
        started = self._clock()
        try:
            response = await self._http.post(
                self.token_url, data=form, headers={"Accept": "application/json"}
            )
        except httpx.HTTPError as exc:
            raise AuthenticationError(
                f"token request to {self.token_url} failed: {type(exc).__name__}: {exc}"
            ) from None
        if response.status_code != 200:
            raise AuthenticationError(
                f"the identity provider at {self.token_url} refused the client credentials "
                f"of {self.client_id!r}: HTTP {response.status_code} "
                f"{self._redactor.redact(_oauth_error(response))}",
                status=401 if response.status_code in (400, 401, 403) else response.status_code,
            )
        try:
            body = response.json()
            token = body["access_token"]
            if not isinstance(token, str) or not token:
                raise TypeError("access_token is not a string")
        except (ValueError, KeyError, TypeError) as exc:
            raise AuthenticationError(
                f"the identity provider at {self.token_url} answered without a usable "
                f"access_token ({exc})"
            ) from None
        self._redactor.add(token, ttl=TOKEN_TTL)  # replaced on every refresh
        lifetime = _expires_in(body)
        if lifetime is None:
            self._refresh_at = float("inf")
        else:
            self._refresh_at = started + lifetime - min(self.leeway, lifetime / 2)
        self._token = token
        self.tokens_fetched += 1
        _log.debug("obtained an access token for %s (expires in %s s)", self.client_id, lifetime)
        return token

    async def aclose(self) -> None:
        await self._http.aclose()


def _expires_in(body: dict[str, Any]) -> float | None:
    value = body.get("expires_in")
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and value > 0:
        return float(value)
    if isinstance(value, str):
        try:
            parsed = float(value)
        except ValueError:
            return None
        return parsed if parsed > 0 else None
    return None


def _oauth_error(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        parts = [str(body.get(k)) for k in ("error", "error_description") if body.get(k)]
        if parts:
            return ": ".join(parts)
    return response.text[:200]
