"""Operator settings from the environment: the outbound address policy, the pool size
and the response size ceiling.

These are deployment decisions, never task input: a process model cannot loosen them.
They are read when the connector first runs on an event loop (in a runtime: at its first
job) and kept until :func:`tasklink.client.aclose_clients`; an invalid value fails every
job with ``CONFIGURATION_ERROR`` until it is fixed.

Always, whatever the variables below say: link-local addresses (169.254.0.0/16, which
holds the cloud metadata services of AWS, GCP, Azure and others, and fe80::/10) and the
metadata services outside it (AWS ``fd00:ec2::254``, Alibaba Cloud ``100.100.100.200``)
are refused, also when embedded in IPv6 (mapped, 6to4, NAT64), unless
``TASKLINK_HTTP_ALLOWED_NETWORKS`` lists them or the host is in
``TASKLINK_HTTP_ALLOWED_HOSTS``: a process has no business there, and the metadata
services hand out the machine's cloud credentials.

``TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS=true``
    refuse every address that is not publicly routable: loopback, private (RFC 1918,
    fc00::/7), shared (100.64.0.0/10), multicast, reserved and unspecified addresses,
    including IPv4 addresses embedded in IPv6 (mapped, 6to4, NAT64). Off by default in
    this package: ``tasklink run`` turns it on unless set; ``tasklink invoke`` and
    library use leave it off.
``TASKLINK_HTTP_BLOCKED_NETWORKS=10.0.0.0/8``
    more addresses or networks to refuse (comma or space separated); applies on its own
    and beats every exception below.
``TASKLINK_HTTP_ALLOWED_NETWORKS=10.20.0.0/16``
    exceptions to the private-network and link-local rules (never to a blocked network).
``TASKLINK_HTTP_ALLOWED_HOSTS=api.internal.example.com,*.svc.example.com``
    host names whose connections are exempt from the private-network and link-local
    rules (never from a blocked network); see :mod:`tasklink.client._hosts` for patterns.
``TASKLINK_HTTP_MAX_CONNECTIONS=100``
    connections per pooled client (all hosts together).
``TASKLINK_HTTP_MAX_RESPONSE_BYTES=33554432``
    the most of a response body held in memory (default 32 MiB): the most a job may set
    ``maxResponseBytes`` to for a body read whole, an error body of a streamed response
    included; a job that leaves the field at its default reads at most the smaller of
    the two. A body streamed into a document is bounded by the document store instead.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from ._hosts import AddressEntryError, HostAllowList, HostListError

__all__ = [
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_RESPONSE_BYTES_CEILING",
    "ENV_ALLOWED_HOSTS",
    "ENV_ALLOWED_NETWORKS",
    "ENV_BLOCKED_NETWORKS",
    "ENV_BLOCK_PRIVATE_NETWORKS",
    "ENV_MAX_CONNECTIONS",
    "ENV_MAX_RESPONSE_BYTES",
    "LINK_LOCAL_AND_METADATA",
    "IPAddress",
    "IPNetwork",
    "OperatorSettings",
    "OutboundPolicy",
    "PolicyConfigError",
    "current_max_connections",
    "current_settings",
]

ENV_BLOCK_PRIVATE_NETWORKS = "TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS"
ENV_BLOCKED_NETWORKS = "TASKLINK_HTTP_BLOCKED_NETWORKS"
ENV_ALLOWED_NETWORKS = "TASKLINK_HTTP_ALLOWED_NETWORKS"
ENV_ALLOWED_HOSTS = "TASKLINK_HTTP_ALLOWED_HOSTS"
ENV_MAX_CONNECTIONS = "TASKLINK_HTTP_MAX_CONNECTIONS"
ENV_MAX_RESPONSE_BYTES = "TASKLINK_HTTP_MAX_RESPONSE_BYTES"

DEFAULT_MAX_CONNECTIONS = 100
DEFAULT_MAX_RESPONSE_BYTES_CEILING = 32 * 1024 * 1024

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NO_HOSTS = HostAllowList()

# Refused unless an operator allows them explicitly, even with private networks allowed.
LINK_LOCAL_AND_METADATA: tuple[IPNetwork, ...] = (
    ipaddress.IPv4Network("169.254.0.0/16"),  # link-local; AWS, GCP, Azure... metadata
    ipaddress.IPv6Network("fe80::/10"),  # link-local
    ipaddress.IPv6Network("fd00:ec2::254/128"),  # AWS metadata over IPv6
    ipaddress.IPv4Network("100.100.100.200/32"),  # Alibaba Cloud metadata
)


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


def _forms(address: IPAddress) -> tuple[IPAddress, ...]:
    """The address, and the IPv4 address inside it if it is IPv6 carrying one."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return (address, embedded)
    return (address,)


