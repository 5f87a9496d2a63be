"""Authentication schemes for a plain ``httpx.AsyncClient``.

The runtime's own connection to an endpoint the operator configured (the Camunda
gateway) is not a connector's request: it needs no outbound guard and keeps its own
long-lived client, but authenticates with the same schemes and token cache.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Generator

import httpx

from tasklink.core import Redactor

from ._auth import AppliedAuth, AuthScheme, AuthSession
from ._options import FieldNames, Timeouts

__all__ = ["HttpxAuth"]

_log = logging.getLogger("tasklink.client.auth")


def _apply(request: httpx.Request, applied: AppliedAuth) -> None:
    request.headers.update(applied.headers)
    if applied.query:
        request.url = request.url.copy_merge_params(applied.query)


class HttpxAuth(httpx.Auth):
    """``scheme`` as an httpx auth flow (async clients only); its token requests go
    through ``token_client``. A 401 to a cached credential renews it once."""

    def __init__(
        self,
        scheme: AuthScheme,
        *,
        token_client: httpx.AsyncClient,
        redactor: Redactor,
        timeouts: Timeouts | None = None,
        fields: FieldNames | None = None,
    ) -> None:
        self.scheme = scheme
        self._locks: dict[str, asyncio.Lock] = {}
        self._token_client = token_client
        self._session = AuthSession(
            token_client,
            redactor=redactor,
            logger=_log,
            timeouts=timeouts or Timeouts(connect=10.0, read=10.0, total=30.0),
            fields=fields or FieldNames(),
            lock=self._lock,
        )

    def _lock(self, key: str) -> asyncio.Lock:
        found = self._locks.get(key)
        if found is None:
            found = self._locks[key] = asyncio.Lock()
        return found

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        raise RuntimeError("HttpxAuth works with httpx.AsyncClient only")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        applied = await self.scheme.apply(self._session)
        _apply(request, applied)
        response = yield request
        if response.status_code == 401 and applied.renew is not None:
            # Revoked or expired early (clock skew, key rotation): renew once, then give up.
            applied.renew()
            _apply(request, await self.scheme.apply(self._session))
            yield request

    async def aclose(self) -> None:
        """Close the token client."""
        await self._token_client.aclose()
