"""What the connector sends to S3 and how it reads the answers, replayed from cassettes with
the network blocked.

The cassettes under ``cassettes/`` were recorded from a moto server (a real S3 API over
HTTP) on 127.0.0.1:18794 with the key pair of ``moto_server.py``. boto3 sends through
urllib3, which vcrpy records; every request is signed with the time (``Authorization``,
``X-Amz-Date``), so a replayed request is matched on method, path, query and body, and on
the headers that shape the request (range, content type, conditions, copy source,
metadata: :data:`SHAPING`), never on the signature or the date. A change in how the
connector shapes a call fails here.

To re-record (after a deliberate change of the requests)::

    TASKLINK_RECORD=1 hatch run pytest -q --import-mode=importlib \\
        packages/s3/tests/test_recorded.py

Each test then replaces its cassette; the moto server is started on the fixed port (it
must be free) with a small smallest part (``S3_UPLOAD_PART_MIN_SIZE``), so a multipart
upload takes kilobytes, not megabytes, of cassette.

No credential reaches a cassette: tasklink-testing's scrubber masks the whole
``Authorization`` header (its credential scope names the access key ID, its signature is
derived from the secret key) and refuses to write the secret key anywhere;
:func:`test_no_cassette_holds_a_credential` checks the files.
"""

from __future__ import annotations

import functools
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from moto_server import ACCESS_KEY, SECRET_KEY

from tasklink.core import Completed, Document, Failed, Outcome
from tasklink.s3 import _client as s3
from tasklink.s3 import connector
from tasklink.testing import arun_job, recording_vcr

CASSETTES = Path(__file__).resolve().parent / "cassettes"
PORT = 18794
ENDPOINT = f"http://127.0.0.1:{PORT}"
RECORDING = os.environ.get("TASKLINK_RECORD") == "1"
#: The smallest part while recording (moto's S3_UPLOAD_PART_MIN_SIZE; S3's is 5 MiB).
PART = 5 * 1024
#: Request headers that shape what S3 does; the rest (signature, date, SDK ids,
#: user agent, content hashes of bodies matched already) may differ between runs.
SHAPING = frozenset(
    {
        "range",
        "content-type",
        "if-match",
        "if-none-match",
        "x-amz-copy-source",
        "x-amz-tagging",
        "x-amz-storage-class",
        "x-amz-server-side-encryption",
        "x-amz-metadata-directive",
    }
)
#: Every cassette, by the test that records it.
CASSETTE_NAMES = (
    "put_object",
    "multipart_upload",
    "get_object_range",
    "list_objects",
    "delete_objects",
    "not_found",
)
CONNECTION: dict[str, Any] = {
    "endpoint": ENDPOINT,
    "pathStyle": True,
    "region": "us-east-1",
    "authentication": {
        "type": "credentials",
        "accessKey": ACCESS_KEY,
        "secretKey": "{{secrets.S3_SECRET_KEY}}",
    },
}


def _shaping_headers(r1: Any, r2: Any) -> None:
    def shape(request: Any) -> dict[str, str]:
        return {
            k.lower(): str(v)
            for k, v in request.headers.items()
            if k.lower() in SHAPING or k.lower().startswith("x-amz-meta-")
        }

    assert shape(r1) == shape(r2), f"{shape(r1)} != {shape(r2)}"


def _blocked(*args: Any, **kwargs: Any) -> Any:
    raise OSError("the network is blocked while cassettes replay")


