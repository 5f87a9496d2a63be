"""The connector's declaration: what discovery and the templates read.

It imports only pydantic, the core and the models; every operation is a lazy target,
imported when it first runs, and boto3 with it.
"""

from __future__ import annotations

from pydantic import BaseModel

from tasklink.core import Connector

from . import _inputs as i
from . import _outputs as o
from ._errors import S3_ERRORS

__all__ = ["connector"]

connector = Connector(
    id="io.tasklink.s3",
    name="s3",
    title="Amazon S3",
    job_type="tasklink:s3:1",
    description="Upload, download, list, copy, move and delete objects and buckets in "
    "Amazon S3 and every S3-compatible store (MinIO, Ceph, R2)",
    package=__package__,
    documentation_url="https://github.com/tasklink/tasklink/blob/main/docs/connectors/s3.md",
    # The Camunda template's version: bump it on every change of the form that is not
    # cosmetic, so diagrams made with the previous one keep it (docs/templates.md).
    template_version=1,
    keywords=("s3", "aws", "minio", "object storage", "bucket"),
    group_labels={
        "authentication": "Authentication",
        "connection": "Connection",
        "assumeRole": "Assume role",
        "tls": "TLS",
        "timeouts": "Retries and timeouts",
        "object": "Object",
        "source": "Source",
        "content": "Content",
        "options": "Options",
        "output": "Output",
        "list": "Listing",
        "presign": "Presigned URL",
    },
    errors=S3_ERRORS,
)


@connector.on_shutdown
async def _close_clients() -> None:
    """The runtime's shutdown closes the cached boto3 clients after the last job."""
    from ._client import close_clients

    close_clients()


_OPERATIONS: tuple[tuple[str, str, str, str, type[BaseModel], type[BaseModel]], ...] = (
    # id, name, description, target, input, output
    (
        "upload_object",
        "Upload object",
        "Store a document, text or JSON as an object (multipart when large); outputs "
        "bucket, key, size, etag",
        "._objects:upload_object",
        i.UploadObject,
        o.UploadResult,
    ),
    (
        "download_object",
        "Download object",
        "Read an object (or a range) as a document, or as text or JSON when small",
        "._objects:download_object",
        i.DownloadObject,
        o.DownloadResult,
    ),
    (
        "head_object",
        "Get object metadata",
        "Read an object's size, content type, ETag and metadata without its content",
        "._objects:head_object",
        i.HeadObject,
        o.ObjectMetadata,
    ),
    (
        "delete_objects",
        "Delete objects",
        "Delete one object or many; outputs deleted keys and errors",
        "._objects:delete_objects",
        i.DeleteObjects,
        o.DeleteResult,
    ),
    (
        "list_objects",
        "List objects",
        "List keys under a prefix, grouped by a delimiter, up to maxKeys",
        "._objects:list_objects",
        i.ListObjects,
        o.ListResult,
    ),
    (
        "copy_object",
        "Copy object",
        "Copy an object inside S3, to another key or bucket",
        "._objects:copy_object",
        i.CopyObject,
        o.CopyResult,
    ),
    (
        "move_object",
        "Move object",
        "Copy an object, then delete the source",
        "._objects:move_object",
        i.CopyObject,
        o.CopyResult,
    ),
    (
        "presign_url",
        "Presigned URL",
        "A URL that reads (GET) or uploads (PUT) an object without credentials until it expires",
        "._objects:presign_url",
        i.PresignUrl,
        o.PresignResult,
    ),
    (
        "create_bucket",
        "Create bucket",
        "Create a bucket in the connection's region",
        "._buckets:create_bucket",
        i.CreateBucket,
        o.BucketResult,
    ),
    (
        "delete_bucket",
        "Delete bucket",
        "Delete an empty bucket",
        "._buckets:delete_bucket",
        i.DeleteBucket,
        o.BucketResult,
    ),
)

for _id, _name, _description, _target, _input, _output in _OPERATIONS:
    connector.operation(
        _id,
        name=_name,
        description=_description,
        target=f"._actions{_target}",
        input_model=_input,
        output_model=_output,
    )

from . import _contracts  # noqa: E402, F401 - declares the vendor contract
