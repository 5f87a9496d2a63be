"""Streaming transfers through the internal API (tasklink.s3._client) against the moto
server: a multipart upload from a document read chunk by chunk, downloads read lazily
from S3's body, assume-role, and the mapping of S3's errors."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from moto_server import ACCESS_KEY, SECRET_KEY

from tasklink.core import ConnectorError, Document, DocumentMetadata, InputError
from tasklink.s3 import _client as s3

MIB = 1024 * 1024


def _settings(url: str, **changes: Any) -> s3.ConnectionSettings:
    base: dict[str, Any] = {
        "endpoint_url": url,
        "path_style": True,
        "region": "us-east-1",
        "access_key_id": ACCESS_KEY,
        "secret_access_key": SECRET_KEY,
    }
    return s3.ConnectionSettings(**{**base, **changes})


def _generated(size: int, produced: list[int]) -> Document:
    """A document of ``size`` pseudo-random bytes made as it is read (nothing held)."""

    async def opener() -> AsyncIterator[bytes]:
        block = hashlib.sha256(b"seed").digest() * 2048  # 64 KiB
        sent = 0
        while sent < size:
            chunk = block[: min(len(block), size - sent)]
            sent += len(chunk)
            produced.append(len(chunk))
            yield chunk

    return Document(opener, DocumentMetadata("big.bin", "application/octet-stream", size))


def _expected(size: int) -> str:
    block = hashlib.sha256(b"seed").digest() * 2048
    digest = hashlib.sha256()
    sent = 0
    while sent < size:
        chunk = block[: min(len(block), size - sent)]
        digest.update(chunk)
        sent += len(chunk)
    return digest.hexdigest()


def test_a_20_mb_document_goes_up_in_5_mib_parts_and_comes_back_streamed(
    moto_server: str, bucket: str, s3_client: Any
) -> None:
    size = 20 * 1000 * 1000
    produced: list[int] = []
    settings = _settings(moto_server)

    async def scenario() -> tuple[dict[str, Any], str, int]:
        stored = await s3.upload(
            None,
            settings,
            bucket,
            "big.bin",
            _generated(size, produced),
            chunk_bytes=5 * MIB,
            metadata={"origin": "test"},
        )
        document = await s3.download(None, settings, bucket, "big.bin")
        digest = hashlib.sha256()
        largest = 0
        async for chunk in document.chunks():
            largest = max(largest, len(chunk))
            digest.update(chunk)
        return stored, digest.hexdigest(), largest

    stored, digest, largest = asyncio.run(scenario())
    assert stored["size"] == size and sum(produced) == size
    # A multipart upload: S3's ETag of one is "<md5 of the parts' md5s>-<part count>".
    assert stored["etag"].endswith("-4")
    head = s3_client.head_object(Bucket=bucket, Key="big.bin", PartNumber=1)
    assert head["PartsCount"] == 4 and head["ContentLength"] == 5 * MIB
    assert digest == _expected(size)
    assert largest <= s3.READ_BYTES  # read in bounded pieces, never whole


def test_a_ranged_document_download_reads_only_the_range(
    moto_server: str, bucket: str, s3_client: Any
) -> None:
    s3_client.put_object(Bucket=bucket, Key="r.bin", Body=bytes(range(256)) * 4)

    async def scenario() -> tuple[bytes, Document]:
        document = await s3.download(
            None, _settings(moto_server), bucket, "r.bin", range_="bytes=10-19"
        )
        return await document.read(), document

    data, document = asyncio.run(scenario())
    assert data == bytes(range(10, 20))
    assert document.metadata.size == 10 and document.metadata.file_name == "r.bin"


def test_a_download_read_after_the_object_changed_fails_with_conflict(
    moto_server: str, bucket: str, s3_client: Any
) -> None:
    s3_client.put_object(Bucket=bucket, Key="c.txt", Body=b"first")

    async def scenario() -> None:
        document = await s3.download(None, _settings(moto_server), bucket, "c.txt")
        s3_client.put_object(Bucket=bucket, Key="c.txt", Body=b"second version")
        await document.read()

    with pytest.raises(ConnectorError) as caught:
        asyncio.run(scenario())
    assert caught.value.code == "CONFLICT"


def test_head_delete_and_the_document_size_limit(
    moto_server: str, bucket: str, s3_client: Any
) -> None:
    settings = _settings(moto_server)

    async def scenario() -> None:
        await s3.upload(None, settings, bucket, "t.txt", Document.from_bytes(b"abc"))
        info = await s3.head(None, settings, bucket, "t.txt")
        assert info.size == 3
        assert (await s3.delete(None, settings, bucket, "t.txt"))["key"] == "t.txt"
        with pytest.raises(ConnectorError) as missing:
            await s3.head(None, settings, bucket, "t.txt")
        assert missing.value.code == "NOT_FOUND"
        limited = Document.from_bytes(b"x" * 100)
        limited.limit = 10
        with pytest.raises(ConnectorError) as too_large:
            await s3.upload(None, settings, bucket, "l.txt", limited)
        assert too_large.value.code == "DOCUMENT_TOO_LARGE"

    asyncio.run(scenario())
    assert "Contents" not in s3_client.list_objects_v2(Bucket=bucket)


def test_names_are_checked_before_any_call() -> None:
    settings = s3.ConnectionSettings(endpoint_url="http://127.0.0.1:9")
    with pytest.raises(InputError) as caught:
        asyncio.run(s3.head(None, settings, "Not_A_Bucket", "k"))
    assert caught.value.field == "bucket"


def test_assume_role_through_sts(moto_server: str, bucket: str, s3_client: Any) -> None:
    s3_client.put_object(Bucket=bucket, Key="role.txt", Body=b"via role")
    settings = _settings(
        moto_server,
        role_arn="arn:aws:iam::123456789012:role/tasklink-test",
        role_session_name="tests",
        external_id="external-1",
        sts_endpoint_url=moto_server,
    )

    async def scenario() -> bytes:
        document = await s3.download(None, settings, bucket, "role.txt")
        return await document.read()

    assert asyncio.run(scenario()) == b"via role"
    client = s3.client_for(settings)
    credentials = client._request_signer._credentials  # the role's, not the given key
    assert credentials.access_key != ACCESS_KEY


def test_clients_are_cached_per_settings(moto_server: str) -> None:
    first = s3.client_for(_settings(moto_server))
    assert s3.client_for(_settings(moto_server)) is first
    assert s3.client_for(_settings(moto_server, max_attempts=5)) is not first
    assert ACCESS_KEY not in repr(_settings(moto_server))
    assert SECRET_KEY not in repr(_settings(moto_server))


def _client_error(code: str, status: int, message: str = "m") -> Exception:
    from botocore.exceptions import ClientError

    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status, "RequestId": "r-1"},
        },
        "GetObject",
    )


@pytest.mark.parametrize(
    ("code", "status", "expected", "retryable"),
    [
        ("NoSuchKey", 404, "NOT_FOUND", False),
        ("NoSuchBucket", 404, "NOT_FOUND", False),
        ("404", 404, "NOT_FOUND", False),
        ("AccessDenied", 403, "FORBIDDEN", False),
        ("InvalidAccessKeyId", 403, "UNAUTHORIZED", False),
        ("PreconditionFailed", 412, "CONFLICT", False),
        ("BucketAlreadyExists", 409, "CONFLICT", False),
        ("BucketAlreadyOwnedByYou", 409, "CONFLICT", False),
        ("InvalidObjectState", 403, "INVALID_OBJECT_STATE", False),
        ("EntityTooLarge", 400, "ENTITY_TOO_LARGE", False),
        ("InvalidRange", 416, "INVALID_RANGE", False),
        ("SlowDown", 503, "TOO_MANY_REQUESTS", True),
        ("Throttling", 400, "TOO_MANY_REQUESTS", True),
        ("RequestLimitExceeded", 400, "TOO_MANY_REQUESTS", True),
        ("InternalError", 500, "INTERNAL_SERVER_ERROR", True),
        ("ServiceUnavailable", 503, "SERVICE_UNAVAILABLE", True),
        ("SomethingNew", 502, "BAD_GATEWAY", True),
        ("SomethingNew", 400, "S3_ERROR", False),
        ("KMS.AccessDeniedException", 400, "BAD_REQUEST", False),
    ],
)
def test_s3_codes_map_onto_stable_codes(
    code: str, status: int, expected: str, retryable: bool
) -> None:
    error = s3.s3_error(_client_error(code, status), "bkt", "a/b.txt")
    assert (error.code, error.retryable) == (expected, retryable)
    assert error.variables["error"] == code and error.variables["key"] == "a/b.txt"
    assert "s3://bkt/a/b.txt" in error.message


def test_throttling_is_retried_with_a_backoff() -> None:
    error = s3.s3_error(_client_error("SlowDown", 503), "bkt", None)
    assert error.backoff is not None and error.backoff.total_seconds() > 0
    assert "bucket bkt" in error.message
