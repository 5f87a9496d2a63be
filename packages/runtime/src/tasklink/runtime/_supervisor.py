"""``tasklink run --processes N``: one supervisor, N worker processes.

A Python process runs its jobs on one core; the vendors' Java runtimes use every core
through threads. Here the supervisor starts N workers, each a whole runtime (pipeline,
engine adapter) with the same settings, and:

* hands each worker the settings through the pipe ``multiprocessing`` starts it with
  (``spawn``: a fresh interpreter, so no event loop or connection is inherited half-open).
  Nothing goes on a command line or into an environment: a worker's environment is the
  supervisor's, the one the operator set (its secrets come from there, as in a single
  process), plus ``PROMETHEUS_MULTIPROC_DIR``, which each worker sets for itself;
* serves one ``/health`` (ready when every worker is; else the reason of each worker
  that is not) by asking each worker's own ``/health`` on a loopback port it chose;
* serves one ``/metrics``: the workers record into prometheus-client's multiprocess files
  and the supervisor serves their sum (``MultiProcessCollector``), the library's own way.
  Counters and histograms of a worker that died stay in the sum, so totals never go
  backwards when a worker is restarted (scraping the workers and adding their answers up
  would lose them); the supervisor adds ``tasklink_worker_restarts_total``;
* forwards SIGTERM / SIGINT to every worker, waits ``grace_period`` plus a margin for
  them to drain, then kills those left;
* restarts a worker that dies, after an exponential backoff, logging it and counting it;
  a worker that keeps dying before it was ever ready (5 times in a row), or that exits
  with the usage code (bad settings, no connectors: a restart cannot help), makes the
  supervisor stop the others and exit non-zero with the worker's error.

Engines need nothing else: Activiti workers are competing consumers on the same queues;
Camunda workers each activate at most their own free slots (``concurrency``), so the jobs
locked at once never exceed ``processes x concurrency``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from ._backoff import Backoff
from ._metrics import CONTENT_TYPE
from ._settings import RuntimeSettings

__all__ = ["run_worker", "supervise"]

_log = logging.getLogger("tasklink.runtime.supervisor")

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2

#: Consecutive deaths before readiness after which the supervisor gives up.
START_ATTEMPTS = 5
#: Restart delays: doubling from the first up to the last, in seconds.
RESTART_BACKOFF = (0.5, 30.0)
#: A worker that served this long before it died restarts after the shortest delay again.
_STEADY_SECONDS = 60.0
#: Seconds past the grace period before workers still running are killed.
KILL_MARGIN = 10.0
#: Seconds the supervisor waits for a worker's /health.
_HEALTH_TIMEOUT = 2.0

_MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


# -- the worker side ----------------------------------------------------------------------


def run_worker(
    settings: RuntimeSettings, index: int, conn: Connection, metrics_dir: str | None
) -> None:
    """A worker process's entry point (``multiprocessing`` pickles the arguments into the
    pipe the child starts from). Exits with the ``tasklink run`` codes."""
    if metrics_dir is not None:
        # Before prometheus_client is imported: it picks its value store at import.
        os.environ[_MULTIPROC_ENV] = metrics_dir
    sys.exit(_worker(settings, index, conn))


def _worker(settings: RuntimeSettings, index: int, conn: Connection) -> int:
    import gc

    from tasklink.core import Redactor

    from ._engines import EngineError
    from ._logging import configure_logging
    from ._serve import build_pipeline, serve
    from ._settings import SettingsError

    redactor = Redactor()
    configure_logging(
        redactor, log_format=settings.log_format, level=settings.log_level, worker=index
    )

    def report(*message: Any) -> None:
        with contextlib.suppress(OSError, ValueError):
            conn.send(message)

    try:
        pipeline = build_pipeline(settings, redactor=redactor)
    except (SettingsError, ValueError) as exc:
        report("error", str(exc))
        sys.stderr.write(f"tasklink: error: worker {index}: {exc}\n")
        return EXIT_USAGE
    gc.collect()
    gc.freeze()

    async def main() -> None:
        loop = asyncio.get_running_loop()

        def parent_gone() -> None:
            # The pipe only ever closes: the supervisor is gone (killed, say). Drain.
            try:
                conn.recv()
            except (EOFError, OSError):
                loop.remove_reader(conn.fileno())
                _log.warning("the supervisor went away; stopping")
                pipeline.stop()

        loop.add_reader(conn.fileno(), parent_gone)

        async def announce_ready() -> None:
            await pipeline.wait_ready()
            report("ready")

        ready = asyncio.ensure_future(announce_ready())
        try:
            await serve(settings, pipeline=pipeline, on_listening=lambda p: report("http", p))
        finally:
            ready.cancel()
            with contextlib.suppress(ValueError, OSError):
                loop.remove_reader(conn.fileno())

    try:
        asyncio.run(main())
    except (EngineError, SettingsError) as exc:
        report("error", str(exc))
        sys.stderr.write(f"tasklink: error: worker {index}: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_ERROR
    return EXIT_OK


# -- the supervisor -----------------------------------------------------------------------


@dataclass
class _Slot:
    """One worker position: the process now in it and its history."""

    index: int
    backoff: Backoff = field(default_factory=lambda: Backoff(*RESTART_BACKOFF))
    process: BaseProcess | None = None
    conn: Connection | None = None
    port: int | None = None
    ready_once: bool = False
    started_at: float = 0.0
    failures: int = 0  # deaths in a row before readiness
    restarts: int = 0
    error: str | None = None  # what the worker reported before it exited
    exited: asyncio.Future[None] | None = None


class Supervisor:
    """Runs ``count`` workers for ``settings`` until a signal (see the module docstring)."""

    def __init__(self, settings: RuntimeSettings, count: int) -> None:
        self.settings = settings
        self.count = count
        self.slots = [_Slot(index) for index in range(1, count + 1)]
        self.stopping = False
        self._context = multiprocessing.get_context("spawn")
        self._metrics_dir: str | None = None
        self._registry: Any = None
        self._restarts: Any = None
        self._own_registry: Any = None
        self._changed = asyncio.Event()
        self._restarting: dict[int, asyncio.Task[None]] = {}
        self._signals = 0

    # -- workers ---------------------------------------------------------------------------

    def _child_settings(self) -> RuntimeSettings:
        serve_http = self.settings.metrics_port is not None
        return self.settings.model_copy(
            update={
                "processes": 1,
                # Each worker answers the supervisor on a loopback port of its own.
                "metrics_port": 0 if serve_http else None,
                "metrics_host": "127.0.0.1",
            }
        )

    def _start(self, slot: _Slot) -> None:
        loop = asyncio.get_running_loop()
        ours, theirs = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=run_worker,
            args=(self._child_settings(), slot.index, theirs, self._metrics_dir),
            name=f"tasklink-worker-{slot.index}",
            daemon=False,
        )
        process.start()
        theirs.close()
        slot.process, slot.conn, slot.port = process, ours, None
        slot.ready_once, slot.error = False, None
        slot.started_at = loop.time()
        exited: asyncio.Future[None] = loop.create_future()
        slot.exited = exited

        def on_exit() -> None:
            loop.remove_reader(process.sentinel)
            if not exited.done():
                exited.set_result(None)
            self._changed.set()

        def on_message() -> None:
            try:
                message = ours.recv()
            except (EOFError, OSError):
                loop.remove_reader(ours.fileno())
                return
            kind = message[0]
            if kind == "http":
                slot.port = int(message[1])
            elif kind == "ready":
                if not slot.ready_once:
                    _log.info("worker %d (pid %s) is ready", slot.index, process.pid)
                slot.ready_once = True
                slot.failures = 0
            elif kind == "error":
                slot.error = str(message[1])

        loop.add_reader(process.sentinel, on_exit)
        loop.add_reader(ours.fileno(), on_message)
        _log.info("started worker %d (pid %s)", slot.index, process.pid)

    def _reap(self, slot: _Slot) -> int:
        """Collect a worker that exited; its exit code (negative: the signal)."""
        process, conn = slot.process, slot.conn
        assert process is not None
        process.join()
        code = process.exitcode if process.exitcode is not None else EXIT_ERROR
        if conn is not None:
            # Read what it said before it went (its error), then close our end.
            loop = asyncio.get_running_loop()
            with contextlib.suppress(ValueError, OSError):
                loop.remove_reader(conn.fileno())
            with contextlib.suppress(EOFError, OSError):
                while conn.poll():
                    message = conn.recv()
                    if message[0] == "error":
                        slot.error = str(message[1])
                    elif message[0] == "ready":
                        slot.ready_once = True
            conn.close()
        if self._metrics_dir is not None and process.pid is not None:
            from prometheus_client import multiprocess

            # Its live gauges (jobs in flight) go; its counters stay in the sums.
            multiprocess.mark_process_dead(process.pid, self._metrics_dir)  # type: ignore[no-untyped-call]
        process.close()
        slot.process, slot.conn, slot.port, slot.exited = None, None, None, None
        return code

    def _live(self) -> list[_Slot]:
        return [slot for slot in self.slots if slot.process is not None]

    def _signal_workers(self, signum: int) -> None:
        for slot in self._live():
            assert slot.process is not None
            if slot.process.pid is not None and slot.process.exitcode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(slot.process.pid, signum)

    def _on_signal(self, signum: int) -> None:
        self._signals += 1
        if self._signals == 1:
            _log.info("received %s: stopping %d workers", signal.Signals(signum).name, self.count)
        self.stopping = True
        for task in self._restarting.values():
            task.cancel()
        # Workers take a repeat a second or more later as "skip the grace period".
        self._signal_workers(signal.SIGTERM)
        self._changed.set()

    async def _restart_later(self, slot: _Slot, delay: float) -> None:
        try:
            await asyncio.sleep(delay)
        finally:
            self._restarting.pop(slot.index, None)
        if not self.stopping:
            self._start(slot)
            self._changed.set()

    def _handle_exit(self, slot: _Slot, loop: asyncio.AbstractEventLoop) -> str | None:
        """A worker exited while serving: schedule its restart, or say why to give up."""
        pid = slot.process.pid if slot.process is not None else None
        uptime = loop.time() - slot.started_at
        code = self._reap(slot)
        if self.stopping:
            return None
        what = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
        if not slot.ready_once:
            slot.failures += 1
            reason = f": {slot.error}" if slot.error else " (see its log above)"
            if code == EXIT_USAGE:
                return f"worker {slot.index} cannot start{reason}"
            if slot.failures >= START_ATTEMPTS:
                return (
                    f"worker {slot.index} died before it was ready {slot.failures} times in "
                    f"a row, last with {what}{reason}"
                )
        elif uptime >= _STEADY_SECONDS:
            slot.backoff.reset()
        delay = slot.backoff.next()
        slot.restarts += 1
        if self._restarts is not None:
            self._restarts.labels(str(slot.index)).inc()
        _log.warning(
            "worker %d (pid %s) exited with %s; restarting it in %.1fs",
            slot.index,
            pid,
            what,
            delay,
        )
        self._restarting[slot.index] = asyncio.ensure_future(self._restart_later(slot, delay))
        return None

    # -- /health and /metrics ----------------------------------------------------------------

    def _setup_metrics(self) -> None:
        from prometheus_client import CollectorRegistry, Counter
        from prometheus_client.multiprocess import MultiProcessCollector

        assert self._metrics_dir is not None
        self._registry = CollectorRegistry()
        MultiProcessCollector(self._registry, path=self._metrics_dir)  # type: ignore[no-untyped-call]
        own = CollectorRegistry()
        self._restarts = Counter(
            "tasklink_worker_restarts",
            "Worker processes restarted by the supervisor after they died, by worker",
            ("worker",),
            registry=own,
        )
        self._own_registry = own

    def _render(self) -> bytes:
        from prometheus_client import generate_latest

        return bytes(generate_latest(self._registry) + generate_latest(self._own_registry))

    async def _worker_health(self, slot: _Slot) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "worker": slot.index,
            "pid": slot.process.pid if slot.process is not None else None,
            "restarts": slot.restarts,
        }
        if slot.process is None:
            return {**entry, "status": "restarting", "ready": False, "in_flight": 0}
        if slot.port is None:
            return {**entry, "status": "starting", "ready": False, "in_flight": 0}
        try:
            document = await asyncio.wait_for(_get_json(slot.port, "/health"), _HEALTH_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as exc:
            return {**entry, "status": f"not answering ({type(exc).__name__})", "ready": False}
        return {**entry, **document}

    async def _health(self) -> tuple[int, str, bytes]:
        workers = await asyncio.gather(*(self._worker_health(slot) for slot in self.slots))
        ready = not self.stopping and all(w.get("ready") for w in workers)
        if self.stopping:
            status = "stopping"
        elif ready:
            status = "ready"
        else:
            status = "; ".join(
                f"worker {w['worker']}: {w.get('status', 'unknown')}"
                for w in workers
                if not w.get("ready")
            )
        document = {
            "status": status,
            "ready": ready,
            "processes": self.count,
            "in_flight": sum(int(w.get("in_flight", 0)) for w in workers),
            "concurrency": self.settings.concurrency * self.count,
            "operations": max((int(w.get("operations", 0)) for w in workers), default=0),
            "workers": workers,
        }
        body = json.dumps(document).encode() + b"\n"
        return (200 if ready else 503), "application/json", body

    async def _route(self, path: str) -> tuple[int, str, bytes]:
        if path == "/metrics":
            return 200, CONTENT_TYPE, self._render()
        return await self._health()

    # -- the run -------------------------------------------------------------------------------

    async def run(self) -> int:
        from ._http import start_server

        loop = asyncio.get_running_loop()
        settings = self.settings
        server = None
        if settings.metrics_port is not None:
            self._metrics_dir = tempfile.mkdtemp(prefix="tasklink-metrics-")
            self._setup_metrics()
        signals = (signal.SIGTERM, signal.SIGINT)
        for signum in signals:
            loop.add_signal_handler(signum, self._on_signal, signum)
        failure: str | None = None
        try:
            if settings.metrics_port is not None:
                host, port = settings.metrics_host, settings.metrics_port
                server = await start_server(self._route, host, port)
            _log.info(
                "supervising %d worker processes for %s (concurrency %d each)",
                self.count,
                settings.engine,
                settings.concurrency,
            )
            for slot in self.slots:
                self._start(slot)
            while not self.stopping:
                self._changed.clear()
                for slot in self.slots:
                    if slot.exited is not None and slot.exited.done():
                        failure = self._handle_exit(slot, loop)
                        if failure is not None:
                            break
                if failure is not None:
                    break
                if not self.stopping:
                    await self._changed.wait()
            if failure is not None:
                _log.error("%s; giving up", failure)
                self.stopping = True
                for task in list(self._restarting.values()):
                    task.cancel()
                self._signal_workers(signal.SIGTERM)
            killed = await self._wait_all(loop)
        finally:
            for signum in signals:
                loop.remove_signal_handler(signum)
            for task in list(self._restarting.values()):
                task.cancel()
            for slot in self._live():  # only after an error above: leave no worker behind
                assert slot.process is not None
                slot.process.kill()
                self._reap(slot)
            if server is not None:
                server.close()
                await server.wait_closed()
            if self._metrics_dir is not None:
                shutil.rmtree(self._metrics_dir, ignore_errors=True)
        if failure is not None:
            sys.stderr.write(f"tasklink: error: {failure}; giving up\n")
            return EXIT_ERROR
        _log.info("stopped")
        return EXIT_ERROR if killed else EXIT_OK

    async def _wait_all(self, loop: asyncio.AbstractEventLoop) -> int:
        """Wait for the workers to drain; kill those left after the grace period plus a
        margin. Returns how many were killed."""
        deadline = loop.time() + self.settings.grace_period + KILL_MARGIN
        pending = [slot for slot in self._live() if slot.exited is not None]
        futures = [slot.exited for slot in pending if slot.exited is not None]
        if futures:
            await asyncio.wait(futures, timeout=max(deadline - loop.time(), 0))
        killed = 0
        for slot in pending:
            assert slot.process is not None
            if slot.exited is not None and not slot.exited.done():
                _log.warning(
                    "worker %d (pid %s) did not stop within the grace period; killing it",
                    slot.index,
                    slot.process.pid,
                )
                slot.process.kill()
                killed += 1
            code = self._reap(slot)
            if code not in (EXIT_OK, -signal.SIGTERM, -signal.SIGKILL):
                _log.warning("worker %d stopped with exit code %d", slot.index, code)
        return killed


async def _get_json(port: int, path: str) -> dict[str, Any]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        await writer.drain()
        response = await reader.read()
    finally:
        writer.close()
    body = response.partition(b"\r\n\r\n")[2]
    document = json.loads(body)
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    return document


def supervise(settings: RuntimeSettings, count: int) -> int:
    """Run ``count`` worker processes for ``settings`` until SIGTERM / SIGINT; the exit
    code of ``tasklink run``."""
    return asyncio.run(Supervisor(settings, count).run())
