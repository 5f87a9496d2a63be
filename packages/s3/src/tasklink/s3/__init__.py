"""tasklink-s3: the Amazon S3 connector.

Upload, download, list, copy, move and delete objects and buckets in Amazon S3 and every
S3-compatible store (MinIO, Ceph, R2), on boto3. Importing this package is cheap: boto3
is imported when the first operation runs.
"""

from .__about__ import __version__
from ._connector import connector
from ._inputs import (
    AccessKeyCredentials,
    CopyObject,
    CreateBucket,
    DefaultCredentialsChain,
    DeleteBucket,
    DeleteObjects,
    DownloadObject,
    HeadObject,
    ListObjects,
    PresignUrl,
    S3Input,
    UploadObject,
)
from ._outputs import (
    BucketResult,
    CopyResult,
    DeleteResult,
    DownloadResult,
    ListResult,
    ObjectMetadata,
    PresignResult,
    UploadResult,
)

__all__ = [
    "AccessKeyCredentials",
    "BucketResult",
    "CopyObject",
    "CopyResult",
    "CreateBucket",
    "DefaultCredentialsChain",
    "DeleteBucket",
    "DeleteObjects",
    "DeleteResult",
    "DownloadObject",
    "DownloadResult",
    "HeadObject",
    "ListObjects",
    "ListResult",
    "ObjectMetadata",
    "PresignResult",
    "PresignUrl",
    "S3Input",
    "UploadObject",
    "UploadResult",
    "__version__",
    "connector",
]
