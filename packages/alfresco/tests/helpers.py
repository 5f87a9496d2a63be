"""What the action tests share: running one action against the fake repository as a
runtime would, and a clean ticket cache per test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tasklink.alfresco import connector
from tasklink.alfresco._auth import tickets
from tasklink.core import Outcome
from tasklink.testing import run_job

__all__ = ["connection", "fresh_tickets", "ok", "run"]


@pytest.fixture(autouse=True)
def fresh_tickets() -> Iterator[None]:
    """Tickets are cached per process: each test logs in afresh."""
    tickets.clear()
    yield
    tickets.clear()


def connection(acs: Any, kind: str = "basic", **auth: Any) -> dict[str, Any]:
    """The connection input for the fake, as ``acs``'s own user by default."""
    return {
        "baseUrl": acs.base_url,
        "authentication": {
            "type": kind,
            "username": acs.username,
            "password": "{{secrets.ACS_PASSWORD}}",
            **auth,
        },
    }


def run(acs: Any, action: str, *, kind: str = "basic", **inputs: Any) -> Outcome:
    """Run ``action`` with ``inputs`` through the core job path."""
    variables = {"connection": connection(acs, kind), **inputs}
    return run_job(connector, variables, operation=action, secrets={"ACS_PASSWORD": acs.password})


def ok(acs: Any, action: str, **inputs: Any) -> dict[str, Any]:
    """The output of ``action``, which must complete."""
    outcome = run(acs, action, **inputs)
    assert outcome.kind == "completed", outcome
    output: dict[str, Any] = outcome.output
    return output
