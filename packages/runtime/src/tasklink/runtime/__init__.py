"""tasklink-runtime: serve tasklink connectors to process engines.

* :class:`Pipeline` - the one path from a job to an outcome that every engine adapter
  shares (core's :class:`~tasklink.core.JobExecutor` plus concurrency, a thread pool for
  synchronous operations, cancellation, metrics, logs, health and graceful shutdown);
* :func:`serve` - run an engine adapter with signal handling and the metrics server;
* :class:`RuntimeSettings` / :func:`load_settings` - flags over ``TASKLINK_*`` variables
  over a TOML file;
* the engine registry (:mod:`tasklink.runtime._engines` documents the adapter contract);
* the ``tasklink`` command line (``tasklink --help``).

Engine adapters live in subpackages (``tasklink.runtime.activiti``,
``tasklink.runtime.camunda``) and are imported only when chosen.
"""

from .__about__ import __version__
from ._cli import COMMANDS_GROUP, secret_arguments, secret_flags
from ._connectors import default_secrets, load_connector_ref, select_connectors
from ._engines import (
    BUILTIN_ENGINES,
    ENGINES_GROUP,
    EngineError,
    EngineRunner,
    engines,
    load_engine,
)
from ._invoke import CommandInputError, InvokeResult, invoke, read_input
from ._logging import JsonFormatter, configure_logging, silence_logging
from ._metrics import Metrics, NullMetrics
from ._pipeline import Pipeline, outcome_label
from ._serve import build_pipeline, guard_outbound_by_default, serve
from ._settings import RuntimeSettings, SettingsError, load_settings

__all__ = [
    "BUILTIN_ENGINES",
    "COMMANDS_GROUP",
    "ENGINES_GROUP",
    "CommandInputError",
    "EngineError",
    "EngineRunner",
    "InvokeResult",
    "JsonFormatter",
    "Metrics",
    "NullMetrics",
    "Pipeline",
    "RuntimeSettings",
    "SettingsError",
    "__version__",
    "build_pipeline",
    "configure_logging",
    "default_secrets",
    "engines",
    "guard_outbound_by_default",
    "invoke",
    "load_connector_ref",
    "load_engine",
    "load_settings",
    "outcome_label",
    "read_input",
    "secret_arguments",
    "secret_flags",
    "select_connectors",
    "serve",
    "silence_logging",
]
