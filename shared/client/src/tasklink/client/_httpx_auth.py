"""Authentication schemes for a plain ``httpx.AsyncClient``.

The runtime's own connection to an endpoint the operator configured (the Camunda
gateway) is not a connector's request: it needs no outbound guard and keeps its own
long-lived client, but authenticates with the same schemes and token cache. A transport
that is not httpx (the Zeebe gRPC channel) takes the same credential from
:meth:`HttpxAuth.applied`.
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

    async def applied(self) -> AppliedAuth:
        """The credential for one request that this flow does not send itself (gRPC
        metadata, say): the scheme applied with the same token client, cache and redactor.

        The caller adds ``headers`` (and ``query``) to its request. When the server refuses
        them (401, gRPC ``UNAUTHENTICATED``) it calls ``renew``, if set, so that the next
        call fetches a new token instead of the cached one. Raises what the scheme raises
        (:class:`~tasklink.core.ConnectorError` when a token endpoint fails).
        """
        return await self.scheme.apply(self._session)

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        applied = await self.applied()
        _apply(request, applied)
        response = yield request
        if response.status_code == 401 and applied.renew is not None:
            # Revoked or expired early (clock skew, key rotation): renew once, then give up.
            applied.renew()
            _apply(request, await self.applied())
            yield request

    async def aclose(self) -> None:
        """Close the token client."""
        await self._token_client.aclose()
