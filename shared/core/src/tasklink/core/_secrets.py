"""``{{secrets.NAME}}`` placeholders and the providers that resolve them.

Placeholders may stand anywhere in any string of the input, at any depth of nested dicts
and lists. They are replaced in one pass before validation, so a secret value that itself
looks like a placeholder is inserted as it is and never interpreted again.

Process data decides which names are looked up, so secrets come only from sources an
operator set up for them: environment variables under a dedicated prefix
(:data:`DEFAULT_SECRET_PREFIX`), a secrets file, secret providers. The bare environment
(``prefix=""``) is a source only when asked for explicitly, and even then the names of the
runtime's own settings (:data:`RESERVED_PREFIXES`) are never resolved.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ._errors import ErrorCode, InputError
from ._redaction import Redactor

__all__ = [
    "DEFAULT_SECRET_PREFIX",
    "RESERVED_PREFIXES",
    "DotenvSecretProvider",
    "EnvironmentSecretProvider",
    "MappingSecretProvider",
    "SecretChain",
    "SecretProvider",
    "SecretResolver",
    "load_plugin_secret_providers",
]

SECRET_PROVIDERS_GROUP = "tasklink.secret_providers"  # noqa: S105 - a group name
#: ``{{secrets.API_KEY}}`` reads the environment variable ``TASKLINK_SECRET_API_KEY``.
DEFAULT_SECRET_PREFIX = "TASKLINK_SECRET_"  # noqa: S105 - a name prefix
#: Variables no environment provider gives out, whatever its prefix: the runtime's own
#: settings and credentials (tasklink's, and the Camunda variables it reads).
RESERVED_PREFIXES: tuple[str, ...] = ("TASKLINK_", "CAMUNDA_", "ZEEBE_")

_log = logging.getLogger("tasklink.core.secrets")

_NAME = r"[A-Za-z_][A-Za-z0-9_.\-]*"
# One scanner for well-formed and malformed placeholders: the malformed branches exist so
# that a typo gives a clear input error instead of a literal "{{secrets.x" sent upstream.
_PLACEHOLDER = re.compile(r"\{\{\s*secrets\.(?:(?P<name>" + _NAME + r")\s*\}\}|(?P<bad>[^}\s]*))")
# Camunda's legacy form, ``secrets.NAME`` anywhere in a string, as its connector runtime
# matches it: served for processes modelled for Camunda's connectors (vendor contracts).
_LEGACY_PLACEHOLDER = re.compile(r"\bsecrets\.((?:[a-zA-Z0-9]+[/._-])*[a-zA-Z0-9]+)")


@runtime_checkable
class SecretProvider(Protocol):
    """Looks up one secret by name; returns ``None`` when it does not know the name."""

    def get_secret(self, name: str) -> str | None: ...


class EnvironmentSecretProvider:
    """Secrets from environment variables under a name prefix.

    ``{{secrets.API_KEY}}`` reads ``TASKLINK_SECRET_API_KEY`` (the default prefix). An
    empty ``prefix`` reads the bare environment, where anything the process was started
    with (a broker URL with its password, ``HOME``) becomes readable by process data: use
    it only on purpose. Variables whose full names start with one of ``reserved`` (the
    runtime's own settings) are never read, whatever the prefix (``TASKLINK_`` and the
    name ``ACTIVITI_URL`` must not reach ``TASKLINK_ACTIVITI_URL``); only the dedicated
    namespace :data:`DEFAULT_SECRET_PREFIX` is open to a non-empty prefix.
    """

    def __init__(
        self,
        prefix: str = DEFAULT_SECRET_PREFIX,
        environ: Mapping[str, str] | None = None,
        *,
        reserved: Iterable[str] = RESERVED_PREFIXES,
    ) -> None:
        self.prefix = prefix
        self.reserved = tuple(r.upper() for r in reserved)
        self._environ = os.environ if environ is None else environ

    def get_secret(self, name: str) -> str | None:
        variable = self.prefix + name
        upper = variable.upper()
        if upper.startswith(self.reserved) and not (
            self.prefix and upper.startswith(DEFAULT_SECRET_PREFIX)
        ):
            return None
        return self._environ.get(variable)

    def __repr__(self) -> str:
        return f"EnvironmentSecretProvider(prefix={self.prefix!r})"


class DotenvSecretProvider:
    """Secrets from a dotenv-style file (``NAME=value`` lines), read once on first use."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._values: dict[str, str] | None = None

    def _load(self) -> dict[str, str]:
        if self._values is None:
            problem = self.problem()
            if problem is not None:
                raise InputError(problem, field="secrets file")
            from dotenv import dotenv_values

            values = dotenv_values(self.path, interpolate=False)
            self._values = {k: v for k, v in values.items() if v is not None}
        return self._values

    def problem(self) -> str | None:
        """Why the file cannot be read (not there, a directory...), or ``None``."""
        return _file_problem(self.path)

    def get_secret(self, name: str) -> str | None:
        return self._load().get(name)

    def __repr__(self) -> str:
        return f"DotenvSecretProvider({str(self.path)!r})"


