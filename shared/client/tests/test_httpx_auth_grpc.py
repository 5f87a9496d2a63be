"""``HttpxAuth.applied``: the credential for a transport httpx does not carry (the runtime's
Zeebe gRPC channel), from the same scheme, token client, cache and redactor as the flow."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tasklink import client
from tasklink.core import ConnectorError, Redactor
from tasklink.testing import httpbin

CLIENT_ID = "zeebe-worker"
CLIENT_SECRET = "grpc-client-secret-42"


@pytest.fixture
async def auth(
    server: httpbin.TestServer, oauth: httpbin.OAuthServer
) -> AsyncIterator[client.HttpxAuth]:
    oauth.clients = {CLIENT_ID: CLIENT_SECRET}
    scheme = client.OAuth2ClientCredentials(f"{server.url}/oauth/token", CLIENT_ID, CLIENT_SECRET)
    auth = client.HttpxAuth(scheme, token_client=httpx.AsyncClient(), redactor=Redactor())
    yield auth
    await auth.aclose()


async def test_the_cached_token_is_reused_until_renewed(
    server: httpbin.TestServer, oauth: httpbin.OAuthServer, auth: client.HttpxAuth
) -> None:
    first = await auth.applied()
    assert first.renew is None  # just fetched: a refusal of it is no stale cache
    again = await auth.applied()
    assert again.headers == first.headers
    assert len(oauth.requests) == 1
    assert again.renew is not None
    oauth.revoke_all()
    again.renew()  # the server refused it (gRPC UNAUTHENTICATED)
    fresh = await auth.applied()
    assert fresh.headers["Authorization"] != first.headers["Authorization"]
    assert len(oauth.requests) == 2
    async with httpx.AsyncClient() as api:
        response = await api.get(f"{server.url}/oauth/protected", headers=dict(fresh.headers))
    assert response.status_code == 200


async def test_a_late_renewal_keeps_the_newer_token(
    oauth: httpbin.OAuthServer, auth: client.HttpxAuth
) -> None:
    await auth.applied()
    stale = await auth.applied()
    assert stale.renew is not None
    stale.renew()
    newer = await auth.applied()
    stale.renew()  # a second call refused with the old token: the new one stays
    assert (await auth.applied()).headers == newer.headers
    assert len(oauth.requests) == 2


async def test_the_flow_and_applied_share_one_token(
    server: httpbin.TestServer, oauth: httpbin.OAuthServer, auth: client.HttpxAuth
) -> None:
    async with httpx.AsyncClient(auth=auth) as api:
        assert (await api.get(f"{server.url}/oauth/protected")).status_code == 200
    sent = server.log[-1]["headers"]["Authorization"]
    assert (await auth.applied()).headers["Authorization"] == sent
    assert len(oauth.requests) == 1


async def test_a_refused_token_request_raises_with_the_secret_masked(
    server: httpbin.TestServer, oauth: httpbin.OAuthServer
) -> None:
    oauth.clients = {}  # the endpoint knows no such client
    redactor = Redactor()
    scheme = client.OAuth2ClientCredentials(f"{server.url}/oauth/token", CLIENT_ID, CLIENT_SECRET)
    auth = client.HttpxAuth(scheme, token_client=httpx.AsyncClient(), redactor=redactor)
    try:
        with pytest.raises(ConnectorError) as info:
            await auth.applied()
    finally:
        await auth.aclose()
    assert info.value.code == "AUTHENTICATION_FAILED"
    assert info.value.variables["tokenEndpointStatus"] == 401
    assert redactor.redact(CLIENT_SECRET) == "***"
