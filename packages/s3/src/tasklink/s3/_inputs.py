"""Input models of the S3 connector.

Fields are snake_case in Python and camelCase in process variables and templates. Every
operation's input subclasses :class:`S3Input` (where S3 is, how to sign in, retries and
timeouts), so the templates show the connection once whichever operation is chosen.
Bucket names and keys are checked here (:mod:`._names`), so a bad job fails before any
call.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from tasklink.core import CamelInputModel, Document, InputError, field

from ._names import BucketName, ObjectKey

__all__ = [
    "AccessKeyCredentials",
    "Authentication",
    "BucketInput",
    "CopyObject",
    "CreateBucket",
    "DefaultCredentialsChain",
    "DeleteBucket",
    "DeleteObjects",
    "DownloadObject",
    "HeadObject",
    "ListObjects",
    "ObjectInput",
    "PresignUrl",
    "S3Input",
    "UploadObject",
]

MIB = 1024 * 1024


def _endpoint(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        parts = urlsplit(value.strip())
        absolute = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        absolute = False
    if not absolute:
        raise PydanticCustomError(
            "url", "must be an http or https URL, e.g. https://minio.example.com:9000"
        )
    return value.strip()


Endpoint = Annotated[str | None, AfterValidator(_endpoint)]

_RANGE = r"^bytes=(\d+-\d*|-\d+)$"

StorageClass = Literal[
    "STANDARD",
    "REDUCED_REDUNDANCY",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER",
    "DEEP_ARCHIVE",
    "GLACIER_IR",
]
Encryption = Literal["none", "AES256", "aws:kms"]

# -- connection --------------------------------------------------------------------------


class DefaultCredentialsChain(CamelInputModel):
    """boto3's default credentials chain: environment, shared profile, container or
    instance role."""

    type: Literal["defaultCredentialsChain"] = field(
        "defaultCredentialsChain",
        description="How the connector signs in to S3",
        group="authentication",
    )


class AccessKeyCredentials(CamelInputModel):
    """An access key pair (and a session token for temporary credentials)."""

    type: Literal["credentials"] = field(description="How the connector signs in to S3")
    # Not marked secret: the access key ID is an identifier, not a credential (AWS shows
    # it in every signed request and presigned URL; masking it would break those URLs).
    # Given as {{secrets.NAME}} it is masked like any secret all the same.
    access_key: str = field(
        title="Access key ID",
        description="Access key ID (an identifier; the secret key is the credential)",
        group="authentication",
        min_length=1,
    )
    secret_key: str = field(
        description="Secret access key", group="authentication", secret=True, min_length=1
    )
    session_token: str | None = field(
        None,
        description="Session token, for temporary credentials",
        group="authentication",
        secret=True,
    )


Authentication = Annotated[
    DefaultCredentialsChain | AccessKeyCredentials, Field(discriminator="type")
]


class S3Input(CamelInputModel):
    """The settings every operation shares: where S3 is, how to sign in, how long to
    wait and how often to try."""

    authentication: Authentication = field(
        DefaultCredentialsChain(),
        description="How the connector signs in to S3",
        group="authentication",
        choice_labels={
            "defaultCredentialsChain": "Default credentials chain",
            "credentials": "Access key and secret key",
        },
    )
    region: str | None = field(
        None,
        description="AWS region of the bucket (us-east-1, eu-central-1...); the default "
        "chain's region when empty",
        group="connection",
        pattern=r"^[a-z0-9-]*$",
    )
    endpoint: Endpoint = field(
        None,
        title="Endpoint URL",
        description="Endpoint of an S3-compatible store (MinIO, Ceph, R2...); AWS when empty",
        group="connection",
        placeholder="https://minio.example.com:9000",
    )
    path_style: bool = field(
        False,
        description="Address buckets in the path (endpoint/bucket/key) rather than the host "
        "name, as most S3-compatible stores need",
        group="connection",
    )
    role_arn: str | None = field(
        None,
        title="Role ARN",
        description="Assume this IAM role with the credentials above (STS AssumeRole)",
        group="assumeRole",
        pattern=r"^(arn:[^:\s]+:iam::[^:\s]*:role/\S+)?$",
    )
    role_session_name: str | None = field(
        None,
        description="Session name of the assumed role (tasklink-s3 when empty)",
        group="assumeRole",
        pattern=r"^[\w+=,.@-]{0,64}$",
    )
    external_id: str | None = field(
        None,
        title="External ID",
        description="External ID the role's trust policy asks for",
        group="assumeRole",
        secret=True,
    )
    sts_endpoint: Endpoint = field(
        None,
        title="STS endpoint URL",
        description="Endpoint of the store's STS for assume-role (AWS when empty)",
        group="assumeRole",
    )
    verify_tls: bool = field(
        True,
        title="Verify TLS",
        description="Check the endpoint's certificate (turn off for test servers only)",
        group="tls",
    )
    ca_certificate: str | None = field(
        None,
        title="CA certificate",
        description="Extra CA certificates (PEM) trusted besides the default store, for a "
        "private endpoint",
        group="tls",
        multiline=True,
    )
    max_attempts: int = field(
        3,
        description="Attempts per call, with backoff, on throttling, 5xx and network "
        "failures (then the job's own retries)",
        group="timeouts",
        ge=1,
        le=20,
    )
    connect_timeout_in_seconds: float = field(
        10,
        description="Seconds to wait for a connection (0 waits without limit)",
        group="timeouts",
        ge=0,
        allow_inf_nan=False,
    )
    read_timeout_in_seconds: float = field(
        60,
        description="Seconds to wait for each part of an answer (0 waits without limit)",
        group="timeouts",
        ge=0,
        allow_inf_nan=False,
    )

    def settings(self) -> Any:
        """The :class:`~._client.ConnectionSettings` for these fields."""
        from ._client import ConnectionSettings

        auth = self.authentication
        keys = auth if isinstance(auth, AccessKeyCredentials) else None
        return ConnectionSettings(
            region=self.region or None,
            endpoint_url=self.endpoint,
            path_style=self.path_style,
            access_key_id=keys.access_key if keys else None,
            secret_access_key=keys.secret_key if keys else None,
            session_token=(keys.session_token or None) if keys else None,
            role_arn=self.role_arn or None,
            role_session_name=self.role_session_name or None,
            external_id=self.external_id or None,
            sts_endpoint_url=self.sts_endpoint,
            verify_tls=self.verify_tls,
            ca_pem=self.ca_certificate or None,
            max_attempts=self.max_attempts,
            connect_timeout=self.connect_timeout_in_seconds,
            read_timeout=self.read_timeout_in_seconds,
        )


class BucketInput(S3Input):
    """One bucket."""

    bucket: BucketName = field(description="Name of the bucket", group="object")


class ObjectInput(BucketInput):
    """One object."""

    key: ObjectKey = field(description="Key of the object (its path in the bucket)", group="object")


class HeadObject(ObjectInput):
    """An object's metadata."""

    version_id: str | None = field(
        None,
        title="Version ID",
        description="A version of the object (the latest when empty)",
        group="object",
    )


