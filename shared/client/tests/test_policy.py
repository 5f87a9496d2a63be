"""The operator's outbound policy as settings: which addresses it refuses, for which host,
and how it reads the environment (enforcement on connections: ``test_guard.py``)."""

from __future__ import annotations

import ipaddress

import pytest

from tasklink.client import (
    ENV_MAX_CONNECTIONS,
    ENV_MAX_RESPONSE_BYTES,
    OutboundPolicy,
    PolicyConfigError,
)
from tasklink.client._policy import OperatorSettings

PRIVATE = {"TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS": "true"}


def policy(**env: str) -> OutboundPolicy:
    return OutboundPolicy.from_environ(env)


# -- the policy ------------------------------------------------------------------------------


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "::1", "fd12::1", "8.8.8.8"])
def test_private_networks_are_allowed_by_default(address: str) -> None:
    assert policy().refusal(ipaddress.ip_address(address)) is None


LINK_LOCAL_AND_METADATA = [
    "169.254.169.254",  # AWS, GCP, Azure, OpenStack metadata
    "169.254.170.2",  # AWS ECS task metadata: all of link-local, not one address
    "100.100.100.200",  # Alibaba Cloud metadata (shared address space)
    "fe80::1",
    "fd00:ec2::254",  # AWS metadata over IPv6
    "::ffff:169.254.169.254",  # IPv4-mapped
    "::ffff:100.100.100.200",
    "2002:a9fe:a9fe::1",  # 6to4 wrapping 169.254.169.254
    "64:ff9b::a9fe:a9fe",  # NAT64 wrapping 169.254.169.254
]


@pytest.mark.parametrize("address", LINK_LOCAL_AND_METADATA)
@pytest.mark.parametrize("block_private", ["", "false", "true"])
def test_link_local_and_metadata_addresses_are_always_refused(
    address: str, block_private: str
) -> None:
    rules = policy(TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS=block_private)
    reason = rules.refusal(ipaddress.ip_address(address))
    assert reason is not None and "link-local or cloud metadata" in reason
    assert "TASKLINK_HTTP_ALLOWED_NETWORKS" in reason and "TASKLINK_HTTP_ALLOWED_HOSTS" in reason
    assert address not in reason


@pytest.mark.parametrize("address", ["100.100.100.201", "fd00:ec2::253", "169.253.255.255"])
def test_neighbours_of_the_metadata_addresses_are_not_special_by_default(address: str) -> None:
    assert policy().refusal(ipaddress.ip_address(address)) is None


def test_listed_networks_allow_link_local_addresses() -> None:
    rules = policy(TASKLINK_HTTP_ALLOWED_NETWORKS="169.254.169.254, fd00:ec2::254")
    assert rules.refusal(ipaddress.ip_address("169.254.169.254")) is None
    assert rules.refusal(ipaddress.ip_address("::ffff:169.254.169.254")) is None
    assert rules.refusal(ipaddress.ip_address("fd00:ec2::254")) is None
    assert rules.refusal(ipaddress.ip_address("169.254.170.2")) is not None


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "100.64.0.1",  # shared address space
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fd12::1",
        "::ffff:127.0.0.1",
        "2002:7f00:0001::1",  # 6to4 wrapping 127.0.0.1
        "64:ff9b::7f00:1",  # NAT64 wrapping 127.0.0.1
        "ff02::1",
    ],
)
def test_private_and_special_addresses_are_refused(address: str) -> None:
    reason = policy(**PRIVATE).refusal(ipaddress.ip_address(address))
    assert reason is not None and "BLOCK_PRIVATE_NETWORKS" in reason


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert policy(**PRIVATE).refusal(ipaddress.ip_address(address)) is None


def test_blocked_networks_apply_on_their_own_and_beat_allowed_ones() -> None:
    rules = policy(
        TASKLINK_HTTP_BLOCKED_NETWORKS="8.8.8.0/24, 169.254.169.254",
        TASKLINK_HTTP_ALLOWED_NETWORKS="8.8.8.8",
    )
    assert not rules.block_private
    assert rules.refusal(ipaddress.ip_address("8.8.8.8")) is not None
    assert rules.refusal(ipaddress.ip_address("169.254.169.254")) is not None
    assert rules.refusal(ipaddress.ip_address("10.0.0.1")) is None


def test_allowed_networks_are_exceptions_to_the_private_rule() -> None:
    rules = policy(**PRIVATE, TASKLINK_HTTP_ALLOWED_NETWORKS="10.20.0.0/16 [fd12::]/16")
    assert rules.refusal(ipaddress.ip_address("10.20.1.1")) is None
    assert rules.refusal(ipaddress.ip_address("fd12::1")) is None
    assert rules.refusal(ipaddress.ip_address("10.21.0.1")) is not None


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS": "maybe"}, "TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS"),
        ({"TASKLINK_HTTP_BLOCKED_NETWORKS": "10.0.0.0/33"}, "TASKLINK_HTTP_BLOCKED_NETWORKS"),
        ({"TASKLINK_HTTP_ALLOWED_NETWORKS": "intranet"}, "TASKLINK_HTTP_ALLOWED_NETWORKS"),
    ],
)
def test_invalid_settings_name_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(PolicyConfigError, match=named):
        policy(**env)


