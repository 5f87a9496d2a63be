"""Object operations: upload, download, head, delete, list, copy, move, presign.

Each builds on :mod:`.._client` (boto3 calls in the thread pool, failures as connector
errors naming bucket and key).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from tasklink.core import ConnectorError, Context, Document

from .. import _client as s3
from .._inputs import (
    CopyObject,
    DeleteObjects,
    DownloadObject,
    HeadObject,
    ListObjects,
    PresignUrl,
    UploadObject,
)
from .._outputs import (
    CopyResult,
    DeleteResult,
    DownloadResult,
    ListResult,
    ObjectMetadata,
    PresignResult,
    UploadResult,
)

__all__ = [
    "copy_object",
    "delete_objects",
    "download_object",
    "head_object",
    "list_objects",
    "move_object",
    "presign_url",
    "upload_object",
]

MIB = 1024 * 1024


def _encryption(value: str) -> str | None:
    return None if value == "none" else value


async def upload_object(input: UploadObject, ctx: Context) -> UploadResult:
    """Upload the document, text or JSON; multipart from ``chunkSizeInMiB`` on."""
    if input.document is not None:
        document = input.document
    elif input.text is not None:
        document = Document.from_bytes(
            input.text.encode("utf-8"), content_type="text/plain; charset=utf-8"
        )
    else:
        document = Document.from_bytes(
            json.dumps(input.json_content, ensure_ascii=False).encode("utf-8"),
            content_type="application/json",
        )
    stored = await s3.upload(
        ctx,
        input.settings(),
        input.bucket,
        input.key,
        document,
        content_type=input.content_type
        or document.metadata.content_type
        or "application/octet-stream",
        metadata=input.metadata,
        tags=input.tags,
        storage_class=input.storage_class,
        sse=_encryption(input.server_side_encryption),
        kms_key_id=input.kms_key_id,
        chunk_bytes=input.chunk_size_in_mib * MIB,
    )
    return UploadResult.model_validate(stored)


async def head_object(input: HeadObject, ctx: Context) -> ObjectMetadata:
    """HeadObject: metadata only."""
    info = await s3.head(
        ctx, input.settings(), input.bucket, input.key, version_id=input.version_id
    )
    return ObjectMetadata.model_validate(info.to_json())


async def download_object(input: DownloadObject, ctx: Context) -> DownloadResult:
    """The object (or a range of it) as a document read lazily from S3, or as text or
    JSON in the result."""
    settings = input.settings()
    if input.output_format == "document":
        info = await s3.head(ctx, settings, input.bucket, input.key, version_id=input.version_id)
        client = await s3.aclient_for(settings, ctx, bucket=input.bucket)
        if input.range and s3._range_size(input.range, info.size) <= 0:
            raise ConnectorError(
                f"S3 GetObject on s3://{input.bucket}/{input.key} failed: the range "
                f"{input.range} is outside its {info.size} bytes",
                code="INVALID_RANGE",
                variables={"bucket": input.bucket, "key": input.key, "size": info.size},
                retryable=False,
            )
        document = s3.object_document(client, info, range_=input.range, file_name=input.file_name)
        return DownloadResult(
            **_metadata(info.to_json()),
            document=document,
            content_range=_content_range(input.range, info.size),
        )
    data, answer = await s3.read_bytes(
        ctx,
        settings,
        input.bucket,
        input.key,
        input.max_bytes,
        range_=input.range,
        version_id=input.version_id,
    )
    info = s3._info(input.bucket, input.key, answer)
    if len(data) > input.max_bytes:
        raise ConnectorError(
            f"s3://{input.bucket}/{input.key} holds more than maxBytes ({input.max_bytes}) "
            "for text or JSON: download it as a document",
            code="OBJECT_TOO_LARGE",
            variables={"bucket": input.bucket, "key": input.key, "maxBytes": input.max_bytes},
            retryable=False,
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _format_error(input, "not UTF-8 text") from None
    result: dict[str, Any] = {"text": text}
    if input.output_format == "json":
        try:
            result = {"json_content": json.loads(text)}
        except ValueError:
            raise _format_error(input, "not JSON") from None
    return DownloadResult(
        **_metadata(info.to_json()), content_range=answer.get("ContentRange"), **result
    )


def _metadata(info: dict[str, Any]) -> dict[str, Any]:
    return ObjectMetadata.model_validate(info).model_dump()


def _content_range(range_: str | None, size: int) -> str | None:
    if not range_:
        return None
    spec = range_.removeprefix("bytes=")
    first, _, last = spec.partition("-")
    if not first:
        start = max(size - int(last), 0)
        end = size - 1
    else:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
    return f"bytes {start}-{end}/{size}"


def _format_error(input: DownloadObject, what: str) -> ConnectorError:
    return ConnectorError(
        f"the content of s3://{input.bucket}/{input.key} is {what} (outputFormat "
        f"{input.output_format})",
        code="INVALID_RESULT_FORMAT",
        variables={"bucket": input.bucket, "key": input.key},
        retryable=False,
    )


async def delete_objects(input: DeleteObjects, ctx: Context) -> DeleteResult:
    """DeleteObject for one key, DeleteObjects for many."""
    settings = input.settings()
    if input.keys:
        keys = list(dict.fromkeys([*([input.key] if input.key else []), *input.keys]))
        answer = await s3.delete_many(ctx, settings, input.bucket, keys)
        return DeleteResult.model_validate(answer)
    assert input.key is not None  # the model checks one is given
    await s3.delete(ctx, settings, input.bucket, input.key)
    return DeleteResult(bucket=input.bucket, deleted=[input.key])


async def list_objects(input: ListObjects, ctx: Context) -> ListResult:
    """ListObjectsV2, page by page (1000 keys at most each) up to ``maxKeys``: the
    continuation token returned resumes exactly where the listing stopped."""
    client = await s3.aclient_for(input.settings(), ctx, bucket=input.bucket)
    objects: list[dict[str, Any]] = []
    prefixes: list[str] = []
    token = input.continuation_token
    truncated = False
    while True:
        arguments: dict[str, Any] = {
            "Bucket": input.bucket,
            "MaxKeys": min(1000, input.max_keys - len(objects) - len(prefixes)),
        }
        if input.prefix:
            arguments["Prefix"] = input.prefix
        if input.delimiter:
            arguments["Delimiter"] = input.delimiter
        if token:
            arguments["ContinuationToken"] = token
        page = await s3.call(
            client.list_objects_v2, bucket=input.bucket, action="ListObjectsV2", **arguments
        )
        for item in page.get("Contents", []):
            modified = item.get("LastModified")
            objects.append(
                {
                    "key": item["Key"],
                    "size": item.get("Size", 0),
                    "etag": str(item.get("ETag", "")).strip('"') or None,
                    "lastModified": modified.isoformat() if modified else None,
                    "storageClass": item.get("StorageClass"),
                }
            )
        prefixes.extend(str(p["Prefix"]) for p in page.get("CommonPrefixes", []))
        truncated = bool(page.get("IsTruncated"))
        token = page.get("NextContinuationToken") if truncated else None
        if not truncated or len(objects) + len(prefixes) >= input.max_keys:
            break
    return ListResult(
        bucket=input.bucket,
        objects=objects,
        common_prefixes=prefixes,
        is_truncated=truncated,
        next_continuation_token=token,
    )


async def _copy(input: CopyObject, ctx: Context) -> CopyResult:
    settings = input.settings()
    client = await s3.aclient_for(settings, ctx, bucket=input.bucket)
    source: dict[str, Any] = {"Bucket": input.source_bucket, "Key": input.source_key}
    if input.source_version_id:
        source["VersionId"] = input.source_version_id
    extra: dict[str, Any] = {}
    if input.metadata is not None:
        extra["Metadata"] = dict(input.metadata)
        extra["MetadataDirective"] = "REPLACE"
    if input.storage_class:
        extra["StorageClass"] = input.storage_class
    if input.server_side_encryption != "none":
        extra["ServerSideEncryption"] = input.server_side_encryption
    if input.kms_key_id:
        extra["SSEKMSKeyId"] = input.kms_key_id
    # The managed copy: one CopyObject up to the threshold, a multipart copy (UploadPartCopy)
    # beyond, as CopyObject takes 5 GB at most. Both happen inside S3: no bytes pass here.
    await s3.call(
        client.copy,
        source,
        input.bucket,
        input.key,
        ExtraArgs=extra or None,
        Config=s3.transfer_config(),
        bucket=input.source_bucket,
        key=input.source_key,
        action="CopyObject",
    )
    answer = await s3.call(
        client.head_object,
        Bucket=input.bucket,
        Key=input.key,
        bucket=input.bucket,
        key=input.key,
        action="HeadObject",
    )
    return CopyResult(
        bucket=input.bucket,
        key=input.key,
        source_bucket=input.source_bucket,
        source_key=input.source_key,
        etag=str(answer.get("ETag", "")).strip('"') or None,
        version_id=answer.get("VersionId"),
    )


async def copy_object(input: CopyObject, ctx: Context) -> CopyResult:
    """Copy an object inside S3 (any size: multipart copy for large objects)."""
    return await _copy(input, ctx)


async def move_object(input: CopyObject, ctx: Context) -> CopyResult:
    """Copy, then delete the source (S3 has no rename). Moving onto itself is refused."""
    if (input.source_bucket, input.source_key) == (input.bucket, input.key):
        raise ConnectorError(
            f"moving s3://{input.bucket}/{input.key} onto itself would delete it",
            code="INVALID_INPUT",
            variables={"bucket": input.bucket, "key": input.key},
            retryable=False,
        )
    result = await _copy(input, ctx)
    await s3.delete(
        ctx,
        input.settings(),
        input.source_bucket,
        input.source_key,
        version_id=input.source_version_id,
    )
    return result.model_copy(update={"source_deleted": True})


async def presign_url(input: PresignUrl, ctx: Context) -> PresignResult:
    """A presigned GET or PUT URL, signed locally (no call to S3)."""
    client = await s3.aclient_for(input.settings(), ctx, bucket=input.bucket)
    params: dict[str, Any] = {"Bucket": input.bucket, "Key": input.key}
    if input.method == "PUT" and input.content_type:
        params["ContentType"] = input.content_type
    url = await s3.call(
        client.generate_presigned_url,
        "get_object" if input.method == "GET" else "put_object",
        Params=params,
        ExpiresIn=input.expires_in_seconds,
        HttpMethod=input.method,
        bucket=input.bucket,
        key=input.key,
        action="Presign",
    )
    expires = datetime.now(UTC) + timedelta(seconds=input.expires_in_seconds)
    return PresignResult(url=url, method=input.method, expires_at=expires.isoformat())
