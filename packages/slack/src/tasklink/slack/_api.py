"""The internal call layer every Slack operation and vendor contract goes through.

One Web API call is :func:`call`; the helpers resolve what processes name things by
(``#name``, ``@name``, an e-mail address) and upload a file from a document. Their
signatures are stable: the vendor contracts (``_camunda*.py``, ``_apa*.py``) call them.

**Transport.** slack-sdk's :class:`~slack_sdk.web.async_client.AsyncWebClient` builds each
call (URL from the base URL, the request arguments, the response object and its
``SlackApiError``), but the HTTP exchange is not aiohttp's and not urllib's: the client
below hands it to the shared outbound client (``tasklink.client``), as every tasklink
connector does. That keeps, for Slack too, the operator's outbound address guard
(checked after DNS, on every connection: aiohttp and urllib would open their own
sockets unchecked), the one TLS trust policy, pooled connections per event loop,
bounded reading, total deadlines, failure codes, and the test seams: ``base_url`` for
the fake Slack, ``use_transport`` for mock transports, and vcrpy cassettes recorded
from httpx, whose bodies are exactly the form bodies built here (no random multipart
boundaries, no aiohttp ``FormData`` that vcrpy records differently from what it sent).
Neither the sync client in a thread pool (urllib: no guard, one more thread per call)
nor aiohttp sessions (a second pool and trust store) give that.

**Encoding.** Every call is sent as Slack's API documents it (``specs/slack``): methods
that read (:data:`GET_METHODS`) as ``GET`` with query parameters, the others as ``POST``
with an ``application/x-www-form-urlencoded`` body, which Slack accepts for every
method (JSON bodies only for some). The token goes in ``Authorization: Bearer``, sent
and masked by the shared client; never in a URL or body.

**Errors.** ``ok: false`` becomes a :class:`~tasklink.core.ConnectorError` with a stable
code (:mod:`._errors`); HTTP 429 is waited out here when its ``Retry-After`` is short
(:data:`INLINE_RETRY_LIMIT`), else raised as ``RATE_LIMITED`` with that backoff.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from tasklink import client
from tasklink.core import ConnectorError, Context, Document, InputError

from .__about__ import __version__
from ._errors import http_error, rate_limited, slack_error, unexpected_answer

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

__all__ = [
    "DEFAULT_BASE_URL",
    "GET_METHODS",
    "INLINE_RETRY_LIMIT",
    "MAX_INLINE_RETRIES",
    "USER_AGENT",
    "Connection",
    "call",
    "lookup_user_by_email",
    "resolve_channel",
    "resolve_conversation",
    "resolve_user",
    "resolve_users",
    "upload_file",
]

DEFAULT_BASE_URL = "https://slack.com/api/"
USER_AGENT = f"tasklink-slack/{__version__}"

#: Methods that only read: sent as GET with query parameters, as the API documents them.
GET_METHODS = frozenset(
    {
        "auth.test",
        "chat.getPermalink",
        "conversations.history",
        "conversations.info",
        "conversations.list",
        "conversations.members",
        "conversations.replies",
        "users.info",
        "users.list",
        "users.lookupByEmail",
    }
)

#: A 429 whose Retry-After is at most this long is waited out inside the call (at most
#: :data:`MAX_INLINE_RETRIES` times): a short burst limit should not cost a job a retry
#: and a round trip through the engine. A longer wait fails the job with
#: ``RATE_LIMITED`` and the wait as its backoff, so no worker slot sleeps for minutes.
INLINE_RETRY_LIMIT = timedelta(seconds=5)
MAX_INLINE_RETRIES = 2

#: Pages of ``conversations.list`` / ``users.list`` read at most to resolve a name.
MAX_RESOLVE_PAGES = 50
_PAGE_SIZE = 200

#: The connection settings' field names, for the shared client's messages.
FIELDS = client.FieldNames(
    url="baseUrl",
    connect_timeout="timeoutInSeconds",
    read_timeout="timeoutInSeconds",
    total_timeout="timeoutInSeconds",
)


@dataclass(frozen=True)
class Connection:
    """Where the Web API is and the token to call it with.

    ``base_url`` ends with ``/api/`` (a trailing slash is added when missing):
    ``https://slack.com/api/`` by default, an Enterprise Grid or test URL otherwise.
    ``timeout`` bounds each call in seconds (connect, each read, and the whole exchange).
    """

    token: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if not self.base_url.endswith("/"):
            object.__setattr__(self, "base_url", self.base_url + "/")

    @property
    def timeouts(self) -> client.Timeouts:
        """The shared client's time limits for one call."""
        return client.Timeouts(connect=self.timeout, read=self.timeout, total=self.timeout)


