"""Test support of tasklink-slack: a stateful fake Slack Web API (:class:`FakeSlack`) that
checks every request and answer against Slack's OpenAPI document.

Start it with the ``slack`` fixture (``tests/conftest.py``), or directly::

    with FakeSlack(kit / "specs/slack") as slack:
        WebClient(token=slack.token, base_url=slack.base_url).auth_test()

``tests/conftest.py`` loads this package as ``slack_support`` (Alfresco's tests have a
``support`` package too, and every package's tests run in one pytest session): import
from there in tests, ``from slack_support import FakeSlack``.
"""

from __future__ import annotations

from .fake_slack import FakeSlack, RateLimit, RecordedRequest
from .slack_contract import CORRECTIONS, Contract, Correction
from .slack_model import Channel, File, Message, SlackError, User, Workspace

__all__ = [
    "CORRECTIONS",
    "Channel",
    "Contract",
    "Correction",
    "FakeSlack",
    "File",
    "Message",
    "RateLimit",
    "RecordedRequest",
    "SlackError",
    "User",
    "Workspace",
]
