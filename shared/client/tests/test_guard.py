"""The outbound policy enforced on real connections: after DNS, on every redirect hop, for
token URLs and through proxies (protection against server-side request forgery)."""

from __future__ import annotations

import functools
import ipaddress
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpcore
import pytest
import trustme

from tasklink import client
from tasklink.client import _guard as guard
from tasklink.core import ConnectorError
from tasklink.testing import httpbin

Blocked = Callable[..., Awaitable[ConnectorError]]
Fetch = Callable[..., Awaitable[client.Response]]


@pytest.fixture
def blocked(failure: Callable[..., Awaitable[ConnectorError]]) -> Blocked:
    """``await blocked(url, **request_fields)``: the request is refused by the policy."""

    async def blocked(url: str, **fields: Any) -> ConnectorError:
        error = await failure(url, **fields)
        assert (error.code, error.retryable) == ("BLOCKED_ADDRESS", False), error.message
        return error

    return blocked


@pytest.fixture
def block_private(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS", "true")
    return monkeypatch


def oauth_to(token_url: str) -> client.OAuth2ClientCredentials:
    return client.OAuth2ClientCredentials(token_url, "a", "secret-value")


def port_of(server: httpbin.TestServer) -> str:
    return server.url.rsplit(":", 1)[1]


def via_localhost(server: httpbin.TestServer) -> str:
    return server.url.replace("127.0.0.1", "localhost")


# -- private networks blocked -----------------------------------------------------------------


async def test_loopback_is_blocked_before_connecting(
    server: httpbin.TestServer, block_private: Any, blocked: Blocked
) -> None:
    before = len(server.log)
    error = await blocked(f"{via_localhost(server)}/get")
    # The job learns that the host is refused, not what it resolves to.
    assert "127.0.0.1" not in error.message and "::1" not in error.message
    assert error.message.startswith(f"GET {via_localhost(server)}/get was refused by the")
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
async def test_metadata_and_special_addresses_are_blocked(
    url: str, block_private: Any, blocked: Blocked
) -> None:
    await blocked(url)


async def test_allowed_network_is_reachable(
    server: httpbin.TestServer, block_private: Any, fetch: Fetch
) -> None:
    block_private.setenv("TASKLINK_HTTP_ALLOWED_NETWORKS", "127.0.0.0/8, ::1")
    assert (await fetch(f"{server.url}/get")).status == 200


async def test_every_redirect_hop_is_checked(
    server: httpbin.TestServer, block_private: Any, blocked: Blocked
) -> None:
    block_private.setenv("TASKLINK_HTTP_ALLOWED_NETWORKS", "127.0.0.1")
    await blocked(
        f"{server.url}/redirect-to",
        query=[("url", f"http://127.0.0.2:{port_of(server)}/get")],
        follow_redirects=True,
    )


async def test_the_token_endpoint_is_checked_too(
    server: httpbin.TestServer, block_private: Any, blocked: Blocked
) -> None:
    block_private.setenv("TASKLINK_HTTP_ALLOWED_NETWORKS", "127.0.0.1")
    before = len(server.log)
    await blocked(f"{server.url}/get", auth=oauth_to("http://169.254.169.254/token"))
    assert len(server.log) == before  # not even the API request was sent


async def test_connects_to_the_checked_address_so_dns_rebinding_fails(
    server: httpbin.TestServer, block_private: Any, fetch: Fetch
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
    response = await fetch(f"http://rebind.test:{port_of(server)}/get")
    assert response.json()["headers"]["Host"] == f"rebind.test:{port_of(server)}"
    assert lookups == ["rebind.test"]
    assert connected == ["127.0.0.1"]


async def test_tls_still_checks_the_host_name(
    localhost_tls_server: httpbin.TestServer, ca: trustme.CA, block_private: Any, fetch: Fetch
) -> None:
    # Connected by address, verified as localhost: the certificate names no address.
    block_private.setenv("TASKLINK_HTTP_ALLOWED_NETWORKS", "127.0.0.1, ::1")
    tls = client.TlsConfig(ca_pem=ca.cert_pem.bytes().decode())
    assert (await fetch(f"{localhost_tls_server.url}/get", tls=tls)).status == 200


async def test_settings_are_read_when_the_client_first_runs_on_a_loop(
    server: httpbin.TestServer, monkeypatch: pytest.MonkeyPatch, fetch: Fetch, blocked: Blocked
) -> None:
    assert (await fetch(f"{server.url}/get")).status == 200
    monkeypatch.setenv("TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS", "true")
    assert (await fetch(f"{server.url}/get")).status == 200
    await client.aclose_clients()  # a restart of the client on this loop reads them again
    await blocked(f"{server.url}/get")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TASKLINK_HTTP_BLOCKED_NETWORKS", "not-a-network"),
        ("TASKLINK_HTTP_MAX_RESPONSE_BYTES", "ten"),
    ],
)
async def test_invalid_settings_refuse_every_request(
    server: httpbin.TestServer,
    monkeypatch: pytest.MonkeyPatch,
    failure: Callable[..., Awaitable[ConnectorError]],
    variable: str,
    value: str,
) -> None:
    monkeypatch.setenv(variable, value)
    before = len(server.log)
    for _ in range(2):  # read again (and refused again) until it is fixed
        error = await failure(f"{server.url}/get")
        assert (error.code, error.retryable) == ("CONFIGURATION_ERROR", False)
        assert error.message.startswith(f"the outbound client is misconfigured: {variable}: ")
    assert len(server.log) == before


