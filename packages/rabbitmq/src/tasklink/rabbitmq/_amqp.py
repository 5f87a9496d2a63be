"""Publishing over AMQP 0-9-1 with aio-pika: pooled connections, a channel of its own for
each publish in flight, publisher confirms always on.

* **Connections** are kept per event loop and per target (host, port, virtual host, user,
  a digest of the password, TLS settings), never one per job; a closed one is replaced on
  the next publish, and the connector's shutdown hook (or the end of the loop) closes
  them all.
* **Channels**: a publish takes an idle channel of the connection, or opens one, and has
  it to itself until the broker confirmed: a refusal that closes the channel (an exchange
  that does not exist) fails that job only, and a message returned as unroutable is told
  apart by its message ID on its own channel. Channels still open afterwards go back to
  the connection for the next publish.
* **Confirms**: every channel is in confirm mode; ``basic.ack`` completes the publish,
  ``basic.nack`` fails it (``NACKED``), and with ``mandatory`` a ``basic.return`` fails it
  (``UNROUTABLE``).

This module imports aio-pika, aiormq and pamqp: the operations import it when they first
run, never discovery.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
import weakref
from collections import OrderedDict
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass, field
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection
from aiormq import exceptions as amqp
from pamqp import commands, encode

from tasklink.client import TlsConfig, TlsFields, ssl_context
from tasklink.core import ConnectorError, Context

from .__about__ import __version__
from ._errors import Failure, FieldNames, classify
from ._target import Target

__all__ = [
    "CONNECTION_NAME",
    "MAX_CONNECTIONS_PER_LOOP",
    "MAX_IDLE_CHANNELS",
    "Outgoing",
    "Properties",
    "close_connections",
    "encode_table",
    "publish",
]

_log = logging.getLogger("tasklink.rabbitmq")

#: Shown as the connection's name in RabbitMQ's management UI.
CONNECTION_NAME = f"tasklink-rabbitmq/{__version__}"
#: Distinct targets per event loop before the least recently used idle one is closed.
MAX_CONNECTIONS_PER_LOOP = 16
#: Idle channels kept per connection (publishes in flight may use more).
MAX_IDLE_CHANNELS = 16
# Seconds a failed publish waits for aiormq to finish closing the channel, and closing a
# channel or connection may take.
_CLOSE_WAIT = 5.0
# Pooled connections tried for a channel before the failure is the job's (a broker restart
# leaves every pooled connection broken at once; they are replaced one by one).
_LEASE_ATTEMPTS = 3

# -- properties ----------------------------------------------------------------------------


def _table_value(value: Any) -> bytes:
    if isinstance(value, float):
        return b"d" + encode.double(value)
    if isinstance(value, dict):
        return b"F" + encode_table(value)
    if isinstance(value, list | tuple):
        items = b"".join(_table_value(item) for item in value)
        return b"A" + struct.pack(">I", len(items)) + items
    return encode.encode_table_value(value)


def encode_table(table: Mapping[str, Any]) -> bytes:
    """An AMQP field table as pamqp writes one, except that numbers with a fraction are
    doubles (``d``): pamqp writes them as 32-bit floats (``f``), which would turn a
    header ``99.95`` into ``99.94999694824219``."""
    items = b"".join(
        encode.short_string(key) + _table_value(value) for key, value in sorted(table.items())
    )
    return struct.pack(">I", len(items)) + items


class Properties(commands.Basic.Properties):
    """``Basic.Properties`` whose headers are written by :func:`encode_table`."""

    def encode_property(self, name: str, value: Any) -> bytes:
        if name == "headers":
            return encode_table(value)
        return super().encode_property(name, value)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message to publish."""

    exchange: str
    routing_key: str
    body: bytes
    properties: Properties
    mandatory: bool

    @property
    def message_id(self) -> str | None:
        found = self.properties.message_id
        return str(found) if found else None


# -- the pool ------------------------------------------------------------------------------


@dataclass(eq=False)
class _Pooled:
    connection: AbstractConnection
    idle: list[AbstractChannel] = field(default_factory=list)
    leases: int = 0
    evicted: bool = False


@dataclass(eq=False)
class _LoopPool:
    entries: OrderedDict[tuple[object, ...], _Pooled] = field(default_factory=OrderedDict)
    locks: dict[tuple[object, ...], asyncio.Lock] = field(default_factory=dict)
    closing: set[asyncio.Task[None]] = field(default_factory=set)
    closer: AsyncGenerator[None, None] | None = None
    closed: bool = False


_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopPool] = (
    weakref.WeakKeyDictionary()
)


async def _close_pool(pool: _LoopPool) -> None:
    entries = list(pool.entries.values())
    pool.entries.clear()
    pool.locks.clear()
    for entry in entries:
        await _close_connection(entry.connection)
    if pool.closing:
        await asyncio.gather(*pool.closing, return_exceptions=True)