# -- TASKLINK_HTTP_ALLOWED_HOSTS -------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "host", "allowed"),
    [
        ("api.example.com", "api.example.com", True),
        ("api.example.com", "API.Example.COM", True),
        ("API.example.com.", "api.example.com.", True),  # one trailing dot: the same name
        ("api.example.com", "example.com", False),
        ("api.example.com", "x.api.example.com", False),
        ("api.example.com", "api.example.com.evil.test", False),
        ("*.example.com", "a.example.com", True),
        ("*.example.com", "a.b.example.com", True),
        ("*.example.com", "example.com", False),  # subdomains only
        ("*.example.com", "badexample.com", False),
        (".example.com", "example.com", True),  # the domain and its subdomains
        (".example.com", "a.b.example.com", True),
        (".example.com", "badexample.com", False),
        ("localhost", "127.0.0.1", False),  # names match names, never addresses
    ],
)
def test_allowed_hosts_match(entry: str, host: str, allowed: bool) -> None:
    assert policy(TASKLINK_HTTP_ALLOWED_HOSTS=entry).exempt(host) is allowed


def test_allowed_hosts_separated_by_commas_or_blanks() -> None:
    rules = policy(TASKLINK_HTTP_ALLOWED_HOSTS=" a.test,b.test  *.c.test\n.d.test ")
    assert all(rules.exempt(h) for h in ("a.test", "b.test", "x.c.test", "d.test", "x.d.test"))
    assert not rules.exempt("c.test")


@pytest.mark.parametrize(
    ("entry", "complaint"),
    [
        ("api..example.com", "empty label"),
        (".", "empty label"),
        ("*.", "empty label"),
        ("https://api.example.com", "not a host name"),
        ("api.example.com/path", "not a host name"),
        ("api.example.com:8443", "not a host name"),
        ("user@api.example.com", "not a host name"),
        ("10.0.0.5", "TASKLINK_HTTP_ALLOWED_NETWORKS"),
        ("[fd12::1]", "TASKLINK_HTTP_ALLOWED_NETWORKS"),
        ("fd12::1", "TASKLINK_HTTP_ALLOWED_NETWORKS"),
        ("10.0.0.0/8", "TASKLINK_HTTP_ALLOWED_NETWORKS"),
        ("10.1.2", "TASKLINK_HTTP_ALLOWED_NETWORKS"),  # inet_aton would read an address
        ("*", "'*' may only begin"),
        ("api.*.example.com", "'*' may only begin"),
        ("*.*.example.com", "not a host name label"),
        ("-api.example.com", "not a host name label"),
        ("münchen.example", "xn--"),
    ],
)
def test_invalid_allowed_hosts_name_the_variable_and_the_entry(entry: str, complaint: str) -> None:
    with pytest.raises(PolicyConfigError) as raised:
        policy(TASKLINK_HTTP_ALLOWED_HOSTS=f"ok.example.com, {entry}")
    message = str(raised.value)
    assert message.startswith("TASKLINK_HTTP_ALLOWED_HOSTS: ")
    assert repr(entry) in message
    assert complaint in message


def test_an_allowed_host_is_exempt_from_every_rule_but_blocked_networks() -> None:
    rules = policy(
        **PRIVATE,
        TASKLINK_HTTP_BLOCKED_NETWORKS="10.9.0.0/16",
        TASKLINK_HTTP_ALLOWED_HOSTS="api.internal.test",
    )
    for address in ("127.0.0.1", "10.1.2.3", "169.254.169.254", "fd00:ec2::254"):
        assert rules.refusal(ipaddress.ip_address(address), exempt=True) is None
        assert rules.refusal(ipaddress.ip_address(address)) is not None
    reason = rules.refusal(ipaddress.ip_address("10.9.0.1"), exempt=True)
    assert reason is not None and "TASKLINK_HTTP_BLOCKED_NETWORKS" in reason


# -- the other operator settings -------------------------------------------------------------


def test_pool_size_and_response_ceiling_default_and_read() -> None:
    default = OperatorSettings.from_environ({})
    assert (default.max_connections, default.max_response_bytes) == (100, 32 * 1024 * 1024)
    assert default.policy == OutboundPolicy()
    chosen = OperatorSettings.from_environ(
        {ENV_MAX_CONNECTIONS: " 16 ", ENV_MAX_RESPONSE_BYTES: "4096"}
    )
    assert (chosen.max_connections, chosen.max_response_bytes) == (16, 4096)


@pytest.mark.parametrize("variable", [ENV_MAX_CONNECTIONS, ENV_MAX_RESPONSE_BYTES])
@pytest.mark.parametrize("value", ["0", "-1", "ten", "1.5", "1e6"])
def test_sizes_must_be_positive_integers(variable: str, value: str) -> None:
    with pytest.raises(PolicyConfigError) as raised:
        OperatorSettings.from_environ({variable: value})
    assert str(raised.value) == f"{variable}: {value!r} is not a positive integer"
