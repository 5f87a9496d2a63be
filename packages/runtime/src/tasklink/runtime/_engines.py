"""The engine registry and the contract between the runtime and an engine adapter.

An engine adapter translates one engine's wire format to jobs and back; everything else
(secrets, validation, timeouts, concurrency, metrics, logs, shutdown) is the pipeline's.
The registry maps an engine name to ``"module:function"``, imported only when that engine
is chosen, so ``tasklink list`` never imports aio-pika or a Zeebe client::

    activiti -> tasklink.runtime.activiti:run
    camunda  -> tasklink.runtime.camunda:run

Third-party engines register the same way under the entry point group
``tasklink.runtime_engines`` (name = engine, value = ``module:function``).

The adapter contract
--------------------
::

    async def run(settings: RuntimeSettings, pipeline: Pipeline) -> None

``settings``
    The merged :class:`~tasklink.runtime.RuntimeSettings`. Read the engine's own section
    with ``settings.section("camunda", CamundaSettings)`` where ``CamundaSettings`` is a
    pydantic model the engine defines (``extra="forbid"`` recommended). The section holds
    the ``[camunda]`` TOML table, ``TASKLINK_CAMUNDA_<KEY>`` variables (key lower-cased,
    values as strings, JSON for values starting with ``[`` or ``{``) and
    ``tasklink run -o KEY=VALUE`` flags, in rising precedence; invalid values raise
    :class:`~tasklink.runtime.SettingsError` naming the key and its source.
    ``settings.concurrency``, ``settings.grace_period`` and ``settings.job_timeout`` are
    the generic limits.

``pipeline``
    The :class:`~tasklink.runtime.Pipeline`, already built with the served connectors.
    The adapter uses:

    * ``pipeline.operations`` / ``pipeline.connectors`` (and ``find_operation(...)``,
      ``connector_for_job_type(...)``) to know what to subscribe to;
    * ``await pipeline.run(operation, job, timeout=...)`` to run one
      :class:`~tasklink.core.Job` to an outcome (``Completed`` / ``Failed`` /
      ``BpmnErrorThrown``); it never raises for anything a job does, bounds concurrency
      to ``settings.concurrency``, applies the timeout, records metrics and logs;
    * ``pipeline.spawn(coro)`` to start the work for one job as a tracked task (so the
      shutdown can wait for it), and ``pipeline.free_slots`` to size fetches;
    * ``pipeline.set_ready(True | False, status)`` for ``/health``;
    * ``pipeline.metrics.rejected(engine, reason)`` for messages it cannot use.

Lifecycle the adapter must follow:

1. connect and subscribe, then ``pipeline.set_ready(True)``;
2. serve until ``await pipeline.wait_stopping()`` returns (SIGTERM / SIGINT, or an
   embedding application calling ``pipeline.stop()``);
3. stop fetching new work, then ``unfinished = await pipeline.drain()``: it waits up to
   the grace period for the spawned tasks and cancels those still running (a cancelled
   task should hand its job back to the engine, e.g. nack-requeue or fail with retries
   unchanged; ``drain`` returns the number cancelled);
4. disconnect and return. Raise :class:`EngineError` for fatal configuration problems
   (the CLI prints the message and exits 2); any other exception exits 1. ``serve``
   then calls ``pipeline.aclose()`` (connector shutdown hooks, thread pool): the adapter
   does not.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from ._pipeline import Pipeline
    from ._settings import RuntimeSettings

__all__ = [
    "BUILTIN_ENGINES",
    "ENGINES_GROUP",
    "EngineError",
    "EngineRunner",
    "engine_names",
    "engines",
    "load_engine",
]

ENGINES_GROUP = "tasklink.runtime_engines"

BUILTIN_ENGINES: dict[str, str] = {
    "activiti": "tasklink.runtime.activiti:run",
    "camunda": "tasklink.runtime.camunda:run",
}

EngineRunner = Callable[["RuntimeSettings", "Pipeline"], Awaitable[None]]


class EngineError(RuntimeError):
    """An engine cannot start: unknown, not installed, or configured wrongly."""


def engines() -> dict[str, str]:
    """Engine name -> ``"module:function"``: the built-in ones and the plugins."""
    from importlib.metadata import entry_points  # deferred: costs ~50 ms to import

    found = dict(BUILTIN_ENGINES)
    for ep in entry_points(group=ENGINES_GROUP):
        found.setdefault(ep.name, ep.value)
    return found


def engine_names() -> list[str]:
    return sorted(engines())


def load_engine(name: str) -> EngineRunner:
    """Import the adapter function of engine ``name``."""
    known = engines()
    target = known.get(name)
    if target is None:
        raise EngineError(f"unknown engine {name!r}; known: {', '.join(sorted(known))}")
    module_name, _, attribute = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        hint = " (install tasklink-runtime[zeebe])" if name == "camunda" else ""
        raise EngineError(f"engine {name!r} is not available{hint}: {exc}") from exc
    runner: Any = getattr(module, attribute, None)
    if not callable(runner):
        raise EngineError(f"engine {name!r}: {target} is not a function")
    return cast(EngineRunner, runner)
