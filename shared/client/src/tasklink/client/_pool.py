"""Pooled ``httpx.AsyncClient`` objects: one per event loop and TLS configuration.

Every client has the outbound guard installed (see ``_guard``); a runtime closes the pool
with :func:`aclose_clients` (or the loop's shutdown does) after the last job.

Jobs share the clients (and their keep-alive connections); a client is never created per
job. Connections belong to the event loop that opened them, so clients are kept per
loop. When a loop shuts down through ``asyncio.run`` (or anything else that calls
``loop.shutdown_asyncgens()``) its clients are closed automatically; a runtime that
manages its loop itself calls :func:`aclose_clients` before closing it.

Clients hold no cookies: a cookie one job receives must never ride along with another
job's request.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import ssl
import weakref
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator, Hashable
from dataclasses import dataclass, field
from http.cookiejar import Cookie, CookieJar
from typing import TYPE_CHECKING, Any
from urllib.request import getproxies

from .__about__ import __version__
from ._policy import OperatorSettings, OutboundPolicy, current_settings
from ._tls import TlsConfig, TlsFields

if TYPE_CHECKING:
    import httpx

__all__ = [
    "ACCEPT_ENCODING",
    "USER_AGENT",
    "LoopState",
    "PooledClient",
    "aclose_clients",
    "acquire",
    "loop_state",
    "release",
    "use_transport",
]

USER_AGENT = f"tasklink/{__version__}"
ACCEPT_ENCODING = "gzip, deflate"
# Distinct TLS settings per loop before the least recently used client is closed.
MAX_CLIENTS_PER_LOOP = 16
KEEPALIVE_EXPIRY_SECONDS = 5.0

_log = logging.getLogger("tasklink.client")


class _NoCookies(CookieJar):
    """A jar that never stores anything."""

    def set_cookie(self, cookie: Cookie) -> None:
        return None

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None


@dataclass(eq=False)
class PooledClient:
    """A shared client and whether it sends through an environment proxy."""

    client: httpx.AsyncClient
    proxied: bool
    leases: int = 0
    evicted: bool = False


@dataclass(eq=False)
class LoopState:
    """What the connector keeps per event loop."""

    clients: OrderedDict[Hashable, PooledClient] = field(default_factory=OrderedDict)
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    closer: AsyncGenerator[None, None] | None = None
    closed: bool = False
    operator: OperatorSettings | None = None
    # A transport tests put in place of the network (see use_transport): one client for it.
    mounted: PooledClient | None = None

    def settings(self) -> OperatorSettings:
        """The operator settings, read from the environment when the connector first
        runs on this loop (an invalid setting raises, and is read again next time)."""
        if self.operator is None:
            self.operator = current_settings()
        return self.operator

    def lock(self, key: str) -> asyncio.Lock:
        found = self.locks.get(key)
        if found is None:
            found = self.locks[key] = asyncio.Lock()
        return found


_states: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopState] = (
    weakref.WeakKeyDictionary()
)


async def _close_all(state: LoopState) -> None:
    entries = list(state.clients.values())
    state.clients.clear()
    for entry in entries:
        try:
            await entry.client.aclose()
        except Exception:  # closing must go on for the others
            _log.debug("closing a pooled HTTP client failed", exc_info=True)


async def _closer(state: LoopState) -> AsyncGenerator[None, None]:
    # Finalised by loop.shutdown_asyncgens(): closes the loop's clients while the loop
    # still runs, so asyncio.run() based programs need no explicit cleanup.
    try:
        yield
    finally:
        if not state.closed:
            state.closed = True
            for loop, known in list(_states.items()):
                if known is state:
                    _states.pop(loop, None)
            await _close_all(state)


def _abandon(state: LoopState) -> None:
    """Forget the state of a loop that was closed without shutting its generators down."""
    state.closed = True
    state.clients.clear()
    if state.closer is not None:
        # The closer returns at once when the state is closed; finishing it here keeps
        # its finaliser from later calling into the closed loop.
        try:
            state.closer.aclose().send(None)
        except StopIteration:
            pass
        except Exception:
            _log.debug("finishing a closed loop's pool closer failed", exc_info=True)


async def loop_state() -> LoopState:
    """The connector's state for the running event loop."""
    loop = asyncio.get_running_loop()
    state = _states.get(loop)
    if state is None:
        for other, old in list(_states.items()):
            if other.is_closed():
                _states.pop(other, None)
                _abandon(old)
        state = _states[loop] = LoopState()
        closer = _closer(state)
        await closer.__anext__()
        state.closer = closer
    return state


def _environment_proxied() -> bool:
    proxies = getproxies()
    if "*" in [h.strip() for h in proxies.get("no", "").split(",")]:
        return False
    return any(proxies.get(scheme) for scheme in ("http", "https", "all"))