# -- operations ----------------------------------------------------------------------------


class UploadObject(ObjectInput):
    """Content to store: ``document``, else ``text`` (UTF-8), else ``json``."""

    document: Document | None = field(None, description="The document to upload", group="content")
    text: str | None = field(
        None, description="Text uploaded as UTF-8", group="content", multiline=True
    )
    json_content: Any = field(
        None, title="JSON", description="A JSON value uploaded as application/json", group="content"
    )
    content_type: str | None = field(
        None,
        description="Content type stored with the object (the document's, else "
        "application/octet-stream)",
        group="content",
    )
    metadata: dict[str, str] | None = field(
        None, description="User metadata (x-amz-meta-*) as a map of strings", group="options"
    )
    tags: dict[str, str] | None = field(
        None, description="Object tags as a map of strings", group="options"
    )
    storage_class: StorageClass | None = field(
        None, description="Storage class (STANDARD when empty)", group="options"
    )
    server_side_encryption: Encryption = field(
        "none",
        description="Server-side encryption: AES256 (SSE-S3) or aws:kms (SSE-KMS)",
        group="options",
    )
    kms_key_id: str | None = field(
        None,
        title="KMS key ID",
        description="KMS key for aws:kms (the account's default key when empty)",
        group="options",
    )
    chunk_size_in_mib: int = field(
        8,
        title="Multipart chunk size (MiB)",
        description="Content from this size on is uploaded in parts of this size",
        group="options",
        ge=5,
        le=5120,
    )

    @model_validator(mode="after")
    def _one_source(self) -> UploadObject:
        if self.document is None and self.text is None and self.json_content is None:
            raise InputError(
                "invalid input: give the content: document, text or json",
                code="MISSING_INPUT",
                field="document",
                variables={"fields": ["document", "text", "json"], "problemCount": 1},
            )
        return self


