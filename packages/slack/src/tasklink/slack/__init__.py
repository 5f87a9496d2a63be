"""tasklink-slack: the Slack connector.

Post, update and delete messages (text or Block Kit, to channels, users and threads),
create channels and invite users, react, pin and unpin, upload files from documents,
look up users by e-mail address and read a channel's history or a thread's replies.

Calls go to Slack's Web API through slack-sdk's request building and the shared outbound
client (``tasklink.client``): its operator settings, failure codes and trust policy
apply. Importing this package is cheap; slack-sdk and httpx are imported when the first
call is sent.
"""

from .__about__ import __version__
from ._api import DEFAULT_BASE_URL, Connection
from ._connector import connector
from ._errors import SLACK_ERROR_CODES, SLACK_ERRORS
from ._inputs import (
    AddReaction,
    CreateChannel,
    DeleteMessage,
    InviteUsers,
    LookupUser,
    MessageRef,
    PinMessage,
    PostMessage,
    ReadHistory,
    SlackInput,
    UpdateMessage,
    UploadFile,
)
from ._outputs import (
    ChannelResult,
    FileResult,
    HistoryResult,
    MessageResult,
    ReactionResult,
    UserResult,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "SLACK_ERRORS",
    "SLACK_ERROR_CODES",
    "AddReaction",
    "ChannelResult",
    "Connection",
    "CreateChannel",
    "DeleteMessage",
    "FileResult",
    "HistoryResult",
    "InviteUsers",
    "LookupUser",
    "MessageRef",
    "MessageResult",
    "PinMessage",
    "PostMessage",
    "ReactionResult",
    "ReadHistory",
    "SlackInput",
    "UpdateMessage",
    "UploadFile",
    "UserResult",
    "__version__",
    "connector",
]