# -- link-local and metadata addresses, refused by default -----------------------------------


@pytest.fixture
def attempts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The addresses the client opens sockets to; none is opened (each attempt fails at
    once), so these tests need no such address to exist."""
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
    url: str, attempts: list[str], blocked: Blocked
) -> None:
    started = time.monotonic()
    error = await blocked(url)
    assert time.monotonic() - started < 5
    assert attempts == []
    assert "link-local or cloud metadata" in error.message


async def test_a_name_for_a_metadata_address_is_refused_by_default(
    monkeypatch: pytest.MonkeyPatch, attempts: list[str], blocked: Blocked
) -> None:
    resolve(monkeypatch, {"metadata.test": "169.254.169.254"})
    error = await blocked("http://metadata.test/computeMetadata/v1/")
    assert "169.254" not in error.message  # the rule, never the address
    assert attempts == []


async def test_metadata_addresses_are_refused_with_private_networks_allowed_explicitly(
    monkeypatch: pytest.MonkeyPatch, attempts: list[str], blocked: Blocked
) -> None:
    monkeypatch.setenv("TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS", "false")
    await blocked("http://169.254.169.254/latest/meta-data/")
    assert attempts == []


@pytest.mark.parametrize(
    ("networks", "url", "address"),
    [
        ("169.254.169.254", "http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("169.254.0.0/16", "http://[::ffff:169.254.169.254]/", "::ffff:a9fe:a9fe"),
        ("fd00:ec2::254", "http://[fd00:ec2::254]/latest/meta-data/", "fd00:ec2::254"),
    ],
)
async def test_listed_networks_make_metadata_addresses_reachable(
    monkeypatch: pytest.MonkeyPatch,
    attempts: list[str],
    failure: Callable[..., Awaitable[ConnectorError]],
    networks: str,
    url: str,
    address: str,
) -> None:
    monkeypatch.setenv("TASKLINK_HTTP_ALLOWED_NETWORKS", networks)
    error = await failure(url)
    assert error.code == "CONNECTION_FAILED", error.message
    assert attempts == [address]  # the guard let the connection be opened


async def test_an_allowed_host_may_resolve_to_a_metadata_address(
    monkeypatch: pytest.MonkeyPatch,
    attempts: list[str],
    failure: Callable[..., Awaitable[ConnectorError]],
) -> None:
    resolve(monkeypatch, {"metadata.test": "169.254.169.254"})
    monkeypatch.setenv("TASKLINK_HTTP_ALLOWED_HOSTS", "metadata.test")
    error = await failure("http://metadata.test/computeMetadata/v1/")
    assert error.code == "CONNECTION_FAILED", error.message
    assert attempts == ["169.254.169.254"]


# -- allowed hosts on real connections -------------------------------------------------------


async def test_an_allowed_host_reaches_a_private_address(
    server: httpbin.TestServer, block_private: Any, fetch: Fetch
) -> None:
    block_private.setenv("TASKLINK_HTTP_ALLOWED_HOSTS", "LOCALHOST")
    assert (await fetch(f"{via_localhost(server)}/get")).status == 200


async def test_a_subdomain_pattern_reaches_a_private_address(
    server: httpbin.TestServer, block_private: Any, fetch: Fetch
) -> None:
    resolve(block_private, {"orders.internal.test": "127.0.0.1"})
    block_private.setenv("TASKLINK_HTTP_ALLOWED_HOSTS", "*.internal.test")
    response = await fetch(f"http://orders.internal.test:{port_of(server)}/get")
    assert response.status == 200


async def test_an_allowed_host_is_not_exempt_from_blocked_networks(
    server: httpbin.TestServer, monkeypatch: pytest.MonkeyPatch, blocked: Blocked
) -> None:
    monkeypatch.setenv("TASKLINK_HTTP_ALLOWED_HOSTS", "localhost")
    monkeypatch.setenv("TASKLINK_HTTP_BLOCKED_NETWORKS", "127.0.0.0/8")
    error = await blocked(f"{via_localhost(server)}/get")
    assert "TASKLINK_HTTP_BLOCKED_NETWORKS" in error.message


async def test_allowed_hosts_apply_per_redirect_hop(
    server: httpbin.TestServer, block_private: Any, fetch: Fetch, blocked: Blocked
) -> None:
    block_private.setenv("TASKLINK_HTTP_ALLOWED_HOSTS", "localhost")
    start = f"{via_localhost(server)}/redirect-to"
    same_host = await fetch(start, query=[("url", "/get")], follow_redirects=True)
    assert (same_host.status, same_host.url) == (200, f"{via_localhost(server)}/get")
    await blocked(start, query=[("url", f"{server.url}/get")], follow_redirects=True)


async def test_allowed_hosts_apply_to_the_token_endpoint(
    server: httpbin.TestServer,
    oauth: httpbin.OAuthServer,
    block_private: Any,
    fetch: Fetch,
    blocked: Blocked,
) -> None:
    oauth.clients["hosts-client"] = "hosts-secret"
    block_private.setenv("TASKLINK_HTTP_ALLOWED_HOSTS", "localhost")
    api = f"{via_localhost(server)}/oauth/protected"
    auth = client.OAuth2ClientCredentials(
        f"{via_localhost(server)}/oauth/token", "hosts-client", "hosts-secret"
    )
    assert (await fetch(api, auth=auth)).status == 200
    # The API's host is allowed, the token endpoint's (an address) is not.
    refused = await blocked(
        api,
        auth=client.OAuth2ClientCredentials(
            f"{server.url}/oauth/token", "hosts-client", "hosts-secret"
        ),
    )
    assert refused.message.startswith(
        f"could not get an OAuth 2.0 token: POST {server.url}/oauth/token was refused"
    )


# -- through a proxy -------------------------------------------------------------------------
# The proxy resolves the target itself: the client resolves and checks it before sending.
# A target it cannot resolve is not sent while private networks are blocked; otherwise
# only link-local addresses (local to this machine) are refused, and a name only the proxy
# can resolve goes to the proxy.


@pytest.fixture
def proxy(server: httpbin.TestServer, monkeypatch: pytest.MonkeyPatch) -> httpbin.TestServer:
    """The test server as the environment's HTTP proxy (it answers proxied requests with
    its echo, ``proxied: true``)."""
    monkeypatch.setenv("HTTP_PROXY", server.url)
    return server


async def test_through_a_proxy_the_target_is_checked_before_sending(
    proxy: httpbin.TestServer, block_private: Any, blocked: Blocked
) -> None:
    before = len(proxy.log)
    await blocked("http://169.254.169.254/latest/meta-data/")
    assert len(proxy.log) == before


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest/meta-data/", "http://[::ffff:169.254.169.254]/"]
)
async def test_metadata_addresses_are_refused_through_a_proxy(
    proxy: httpbin.TestServer, url: str, blocked: Blocked
) -> None:
    before = len(proxy.log)
    await blocked(url)
    assert len(proxy.log) == before


async def test_through_a_proxy_the_token_endpoint_is_checked_before_sending(
    proxy: httpbin.TestServer, block_private: Any, blocked: Blocked
) -> None:
    block_private.setenv("TASKLINK_HTTP_ALLOWED_NETWORKS", "127.0.0.1")
    before = len(proxy.log)
    error = await blocked(
        "http://127.0.0.1:9/anything",
        auth=oauth_to("http://169.254.169.254/latest/meta-data/iam/token"),
    )
    assert "169.254.169.254" in error.message  # the token URL the caller itself named
    assert len(proxy.log) == before  # nothing reached the proxy, not even the API request


async def test_through_a_proxy_an_allowed_target_is_sent(
    proxy: httpbin.TestServer, block_private: Any, fetch: Fetch
) -> None:
    block_private.setenv("TASKLINK_HTTP_ALLOWED_NETWORKS", "127.0.0.1")
    response = await fetch("http://127.0.0.1:9/anything")
    assert response.json()["proxied"] is True


async def test_listed_networks_make_metadata_addresses_reachable_through_a_proxy(
    proxy: httpbin.TestServer, monkeypatch: pytest.MonkeyPatch, fetch: Fetch
) -> None:
    monkeypatch.setenv("TASKLINK_HTTP_ALLOWED_NETWORKS", "169.254.169.254")
    response = await fetch("http://169.254.169.254/anything")
    assert response.json()["proxied"] is True


async def test_allowed_hosts_apply_through_a_proxy(
    proxy: httpbin.TestServer, block_private: Any, fetch: Fetch, blocked: Blocked
) -> None:
    before = len(proxy.log)
    await blocked("http://localhost:9/anything")
    assert len(proxy.log) == before
    await client.aclose_clients()
    block_private.setenv("TASKLINK_HTTP_ALLOWED_HOSTS", ".localhost")
    response = await fetch("http://localhost:9/anything")
    assert response.json()["proxied"] is True


async def test_without_the_private_rule_the_proxy_resolves_what_we_cannot(
    proxy: httpbin.TestServer, fetch: Fetch
) -> None:
    response = await fetch("http://no-such-host.invalid/anything")
    assert response.json()["proxied"] is True


async def test_an_unresolvable_target_is_a_connection_failure_through_a_proxy(
    proxy: httpbin.TestServer, block_private: Any, failure: Callable[..., Awaitable[Any]]
) -> None:
    before = len(proxy.log)
    error = await failure("http://no-such-host.invalid/")
    assert (error.code, error.retryable) == ("CONNECTION_FAILED", True)
    assert error.message.startswith(
        "GET http://no-such-host.invalid/ failed: could not resolve 'no-such-host.invalid'"
    )
    assert len(proxy.log) == before  # the proxy would have resolved it unchecked


async def test_a_resolver_that_hangs_is_a_timeout_through_a_proxy(
    proxy: httpbin.TestServer,
    block_private: Any,
    failure: Callable[..., Awaitable[ConnectorError]],
) -> None:
    async def hanging(host: Any, port: Any, **kwargs: Any) -> Any:
        await anyio.sleep(30)

    block_private.setattr(anyio, "getaddrinfo", hanging)
    before = len(proxy.log)
    error = await failure("http://slow-dns.test/", timeouts=client.Timeouts(connect=0.2))
    assert (error.code, error.retryable) == ("TIMEOUT", True)
    assert error.message == (
        "GET http://slow-dns.test/ timed out: no connection within 0.2 s (connect timeout)"
    )
    assert len(proxy.log) == before


async def test_an_unresolvable_token_endpoint_is_a_connection_failure_through_a_proxy(
    proxy: httpbin.TestServer,
    block_private: Any,
    failure: Callable[..., Awaitable[ConnectorError]],
) -> None:
    before = len(proxy.log)
    error = await failure(
        "http://127.0.0.1:9/anything", auth=oauth_to("http://no-such-host.invalid/token")
    )
    assert (error.code, error.retryable) == ("CONNECTION_FAILED", True)
    assert error.message.startswith(
        "could not get an OAuth 2.0 token: POST http://no-such-host.invalid/token failed: "
        "could not resolve"
    )
    assert len(proxy.log) == before


# -- services named by host and port (check_host) --------------------------------------------
# Mail and database drivers open their own connections: the check resolves and checks the
# host once and hands back the checked addresses, for the driver to connect to.

Check = Callable[..., Awaitable[list[Any]]]


@pytest.fixture(params=["async", "blocking"])
def check_host(request: pytest.FixtureRequest) -> Check:
    """``await check_host(host, port, **options)``: each variant, the blocking one in a
    worker thread as its callers run it."""
    if request.param == "async":
        return guard.check_host

    async def blocking(host: str, port: int, **options: Any) -> list[Any]:
        call = functools.partial(guard.check_host_blocking, host, port, **options)
        return await anyio.to_thread.run_sync(call)

    return blocking


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Names the system resolver answers (both variants look up through it), with their
    addresses; every other name does not resolve. Each lookup is recorded under ``""``."""
    known: dict[str, list[str]] = {"": []}

    def fake(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        known[""].append(name)
        if name not in known:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (address, port),
            )
            for address in known[name]
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return known


