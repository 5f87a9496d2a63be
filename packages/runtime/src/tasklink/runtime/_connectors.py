"""Which connectors a runtime serves, where its secrets come from and which each may use."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable, Mapping

from tasklink.core import (
    Connector,
    DotenvSecretProvider,
    EnvironmentSecretProvider,
    PluginError,
    SecretChain,
    SecretProvider,
    VendorContract,
    discover,
    load_plugin_secret_providers,
)

from ._settings import RuntimeSettings, SettingsError

__all__ = [
    "default_secrets",
    "environment_secrets",
    "load_connector_ref",
    "matches",
    "secret_allow_lists",
    "select_connectors",
    "served_contracts",
]

_log = logging.getLogger("tasklink.runtime")


def environment_secrets(settings: RuntimeSettings) -> list[SecretProvider]:
    """The environment providers ``secrets_environment`` asks for: ``<prefix>NAME``
    variables, then (``all``) the bare environment; none when it is ``off``."""
    if settings.secrets_environment == "off":
        return []
    providers: list[SecretProvider] = [EnvironmentSecretProvider(settings.secrets_prefix)]
    if settings.secrets_environment == "all":
        providers.append(EnvironmentSecretProvider(""))
    return providers


def default_secrets(settings: RuntimeSettings) -> SecretChain:
    """The environment (as ``secrets_environment`` says), then the secrets file, then
    plugin providers. Raises :class:`SettingsError` for a secrets file it cannot read."""
    providers = environment_secrets(settings)
    if settings.secrets_file is not None:
        dotenv = DotenvSecretProvider(settings.secrets_file)
        problem = dotenv.problem()
        if problem is not None:
            raise SettingsError(f"{problem} (secrets_file from {settings.source('secrets_file')})")
        providers.append(dotenv)
    providers.extend(load_plugin_secret_providers())
    return SecretChain(providers)


def secret_allow_lists(
    allowed: Mapping[str, Iterable[str]], connectors: Iterable[Connector]
) -> dict[str, tuple[str, ...]]:
    """``secrets_allowed`` by connector id (``"*"`` kept as it is). A key that names no
    known connector is an error: a typo must not leave a connector unrestricted."""
    known = list(connectors)
    lists: dict[str, tuple[str, ...]] = {}
    for key, names in allowed.items():
        if key == "*":
            lists["*"] = tuple(names)
            continue
        found = [c for c in known if matches(c, key)]
        if not found:
            names_known = ", ".join(sorted(c.name for c in known)) or "none"
            raise SettingsError(f"secrets_allowed: no connector {key!r} (known: {names_known})")
        for connector in found:
            lists[connector.id] = tuple(names)
    for connector in known:  # a contract resolves what the connector it runs on may
        if isinstance(connector, VendorContract) and connector.serves.id in lists:
            lists.setdefault(connector.id, lists[connector.serves.id])
    return lists


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


def served_contracts(
    settings: RuntimeSettings, connectors: Iterable[Connector]
) -> list[VendorContract]:
    """The vendor contracts of ``connectors`` that ``vendor_contracts`` turns on for
    ``settings.engine`` (every engine's when none is chosen), under the Activiti names
    ``vendor_names`` gives. A key that names no contract is an error: a typo must not
    leave a vendor's processes unserved."""
    wanted = settings.vendor_contracts
    declared = [contract for c in connectors for contract in c.contracts]
    if not wanted:
        if settings.vendor_names:
            raise SettingsError("vendor_names: set vendor_contracts to serve contracts")
        return []

    def named(contract: VendorContract, key: str) -> bool:
        return key in (contract.id, contract.name, contract.job_type)

    known = ", ".join(sorted({c.key for c in declared})) or "none"
    if "all" in wanted:
        chosen = declared
    else:
        missing = [k for k in wanted if not any(named(c, k) for c in declared)]
        if missing:
            raise SettingsError(
                f"vendor_contracts: no contract {', '.join(missing)} (installed: {known})"
            )
        chosen = [c for c in declared if any(named(c, k) for k in wanted)]
    engine = settings.engine
    chosen = [c for c in chosen if engine is None or c.engine == engine]
    for key in settings.vendor_names:
        if not any(c.engine == "activiti" and c.name == key for c in chosen):
            raise SettingsError(
                f"vendor_names: {key!r} is not a served Activiti contract (installed: {known})"
            )
    served: list[VendorContract] = []
    for contract in chosen:
        names = settings.vendor_names.get(contract.name) if contract.engine == "activiti" else None
        if not names:
            served.append(contract)
            continue
        served.extend(contract if n == contract.name else contract.renamed(n) for n in names)
    return served
