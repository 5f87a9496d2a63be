"""Which connectors a runtime serves, and where its secrets come from."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable
from pathlib import Path

from tasklink.core import (
    Connector,
    DotenvSecretProvider,
    EnvironmentSecretProvider,
    PluginError,
    SecretChain,
    SecretProvider,
    discover,
    load_plugin_secret_providers,
)

from ._settings import RuntimeSettings, SettingsError

__all__ = ["default_secrets", "load_connector_ref", "matches", "select_connectors"]

_log = logging.getLogger("tasklink.runtime")


def default_secrets(prefix: str = "", secrets_file: Path | None = None) -> SecretChain:
    """Environment (with ``prefix``), then the dotenv file, then plugin providers."""
    providers: list[SecretProvider] = [EnvironmentSecretProvider(prefix)]
    if secrets_file is not None:
        if not secrets_file.is_file():
            raise SettingsError(f"secrets file {secrets_file} does not exist")
        providers.append(DotenvSecretProvider(secrets_file))
    providers.extend(load_plugin_secret_providers())
    return SecretChain(providers)


def load_connector_ref(ref: str) -> list[Connector]:
    """Import ``module:attribute``: a Connector or an iterable of Connectors."""
    module_name, sep, attribute = ref.partition(":")
    if not sep or not module_name or not attribute:
        raise SettingsError(f"load {ref!r}: expected module:attribute")
    try:
        target: object = importlib.import_module(module_name)
        for part in attribute.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as exc:
        raise SettingsError(f"load {ref!r}: {type(exc).__name__}: {exc}") from None
    if isinstance(target, Connector):
        return [target]
    if isinstance(target, Iterable) and not isinstance(target, str | bytes):
        items = list(target)
        if items and all(isinstance(item, Connector) for item in items):
            return items
    raise SettingsError(f"load {ref!r}: {type(target).__name__} is not a tasklink Connector")


def matches(connector: Connector, key: str) -> bool:
    return key in (connector.id, connector.name, connector.job_type)


def select_connectors(
    settings: RuntimeSettings,
) -> tuple[list[Connector], list[PluginError]]:
    """Discovered plugins (unless ``discover`` is off) plus ``load`` references, filtered
    by ``connectors`` when it is set. Broken plugins are returned, not raised."""
    found: list[Connector] = []
    errors: list[PluginError] = []
    if settings.discover:
        discovery = discover()
        found.extend(d.connector for d in discovery.connectors)
        errors.extend(discovery.errors)
    for ref in settings.load:
        found.extend(load_connector_ref(ref))
    unique: dict[str, Connector] = {}
    for connector in found:
        if connector.id in unique and unique[connector.id] is not connector:
            _log.warning("connector %s is provided twice; serving the first", connector.id)
            continue
        unique.setdefault(connector.id, connector)
    selected = list(unique.values())
    if settings.connectors:
        missing = [k for k in settings.connectors if not any(matches(c, k) for c in selected)]
        if missing:
            known = ", ".join(sorted(c.name for c in selected)) or "none"
            raise SettingsError(
                f"connectors: {', '.join(missing)} not installed (installed: {known})"
            )
        selected = [c for c in selected if any(matches(c, k) for k in settings.connectors)]
    return selected, errors
