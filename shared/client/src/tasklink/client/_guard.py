"""Enforcing the outbound policy where it cannot be raced: at connect time.

:class:`GuardedBackend` is an httpcore network backend, installed on every pooled client
(link-local and metadata addresses are refused whatever the settings). It resolves the
host itself, checks every address against the policy and then connects to one of the
checked addresses, so a DNS answer that changes between check and connect (DNS
rebinding) cannot slip through. TLS still uses the URL's host name for SNI and
certificate checks (httpcore passes it to ``start_tls``), and the ``Host`` header is
untouched. Every connection the pool opens, including those for redirect hops and OAuth
token requests, passes here, with the URL's host name, so ``TASKLINK_HTTP_ALLOWED_HOSTS``
applies per connection.

Through a proxy the connection goes to the proxy, which resolves the target itself;
:func:`preflight` then checks the target before the request is sent (best effort: the
proxy may resolve differently, so restrict egress at the proxy too). Every request the
connector sends (the job's request, each redirect hop, OAuth token requests) calls it. A
target it cannot resolve is not sent while private networks are blocked (the proxy would
resolve it unchecked); otherwise the proxy resolves it, as proxies without local DNS need.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import ssl
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import anyio
import httpcore

# Imported when the first request is sent, like httpx itself (never by discovery).
import httpx

from ._policy import IPAddress, OutboundPolicy
from ._urls import DEFAULT_PORTS

__all__ = [
    "BlockedAddressError",
    "GuardedBackend",
    "check_endpoint",
    "check_host",
    "check_host_blocking",
    "preflight",
]

_log = logging.getLogger("tasklink.client.guard")


class BlockedAddressError(Exception):
    """The host resolves to an address the operator's policy refuses."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"connecting to {host!r} is not allowed: {reason}")
        self.host = host
        self.reason = reason


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def _distinct(infos: Iterable[tuple[Any, ...]]) -> list[IPAddress]:
    """The addresses of ``getaddrinfo`` answers, in its order, each once."""
    found: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


async def _lookup(host: str, port: int, timeout: float | None) -> list[IPAddress]:
    """The addresses of ``host``; ``OSError`` when it does not resolve, ``TimeoutError``
    when that takes longer than ``timeout``."""
    literal = _literal(host)
    if literal is not None:
        return [literal]
    with anyio.fail_after(timeout):
        return _distinct(await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM))


async def _resolve(host: str, port: int, timeout: float | None) -> list[IPAddress]:
    """:func:`_lookup`, its failures as httpcore's (classified like failures to connect)."""
    try:
        return await _lookup(host, port, timeout)
    except TimeoutError:
        raise httpcore.ConnectTimeout(f"resolving {host!r} timed out") from None
    except OSError as exc:
        raise httpcore.ConnectError(f"could not resolve {host!r}: {exc}") from exc


def _check(policy: OutboundPolicy, host: str, addresses: Iterable[IPAddress]) -> None:
    exempt = policy.exempt(host)
    for address in addresses:
        reason = policy.refusal(address, exempt=exempt)
        if reason is not None:
            # The address goes to the operator's log only: echoing it to the job would
            # let a process author map internal names through error messages.
            _log.warning("blocked a connection to %s (%s): %s", host, address, reason)
            raise BlockedAddressError(host, reason)


