"""The standard suite every tasklink connector package runs; its README example and
secret cases run against the fake Slack (``slack`` fixture)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from tasklink.slack import connector
from tasklink.testing import SecretCase, StandardConnectorSuite

T = {"token": "xoxb-suite-token-1"}
M = {**T, "channel": "C0123ABCDE", "ts": "1712345678.000100"}
DOC = {
    "camunda.document.type": "inline",
    "content": base64.b64encode(b"report").decode(),
    "encoding": "base64",
    "fileName": "report.txt",
}


class TestStandard(StandardConnectorSuite):
    connector = connector
    package_dir = Path(__file__).resolve().parents[1]
    # Discovery loads neither slack-sdk (nor the aiohttp it imports) nor the HTTP stack.
    heavy_modules = ("slack_sdk", "aiohttp", "httpx", "httpcore")

    @pytest.fixture
    def valid_inputs(self) -> dict[str, dict[str, Any]]:
        return {
            "post_message": {**T, "channel": "#general", "text": "Hi", "getPermalink": True},
            "update_message": {**M, "blocks": '[{"type": "divider"}]'},
            "delete_message": M,
            "add_reaction": {**M, "name": ":tada:"},
            "pin_message": M,
            "unpin_message": M,
            "create_channel": {**T, "name": "incident-42", "isPrivate": True, "users": "a@b.io"},
            "invite_users": {**T, "channel": "#ops", "users": ["U0123ABCDE", "@ada"]},
            "upload_file": {**T, "document": DOC, "channel": "#ops", "title": "Report"},
            "lookup_user": {**T, "email": "ada@example.com"},
            "read_history": {**T, "channel": "#ops", "limit": 10},
        }

    @pytest.fixture
    def secret_cases(self, slack: Any) -> list[SecretCase]:
        def case(operation: str, token: str, **inputs: Any) -> SecretCase:
            variables = {
                "token": "{{secrets.SLACK_TOKEN}}",
                "baseUrl": slack.base_url,
                **inputs,
            }
            return SecretCase(operation, variables, {"SLACK_TOKEN": token})

        return [
            case("post_message", slack.token, channel="#general", text="hello"),
            case("lookup_user", slack.token, email="nobody@example.com"),
            # A refused token: nothing of it in the error either.
            case("post_message", "xoxb-wrong-token-0000", channel="#general", text="x"),
        ]

    @pytest.fixture
    def readme_environment(self, slack: Any) -> dict[str, str]:
        return {"SLACK_API_URL": slack.base_url, "SLACK_TOKEN": slack.token}
