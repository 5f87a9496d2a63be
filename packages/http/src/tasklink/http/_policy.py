"""Operator settings from the environment: the outbound address policy and pool size.

These are deployment decisions, never task input: a process model cannot loosen them.
They are read when the connector first runs on an event loop (in a runtime: at its first
job) and kept until :func:`tasklink.http.aclose_clients`; an invalid value fails every
job with ``CONFIGURATION_ERROR`` until it is fixed.

``TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS=true``
    refuse every address that is not publicly routable: loopback, private (RFC 1918,
    fc00::/7), link-local (169.254.0.0/16 with the cloud metadata services, fe80::/10),
    shared (100.64.0.0/10), multicast, reserved and unspecified addresses, including
    IPv4 addresses embedded in IPv6 (mapped, 6to4, NAT64).
``TASKLINK_HTTP_BLOCKED_NETWORKS=169.254.169.254,10.0.0.0/8``
    more addresses or networks to refuse (comma or space separated); applies on its own.
``TASKLINK_HTTP_ALLOWED_NETWORKS=10.20.0.0/16``
    exceptions to the private-network rule (never to an explicitly blocked network).
``TASKLINK_HTTP_MAX_CONNECTIONS=100``
    connections per pooled client (all hosts together).
"""

from __future__ import annotations

import functools
import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "ENV_ALLOWED_NETWORKS",
    "ENV_BLOCKED_NETWORKS",
    "ENV_BLOCK_PRIVATE_NETWORKS",
    "ENV_MAX_CONNECTIONS",
    "IPAddress",
    "IPNetwork",
    "OutboundPolicy",
    "PolicyConfigError",
    "current_max_connections",
    "current_policy",
]

ENV_BLOCK_PRIVATE_NETWORKS = "TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS"
ENV_BLOCKED_NETWORKS = "TASKLINK_HTTP_BLOCKED_NETWORKS"
ENV_ALLOWED_NETWORKS = "TASKLINK_HTTP_ALLOWED_NETWORKS"
ENV_MAX_CONNECTIONS = "TASKLINK_HTTP_MAX_CONNECTIONS"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class PolicyConfigError(ValueError):
    """An operator setting is invalid; requests are refused until it is fixed."""


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _special(address: IPAddress) -> bool:
    """Not a publicly routable unicast address."""
    return (
        not address.is_global
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local)
    )


@dataclass(frozen=True, slots=True)
class OutboundPolicy:
    """Which resolved addresses the connector may connect to."""

    block_private: bool = False
    blocked: tuple[IPNetwork, ...] = ()
    allowed: tuple[IPNetwork, ...] = ()

    @property
    def enabled(self) -> bool:
        return self.block_private or bool(self.blocked)

    def refusal(self, address: IPAddress) -> str | None:
        """Why ``address`` is refused (naming the rule, not the address), or ``None``."""
        candidates: list[IPAddress] = [address]
        if isinstance(address, ipaddress.IPv6Address):
            embedded = _embedded_ipv4(address)
            if embedded is not None:
                candidates.append(embedded)
        for candidate in candidates:
            if any(candidate in network for network in self.blocked):
                return f"it is in a network listed in {ENV_BLOCKED_NETWORKS}"
        if not self.block_private:
            return None
        for candidate in candidates:
            if any(candidate in network for network in self.allowed):
                continue
            if _special(candidate):
                return (
                    "it is a private, loopback, link-local or otherwise non-public address "
                    f"({ENV_BLOCK_PRIVATE_NETWORKS} is on)"
                )
        return None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> OutboundPolicy:
        env = os.environ if environ is None else environ
        return _parse(
            env.get(ENV_BLOCK_PRIVATE_NETWORKS, ""),
            env.get(ENV_BLOCKED_NETWORKS, ""),
            env.get(ENV_ALLOWED_NETWORKS, ""),
        )


def _networks(variable: str, raw: str) -> tuple[IPNetwork, ...]:
    found: list[IPNetwork] = []
    for item in re.split(r"[\s,]+", raw.strip()):
        if not item:
            continue
        try:
            found.append(ipaddress.ip_network(item.replace("[", "").replace("]", ""), strict=False))
        except ValueError:
            raise PolicyConfigError(
                f"{variable}: {item!r} is not an IP address or network (CIDR)"
            ) from None
    return tuple(found)


@functools.lru_cache(maxsize=16)
def _parse(block_private: str, blocked: str, allowed: str) -> OutboundPolicy:
    flag = block_private.strip().lower()
    if flag not in _TRUE | _FALSE:
        raise PolicyConfigError(
            f"{ENV_BLOCK_PRIVATE_NETWORKS}: {block_private!r} is not true or false"
        )
    return OutboundPolicy(
        block_private=flag in _TRUE,
        blocked=_networks(ENV_BLOCKED_NETWORKS, blocked),
        allowed=_networks(ENV_ALLOWED_NETWORKS, allowed),
    )


def current_policy() -> OutboundPolicy:
    """The policy the environment configures now (parsed once per distinct setting)."""
    return OutboundPolicy.from_environ()


def current_max_connections() -> int:
    raw = os.environ.get(ENV_MAX_CONNECTIONS, "").strip()
    if not raw:
        return 100
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise PolicyConfigError(f"{ENV_MAX_CONNECTIONS}: {raw!r} is not a positive integer")
    return value
