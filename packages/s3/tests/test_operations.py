"""Every operation against the moto server (a real S3 API process), through the job
path a runtime takes (secrets, validation, output mapping, error codes)."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest

from tasklink.s3 import connector
from tasklink.testing import run_job


def _run(operation: str, connection: dict[str, Any], **variables: Any) -> Any:
    outcome = run_job(connector, {**connection, **variables}, operation=operation)
    return outcome


def _ok(operation: str, connection: dict[str, Any], **variables: Any) -> dict[str, Any]:
    outcome = _run(operation, connection, **variables)
    assert outcome.kind == "completed", outcome
    output: dict[str, Any] = outcome.output
    return output


def test_upload_text_with_metadata_tags_class_and_encryption(
    connection: dict[str, Any], bucket: str, s3_client: Any
) -> None:
    out = _ok(
        "upload_object",
        connection,
        bucket=bucket,
        key="notes/a b+ü.txt",
        text="hello ü",
        metadata={"owner": "ada"},
        tags={"project": "x", "stage": "draft"},
        storageClass="STANDARD_IA",
        serverSideEncryption="AES256",
    )
    assert out["bucket"] == bucket and out["key"] == "notes/a b+ü.txt"
    assert out["size"] == len("hello ü".encode())
    assert out["etag"] and out["contentType"].startswith("text/plain")
    stored = s3_client.get_object(Bucket=bucket, Key="notes/a b+ü.txt")
    assert stored["Body"].read() == "hello ü".encode()
    assert stored["Metadata"] == {"owner": "ada"}
    assert stored["StorageClass"] == "STANDARD_IA"
    assert stored["ServerSideEncryption"] == "AES256"
    tags = s3_client.get_object_tagging(Bucket=bucket, Key="notes/a b+ü.txt")["TagSet"]
    assert {t["Key"]: t["Value"] for t in tags} == {"project": "x", "stage": "draft"}


def test_upload_json_and_an_inline_document_with_sse_kms(
    connection: dict[str, Any], bucket: str, s3_client: Any
) -> None:
    _ok("upload_object", connection, bucket=bucket, key="v.json", jsonContent={"a": [1, 2]})
    stored = s3_client.get_object(Bucket=bucket, Key="v.json")
    assert json.loads(stored["Body"].read()) == {"a": [1, 2]}
    assert stored["ContentType"] == "application/json"
    document = {
        "camunda.document.type": "inline",
        "content": base64.b64encode(b"%PDF-1.7 fake").decode(),
        "encoding": "base64",
        "name": "a.pdf",
        "contentType": "application/pdf",
    }
    _ok(
        "upload_object",
        connection,
        bucket=bucket,
        key="docs/a.pdf",
        document=document,
        serverSideEncryption="aws:kms",
        kmsKeyId="alias/tasklink-test",
    )
    stored = s3_client.get_object(Bucket=bucket, Key="docs/a.pdf")
    assert stored["Body"].read() == b"%PDF-1.7 fake"
    assert stored["ContentType"] == "application/pdf"
    assert stored["ServerSideEncryption"] == "aws:kms"


def test_upload_without_content_is_a_missing_input(connection: dict[str, Any]) -> None:
    outcome = _run("upload_object", connection, bucket="some-bucket", key="k")
    assert (outcome.kind, outcome.code, outcome.retries) == ("failed", "MISSING_INPUT", 0)


def test_download_as_document_text_json_and_range(
    connection: dict[str, Any], bucket: str, s3_client: Any
) -> None:
    s3_client.put_object(
        Bucket=bucket,
        Key="d/data.json",
        Body=b'{"n": 42}',
        ContentType="application/json",
        Metadata={"k": "v"},
    )
    out = _ok("download_object", connection, bucket=bucket, key="d/data.json")
    document = out["document"]
    assert base64.b64decode(document["content"]) == b'{"n": 42}'
    assert document["name"] == "data.json" and document["contentType"] == "application/json"
    assert out["size"] == 9 and out["metadata"] == {"k": "v"}
    out = _ok("download_object", connection, bucket=bucket, key="d/data.json", outputFormat="json")
    assert out["jsonContent"] == {"n": 42} and out["document"] is None
    out = _ok(
        "download_object",
        connection,
        bucket=bucket,
        key="d/data.json",
        outputFormat="text",
        range="bytes=1-4",
    )
    assert out["text"] == '"n":' and out["contentRange"] == "bytes 1-4/9"
    out = _ok("download_object", connection, bucket=bucket, key="d/data.json", range="bytes=-3")
    assert base64.b64decode(out["document"]["content"]) == b"42}"
    assert out["contentRange"] == "bytes 6-8/9"


def test_download_text_over_max_bytes_or_not_json(
    connection: dict[str, Any], bucket: str, s3_client: Any
) -> None:
    s3_client.put_object(Bucket=bucket, Key="big.txt", Body=b"x" * 100)
    outcome = _run(
        "download_object",
        connection,
        bucket=bucket,
        key="big.txt",
        outputFormat="text",
        maxBytes=10,
    )
    assert (outcome.kind, outcome.code, outcome.retries) == ("failed", "OBJECT_TOO_LARGE", 0)
    outcome = _run("download_object", connection, bucket=bucket, key="big.txt", outputFormat="json")
    assert (outcome.code, outcome.retries) == ("INVALID_RESULT_FORMAT", 0)


def test_missing_key_and_bucket_are_not_found_naming_them(
    connection: dict[str, Any], bucket: str
) -> None:
    outcome = _run("download_object", connection, bucket=bucket, key="nope.txt")
    assert (outcome.kind, outcome.code, outcome.retries) == ("failed", "NOT_FOUND", 0)
    assert f"s3://{bucket}/nope.txt" in outcome.message
    assert outcome.variables["bucket"] == bucket and outcome.variables["key"] == "nope.txt"
    outcome = _run(
        "download_object", connection, bucket=bucket, key="nope.txt", outputFormat="text"
    )
    assert (outcome.code, outcome.variables["error"]) == ("NOT_FOUND", "NoSuchKey")
    outcome = _run("list_objects", connection, bucket="no-such-bucket-tasklink")
    assert (outcome.code, outcome.variables["error"]) == ("NOT_FOUND", "NoSuchBucket")
    assert "no-such-bucket-tasklink" in outcome.message


def test_head_object(connection: dict[str, Any], bucket: str, s3_client: Any) -> None:
    s3_client.put_object(Bucket=bucket, Key="h.bin", Body=b"12345", Metadata={"a": "b"})
    out = _ok("head_object", connection, bucket=bucket, key="h.bin")
    assert out["size"] == 5 and out["metadata"] == {"a": "b"} and out["etag"]
    assert out["lastModified"] and out["storageClass"] == "STANDARD"
    outcome = _run("head_object", connection, bucket=bucket, key="missing")
    assert (outcome.code, outcome.retries) == ("NOT_FOUND", 0)


def test_delete_one_and_many(connection: dict[str, Any], bucket: str, s3_client: Any) -> None:
    for key in ("a", "b", "c", "d"):
        s3_client.put_object(Bucket=bucket, Key=key, Body=b"x")
    out = _ok("delete_objects", connection, bucket=bucket, key="a")
    assert out["deleted"] == ["a"] and out["errors"] == []
    out = _ok("delete_objects", connection, bucket=bucket, keys=["b", "c", "zz"])
    assert sorted(out["deleted"]) == ["b", "c", "zz"]
    left = [o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert left == ["d"]
    outcome = _run("delete_objects", connection, bucket=bucket)
    assert (outcome.code, outcome.retries) == ("MISSING_INPUT", 0)


def test_list_with_prefix_delimiter_and_bounded_pages(
    connection: dict[str, Any], bucket: str, s3_client: Any
) -> None:
    keys = [f"p/{i:04d}" for i in range(25)] + ["p/sub/x", "p/sub/y", "q/1"]
    for key in keys:
        s3_client.put_object(Bucket=bucket, Key=key, Body=b"")
    out = _ok("list_objects", connection, bucket=bucket, prefix="p/", delimiter="/")
    assert [o["key"] for o in out["objects"]] == keys[:25]
    assert out["commonPrefixes"] == ["p/sub/"]
    assert out["isTruncated"] is False and out["nextContinuationToken"] is None
    first = _ok("list_objects", connection, bucket=bucket, maxKeys=10)
    assert len(first["objects"]) == 10 and first["isTruncated"] is True
    rest = _ok(
        "list_objects",
        connection,
        bucket=bucket,
        maxKeys=1000,
        continuationToken=first["nextContinuationToken"],
    )
    assert [o["key"] for o in first["objects"] + rest["objects"]] == sorted(keys)
    assert rest["isTruncated"] is False


def test_copy_and_move(connection: dict[str, Any], bucket: str, s3_client: Any) -> None:
    s3_client.put_object(Bucket=bucket, Key="src", Body=b"content", Metadata={"a": "1"})
    out = _ok(
        "copy_object",
        connection,
        sourceBucket=bucket,
        sourceKey="src",
        bucket=bucket,
        key="copy",
        metadata={"b": "2"},
    )
    assert out["etag"] and out["sourceDeleted"] is False
    copied = s3_client.get_object(Bucket=bucket, Key="copy")
    assert copied["Body"].read() == b"content" and copied["Metadata"] == {"b": "2"}
    out = _ok(
        "move_object",
        connection,
        sourceBucket=bucket,
        sourceKey="src",
        bucket=bucket,
        key="moved/src",
    )
    assert out["sourceDeleted"] is True
    assert s3_client.get_object(Bucket=bucket, Key="moved/src")["Metadata"] == {"a": "1"}
    with pytest.raises(s3_client.exceptions.NoSuchKey):
        s3_client.get_object(Bucket=bucket, Key="src")
    outcome = _run(
        "copy_object", connection, sourceBucket=bucket, sourceKey="gone", bucket=bucket, key="x"
    )
    assert (outcome.code, outcome.retries) == ("NOT_FOUND", 0)


def test_presigned_get_and_put_urls_work(
    connection: dict[str, Any], bucket: str, s3_client: Any
) -> None:
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    put = _ok(
        "presign_url",
        connection,
        bucket=bucket,
        key="p.txt",
        method="PUT",
        contentType="text/plain",
        expiresInSeconds=60,
    )
    request = urllib.request.Request(
        put["url"], data=b"via url", method="PUT", headers={"Content-Type": "text/plain"}
    )
    with opener.open(request, timeout=10) as response:
        assert response.status == 200
    get = _ok("presign_url", connection, bucket=bucket, key="p.txt")
    assert get["method"] == "GET" and "X-Amz-Expires=3600" in get["url"]
    with opener.open(get["url"], timeout=10) as response:
        assert response.read() == b"via url"


def test_create_and_delete_bucket(connection: dict[str, Any], s3_client: Any) -> None:
    name = f"tasklink-created-{uuid.uuid4().hex[:12]}"
    connection = {**connection, "region": "eu-west-1"}
    out = _ok("create_bucket", connection, bucket=name)
    assert out["bucket"] == name
    assert name in [b["Name"] for b in s3_client.list_buckets()["Buckets"]]
    # (us-east-1 answers success to its owner's second CreateBucket, other regions not)
    again = _run("create_bucket", connection, bucket=name)
    assert (again.kind, again.code, again.retries) == ("failed", "CONFLICT", 0)
    s3_client.put_object(Bucket=name, Key="k", Body=b"")
    full = _run("delete_bucket", connection, bucket=name)
    assert (full.code, full.variables["error"]) == ("CONFLICT", "BucketNotEmpty")
    s3_client.delete_object(Bucket=name, Key="k")
    _ok("delete_bucket", connection, bucket=name)
    assert name not in [b["Name"] for b in s3_client.list_buckets()["Buckets"]]


def test_create_bucket_in_another_region(connection: dict[str, Any], s3_client: Any) -> None:
    name = f"tasklink-eu-{uuid.uuid4().hex[:12]}"
    _ok("create_bucket", {**connection, "region": "eu-central-1"}, bucket=name)
    location = s3_client.get_bucket_location(Bucket=name)["LocationConstraint"]
    assert location == "eu-central-1"


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"bucket": "Bad_Bucket", "key": "k"}, "bucket"),
        ({"bucket": "ab", "key": "k"}, "bucket"),
        ({"bucket": "192.168.1.1", "key": "k"}, "bucket"),
        ({"bucket": "good-bucket", "key": ""}, "key"),
        ({"bucket": "good-bucket", "key": "k" * 1025}, "key"),
        ({"bucket": "good-bucket", "key": "a\x00b"}, "key"),
        ({"bucket": "good-bucket", "key": "k", "range": "0-10"}, "range"),
    ],
)
def test_bad_bucket_names_and_keys_are_input_errors_before_any_call(
    variables: dict[str, Any], field: str
) -> None:
    # An endpoint nobody listens on: an input error must come before any call.
    outcome = run_job(
        connector,
        {"endpoint": "http://127.0.0.1:9", "pathStyle": True, **variables},
        operation="download_object",
    )
    assert (outcome.kind, outcome.code, outcome.retries) == ("failed", "INVALID_INPUT", 0)
    assert field in outcome.variables["fields"]


def test_an_unreachable_endpoint_is_retried(bucket: str) -> None:
    outcome = run_job(
        connector,
        {
            "endpoint": "http://127.0.0.1:9",
            "pathStyle": True,
            "region": "us-east-1",
            "authentication": {"type": "credentials", "accessKey": "a", "secretKey": "b"},
            "maxAttempts": 1,
            "bucket": bucket,
            "key": "k",
        },
        operation="head_object",
    )
    assert (outcome.kind, outcome.code) == ("failed", "CONNECTION_FAILED")
    assert outcome.retries == 2


def test_an_endpoint_the_outbound_policy_refuses_is_never_called(
    bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # boto3 opens its own connections: the endpoint is checked before any of them.
    monkeypatch.setenv("TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS", "true")
    outcome = run_job(
        connector,
        {
            "endpoint": "http://127.0.0.1:9",
            "pathStyle": True,
            "region": "us-east-1",
            "authentication": {"type": "credentials", "accessKey": "a", "secretKey": "b"},
            "bucket": bucket,
            "key": "k",
        },
        operation="head_object",
    )
    assert (outcome.kind, outcome.code) == ("failed", "BLOCKED_ADDRESS")
    assert outcome.retries == 0 and "outbound policy" in outcome.message
    # The link-local metadata address is refused whatever the settings.
    monkeypatch.delenv("TASKLINK_HTTP_BLOCK_PRIVATE_NETWORKS")
    metadata = run_job(
        connector,
        {
            "endpoint": "http://169.254.169.254",
            "pathStyle": True,
            "region": "us-east-1",
            "authentication": {"type": "credentials", "accessKey": "a", "secretKey": "b"},
            "bucket": bucket,
            "key": "k",
        },
        operation="head_object",
    )
    assert (metadata.kind, metadata.code) == ("failed", "BLOCKED_ADDRESS")
