"""Runtime settings: command-line flags over ``TASKLINK_*`` environment variables over a TOML file.

Generic settings (concurrency, grace period, metrics, logs, secrets, connectors) live at the
top level of the TOML file and in ``TASKLINK_<NAME>`` variables. Each engine has its own
section: ``[activiti]`` / ``TASKLINK_ACTIVITI_<NAME>``, ``[camunda]`` /
``TASKLINK_CAMUNDA_<NAME>``. Sections are kept raw here and validated by the engine that
owns them through :meth:`RuntimeSettings.section`, so an engine adds settings without
touching this module.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from tasklink.core import DEFAULT_DOCUMENT_MAX_BYTES, DEFAULT_SECRET_PREFIX, EXPRESSION_TIMEOUT

from ._engines import engine_names

__all__ = [
    "DEFAULT_JOB_TIMEOUT",
    "ENV_PREFIX",
    "RuntimeSettings",
    "SettingsError",
    "load_settings",
]

ENV_PREFIX = "TASKLINK_"
CONFIG_ENV = "TASKLINK_CONFIG"
#: Seconds a job may run when neither the operation nor the operator says otherwise.
DEFAULT_JOB_TIMEOUT = 300.0
# Generic settings whose values are TOML tables (every other table is an engine section).
_TABLES = frozenset({"secrets_allowed", "vendor_names"})

M = TypeVar("M", bound=BaseModel)

_NAME_LIST_EXAMPLES = {
    "secrets_allowed": '{"http": ["API_TOKEN", "GITHUB_*"]}',
    "vendor_names": '{"rest": ["rest", "billing"]}',
}


class SettingsError(ValueError):
    """A setting is unknown or invalid; the message names it and where it came from."""


class RuntimeSettings(BaseModel):
    """Settings every engine shares. Engine sections are validated by the engines."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    engine: str | None = Field(None, description="Engine to serve: activiti or camunda")
    concurrency: int = Field(
        16, ge=1, le=4096, description="Jobs run at the same time (in each worker process)"
    )
    processes: int | Literal["auto"] = Field(
        1,
        description="Worker processes serving the engine under one supervisor (auto: one "
        "per CPU this process may use); 1 serves in this process",
    )
    grace_period: float = Field(
        30.0, ge=0, description="Seconds in-flight jobs get to finish on shutdown"
    )
    job_timeout: float | None = Field(
        None,
        gt=0,
        allow_inf_nan=False,
        description="Time limit of a job in seconds, its result and error expressions "
        "included, when the operation sets none (unset: 300, or on Camunda what the job's "
        "activation timeout leaves)",
    )
    expression_timeout: float = Field(
        EXPRESSION_TIMEOUT,
        gt=0,
        allow_inf_nan=False,
        description="Seconds one result or error expression may take (within the job's time limit)",
    )
    expression_max_steps: int | None = Field(
        None,
        ge=1,
        description="Work budget of one expression evaluation in steps (unset: the "
        "evaluator's default)",
    )
    saturation_threshold: float = Field(
        30.0,
        ge=0,
        allow_inf_nan=False,
        description="Seconds every job slot may stay busy before /health reports the "
        "runtime saturated (not ready)",
    )
    document_max_bytes: int = Field(
        DEFAULT_DOCUMENT_MAX_BYTES,
        ge=1,
        description="Most bytes a job may read or store of one document (file)",
    )
    metrics_port: int | None = Field(
        None, ge=0, le=65535, description="Serve /health and /metrics on this port"
    )
    metrics_host: str = Field("127.0.0.1", description="Address the metrics server binds")
    log_format: Literal["text", "json"] = Field("text", description="text or json log lines")
    log_level: str = Field("INFO", description="Log level name")
    secrets_prefix: str = Field(
        DEFAULT_SECRET_PREFIX, description="Name prefix of secret environment variables"
    )
    secrets_environment: Literal["prefixed", "all", "off"] = Field(
        "prefixed",
        description="Which environment variables are secrets: prefixed (only "
        "<secrets_prefix>NAME), all (also the bare environment, the runtime's own "
        "settings excepted) or off",
    )
    secrets_file: Path | None = Field(None, description="dotenv-style file with secrets")
    secrets_allowed: dict[str, tuple[str, ...]] = Field(
        default_factory=dict,
        description="Secret names (or NAME_* patterns) each connector may resolve, by "
        "connector id, name or job type; '*' for every connector not listed",
    )
    connectors: tuple[str, ...] = Field(
        (), description="Serve only these connectors (id, short name or job type)"
    )
    load: tuple[str, ...] = Field(
        (), description="Extra connectors to serve, as module:attribute references"
    )
    vendor_contracts: tuple[str, ...] = Field(
        (),
        description="Vendor connectors' contracts to serve for the engine, so processes "
        "modelled with Camunda's or Alfresco's own connectors run unchanged: all, or job "
        "types (Camunda) and connector names (Activiti), e.g. io.camunda:http-json:1,rest",
    )
    vendor_names: dict[str, tuple[str, ...]] = Field(
        default_factory=dict,
        description="The Activiti connector names a served contract answers to, by its "
        'name (APA projects name their connector instances): {"rest": ["rest", "billing"]}',
    )
    discover: bool = Field(True, description="Serve the connectors installed as plugins")
    config_file: Path | None = Field(None, description="The TOML file the settings came from")
    engines: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Raw engine sections, validated by the engines"
    )

    _sources: dict[str, str] = PrivateAttr(default_factory=dict)

    @field_validator("log_level")
    @classmethod
    def _check_level(cls, value: str) -> str:
        name = value.strip().upper()
        if not isinstance(logging.getLevelName(name), int):
            raise ValueError(f"unknown log level {value!r}; use DEBUG, INFO, WARNING or ERROR")
        return name

    @field_validator("processes", mode="before")
    @classmethod
    def _check_processes(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip().lower()
            if text == "auto":
                return "auto"
            try:
                value = int(text)
            except ValueError:
                raise ValueError("expected a number of processes (1 or more) or auto") from None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("expected a number of processes (1 or more) or auto")
        if value < 1:
            raise ValueError("must be 1 or more (or auto)")
        return value

    @property
    def process_count(self) -> int:
        """How many worker processes ``processes`` means here (``auto``: the CPUs this
        process may run on)."""
        return cpu_count() if self.processes == "auto" else self.processes

    @field_validator("secrets_prefix")
    @classmethod
    def _check_prefix(cls, value: str) -> str:
        if not value:
            # An empty prefix would hand process data the whole environment by accident.
            raise ValueError(
                "must not be empty; to read secrets from the whole environment set "
                "secrets_environment to all"
            )
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise ValueError("must be letters, digits and underscores, like TASKLINK_SECRET_")
        return value

    @field_validator("secrets_allowed", "vendor_names", mode="before")
    @classmethod
    def _name_lists(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str):  # from the environment: a JSON object
            try:
                value = json.loads(value)
            except ValueError:
                example = _NAME_LIST_EXAMPLES[info.field_name or ""]
                raise ValueError(f"expected a JSON object such as {example}") from None
        if isinstance(value, dict):
            return {k: (v.split(",") if isinstance(v, str) else v) for k, v in value.items()}
        return value

    @field_validator("connectors", "load", "vendor_contracts", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    def source(self, key: str) -> str:
        """Where a setting came from (``--flag``, an environment variable, the file)."""
        return self._sources.get(key, "default")

    def section(self, name: str, model: type[M]) -> M:
        """Validate engine section ``name`` (``[activiti]``...) into ``model``.

        Raises :class:`SettingsError` naming each bad key and where it came from.
        """
        data = self.engines.get(name, {})
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise _settings_error(exc, self._sources, prefix=f"{name}.") from None


def cpu_count() -> int:
    """The CPUs this process may run on (its affinity mask where the platform has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return os.cpu_count() or 1


def _settings_error(
    exc: ValidationError, sources: Mapping[str, str], prefix: str = ""
) -> SettingsError:
    problems = []
    for error in exc.errors(include_url=False):
        message = "unknown setting" if error["type"] == "extra_forbidden" else error["msg"]
        if not error["loc"]:  # a check across several settings
            problems.append(f"[{prefix[:-1]}]: {message}" if prefix else message)
            continue
        key = prefix + str(error["loc"][0])
        source = sources.get(key, "default")
        shown = f"[{prefix[:-1]}] {key[len(prefix) :]}" if prefix else key
        problems.append(f"{shown} (from {source}): {message}")
    return SettingsError("invalid settings: " + "; ".join(problems))


_GENERIC = tuple(name for name in RuntimeSettings.model_fields if name not in ("engines",))


def _env_value(raw: str) -> Any:
    text = raw.strip()
    if text[:1] in ("[", "{"):
        try:
            return json.loads(text)
        except ValueError:
            return raw
    return raw


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"config file {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise SettingsError(f"config file {path} cannot be read: {exc.strerror}") from None


def load_settings(
    flags: Mapping[str, Any] | None = None,
    *,
    engine_flags: Mapping[str, Mapping[str, Any]] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: str | os.PathLike[str] | None = None,
) -> RuntimeSettings:
    """Merge settings: ``flags`` (and ``engine_flags`` per section) over ``TASKLINK_*``
    variables over the TOML file (``config_file``, else ``TASKLINK_CONFIG``).

    ``None`` flag values mean "not given" and are skipped.
    """
    env = os.environ if environ is None else environ
    engines = set(engine_names())
    values: dict[str, Any] = {}
    sections: dict[str, dict[str, Any]] = {}
    sources: dict[str, str] = {}

    path_text = config_file if config_file is not None else env.get(CONFIG_ENV)
    path = Path(path_text) if path_text else None
    if path is not None:
        label = str(path)
        for key, value in _read_toml(path).items():
            if isinstance(value, dict) and key not in _TABLES:
                if key not in engines:
                    known = ", ".join(sorted(engines))
                    raise SettingsError(
                        f"config file {path}: unknown section [{key}]; known sections: {known}"
                    )
                sections.setdefault(key, {}).update(value)
                sources.update({f"{key}.{k}": label for k in value})
            else:
                values[key] = value
                sources[key] = label
        values["config_file"] = path
        sources["config_file"] = CONFIG_ENV if config_file is None else "--config"

    for name in _GENERIC:
        if name == "config_file":
            continue
        variable = ENV_PREFIX + name.upper()
        if variable in env:
            values[name] = env[variable]
            sources[name] = variable
    for variable, raw in env.items():
        for engine in engines:
            prefix = f"{ENV_PREFIX}{engine.upper()}_"
            if variable.startswith(prefix) and len(variable) > len(prefix):
                key = variable[len(prefix) :].lower()
                sections.setdefault(engine, {})[key] = _env_value(raw)
                sources[f"{engine}.{key}"] = variable

    for name, value in (flags or {}).items():
        if value is not None:
            values[name] = value
            sources[name] = "--" + name.replace("_", "-")
    for engine, options in (engine_flags or {}).items():
        for key, value in options.items():
            if value is not None:
                sections.setdefault(engine, {})[key] = value
                sources[f"{engine}.{key}"] = f"--{key.replace('_', '-')}"

    values["engines"] = sections
    try:
        settings = RuntimeSettings.model_validate(values)
    except ValidationError as exc:
        raise _settings_error(exc, sources) from None
    if settings.engine is not None and settings.engine not in engines:
        known = ", ".join(sorted(engines))
        raise SettingsError(
            f"unknown engine {settings.engine!r} (from {sources.get('engine')}); known: {known}"
        )
    settings._sources = sources
    return settings