def _install_guard(
    client: httpx.AsyncClient, policy: OutboundPolicy, limits: Any, ssl_context: ssl.SSLContext
) -> None:
    import httpcore
    import httpx

    from ._guard import GuardedBackend

    transport = getattr(client, "_transport", None)
    pool = getattr(transport, "_pool", None)
    if not isinstance(transport, httpx.AsyncHTTPTransport) or not isinstance(
        pool, httpcore.AsyncConnectionPool
    ):
        # Fail closed: no client may go without the guard (it refuses the metadata
        # services whatever the settings) because httpx changed its internals.
        raise RuntimeError(
            "tasklink-client cannot install its outbound address guard on this httpx "
            f"version ({httpx.__version__}); install a version the package supports"
        )
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=ssl_context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=GuardedBackend(policy),
    )


@functools.cache
def _client_type() -> type[httpx.AsyncClient]:
    """``httpx.AsyncClient`` without redirect handling of its own.

    ``_send`` follows redirects itself, hop by hop. httpx, even when it does not follow a
    redirect, builds the request it would send next from ``Location``, and fails the whole
    exchange when that is malformed: the caller would get a connection failure instead of
    the 3xx response (or ``INVALID_REDIRECT`` when following).
    """
    import httpx

    class Client(httpx.AsyncClient):
        def _build_redirect_request(
            self, request: httpx.Request, response: httpx.Response
        ) -> httpx.Request:
            return request  # never sent: follow_redirects is always False

    return Client


def _create(
    tls: TlsConfig, fields: TlsFields | None, policy: OutboundPolicy, max_connections: int
) -> PooledClient:
    import httpx

    from ._tls import ssl_context

    limits = httpx.Limits(
        max_connections=max_connections,
        # As many idle connections as active ones: at high concurrency a smaller
        # keep-alive pool would close and reopen connections on every request.
        max_keepalive_connections=max_connections,
        keepalive_expiry=KEEPALIVE_EXPIRY_SECONDS,
    )
    context = ssl_context(tls, fields)
    client = _client_type()(
        verify=context,
        limits=limits,
        trust_env=True,  # HTTP(S)_PROXY, ALL_PROXY and NO_PROXY, as httpx reads them
        cookies=_NoCookies(),
        # Only codings _decoding inflates in bounded steps (httpx would offer br and zstd
        # when their packages happen to be installed).
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING},
        follow_redirects=False,
    )
    _install_guard(client, policy, limits, context)
    return PooledClient(client, proxied=_environment_proxied())


async def _evict(state: LoopState) -> None:
    while len(state.clients) > MAX_CLIENTS_PER_LOOP:
        _, entry = state.clients.popitem(last=False)
        entry.evicted = True
        if entry.leases == 0:
            await entry.client.aclose()


async def acquire(
    tls: TlsConfig, fields: TlsFields | None = None
) -> tuple[LoopState, PooledClient]:
    """Borrow the shared client for ``tls`` on the running loop; give it back with
    :func:`release` (a plain pair rather than a context manager: this is the hot path).
    Raises :class:`~tasklink.client.PolicyConfigError` for invalid settings and
    :class:`~tasklink.core.InputError` (naming ``fields``) for unreadable TLS material.
    """
    state = await loop_state()
    settings = state.settings()
    if state.mounted is not None:
        state.mounted.leases += 1
        return state, state.mounted
    # The default configuration is by far the most common: no hashing of PEM text for it.
    key: Hashable = None if tls.is_default else tls
    entry = state.clients.get(key)
    if entry is None:
        client = _create(tls, fields, settings.policy, settings.max_connections)
        entry = state.clients[key] = client
        await _evict(state)
    elif len(state.clients) > 1:
        state.clients.move_to_end(key)
    entry.leases += 1
    return state, entry


@contextlib.asynccontextmanager
async def use_transport(transport: httpx.AsyncBaseTransport) -> AsyncIterator[None]:
    """Send every request of the running event loop through ``transport`` instead of the
    network while the block runs: the seam a connector's tests use to answer its requests
    with an ``httpx.MockTransport`` (no sockets, so no outbound guard either).
    Authentication, redirects, limits and error classification work as always."""
    state = await loop_state()
    if state.mounted is not None:
        raise RuntimeError("use_transport blocks do not nest")
    client = _client_type()(
        transport=transport,
        cookies=_NoCookies(),
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING},
        follow_redirects=False,
    )
    state.mounted = PooledClient(client, proxied=False)
    try:
        yield
    finally:
        state.mounted = None
        await client.aclose()


async def release(entry: PooledClient) -> None:
    entry.leases -= 1
    if entry.evicted and entry.leases == 0:
        await entry.client.aclose()


async def aclose_clients() -> None:
    """Close the pooled HTTP clients of the running event loop.

    Call it once at shutdown, after in-flight jobs have finished. Needed only when the
    loop is closed without ``loop.shutdown_asyncgens()`` (``asyncio.run`` calls it);
    calling it anyway is harmless, and later requests simply open new clients.
    """
    loop = asyncio.get_running_loop()
    state = _states.pop(loop, None)
    if state is None:
        return
    state.closed = True
    await _close_all(state)
    if state.closer is not None:
        await state.closer.aclose()
