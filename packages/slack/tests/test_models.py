"""Input checks that need no call to Slack: bad input fails before anything is sent, as
an input error naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from tasklink.slack import (
    DEFAULT_BASE_URL,
    AddReaction,
    CreateChannel,
    InviteUsers,
    LookupUser,
    PostMessage,
    ReadHistory,
    UpdateMessage,
    UploadFile,
    connector,
)
from tasklink.testing import run_job

T = {"token": "xoxb-model-token-1"}


def test_blocks_are_taken_as_a_list_json_text_or_block_kit_builders_object() -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    assert PostMessage(**T, channel="C1", blocks=blocks).blocks == blocks
    assert PostMessage(**T, channel="C1", blocks='[{"type": "divider"}]').blocks == [
        {"type": "divider"}
    ]
    assert PostMessage(**T, channel="C1", blocks={"blocks": blocks}).blocks == blocks


@pytest.mark.parametrize("blocks", ["not json", '{"type": "divider"}', "[1]", '[{"text": "x"}]'])
def test_blocks_that_are_not_block_kit_are_refused(blocks: str) -> None:
    with pytest.raises(ValidationError, match="Block Kit"):
        PostMessage(**T, channel="C1", blocks=blocks)


def test_a_message_needs_text_or_blocks_and_a_broadcast_needs_a_thread() -> None:
    with pytest.raises(ValidationError, match="text or blocks"):
        PostMessage(**T, channel="C1")
    with pytest.raises(ValidationError, match="replyBroadcast needs threadTs"):
        PostMessage(**T, channel="C1", text="x", replyBroadcast=True)
    with pytest.raises(ValidationError, match="new text or blocks"):
        UpdateMessage(**T, channel="C1", ts="1.2")
    assert UpdateMessage(**T, channel="C1", ts="1.2", blocks=[]).blocks == []


def test_timestamps_emails_names_and_limits_are_checked() -> None:
    with pytest.raises(ValidationError, match="timestamp"):
        AddReaction(**T, channel="C1", ts="yesterday", name="x")
    with pytest.raises(ValidationError, match="e-mail"):
        LookupUser(**T, email="ada")
    with pytest.raises(ValidationError, match="name"):
        CreateChannel(**T, name="Has Spaces")
    with pytest.raises(ValidationError, match="limit"):
        ReadHistory(**T, channel="C1", limit=5000)
    with pytest.raises(ValidationError, match="threadTs needs a channel"):
        UploadFile(
            **T,
            document={"camunda.document.type": "inline", "content": "x"},
            threadTs="1.2",
        )


def test_users_are_a_list_or_one_string_separated_by_commas() -> None:
    assert InviteUsers(**T, channel="C1", users="U1, a@b.io,,@c").users == ["U1", "a@b.io", "@c"]
    assert InviteUsers(**T, channel="C1", users=[" U1 "]).users == ["U1"]
    with pytest.raises(ValidationError, match="at least one user"):
        InviteUsers(**T, channel="C1", users=" , ")


def test_the_connection_defaults_to_slack_and_keeps_the_token_out_of_its_repr() -> None:
    model = PostMessage(**T, channel="C1", text="x")
    conn = model.connection()
    assert conn.base_url == DEFAULT_BASE_URL == "https://slack.com/api/"
    assert "xoxb" not in repr(conn)
    assert (
        PostMessage(**T, channel="C1", text="x", baseUrl="http://127.0.0.1:9/api")
        .connection()
        .base_url
        == "http://127.0.0.1:9/api/"
    )


@pytest.mark.parametrize(
    ("variables", "fields"),
    [
        ({"channel": "C1", "text": "x"}, {"token"}),
        ({**T, "channel": "C1", "text": "x", "baseUrl": "ftp://x"}, {"baseUrl"}),
    ],
)
def test_bad_input_is_an_incident_naming_the_field(
    variables: dict[str, Any], fields: set[str]
) -> None:
    outcome = run_job(connector, variables, operation="post_message")
    assert outcome.kind == "failed", outcome
    assert outcome.code in ("MISSING_INPUT", "INVALID_INPUT")
    assert outcome.retries == 0
    assert fields <= set(outcome.variables["fields"])


def test_every_declared_code_is_declared_on_the_connector() -> None:
    from tasklink.slack._errors import SLACK_ERROR_CODES, SLACK_ERRORS

    assert set(SLACK_ERROR_CODES.values()) <= set(SLACK_ERRORS)
    for code in (
        "CHANNEL_NOT_FOUND",
        "USER_NOT_FOUND",
        "NOT_IN_CHANNEL",
        "INVALID_AUTH",
        "MSG_TOO_LONG",
        "RATE_LIMITED",
        "NAME_TAKEN",
        "SLACK_ERROR",
    ):
        assert code in connector.errors
