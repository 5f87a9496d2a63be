"""Authentication schemes: static credentials, OAuth 2.0 grants with the shared token cache,
an API's own scheme through ``AuthScheme``, and schemes on a plain httpx client."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote_plus

import httpx
import pytest

from tasklink import client
from tasklink.client import _auth
from tasklink.core import (
    ConnectorError,
    Context,
    InputError,
    JobInfo,
    MappingSecretProvider,
    Redactor,
    SecretResolver,
)
from tasklink.testing import httpbin

CLIENT_ID = "order-service"
CLIENT_SECRET = "cl!ent+secret/with=odd chars"
REFRESH_TOKEN = "rt-initial-refresh-token"

Fetch = Callable[..., Awaitable[client.Response]]
Failure = Callable[..., Awaitable[ConnectorError]]


def masked(ctx: Context, *values: str) -> bool:
    """Whether the job's redactor masks every one of ``values``."""
    return all(ctx.redactor.redact(f"<{value}>") == "<***>" for value in values)


# -- static credentials ------------------------------------------------------------------------


async def test_basic(server: httpbin.TestServer, fetch: Fetch, ctx: Context) -> None:
    auth = client.BasicAuth("ada", "p%40ss-word")
    response = await fetch(f"{server.url}/basic-auth/ada/p%40ss-word", auth=auth)
    assert response.json() == {"authenticated": True, "user": "ada"}
    header = base64.b64encode(b"ada:p%40ss-word").decode()
    assert masked(ctx, "p%40ss-word", header)
    assert not masked(ctx, "ada")  # a user name is no secret


async def test_a_refused_password_is_a_401_with_its_challenge(
    server: httpbin.TestServer, fetch: Fetch
) -> None:
    auth = client.BasicAuth("ada", "wrong-password")
    response = await fetch(f"{server.url}/basic-auth/ada/right", auth=auth)
    assert response.status == 401
    # The challenge carries no credential: it stays readable to explain the 401.
    assert response.headers["www-authenticate"] == 'Basic realm="Fake Realm"'


async def test_bearer(server: httpbin.TestServer, fetch: Fetch, ctx: Context) -> None:
    response = await fetch(f"{server.url}/bearer", auth=client.BearerAuth("abc.def.ghi"))
    assert response.json() == {"authenticated": True, "token": "abc.def.ghi"}
    assert server.log[-1]["headers"]["Authorization"] == "Bearer abc.def.ghi"
    assert masked(ctx, "abc.def.ghi")


async def test_no_auth_sends_no_credentials(server: httpbin.TestServer, fetch: Fetch) -> None:
    response = await fetch(f"{server.url}/bearer", auth=client.NO_AUTH)
    assert response.status == 401
    assert "Authorization" not in server.log[-1]["headers"]


async def test_api_key_in_a_header(server: httpbin.TestServer, fetch: Fetch, ctx: Context) -> None:
    auth = client.ApiKeyAuth("X-API-Key", "key-12345")
    await fetch(f"{server.url}/anything", auth=auth)
    assert server.log[-1]["headers"]["X-API-Key"] == "key-12345"
    assert masked(ctx, "key-12345")


async def test_api_key_in_the_query_is_masked_in_the_final_url(
    server: httpbin.TestServer, fetch: Fetch, ctx: Context
) -> None:
    auth = client.ApiKeyAuth("api_key", "k/ey with+odd&chars", location="query")
    response = await fetch(f"{server.url}/anything", query=[("page", "2")], auth=auth)
    assert response.json()["args"] == {"page": "2", "api_key": "k/ey with+odd&chars"}
    # The URL carries the key as httpx escaped it; the redactor knows that form too.
    assert "api_key=" in response.url
    assert "odd" not in ctx.redactor.redact(response.url)


def sent_headers(response: client.Response, name: str) -> list[str]:
    """Every value of header ``name`` the test server received (any case)."""
    return [v for k, v in response.json()["rawHeaders"] if k.lower() == name]


