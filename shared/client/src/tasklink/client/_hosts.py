"""The operator's allow list of host names (``TASKLINK_HTTP_ALLOWED_HOSTS``).

Entries are host names, compared without regard to case and to one trailing dot:

``api.example.com``
    exactly that host.
``*.example.com``
    every subdomain of ``example.com``, at any depth, but not ``example.com`` itself.
``.example.com``
    ``example.com`` and every subdomain of it (the convention of Django's
    ``ALLOWED_HOSTS``).

Names are compared in their ASCII form, as they go on the wire: write an
internationalized name as its ``xn--`` form. An IP address or network is not a host name
(those go in ``TASKLINK_HTTP_ALLOWED_NETWORKS``), nor is a URL or ``host:port``.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

__all__ = ["AddressEntryError", "HostAllowList", "HostListError", "normalize_host"]

_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
# What a URL, a port or a path would bring into an entry.
_NOT_IN_A_NAME = frozenset(":/@?#[]")


class HostListError(ValueError):
    """An entry of the list is not a host name or pattern; the message says why."""


class AddressEntryError(HostListError):
    """An entry is an IP address or network, which belongs in the list of networks."""


def normalize_host(host: str) -> str:
    """Lower case, one trailing dot dropped: ``API.Example.com.`` -> ``api.example.com``."""
    host = host.lower()
    return host[:-1] if host.endswith(".") else host


def _check_name(entry: str, name: str) -> None:
    """Raise :class:`HostListError` unless ``name`` (``entry`` without its wildcard) is a
    host name."""
    try:
        ipaddress.ip_network(entry.strip("[]"), strict=False)
    except ValueError:
        pass
    else:
        raise AddressEntryError(f"{entry!r} is an IP address or network, not a host name")
    if any(char in _NOT_IN_A_NAME for char in entry):
        raise HostListError(
            f"{entry!r} is not a host name (no scheme, port or path: write api.example.com)"
        )
    if not entry.isascii():
        raise HostListError(f"{entry!r}: write an internationalized name in its xn-- form")
    labels = name.split(".")
    if any(not label for label in labels):
        raise HostListError(f"{entry!r} has an empty label")
    for label in labels:
        if not _LABEL.match(label):
            raise HostListError(
                f"{entry!r}: {label!r} is not a host name label (letters, digits, '-' and "
                "'_', at most 63 characters, no '-' at either end)"
            )
    if labels[-1].isdigit():
        # "10.1.2" or "3232235777" are addresses to a resolver, never names.
        raise AddressEntryError(f"{entry!r} is an IP address, not a host name")


@dataclass(frozen=True, slots=True)
class HostAllowList:
    """Host names (and subdomain patterns) exempt from the address rules."""

    exact: frozenset[str] = frozenset()
    # Matched with str.endswith: ".example.com" for every subdomain of example.com.
    suffixes: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.exact or self.suffixes)

    def matches(self, host: str) -> bool:
        """Whether ``host`` (as in the URL, ASCII form) is on the list."""
        if not self:
            return False  # the common case: no list, no normalizing
        name = normalize_host(host)
        return name in self.exact or name.endswith(self.suffixes)

    @classmethod
    def parse(cls, raw: str) -> HostAllowList:
        """Entries separated by commas or blanks; raises :class:`HostListError`."""
        exact: set[str] = set()
        suffixes: list[str] = []
        for entry in re.split(r"[\s,]+", raw.strip()):
            if not entry:
                continue
            lowered = entry.lower()
            if lowered.startswith("*."):
                name = normalize_host(lowered[2:])
                _check_name(entry, name)
                suffixes.append("." + name)  # subdomains only
            elif lowered.startswith("."):
                name = normalize_host(lowered[1:])
                _check_name(entry, name)
                exact.add(name)  # the domain itself
                suffixes.append("." + name)  # and its subdomains
            else:
                if "*" in lowered:
                    raise HostListError(
                        f"{entry!r}: '*' may only begin a pattern, as in *.example.com"
                    )
                name = normalize_host(lowered)
                _check_name(entry, name)
                exact.add(name)
        return cls(frozenset(exact), tuple(dict.fromkeys(suffixes)))