@pytest.mark.parametrize(
    "host", ["169.254.169.254", "fe80::1", "[::ffff:169.254.169.254]", "100.100.100.200"]
)
async def test_a_service_at_a_link_local_or_metadata_address_is_refused(
    check_host: Check, host: str
) -> None:
    with pytest.raises(client.BlockedAddressError) as refused:
        await check_host(host, 25, private_networks_allowed=True)
    assert "link-local or cloud metadata" in refused.value.reason


async def test_every_address_of_a_service_name_is_checked(
    check_host: Check, answers: dict[str, list[str]]
) -> None:
    answers["mail.test"] = ["192.0.2.10", "169.254.169.254"]
    with pytest.raises(client.BlockedAddressError) as refused:
        await check_host("mail.test", 993, private_networks_allowed=True)
    assert refused.value.host == "mail.test"
    assert "169.254" not in str(refused.value)  # the rule, never the address


async def test_the_checked_addresses_come_back_from_one_lookup(
    check_host: Check, answers: dict[str, list[str]]
) -> None:
    answers["mail.test"] = ["192.0.2.10", "2001:db8::10"]
    addresses = await check_host("mail.test", 587)
    assert addresses == [ipaddress.ip_address("192.0.2.10"), ipaddress.ip_address("2001:db8::10")]
    assert answers[""] == ["mail.test"]