def _connection(ctx: Context, connection: Connection | str) -> Connection:
    conn = Connection(connection) if isinstance(connection, str) else connection
    if not conn.token:
        raise InputError("invalid input: the Slack token is empty", field="token")
    # Masked wherever it could appear, also when it was given literally, not as a secret.
    ctx.redactor.add(conn.token)
    return conn


async def call(
    ctx: Context, connection: Connection | str, method: str, /, **params: Any
) -> dict[str, Any]:
    """Send one Web API call and return Slack's answer (``ok`` true) as a dict.

    ``connection`` is a :class:`Connection` or a bare bot token (the default base URL).
    ``params`` are the method's arguments; ``None`` values are left out, booleans sent as
    ``true``/``false``, lists of strings joined with commas (``users``, ``types``), other
    lists and dicts as JSON text (``blocks``, ``files``).

    Raises :class:`~tasklink.core.ConnectorError`: ``ok: false`` with the code
    :func:`._errors.slack_error` gives (Slack's string in ``variables["error"]``),
    ``RATE_LIMITED`` after a 429 too long to wait for here, the shared client's codes
    for failures on the way (``TIMEOUT``, ``CONNECTION_FAILED``, ``BLOCKED_ADDRESS``,
    ...), a status name for another HTTP failure.
    """
    conn = _connection(ctx, connection)
    web = _client(ctx, conn)
    arguments = {name: _form_value(value) for name, value in params.items() if value is not None}
    from slack_sdk.errors import SlackApiError

    retries = 0
    while True:
        try:
            if method in GET_METHODS:
                response = await web.api_call(method, http_verb="GET", params=arguments)
            else:
                response = await web.api_call(method, data=arguments)
        except SlackApiError as exc:
            status = exc.response.status_code
            data = exc.response.data if isinstance(exc.response.data, dict) else {}
            if status == 429:
                backoff = client.parse_retry_after(exc.response.headers.get("retry-after"))
                wait = backoff if backoff is not None else timedelta(seconds=1)
                if retries < MAX_INLINE_RETRIES and wait <= INLINE_RETRY_LIMIT:
                    retries += 1
                    ctx.logger.info(
                        "Slack rate-limited %s; retrying in %.1f s", method, wait.total_seconds()
                    )
                    await asyncio.sleep(wait.total_seconds())
                    continue
                raise rate_limited(method, wait) from None
            if "ok" in data:
                raise slack_error(method, data) from None
            raise http_error(method, status, data) from None
        body = response.data
        if not isinstance(body, dict):  # pragma: no cover - api_call answers JSON here
            raise unexpected_answer(method, "not a JSON object")
        return body


def _form_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return ",".join(value)
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value if isinstance(value, str) else str(value)


def _client(ctx: Context, conn: Connection) -> AsyncWebClient:
    """slack-sdk's client for ``conn``, sending through the shared outbound client."""
    from slack_sdk.web.async_client import AsyncWebClient

    class _SharedClientWebClient(AsyncWebClient):
        # slack-sdk's hook for the HTTP exchange of every call (api_call -> _send ->
        # _request, since slackclient 2.x): given the built request, it returns
        # {"data", "headers", "status_code"}, which _send turns into the response and
        # its SlackApiError. Replacing it keeps everything else of slack-sdk's.
        async def _request(
            self, *, http_verb: str, api_url: str, req_args: dict[str, Any]
        ) -> dict[str, Any]:
            return await _exchange(ctx, conn, http_verb, api_url, req_args)

    # The token is not handed to slack-sdk: the shared client sends it (and masks it).
    return _SharedClientWebClient(token=None, base_url=conn.base_url, timeout=int(conn.timeout))


