"""``{{secrets.NAME}}`` placeholders and the providers that resolve them.

Placeholders may stand anywhere in any string of the input, at any depth of nested dicts
and lists. They are replaced in one pass before validation, so a secret value that itself
looks like a placeholder is inserted as it is and never interpreted again.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ._errors import ErrorCode, InputError
from ._redaction import Redactor

__all__ = [
    "DotenvSecretProvider",
    "EnvironmentSecretProvider",
    "MappingSecretProvider",
    "SecretChain",
    "SecretProvider",
    "SecretResolver",
    "load_plugin_secret_providers",
]

SECRET_PROVIDERS_GROUP = "tasklink.secret_providers"  # noqa: S105 - a group name

_log = logging.getLogger("tasklink.core.secrets")

_NAME = r"[A-Za-z_][A-Za-z0-9_.\-]*"
# One scanner for well-formed and malformed placeholders: the malformed branches exist so
# that a typo gives a clear input error instead of a literal "{{secrets.x" sent upstream.
_PLACEHOLDER = re.compile(r"\{\{\s*secrets\.(?:(?P<name>" + _NAME + r")\s*\}\}|(?P<bad>[^}\s]*))")


@runtime_checkable
class SecretProvider(Protocol):
    """Looks up one secret by name; returns ``None`` when it does not know the name."""

    def get_secret(self, name: str) -> str | None: ...


class EnvironmentSecretProvider:
    """Secrets from the process environment, optionally under a name prefix.

    With ``prefix="TASKLINK_SECRET_"``, ``{{secrets.API_KEY}}`` reads
    ``TASKLINK_SECRET_API_KEY``.
    """

    def __init__(self, prefix: str = "", environ: Mapping[str, str] | None = None) -> None:
        self.prefix = prefix
        self._environ = os.environ if environ is None else environ

    def get_secret(self, name: str) -> str | None:
        return self._environ.get(self.prefix + name)

    def __repr__(self) -> str:
        return f"EnvironmentSecretProvider(prefix={self.prefix!r})"


class DotenvSecretProvider:
    """Secrets from a dotenv-style file (``NAME=value`` lines), read once on first use."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._values: dict[str, str] | None = None

    def _load(self) -> dict[str, str]:
        if self._values is None:
            if not self.path.is_file():
                raise InputError(f"secrets file {self.path} does not exist", field="secrets file")
            from dotenv import dotenv_values

            values = dotenv_values(self.path, interpolate=False)
            self._values = {k: v for k, v in values.items() if v is not None}
        return self._values

    def get_secret(self, name: str) -> str | None:
        return self._load().get(name)

    def __repr__(self) -> str:
        return f"DotenvSecretProvider({str(self.path)!r})"


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


class SecretResolver:
    """Replaces placeholders using a provider and registers every value with a redactor."""

    def __init__(self, provider: SecretProvider, redactor: Redactor | None = None) -> None:
        self.provider = provider
        self.redactor = redactor if redactor is not None else Redactor()

    def get(self, name: str, *, field: str | None = None) -> str:
        """Return secret ``name``; a missing or non-string secret is an :class:`InputError`."""
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
        where = f" (in field '{field}')" if field else ""
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
        try:
            value = self.provider.get_secret(name)
        except Exception:
            value = None
        if isinstance(value, str):
            self.redactor.add(value)
            return value
        return self.get(name, field=_path_text(path) or None)  # raises the precise error

    def resolve(self, data: Any) -> Any:
        """Return ``data`` with placeholders replaced; unchanged parts are not copied."""
        return self._resolve(data, None)

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
