"""What the connector sends and how it reads the answers, replayed from cassettes with the
network blocked, and each cassette checked against Alfresco's OpenAPI documents.

The cassettes under ``cassettes/`` were recorded from the fake repository
(``support/fake_acs.py``, itself checking every exchange against the documents) on
127.0.0.1:18791. A replayed request must match the recorded one in method, URL, query,
body and headers (credentials and volatile headers excepted), so a change in how the
connector shapes a request fails here; node ids come from the recorded answers, as they
would from a repository.

To re-record (after a deliberate change of the requests)::

    TASKLINK_RECORD=1 hatch run pytest -q --import-mode=importlib \\
        packages/alfresco/tests/test_recorded.py

Each test then replaces its cassette with one recorded against a fresh fake (the port
must be free).

No credential reaches a cassette: tasklink-testing's scrubber masks the ``Authorization``
header, the ``password`` of the ticket login and every known secret, and this module masks
the tickets ACS answers a login with (``TICKET_<hex>`` becomes ``TICKET_recorded``), which
the scrubber cannot know in advance; :func:`test_no_cassette_holds_a_credential` checks
the files.
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import FakeRepository

from tasklink.alfresco import connector
from tasklink.alfresco._auth import tickets
from tasklink.core import Completed, Failed, Outcome
from tasklink.testing import OpenAPISpec, arun_job, assert_cassette_matches_spec, recording_vcr
from tasklink.testing._recording import SENSITIVE_HEADERS

CASSETTES = Path(__file__).resolve().parent / "cassettes"
PORT = 18791
BASE_URL = f"http://127.0.0.1:{PORT}/alfresco"
USER = "admin"
PASSWORD = "rec-Admin-pw-51c3e7"
RECORDING = os.environ.get("TASKLINK_RECORD") == "1"
RECORDED_TICKET = "TICKET_recorded"
BOUNDARY = "tasklink-test-boundary"
# Headers that differ between runs without the request changing shape.
_VOLATILE = frozenset({"user-agent", "accept-encoding"}) | SENSITIVE_HEADERS
_TICKET = re.compile(r"TICKET_[0-9a-f]{16,}")
#: Every cassette, by the test that records it.
CASSETTE_NAMES = (
    "create_file_uploads_multipart",
    "select_by_relative_and_location_path",
    "search_afts_and_cmis",
    "update_metadata",
    "lock_and_unlock",
    "not_found",
    "ticket_login_and_login_again",
)


def _shaped_headers(r1: Any, r2: Any) -> None:
    def shape(request: Any) -> dict[str, Any]:
        return {k.lower(): v for k, v in request.headers.items() if k.lower() not in _VOLATILE}

    assert shape(r1) == shape(r2), f"{shape(r1)} != {shape(r2)}"


def _blocked(*args: Any, **kwargs: Any) -> Any:
    raise OSError("the network is blocked while cassettes replay")


def _mask_tickets(response: dict[str, Any]) -> dict[str, Any]:
    """vcrpy ``before_record_response``: the ticket of a login answer (and any other)
    replaced, the ``Content-Length`` kept true to the body."""
    body = response.get("body") or {}
    raw = body.get("string")
    if raw is None:
        return response
    text = raw.decode("utf-8", "surrogateescape") if isinstance(raw, bytes) else str(raw)
    masked = _TICKET.sub(RECORDED_TICKET, text)
    if masked != text:
        encoded = masked.encode("utf-8", "surrogateescape")
        body["string"] = encoded if isinstance(raw, bytes) else masked
        headers = response.get("headers") or {}
        for name in headers:
            if name.lower() == "content-length":
                headers[name] = [str(len(encoded))]
    return response


@dataclass
class Recorder:
    """The test's cassette; while recording, the fake it is recorded from."""

    name: str
    fake: FakeRepository | None
    issued: list[str] = field(default_factory=list)  # tickets the fake gave out

    @property
    def path(self) -> Path:
        return CASSETTES / f"{self.name}.yaml"