@pytest.fixture(scope="module")
def recording_server() -> Iterator[str | None]:
    """While recording: a moto server on :data:`PORT` with small parts allowed."""
    if not RECORDING:
        yield None
        return
    environment = {**os.environ, "S3_UPLOAD_PART_MIN_SIZE": str(PART)}
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(PORT)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=environment,
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                with opener.open(f"{ENDPOINT}/moto-api/", timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto did not start on port {PORT}") from None
                time.sleep(0.1)
        yield ENDPOINT
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class Recorder:
    """The test's cassette (vcrpy's, once it is in use)."""

    name: str
    cassette: Any = None

    @property
    def path(self) -> Path:
        return CASSETTES / f"{self.name}.yaml"

    def requests(self) -> list[tuple[str, str, dict[str, str]]]:
        """``(method, path, query)`` of each request in the cassette (recorded so far, or
        loaded to replay), in order."""
        found = []
        for request in self.cassette.requests:
            parts = urlsplit(request.uri)
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            found.append((request.method, parts.path, query))
        return found


@pytest.fixture
async def cassette(
    request: pytest.FixtureRequest,
    recording_server: str | None,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Recorder]:
    """Replays the test's cassette offline; with ``TASKLINK_RECORD=1`` records it afresh
    against the moto server on :data:`PORT`."""
    name = request.node.name.removeprefix("test_")
    assert name in CASSETTE_NAMES
    recorder = Recorder(name)
    vcr = recording_vcr(CASSETTES, known_secrets=[SECRET_KEY])
    vcr.register_matcher("shaping_headers", _shaping_headers)
    # Parts small enough for a cassette (the recording server takes them): S3's smallest
    # part, a constant of the connector and of s3transfer's chunk size adjuster.
    import s3transfer.upload
    from s3transfer.utils import ChunksizeAdjuster

    monkeypatch.setattr(s3, "MIN_CHUNK_BYTES", PART)
    monkeypatch.setattr(
        s3transfer.upload, "ChunksizeAdjuster", functools.partial(ChunksizeAdjuster, min_size=PART)
    )
    if RECORDING:
        recorder.path.unlink(missing_ok=True)
    else:
        monkeypatch.setattr(socket.socket, "connect", _blocked)
        monkeypatch.setattr(socket.socket, "connect_ex", _blocked)
    # A cached client's pooled connections would outlive the cassette they were made in.
    s3.close_clients()
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
                "shaping_headers",
            ],
        ) as recorded:
            recorder.cassette = recorded
            yield recorder
            if not RECORDING:
                assert recorded.all_played, "a recorded request was not sent"
    finally:
        s3.close_clients()
    text = recorder.path.read_text("utf-8")
    assert SECRET_KEY not in text and ACCESS_KEY not in text


async def _run(operation: str, **inputs: Any) -> Outcome:
    return await arun_job(
        connector,
        {**CONNECTION, **inputs},
        operation=operation,
        secrets={"S3_SECRET_KEY": SECRET_KEY},
    )


async def _ok(operation: str, **inputs: Any) -> dict[str, Any]:
    outcome = await _run(operation, **inputs)
    assert isinstance(outcome, Completed), outcome
    output: dict[str, Any] = outcome.output
    return output


async def test_put_object(cassette: Recorder) -> None:
    await _ok("create_bucket", bucket="rec-put")
    out = await _ok(
        "upload_object",
        bucket="rec-put",
        key="notes/hello.txt",
        text="Hello, S3 \u2705",
        metadata={"order": "42"},
        tags={"team": "ops"},
    )
    assert (out["bucket"], out["key"], out["size"]) == ("rec-put", "notes/hello.txt", 13)
    meta = await _ok("head_object", bucket="rec-put", key="notes/hello.txt")
    assert (meta["contentType"], meta["metadata"]) == ("text/plain; charset=utf-8", {"order": "42"})
    assert [(m, p) for m, p, _ in cassette.requests()] == [
        ("PUT", "/rec-put"),
        ("PUT", "/rec-put/notes/hello.txt"),
        ("HEAD", "/rec-put/notes/hello.txt"),
        ("HEAD", "/rec-put/notes/hello.txt"),
    ]


async def test_multipart_upload(cassette: Recorder) -> None:
    await _ok("create_bucket", bucket="rec-multipart")
    # 12 KiB: three parts of 5 KiB, 5 KiB and 2 KiB (ASCII, so a range reads as text).
    content = b"".join(b"%06d|" % n for n in range(2048))[: 12 * 1024]
    stored = await s3.upload(
        None,
        s3.ConnectionSettings(
            region="us-east-1",
            endpoint_url=ENDPOINT,
            path_style=True,
            access_key_id=ACCESS_KEY,
            secret_access_key=SECRET_KEY,
        ),
        "rec-multipart",
        "big.bin",
        Document.from_bytes(content, content_type="application/octet-stream"),
        chunk_bytes=PART,
        # One part at a time: vcrpy's recording loses a request now and then when parts
        # go up in parallel threads (a part missing from the cassette).
        concurrency=1,
    )
    assert str(stored["etag"]).endswith("-3")  # a multipart upload's ETag counts its parts
    meta = await _ok("head_object", bucket="rec-multipart", key="big.bin")
    assert meta["size"] == len(content)
    ranged = await _ok(
        "download_object",
        bucket="rec-multipart",
        key="big.bin",
        outputFormat="text",
        range=f"bytes={PART - 2}-{PART + 1}",
    )
    assert ranged["text"].encode() == content[PART - 2 : PART + 2]  # across parts 1 and 2
    requests = cassette.requests()
    parts = sorted(int(q["partNumber"]) for m, _, q in requests if "partNumber" in q)
    assert parts == [1, 2, 3]
    assert [m for m, _, q in requests if "uploads" in q] == ["POST"]
    assert [m for m, _, q in requests if "uploadId" in q and "partNumber" not in q] == ["POST"]


