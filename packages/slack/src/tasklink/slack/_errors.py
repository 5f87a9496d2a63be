"""Slack's ``ok: false`` error strings, mapped onto the connector's stable codes.

Slack answers most failures with HTTP 200 and ``{"ok": false, "error": "channel_not_found"}``
(https://api.slack.com/web#evaluating_responses). A process branches on codes, so the
strings Slack documents for the methods used here map onto the codes in
:data:`SLACK_ERRORS`; several strings may share one (``not_authed``, ``invalid_auth``,
``token_revoked``... are all ``INVALID_AUTH``). A string not listed becomes
``SLACK_ERROR``: a declared code a process can catch, rather than a new code for every
string Slack adds; Slack's own string is always in ``variables["error"]``.

Retries: a failure the same request would meet again (a missing channel, a refused
token) raises an incident at once; Slack's transient ones (``ratelimited``,
``internal_error``, ``fatal_error``, ``service_unavailable``, ``request_timeout``) are
retried with backoff.

The declaration imports this module, so it needs nothing but the core at import time.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from tasklink.core import ConnectorError, status_code_name

__all__ = [
    "SLACK_ERRORS",
    "SLACK_ERROR_CODES",
    "error_code",
    "http_error",
    "rate_limited",
    "slack_error",
    "unexpected_answer",
]

#: Slack's error string -> the connector's code.
SLACK_ERROR_CODES: Mapping[str, str] = {
    "channel_not_found": "CHANNEL_NOT_FOUND",
    "user_not_found": "USER_NOT_FOUND",
    "users_not_found": "USER_NOT_FOUND",
    "user_not_visible": "USER_NOT_FOUND",
    "not_in_channel": "NOT_IN_CHANNEL",
    "is_archived": "CHANNEL_ARCHIVED",
    "not_authed": "INVALID_AUTH",
    "invalid_auth": "INVALID_AUTH",
    "account_inactive": "INVALID_AUTH",
    "token_revoked": "INVALID_AUTH",
    "token_expired": "INVALID_AUTH",
    "no_permission": "NO_PERMISSION",
    "restricted_action": "NO_PERMISSION",
    "cant_invite_self": "NO_PERMISSION",
    "ekm_access_denied": "NO_PERMISSION",
    "access_denied": "NO_PERMISSION",
    "missing_scope": "MISSING_SCOPE",
    "msg_too_long": "MSG_TOO_LONG",
    "no_text": "NO_TEXT",
    "invalid_blocks": "INVALID_BLOCKS",
    "invalid_blocks_format": "INVALID_BLOCKS",
    "too_many_attachments": "INVALID_BLOCKS",
    "ratelimited": "RATE_LIMITED",
    "rate_limited": "RATE_LIMITED",
    "name_taken": "NAME_TAKEN",
    "invalid_name": "INVALID_NAME",
    "invalid_name_maxlength": "INVALID_NAME",
    "invalid_name_punctuation": "INVALID_NAME",
    "invalid_name_required": "INVALID_NAME",
    "invalid_name_specials": "INVALID_NAME",
    "bad_timestamp": "MESSAGE_NOT_FOUND",
    "message_not_found": "MESSAGE_NOT_FOUND",
    "thread_not_found": "MESSAGE_NOT_FOUND",
    "invalid_thread_ts": "MESSAGE_NOT_FOUND",
    "no_item_specified": "MESSAGE_NOT_FOUND",
    "cant_update_message": "CANT_CHANGE_MESSAGE",
    "cant_delete_message": "CANT_CHANGE_MESSAGE",
    "edit_window_closed": "CANT_CHANGE_MESSAGE",
    "compliance_exports_prevent_deletion": "CANT_CHANGE_MESSAGE",
    "already_in_channel": "ALREADY_IN_CHANNEL",
    "already_reacted": "ALREADY_REACTED",
    "too_many_reactions": "TOO_MANY_REACTIONS",
    "already_pinned": "ALREADY_PINNED",
    "no_pin": "NOT_PINNED",
    "not_pinned": "NOT_PINNED",
    "too_many_pins": "TOO_MANY_PINS",
    "file_not_found": "FILE_NOT_FOUND",
    "file_upload_size_restricted": "FILE_TOO_LARGE",
    "invalid_length": "FILE_TOO_LARGE",
    "invalid_arguments": "INVALID_ARGUMENTS",
    "invalid_arg_name": "INVALID_ARGUMENTS",
    "invalid_array_arg": "INVALID_ARGUMENTS",
    "invalid_cursor": "INVALID_ARGUMENTS",
    "invalid_limit": "INVALID_ARGUMENTS",
    "invalid_charset": "INVALID_ARGUMENTS",
    "invalid_form_data": "INVALID_ARGUMENTS",
    "invalid_post_type": "INVALID_ARGUMENTS",
    "missing_post_type": "INVALID_ARGUMENTS",
    "invalid_json": "INVALID_ARGUMENTS",
    "json_not_object": "INVALID_ARGUMENTS",
    "internal_error": "SLACK_UNAVAILABLE",
    "fatal_error": "SLACK_UNAVAILABLE",
    "service_unavailable": "SLACK_UNAVAILABLE",
    "request_timeout": "SLACK_UNAVAILABLE",
}

_RETRIED = frozenset({"RATE_LIMITED", "SLACK_UNAVAILABLE"})

#: Every code the connector's operations raise (``Connector(errors=...)``).
SLACK_ERRORS: Mapping[str, str] = {
    "CHANNEL_NOT_FOUND": "No such channel, or the app cannot see it (a private channel it "
    "was not added to)",
    "USER_NOT_FOUND": "No user with that id, @name or e-mail address",
    "NOT_IN_CHANNEL": "The app is not a member of the channel; invite it first",
    "CHANNEL_ARCHIVED": "The channel is archived",
    "INVALID_AUTH": "The token is missing, invalid, revoked or expired",
    "NO_PERMISSION": "The workspace does not allow the app to do this",
    "MISSING_SCOPE": "The token lacks a scope the method needs (variables: needed, provided)",
    "MSG_TOO_LONG": "The message text is too long",
    "NO_TEXT": "The message has neither text nor blocks",
    "INVALID_BLOCKS": "Slack refused the Block Kit blocks",
    "RATE_LIMITED": "Slack rate-limited the app (HTTP 429); retried after Retry-After",
    "NAME_TAKEN": "A channel of that name exists already",
    "INVALID_NAME": "The channel name or emoji name is not valid",
    "MESSAGE_NOT_FOUND": "No message (or thread) with that timestamp in the channel",
    "CANT_CHANGE_MESSAGE": "The message cannot be updated or deleted by the app",
    "ALREADY_IN_CHANNEL": "The user is already a member of the channel",
    "ALREADY_REACTED": "The app already added that reaction to the message",
    "TOO_MANY_REACTIONS": "The message has too many reactions",
    "ALREADY_PINNED": "The message is already pinned",
    "NOT_PINNED": "The message is not pinned",
    "TOO_MANY_PINS": "The channel has too many pins",
    "FILE_NOT_FOUND": "The file upload was not found",
    "FILE_TOO_LARGE": "The workspace refused the file's size",
    "INVALID_ARGUMENTS": "Slack refused the arguments of the call",
    "SLACK_UNAVAILABLE": "Slack failed internally or is unavailable (retried)",
    "SLACK_ERROR": "Another error Slack reported: its string is in variables.error",
    "INVALID_RESPONSE": "Slack answered with something that is not the Web API's JSON",
    "MISSING_INPUT": "A required input is missing",
    "INVALID_INPUT": "An input is invalid (a bad e-mail address, Block Kit that is not a "
    "JSON list...)",
    "UNAUTHORIZED": "HTTP 401 without a Slack error",
    "FORBIDDEN": "HTTP 403 without a Slack error",
    "NOT_FOUND": "HTTP 404: the base URL is wrong",
    "INTERNAL_SERVER_ERROR": "HTTP 500 without a Slack error",
    "SERVICE_UNAVAILABLE": "HTTP 503 without a Slack error",
    "TIMEOUT": "No answer within timeoutInSeconds",
    "CONNECTION_FAILED": "Slack could not be reached",
    "TLS_FAILED": "The TLS connection to Slack failed",
    "BLOCKED_ADDRESS": "The operator's outbound policy refuses the base URL's address",
}


def error_code(slack: str) -> str:
    """The connector's code for Slack's error string (``SLACK_ERROR`` when unlisted)."""
    return SLACK_ERROR_CODES.get(slack, "SLACK_ERROR")


def slack_error(method: str, answer: Mapping[str, Any]) -> ConnectorError:
    """The error for an ``ok: false`` answer to ``method``. Its variables hold Slack's
    ``error`` and the method, plus ``needed``/``provided`` scopes, the details in
    ``errors`` and the warning ``messages`` of ``response_metadata`` when Slack gave them."""
    slack = str(answer.get("error") or "unknown_error")
    code = error_code(slack)
    variables: dict[str, Any] = {"error": slack, "method": method}
    for name in ("needed", "provided", "warning"):
        if isinstance(answer.get(name), str):
            variables[name] = answer[name]
    if isinstance(answer.get("errors"), list):  # details some methods give (invalid_blocks)
        variables["errors"] = [str(e) for e in answer["errors"]]
    messages = (answer.get("response_metadata") or {}).get("messages")
    if isinstance(messages, list):
        variables["messages"] = [str(m) for m in messages]
    detail = f" ({', '.join(variables['messages'])})" if "messages" in variables else ""
    return ConnectorError(
        f"Slack {method} failed: {slack}{detail}",
        code=code,
        variables=variables,
        retryable=code in _RETRIED,
    )


def rate_limited(method: str, backoff: timedelta) -> ConnectorError:
    """HTTP 429 to ``method``, to be retried after ``backoff`` (its Retry-After)."""
    seconds = backoff.total_seconds()
    return ConnectorError(
        f"Slack rate-limited {method}: retry after {seconds:g} s",
        code="RATE_LIMITED",
        variables={"error": "ratelimited", "method": method, "retryAfter": seconds},
        backoff=backoff,
    )


def http_error(method: str, status: int, body: Mapping[str, Any]) -> ConnectorError:
    """An HTTP failure without a Slack error in the body: coded by the status name,
    retried for 408, 5xx (but 501 and 505)."""
    retryable = status in (408, 425) or (status >= 500 and status not in (501, 505))
    return ConnectorError(
        f"Slack {method} failed with HTTP {status}",
        code=status_code_name(status),
        variables={"status": status, "method": method, **({"body": dict(body)} if body else {})},
        retryable=retryable,
    )


def unexpected_answer(method: str, what: str) -> ConnectorError:
    """A 2xx answer that is not the Web API's JSON (a proxy's page, a wrong base URL)."""
    return ConnectorError(
        f"Slack {method} answered with something unexpected: {what} (is baseUrl the Web "
        "API's, ending in /api/?)",
        code="INVALID_RESPONSE",
        variables={"method": method},
        retryable=False,
    )
