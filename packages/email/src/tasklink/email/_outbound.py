"""The operator's outbound policy (``TASKLINK_HTTP_*``) for the mail server a job names,
and connecting to the addresses it checked.

aiosmtplib, imaplib and poplib open their own sockets, outside the shared HTTP client's
guard. The host is resolved and checked here, once, and the connection goes to a checked
address, never to the name again: a second lookup may answer otherwise (DNS rebinding).
TLS still checks the certificate against the host name. Private networks stay open (mail
servers usually live there; see :func:`tasklink.client.check_host`): link-local and cloud
metadata addresses and the operator's blocked networks are refused before any connection.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence
from ipaddress import IPv4Address, IPv6Address

from tasklink.client import (
    BlockedAddressError,
    PolicyConfigError,
    check_host,
    check_host_blocking,
)
from tasklink.core import ConnectorError

from ._errors import EmailErrorCode
from ._models import Connection
from ._tls import Protocol

__all__ = ["achecked_addresses", "aconnect_to", "checked_addresses", "connect_to"]

Address = IPv4Address | IPv6Address


def checked_addresses(connection: Connection, protocol: Protocol, port: int) -> list[Address]:
    """The server's addresses, each allowed by the policy (the lookup blocks: for the
    IMAP and POP3 sessions, in worker threads). A name that does not resolve raises
    ``OSError``, as connecting to it would."""
    try:
        return check_host_blocking(connection.host, port, private_networks_allowed=True)
    except BlockedAddressError as exc:
        raise _refused(exc, connection, protocol, port) from None
    except PolicyConfigError as exc:
        raise _misconfigured(exc) from None


async def achecked_addresses(
    connection: Connection, protocol: Protocol, port: int
) -> list[Address]:
    """:func:`checked_addresses` on the event loop, the lookup bounded by the connection's
    timeout (``TimeoutError``)."""
    try:
        return await check_host(
            connection.host, port, private_networks_allowed=True, timeout=connection.timeout
        )
    except BlockedAddressError as exc:
        raise _refused(exc, connection, protocol, port) from None
    except PolicyConfigError as exc:
        raise _misconfigured(exc) from None


def connect_to(addresses: Sequence[Address], port: int, timeout: float | None) -> socket.socket:
    """A socket connected to the first of ``addresses`` that accepts, as
    ``socket.create_connection`` tries the addresses of a name; the last failure if none."""
    failure: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((str(address), port), timeout)
        except OSError as exc:
            failure = exc
    raise failure or OSError("the server's name resolved to no address")


async def aconnect_to(
    addresses: Sequence[Address], port: int, timeout: float | None
) -> socket.socket:
    """:func:`connect_to` on the event loop (a non-blocking socket); each attempt
    bounded by ``timeout`` (``TimeoutError``)."""
    loop = asyncio.get_running_loop()
    failure: OSError | None = None
    for address in addresses:
        family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            async with asyncio.timeout(timeout):
                await loop.sock_connect(sock, (str(address), port))
        except OSError as exc:  # TimeoutError too: try the next address
            sock.close()
            failure = exc
        except BaseException:  # cancelled: no socket left open
            sock.close()
            raise
        else:
            return sock
    raise failure or OSError("the server's name resolved to no address")


def _refused(
    exc: BlockedAddressError, connection: Connection, protocol: Protocol, port: int
) -> ConnectorError:
    # The rule, never the address it resolved to (the operator's log has that).
    field = connection.host_field
    return ConnectorError(
        f"{field}: the {protocol} server {connection.host}:{port} is refused by the "
        f"outbound policy: {exc.reason}",
        code=EmailErrorCode.BLOCKED_ADDRESS,
        variables={"protocol": protocol, "host": connection.host, "port": port, "field": field},
        retryable=False,
    )


def _misconfigured(exc: PolicyConfigError) -> ConnectorError:
    return ConnectorError(
        f"the outbound policy is misconfigured: {exc}",
        code=EmailErrorCode.CONFIGURATION_ERROR,
        retryable=False,
    )
