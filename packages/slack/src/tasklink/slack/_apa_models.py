"""The inputs of Alfresco Process Automation's Slack connector, actions ``SEND_MESSAGE``
and ``CREATE_CHANNEL`` (``process-automation/latest/model/connectors/slack.md``).

``SEND_MESSAGE``: one recipient of ``channelId``, ``channelName``, ``userId``,
``userEmail``; ``text`` (required; FreeMarker ``${...}`` values of ``metadata``);
``metadata`` (JSON); ``requestResponse`` (``no``, ``any``, ``thread``).
``CREATE_CHANNEL``: ``channelName``, ``channelType`` (``public`` or ``private``) and
``members`` (Slack user IDs or e-mail addresses), all required. The bot token is not an
input: APA configures it per connector instance (``SLACK_BOT_TOKEN``, :mod:`._apa`).

APA hands an action every mapped variable; what it does not read is ignored. JSON inputs
may arrive as JSON text (an Activiti ``json`` variable mapped from a string): they are
parsed. Which inputs are required is checked when the action runs, so that a missing one
is ``MISSING_INPUT`` and a bad one ``INVALID_INPUT``, APA's codes.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict

from tasklink.core import CamelInputModel, field

__all__ = ["ApaCreateChannel", "ApaSendMessage"]


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _text(value: Any) -> Any:
    value = _blank_is_none(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _json(value: Any) -> Any:
    """JSON text as the value it holds; blank text as nothing."""
    value = _blank_is_none(value)
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value  # left for the field's own error
    return value


Text = Annotated[str | None, BeforeValidator(_text)]


class _Apa(CamelInputModel):
    # APA hands an action every mapped variable; what it does not read is ignored.
    model_config = ConfigDict(extra="ignore")


class ApaSendMessage(_Apa):
    """The inputs of APA's ``SEND_MESSAGE``."""

    channel_id: Text = field(None, description="Channel ID to post to")
    channel_name: Text = field(None, description="Channel name to post to (#name or name)")
    user_id: Text = field(None, description="User ID: a direct message to the user")
    user_email: Text = field(None, description="E-mail address of the user to message")
    text: Text = field(None, description="The message: FreeMarker ${...} values of metadata")
    metadata: Annotated[dict[str, Any] | None, BeforeValidator(_json)] = field(
        None, description="The values text uses (JSON)"
    )
    request_response: Text = field(
        None,
        description="no (default): return once sent; any: wait for a reply in the channel; "
        "thread: wait for a reply in the message's thread",
    )


class ApaCreateChannel(_Apa):
    """The inputs of APA's ``CREATE_CHANNEL``."""

    channel_name: Text = field(None, description="Name of the new channel")
    channel_type: Text = field(None, description="public or private")
    members: Annotated[Any, BeforeValidator(_json)] = field(
        None,
        description="Members to invite: Slack user IDs or e-mail addresses, comma-separated "
        "(or a list)",
    )
