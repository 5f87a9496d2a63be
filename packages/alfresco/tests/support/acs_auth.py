"""Who is asking: HTTP basic with a user's password, an ACS ticket (``alf_ticket`` in the
query or ``Basic base64(ticket)``), or an OAuth2 bearer token from the fake identity
service's client credentials grant (Keycloak's token endpoint shape)."""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from .acs_model import AcsError, Repository

__all__ = ["TOKEN_PATH", "Authenticator", "Client"]

TOKEN_PATH = "/auth/realms/alfresco/protocol/openid-connect/token"


@dataclass
class _Grant:
    user: str
    expires_at: float


@dataclass
class Client:
    """An OAuth2 client of the identity service; its tokens act as ``user``."""

    client_id: str
    secret: str
    user: str


class Authenticator:
    """Tickets, tokens and clients; expiry on the repository's clock."""

    def __init__(self, repo: Repository) -> None:
        self._repo = repo
        self._lock = threading.Lock()
        self.tickets: dict[str, _Grant] = {}
        self.tokens: dict[str, _Grant] = {}
        self.clients: dict[str, Client] = {}
        self.ticket_lifetime = 3600.0
        self.token_lifetime = 300
        self.token_requests: list[dict[str, str]] = []

    # -------------------------------------------------------------- tickets and tokens

    def login(self, user_id: Any, password: Any) -> str | None:
        user = self._repo.users.get(user_id) if isinstance(user_id, str) else None
        if user is None or not isinstance(password, str) or user.password != password:
            return None
        ticket = "TICKET_" + secrets.token_hex(20)
        with self._lock:
            self.tickets[ticket] = _Grant(user.id, self._repo.seconds() + self.ticket_lifetime)
        return ticket

    def ticket_user(self, ticket: str) -> str | None:
        grant = self.tickets.get(ticket)
        if grant is None or grant.expires_at <= self._repo.seconds():
            return None
        return grant.user

    def logout(self, ticket: str) -> bool:
        with self._lock:
            return self.tickets.pop(ticket, None) is not None

    def expire_tickets(self) -> None:
        """Every ticket issued so far stops working (ACS restarted, or they timed out)."""
        with self._lock:
            self.tickets.clear()

    def expire_tokens(self) -> None:
        """Every bearer token issued so far stops working."""
        with self._lock:
            self.tokens.clear()

    # -------------------------------------------------------------- requests

    def authenticate(self, headers: Mapping[str, str], query: Mapping[str, list[str]]) -> str:
        """The user a request acts as, or :class:`AcsError` 401."""
        user, _ = self.identify(headers, query)
        return user

    def identify(
        self, headers: Mapping[str, str], query: Mapping[str, list[str]]
    ) -> tuple[str, str | None]:
        """``(user, ticket the request used or None)``; :class:`AcsError` 401 otherwise."""
        failed = AcsError(
            401, "Authentication failed for Web Script org/alfresco/api/ResourceWebScript"
        )
        if "alf_ticket" in query:
            ticket = query["alf_ticket"][-1]
            user = self.ticket_user(ticket)
            if user is None:
                raise failed
            return user, ticket
        header = headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            grant = self.tokens.get(value.strip())
            if grant is None or grant.expires_at <= self._repo.seconds():
                raise failed
            return grant.user, None
        if scheme.lower() != "basic":
            raise failed
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise failed from exc
        name, colon, password = decoded.partition(":")
        # A ticket alone, or as the password of an empty or ROLE_TICKET user.
        candidate = decoded if not colon else password
        if candidate.startswith("TICKET_") and (not colon or name in ("", "ROLE_TICKET")):
            user = self.ticket_user(candidate)
            if user is None:
                raise failed
            return user, candidate
        record = self._repo.users.get(name)
        if record is None or record.password != password:
            raise failed
        return record.id, None

    # -------------------------------------------------------------- identity service

    def add_client(self, client_id: str, secret: str, user: str) -> Client:
        client = Client(client_id, secret, user)
        self.clients[client_id] = client
        return client

    def token(self, body: bytes, headers: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """The token endpoint: ``(status, JSON)`` as Keycloak answers a client credentials
        grant (client id and secret in the form or as HTTP basic)."""
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        self.token_requests.append(form)
        client_id, secret = form.get("client_id"), form.get("client_secret")
        scheme, _, value = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "basic":
            try:
                client_id, _, secret = base64.b64decode(value).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                client_id = secret = None
        if form.get("grant_type") != "client_credentials":
            return 400, {
                "error": "unsupported_grant_type",
                "error_description": "Unsupported grant_type",
            }
        client = self.clients.get(client_id or "")
        if client is None or client.secret != secret:
            return 401, {
                "error": "unauthorized_client",
                "error_description": "Invalid client or Invalid client credentials",
            }
        token = "eyJ" + secrets.token_urlsafe(32)
        with self._lock:
            self.tokens[token] = _Grant(client.user, self._repo.seconds() + self.token_lifetime)
        return 200, {
            "access_token": token,
            "expires_in": self.token_lifetime,
            "refresh_expires_in": 0,
            "token_type": "Bearer",
            "not-before-policy": 0,
            "scope": form.get("scope", "profile email"),
        }