async def preflight(
    policy: OutboundPolicy, proxied: bool, url: httpx.URL, timeout: float | None
) -> None:
    """Check ``url``'s host before a request to it is sent, when the request goes through
    a proxy (direct connections are checked by :class:`GuardedBackend` as they open).

    Raises :class:`BlockedAddressError`; ``httpx.ConnectError`` or ``httpx.ConnectTimeout``
    when the host cannot be resolved while private networks are blocked (classified like
    any failure to connect).
    """
    if not proxied:
        return
    host = url.raw_host.decode("ascii")  # the form httpcore connects with
    if policy.exempt(host) and not policy.blocked:
        return  # nothing could refuse it: no lookup (the proxy may see names we cannot)
    port = url.port or DEFAULT_PORTS.get(url.scheme, 0)
    try:
        addresses = await _resolve(host, port, timeout)
    except (httpcore.ConnectTimeout, httpcore.ConnectError) as exc:
        if not policy.block_private:
            # Only the link-local rule applies, and those addresses are local to this
            # machine: a name that only the proxy can resolve goes to the proxy.
            return
        if isinstance(exc, httpcore.ConnectTimeout):
            raise httpx.ConnectTimeout(str(exc)) from exc
        raise httpx.ConnectError(str(exc)) from exc
    _check(policy, host, addresses)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks, then connects to a checked address (never re-resolving)."""

    def __init__(
        self, policy: OutboundPolicy, inner: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        self.policy = policy
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await _resolve(host, port, timeout)
        _check(self.policy, host, addresses)
        failure: Exception | None = None
        for address in addresses:
            try:
                stream = await self._inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:  # try the next address, as resolvers intend
                failure = exc
            else:
                return _ClosedWhenCancelled(stream)
        raise failure or httpcore.ConnectError(f"{host!r} resolved to no address")

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used by tasklink's outbound client")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _ClosedWhenCancelled(httpcore.AsyncNetworkStream):
    """A new connection whose TLS handshake closes it when cancelled, too.

    httpcore (1.0.9, ``AnyIOStream.start_tls``) closes the TCP stream when the handshake
    fails with an ``Exception``, but not when it is cancelled, as a job's timeout does to
    a server that accepts the connection and never answers the ClientHello: the socket
    then stayed open until the garbage collector found it (tests/faults, the stalled TLS
    handshake). Once the handshake is done httpcore closes on cancellation itself.
    """

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            return await self._inner.start_tls(ssl_context, server_hostname, timeout)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self._inner.aclose()
            raise

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


async def check_endpoint(url: str, *, timeout: float | None = 10.0) -> None:
    """Check the host of ``url`` against the operator's outbound policy, for a client that
    opens its own connections (a vendor SDK such as boto3) to an endpoint a process may
    name. Raises :class:`BlockedAddressError`.

    Best effort, as :func:`preflight` through a proxy: the SDK resolves the name again
    when it connects. A name that does not resolve passes (nothing can be reached by it).
    """
    from ._policy import current_settings

    policy = current_settings().policy
    target = httpx.URL(url)
    host = target.raw_host.decode("ascii")
    if policy.exempt(host) and not policy.blocked:
        return
    port = target.port or DEFAULT_PORTS.get(target.scheme, 0)
    try:
        addresses = await _resolve(host, port, timeout)
    except (httpcore.ConnectTimeout, httpcore.ConnectError):
        return
    _check(policy, host, addresses)


def _service_policy(private_networks_allowed: bool) -> OutboundPolicy:
    from ._policy import current_settings

    policy = current_settings().policy
    return replace(policy, block_private=False) if private_networks_allowed else policy


async def check_host(
    host: str,
    port: int,
    *,
    private_networks_allowed: bool = False,
    timeout: float | None = 10.0,
) -> list[IPAddress]:
    """Resolve ``host`` and check every address against the operator's outbound policy;
    returns the checked addresses.

    For a client that opens its own connection (a mail or database driver) to a server a
    job names by host and port. Connect to one of the returned addresses, never to the
    name again: a second lookup may answer differently (DNS rebinding). Nothing is
    connected here. Raises :class:`BlockedAddressError`;
    :class:`~tasklink.client.PolicyConfigError` for invalid settings; ``OSError`` when the
    name does not resolve, ``TimeoutError`` when that takes over ``timeout`` seconds (a
    caller that connects by the name itself may ignore both: its own connection fails).

    ``private_networks_allowed`` leaves out the private-network rule
    (``TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS``, which ``tasklink run`` turns on). Mail and
    database servers usually live on private networks: the rule would refuse the usual
    setup, and every deployment would have to list its own servers, while what a job can
    do there is bounded by the service's protocol and credentials, unlike an HTTP request
    of its own making. What stays applies to every service: link-local and cloud metadata
    addresses are refused unless ``TASKLINK_HTTP_ALLOWED_NETWORKS`` or
    ``TASKLINK_HTTP_ALLOWED_HOSTS`` lists them, ``TASKLINK_HTTP_BLOCKED_NETWORKS`` whatever
    else is set. The default applies the full policy, as for HTTP endpoints.
    """
    policy = _service_policy(private_networks_allowed)
    addresses = await _lookup(host, port, timeout)
    _check(policy, host, addresses)
    return addresses


def check_host_blocking(
    host: str, port: int, *, private_networks_allowed: bool = False
) -> list[IPAddress]:
    """:func:`check_host` for synchronous clients, in a worker thread: the lookup blocks
    for as long as the system resolver takes (as the client's own connect would)."""
    policy = _service_policy(private_networks_allowed)
    literal = _literal(host)
    if literal is not None:
        addresses = [literal]
    else:
        addresses = _distinct(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
    _check(policy, host, addresses)
    return addresses
