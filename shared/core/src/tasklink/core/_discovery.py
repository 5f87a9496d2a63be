"""Finding installed connectors through the ``tasklink.connectors`` entry points.

Each distribution registers one entry point per connector pointing at its
:class:`~tasklink.core.Connector` object. Loading it imports only the connector's
declaration module (pydantic models and this core); client libraries load on first use.
A plugin that fails to load is reported with its distribution name and skipped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint
    from importlib.resources.abc import Traversable

from ._connector import Connector

__all__ = ["CONNECTORS_GROUP", "DiscoveredConnector", "Discovery", "PluginError", "discover"]

CONNECTORS_GROUP = "tasklink.connectors"

_log = logging.getLogger("tasklink.core.discovery")


@dataclass(frozen=True, slots=True)
class DiscoveredConnector:
    """An installed connector with the distribution that provides it."""

    connector: Connector
    distribution: str
    version: str

    @property
    def template_files(self) -> list[Traversable]:
        return self.connector.template_files()


@dataclass(frozen=True, slots=True)
class PluginError:
    """An entry point that could not be loaded."""

    entry_point: str
    distribution: str
    message: str


@dataclass(slots=True)
class Discovery:
    """The result of a discovery: usable connectors and the plugins that failed."""

    connectors: list[DiscoveredConnector] = field(default_factory=list)
    errors: list[PluginError] = field(default_factory=list)

    def find(self, key: str) -> DiscoveredConnector:
        """Find a connector by id, short name or job type, else a vendor contract a
        connector serves (by its job type or name); :class:`KeyError` otherwise."""
        for found in self.connectors:
            c = found.connector
            if key in (c.id, c.name, c.job_type):
                return found
        for found in self.connectors:
            for contract in found.connector.contracts:
                if key in (contract.id, contract.name, contract.job_type):
                    return DiscoveredConnector(contract, found.distribution, found.version)
        known = ", ".join(sorted(d.connector.name for d in self.connectors)) or "none"
        raise KeyError(f"no installed connector {key!r} (installed: {known})")


def _load(ep: EntryPoint) -> Connector:
    obj = ep.load()
    if not isinstance(obj, Connector):
        raise TypeError(f"{ep.value} is a {type(obj).__name__}, not a tasklink Connector")
    return obj


def discover(group: str = CONNECTORS_GROUP) -> Discovery:
    """Load every connector entry point; duplicates of an id keep the first seen."""
    result = Discovery()
    seen: dict[str, str] = {}
    from importlib.metadata import entry_points  # deferred: costs ~50 ms to import

    for ep in sorted(entry_points(group=group), key=lambda e: (e.name, e.value)):
        dist = ep.dist.name if ep.dist else "unknown distribution"
        version = ep.dist.version if ep.dist else "0"
        try:
            connector = _load(ep)
        except Exception as exc:  # a broken plugin must never take the runtime down
            message = f"{type(exc).__name__}: {exc}"
            _log.error("connector %r from %s failed to load: %s", ep.name, dist, message)
            result.errors.append(PluginError(ep.name, dist, message))
            continue
        if connector.id in seen:
            message = f"connector id {connector.id!r} is already provided by {seen[connector.id]}"
            result.errors.append(PluginError(ep.name, dist, message))
            continue
        seen[connector.id] = dist
        result.connectors.append(DiscoveredConnector(connector, dist, version))
    return result
