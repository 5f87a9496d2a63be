"""What the operation tests share: running one operation against the fake Slack as a
runtime would, with the bot token as a secret."""

from __future__ import annotations

from typing import Any

from tasklink.core import Outcome
from tasklink.slack import connector
from tasklink.testing import run_job

__all__ = ["ok", "run"]


def run(slack: Any, operation: str, **inputs: Any) -> Outcome:
    """Run ``operation`` with ``inputs`` through the core job path."""
    variables = {"token": "{{secrets.SLACK_TOKEN}}", "baseUrl": slack.base_url, **inputs}
    return run_job(connector, variables, operation=operation, secrets={"SLACK_TOKEN": slack.token})


def ok(slack: Any, operation: str, **inputs: Any) -> dict[str, Any]:
    """The output of ``operation``, which must complete."""
    outcome = run(slack, operation, **inputs)
    assert outcome.kind == "completed", outcome
    output: dict[str, Any] = outcome.output
    return output