@pytest.fixture(autouse=True)
def _fresh_tickets() -> Iterator[None]:
    """Tickets are cached per process: each test logs in as its cassette recorded."""
    tickets.clear()
    yield
    tickets.clear()


@pytest.fixture
async def cassette(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Recorder]:
    """Replays the test's cassette offline; with ``TASKLINK_RECORD=1`` records it afresh
    against a new fake repository on :data:`PORT`."""
    from tasklink.client import aclose_clients

    monkeypatch.setattr("tasklink.client._content.new_boundary", lambda: BOUNDARY)
    name = request.node.name.removeprefix("test_")
    assert name in CASSETTE_NAMES
    vcr = recording_vcr(CASSETTES, known_secrets=[PASSWORD])
    scrub_response = vcr.before_record_response
    vcr.before_record_response = lambda response: _mask_tickets(scrub_response(response))
    vcr.register_matcher("shaped_headers", _shaped_headers)
    fake: FakeRepository | None = None
    recorder = Recorder(name, None)
    if RECORDING:
        specs = request.getfixturevalue("alfresco_specs")
        fake = FakeRepository(specs, username=USER, password=PASSWORD).start(PORT)
        login = fake.auth.login

        def remembered(user_id: Any, password: Any) -> str | None:
            ticket = login(user_id, password)
            if ticket is not None:
                recorder.issued.append(ticket)
            return ticket

        monkeypatch.setattr(fake.auth, "login", remembered)
        recorder.fake = fake
        recorder.path.unlink(missing_ok=True)
    else:
        monkeypatch.setattr(socket.socket, "connect", _blocked)
        monkeypatch.setattr(socket.socket, "connect_ex", _blocked)
    try:
        with vcr.use_cassette(
            recorder.path.name,
            match_on=[
                "method",
                "scheme",
                "host",
                "port",
                "path",
                "query",
                "body",
                "shaped_headers",
            ],
        ) as recorded:
            yield recorder
            if not RECORDING:
                assert recorded.all_played, "a recorded request was not sent"
        await aclose_clients()
    finally:
        if fake is not None:
            violations = fake.take_violations()
            fake.close()
            assert violations == [], "the fake saw deviations from the API documents"
    text = recorder.path.read_text("utf-8")
    for ticket in recorder.issued:
        assert ticket not in text


def _connection(kind: str = "basic") -> dict[str, Any]:
    return {
        "baseUrl": BASE_URL,
        "authentication": {
            "type": kind,
            "username": USER,
            "password": "{{secrets.ACS_PASSWORD}}",
        },
    }


async def _run(action: str, kind: str = "basic", **inputs: Any) -> Outcome:
    return await arun_job(
        connector,
        {"connection": _connection(kind), **inputs},
        operation=action,
        secrets={"ACS_PASSWORD": PASSWORD},
    )


async def _ok(action: str, kind: str = "basic", **inputs: Any) -> dict[str, Any]:
    outcome = await _run(action, kind, **inputs)
    assert isinstance(outcome, Completed), outcome
    output: dict[str, Any] = outcome.output
    return output


def _multipart_bodies(path: Path) -> list[str]:
    data = yaml.safe_load(path.read_text("utf-8"))
    bodies = []
    for interaction in data["interactions"]:
        headers = {k.lower(): v for k, v in interaction["request"]["headers"].items()}
        if "multipart/form-data" in str(headers.get("content-type")):
            bodies.append(str(interaction["request"]["body"]))
    return bodies