def _file_problem(path: Path) -> str | None:
    if path.is_dir():
        return f"secrets file {path} is a directory, not a file"
    if not path.exists():
        return f"secrets file {path} does not exist"
    if not path.is_file():
        # A pipe (``<(vault ...)``) could be read once, but every worker process and
        # every restart reads the file anew.
        return f"secrets file {path} is not a regular file (a device, pipe or socket)"
    if not os.access(path, os.R_OK):
        return f"secrets file {path} cannot be read (permission denied)"
    return None


class MappingSecretProvider:
    """Secrets from an in-memory mapping (tests, embedding applications)."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)

    def get_secret(self, name: str) -> str | None:
        return self._values.get(name)

    def __repr__(self) -> str:
        return f"MappingSecretProvider({len(self._values)} secrets)"


class SecretChain:
    """Asks each provider in turn; the first that knows a name wins."""

    def __init__(self, providers: Iterable[SecretProvider]) -> None:
        self.providers = list(providers)

    def get_secret(self, name: str) -> str | None:
        for provider in self.providers:
            value = provider.get_secret(name)
            if value is not None:
                return value
        return None

    def __repr__(self) -> str:
        return f"SecretChain({self.providers!r})"


def load_plugin_secret_providers() -> list[SecretProvider]:
    """Instantiate the providers registered under the ``tasklink.secret_providers`` group.

    A broken plugin is logged with its distribution name and skipped.
    """
    providers: list[SecretProvider] = []
    from importlib.metadata import entry_points  # deferred: costs ~50 ms to import

    for ep in entry_points(group=SECRET_PROVIDERS_GROUP):
        dist = ep.dist.name if ep.dist else "unknown distribution"
        try:
            factory: Callable[[], Any] = ep.load()
            provider = factory()
        except Exception as exc:  # a plugin must never take the runtime down
            _log.error("secret provider %r from %s failed to load: %s", ep.name, dist, exc)
            continue
        if not isinstance(provider, SecretProvider):
            _log.error("secret provider %r from %s has no get_secret(name)", ep.name, dist)
            continue
        providers.append(provider)
    return providers


_Path = tuple[Any, str | int] | None
_SCALARS = frozenset({int, float, bool, type(None)})


def _path_text(path: _Path) -> str:
    parts: list[str | int] = []
    while path is not None:
        path, part = path
        parts.append(part)
    text = ""
    for part in reversed(parts):
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _name_matcher(patterns: Iterable[str]) -> Callable[[str], bool]:
    """Exact names, or shell-style patterns (``GITHUB_*``), case-sensitive."""
    exact: set[str] = set()
    globs: list[str] = []
    for pattern in patterns:
        if any(char in pattern for char in "*?["):
            globs.append(fnmatch.translate(pattern))
        else:
            exact.add(pattern)
    if not globs:
        return exact.__contains__
    glob = re.compile("|".join(f"(?:{g})" for g in globs))
    return lambda name: name in exact or glob.match(name) is not None


class SecretResolver:
    """Replaces placeholders using a provider and registers every value with a redactor.

    ``allowed`` restricts the names it resolves (exact names or ``GITHUB_*`` patterns) for
    operators who give each connector only the secrets it needs; ``scope`` names whose
    list it is in errors (``connector http``).
    """

    def __init__(
        self,
        provider: SecretProvider,
        redactor: Redactor | None = None,
        *,
        allowed: Iterable[str] | None = None,
        scope: str = "this job",
    ) -> None:
        self.provider = provider
        self.redactor = redactor if redactor is not None else Redactor()
        self.scope = scope
        self._allows = None if allowed is None else _name_matcher(allowed)

    def restricted(self, allowed: Iterable[str], scope: str) -> SecretResolver:
        """A resolver with the same provider and redactor that resolves only ``allowed``."""
        return SecretResolver(self.provider, self.redactor, allowed=allowed, scope=scope)

    def get(self, name: str, *, field: str | None = None) -> str:
        """Return secret ``name``; a missing, non-string or not allowed secret is an
        :class:`InputError`."""
        where = f" (in field '{field}')" if field else ""
        if self._allows is not None and not self._allows(name):
            # Said the same way whether or not the secret exists: no probing.
            raise InputError(
                f"secret {name!r} is not on the allow list of {self.scope}{where}",
                field=field,
            )
        try:
            value = self.provider.get_secret(name)
        except InputError:
            raise
        except Exception as exc:
            raise InputError(
                f"secret {name!r} could not be read: {type(exc).__name__}",
                code=ErrorCode.MISSING_INPUT,
                field=field,
            ) from None
        if value is None:
            raise InputError(
                f"secret {name!r} is not defined{where}",
                code=ErrorCode.MISSING_INPUT,
                field=field,
            )
        if not isinstance(value, str):
            raise InputError(
                f"secret {name!r} must be a string, not {type(value).__name__}{where}",
                field=field,
            )
        self.redactor.add(value)
        return value

    def _get(self, name: str, path: _Path) -> str:
        # The hot path: the field path becomes text only for an error message.
        if self._allows is None or self._allows(name):
            try:
                value = self.provider.get_secret(name)
            except Exception:
                value = None
            if isinstance(value, str):
                self.redactor.add(value)
                return value
        return self.get(name, field=_path_text(path) or None)  # raises the precise error

    def resolve(self, data: Any, *, legacy: bool = False) -> Any:
        """Return ``data`` with placeholders replaced; unchanged parts are not copied.
        ``legacy`` also replaces Camunda's older ``secrets.NAME`` form, wherever it
        stands in a string (after the ``{{secrets.NAME}}`` ones)."""
        resolved = self._resolve(data, None)
        return self._resolve_legacy(resolved, None) if legacy else resolved

    def _resolve_legacy(self, data: Any, path: _Path) -> Any:
        if isinstance(data, str):
            if "secrets." not in data:
                return data
            field = _path_text(path) or None
            return _LEGACY_PLACEHOLDER.sub(lambda m: self.get(m.group(1), field=field), data)
        if isinstance(data, Mapping):
            return {k: self._resolve_legacy(v, (path, k)) for k, v in data.items()}
        if isinstance(data, list | tuple):
            return [self._resolve_legacy(v, (path, i)) for i, v in enumerate(data)]
        return data

    def _resolve(self, data: Any, path: _Path) -> Any:
        # Hot path: it runs over every job's whole input, so plain strings and scalars are
        # skipped inline and the field path is a linked tuple that becomes text only when a
        # placeholder is found.
        kind = type(data)
        if kind is str:
            return self._resolve_string(data, path) if "{{" in data else data
        if kind is dict or (kind is not list and isinstance(data, Mapping)):
            entries: Iterable[tuple[Any, Any]] = data.items()
        elif kind is list or isinstance(data, list | tuple):
            entries = enumerate(data)
        elif isinstance(data, str):
            return self._resolve(str(data), path)
        else:
            return data
        changed: dict[Any, Any] | None = None
        for key, value in entries:
            value_kind = type(value)
            if value_kind is str:
                if "{{" not in value:
                    continue
                new = self._resolve_string(value, (path, key))
            elif value_kind in _SCALARS:
                continue
            else:
                new = self._resolve(value, (path, key))
            if new is not value:
                if changed is None:
                    changed = {}
                changed[key] = new
        if changed is None:
            return data
        if kind is dict or isinstance(data, Mapping):
            return {**data, **changed}
        items = list(data)
        for index, new in changed.items():
            items[index] = new
        return items

    def _resolve_string(self, text: str, path: _Path) -> str:
        whole = _PLACEHOLDER.fullmatch(text)
        if whole is not None and whole.group("name") is not None:
            return self._get(whole.group("name"), path)  # the common "{{secrets.X}}"
        field = _path_text(path)

        def replace(match: re.Match[str]) -> str:
            name = match.group("name")
            if name is None:
                bad = match.group("bad")
                shown = field or "input"
                if not bad:
                    problem = "has no secret name"
                elif "}}" not in text[match.end() :] or not re.fullmatch(_NAME, bad):
                    problem = "is malformed or not closed with '}}'"
                else:
                    problem = "is malformed"
                raise InputError(
                    f"field '{shown}': secret placeholder '{{{{secrets.{bad}' {problem}; "
                    "expected {{secrets.NAME}}",
                    field=field or None,
                )
            return self.get(name, field=field or None)

        return _PLACEHOLDER.sub(replace, text)
