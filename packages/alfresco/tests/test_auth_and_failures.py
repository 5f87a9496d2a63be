"""Logging in (Basic, tickets, OAuth 2.0 client credentials, the connection secret) and
how failures of the repository become APA's codes, retried or not."""

from __future__ import annotations

import json
from typing import Any

from tasklink.alfresco import connector
from tasklink.testing import run_job

from .helpers import connection, run

TICKETS = "/authentication/versions/1/tickets"


def _logins(acs: Any) -> int:
    return sum(1 for r in acs.requests if r.method == "POST" and r.path.endswith(TICKETS))


def test_tickets_log_in_once_and_again_after_they_expire(acs: Any) -> None:
    home = {"nodeId": acs.company_home_id}
    ok_twice = [run(acs, "select_metadata", kind="ticket", **home) for _ in range(2)]
    assert [o.kind for o in ok_twice] == ["completed", "completed"]
    assert _logins(acs) == 1
    sent = [r for r in acs.requests if r.path.endswith(f"/nodes/{acs.company_home_id}")]
    assert all(r.headers["authorization"].startswith("Basic ") for r in sent)
    acs.expire_tickets()
    again = run(acs, "select_metadata", kind="ticket", **home)
    assert again.kind == "completed", again
    assert _logins(acs) == 2
    statuses = [r.status for r in acs.requests if r.path.endswith(f"/nodes/{acs.company_home_id}")]
    assert statuses[-2:] == [401, 200]  # refused, logged in again, repeated once


def test_a_refused_login_is_unauthorized_naming_the_user(acs: Any) -> None:
    outcome = run_job(
        connector,
        {
            "connection": {
                "baseUrl": acs.base_url,
                "authentication": {"type": "ticket", "username": "admin", "password": "wrong"},
            },
            "nodeId": acs.company_home_id,
        },
        operation="select_metadata",
    )
    assert (outcome.kind, outcome.code, outcome.retries) == ("failed", "UNAUTHORIZED", 0)
    assert "refused the login of user 'admin'" in outcome.message
    basic = run_job(
        connector,
        {
            "connection": {
                "baseUrl": acs.base_url,
                "authentication": {"type": "basic", "username": "admin", "password": "wrong"},
            },
            "nodeId": acs.company_home_id,
        },
        operation="select_metadata",
    )
    assert (basic.code, basic.retries) == ("UNAUTHORIZED", 0)
    assert "refused the credentials" in basic.message


def test_oauth2_client_credentials_against_the_identity_service(acs: Any) -> None:
    acs.add_client("tasklink", "client-secret-123")
    auth = {
        "type": "oauth2_client_credentials",
        "tokenUrl": acs.token_url,
        "clientId": "tasklink",
        "clientSecret": "{{secrets.CLIENT_SECRET}}",
    }
    variables = {
        "connection": {"baseUrl": acs.base_url, "authentication": auth},
        "folderName": "ViaOAuth",
        "targetFolderId": acs.shared_id,
    }
    outcome = run_job(
        connector,
        variables,
        operation="create_folder",
        secrets={"CLIENT_SECRET": "client-secret-123"},
    )
    assert outcome.kind == "completed", outcome
    assert acs.find("/Company Home/Shared/ViaOAuth") is not None
    refused = run_job(
        connector, variables, operation="create_folder", secrets={"CLIENT_SECRET": "nope-nope"}
    )
    assert (refused.code, refused.retries) == ("UNAUTHORIZED", 0)


def test_an_apa_task_without_connection_uses_the_connection_secret(acs: Any) -> None:
    secret = json.dumps(
        {
            "baseUrl": acs.base_url,
            "authentication": {
                "type": "ticket",
                "username": acs.username,
                "password": acs.password,
            },
        }
    )
    outcome = run_job(
        connector,
        {"folderName": "FromApa", "targetFolderPath": "/Shared"},
        operation="create_folder",
        secrets={"CONTENT_SERVICE_CONNECTION": secret},
    )
    assert outcome.kind == "completed", outcome
    assert acs.password not in json.dumps(outcome.output)
    missing = run_job(connector, {"nodeId": "x"}, operation="unlock_node")
    assert (missing.code, missing.retries) == ("MISSING_INPUT", 0)
    assert "CONTENT_SERVICE_CONNECTION" in missing.message


def test_server_errors_are_retried_and_client_errors_are_not(acs: Any) -> None:
    home = {"nodeId": acs.company_home_id}
    acs.fail_next("GET", "/nodes/", 503, headers={"Retry-After": "7"})
    unavailable = run(acs, "select_metadata", **home)
    assert (unavailable.code, unavailable.retries) == ("SERVICE_UNAVAILABLE", 2)
    assert unavailable.backoff is not None and unavailable.backoff.total_seconds() == 7
    acs.fail_next("GET", "/nodes/", 500)
    assert run(acs, "select_metadata", **home).code == "INTERNAL_SERVER_ERROR"
    acs.fail_next("GET", "/nodes/", 400)
    bad = run(acs, "select_metadata", **home)
    assert (bad.code, bad.retries) == ("BAD_REQUEST", 0)
    assert bad.variables["status"] == 400
    acs.fail_next("GET", "/nodes/", 429)
    throttled = run(acs, "select_metadata", **home)
    assert (throttled.code, throttled.retries) == ("UNKNOWN_ERROR", 2)
    acs.take_violations()  # the faults answer statuses the document does not list


def test_an_unreachable_repository_is_retried_as_service_unavailable(acs: Any) -> None:
    outcome = run_job(
        connector,
        {
            "connection": {**connection(acs), "baseUrl": "http://127.0.0.1:9/alfresco"},
            "nodeId": "x",
        },
        operation="unlock_node",
        secrets={"ACS_PASSWORD": acs.password},
    )
    assert (outcome.code, outcome.retries) == ("SERVICE_UNAVAILABLE", 2)
    assert outcome.message.startswith("UNLOCK_NODE: ")