def _within(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address in network for network in networks)


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
    """Which resolved addresses the connector may connect to (for which host)."""

    block_private: bool = False
    blocked: tuple[IPNetwork, ...] = ()
    allowed: tuple[IPNetwork, ...] = ()
    allowed_hosts: HostAllowList = _NO_HOSTS

    def exempt(self, host: str) -> bool:
        """Whether ``host`` (the URL's, ASCII form) is in ``TASKLINK_HTTP_ALLOWED_HOSTS``:
        only a blocked network can refuse its addresses."""
        return self.allowed_hosts.matches(host)

    def refusal(self, address: IPAddress, *, exempt: bool = False) -> str | None:
        """Why ``address`` is refused (naming the rule, not the address), or ``None``.
        ``exempt``: the host it was resolved for is in ``TASKLINK_HTTP_ALLOWED_HOSTS``."""
        forms = _forms(address)
        if any(_within(form, self.blocked) for form in forms):
            return f"it is in a network listed in {ENV_BLOCKED_NETWORKS}"
        if exempt:
            return None
        # Every form must pass: an allowed IPv6 wrapper does not excuse what it carries.
        unexcused = [form for form in forms if not _within(form, self.allowed)]
        if any(_within(form, LINK_LOCAL_AND_METADATA) for form in unexcused):
            return (
                "it is a link-local or cloud metadata address, refused unless "
                f"{ENV_ALLOWED_NETWORKS} or {ENV_ALLOWED_HOSTS} lists it"
            )
        if self.block_private and any(_special(form) for form in unexcused):
            return (
                "it is a private, loopback or otherwise non-public address "
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
            env.get(ENV_ALLOWED_HOSTS, ""),
        )


@dataclass(frozen=True, slots=True)
class OperatorSettings:
    """Everything the operator configures, read together."""

    policy: OutboundPolicy
    max_connections: int
    max_response_bytes: int

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> OperatorSettings:
        env = os.environ if environ is None else environ
        return cls(
            policy=OutboundPolicy.from_environ(env),
            max_connections=_positive_int(env, ENV_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS),
            max_response_bytes=_positive_int(
                env, ENV_MAX_RESPONSE_BYTES, DEFAULT_MAX_RESPONSE_BYTES_CEILING
            ),
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


def _allowed_hosts(raw: str) -> HostAllowList:
    try:
        return HostAllowList.parse(raw)
    except AddressEntryError as exc:
        raise PolicyConfigError(
            f"{ENV_ALLOWED_HOSTS}: {exc}; list addresses and networks in {ENV_ALLOWED_NETWORKS}"
        ) from None
    except HostListError as exc:
        raise PolicyConfigError(f"{ENV_ALLOWED_HOSTS}: {exc}") from None


@functools.lru_cache(maxsize=16)
def _parse(block_private: str, blocked: str, allowed: str, allowed_hosts: str) -> OutboundPolicy:
    flag = block_private.strip().lower()
    if flag not in _TRUE | _FALSE:
        raise PolicyConfigError(
            f"{ENV_BLOCK_PRIVATE_NETWORKS}: {block_private!r} is not true or false"
        )
    return OutboundPolicy(
        block_private=flag in _TRUE,
        blocked=_networks(ENV_BLOCKED_NETWORKS, blocked),
        allowed=_networks(ENV_ALLOWED_NETWORKS, allowed),
        allowed_hosts=_allowed_hosts(allowed_hosts),
    )


def _positive_int(env: Mapping[str, str], variable: str, default: int) -> int:
    raw = env.get(variable, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise PolicyConfigError(f"{variable}: {raw!r} is not a positive integer")
    return value


def current_settings() -> OperatorSettings:
    """The settings the environment configures now (the policy parsed once per distinct
    setting)."""
    return OperatorSettings.from_environ()


def current_max_connections() -> int:
    """The pool size alone (``benchmarks/http_overhead.py`` sizes bare httpx with it)."""
    return current_settings().max_connections
