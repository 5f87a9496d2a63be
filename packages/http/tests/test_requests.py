"""What the connector sends: methods, URLs, query parameters, headers and bodies (how the
shared client sends a request is tested in tasklink-client)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tasklink.core import Completed
from tasklink.http import __version__, connector
from tasklink.testing import arun_job


async def echo(server: Any, **variables: Any) -> dict[str, Any]:
    variables.setdefault("url", f"{server.url}/anything")
    outcome = await arun_job(connector, variables)
    assert isinstance(outcome, Completed), outcome
    assert outcome.output["status"] == 200
    return outcome.output["body"]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
async def test_every_method_reaches_the_server(server: Any, method: str) -> None:
    sent = await echo(server, method=method)
    assert sent["method"] == method


async def test_method_is_case_insensitive(server: Any) -> None:
    assert (await echo(server, method="post"))["method"] == "POST"


async def test_query_parameters_are_merged_with_the_url_query(server: Any) -> None:
    sent = await echo(
        server,
        url=f"{server.url}/anything?fixed=1",
        queryParameters={
            "q": "a b&c",
            "tags": ["x", "y"],
            "flag": True,
            "n": 3,
            "skipped": None,
        },
    )
    assert sent["args"] == {
        "fixed": "1",
        "q": "a b&c",
        "tags": ["x", "y"],
        "flag": "true",
        "n": "3",
    }


async def test_headers_are_sent_with_numbers_and_booleans_as_text(server: Any) -> None:
    sent = await echo(
        server, headers={"X-Trace": "abc", "X-Count": 3, "X-Dry-Run": False, "X-None": None}
    )
    assert sent["headers"]["X-Trace"] == "abc"
    assert sent["headers"]["X-Count"] == "3"
    assert sent["headers"]["X-Dry-Run"] == "false"
    assert "X-None" not in sent["headers"]


async def test_the_user_agent_names_the_connector(server: Any) -> None:
    sent = await echo(server)
    assert sent["headers"]["User-Agent"] == f"tasklink-http/{__version__}"


async def test_json_body_is_the_default(server: Any) -> None:
    sent = await echo(server, method="POST", body={"name": "Ada", "tags": ["x"], "n": 1.5})
    assert sent["headers"]["Content-Type"] == "application/json"
    assert sent["json"] == {"name": "Ada", "tags": ["x"], "n": 1.5}


async def test_json_text_is_checked_and_sent_verbatim(server: Any) -> None:
    text = '{"amount": 12.50000000000000001, "b": [1, 2]}'
    sent = await echo(server, method="POST", body=text)
    assert sent["data"] == text


async def test_json_body_keeps_a_custom_json_content_type(server: Any) -> None:
    sent = await echo(
        server,
        method="PATCH",
        headers={"content-type": "application/merge-patch+json"},
        body={"a": None},
    )
    assert sent["headers"]["Content-Type"] == "application/merge-patch+json"
    assert sent["json"] == {"a": None}


async def test_text_body_uses_the_charset_of_the_content_type(server: Any) -> None:
    sent = await echo(
        server,
        method="POST",
        bodyType="text",
        headers={"Content-Type": "text/plain; charset=iso-8859-1"},
        body="café",
    )
    assert base64.b64decode(sent["bodyBase64"]) == "café".encode("latin-1")
    sent = await echo(server, method="POST", bodyType="text", body="<a>é</a>")
    assert sent["headers"]["Content-Type"] == "text/plain; charset=utf-8"
    assert sent["data"] == "<a>é</a>"


async def test_form_body_is_url_encoded(server: Any) -> None:
    sent = await echo(
        server,
        method="POST",
        bodyType="form",
        body={"name": "A&B =", "ids": [1, 2], "ok": True, "skip": None},
    )
    assert sent["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent["form"] == {"name": "A&B =", "ids": ["1", "2"], "ok": "true"}


async def test_multipart_body_sends_fields_and_base64_files(server: Any) -> None:
    pdf = b"%PDF-1.4 fake\x00\xff"
    sent = await echo(
        server,
        method="POST",
        bodyType="multipart",
        body={
            "title": "Report",
            "document": {
                "content": base64.b64encode(pdf).decode(),
                "filename": 'q3 "final".pdf',
                "contentType": "application/pdf",
            },
            "raw": {"content": base64.urlsafe_b64encode(b"\xfb\xff").decode().rstrip("=")},
        },
    )
    assert sent["headers"]["Content-Type"].startswith("multipart/form-data; boundary=")
    assert sent["form"] == {"title": "Report"}
    document = sent["files"]["document"]
    assert base64.b64decode(document["base64"]) == pdf
    assert document["contentType"] == "application/pdf"
    assert document["filename"] == "q3 %22final%22.pdf"
    raw = sent["files"]["raw"]
    assert base64.b64decode(raw["base64"]) == b"\xfb\xff"
    assert (raw["filename"], raw["contentType"]) == ("raw", "application/octet-stream")


async def test_binary_body_from_base64_or_a_downloaded_file(server: Any) -> None:
    sent = await echo(
        server, method="PUT", bodyType="binary", body=base64.b64encode(b"\x00\x01").decode()
    )
    assert sent["headers"]["Content-Type"] == "application/octet-stream"
    assert base64.b64decode(sent["bodyBase64"]) == b"\x00\x01"
    downloaded = await arun_job(connector, {"url": f"{server.url}/download"})
    assert isinstance(downloaded, Completed)
    sent = await echo(server, method="PUT", bodyType="binary", body=downloaded.output["body"])
    assert sent["headers"]["Content-Type"] == "image/png"
    assert sent["bodyBase64"] == downloaded.output["body"]["content"]


async def test_a_downloaded_file_can_be_uploaded_as_a_multipart_part(server: Any) -> None:
    downloaded = await arun_job(connector, {"url": f"{server.url}/download"})
    assert isinstance(downloaded, Completed)
    sent = await echo(
        server, method="POST", bodyType="multipart", body={"file": downloaded.output["body"]}
    )
    assert sent["files"]["file"]["filename"] == "pixel.png"
    assert sent["files"]["file"]["contentType"] == "image/png"