async def _exchange(
    ctx: Context, conn: Connection, http_verb: str, api_url: str, req_args: Mapping[str, Any]
) -> dict[str, Any]:
    params: Mapping[str, Any] = req_args.get("params") or {}
    data: Mapping[str, Any] = req_args.get("data") or {}
    body = urlencode(list(data.items())).encode("ascii") if http_verb == "POST" else None
    response = await client.send(
        client.Request(
            http_verb,
            api_url,
            query=[(name, str(value)) for name, value in params.items()],
            content=body,
            content_type="application/x-www-form-urlencoded" if body is not None else None,
            auth=client.BearerAuth(conn.token),
            timeouts=conn.timeouts,
            user_agent=USER_AGENT,
            fields=FIELDS,
        ),
        ctx,
    )
    try:
        parsed: Any = json.loads(response.content) if response.content else None
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        if response.status >= 400:
            parsed = {}
        else:
            raise unexpected_answer(api_url.rsplit("/", 1)[-1], "not a JSON object")
    return {"data": parsed, "headers": response.headers, "status_code": response.status}


# -- resolution --------------------------------------------------------------------------


def _is_id(value: str, prefixes: str) -> bool:
    return len(value) >= 9 and value[0] in prefixes and value.isalnum() and value.isupper()


async def resolve_channel(ctx: Context, connection: Connection | str, channel: str) -> str:
    """The id of ``channel``: an id (``C...``, ``G...``, ``D...``) as it is, a ``#name``
    (or a bare name) looked up with ``conversations.list`` among public and private
    channels the app can see (archived ones left out).

    Raises ``CHANNEL_NOT_FOUND`` (not retried) when no channel has that name.
    """
    value = channel.strip()
    if _is_id(value, "CGD") and not value.startswith("#"):
        return value
    name = value.removeprefix("#").lower()
    cursor: str | None = None
    for _ in range(MAX_RESOLVE_PAGES):
        page = await call(
            ctx,
            connection,
            "conversations.list",
            types="public_channel,private_channel",
            exclude_archived=True,
            limit=_PAGE_SIZE,
            cursor=cursor,
        )
        for item in page.get("channels") or []:
            if str(item.get("name", "")).lower() == name:
                return str(item["id"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            break
    raise ConnectorError(
        f"no channel named #{name} that the app can see",
        code="CHANNEL_NOT_FOUND",
        variables={"error": "channel_not_found", "channel": value},
        retryable=False,
    )


async def lookup_user_by_email(
    ctx: Context, connection: Connection | str, email: str
) -> dict[str, Any]:
    """The user with that e-mail address (``users.lookupByEmail``): Slack's user object.

    Raises ``USER_NOT_FOUND`` (not retried) when no user has it.
    """
    answer = await call(ctx, connection, "users.lookupByEmail", email=email.strip())
    user: dict[str, Any] = answer.get("user") or {}
    return user


async def resolve_user(ctx: Context, connection: Connection | str, user: str) -> str:
    """The id of ``user``: an id (``U...``, ``W...``) as it is, an e-mail address through
    ``users.lookupByEmail``, an ``@name`` (user name or display name) through
    ``users.list``.

    Raises ``USER_NOT_FOUND`` (not retried) when nobody matches.
    """
    value = user.strip()
    if "@" in value and not value.startswith("@"):
        return str((await lookup_user_by_email(ctx, connection, value))["id"])
    if _is_id(value, "UW"):
        return value
    name = value.removeprefix("@").lower()
    cursor: str | None = None
    for _ in range(MAX_RESOLVE_PAGES):
        page = await call(ctx, connection, "users.list", limit=_PAGE_SIZE, cursor=cursor)
        for member in page.get("members") or []:
            profile = member.get("profile") or {}
            names = {member.get("name"), profile.get("display_name"), profile.get("real_name")}
            if name in {str(n).lower() for n in names if n} and not member.get("deleted"):
                return str(member["id"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            break
    raise ConnectorError(
        f"no user named @{name}",
        code="USER_NOT_FOUND",
        variables={"error": "users_not_found", "user": value},
        retryable=False,
    )


async def resolve_users(
    ctx: Context, connection: Connection | str, users: list[str] | str
) -> list[str]:
    """The ids of ``users`` (a list, or one string separated by commas), each resolved
    with :func:`resolve_user`, duplicates dropped, order kept."""
    items = users.split(",") if isinstance(users, str) else users
    ids: list[str] = []
    for item in items:
        if item.strip():
            found = await resolve_user(ctx, connection, item)
            if found not in ids:
                ids.append(found)
    return ids


async def resolve_conversation(
    ctx: Context, connection: Connection | str, target: str, *, open_dm: bool = False
) -> str:
    """Where a message to ``target`` goes: a channel (id, ``#name``) or a user (id,
    ``@name``, e-mail address). For a user, its id, which ``chat.postMessage`` takes as
    the channel of a direct message from the app; with ``open_dm``, the id of that direct
    message (``conversations.open``), which methods such as
    ``files.completeUploadExternal`` need."""
    value = target.strip()
    if value.startswith("@") or "@" in value or _is_id(value, "UW"):
        user = await resolve_user(ctx, connection, value)
        if not open_dm:
            return user
        answer = await call(ctx, connection, "conversations.open", users=user)
        return str((answer.get("channel") or {}).get("id") or user)
    return await resolve_channel(ctx, connection, value)


# -- files -------------------------------------------------------------------------------


async def upload_file(
    ctx: Context,
    connection: Connection | str,
    document: Document,
    *,
    channel: str | None = None,
    thread_ts: str | None = None,
    file_name: str | None = None,
    title: str | None = None,
    initial_comment: str | None = None,
    max_bytes: int | None = None,
) -> dict[str, Any]:
    """Upload ``document`` in Slack's three steps and return the file object.

    ``files.getUploadURLExternal`` (name and length) gives an upload URL; the content
    goes there in one ``POST`` (through the shared client, guarded, without the token);
    ``files.completeUploadExternal`` finishes it and shares it in ``channel`` (an id;
    resolve names first), in the thread of ``thread_ts`` when given. The content is read
    once, within ``max_bytes`` (the document's own limit otherwise): Slack wants its
    length before it is sent.
    """
    conn = _connection(ctx, connection)
    content = await document.read()
    if max_bytes is not None and len(content) > max_bytes:
        raise InputError(
            f"invalid input: the file has {len(content)} bytes, more than {max_bytes}",
            field=document.field or "document",
        )
    name = file_name or document.metadata.file_name or "file"
    ticket = await call(ctx, conn, "files.getUploadURLExternal", filename=name, length=len(content))
    upload_url, file_id = ticket.get("upload_url"), ticket.get("file_id")
    if not isinstance(upload_url, str) or not isinstance(file_id, str):
        raise unexpected_answer("files.getUploadURLExternal", "no upload_url or file_id")
    response = await client.send(
        client.Request(
            "POST",
            upload_url,
            content=content,
            content_type=document.metadata.content_type or "application/octet-stream",
            timeouts=conn.timeouts,
            user_agent=USER_AGENT,
            fields=FIELDS,
        ),
        ctx,
    )
    if response.status >= 400:
        raise http_error("file upload", response.status, {})
    done = await call(
        ctx,
        conn,
        "files.completeUploadExternal",
        files=[{"id": file_id, "title": title or name}],
        channel_id=channel,
        thread_ts=thread_ts,
        initial_comment=initial_comment,
    )
    files = done.get("files") or [{"id": file_id}]
    result: dict[str, Any] = files[0]
    return result
