"""Process variables in scopes, as Zeebe keeps them.

One scope for the process instance, one for each running embedded subprocess (its input
mappings' variables), and one for each running task (its input mappings' variables, the
job's variables). Reading sees every enclosing scope, the innermost first. Writing
*propagates*: a variable is set in the nearest scope that already has it, else created in
the process instance's scope, which is how Zeebe merges a job's variables.

SpiffWorkflow keeps data per task token and copies it along the path; the engine leaves
that empty and keeps the variables here, keyed by Spiff's workflow and task ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

__all__ = ["Scopes", "set_target"]


def set_target(scope: dict[str, Any], target: str, value: Any, visible: Mapping[str, Any]) -> str:
    """Set ``target`` (a name, or a dotted path ``a.b.c`` into a context) in ``scope``;
    a path merges into the visible value of its first name. Returns that name."""
    name, dot, rest = target.partition(".")
    if not dot:
        scope[name] = value
        return name
    current = scope.get(name, visible.get(name))
    root: dict[str, Any] = dict(current) if isinstance(current, Mapping) else {}
    node = root
    parts = rest.split(".")
    for part in parts[:-1]:
        child = node.get(part)
        node[part] = dict(child) if isinstance(child, Mapping) else {}
        node = node[part]
    node[parts[-1]] = value
    scope[name] = root
    return name


class Scopes:
    """The variable scopes of one process instance."""

    def __init__(self, variables: Mapping[str, Any]) -> None:
        self.root: dict[str, Any] = dict(variables)
        self._scopes: dict[UUID, dict[str, Any]] = {}

    def open(self, key: UUID, variables: Mapping[str, Any]) -> None:
        """A scope for the subprocess or task ``key``, holding ``variables``."""
        self._scopes[key] = dict(variables)

    def close(self, key: UUID) -> dict[str, Any]:
        """Drop the scope ``key`` (if open) and return its variables."""
        return self._scopes.pop(key, {})

    def local(self, key: UUID) -> dict[str, Any] | None:
        return self._scopes.get(key)

    def chain(self, keys: list[UUID]) -> list[dict[str, Any]]:
        """The open scopes of ``keys`` (innermost first), then the root scope."""
        found = [self._scopes[k] for k in keys if k in self._scopes]
        found.append(self.root)
        return found

    def visible(self, keys: list[UUID]) -> dict[str, Any]:
        """Every variable visible from the innermost of ``keys``."""
        chain = self.chain(keys)
        if len(chain) == 1:
            return dict(self.root)
        merged: dict[str, Any] = {}
        for scope in reversed(chain):
            merged.update(scope)
        return merged

    def propagate(self, keys: list[UUID], variables: Mapping[str, Any]) -> None:
        """Set each of ``variables`` where it exists along ``keys``, else in the root."""
        chain = self.chain(keys)
        for name, value in variables.items():
            for scope in chain:
                if name in scope:
                    scope[name] = value
                    break
            else:
                self.root[name] = value
