"""The operator's outbound address policy (protection against server-side request forgery)."""

from __future__ import annotations

import ipaddress
import socket
import time
from typing import Any

import anyio
import httpcore
import pytest
import trustme

from tasklink.client import OutboundPolicy, aclose_clients
from tasklink.client._policy import PolicyConfigError
from tasklink.core import Completed, Failed
from tasklink.http import connector
from tasklink.testing import arun_job

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


# -- enforced on real connections ----------------------------------------------------------


@pytest.fixture
def block_private(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS", "true")
    return monkeypatch


async def blocked(url: str, **variables: Any) -> Failed:
    outcome = await arun_job(connector, {"url": url, **variables})
    assert isinstance(outcome, Failed), outcome
    assert outcome.code == "BLOCKED_ADDRESS"
    assert outcome.retries == 0
    return outcome


async def test_loopback_is_blocked_before_connecting(server: Any, block_private: Any) -> None:
    before = len(server.log)
    failed = await blocked(f"{server.url.replace('127.0.0.1', 'localhost')}/get")
    # The job learns that the host is refused, not what it resolves to.
    assert "127.0.0.1" not in failed.message and "::1" not in failed.message
    assert len(server.log) == before


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://100.100.100.200/latest/meta-data/",
        "http://0.0.0.0:80/",
    ],
)
async def test_metadata_and_special_addresses_are_blocked(url: str, block_private: Any) -> None:
    await blocked(url)


async def test_allowed_network_is_reachable(server: Any, block_private: Any) -> None:
    block_private.setenv("TASKLINK_HTTP_ALLOWED_NETWORKS", "127.0.0.0/8, ::1")
    outcome = await arun_job(connector, {"url": f"{server.url}/get"})
    assert isinstance(outcome, Completed), outcome


async def test_every_redirect_hop_is_checked(server: Any, block_private: Any) -> None:
    block_private.setenv("TASKLINK_HTTP_ALLOWED_NETWORKS", "127.0.0.1")
    port = server.url.rsplit(":", 1)[1]
    await blocked(
        f"{server.url}/redirect-to",
        queryParameters={"url": f"http://127.0.0.2:{port}/get"},
        followRedirects=True,
    )


async def test_the_token_endpoint_is_checked_too(server: Any, block_private: Any) -> None:
    block_private.setenv("TASKLINK_HTTP_ALLOWED_NETWORKS", "127.0.0.1")
    await blocked(
        f"{server.url}/get",
        authentication={
            "type": "oauth2_client_credentials",
            "tokenUrl": "http://169.254.169.254/token",
            "clientId": "a",
            "clientSecret": "secret-value",
        },
    )


async def test_connects_to_the_checked_address_so_dns_rebinding_fails(
    server: Any, block_private: Any
) -> None:
    """The first answer is allowed, every later one points at the metadata service.

    The connection must go to the address that was checked: one lookup, and the socket
    opened for that literal address, never for the name (which would be looked up again).
    """
    block_private.setenv("TASKLINK_HTTP_ALLOWED_NETWORKS", "127.0.0.1")
    real_getaddrinfo = anyio.getaddrinfo
    lookups: list[str] = []

    async def rebinding(host: Any, port: Any, **kwargs: Any) -> Any:
        if host == "rebind.test":
            lookups.append(host)
            address = "127.0.0.1" if len(lookups) == 1 else "169.254.169.254"
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return await real_getaddrinfo(host, port, **kwargs)

    connected: list[str] = []

    class Recording(httpcore.AnyIOBackend):
        async def connect_tcp(self, host: str, port: int, **kwargs: Any) -> Any:
            connected.append(host)
            return await super().connect_tcp(host, port, **kwargs)

    block_private.setattr(anyio, "getaddrinfo", rebinding)
    block_private.setattr(httpcore, "AnyIOBackend", Recording)
    port = server.url.rsplit(":", 1)[1]
    outcome = await arun_job(connector, {"url": f"http://rebind.test:{port}/get"})
    assert isinstance(outcome, Completed), outcome
    assert outcome.output["body"]["headers"]["Host"] == f"rebind.test:{port}"
    assert lookups == ["rebind.test"]
    assert connected == ["127.0.0.1"]


