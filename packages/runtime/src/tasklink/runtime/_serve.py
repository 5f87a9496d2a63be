"""Serving an engine: pipeline, metrics server, signal handling, the engine adapter."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Iterable, MutableMapping

from tasklink.core import Connector, Redactor, SecretProvider

from ._connectors import default_secrets, secret_allow_lists, select_connectors, served_contracts
from ._engines import EngineError, load_engine
from ._http import start_http_server
from ._pipeline import Pipeline
from ._settings import RuntimeSettings

__all__ = ["BLOCK_PRIVATE_NETWORKS", "build_pipeline", "guard_outbound_by_default", "serve"]

_log = logging.getLogger("tasklink.runtime")

#: The operator switch with which connectors refuse private, loopback and link-local
#: addresses (read by tasklink-http; see its README).
BLOCK_PRIVATE_NETWORKS = "TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS"


def guard_outbound_by_default(environ: MutableMapping[str, str]) -> None:
    """``tasklink run`` calls URLs that process designers wrote: unless the operator
    decided otherwise, connectors may not reach private, loopback or link-local addresses
    (``TASKLINK_HTTP_ALLOWED_NETWORKS`` and ``TASKLINK_HTTP_ALLOWED_HOSTS`` open what is
    needed)."""
    if not environ.get(BLOCK_PRIVATE_NETWORKS, "").strip():
        environ[BLOCK_PRIVATE_NETWORKS] = "true"


def build_pipeline(
    settings: RuntimeSettings,
    *,
    connectors: Iterable[Connector] | None = None,
    secrets: SecretProvider | None = None,
    redactor: Redactor | None = None,
) -> Pipeline:
    """A pipeline for ``settings``: the given connectors, or the discovered / loaded ones
    (broken plugins are logged and skipped), plus the vendor contracts
    ``vendor_contracts`` turns on, with the default secret chain."""
    if connectors is None:
        selected, errors = select_connectors(settings)
        for error in errors:
            _log.error(
                "connector plugin %r from %s failed to load: %s",
                error.entry_point,
                error.distribution,
                error.message,
            )
        connectors = selected
    connectors = list(connectors)
    connectors.extend(served_contracts(settings, connectors))
    if secrets is None:
        secrets = default_secrets(settings)
    allowed = secret_allow_lists(settings.secrets_allowed, connectors)
    return Pipeline(
        connectors, settings, secrets=secrets, redactor=redactor, allowed_secrets=allowed
    )


async def serve(
    settings: RuntimeSettings,
    *,
    pipeline: Pipeline | None = None,
    connectors: Iterable[Connector] | None = None,
    handle_signals: bool = True,
    on_listening: Callable[[int], None] | None = None,
) -> None:
    """Serve ``settings.engine`` until SIGTERM / SIGINT (or ``pipeline.stop()``).

    Pass ``connectors`` (or a ready ``pipeline``) to embed the runtime with an explicit
    list instead of discovery. ``on_listening`` is told the port of the ``/health`` and
    ``/metrics`` server once it listens (``metrics_port`` 0 takes a free one).
    """
    if settings.engine is None:
        raise EngineError("no engine chosen: pass --engine or set TASKLINK_ENGINE")
    runner = load_engine(settings.engine)
    if pipeline is None:
        pipeline = build_pipeline(settings, connectors=connectors)
    if not pipeline.operations:
        raise EngineError(
            "no connectors to serve: install one (pip install tasklink-http) or pass --load"
        )
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    if handle_signals:
        first: list[float] = []

        def on_signal(signum: int) -> None:
            # Some supervisors deliver one signal twice (to the process and its group):
            # only a repeat after a second skips the grace period.
            now = loop.time()
            if first and now - first[0] < 1.0:
                return
            first.append(now)
            _log.info("received %s", signal.Signals(signum).name)
            pipeline.stop()

        for signum in signals:
            loop.add_signal_handler(signum, on_signal, signum)
    server = None
    try:
        if settings.metrics_port is not None:
            server = await start_http_server(pipeline, settings.metrics_host, settings.metrics_port)
            if on_listening is not None and server.sockets:
                on_listening(int(server.sockets[0].getsockname()[1]))
        _log.info(
            "serving %d operations of %d connectors for %s (concurrency %d)",
            len(pipeline.operations),
            len(pipeline.connectors),
            settings.engine,
            settings.concurrency,
        )
        await runner(settings, pipeline)
    finally:
        if handle_signals:
            for signum in signals:
                loop.remove_signal_handler(signum)
        if server is not None:
            server.close()
            await server.wait_closed()
        await pipeline.aclose()
    _log.info("stopped")