async def test_create_file_uploads_multipart(cassette: Recorder) -> None:
    out = await _ok(
        "create_file",
        fileName="report.txt",
        targetFolderPath="/Shared",
        sourceText="Q3: 1 234 EUR\n",
        targetFileMetadata={"cm_title": "Q3 report", "cm:description": "quarterly"},
        underscoreMetadata=True,
    )
    [node] = out["file"]
    assert (node["name"], node["isFile"]) == ("report.txt", True)
    assert node["content"]["sizeInBytes"] == len(b"Q3: 1 234 EUR\n")
    assert out["response"]["entry"]["properties"]["cm_title"] == "Q3 report"
    if cassette.fake is not None:
        assert cassette.fake.content(node["id"]) == b"Q3: 1 234 EUR\n"
    # The content went as a multipart/form-data upload with APA's fields.
    if not RECORDING:
        [body] = _multipart_bodies(cassette.path)
        assert f"--{BOUNDARY}" in body
        assert 'name="filedata"; filename="report.txt"' in body
        assert "Q3: 1 234 EUR" in body
        assert 'name="autoRename"' in body


async def test_select_by_relative_and_location_path(cassette: Recorder) -> None:
    folder = await _ok("create_folder", folderName="Sales", targetFolderPath="/Shared")
    created = await _ok("create_file", fileName="q3.txt", targetFolder=folder["folder"])
    file_id = created["file"][0]["id"]
    relative = await _ok("select_file", path="/Shared/Sales/q3.txt")
    assert [f["id"] for f in relative["file"]] == [file_id]
    located = await _ok("select_file", path="/app:company_home/app:shared/cm:Sales/cm:q3.txt")
    assert [f["id"] for f in located["file"]] == [file_id]
    sales = await _ok("select_folder", path="/Shared/Sales")
    assert sales["folder"][0]["id"] == folder["folder"][0]["id"]


async def test_search_afts_and_cmis(cassette: Recorder) -> None:
    for n in range(3):
        await _ok(
            "create_file",
            fileName=f"inv-{n}.txt",
            targetFolderPath="/Shared",
            targetFileMetadata={"cm:title": "invoice"},
        )
    page = await _ok("search", searchQuery="cm:title:invoice", searchMaxItems=2)
    assert (len(page["nodes"]), page["totalItems"], page["hasMoreItems"]) == (2, 3, True)
    cmis = await _ok(
        "search",
        searchQuery="SELECT * FROM cmis:document WHERE cmis:name LIKE 'inv-%'",
        language="cmis",
        searchSkipCount=1,
    )
    assert len(cmis["nodes"]) == 2
    selected = await _ok("select_file", searchQuery="cm:name:inv-2.txt")
    assert [f["name"] for f in selected["file"]] == ["inv-2.txt"]


async def test_update_metadata(cassette: Recorder) -> None:
    created = await _ok("create_file", fileName="m.txt", targetFolderPath="/Shared")
    file = created["file"]
    out = await _ok(
        "update_metadata",
        file=file,
        metadata={"cm_title": "Minutes", "cm_description": "board"},
        underscoreMetadata=True,
    )
    assert out["response"]["entry"]["properties"]["cm_title"] == "Minutes"
    metadata = await _ok("select_metadata", nodeId=file[0]["id"])
    assert metadata["metadata"]["cm:title"] == "Minutes"
    assert metadata["metadata"]["cm:description"] == "board"


async def test_lock_and_unlock(cassette: Recorder) -> None:
    created = await _ok("create_file", fileName="l.txt", targetFolderPath="/Shared")
    node_id = created["file"][0]["id"]
    await _ok("lock_node", nodeId=node_id, lockType="FULL", timeToExpire=0, lifetime="PERSISTENT")
    locked = await _run("update_metadata", nodeId=node_id, metadata={"cm:title": "x"})
    assert isinstance(locked, Failed)
    assert (locked.code, locked.retries) == ("LOCKED", 0)
    assert f"node {node_id!r} (nodeId) is locked" in locked.message
    await _ok("unlock_node", nodeId=node_id)
    await _ok("update_metadata", nodeId=node_id, metadata={"cm:title": "x"})