async def test_get_object_range(cassette: Recorder) -> None:
    await _ok("create_bucket", bucket="rec-range")
    await _ok(
        "upload_object", bucket="rec-range", key="alphabet.txt", text="abcdefghijklmnopqrstuvwxyz"
    )
    out = await _ok(
        "download_object",
        bucket="rec-range",
        key="alphabet.txt",
        outputFormat="text",
        range="bytes=5-9",
    )
    assert (out["text"], out["contentRange"]) == ("fghij", "bytes 5-9/26")
    out = await _ok(
        "download_object",
        bucket="rec-range",
        key="alphabet.txt",
        outputFormat="text",
        range="bytes=-3",
    )
    assert out["text"] == "xyz"


async def test_list_objects(cassette: Recorder) -> None:
    await _ok("create_bucket", bucket="rec-list")
    for key in ("a/1.txt", "a/2.txt", "b/1.txt", "c.txt", "d.txt"):
        await _ok("upload_object", bucket="rec-list", key=key, text=key)
    out = await _ok("list_objects", bucket="rec-list", delimiter="/")
    assert (out["commonPrefixes"], [o["key"] for o in out["objects"]]) == (
        ["a/", "b/"],
        ["c.txt", "d.txt"],
    )
    first = await _ok("list_objects", bucket="rec-list", maxKeys=3)
    assert [o["key"] for o in first["objects"]] == ["a/1.txt", "a/2.txt", "b/1.txt"]
    assert first["isTruncated"] is True
    rest = await _ok(
        "list_objects", bucket="rec-list", continuationToken=first["nextContinuationToken"]
    )
    assert [o["key"] for o in rest["objects"]] == ["c.txt", "d.txt"]
    assert rest["isTruncated"] is False


async def test_delete_objects(cassette: Recorder) -> None:
    await _ok("create_bucket", bucket="rec-delete")
    for key in ("x.txt", "y.txt", "z.txt"):
        await _ok("upload_object", bucket="rec-delete", key=key, text=key)
    out = await _ok("delete_objects", bucket="rec-delete", keys=["x.txt", "y.txt", "never.txt"])
    # S3 reports a key that was not there as deleted too.
    assert (sorted(out["deleted"]), out["errors"]) == (["never.txt", "x.txt", "y.txt"], [])
    listed = await _ok("list_objects", bucket="rec-delete")
    assert [o["key"] for o in listed["objects"]] == ["z.txt"]


async def test_not_found(cassette: Recorder) -> None:
    await _ok("create_bucket", bucket="rec-missing")
    head = await _run("head_object", bucket="rec-missing", key="nope.txt")
    assert isinstance(head, Failed) and (head.code, head.incident) == ("NOT_FOUND", True)
    get = await _run("download_object", bucket="rec-missing", key="nope.txt", outputFormat="text")
    assert isinstance(get, Failed) and get.code == "NOT_FOUND"
    assert get.variables["error"] == "NoSuchKey"
    assert "s3://rec-missing/nope.txt" in get.message
    bucket = await _run("list_objects", bucket="rec-nowhere")
    assert isinstance(bucket, Failed) and bucket.code == "NOT_FOUND"
    assert bucket.variables["error"] == "NoSuchBucket"


def test_no_cassette_holds_a_credential() -> None:
    """Every cassette exists, and none holds the key pair or a signature."""
    for name in CASSETTE_NAMES:
        text = (CASSETTES / f"{name}.yaml").read_text("utf-8")
        assert SECRET_KEY not in text and ACCESS_KEY not in text, name
        assert "Signature=" not in text and "Credential=" not in text, name
        assert "AWS4-HMAC-SHA256" not in text, name
