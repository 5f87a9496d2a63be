"""One job's view of the repository: its API addresses, its credentials, and calls that
fail with APA's codes and messages naming the node.

Every call goes through the shared client (``tasklink.client``): pooled connections, the
operator's outbound guard, time limits, bounded reading and one classification of
network failures, which :mod:`._errors` renames to APA's codes. This module is imported
when an action first runs, never by discovery.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError

from tasklink import client
from tasklink.core import ConnectorError, Context, InputError, format_validation_error

from .__about__ import __version__
from ._auth import TicketScheme
from ._connection import (
    CONNECTION_SECRET,
    BasicAuth,
    BearerAuth,
    Connection,
    OAuth2ClientCredentials,
    TicketAuth,
)
from ._errors import LOCKED, apa_code, invalid_result, recoded

__all__ = ["API", "USER_AGENT", "Repository", "Subject", "connection_of"]

USER_AGENT = f"tasklink-alfresco/{__version__}"
#: The API bases below the web application's URL.
API = {
    "core": "/api/-default-/public/alfresco/versions/1",
    "search": "/api/-default-/public/search/versions/1",
    "gs": "/api/-default-/public/gs/versions/1",
}
FIELDS = client.FieldNames(
    url="connection.baseUrl",
    connect_timeout="connection.connectionTimeoutInSeconds",
    read_timeout="connection.readTimeoutInSeconds",
    total_timeout="connection.totalTimeoutInSeconds",
    token_url="connection.authentication.tokenUrl",  # noqa: S106 - a field name
    max_response_bytes="maxBytes",
)
# How ACS says a node is locked: 409 "Cannot perform operation since the node (id:...) is
# locked.", 422 "... could not be locked since it is already locked" (but not "isn't
# locked", an unlock of a node without a lock).
_LOCKED = re.compile(r"\bis locked\b|already locked|locked by", re.IGNORECASE)
# What of an ACS error body reaches the error's variables (not its stack trace).
_ERROR_KEYS = ("errorKey", "statusCode", "briefSummary", "logId")


def connection_of(given: Connection | None, ctx: Context) -> Connection:
    """The task's connection, else the one in the secret ``CONTENT_SERVICE_CONNECTION``."""
    if given is not None:
        return given
    raw = ctx.secret(CONNECTION_SECRET)  # a missing secret is MISSING_INPUT, naming it
    try:
        connection = Connection.model_validate_json(raw)
    except ValidationError as exc:
        problem = format_validation_error(exc, Connection)
        raise InputError(
            f"the secret {CONNECTION_SECRET} (the connection of tasks that give none) is not "
            f"a valid connection: {problem.message.removeprefix('invalid input: ')}",
            field="connection",
        ) from None
    # The executor masks the secret fields of the input; these came from elsewhere.
    auth = connection.authentication
    for name in ("password", "client_secret", "token"):
        value = getattr(auth, name, None)
        if isinstance(value, str) and value:
            ctx.redactor.add(value)
    return connection


@dataclass(frozen=True, slots=True)
class Subject:
    """What a call is about, for messages: ``node 'abc'``, ``folder '/Sales'``.

    ``field`` is the input that named it; ``conflict`` says what a 409 means for this
    call (a name clash when creating, copying, moving or renaming).
    """

    text: str
    field: str | None = None
    conflict: str | None = None

    def __str__(self) -> str:
        return self.text


def _scheme(connection: Connection, ctx: Context) -> client.AuthScheme:
    auth = connection.authentication
    if isinstance(auth, BasicAuth):
        return client.BasicAuth(auth.username, auth.password)
    if isinstance(auth, TicketAuth):
        return TicketScheme(
            connection.base_url, auth.username, auth.password, ctx, user_agent=USER_AGENT
        )
    if isinstance(auth, OAuth2ClientCredentials):
        return client.OAuth2ClientCredentials(
            token_url=auth.token_url,
            client_id=auth.client_id,
            client_secret=auth.client_secret,
            audience=auth.audience or None,
            scopes=auth.scopes or None,
        )
    assert isinstance(auth, BearerAuth)
    return client.BearerAuth(auth.token)


