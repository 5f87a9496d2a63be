"""The connector's declaration: what discovery and the templates read.

It imports only pydantic, the core and the models (and ``tasklink.client``'s cheap
names); every operation is a lazy target, imported when it first runs, and slack-sdk
with it.
"""

from __future__ import annotations

from pydantic import BaseModel

from tasklink.core import Connector

from . import _inputs as i
from . import _outputs as o
from ._errors import SLACK_ERRORS

__all__ = ["connector"]

connector = Connector(
    id="io.tasklink.slack",
    name="slack",
    title="Slack",
    job_type="tasklink:slack:1",
    description="Post, update and delete messages, create channels and invite members, "
    "react, pin, upload files and read history in a Slack workspace",
    package=__package__,
    documentation_url="https://github.com/tasklink/tasklink/blob/main/docs/connectors/slack.md",
    # The Camunda template's version: bump it on every change of the form that is not
    # cosmetic, so diagrams made with the previous one keep it (docs/templates.md).
    template_version=1,
    keywords=("slack", "chat", "message", "notification"),
    group_labels={
        "authentication": "Authentication",
        "connection": "Connection",
        "message": "Message",
        "thread": "Thread",
        "channel": "Channel",
        "file": "File",
        "user": "User",
        "history": "History",
        "options": "Options",
    },
    errors=SLACK_ERRORS,
)


@connector.on_shutdown
async def _close_clients() -> None:
    """The runtime's shutdown closes the shared pooled clients after the last job."""
    from tasklink.client import aclose_clients

    await aclose_clients()


_OPERATIONS: tuple[tuple[str, str, str, str, type[BaseModel], type[BaseModel]], ...] = (
    # id, name, description, target, input, output
    (
        "post_message",
        "Post message",
        "Post text or Block Kit to a channel, a user or a thread; outputs channel, ts, "
        "message, permalink",
        "._messages:post_message",
        i.PostMessage,
        o.MessageResult,
    ),
    (
        "update_message",
        "Update message",
        "Change a message's text or blocks; outputs channel, ts, message",
        "._messages:update_message",
        i.UpdateMessage,
        o.MessageResult,
    ),
    (
        "delete_message",
        "Delete message",
        "Delete a message; outputs channel, ts",
        "._messages:delete_message",
        i.DeleteMessage,
        o.MessageResult,
    ),
    (
        "add_reaction",
        "Add reaction",
        "Add an emoji reaction to a message",
        "._messages:add_reaction",
        i.AddReaction,
        o.ReactionResult,
    ),
    (
        "pin_message",
        "Pin message",
        "Pin a message to its channel",
        "._messages:pin_message",
        i.PinMessage,
        o.MessageResult,
    ),
    (
        "unpin_message",
        "Unpin message",
        "Unpin a message from its channel",
        "._messages:unpin_message",
        i.PinMessage,
        o.MessageResult,
    ),
    (
        "create_channel",
        "Create channel",
        "Create a public or private channel and invite users; outputs channel",
        "._channels:create_channel",
        i.CreateChannel,
        o.ChannelResult,
    ),
    (
        "invite_users",
        "Invite users",
        "Invite users (ids, @names or e-mail addresses) to a channel",
        "._channels:invite_users",
        i.InviteUsers,
        o.ChannelResult,
    ),
    (
        "upload_file",
        "Upload file",
        "Upload a document and share it in a channel or thread; outputs fileId, file",
        "._files:upload_file",
        i.UploadFile,
        o.FileResult,
    ),
    (
        "lookup_user",
        "Look up user",
        "Find a user by e-mail address; outputs userId, user",
        "._users:lookup_user",
        i.LookupUser,
        o.UserResult,
    ),
    (
        "read_history",
        "Read history",
        "Read a channel's recent messages or a thread's replies, up to a limit; outputs messages",
        "._channels:read_history",
        i.ReadHistory,
        o.HistoryResult,
    ),
)

for _id, _name, _description, _target, _input, _output in _OPERATIONS:
    connector.operation(
        _id,
        name=_name,
        description=_description,
        target=f"._actions{_target}",
        input_model=_input,
        output_model=_output,
    )

from . import _contracts  # noqa: E402, F401 - declares the vendor contracts