async def test_a_schemes_header_replaces_the_callers(
    server: httpbin.TestServer, fetch: Fetch
) -> None:
    response = await fetch(
        f"{server.url}/anything",
        headers={"authorization": "Basic old", "x-api-key": "old"},
        auth=client.BearerAuth("fresh-token"),
    )
    assert sent_headers(response, "authorization") == ["Bearer fresh-token"]
    assert sent_headers(response, "x-api-key") == ["old"]  # not the scheme's: left alone
    response = await fetch(
        f"{server.url}/anything",
        headers={"X-Api-Key": "old"},
        auth=client.ApiKeyAuth("x-api-key", "new-key"),
    )
    assert sent_headers(response, "x-api-key") == ["new-key"]


# -- OAuth 2.0 client credentials ------------------------------------------------------------


@pytest.fixture
def cc(server: httpbin.TestServer, oauth: httpbin.OAuthServer) -> Callable[..., Any]:
    """``cc(**overrides)``: client credentials for the test server's token endpoint."""
    oauth.clients = {CLIENT_ID: CLIENT_SECRET}

    def cc(**overrides: Any) -> client.OAuth2ClientCredentials:
        fields = {
            "token_url": f"{server.url}/oauth/token",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            **overrides,
        }
        return client.OAuth2ClientCredentials(**fields)

    return cc


async def test_client_credentials_in_a_basic_header_then_the_cached_token(
    server: httpbin.TestServer, oauth: httpbin.OAuthServer, cc: Any, fetch: Fetch
) -> None:
    for _ in range(3):
        response = await fetch(f"{server.url}/oauth/protected", auth=cc())
        assert response.json() == {"ok": True}
    assert len(oauth.requests) == 1
    assert oauth.requests[0]["basic"] is True
    assert oauth.requests[0]["form"] == {"grant_type": "client_credentials"}


async def test_client_credentials_in_the_body_with_audience_and_scopes(
    server: httpbin.TestServer, oauth: httpbin.OAuthServer, cc: Any, fetch: Fetch
) -> None:
    auth = cc(client_authentication="body", audience="https://api.example", scopes="read, write")
    assert (await fetch(f"{server.url}/oauth/protected", auth=auth)).status == 200
    assert oauth.requests[0]["basic"] is False
    assert oauth.requests[0]["form"] == {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "audience": "https://api.example",
        "scope": "read write",
    }


async def test_concurrent_requests_share_one_token_request(
    server: httpbin.TestServer, oauth: httpbin.OAuthServer, cc: Any, fetch: Fetch
) -> None:
    responses = await asyncio.gather(
        *(fetch(f"{server.url}/oauth/protected", auth=cc()) for _ in range(8))
    )
    assert [r.status for r in responses] == [200] * 8
    assert len(oauth.requests) == 1


