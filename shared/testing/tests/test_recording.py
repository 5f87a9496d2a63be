from __future__ import annotations

import base64
import json
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from tasklink.testing import CassetteSecretError, recording_vcr

SECRET = "sk-live-7a1b2c3d4e5f"


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        reply = json.dumps(
            {"access_token": "at-0f9e8d7c6b5a", "echo": body.get("note", ""), "ok": True}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Set-Cookie", "session=abc123456789")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def post(url: str, body: dict[str, str], headers: dict[str, str]) -> dict[str, object]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def test_recording_scrubs_headers_query_and_bodies(server: str, tmp_path: Path) -> None:
    vcr = recording_vcr(tmp_path, known_secrets=[SECRET], record_mode="once")
    with vcr.use_cassette("scrubbed.yaml"):
        reply = post(
            f"{server}/token?api_key=k-123456&page=2",
            {"client_secret": "cs-998877", "note": "plain"},
            {"Authorization": "Bearer whatever-value", "X-Trace": "t1"},
        )
    assert reply["ok"] is True
    text = (tmp_path / "scrubbed.yaml").read_text()
    for leaked in ("k-123456", "cs-998877", "whatever-value", "at-0f9e8d7c6b5a", "abc123456789"):
        assert leaked not in text
    cassette = yaml.safe_load(text)
    interaction = cassette["interactions"][0]
    assert "page=2" in interaction["request"]["uri"]
    assert interaction["request"]["headers"]["X-Trace"] == ["t1"]
    body = interaction["response"]["body"]["string"]
    assert json.loads(body)["echo"] == "plain"
    assert interaction["response"]["headers"]["Content-Length"] == [str(len(body.encode()))]
    # The request's length is the scrubbed body's: the original one tells a secret's.
    sent = interaction["request"]["body"]
    sent_bytes = sent.encode() if isinstance(sent, str) else sent
    lengths = {k.lower(): v for k, v in interaction["request"]["headers"].items()}
    assert lengths["content-length"] == [str(len(sent_bytes))]


def test_known_secret_anywhere_is_masked(server: str, tmp_path: Path) -> None:
    vcr = recording_vcr(tmp_path, known_secrets=[SECRET], record_mode="once")
    with vcr.use_cassette("masked.yaml"):
        post(f"{server}/x", {"note": f"token is {SECRET}"}, {"X-Custom": SECRET})
    assert SECRET not in (tmp_path / "masked.yaml").read_text()


@pytest.mark.parametrize("prefix", ["", "u:", "us:", "user:"])
def test_recording_that_would_keep_an_encoded_secret_fails(
    server: str, tmp_path: Path, prefix: str
) -> None:
    vcr = recording_vcr(tmp_path, known_secrets=[SECRET], record_mode="once")
    encoded = base64.b64encode(f"{prefix}{SECRET}".encode()).decode()
    with pytest.raises(CassetteSecretError), vcr.use_cassette("leak.yaml"):
        post(f"{server}/x", {"note": "n"}, {"X-Credentials": encoded})
    assert not (tmp_path / "leak.yaml").exists()


def test_replay_never_reaches_the_network(server: str, tmp_path: Path) -> None:
    recording = recording_vcr(tmp_path, record_mode="once")
    with recording.use_cassette("replay.yaml"):
        first = post(f"{server}/r", {"note": "one"}, {})
    replay = recording_vcr(tmp_path)  # record_mode "none" unless TASKLINK_RECORD=1
    with replay.use_cassette("replay.yaml"):
        again = post(f"{server}/r", {"note": "one"}, {})
    assert again == {**first, "access_token": "***"}, "replayed as scrubbed"
    from vcr.errors import CannotOverwriteExistingCassetteException

    with (
        pytest.raises(CannotOverwriteExistingCassetteException, match="no recorded interaction"),
        replay.use_cassette("replay.yaml"),
    ):
        post(f"{server}/other", {"note": "two"}, {})


@pytest.mark.parametrize("query", ["api_key=k-123456&page=2", f"x-custom={SECRET}&page=2"])
def test_requests_with_scrubbed_query_credentials_replay(
    server: str, tmp_path: Path, query: str
) -> None:
    url = f"{server}/q?{query}"
    known = [SECRET]
    with recording_vcr(tmp_path, known_secrets=known, record_mode="once").use_cassette("q.yaml"):
        first = post(url, {"note": "q"}, {})
    recorded = (tmp_path / "q.yaml").read_text()
    assert "k-123456" not in recorded
    assert SECRET not in recorded
    with recording_vcr(tmp_path, known_secrets=known).use_cassette("q.yaml"):
        assert post(url, {"note": "q"}, {})["echo"] == first["echo"]


def test_a_file_like_request_body_is_recorded_as_its_content() -> None:
    import io

    from vcr.request import Request

    from tasklink.testing._recording import Scrubber

    request = Request(
        "PUT", "http://127.0.0.1/upload", io.BytesIO(b"part one"), {"Content-Length": "8"}
    )
    scrubbed = Scrubber().request(request)
    # The content, not "<_io.BytesIO object at ...>" nor the file object itself.
    assert scrubbed.body == b"part one"
    assert scrubbed._to_dict()["body"] == b"part one"
    assert scrubbed.headers["Content-Length"] == "8"


def test_a_body_left_as_it_was_keeps_its_content_length() -> None:
    from tasklink.testing._recording import Scrubber

    # A HEAD answer: no body, the entity's length in the header.
    head = {"headers": {"Content-Length": ["67108864"]}, "body": {"string": b""}}
    assert Scrubber().response(head)["headers"]["Content-Length"] == ["67108864"]