async def test_tls_still_checks_the_host_name(
    localhost_tls_server: Any, ca: trustme.CA, block_private: Any
) -> None:
    # Connected by address, verified as localhost: the certificate names no address.
    block_private.setenv("TASKLINK_HTTP_ALLOWED_NETWORKS", "127.0.0.1, ::1")
    outcome = await arun_job(
        connector,
        {
            "url": f"{localhost_tls_server.url}/get",
            "tls": {"caCertificate": ca.cert_pem.bytes().decode()},
        },
    )
    assert isinstance(outcome, Completed), outcome


async def test_through_a_proxy_the_target_is_checked_before_sending(
    server: Any, block_private: Any
) -> None:
    block_private.setenv("HTTP_PROXY", server.url)
    before = len(server.log)
    await blocked("http://169.254.169.254/latest/meta-data/")
    assert len(server.log) == before


async def test_through_a_proxy_the_token_endpoint_is_checked_before_sending(
    server: Any, block_private: Any
) -> None:
    block_private.setenv("HTTP_PROXY", server.url)
    block_private.setenv("TASKLINK_HTTP_ALLOWED_NETWORKS", "127.0.0.1")
    before = len(server.log)
    failed = await blocked(
        "http://127.0.0.1:9/anything",
        authentication={
            "type": "oauth2_client_credentials",
            "tokenUrl": "http://169.254.169.254/latest/meta-data/iam/token",
            "clientId": "a",
            "clientSecret": "secret-value",
        },
    )
    assert "169.254.169.254" in failed.message  # the token URL the job itself named
    assert len(server.log) == before  # nothing reached the proxy, not even the API request


async def test_through_a_proxy_an_allowed_target_is_sent(server: Any, block_private: Any) -> None:
    block_private.setenv("HTTP_PROXY", server.url)
    block_private.setenv("TASKLINK_HTTP_ALLOWED_NETWORKS", "127.0.0.1")
    outcome = await arun_job(connector, {"url": "http://127.0.0.1:9/anything"})
    assert isinstance(outcome, Completed), outcome
    assert outcome.output["body"]["proxied"] is True


async def test_settings_are_read_when_the_connector_first_runs_on_a_loop(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(await arun_job(connector, {"url": f"{server.url}/get"}), Completed)
    monkeypatch.setenv("TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS", "true")
    assert isinstance(await arun_job(connector, {"url": f"{server.url}/get"}), Completed)
    await aclose_clients()  # a restart of the connector on this loop reads them again
    await blocked(f"{server.url}/get")


async def test_invalid_settings_refuse_every_request(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKLINK_HTTP_BLOCKED_NETWORKS", "not-a-network")
    outcome = await arun_job(connector, {"url": f"{server.url}/get"})
    assert isinstance(outcome, Failed)
    assert outcome.code == "CONFIGURATION_ERROR"
    assert outcome.retries == 0
    assert "TASKLINK_HTTP_BLOCKED_NETWORKS" in outcome.message


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


# -- link-local and metadata addresses, refused by default -----------------------------------


@pytest.fixture
def attempts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The addresses the connector opens sockets to; none is opened (each attempt fails
    at once), so these tests need no such address to exist."""
    seen: list[str] = []

    class Recording(httpcore.AnyIOBackend):
        async def connect_tcp(self, host: str, port: int, **kwargs: Any) -> Any:
            seen.append(host)
            raise httpcore.ConnectError("the test network has no such host")

    monkeypatch.setattr(httpcore, "AnyIOBackend", Recording)
    return seen


def resolve(monkeypatch: pytest.MonkeyPatch, names: dict[str, str]) -> None:
    """Make the guard's resolver answer ``names`` with the given addresses."""
    real_getaddrinfo = anyio.getaddrinfo

    async def fake(host: Any, port: Any, **kwargs: Any) -> Any:
        if host in names:
            family = socket.AF_INET6 if ":" in names[host] else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (names[host], port))]
        return await real_getaddrinfo(host, port, **kwargs)

    monkeypatch.setattr(anyio, "getaddrinfo", fake)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://100.100.100.200/latest/meta-data/",
        "http://[fe80::1]:8080/",
    ],
)
async def test_metadata_addresses_are_refused_by_default_without_connecting(
    url: str, attempts: list[str]
) -> None:
    started = time.monotonic()
    failed = await blocked(url)
    assert time.monotonic() - started < 5
    assert attempts == []
    assert "link-local or cloud metadata" in failed.message


async def test_a_name_for_a_metadata_address_is_refused_by_default(
    monkeypatch: pytest.MonkeyPatch, attempts: list[str]
) -> None:
    resolve(monkeypatch, {"metadata.test": "169.254.169.254"})
    failed = await blocked("http://metadata.test/computeMetadata/v1/")
    assert "169.254" not in failed.message  # the rule, never the address
    assert attempts == []


