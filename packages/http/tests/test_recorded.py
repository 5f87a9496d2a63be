"""Request shaping, replayed from cassettes with the network blocked.

The cassettes were recorded from the local test server (``tasklink.testing.httpbin``) on port 18765;
a replayed request must match the recorded one in method, URL, query, body and headers
(credentials excepted, they are scrubbed), so a change in how the connector shapes a
request fails here. To re-record: delete ``cassettes/`` and run with ``TASKLINK_RECORD=1``.
"""

from __future__ import annotations

import base64
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tasklink.core import Completed, Failed
from tasklink.http import connector
from tasklink.testing import arun_job, recording_vcr
from tasklink.testing._recording import SENSITIVE_HEADERS

CASSETTES = Path(__file__).resolve().parent / "cassettes"
PORT = 18765
BASE = f"http://127.0.0.1:{PORT}"
TOKEN = "recorded-bearer-token-1"
RECORDING = os.environ.get("TASKLINK_RECORD") == "1"
# Headers that differ between runs without the request changing shape.
_VOLATILE = frozenset({"user-agent", "accept-encoding"}) | SENSITIVE_HEADERS


def _shaped_headers(r1: Any, r2: Any) -> None:
    def shape(request: Any) -> dict[str, Any]:
        return {k.lower(): v for k, v in request.headers.items() if k.lower() not in _VOLATILE}

    assert shape(r1) == shape(r2), f"{shape(r1)} != {shape(r2)}"


def _blocked(*args: Any, **kwargs: Any) -> Any:
    raise OSError("the network is blocked while cassettes replay")


@pytest.fixture
def cassette(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, httpbin_module: Any
) -> Iterator[Any]:
    """The test's cassette: recorded against a local server, or replayed offline."""
    monkeypatch.setattr("tasklink.client._content.new_boundary", lambda: "tasklink-test-boundary")
    vcr = recording_vcr(CASSETTES, known_secrets=[TOKEN])
    vcr.register_matcher("shaped_headers", _shaped_headers)
    name = request.node.name.removeprefix("test_") + ".yaml"
    server = None
    if RECORDING:
        server = httpbin_module.start(port=PORT)
    else:
        monkeypatch.setattr(socket.socket, "connect", _blocked)
        monkeypatch.setattr(socket.socket, "connect_ex", _blocked)
    try:
        with vcr.use_cassette(
            name,
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
            yield recorded
            if not RECORDING:
                assert recorded.all_played, "a recorded request was not sent"
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()


async def call(cassette: Any, variables: dict[str, Any], **options: Any) -> dict[str, Any]:
    outcome = await arun_job(connector, variables, **options)
    assert isinstance(outcome, Completed), outcome
    return outcome.output


async def test_json_post_with_query_and_headers(cassette: Any) -> None:
    output = await call(
        cassette,
        {
            "method": "POST",
            "url": f"{BASE}/anything/orders",
            "queryParameters": {"dryRun": True, "tag": ["a", "b"]},
            "headers": {"X-Request-Id": "r-42", "Accept": "application/json"},
            "body": {"id": 7, "items": [{"sku": "A1", "qty": 2}], "note": None},
        },
    )
    echo = output["body"]
    assert echo["args"] == {"dryRun": "true", "tag": ["a", "b"]}
    assert echo["json"] == {"id": 7, "items": [{"sku": "A1", "qty": 2}], "note": None}
    assert echo["headers"]["Content-Type"] == "application/json"


async def test_form_put(cassette: Any) -> None:
    output = await call(
        cassette,
        {
            "method": "PUT",
            "url": f"{BASE}/anything/profile",
            "bodyType": "form",
            "body": {"name": "Ada Lovelace", "langs": ["en", "fr"], "active": False},
        },
    )
    assert output["body"]["form"] == {
        "name": "Ada Lovelace",
        "langs": ["en", "fr"],
        "active": "false",
    }


async def test_multipart_upload(cassette: Any) -> None:
    output = await call(
        cassette,
        {
            "method": "POST",
            "url": f"{BASE}/anything/upload",
            "bodyType": "multipart",
            "body": {
                "description": "scan",
                "file": {
                    "content": base64.b64encode(b"%PDF-1.7\n...").decode(),
                    "filename": "scan.pdf",
                    "contentType": "application/pdf",
                },
            },
        },
    )
    echo = output["body"]
    assert echo["form"] == {"description": "scan"}
    assert echo["files"]["file"]["filename"] == "scan.pdf"


async def test_text_patch_with_charset(cassette: Any) -> None:
    output = await call(
        cassette,
        {
            "method": "PATCH",
            "url": f"{BASE}/anything/note",
            "bodyType": "text",
            "headers": {"Content-Type": "text/markdown; charset=utf-8"},
            "body": "# Überschrift\n",
        },
    )
    assert output["body"]["data"] == "# Überschrift\n"


async def test_binary_put(cassette: Any) -> None:
    output = await call(
        cassette,
        {
            "method": "PUT",
            "url": f"{BASE}/anything/blob",
            "bodyType": "binary",
            "body": {
                "content": base64.b64encode(bytes(range(256))).decode(),
                "contentType": "image/x-test",
            },
        },
    )
    assert base64.b64decode(output["body"]["bodyBase64"]) == bytes(range(256))


async def test_bearer_delete(cassette: Any) -> None:
    output = await call(
        cassette,
        {
            "method": "DELETE",
            "url": f"{BASE}/bearer",
            "authentication": {"type": "bearer", "token": "{{secrets.TOKEN}}"},
        },
        secrets={"TOKEN": TOKEN},
    )
    assert output["body"] == {"authenticated": True, "token": "***"}
    if not RECORDING:  # the file is written when the cassette closes
        assert TOKEN not in (CASSETTES / "bearer_delete.yaml").read_text()


async def test_head_and_options(cassette: Any) -> None:
    head = await call(cassette, {"method": "HEAD", "url": f"{BASE}/json"})
    assert head["bodyType"] == "empty"
    options = await call(cassette, {"method": "OPTIONS", "url": f"{BASE}/anything"})
    assert options["body"]["method"] == "OPTIONS"


@pytest.mark.skipif(RECORDING, reason="checks the replay setup itself")
async def test_replay_really_blocks_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[Any] = []

    def blocked(*args: Any) -> Any:
        attempts.append(args)
        return _blocked()

    monkeypatch.setattr(socket.socket, "connect", blocked)
    outcome = await arun_job(connector, {"url": f"{BASE}/get"})
    assert isinstance(outcome, Failed)
    assert outcome.code == "CONNECTION_FAILED"
    assert attempts, "the connector connected without going through socket.connect"