async def test_not_found(cassette: Recorder) -> None:
    by_id = await _run("select_file", nodeId="no-such-node")
    assert isinstance(by_id, Failed)
    assert (by_id.code, by_id.retries) == ("NOT_FOUND", 0)
    assert "SELECT_FILE: file 'no-such-node' (nodeId) does not exist" in by_id.message
    assert by_id.variables["status"] == 404
    assert by_id.variables["error"]["statusCode"] == 404
    deleted = await _run("delete_file", fileId="gone-too")
    assert isinstance(deleted, Failed) and deleted.code == "NOT_FOUND"
    assert "file 'gone-too' (fileId) does not exist" in deleted.message
    target = await _run("create_folder", folderName="x", targetFolderPath="/Nowhere")
    assert isinstance(target, Failed) and target.code == "NOT_FOUND"
    assert "'/Nowhere' (targetFolderPath)" in target.message


async def test_ticket_login_and_login_again(cassette: Recorder) -> None:
    first = await _ok("select_folder", kind="ticket", path="/Shared")
    again = await _ok("select_folder", kind="ticket", nodeId=first["folder"][0]["id"])
    assert again["folder"][0]["name"] == "Shared"
    if cassette.fake is not None:
        cassette.fake.expire_tickets()  # ACS restarted: the cached ticket gets a 401
    home = await _ok("select_metadata", kind="ticket", path="/Shared")
    assert home["response"]["entry"]["name"] == "Shared"
    data = yaml.safe_load(cassette.path.read_text("utf-8")) if not RECORDING else None
    if data is not None:
        calls = [
            (i["request"]["method"], i["request"]["uri"].split("/versions/1", 1)[1])
            for i in data["interactions"]
        ]
        logins = [c for c in calls if c == ("POST", "/tickets")]
        assert len(logins) == 2  # once, then once more after the 401
        statuses = [i["response"]["status"]["code"] for i in data["interactions"]]
        assert 401 in statuses
        login = next(i for i in data["interactions"] if i["request"]["uri"].endswith("/tickets"))
        assert json.loads(login["request"]["body"]) == {"userId": USER, "password": "***"}
        assert json.loads(login["response"]["body"]["string"])["entry"]["id"] == RECORDED_TICKET


@pytest.mark.parametrize("name", CASSETTE_NAMES)
def test_the_cassette_matches_the_alfresco_api_documents(name: str, alfresco_specs: Path) -> None:
    specs = [
        OpenAPISpec.load(alfresco_specs / f"alfresco-{api}.yaml")
        for api in ("core", "search", "auth")
    ]
    path = CASSETTES / f"{name}.yaml"
    assert path.is_file(), f"{path} is missing: record it with TASKLINK_RECORD=1"
    assert_cassette_matches_spec(path, specs)


def test_no_cassette_holds_a_credential() -> None:
    basic = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    files = sorted(CASSETTES.glob("*.yaml"))
    assert {f.stem for f in files} == set(CASSETTE_NAMES)
    for path in files:
        text = path.read_text("utf-8")
        for secret in (PASSWORD, basic, base64.b64encode(PASSWORD.encode()).decode()):
            assert secret not in text, path.name
        assert not _TICKET.search(text), f"{path.name} holds a ticket"
        data = yaml.safe_load(text)
        for interaction in data["interactions"]:
            for name, values in interaction["request"]["headers"].items():
                if name.lower() in SENSITIVE_HEADERS:
                    assert values in (["***"], "***"), f"{path.name}: {name} {values}"
            body = interaction["request"].get("body")
            if body and "password" in str(body):
                assert json.loads(body)["password"] == "***", path.name


async def test_blocking_the_socket_blocks_the_connector(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replays are offline only if the connector connects through ``socket.connect``."""
    attempts: list[Any] = []

    def blocked(*args: Any) -> Any:
        attempts.append(args)
        return _blocked()

    monkeypatch.setattr(socket.socket, "connect", blocked)
    outcome = await _run("select_folder", path="/Shared")
    assert isinstance(outcome, Failed)
    assert (outcome.code, outcome.retries) == ("SERVICE_UNAVAILABLE", 2)
    assert attempts, "the connector connected without going through socket.connect"
