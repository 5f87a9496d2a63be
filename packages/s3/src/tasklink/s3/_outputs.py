"""Output models of the S3 connector (camelCase in process variables)."""

from __future__ import annotations

from typing import Any

from tasklink.core import CamelOutputModel, Document, field

__all__ = [
    "BucketResult",
    "CopyResult",
    "DeleteResult",
    "DownloadResult",
    "ListResult",
    "ObjectMetadata",
    "PresignResult",
    "UploadResult",
]


class UploadResult(CamelOutputModel):
    """The stored object."""

    bucket: str = field(description="Bucket of the object")
    key: str = field(description="Key of the object")
    size: int = field(description="Bytes uploaded")
    etag: str | None = field(None, description="ETag of the stored object")
    version_id: str | None = field(None, description="Version ID, when the bucket keeps versions")
    content_type: str | None = field(None, description="Content type stored")


class ObjectMetadata(CamelOutputModel):
    """What HeadObject tells of an object."""

    bucket: str = field(description="Bucket of the object")
    key: str = field(description="Key of the object")
    size: int = field(description="Size in bytes")
    etag: str | None = field(None, description="ETag")
    content_type: str | None = field(None, description="Content type")
    last_modified: str | None = field(None, description="Last change, ISO 8601")
    metadata: dict[str, str] = field(default_factory=dict, description="User metadata")
    version_id: str | None = field(None, description="Version ID")
    storage_class: str | None = field(None, description="Storage class")


class DownloadResult(ObjectMetadata):
    """The object as a document, text or JSON (one of them, by outputFormat)."""

    document: Document | None = field(None, description="The content as a document")
    text: str | None = field(None, description="The content as text")
    json_content: Any = field(None, description="The content as JSON (outputFormat json)")
    content_range: str | None = field(None, description="The range returned (Content-Range)")


class DeleteResult(CamelOutputModel):
    """What was deleted."""

    bucket: str = field(description="The bucket")
    deleted: list[str] = field(description="Keys deleted (or that did not exist)")
    errors: list[dict[str, Any]] = field(
        default_factory=list, description="Keys S3 did not delete: key, error, message"
    )


class ListResult(CamelOutputModel):
    """One listing."""

    bucket: str = field(description="The bucket")
    objects: list[dict[str, Any]] = field(
        description="Objects: key, size, etag, lastModified, storageClass"
    )
    common_prefixes: list[str] = field(description="Prefixes grouped by the delimiter")
    is_truncated: bool = field(description="More keys follow")
    next_continuation_token: str | None = field(
        None, description="Give it as continuationToken to list the next keys"
    )


class CopyResult(CamelOutputModel):
    """The copy."""

    bucket: str = field(description="Bucket of the copy")
    key: str = field(description="Key of the copy")
    source_bucket: str = field(description="Bucket copied from")
    source_key: str = field(description="Key copied from")
    etag: str | None = field(None, description="ETag of the copy")
    version_id: str | None = field(None, description="Version ID of the copy")
    source_deleted: bool = field(False, description="The source was deleted (move)")


class PresignResult(CamelOutputModel):
    """A presigned URL."""

    url: str = field(description="The URL")
    method: str = field(description="The HTTP method it allows")
    expires_at: str = field(description="When it stops working, ISO 8601")


class BucketResult(CamelOutputModel):
    """A bucket created or deleted."""

    bucket: str = field(description="The bucket")
    location: str | None = field(None, description="Where S3 created it")
