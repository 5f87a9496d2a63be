"""The job variables of Camunda's Slack connector (``io.camunda:slack:1``), as its element
template (``io.camunda.connectors.Slack.v1``, versions 1 to 13) binds them.

Three top-level variables (the connector's ``inputVariables``): ``token``, ``method`` and
``data``, which holds the inputs of the chosen method (``connectors/slack``
``SlackRequest.java``, ``model/*Data.java``). Version 13 adds ``slackCredential``, a
stored credential the engine hands over as an object (``{token}``, the
``io.camunda.connectors:slack-token:1`` configuration); it wins over ``token``.

Bound as Camunda's runtime binds them (Jackson with ``ConnectorsObjectMapperSupplier``):
unknown fields are ignored (the template's document helpers
``data.data_documents_*`` arrive beside the ``documents`` they feed), enum values match
in any case (``private``), one document stands for a list of one. Which inputs a method
needs is checked when it runs, naming Camunda's variable (``data.channel``), as the
template sends only the chosen method's inputs.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator, ConfigDict

from tasklink.core import CamelInputModel, Document, field

__all__ = [
    "METHODS",
    "CamundaSlackCredential",
    "CamundaSlackData",
    "CamundaSlackRequest",
    "Method",
]

Method = Literal[
    "chat.postMessage",
    "conversations.create",
    "conversations.invite",
    "reactions.add",
    "pins.add",
    "pins.remove",
]
#: Camunda's methods (the ``@JsonSubTypes`` of ``SlackRequest.data``).
METHODS: tuple[str, ...] = get_args(Method)


def _blank_is_none(value: Any) -> Any:
    """A blank string is no value: an emptied field of the modeler."""
    return None if isinstance(value, str) and not value.strip() else value


def _text(value: Any) -> Any:
    """Jackson binds a number or a boolean to a ``String`` field as its text; a FEEL
    ``timestamp`` may be one. (A message timestamp is best kept text: a number loses its
    trailing zeros, ``"1700000000.000100"`` becomes ``1700000000.0001``.)"""
    value = _blank_is_none(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _enum(choices: tuple[str, ...]) -> BeforeValidator:
    """Camunda's mapper accepts enum values in any case (``ACCEPT_CASE_INSENSITIVE_ENUMS``)."""

    def canonical(value: Any) -> Any:
        value = _blank_is_none(value)
        if isinstance(value, str):
            for choice in choices:
                if value.strip().lower() == choice.lower():
                    return choice
        return value

    return BeforeValidator(canonical)


def _documents(value: Any) -> Any:
    """One document stands for a list of one (``ACCEPT_SINGLE_VALUE_AS_ARRAY``)."""
    return [value] if isinstance(value, dict | str | Document) else value


Text = Annotated[str | None, BeforeValidator(_text)]
MessageType = Annotated[
    Literal["plainText", "messageBlock"] | None, _enum(("plainText", "messageBlock"))
]
Visibility = Annotated[Literal["PUBLIC", "PRIVATE"] | None, _enum(("PUBLIC", "PRIVATE"))]


class _Vendor(CamelInputModel):
    # Camunda's mapper ignores fields its classes do not have (FAIL_ON_UNKNOWN_PROPERTIES off).
    model_config = ConfigDict(extra="ignore")


class CamundaSlackCredential(_Vendor):
    """``slackCredential`` (template version 13): the stored credential as the engine
    resolves it."""

    token: Text = field(None, description="The Slack app's OAuth token", secret=True)


class CamundaSlackData(_Vendor):
    """``data``: the inputs of every method (the template sends the chosen method's)."""

    # chat.postMessage; channel also for reactions.add, pins.add, pins.remove
    channel: Text = field(
        None,
        description="Channel ID or name, a user ID, @real name or an e-mail address "
        "(chat.postMessage); the channel ID of the message (reactions, pins)",
    )
    thread: Text = field(None, description="chat.postMessage: ts of the thread's parent")
    message_type: MessageType = field(
        None, description="chat.postMessage: plainText (text) or messageBlock (blockContent)"
    )
    text: Text = field(None, description="chat.postMessage: the message text")
    block_content: Any = field(None, description="chat.postMessage: Block Kit blocks, a JSON array")
    documents: Annotated[list[Document] | None, BeforeValidator(_documents)] = field(
        None, description="chat.postMessage: documents uploaded and shown as file blocks"
    )
    # conversations.create
    new_channel_name: Text = field(None, description="conversations.create: the channel's name")
    visibility: Visibility = field(
        None, description="conversations.create: PUBLIC (default) or PRIVATE"
    )
    # conversations.invite
    channel_type: Text = field(
        None, description="conversations.invite: channelId or channelName (the form's choice)"
    )
    channel_id: Text = field(None, description="conversations.invite: the channel's ID")
    channel_name: Text = field(
        None, description="conversations.invite: the channel's name, when channelId is empty"
    )
    users: Any = field(
        None,
        description="conversations.invite: user IDs, @real names or e-mail addresses, "
        "comma-separated or a list",
    )
    # reactions.add, pins.add, pins.remove
    emoji: Text = field(None, description="reactions.add: the emoji's name, e.g. eyes")
    timestamp: Text = field(None, description="reactions.add, pins: the message's ts")


class CamundaSlackRequest(_Vendor):
    """The variables of an ``io.camunda:slack:1`` job."""

    token: Text = field(None, description="The Slack app's OAuth token (xoxb-...)", secret=True)
    slack_credential: CamundaSlackCredential | None = field(
        None, description="A stored Slack credential (template version 13); wins over token"
    )
    method: Annotated[Method, _enum(METHODS)] = field(
        "chat.postMessage", description="The Slack Web API method to call"
    )
    data: CamundaSlackData = field(
        default_factory=CamundaSlackData, description="The method's inputs"
    )
