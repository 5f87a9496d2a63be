"""Processes modelled with Camunda's own REST templates run on tasklink unchanged.

Every official version of Camunda's REST connector template (latest, hybrid and the
frozen ones, from the developer kit) is applied to a service task as the modeler does,
its defaults plus filled-in values, and the job runs through the Camunda worker (the
fake Orchestration Cluster gateway, every exchange checked against the official API
document) on the REST connector's Camunda contract, against a local HTTP server. So do
vendor templates that reuse the job type: Twilio (a form body) and GitHub (JSON), from
the npm package ``@camunda/connectors-element-templates``.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tasklink.core import MappingSecretProvider, RedactingFilter
from tasklink.http._connector import camunda_rest
from tasklink.testing import httpbin, shared_kit_dir
from tasklink.testing.vendor_templates import (
    AppliedTemplate,
    apply_template,
    camunda_template,
)

ROOT = Path(__file__).resolve().parents[2]
FAKES = ROOT / "packages" / "runtime" / "tests" / "camunda"
if str(FAKES) not in sys.path:
    sys.path.insert(0, str(FAKES))

from camunda_fakes import WorkerHarness  # noqa: E402
from camunda_fakes.process import spec_checked_gateway  # noqa: E402
from camunda_fakes.rest import FakeRestGateway  # noqa: E402

from tasklink.client import tokens  # noqa: E402
from tasklink.runtime.camunda import CamundaDocumentStore, RestGateway  # noqa: E402

TEMPLATES = "camunda-templates/http-json"
TOKEN = "camunda-rest-token-8c1f"
PASSWORD = "camunda-rest-password-77"


def official_templates() -> list[Path]:
    kit = shared_kit_dir(ROOT)
    if kit is None or not (kit / TEMPLATES).is_dir():
        return []
    folder = kit / TEMPLATES
    return sorted(
        [*folder.glob("*.json"), *folder.glob("hybrid/*.json"), *folder.glob("versioned/*.json")]
    )


TEMPLATE_FILES = official_templates()


@pytest.fixture
async def gateway() -> AsyncIterator[FakeRestGateway]:
    async with spec_checked_gateway() as fake:
        yield fake


@pytest.fixture(autouse=True)
def _isolated(outbound_isolation: None) -> Iterator[None]:
    tokens.clear()
    yield
    tokens.clear()


def harness(gateway: FakeRestGateway) -> WorkerHarness:
    secrets = MappingSecretProvider({"API_TOKEN": TOKEN, "API_PASSWORD": PASSWORD})
    rest = RestGateway(gateway.rest_address)
    return WorkerHarness(
        [camunda_rest], rest, secrets=secrets, documents=CamundaDocumentStore(rest.client)
    )


async def run(
    gateway: FakeRestGateway,
    *applied: AppliedTemplate,
    caplog: pytest.LogCaptureFixture | None = None,
) -> list[dict[str, Any]]:
    """Each job's last command, after the worker ran them all (``history``: every
    command the job got, retries included). ``caplog`` gets the redacting filter
    ``tasklink run`` puts on every log handler."""
    store = gateway.store
    jobs = [
        store.add(
            str(job.job_type),
            job.variables,
            headers=job.headers,
            retries=job.retries if job.retries is not None else 3,
        )
        for job in applied
    ]
    running = harness(gateway)
    if caplog is not None:
        caplog.handler.addFilter(RedactingFilter(running.pipeline.redactor))
    async with running:
        await store.wait_for(lambda: store.done(*jobs), timeout=30)
    outcomes = []
    for job in jobs:
        history = [{"kind": o.kind, **o.body} for o in store.outcomes_of(job.key)]
        outcomes.append({**history[-1], "history": history})
    return outcomes


def property_of(template: dict[str, Any], binding: str) -> dict[str, Any] | None:
    for prop in template["properties"]:
        if prop["binding"].get("name") == binding or prop["binding"].get("key") == binding:
            return dict(prop)
    return None


def choice(template: dict[str, Any], binding: str, wanted: str) -> str | None:
    """The template's own spelling of a dropdown value (``post`` in the first ones)."""
    prop = property_of(template, binding)
    for option in (prop or {}).get("choices", []):
        if str(option["value"]).lower() == wanted.lower():
            return str(option["value"])
    return None