def _error_body(content: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(content)
    except ValueError:
        return None
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return None
    return {key: error[key] for key in _ERROR_KEYS if key in error}


class Repository:
    """The repository as one job sees it."""

    def __init__(self, connection: Connection, ctx: Context, action: str) -> None:
        self.connection = connection
        self.ctx = ctx
        self.action = action
        self.base_url = connection.base_url
        self.auth = _scheme(connection, ctx)
        self.timeouts = client.Timeouts(
            connect=connection.connection_timeout_in_seconds,
            read=connection.read_timeout_in_seconds,
            total=connection.total_timeout_in_seconds,
        )
        self.user = getattr(connection.authentication, "username", None)

    # -- addresses --------------------------------------------------------------------

    def url(self, api: str, *segments: str) -> str:
        """``{baseUrl}{api base}/seg/seg``, each segment percent-encoded whole (an id
        with ``/`` stays one segment)."""
        path = "/".join(quote(segment, safe="") for segment in segments)
        return f"{self.base_url}{API[api]}/{path}"

    # -- calls --------------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        query: Sequence[tuple[str, str]] = (),
        body: Any = None,
        content: bytes | client.StreamedContent | None = None,
        content_type: str | None = None,
        max_bytes: int | None = None,
    ) -> client.Request:
        """A request to the repository with the job's credentials and limits."""
        if body is not None:
            content = json.dumps(body).encode("utf-8")
            content_type = "application/json"
        return client.Request(
            method,
            url,
            query=query,
            # A content download takes whatever the node holds.
            headers={"Accept": "application/json"} if max_bytes is None else {},
            content=content,
            content_type=content_type,
            auth=self.auth,
            timeouts=self.timeouts,
            user_agent=USER_AGENT,
            fields=FIELDS,
            max_response_bytes=max_bytes or client.DEFAULT_MAX_RESPONSE_BYTES,
            explicit_limit=max_bytes is not None,
        )

    async def call(
        self,
        method: str,
        url: str,
        subject: Subject,
        *,
        query: Sequence[tuple[str, str]] = (),
        body: Any = None,
        content: bytes | client.StreamedContent | None = None,
        content_type: str | None = None,
    ) -> Any:
        """Send one call and return its JSON answer (``None`` for an empty one); a status
        from 400 up raises the APA error naming ``subject``."""
        request = self.request(
            method, url, query=query, body=body, content=content, content_type=content_type
        )
        try:
            response = await client.send(request, self.ctx)
        except ConnectorError as exc:
            raise recoded(exc, f"{self.action}: {exc.message}") from None
        if response.status >= 400:
            raise self.failure(response, response.content, subject)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise invalid_result(
                f"{method} {client.safe_url(response.url)} answered HTTP {response.status} "
                "with a body that is not JSON",
                {"status": response.status},
            ) from None

    @contextlib.asynccontextmanager
    async def stream(
        self,
        method: str,
        url: str,
        subject: Subject,
        *,
        query: Sequence[tuple[str, str]] = (),
        content: bytes | client.StreamedContent | None = None,
        content_type: str | None = None,
        max_bytes: int,
    ) -> AsyncIterator[client.StreamedResponse]:
        """A call whose answer is read piece by piece, at most ``max_bytes`` (content)."""
        request = self.request(
            method,
            url,
            query=query,
            content=content,
            content_type=content_type,
            max_bytes=max_bytes,
        )
        try:
            async with client.stream(request, self.ctx) as response:
                if response.status >= 400:
                    body = await response.read(64 * 1024)
                    raise self.failure(response, body, subject)
                yield response
        except ConnectorError as exc:
            if exc.code in _NOT_OURS:
                raise recoded(exc, f"{self.action}: {exc.message}") from None
            raise

    # -- failures ------------------------------------------------------------------------

    def failure(
        self,
        response: client.Response | client.StreamedResponse,
        content: bytes,
        subject: Subject,
    ) -> ConnectorError:
        """APA's error for a status from 400 up, its message naming what the call was
        about and what to do."""
        status = response.status
        error = _error_body(content)
        summary = str((error or {}).get("briefSummary") or "")
        ours = client.status_error(
            response.method,
            client.safe_url(response.url),
            status,
            response.reason,
            variables={"status": status, "error": error},
            retry_after=response.headers.get("retry-after"),
            task_headers=self.ctx.headers,
        )
        code = apa_code(status)
        locked = status == 423 or (status in (409, 422) and bool(_LOCKED.search(summary)))
        if locked:
            code = LOCKED
            what = f"{subject} is locked; unlock it (UNLOCK_NODE) or wait for the lock to expire"
        elif status == 404:
            what = f"{subject} does not exist (or the user may not see it)"
        elif status == 403:
            who = f"user {self.user!r}" if self.user else "the user"
            what = f"{who} may not do this to {subject} (no permission)"
        elif status == 409:
            what = subject.conflict or f"{subject} conflicts with the repository's state"
        elif status == 401:
            what = "the repository refused the credentials (connection.authentication)"
        else:
            what = f"{subject}: {response.method} {client.safe_url(response.url)} failed"
        if summary and status not in (401,):
            what += f" [{summary}]"
        return ConnectorError(
            f"{self.action}: {what} (HTTP {status})",
            code=code,
            variables=ours.variables,
            retryable=ours.retryable,
            backoff=ours.backoff,
        )


# Codes the client raises while a streamed body is read (not ours: ours are APA's).
_NOT_OURS = frozenset(
    {
        client.ClientErrorCode.TIMEOUT,
        client.ClientErrorCode.CONNECTION_FAILED,
        client.ClientErrorCode.PROXY_ERROR,
        client.ClientErrorCode.AUTHENTICATION_FAILED,
        client.ClientErrorCode.TLS_FAILED,
        client.ClientErrorCode.TOO_MANY_REDIRECTS,
        client.ClientErrorCode.INVALID_REDIRECT,
        client.ClientErrorCode.RESPONSE_TOO_LARGE,
        client.ClientErrorCode.BLOCKED_ADDRESS,
        client.ClientErrorCode.CONFIGURATION_ERROR,
    }
)


def entry(data: Any, what: str) -> dict[str, Any]:
    """``data["entry"]`` of an ACS answer, or INVALID_RESULT_FORMAT."""
    found = data.get("entry") if isinstance(data, Mapping) else None
    if not isinstance(found, dict):
        raise invalid_result(f"{what} has no entry object")
    return found


def entries(data: Any, what: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The entries of an ACS list answer and its pagination, or INVALID_RESULT_FORMAT."""
    listed = data.get("list") if isinstance(data, Mapping) else None
    items = listed.get("entries") if isinstance(listed, Mapping) else None
    if not isinstance(items, list):
        raise invalid_result(f"{what} has no list of entries")
    out: list[dict[str, Any]] = []
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("entry"), dict):
            raise invalid_result(f"{what} has an entry that is not an object")
        out.append(item["entry"])
    pagination = listed.get("pagination") if isinstance(listed, Mapping) else None
    return out, dict(pagination) if isinstance(pagination, Mapping) else {}