async def test_private_services_pass_when_the_caller_allows_private_networks(
    check_host: Check, block_private: pytest.MonkeyPatch, answers: dict[str, list[str]]
) -> None:
    answers["db.internal.test"] = ["10.1.2.3"]
    assert await check_host("127.0.0.1", 25, private_networks_allowed=True) == [
        ipaddress.ip_address("127.0.0.1")
    ]
    assert await check_host("db.internal.test", 5432, private_networks_allowed=True) == [
        ipaddress.ip_address("10.1.2.3")
    ]
    # The default is the full policy, as for HTTP endpoints.
    with pytest.raises(client.BlockedAddressError) as refused:
        await check_host("db.internal.test", 5432)
    assert "TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS" in refused.value.reason


async def test_the_allow_lists_open_a_metadata_address_to_a_service(
    check_host: Check, monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]
) -> None:
    monkeypatch.setenv("TASKLINK_HTTP_ALLOWED_NETWORKS", "169.254.169.254")
    assert await check_host("169.254.169.254", 25, private_networks_allowed=True) == [
        ipaddress.ip_address("169.254.169.254")
    ]
    answers["metadata.test"] = ["169.254.0.1"]
    with pytest.raises(client.BlockedAddressError):
        await check_host("metadata.test", 25, private_networks_allowed=True)
    monkeypatch.setenv("TASKLINK_HTTP_ALLOWED_HOSTS", "metadata.test")
    assert await check_host("metadata.test", 25, private_networks_allowed=True) == [
        ipaddress.ip_address("169.254.0.1")
    ]