def filled_in(template: dict[str, Any], url: str) -> dict[str, Any]:
    """What a process designer types into the template's form: a POST with a JSON body,
    a header, a query parameter, bearer (or Basic) authentication from secrets, and the
    result mapped with resultVariable and resultExpression."""
    values: dict[str, Any] = {
        "url": url,
        "method": choice(template, "method", "POST"),
        "headers": '={"X-Order": string(orderId)}',
        "queryParameters": '={"source": "tasklink"}',
        "body": '={"orderId": orderId, "items": items, "note": null}',
        "resultVariable": "result",
        "resultExpression": "={echoed: response.body.json, status: response.status}",
    }
    if property_of(template, "authentication.token"):
        values["authentication.type"] = "bearer"  # a dropdown, or hidden (version 03)
        values["authentication.token"] = "{{secrets.API_TOKEN}}"
    elif property_of(template, "authentication.password"):
        values["authentication.username"] = "ada"
        values["authentication.password"] = "secrets.API_PASSWORD"  # the legacy form
    return values


def ids(path: Path) -> str:
    return path.stem.removeprefix("http-json-connector").strip("-") or "latest"


@pytest.fixture(params=TEMPLATE_FILES, ids=[ids(p) for p in TEMPLATE_FILES])
def official(request: pytest.FixtureRequest) -> dict[str, Any]:
    """One official version of Camunda's REST template."""
    template: dict[str, Any] = json.loads(Path(request.param).read_text("utf-8"))
    return template