async def test_metadata_addresses_are_refused_with_private_networks_allowed_explicitly(
    monkeypatch: pytest.MonkeyPatch, attempts: list[str]
) -> None:
    monkeypatch.setenv("TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS", "false")
    await blocked("http://169.254.169.254/latest/meta-data/")
    assert attempts == []


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest/meta-data/", "http://[::ffff:169.254.169.254]/"]
)
async def test_metadata_addresses_are_refused_through_a_proxy(
    server: Any, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("HTTP_PROXY", server.url)
    before = len(server.log)
    await blocked(url)
    assert len(server.log) == before


@pytest.mark.parametrize(
    ("networks", "url", "address"),
    [
        ("169.254.169.254", "http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("169.254.0.0/16", "http://[::ffff:169.254.169.254]/", "::ffff:a9fe:a9fe"),
        ("fd00:ec2::254", "http://[fd00:ec2::254]/latest/meta-data/", "fd00:ec2::254"),
    ],
)
async def test_listed_networks_make_metadata_addresses_reachable(
    monkeypatch: pytest.MonkeyPatch, attempts: list[str], networks: str, url: str, address: str
) -> None:
    monkeypatch.setenv("TASKLINK_HTTP_ALLOWED_NETWORKS", networks)
    outcome = await arun_job(connector, {"url": url})
    assert isinstance(outcome, Failed) and outcome.code == "CONNECTION_FAILED", outcome
    assert attempts == [address]  # the guard let the connection be opened


async def test_listed_networks_make_metadata_addresses_reachable_through_a_proxy(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.setenv("TASKLINK_HTTP_ALLOWED_NETWORKS", "169.254.169.254")
    outcome = await arun_job(connector, {"url": "http://169.254.169.254/anything"})
    assert isinstance(outcome, Completed), outcome
    assert outcome.output["body"]["proxied"] is True


async def test_an_allowed_host_may_resolve_to_a_metadata_address(
    monkeypatch: pytest.MonkeyPatch, attempts: list[str]
) -> None:
    resolve(monkeypatch, {"metadata.test": "169.254.169.254"})
    monkeypatch.setenv("TASKLINK_HTTP_ALLOWED_HOSTS", "metadata.test")
    outcome = await arun_job(connector, {"url": "http://metadata.test/computeMetadata/v1/"})
    assert isinstance(outcome, Failed) and outcome.code == "CONNECTION_FAILED", outcome
    assert attempts == ["169.254.169.254"]


# -- allowed hosts on real connections -------------------------------------------------------


def via_localhost(server: Any) -> str:
    return server.url.replace("127.0.0.1", "localhost")


async def test_a_name_for_loopback_is_refused_when_private_networks_are_blocked(
    server: Any, block_private: Any
) -> None:
    before = len(server.log)
    await blocked(f"{via_localhost(server)}/get")
    assert len(server.log) == before


async def test_an_allowed_host_reaches_a_private_address(server: Any, block_private: Any) -> None:
    block_private.setenv("TASKLINK_HTTP_ALLOWED_HOSTS", "LOCALHOST")
    outcome = await arun_job(connector, {"url": f"{via_localhost(server)}/get"})
    assert isinstance(outcome, Completed), outcome


async def test_a_subdomain_pattern_reaches_a_private_address(
    server: Any, block_private: Any
) -> None:
    resolve(block_private, {"orders.internal.test": "127.0.0.1"})
    block_private.setenv("TASKLINK_HTTP_ALLOWED_HOSTS", "*.internal.test")
    port = server.url.rsplit(":", 1)[1]
    outcome = await arun_job(connector, {"url": f"http://orders.internal.test:{port}/get"})
    assert isinstance(outcome, Completed), outcome


async def test_an_allowed_host_is_not_exempt_from_blocked_networks(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKLINK_HTTP_ALLOWED_HOSTS", "localhost")
    monkeypatch.setenv("TASKLINK_HTTP_BLOCKED_NETWORKS", "127.0.0.0/8")
    failed = await blocked(f"{via_localhost(server)}/get")
    assert "TASKLINK_HTTP_BLOCKED_NETWORKS" in failed.message


async def test_allowed_hosts_apply_per_redirect_hop(server: Any, block_private: Any) -> None:
    block_private.setenv("TASKLINK_HTTP_ALLOWED_HOSTS", "localhost")
    start = f"{via_localhost(server)}/redirect-to"
    same_host = await arun_job(
        connector, {"url": start, "queryParameters": {"url": "/get"}, "followRedirects": True}
    )
    assert isinstance(same_host, Completed), same_host
    await blocked(start, queryParameters={"url": f"{server.url}/get"}, followRedirects=True)


async def test_allowed_hosts_apply_to_the_token_endpoint(server: Any, block_private: Any) -> None:
    server.oauth.clients["hosts-client"] = "hosts-secret"
    auth = {
        "type": "oauth2_client_credentials",
        "tokenUrl": f"{via_localhost(server)}/oauth/token",
        "clientId": "hosts-client",
        "clientSecret": "hosts-secret",
    }
    block_private.setenv("TASKLINK_HTTP_ALLOWED_HOSTS", "localhost")
    outcome = await arun_job(
        connector, {"url": f"{via_localhost(server)}/oauth/protected", "authentication": auth}
    )
    assert isinstance(outcome, Completed), outcome
    # The API's host is allowed, the token endpoint's (an address) is not.
    refused = await blocked(
        f"{via_localhost(server)}/oauth/protected",
        authentication={**auth, "tokenUrl": f"{server.url}/oauth/token"},
    )
    assert "/oauth/token" in refused.message


async def test_allowed_hosts_apply_through_a_proxy(server: Any, block_private: Any) -> None:
    block_private.setenv("HTTP_PROXY", server.url)
    before = len(server.log)
    await blocked("http://localhost:9/anything")
    assert len(server.log) == before
    await aclose_clients()
    block_private.setenv("TASKLINK_HTTP_ALLOWED_HOSTS", ".localhost")
    outcome = await arun_job(connector, {"url": "http://localhost:9/anything"})
    assert isinstance(outcome, Completed), outcome
    assert outcome.output["body"]["proxied"] is True


# -- through a proxy, a target the guard cannot resolve is not sent --------------------------
# (while private networks are blocked; otherwise only link-local addresses, which are local
# to this machine, are refused, and a name only the proxy can resolve goes to the proxy)


async def test_without_the_private_rule_the_proxy_resolves_what_we_cannot(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.delenv("TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS", raising=False)
    outcome = await arun_job(connector, {"url": "http://no-such-host.invalid/anything"})
    assert isinstance(outcome, Completed), outcome
    assert outcome.output["body"]["proxied"] is True


async def test_an_unresolvable_target_is_a_connection_failure_through_a_proxy(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.setenv("TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS", "true")
    before = len(server.log)
    outcome = await arun_job(connector, {"url": "http://no-such-host.invalid/"})
    assert isinstance(outcome, Failed), outcome
    assert outcome.code == "CONNECTION_FAILED"
    assert outcome.retries == 2
    assert outcome.message.startswith(
        "GET http://no-such-host.invalid/ failed: could not resolve 'no-such-host.invalid'"
    )
    assert len(server.log) == before  # the proxy would have resolved it unchecked


async def test_a_resolver_that_hangs_is_a_timeout_through_a_proxy(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def hanging(host: Any, port: Any, **kwargs: Any) -> Any:
        await anyio.sleep(30)

    monkeypatch.setattr(anyio, "getaddrinfo", hanging)
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.setenv("TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS", "true")
    before = len(server.log)
    outcome = await arun_job(
        connector, {"url": "http://slow-dns.test/", "connectionTimeoutInSeconds": 0.2}
    )
    assert isinstance(outcome, Failed), outcome
    assert outcome.code == "TIMEOUT"
    assert outcome.retries == 2
    assert outcome.message == (
        "GET http://slow-dns.test/ timed out: no connection within 0.2 s "
        "(connectionTimeoutInSeconds)"
    )
    assert len(server.log) == before


async def test_an_unresolvable_token_endpoint_is_a_connection_failure_through_a_proxy(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.setenv("TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS", "true")
    before = len(server.log)
    outcome = await arun_job(
        connector,
        {
            "url": "http://127.0.0.1:9/anything",
            "authentication": {
                "type": "oauth2_client_credentials",
                "tokenUrl": "http://no-such-host.invalid/token",
                "clientId": "a",
                "clientSecret": "secret-value",
            },
        },
    )
    assert isinstance(outcome, Failed), outcome
    assert outcome.code == "CONNECTION_FAILED"
    assert outcome.message.startswith(
        "could not get an OAuth 2.0 token: POST http://no-such-host.invalid/token failed: "
        "could not resolve"
    )
    assert len(server.log) == before