async def _closer(pool: _LoopPool) -> AsyncGenerator[None, None]:
    # Finalised by loop.shutdown_asyncgens() (asyncio.run does it): the loop's connections
    # are closed while it still runs, so scripts and tests need no explicit clean-up.
    try:
        yield
    finally:
        if not pool.closed:
            pool.closed = True
            for loop, known in list(_pools.items()):
                if known is pool:
                    _pools.pop(loop, None)
            await _close_pool(pool)


async def _loop_pool() -> _LoopPool:
    loop = asyncio.get_running_loop()
    pool = _pools.get(loop)
    if pool is None:
        for other, old in list(_pools.items()):
            if other.is_closed():  # closed without shutting its generators down
                _pools.pop(other, None)
                old.closed = True
                old.entries.clear()
        pool = _pools[loop] = _LoopPool()
        closer = _closer(pool)
        await closer.__anext__()
        pool.closer = closer
    return pool


async def close_connections() -> None:
    """Close every pooled connection of the running event loop (the shutdown hook)."""
    pool = _pools.pop(asyncio.get_running_loop(), None)
    if pool is not None and not pool.closed:
        pool.closed = True
        await _close_pool(pool)
        if pool.closer is not None:
            with contextlib.suppress(Exception):
                await pool.closer.aclose()


async def _close_connection(connection: AbstractConnection) -> None:
    # A broker that stopped answering never sends close-ok: shutdown does not wait for it.
    try:
        async with asyncio.timeout(_CLOSE_WAIT):
            await connection.close()
    except Exception:  # closing goes on for the others
        _log.debug("closing a RabbitMQ connection failed", exc_info=True)


def _close_later(pool: _LoopPool, closing: Any) -> None:
    """Close a channel or connection in the background (after a failure, or on
    eviction): the job does not wait for the broker's close-ok."""

    async def close() -> None:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(_CLOSE_WAIT):
                await closing.close()

    task = asyncio.get_running_loop().create_task(close())
    pool.closing.add(task)
    task.add_done_callback(pool.closing.discard)


def _tls_context(target: Target, tls: TlsConfig, names: FieldNames) -> Any:
    """tasklink's one trust policy (``tasklink.client``): certifi's CA list, or
    ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` where the operator set them, plus the job's CA
    certificates; a client identity for mutual TLS."""
    if not target.tls:
        return None
    fields = TlsFields(
        ca=names.ca_certificate or "CA certificate",
        client_certificate=names.client_certificate or "client certificate",
    )
    return ssl_context(tls, fields)


async def _check_address(target: Target, failure: Failure) -> None:
    """The operator's outbound policy (``TASKLINK_HTTP_*``) for the broker's address:
    aio-pika opens its own sockets, outside the shared client's guard."""
    from tasklink.client import BlockedAddressError, check_endpoint

    host = f"[{target.host}]" if ":" in target.host else target.host
    try:
        await check_endpoint(f"amqp://{host}:{target.port}", timeout=failure.timeout or 10.0)
    except BlockedAddressError as exc:
        raise ConnectorError(
            f"RabbitMQ at {target.display} is refused by the outbound policy: {exc}",
            code="BLOCKED_ADDRESS",
            retryable=False,
        ) from None


async def _connect(target: Target, tls: TlsConfig, failure: Failure) -> AbstractConnection:
    # Unreadable PEM material is an input error naming the field, before any socket.
    context = _tls_context(target, tls, failure.names)
    await _check_address(target, failure)
    options: dict[str, Any] = {}
    if target.heartbeat is not None:
        options["heartbeat"] = target.heartbeat  # becomes the URL's query, as aiormq reads it
    try:
        connection: AbstractConnection = await aio_pika.connect(
            host=target.host,
            port=target.port,
            login=target.username,
            password=target.password,
            virtualhost=target.virtual_host,
            ssl=target.tls,
            ssl_context=context,
            timeout=failure.timeout,
            client_properties={"connection_name": CONNECTION_NAME},
            **options,
        )
    except Exception as exc:
        raise classify(exc, failure) from None
    return connection


async def _pooled(
    pool: _LoopPool, target: Target, tls: TlsConfig, failure: Failure
) -> tuple[tuple[object, ...], _Pooled, bool]:
    """The pooled connection for the target (opened when there is none or it closed);
    whether it was opened just now."""
    key = (*target.identity, tls)
    entry = pool.entries.get(key)
    if entry is not None and not entry.connection.is_closed:
        pool.entries.move_to_end(key)
        return key, entry, False
    lock = pool.locks.setdefault(key, asyncio.Lock())
    async with asyncio.timeout(failure.timeout):
        await lock.acquire()
    try:
        entry = pool.entries.get(key)
        if entry is not None and not entry.connection.is_closed:
            return key, entry, False
        if entry is not None:
            _drop(pool, key, entry)
        connection = await _connect(target, tls, failure)
        entry = pool.entries[key] = _Pooled(connection)
        _evict(pool)
        return key, entry, True
    finally:
        lock.release()