async def test_blocked_networks_refuse_a_service_whatever_else_is_set(
    check_host: Check, monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]
) -> None:
    answers["db.internal.test"] = ["10.1.2.3"]
    monkeypatch.setenv("TASKLINK_HTTP_BLOCKED_NETWORKS", "10.0.0.0/8")
    monkeypatch.setenv("TASKLINK_HTTP_ALLOWED_NETWORKS", "10.1.0.0/16")
    monkeypatch.setenv("TASKLINK_HTTP_ALLOWED_HOSTS", "db.internal.test")
    with pytest.raises(client.BlockedAddressError) as refused:
        await check_host("db.internal.test", 5432, private_networks_allowed=True)
    assert "TASKLINK_HTTP_BLOCKED_NETWORKS" in refused.value.reason


async def test_a_service_name_that_does_not_resolve_raises_os_error(
    check_host: Check, answers: dict[str, list[str]]
) -> None:
    with pytest.raises(socket.gaierror):  # an OSError, as connecting by the name raises
        await check_host("no-such-host.invalid", 25, private_networks_allowed=True)


async def test_invalid_settings_fail_the_service_check(
    check_host: Check, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKLINK_HTTP_BLOCKED_NETWORKS", "not-a-network")
    with pytest.raises(client.PolicyConfigError):
        await check_host("192.0.2.10", 25)


async def test_a_service_lookup_that_hangs_ends_at_the_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def hanging(host: Any, port: Any, **kwargs: Any) -> Any:
        await anyio.sleep(30)

    monkeypatch.setattr(anyio, "getaddrinfo", hanging)
    with pytest.raises(TimeoutError):
        await guard.check_host("slow-dns.test", 25, timeout=0.05)