async def test_a_token_is_renewed_before_it_expires(
    server: httpbin.TestServer,
    oauth: httpbin.OAuthServer,
    cc: Any,
    fetch: Fetch,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # expires_in 3600: reused for 3540 s, renewed within the last minute.
    now = [1000.0]
    monkeypatch.setattr("tasklink.client._auth.time.monotonic", lambda: now[0])
    for elapsed, fetches in ((0, 1), (3539, 1), (3541, 2)):
        now[0] = 1000.0 + elapsed
        assert (await fetch(f"{server.url}/oauth/protected", auth=cc())).status == 200
        assert len(oauth.requests) == fetches, elapsed


async def test_a_token_without_lifetime_is_not_cached(
    server: httpbin.TestServer, oauth: httpbin.OAuthServer, cc: Any, fetch: Fetch
) -> None:
    oauth.expires_in = 0
    for _ in range(2):
        assert (await fetch(f"{server.url}/oauth/protected", auth=cc())).status == 200
    assert len(oauth.requests) == 2


async def test_a_revoked_cached_token_is_renewed_once(
    server: httpbin.TestServer, oauth: httpbin.OAuthServer, cc: Any, fetch: Fetch
) -> None:
    assert (await fetch(f"{server.url}/oauth/protected", auth=cc())).status == 200
    oauth.revoke_all()
    before = len(server.log)
    assert (await fetch(f"{server.url}/oauth/protected", auth=cc())).status == 200
    assert len(oauth.requests) == 2
    paths = [entry["path"] for entry in server.log[before:]]
    assert paths == ["/oauth/protected", "/oauth/token", "/oauth/protected"]


async def test_a_fresh_token_that_is_rejected_is_not_renewed(
    server: httpbin.TestServer,
    oauth: httpbin.OAuthServer,
    cc: Any,
    fetch: Fetch,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Tokens are issued but never accepted: one fetch, one 401, no loop.
    monkeypatch.setattr(oauth, "tokens", set())
    monkeypatch.setattr(oauth, "issue", lambda: "never-valid-token")
    response = await fetch(f"{server.url}/oauth/protected", auth=cc())
    assert response.status == 401
    assert len(oauth.requests) == 1


async def test_a_401_from_another_origin_does_not_renew_the_token(
    server: httpbin.TestServer, oauth: httpbin.OAuthServer, cc: Any, fetch: Fetch
) -> None:
    # The token was never sent to the redirect target, so its 401 says nothing about it.
    other = server.url.replace("127.0.0.1", "localhost")
    assert (await fetch(f"{server.url}/oauth/protected", auth=cc())).status == 200
    response = await fetch(
        f"{server.url}/redirect-to",
        query=[("url", f"{other}/oauth/protected")],
        follow_redirects=True,
        auth=cc(),
    )
    assert response.status == 401
    assert len(oauth.requests) == 1


async def test_refused_client_credentials(
    server: httpbin.TestServer, cc: Any, failure: Failure
) -> None:
    error = await failure(f"{server.url}/oauth/protected", auth=cc(client_secret="wrong-secret"))
    assert (error.code, error.retryable) == ("AUTHENTICATION_FAILED", False)
    assert error.variables == {
        "tokenEndpointStatus": 401,
        "error": "invalid_client",
        "errorDescription": "bad client",
    }
    assert error.message == (
        f"the token endpoint {server.url}/oauth/token answered HTTP 401: bad client"
    )


@pytest.mark.parametrize(("status", "retryable"), [(429, True), (503, True), (400, False)])
async def test_a_token_endpoint_that_fails_is_retried_for_429_and_5xx(
    server: httpbin.TestServer, cc: Any, failure: Failure, status: int, retryable: bool
) -> None:
    # /problem answers application/problem+json without RFC 6749 fields: none reach the
    # variables, nor anything else of the body.
    error = await failure(f"{server.url}/get", auth=cc(token_url=f"{server.url}/problem/{status}"))
    assert (error.code, error.retryable) == ("AUTHENTICATION_FAILED", retryable)
    assert error.variables == {"tokenEndpointStatus": status}


async def test_a_token_endpoint_that_breaks_off_is_a_retryable_timeout(
    server: httpbin.TestServer, cc: Any, failure: Failure
) -> None:
    # /delay answers after 2 s: the read timeout hits while the token response is awaited.
    error = await failure(
        f"{server.url}/get",
        auth=cc(token_url=f"{server.url}/delay/2"),
        timeouts=client.Timeouts(read=0.2),
    )
    assert (error.code, error.retryable) == ("TIMEOUT", True)
    assert error.message == (
        f"could not get an OAuth 2.0 token: POST {server.url}/delay/2 timed out: "
        "no response data within 0.2 s (read timeout)"
    )


async def test_an_unreachable_token_endpoint_is_retryable(cc: Any, failure: Failure) -> None:
    error = await failure("http://127.0.0.1:9/x", auth=cc(token_url="http://127.0.0.1:9/token"))
    assert (error.code, error.retryable) == ("CONNECTION_FAILED", True)
    assert error.message.startswith("could not get an OAuth 2.0 token: POST http://127.0.0.1:9/")


async def test_a_token_endpoint_gzip_bomb_is_inflated_only_up_to_the_limit(
    server: httpbin.TestServer, cc: Any, failure: Failure, inflated: list[int]
) -> None:
    from tasklink.client._auth import TOKEN_RESPONSE_LIMIT
    from tasklink.client._decoding import DECODE_STEP

    bomb = cc(token_url=f"{server.url}/gzip-bomb?size={16 * 1024 * 1024}")
    error = await failure(f"{server.url}/get", auth=bomb)
    assert (error.code, error.retryable) == ("AUTHENTICATION_FAILED", False)
    assert "answered with more than 1048576 bytes" in error.message
    assert inflated and max(inflated) <= DECODE_STEP
    assert sum(inflated) <= TOKEN_RESPONSE_LIMIT + DECODE_STEP


async def test_a_token_endpoint_answering_huge_or_odd_bodies(
    server: httpbin.TestServer, cc: Any, failure: Failure
) -> None:
    huge = await failure(f"{server.url}/get", auth=cc(token_url=f"{server.url}/large?size=2000000"))
    assert huge.code == "AUTHENTICATION_FAILED"
    assert "answered with more than" in huge.message
    text = await failure(f"{server.url}/get", auth=cc(token_url=f"{server.url}/xml"))
    assert (text.code, text.retryable) == ("AUTHENTICATION_FAILED", False)
    assert text.message == f"the token endpoint {server.url}/xml returned no access_token"


async def test_only_bearer_tokens_are_used(
    server: httpbin.TestServer, oauth: httpbin.OAuthServer, cc: Any, failure: Failure
) -> None:
    oauth.token_type = "mac"
    before = len(server.log)
    error = await failure(f"{server.url}/oauth/protected", auth=cc())
    assert (error.code, error.retryable) == ("AUTHENTICATION_FAILED", False)
    assert "issued a 'mac' token; only bearer tokens are supported" in error.message
    assert [entry["path"] for entry in server.log[before:]] == ["/oauth/token"]


async def test_an_invalid_token_url_is_an_input_error_naming_the_callers_field(
    server: httpbin.TestServer, cc: Any, ctx: Context
) -> None:
    fields = client.FieldNames(token_url="auth.tokenEndpoint")
    for token_url in ("ftp://127.0.0.1/token", "http://xn--a.example/token"):
        request = client.Request(
            "GET", f"{server.url}/get", auth=cc(token_url=token_url), fields=fields
        )
        with pytest.raises(InputError) as raised:
            await client.send(request, ctx)
        assert raised.value.field == "auth.tokenEndpoint"
        assert raised.value.message.startswith("auth.tokenEndpoint: ")


async def test_token_and_secret_are_masked_and_never_logged(
    server: httpbin.TestServer,
    oauth: httpbin.OAuthServer,
    cc: Any,
    fetch: Fetch,
    ctx: Context,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = await fetch(f"{server.url}/bearer", auth=cc())
    issued = response.json()["token"]
    # RFC 6749 section 2.3.1: both parts form-encoded, then Basic-encoded.
    basic = base64.b64encode(f"{quote_plus(CLIENT_ID)}:{quote_plus(CLIENT_SECRET)}".encode())
    basic = basic.decode()
    assert masked(ctx, issued, CLIENT_SECRET, basic)
    assert "fetched an OAuth 2.0 token" in caplog.text
    for value in (issued, CLIENT_SECRET, basic):
        assert value not in caplog.text
    # A later job with its own redactor learns the cached token when it uses it.
    later = Context(JobInfo(), SecretResolver(MappingSecretProvider({})))
    await client.send(client.Request("GET", f"{server.url}/bearer", auth=cc()), later)
    assert masked(later, issued)
    assert len(oauth.requests) == 1


# -- OAuth 2.0 refresh token -----------------------------------------------------------------


@pytest.fixture
def refresh(server: httpbin.TestServer, oauth: httpbin.OAuthServer) -> Callable[..., Any]:
    """``refresh(**overrides)``: a refresh token grant the test server accepts."""
    oauth.clients = {CLIENT_ID: CLIENT_SECRET}
    oauth.refresh_tokens = {REFRESH_TOKEN}

    def refresh(**overrides: Any) -> client.OAuth2RefreshToken:
        fields = {
            "token_url": f"{server.url}/oauth/token",
            "refresh_token": REFRESH_TOKEN,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            **overrides,
        }
        return client.OAuth2RefreshToken(**fields)

    return refresh


async def test_a_refresh_token_is_exchanged_for_a_cached_access_token(
    server: httpbin.TestServer,
    oauth: httpbin.OAuthServer,
    refresh: Any,
    fetch: Fetch,
    ctx: Context,
) -> None:
    for _ in range(2):
        response = await fetch(f"{server.url}/bearer", auth=refresh(scopes="mail.read"))
        assert response.status == 200
    assert len(oauth.requests) == 1
    assert oauth.requests[0] == {
        "form": {
            "grant_type": "refresh_token",
            "refresh_token": REFRESH_TOKEN,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scope": "mail.read",
        },
        "basic": False,  # the default for refresh grants: credentials in the body
    }
    assert masked(ctx, REFRESH_TOKEN, CLIENT_SECRET, response.json()["token"])


async def test_a_public_client_or_a_basic_header(
    server: httpbin.TestServer, oauth: httpbin.OAuthServer, refresh: Any, fetch: Fetch
) -> None:
    public = refresh(client_id=None, client_secret=None)
    assert (await fetch(f"{server.url}/oauth/protected", auth=public)).status == 200
    assert oauth.requests[-1]["form"] == {
        "grant_type": "refresh_token",
        "refresh_token": REFRESH_TOKEN,
    }
    header = refresh(client_authentication="basic_header")
    assert (await fetch(f"{server.url}/oauth/protected", auth=header)).status == 200
    assert oauth.requests[-1]["basic"] is True
    assert "client_secret" not in oauth.requests[-1]["form"]


async def test_a_rotated_refresh_token_is_used_from_then_on(
    server: httpbin.TestServer,
    oauth: httpbin.OAuthServer,
    refresh: Any,
    fetch: Fetch,
    ctx: Context,
) -> None:
    oauth.rotate_refresh_tokens = True
    sent: list[str] = []
    for _ in range(3):
        assert (await fetch(f"{server.url}/oauth/protected", auth=refresh())).status == 200
        sent.append(oauth.requests[-1]["form"]["refresh_token"])
        oauth.revoke_all()  # the next request's cached token is refused: renewed
    # Each grant used the token the one before returned (the server retires used ones).
    assert sent[0] == REFRESH_TOKEN
    assert len(set(sent)) == 3 and all(token.startswith("rt-") for token in sent)
    [current] = oauth.refresh_tokens
    assert current not in sent
    assert masked(ctx, *sent, current)


async def test_a_refused_refresh_token(
    server: httpbin.TestServer, refresh: Any, failure: Failure
) -> None:
    error = await failure(f"{server.url}/get", auth=refresh(refresh_token="rt-revoked"))
    assert (error.code, error.retryable) == ("AUTHENTICATION_FAILED", False)
    assert error.variables == {
        "tokenEndpointStatus": 400,
        "error": "invalid_grant",
        "errorDescription": "unknown refresh token",
    }


def test_cache_keys_tell_credentials_apart_and_hold_no_secret(refresh: Any, cc: Any) -> None:
    key = refresh().cache_key()
    assert refresh().cache_key() == key  # equal settings, one cached token
    for change in (
        {"refresh_token": "rt-other"},
        {"client_secret": "other-secret"},
        {"client_id": "other-client"},
        {"scopes": "mail.send"},
        {"audience": "https://api.example"},
        {"token_url": "http://127.0.0.1:9/token"},
        {"client_authentication": "basic_header"},
    ):
        assert refresh(**change).cache_key() != key, change
    assert cc().cache_key() != key  # another grant for the same client
    assert cc(client_secret="other-secret").cache_key() != cc().cache_key()
    for secret in (REFRESH_TOKEN, CLIENT_SECRET):
        assert secret not in key and secret not in cc().cache_key()


async def test_equal_settings_share_the_cached_token(
    server: httpbin.TestServer, oauth: httpbin.OAuthServer, refresh: Any, cc: Any, fetch: Fetch
) -> None:
    for auth in (refresh(), refresh(), cc(), cc()):
        assert (await fetch(f"{server.url}/oauth/protected", auth=auth)).status == 200
    grants = [request["form"]["grant_type"] for request in oauth.requests]
    assert grants == ["refresh_token", "client_credentials"]


# -- the token cache -------------------------------------------------------------------------


def test_the_cache_drops_the_least_recently_used_and_keeps_a_replaced_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [0.0]
    monkeypatch.setattr("tasklink.client._auth.time.monotonic", lambda: now[0])
    cache = client.TokenCache(size=2)
    cache.put("a", "token-a", 100)
    cache.put("b", "token-b", 3600)
    assert cache.get("a") == "token-a"  # now the most recently used
    cache.put("c", "token-c", 3600)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("token-a", None, "token-c")
    # A tenth of the lifetime early, at most a minute: 100 s -> 90 s, 3600 s -> 3540 s.
    now[0] = 89.9
    assert cache.get("a") == "token-a"
    now[0] = 90.0
    assert cache.get("a") is None
    now[0] = 3539.9
    assert cache.get("c") == "token-c"
    # Another job renewed it meanwhile: a late invalidation of the old value keeps it.
    cache.put("c", "token-c2", 3600)
    cache.invalidate("c", "token-c")
    assert cache.get("c") == "token-c2"
    cache.invalidate("c", "token-c2")
    assert cache.get("c") is None


async def test_obtain_shares_one_fetch_and_renews_only_a_cached_credential() -> None:
    cache = client.TokenCache()
    locks: dict[str, asyncio.Lock] = {}
    fetched: list[str] = []
    gate = asyncio.Event()

    async def login() -> tuple[str, float | None]:
        await gate.wait()  # every job misses before the first fetch ends
        fetched.append(f"ticket-{len(fetched) + 1}")
        return fetched[-1], None

    def lock(key: str) -> asyncio.Lock:
        return locks.setdefault(key, asyncio.Lock())

    jobs = [asyncio.ensure_future(cache.obtain("k", login, lock)) for _ in range(3)]
    await asyncio.sleep(0)
    gate.set()
    (first, fresh), *others = await asyncio.gather(*jobs)
    assert (first, fresh, fetched) == ("ticket-1", None, ["ticket-1"])  # refused: no retry
    assert [value for value, _ in others] == ["ticket-1", "ticket-1"]
    renew = others[0][1]
    assert renew is not None
    # No lifetime: kept until it is renewed.
    assert cache.get("k") == "ticket-1"
    renew()
    assert await cache.obtain("k", login, lock) == ("ticket-2", None)


async def test_obtain_does_not_keep_a_credential_without_lifetime() -> None:
    cache = client.TokenCache()
    issued = iter(["token-1", "token-2"])

    async def fetch() -> tuple[str, float | None]:
        return next(issued), 0

    def lock(key: str) -> asyncio.Lock:
        return asyncio.Lock()

    assert await cache.obtain("k", fetch, lock) == ("token-1", None)
    assert await cache.obtain("k", fetch, lock) == ("token-2", None)


@pytest.mark.parametrize(
    ("expires_in", "lifetime"),
    [(120, 120.0), ("60", 60.0), (None, 300.0), (True, 300.0), ("inf", 300.0), ("soon", 300.0)],
)
def test_token_lifetime_from_expires_in(expires_in: Any, lifetime: float) -> None:
    data = {} if expires_in is None else {"expires_in": expires_in}
    assert _auth._lifetime(data) == lifetime


# -- an API's own scheme ---------------------------------------------------------------------


class TicketAuth:
    """What a connector writes for an API with a login call: the ticket it returns is
    cached in a token cache of the scheme's own, and dropped once when the API refuses it."""

    def __init__(self, login_url: str, user: str, password: str) -> None:
        self.login_url = login_url
        self.user = user
        self.password = password
        self.tickets = client.TokenCache()
        self.issued: list[str] = []

    async def apply(self, session: client.AuthSession) -> client.AppliedAuth:
        session.redactor.add(self.password)

        async def login() -> tuple[str, None]:
            basic = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            status, body = await session.post_form(
                self.login_url,
                {"grant_type": "client_credentials"},
                {"Authorization": f"Basic {basic}"},
            )
            assert status == 200, body
            self.issued.append(json.loads(body)["access_token"])
            return self.issued[-1], None  # kept until the API refuses it

        key = f"ticket {self.login_url} {self.user}"
        ticket, renew = await self.tickets.obtain(key, login, session.lock)
        session.redactor.add(ticket)
        return client.AppliedAuth(
            headers={"Authorization": f"Bearer {ticket}"},
            header_names=frozenset({"authorization"}),
            renew=renew,
        )


@pytest.fixture
def ticket(server: httpbin.TestServer, oauth: httpbin.OAuthServer) -> TicketAuth:
    oauth.clients = {"ticket-user": "ticket-password"}
    return TicketAuth(f"{server.url}/oauth/token", "ticket-user", "ticket-password")


async def test_an_apis_own_scheme_is_an_auth_scheme(
    server: httpbin.TestServer, ticket: TicketAuth, fetch: Fetch, ctx: Context
) -> None:
    assert isinstance(ticket, client.AuthScheme)
    for _ in range(2):
        assert (await fetch(f"{server.url}/oauth/protected", auth=ticket)).status == 200
    assert len(ticket.issued) == 1
    assert masked(ctx, "ticket-password", *ticket.issued)


async def test_a_401_renews_its_cached_credential_once(
    server: httpbin.TestServer,
    oauth: httpbin.OAuthServer,
    ticket: TicketAuth,
    fetch: Fetch,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert (await fetch(f"{server.url}/oauth/protected", auth=ticket)).status == 200
    oauth.revoke_all()
    assert (await fetch(f"{server.url}/oauth/protected", auth=ticket)).status == 200
    assert len(ticket.issued) == 2
    # Every ticket refused from now on: one renewal, then the 401 is the answer.
    oauth.revoke_all()
    monkeypatch.setattr(oauth, "issue", lambda: "never-valid-ticket")
    before = len(server.log)
    assert (await fetch(f"{server.url}/oauth/protected", auth=ticket)).status == 401
    assert len(ticket.issued) == 3
    paths = [entry["path"] for entry in server.log[before:]]
    assert paths == ["/oauth/protected", "/oauth/token", "/oauth/protected"]


async def test_an_apis_own_scheme_passes_the_guard(
    server: httpbin.TestServer, ticket: TicketAuth, failure: Failure
) -> None:
    ticket.login_url = "http://169.254.169.254/login"
    error = await failure(f"{server.url}/oauth/protected", auth=ticket)
    assert (error.code, error.retryable) == ("BLOCKED_ADDRESS", False)


# -- schemes on a plain httpx client ---------------------------------------------------------


async def test_httpx_auth_with_a_plain_async_client(
    server: httpbin.TestServer, oauth: httpbin.OAuthServer, cc: Any
) -> None:
    redactor = Redactor()
    async with httpx.AsyncClient() as token_client:
        auth = client.HttpxAuth(cc(), token_client=token_client, redactor=redactor)
        async with httpx.AsyncClient(auth=auth) as api:
            for _ in range(2):
                assert (await api.get(f"{server.url}/oauth/protected")).status_code == 200
            assert len(oauth.requests) == 1
            oauth.revoke_all()  # refused once, renewed once
            assert (await api.get(f"{server.url}/oauth/protected")).status_code == 200
            assert len(oauth.requests) == 2
            token = server.log[-1]["headers"]["Authorization"].removeprefix("Bearer ")
    assert redactor.redact(f"{token} {CLIENT_SECRET}") == "*** ***"


async def test_httpx_auth_shares_the_token_cache_with_send(
    server: httpbin.TestServer, oauth: httpbin.OAuthServer, cc: Any, fetch: Fetch
) -> None:
    assert (await fetch(f"{server.url}/oauth/protected", auth=cc())).status == 200
    async with httpx.AsyncClient() as token_client:
        auth = client.HttpxAuth(cc(), token_client=token_client, redactor=Redactor())
        async with httpx.AsyncClient(auth=auth) as api:
            assert (await api.get(f"{server.url}/oauth/protected")).status_code == 200
    assert len(oauth.requests) == 1


async def test_httpx_auth_with_a_static_scheme_and_its_token_client_closed(
    server: httpbin.TestServer,
) -> None:
    token_client = httpx.AsyncClient()
    auth = client.HttpxAuth(
        client.ApiKeyAuth("key", "query-key-1", location="query"),
        token_client=token_client,
        redactor=Redactor(),
    )
    async with httpx.AsyncClient(auth=auth) as api:
        response = await api.get(f"{server.url}/anything", params={"page": "1"})
    assert response.json()["args"] == {"page": "1", "key": "query-key-1"}
    await auth.aclose()
    assert token_client.is_closed
    with pytest.raises(RuntimeError, match="AsyncClient only"):
        next(auth.sync_auth_flow(httpx.Request("GET", f"{server.url}/anything")))