def _drop(pool: _LoopPool, key: tuple[object, ...], entry: _Pooled) -> None:
    if pool.entries.get(key) is entry:
        del pool.entries[key]
    entry.evicted = True
    if entry.leases == 0:
        _close_later(pool, entry.connection)


def _evict(pool: _LoopPool) -> None:
    """Close the least recently used idle connections beyond the limit (never the one
    just opened: it is about to be used)."""
    while len(pool.entries) > MAX_CONNECTIONS_PER_LOOP:
        for key, entry in list(pool.entries.items())[:-1]:
            if entry.leases == 0:
                _drop(pool, key, entry)
                break
        else:
            return  # every connection is in use: they close when released


async def _open_channel(entry: _Pooled, timeout: float | None) -> AbstractChannel:
    while entry.idle:
        channel = entry.idle.pop()
        if not channel.is_closed:
            return channel
    channel = entry.connection.channel(publisher_confirms=True, on_return_raises=True)
    async with asyncio.timeout(timeout):
        await channel.initialize()
    return channel


async def _lease(
    target: Target, tls: TlsConfig, failure: Failure
) -> tuple[_LoopPool, tuple[object, ...], _Pooled, AbstractChannel]:
    """A channel of its own on a pooled connection. A pooled connection that fails to
    open a channel was broken without anyone noticing (a broker restart): it is replaced
    once."""
    pool = await _loop_pool()
    for attempt in range(_LEASE_ATTEMPTS):
        key, entry, fresh = await _pooled(pool, target, tls, failure)
        entry.leases += 1
        try:
            channel = await _open_channel(entry, failure.timeout)
        except Exception as exc:
            entry.leases -= 1
            stale = isinstance(
                exc, amqp.AMQPConnectionError | amqp.ChannelInvalidStateError | RuntimeError
            )
            if stale and not fresh and attempt + 1 < _LEASE_ATTEMPTS:
                _drop(pool, key, entry)
                continue
            raise classify(exc, failure) from None
        return pool, key, entry, channel
    raise AssertionError("unreachable: the last attempt returns or raises")


async def _closed(channel: AbstractChannel) -> None:
    """Wait (briefly) until aiormq finished closing a channel the broker closed, so that
    no task of it is left running when the job is done: a script that ends its event loop
    right after would have ``asyncio.run`` cancel the channel's reader, which aiormq
    then reports as an unhandled exception. aiormq has no public way to wait for its
    reader; where its private name changes this only waits for the channel's closing."""
    with contextlib.suppress(Exception):
        underlay = await channel.get_underlay_channel()
        waits: list[Any] = [asyncio.ensure_future(underlay.closing)]
        task = getattr(getattr(underlay, "_Channel__reader_task", None), "task", None)
        if isinstance(task, asyncio.Task):
            waits.append(task)
        await asyncio.wait(waits, timeout=_CLOSE_WAIT)


def _release(
    pool: _LoopPool, key: tuple[object, ...], entry: _Pooled, channel: AbstractChannel, reuse: bool
) -> None:
    entry.leases -= 1
    if (
        reuse
        and not channel.is_closed
        and not entry.evicted
        and len(entry.idle) < MAX_IDLE_CHANNELS
    ):
        entry.idle.append(channel)
    elif not channel.is_closed:
        _close_later(pool, channel)
    if entry.evicted and entry.leases == 0:
        _close_later(pool, entry.connection)
    elif entry.connection.is_closed:
        _drop(pool, key, entry)


async def publish(
    ctx: Context,
    target: Target,
    tls: TlsConfig,
    message: Outgoing,
    *,
    connect_timeout: float | None,
    publish_timeout: float | None,
    names: FieldNames,
) -> None:
    """Publish ``message`` and wait for the broker's confirm; a
    :class:`~tasklink.core.ConnectorError` with the connector's codes otherwise."""
    # The password as typed and as a URL carries it: aiormq and the OS may echo either.
    ctx.redactor.add(target.password)
    connecting = Failure(
        target,
        "connect",
        message.exchange,
        message.routing_key,
        message.message_id,
        len(message.body),
        target.connect_timeout or connect_timeout,
        names,
    )
    pool, key, entry, channel = await _lease(target, tls, connecting)
    publishing = Failure(
        target,
        "publish",
        message.exchange,
        message.routing_key,
        message.message_id,
        len(message.body),
        publish_timeout,
        names,
    )
    reuse = False
    try:
        underlay = await channel.get_underlay_channel()
        await underlay.basic_publish(
            message.body,
            exchange=message.exchange,
            routing_key=message.routing_key,
            properties=message.properties,
            mandatory=message.mandatory,
            timeout=publish_timeout,
        )
        reuse = True
    except Exception as exc:
        # A returned or nacked message leaves the channel as it was.
        reuse = isinstance(exc, amqp.DeliveryError)
        if isinstance(exc, amqp.ChannelClosed):
            await _closed(channel)
        raise classify(exc, publishing) from None
    finally:
        _release(pool, key, entry, channel, reuse)
    _log.debug(
        "published message %s to %s on %s",
        message.message_id,
        publishing.where,
        target.display,
    )