async def test_each_official_template_runs_unchanged(
    official: dict[str, Any],
    gateway: FakeRestGateway,
    httpbin_server: httpbin.TestServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    template = official
    variables = {"orderId": 42, "items": ["book", "pen"]}
    ok = apply_template(
        template, filled_in(template, f"{httpbin_server.url}/anything"), variables=variables
    )
    assert ok.job_type == "io.camunda:http-json:1"
    error_expression = property_of(template, "errorExpression") is not None
    missing_values = filled_in(template, f"{httpbin_server.url}/problem/404")
    if error_expression:
        missing_values["errorExpression"] = (
            '=if error.code = "404" then bpmnError("ORDER_NOT_FOUND", error.message, '
            "{problem: error.variables.response.body, type: error.code}) else null"
        )
    missing = apply_template(template, missing_values, variables=variables)

    done, failed = await run(gateway, ok, missing, caplog=caplog)
    done.pop("history")
    history = failed.pop("history")

    assert done["kind"] == "complete", done
    result = done["variables"]["result"]
    assert set(result) == {"status", "headers", "body", "reason", "document"}
    assert (result["status"], result["reason"], result["document"]) == (200, "OK", None)
    assert result["headers"]["Content-Type"] == "application/json"
    seen = result["body"]
    assert seen["method"] == "POST" and seen["args"] == {"source": "tasklink"}
    assert seen["headers"]["X-Order"] == "42"
    assert seen["json"] == {"orderId": 42, "items": ["book", "pen"], "note": None}
    assert seen["headers"]["Content-Type"] == "application/json"
    assert done["variables"]["echoed"] == seen["json"]
    assert done["variables"]["status"] == 200
    authorization = seen["headers"].get("Authorization")
    if "authentication.token" in json.dumps(ok.variables):
        assert authorization == "Bearer ***"  # sent, and masked in what came back
    elif "authentication" in ok.variables and ok.variables["authentication"]["type"] == "basic":
        assert authorization == "Basic ***"

    if error_expression:
        assert failed == {
            "kind": "error",
            "errorCode": "ORDER_NOT_FOUND",
            "errorMessage": "Not Found",
            "variables": {"problem": {"title": "problem", "status": 404}, "type": "404"},
        }
    else:  # retried as Camunda retries every connector error, 4xx too, to an incident
        assert [(o["kind"], o["retries"]) for o in history] == [
            ("fail", 2),
            ("fail", 1),
            ("fail", 0),
        ]
        assert failed["errorMessage"] == "Not Found"
    everything = json.dumps([done, failed]) + "\n".join(r.getMessage() for r in caplog.records)
    assert TOKEN not in everything and PASSWORD not in everything


async def test_a_secret_in_a_failure_message_is_masked(
    gateway: FakeRestGateway,
    httpbin_server: httpbin.TestServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    template = camunda_template("http-json-connector")
    values = {
        "url": f"{httpbin_server.url}/anything",
        "method": "POST",
        "authentication.type": "apiKey",
        "authentication.apiKeyLocation": "query",
        "authentication.name": "key",
        "authentication.value": "{{secrets.API_TOKEN}}",
        "body": '={"password": "{{secrets.API_PASSWORD}}"}',
        # An expression that puts what the server saw into the failure.
        "errorExpression": '=jobError("the server saw " + string(response.body), {}, 0)',
    }
    [outcome] = await run(gateway, apply_template(template, values), caplog=caplog)
    outcome.pop("history")
    assert outcome["kind"] == "fail" and outcome["retries"] == 0, outcome
    message = outcome["errorMessage"]
    assert "the server saw" in message and "key=***" in message
    everything = json.dumps(outcome) + "\n".join(r.getMessage() for r in caplog.records)
    assert TOKEN not in everything and PASSWORD not in everything


async def test_twilio_sends_a_form(
    gateway: FakeRestGateway, httpbin_server: httpbin.TestServer
) -> None:
    template = camunda_template("twilio-connector")
    applied = apply_template(
        template,
        {
            "operationType": "sendSms",
            "authType": "accountSidAuthToken",
            "accountSid": "AC123",
            "authentication.password": "{{secrets.API_TOKEN}}",
            "body.Body": "Your order shipped",
            "body.From": "+15550001",
            "body.To": "+15550002",
            "resultExpression": "={sid: response.body.form}",
        },
    )
    assert applied.job_type == "io.camunda:http-json:1"
    # The template calls api.twilio.com; the test server stands in for it.
    applied.variables["url"] = applied.variables["url"].replace(
        "https://api.twilio.com", f"{httpbin_server.url}/anything"
    )
    [outcome] = await run(gateway, applied)
    assert outcome["kind"] == "complete", outcome
    assert outcome["variables"]["sid"] == {
        "Body": "Your order shipped",
        "From": "+15550001",
        "To": "+15550002",
    }


async def test_github_creates_an_issue_with_json(
    gateway: FakeRestGateway, httpbin_server: httpbin.TestServer
) -> None:
    template = camunda_template("github-connector")
    applied = apply_template(
        template,
        {
            "operationGroup": "issues",
            "issueOperationType": "createIssue",
            "authentication.pat": "{{secrets.API_TOKEN}}",
            "owner": "tasklink",
            "repo": "tasklink",
            "issueTitle": "Order 42 failed",
            "githubBody": "See the logs",
        },
    )
    applied.variables["url"] = applied.variables["url"].replace(
        "https://api.github.com", f"{httpbin_server.url}/anything"
    )
    [outcome] = await run(gateway, applied)
    assert outcome["kind"] == "complete", outcome
    seen = outcome["variables"]["createdIssue"]
    assert seen["method"] == "POST"
    assert seen["path"] == "/anything/repos/tasklink/tasklink/issues"
    assert seen["headers"]["Authorization"] == "Bearer ***"
    assert seen["json"] == {
        "title": "Order 42 failed",
        "body": "See the logs",
        "assignees": None,
        "milestone": None,
        "labels": None,
    }


async def test_the_response_as_a_camunda_document(
    gateway: FakeRestGateway, httpbin_server: httpbin.TestServer
) -> None:
    template = camunda_template("http-json-connector")
    applied = apply_template(
        template,
        {
            "url": f"{httpbin_server.url}/download",
            "documentReturnFormat": "DOCUMENT",
            "resultExpression": "={file: response.document, body: response.body}",
        },
    )
    [outcome] = await run(gateway, applied)
    assert outcome["kind"] == "complete", outcome
    variables = outcome["variables"]
    assert variables["body"] is None
    reference = variables["file"]
    assert reference["camunda.document.type"] == "camunda"
    assert reference["metadata"]["fileName"] == "pixel.png"
    assert reference["metadata"]["contentType"] == "image/png"
    stored = gateway.documents.get(reference["documentId"])
    assert stored is not None and stored.size == len(httpbin.PNG)
