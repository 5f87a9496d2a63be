"""The operator's outbound address policy (protection against server-side request forgery)."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import anyio
import httpcore
import pytest
import trustme

from tasklink.core import Completed, Failed
from tasklink.http import OutboundPolicy, aclose_clients, connector
from tasklink.http._policy import PolicyConfigError
from tasklink.testing import arun_job

PRIVATE = {"TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS": "true"}


def policy(**env: str) -> OutboundPolicy:
    return OutboundPolicy.from_environ(env)


# -- the policy ------------------------------------------------------------------------------


def test_off_by_default() -> None:
    assert not policy().enabled
    assert policy().refusal(ipaddress.ip_address("127.0.0.1")) is None


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack metadata
        "100.100.100.200",  # Alibaba Cloud metadata (shared address space)
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fd00:ec2::254",  # AWS metadata over IPv6
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "2002:7f00:0001::1",  # 6to4 wrapping 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 wrapping 169.254.169.254
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
    assert rules.enabled and not rules.block_private
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
