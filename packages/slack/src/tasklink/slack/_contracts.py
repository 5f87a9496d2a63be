"""The vendor contracts the Slack connector also serves: Camunda's ``io.camunda:slack:1``
and Alfresco Process Automation's ``slack`` (SEND_MESSAGE, CREATE_CHANNEL).

Their models are imported with the declaration (discovery reads them); the adapters
(:mod:`._camunda`, :mod:`._apa`) only when a job of the contract first runs.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ._apa_models import ApaCreateChannel, ApaSendMessage
from ._camunda_models import CamundaSlackRequest
from ._connector import connector
from ._errors import SLACK_ERRORS

if TYPE_CHECKING:
    from ._api import Connection

__all__ = [
    "APA_ERRORS",
    "BASE_URL_VARIABLE",
    "CAMUNDA_ERRORS",
    "apa",
    "camunda",
    "vendor_connection",
]

#: Where the contracts find the Web API: the vendors' connectors have no such input (they
#: call ``https://slack.com/api/``); the operator may point them elsewhere (a proxy, a
#: test double) with this environment variable.
BASE_URL_VARIABLE = "TASKLINK_SLACK_BASE_URL"


def vendor_connection(token: str) -> Connection:
    """The connection of a vendor contract's job: ``token`` at the operator's base URL
    (:data:`BASE_URL_VARIABLE`), else Slack's."""
    from ._api import DEFAULT_BASE_URL, Connection

    base_url = os.environ.get(BASE_URL_VARIABLE, "").strip() or DEFAULT_BASE_URL
    return Connection(token, base_url=base_url)


#: Camunda's Slack connector fails without codes (``RuntimeException``\s, all retried); the
#: contract keeps the connector's own stable codes, so that an ``errorExpression`` can tell
#: failures apart (``error.code = "CHANNEL_NOT_FOUND"``).
CAMUNDA_ERRORS = SLACK_ERRORS

#: APA's codes (``process-automation/latest/model/connectors/slack.md``), with what each
#: means here.
APA_ERRORS = {
    "MISSING_INPUT": "A required input or SLACK_BOT_TOKEN is missing",
    "INVALID_INPUT": "An input is invalid (channelType, requestResponse, metadata, a "
    "${...} value text uses)",
    "INVALID_RESULT_FORMAT": "Slack's reply is not the JSON object the output needs",
    "USER_NOT_FOUND": "No Slack user has that ID or e-mail address",
    "CHANNEL_NOT_FOUND": "The channel does not exist or the bot cannot see it",
    "INVALID_REQUEST": "Slack refused the request as malformed, or answered nothing",
    "INVALID_CHANNEL": "The channel cannot take the message or the members (archived, the "
    "bot not in it, a name taken or invalid)",
    "MSG_TOO_LONG": "The message text is too long",
    "FATAL_ERROR": "Slack failed on its side (fatal_error, internal_error)",
    "UNKNOWN_ERROR": "An unexpected failure (also Slack's rate limit after the retries)",
    "UNAUTHORIZED": "Slack refused the bot token (invalid, revoked, not authed)",
    "FORBIDDEN": "The bot lacks a scope or may not do this",
    "REQUEST_TIMEOUT": "Slack did not answer in time, or no reply came within "
    "SLACK_REPLY_TIMEOUT (requestResponse any or thread)",
}

camunda = connector.vendor_contract(
    engine="camunda",
    name="camunda-slack",
    job_type="io.camunda:slack:1",
    title="Camunda Slack connector",
    description="Camunda's Slack connector (io.camunda:slack:1): chat.postMessage, "
    "conversations.create, conversations.invite, reactions.add, pins.add and pins.remove "
    "with its inputs and result shapes, run by this connector",
    documentation_url="https://docs.camunda.io/docs/components/connectors/out-of-the-box-connectors/slack/",
    errors=CAMUNDA_ERRORS,
)
camunda.operation(
    "slack",
    name="Slack",
    description="Call the Slack Web API method named by method with the inputs of data",
    target="._camunda:run",
    input_model=CamundaSlackRequest,
    output_model=None,
)

# Named ``slack`` like APA's Slack connector instances usually are. Our own connector is
# ``slack`` too: once the operator turns the contract on, ``slack.SEND_MESSAGE`` takes
# APA's inputs, and ``vendor_names`` gives it the project's instance names.
apa = connector.vendor_contract(
    engine="activiti",
    name="slack",
    title="Alfresco Process Automation Slack",
    description="APA's Slack connector: SEND_MESSAGE and CREATE_CHANNEL with their inputs, "
    "outputs, the SLACK_BOT_TOKEN configuration and APA's error codes, run by this connector",
    documentation_url="https://docs.alfresco.com/process-automation/latest/model/connectors/slack/",
    errors=APA_ERRORS,
)
apa.operation(
    "send_message",
    name="Send message",
    description="Post text to a channel or user; with requestResponse any or thread, wait "
    "for a reply and return it as message",
    target="._apa:send_message",
    input_model=ApaSendMessage,
    output_model=None,
)
apa.operation(
    "create_channel",
    name="Create channel",
    description="Create a public or private channel and invite its members; slackResult "
    "is Slack's reply",
    target="._apa:create_channel",
    input_model=ApaCreateChannel,
    output_model=None,
)