class DownloadObject(HeadObject):
    """An object as a document, or as text or JSON when small."""

    output_format: Literal["document", "text", "json"] = field(
        "document",
        description="document (any size, streamed), or text / json in the result (small "
        "objects, up to maxBytes)",
        group="output",
    )
    range: str | None = field(
        None,
        description="Only these bytes, as an HTTP range: bytes=0-99, bytes=100-, bytes=-100",
        group="output",
        pattern=_RANGE,
    )
    max_bytes: int = field(
        1 * MIB,
        description="The most bytes read for text or json",
        group="output",
        ge=1,
        le=100 * MIB,
    )
    file_name: str | None = field(
        None,
        description="File name of the document (the key's last segment when empty)",
        group="output",
    )


class DeleteObjects(BucketInput):
    """One key, or many."""

    key: ObjectKey | None = field(None, description="Key of the object to delete", group="object")
    keys: list[ObjectKey] | None = field(
        None,
        description="Keys of the objects to delete (up to 10000)",
        group="object",
        max_length=10000,
    )

    @model_validator(mode="after")
    def _some(self) -> DeleteObjects:
        if not self.key and not self.keys:
            raise InputError(
                "invalid input: give key or keys",
                code="MISSING_INPUT",
                field="key",
                variables={"fields": ["key", "keys"], "problemCount": 1},
            )
        return self


class ListObjects(BucketInput):
    """Objects under a prefix, a bounded number of pages."""

    prefix: str | None = field(None, description="Only keys starting with this", group="list")
    delimiter: str | None = field(
        None,
        description="Group keys up to this character into commonPrefixes ('/' lists one "
        "folder level)",
        group="list",
    )
    max_keys: int = field(
        1000,
        description="The most keys (and common prefixes) returned; nextContinuationToken continues",
        group="list",
        ge=1,
        le=10000,
    )
    continuation_token: str | None = field(
        None, description="nextContinuationToken of a previous listing, to go on", group="list"
    )


class CopyObject(ObjectInput):
    """Copy (or move) ``sourceBucket``/``sourceKey`` to ``bucket``/``key``."""

    source_bucket: BucketName = field(description="Bucket of the object to copy", group="source")
    source_key: ObjectKey = field(description="Key of the object to copy", group="source")
    source_version_id: str | None = field(
        None,
        title="Source version ID",
        description="Version to copy (the latest when empty)",
        group="source",
    )
    metadata: dict[str, str] | None = field(
        None, description="New user metadata (the source's is kept when empty)", group="options"
    )
    storage_class: StorageClass | None = field(
        None, description="Storage class of the copy (STANDARD when empty)", group="options"
    )
    server_side_encryption: Encryption = field(
        "none", description="Server-side encryption of the copy", group="options"
    )
    kms_key_id: str | None = field(
        None, title="KMS key ID", description="KMS key for aws:kms", group="options"
    )


class PresignUrl(ObjectInput):
    """A URL that reads or writes the object without credentials, for a while."""

    method: Literal["GET", "PUT"] = field(
        "GET", description="GET to read the object, PUT to upload it", group="presign"
    )
    expires_in_seconds: int = field(
        3600,
        description="Seconds the URL works (at most 7 days; less with temporary credentials)",
        group="presign",
        ge=1,
        le=604800,
    )
    content_type: str | None = field(
        None, description="For PUT: the content type the upload must send", group="presign"
    )


class CreateBucket(BucketInput):
    """A new bucket in the connection's region."""


class DeleteBucket(BucketInput):
    """An empty bucket to delete."""
