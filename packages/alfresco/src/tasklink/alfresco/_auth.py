"""ACS tickets, as a scheme of the shared client (its extension point for an API's own
authentication).

``POST {base}/api/-default-/public/authentication/versions/1/tickets`` with
``{"userId", "password"}`` answers ``{"entry": {"id": "TICKET_..."}}``; the ticket is then
sent as ``Authorization: Basic base64(ticket)`` (the Authentication API's own advice,
``alfresco-auth.yaml``). One login per base URL and user serves every job of the process:
tickets are cached under the URL, the user and a hash of the password, and a ticket ACS
refuses with 401 (expired, or the repository restarted) is dropped and the request sent
once more after a new login.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass

from tasklink import client
from tasklink.core import TOKEN_TTL, ConnectorError, Context

__all__ = ["TICKETS_PATH", "TicketScheme", "tickets"]

TICKETS_PATH = "/api/-default-/public/authentication/versions/1/tickets"
# A login answer is a few hundred bytes.
_LOGIN_LIMIT = 64 * 1024


#: The process's tickets, in a cache of the shared client's kind with a bound of its own.
#: ACS does not say when a ticket expires: each is kept until ACS refuses it.
tickets = client.TokenCache()


@dataclass(frozen=True, slots=True, repr=False)
class TicketScheme:
    """Log in once per repository and user; send the ticket; log in again on 401."""

    base_url: str
    username: str
    password: str
    ctx: Context
    user_agent: str | None = None

    def _key(self) -> str:
        secret = hashlib.sha256(self.password.encode("utf-8")).hexdigest()
        digest = hashlib.sha256(repr((self.base_url, self.username, secret)).encode())
        # Prefixed: the key also names the session's lock, which OAuth tokens use too.
        return f"alfresco-ticket:{digest.hexdigest()}"

    async def apply(self, session: client.AuthSession) -> client.AppliedAuth:
        session.redactor.add(self.password)

        async def login() -> tuple[str, None]:
            return await self._login(session), None

        # A ticket from the cache may have expired: ACS's 401 logs in again, once (renew).
        ticket, renew = await tickets.obtain(self._key(), login, session.lock)
        header = base64.b64encode(ticket.encode("utf-8")).decode("ascii")
        session.redactor.add(ticket, ttl=TOKEN_TTL)
        session.redactor.add(header, ttl=TOKEN_TTL)
        return client.AppliedAuth(
            headers={"Authorization": f"Basic {header}"},
            header_names=frozenset({"authorization"}),
            renew=renew,
        )

    async def _login(self, session: client.AuthSession) -> str:
        url = self.base_url + TICKETS_PATH
        where = client.safe_url(url)
        body = json.dumps({"userId": self.username, "password": self.password})
        session.redactor.add(json.dumps(self.password)[1:-1])  # as JSON escapes it
        response = await client.send(
            client.Request(
                "POST",
                url,
                content=body.encode("utf-8"),
                content_type="application/json",
                headers={"Accept": "application/json"},
                timeouts=session.timeouts,
                fields=session.fields,
                user_agent=self.user_agent,
                max_response_bytes=_LOGIN_LIMIT,
            ),
            self.ctx,
        )
        if response.status >= 400:
            raise ConnectorError(
                f"the repository refused the login of user {self.username!r} at {where} "
                f"(HTTP {response.status})",
                code=client.ClientErrorCode.AUTHENTICATION_FAILED,
                variables={"status": response.status},
                retryable=client.is_retryable_status(response.status),
            )
        try:
            ticket = response.json()["entry"]["id"]
        except (ValueError, KeyError, TypeError):
            ticket = None
        if not isinstance(ticket, str) or not ticket:
            raise ConnectorError(
                f"the login at {where} answered without a ticket",
                code=client.ClientErrorCode.AUTHENTICATION_FAILED,
                variables={"status": response.status},
                retryable=False,
            )
        session.logger.debug("logged in to %s as %s", where, self.username)
        return ticket
