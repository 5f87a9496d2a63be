"""The internal API every operation (and the vendor contracts) builds on: boto3 clients
per connection, and upload, download, head and delete with documents.

boto3 is synchronous; documents are async. Every boto3 call runs in the default thread
pool of the running loop (``asyncio.to_thread``), the pool core runs synchronous
operations in, so the event loop stays free. The operations are async functions rather
than sync ones because transfers cross between the two worlds: an upload's reader, in a
boto3 worker thread, pulls the document's chunks from the loop
(``run_coroutine_threadsafe``), and a download's document is read by the engine's store
on the loop, chunk by chunk from S3's streaming body. A sync operation would block a
pool thread while waiting on the loop, and would need the loop passed in anyway.

Stable signatures (a colleague's vendor contract calls them)::

    settings = ConnectionSettings(region="eu-west-1", access_key_id=..., ...)
    client = client_for(settings)                      # cached per settings
    await call(client.list_buckets)                    # any boto3 call, in a thread
    await upload(ctx, settings, bucket, key, document, content_type=..., metadata=...)
    document = await download(ctx, settings, bucket, key, range_=...)
    info = await head(ctx, settings, bucket, key)
    await delete(ctx, settings, bucket, key)
    raise s3_error(exc, bucket, key)                   # boto3 failure -> ConnectorError

boto3 and botocore are imported here only inside functions, never at module import, so
discovery stays light even if this module is imported.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tasklink.client import CaBundleFile, TlsConfig, TlsFields, ca_bundle_file
from tasklink.core import (
    TOKEN_TTL,
    ConnectorError,
    Context,
    Document,
    DocumentMetadata,
    InputError,
)

from .__about__ import __version__
from ._errors import s3_error
from ._names import check_bucket, check_key

__all__ = [
    "DEFAULT_CHUNK_BYTES",
    "UPLOAD_CONCURRENCY",
    "ConnectionSettings",
    "ObjectInfo",
    "aclient_for",
    "call",
    "client_for",
    "close_clients",
    "delete",
    "delete_many",
    "download",
    "head",
    "object_document",
    "read_bytes",
    "s3_error",
    "transfer_config",
    "upload",
]

# Typing: boto3-stubs / types-boto3 are not installed in this workspace, so a boto3
# client is typed as Any at this boundary; everything past it is typed.
S3Client = Any

T = TypeVar("T")

#: The multipart chunk size unless an operation says otherwise (boto3's default too).
DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024
#: S3's smallest part but the last.
MIN_CHUNK_BYTES = 5 * 1024 * 1024
#: How much of a streaming body one read in a worker thread takes (fewer thread hops than
#: the documents' own 64 KiB chunks, and still small).
READ_BYTES = 1024 * 1024
USER_AGENT = f"tasklink-s3/{__version__}"
# Temporary credentials from assume-role are renewed this long before they expire.
_RENEW_BEFORE = 300.0
_CACHE_SIZE = 32
_TLS_FIELDS = TlsFields(ca="caCertificate")


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """Where S3 is and how to sign in: everything a boto3 client is made from.

    Hashable (clients are cached per settings); ``repr`` shows no credentials. Without
    ``access_key_id`` boto3's default credentials chain applies (environment, shared
    profile, container or instance role). With ``role_arn`` those credentials assume the
    role through STS (``sts_endpoint_url`` for an S3-compatible store's own STS).
    ``endpoint_url`` with ``path_style`` reaches MinIO, Ceph, R2 and other stores.
    TLS follows the trust policy every tasklink connection shares
    (:func:`tasklink.client.ca_bundle`): the base store is ``SSL_CERT_FILE`` and / or
    ``SSL_CERT_DIR`` where the operator set them, else certifi's Mozilla list;
    ``ca_pem`` is trusted in addition; ``verify_tls=False`` only for tests.
    """

    region: str | None = None
    endpoint_url: str | None = None
    path_style: bool = False
    access_key_id: str | None = field(default=None, repr=False)
    secret_access_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    role_arn: str | None = None
    role_session_name: str | None = None
    external_id: str | None = field(default=None, repr=False)
    sts_endpoint_url: str | None = None
    verify_tls: bool = True
    ca_pem: str | None = field(default=None, repr=False)
    max_attempts: int = 3
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_pool_connections: int = 10


@dataclass(slots=True)
class _Entry:
    client: S3Client
    expires_at: float | None  # assumed-role credentials
    secrets: tuple[str, ...]  # derived secret key, for the job's redactor
    bundle: CaBundleFile | None  # the CA bundle file the client reads, removed with it


_cache: OrderedDict[ConnectionSettings, _Entry] = OrderedDict()
_lock = threading.Lock()


def _verify(settings: ConnectionSettings) -> tuple[str | bool, CaBundleFile | None]:
    """``verify=`` for boto3, and the bundle file it names (kept with the client, which
    reads it for every new connection): botocore reads trusted certificates from a path
    only."""
    if not settings.verify_tls:
        return False, None
    bundle = ca_bundle_file(TlsConfig(ca_pem=settings.ca_pem), _TLS_FIELDS)
    return bundle.path, bundle


def _make(settings: ConnectionSettings) -> _Entry:
    # No stubs installed (boto3-stubs / types-boto3): the client is Any at this boundary.
    import boto3  # type: ignore[import-untyped]
    from botocore.config import Config  # type: ignore[import-untyped]

    session = boto3.session.Session(
        aws_access_key_id=settings.access_key_id,
        aws_secret_access_key=settings.secret_access_key,
        aws_session_token=settings.session_token,
        region_name=settings.region,
    )
    verify, bundle = _verify(settings)
    config = Config(
        region_name=settings.region,
        connect_timeout=settings.connect_timeout or None,
        read_timeout=settings.read_timeout or None,
        retries={"max_attempts": max(settings.max_attempts, 1), "mode": "standard"},
        s3={"addressing_style": "path" if settings.path_style else "auto"},
        # SigV4 everywhere, presigned URLs included (botocore still presigns with SigV2
        # where the region allows it; SigV2 is deprecated and refused by newer regions).
        signature_version="s3v4",
        user_agent_extra=USER_AGENT,
        max_pool_connections=settings.max_pool_connections,
    )
    expires_at: float | None = None
    derived: tuple[str, ...] = ()
    if settings.role_arn:
        sts = session.client(
            "sts",
            endpoint_url=settings.sts_endpoint_url or None,
            verify=verify,
            config=config,
        )
        arguments: dict[str, Any] = {
            "RoleArn": settings.role_arn,
            "RoleSessionName": settings.role_session_name or "tasklink-s3",
        }
        if settings.external_id:
            arguments["ExternalId"] = settings.external_id
        credentials = sts.assume_role(**arguments)["Credentials"]
        derived = (
            credentials["AccessKeyId"],
            credentials["SecretAccessKey"],
            credentials["SessionToken"],
        )
        expiration = credentials.get("Expiration")
        expires_at = expiration.timestamp() if expiration is not None else None
        session = boto3.session.Session(
            aws_access_key_id=derived[0],
            aws_secret_access_key=derived[1],
            aws_session_token=derived[2],
            region_name=settings.region,
        )
    client = session.client(
        "s3", endpoint_url=settings.endpoint_url or None, verify=verify, config=config
    )
    # Only the secret key is registered for masking: the key ID is an identifier and the
    # session token must stay readable in presigned URLs (without the secret key neither
    # signs anything).
    return _Entry(client, expires_at, derived[1:2], bundle)


def _drop(entry: _Entry) -> None:
    with contextlib.suppress(Exception):
        entry.client.close()


def client_for(settings: ConnectionSettings, ctx: Context | None = None) -> S3Client:
    """The boto3 S3 client for ``settings``: made once and cached (boto3 clients are
    thread-safe), renewed before assumed-role credentials expire. Blocking (it may call
    STS): call it through :func:`call` from async code, or use :func:`aclient_for`.
    Temporary credentials are registered with ``ctx``'s redactor."""
    with _lock:
        entry = _cache.get(settings)
        if entry is not None and (
            entry.expires_at is None or entry.expires_at - time.time() > _RENEW_BEFORE
        ):
            _cache.move_to_end(settings)
        else:
            if entry is not None:
                del _cache[settings]
                _drop(entry)
            entry = _make(settings)
            _cache[settings] = entry
            while len(_cache) > _CACHE_SIZE:
                _drop(_cache.popitem(last=False)[1])
    if ctx is not None:
        for value in entry.secrets:
            ctx.redactor.add(value, ttl=TOKEN_TTL)
    return entry.client


async def aclient_for(
    settings: ConnectionSettings, ctx: Context | None = None, *, bucket: str | None = None
) -> S3Client:
    """:func:`client_for` from async code, failures as connector errors. A custom
    endpoint is checked against the operator's outbound policy first: boto3 opens its own
    connections, outside the shared client's guard, and a process may name the endpoint."""
    if settings.endpoint_url:
        await _check_endpoint(settings.endpoint_url)
    try:
        return await asyncio.to_thread(client_for, settings, ctx)
    except InputError:  # an unreadable caCertificate
        raise
    except Exception as exc:
        raise _classified(exc, bucket, None, "AssumeRole" if settings.role_arn else None) from None


async def _check_endpoint(url: str) -> None:
    from tasklink.client import BlockedAddressError, check_endpoint

    try:
        await check_endpoint(url)
    except BlockedAddressError as exc:
        raise ConnectorError(
            f"the endpoint {url} was refused by the outbound policy: {exc}",
            code="BLOCKED_ADDRESS",
            retryable=False,
        ) from None


def close_clients() -> None:
    """Close every cached client (the runtime's shutdown)."""
    with _lock:
        while _cache:
            _drop(_cache.popitem()[1])


def _classified(
    exc: BaseException, bucket: str | None, key: str | None, action: str | None
) -> ConnectorError:
    error = s3_error(exc, bucket, key, action=action)
    if action == "AssumeRole" and error.code in ("FORBIDDEN", "UNAUTHORIZED", "S3_ERROR"):
        return ConnectorError(
            f"assuming the role failed: {error.message}",
            code="AUTHENTICATION_FAILED",
            variables=error.variables,
            retryable=False,
        )
    return error


async def call(
    function: Callable[..., T],
    /,
    *args: Any,
    bucket: str | None = None,
    key: str | None = None,
    action: str | None = None,
    **kwargs: Any,
) -> T:
    """Run one blocking boto3 call in the thread pool; its failure becomes the
    connector error naming ``bucket`` and ``key``."""
    try:
        return await asyncio.to_thread(functools.partial(function, *args, **kwargs))
    except ConnectorError:
        raise
    except Exception as exc:
        raise s3_error(exc, bucket, key, action=action) from None


# -- upload ------------------------------------------------------------------------------


#: Parts in flight (and in memory) of an upload: two keep the connection busy while the
#: next part is read, within twice the part size of memory.
UPLOAD_CONCURRENCY = 2


def transfer_config(
    chunk_bytes: int = DEFAULT_CHUNK_BYTES, concurrency: int = UPLOAD_CONCURRENCY
) -> Any:
    """boto3's TransferConfig: multipart from ``chunk_bytes`` on, parts of that size,
    ``concurrency`` parts in flight, and as many parts in memory at most (a document is
    read as a stream, so each part in flight is held once: memory stays near
    ``chunk_bytes * concurrency``)."""
    from boto3.s3.transfer import TransferConfig  # type: ignore[import-untyped]

    chunk = max(chunk_bytes, MIN_CHUNK_BYTES)
    config = TransferConfig(
        multipart_threshold=chunk,
        multipart_chunksize=chunk,
        max_concurrency=concurrency,
        use_threads=True,
    )
    # s3transfer's own knob (boto3's constructor does not take it): parts read from a
    # stream wait in memory for a worker; 10 by default, i.e. 80 MiB at 8 MiB parts.
    config.max_in_memory_upload_chunks = concurrency
    return config


class DocumentReader(io.RawIOBase):
    """A blocking, non-seekable file over a document's async chunks, for boto3's
    transfer threads: each ``read`` pulls chunks from the event loop that owns the
    document. Holds at most one chunk beyond what was asked."""

    def __init__(self, chunks: AsyncIterator[bytes], loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._chunks = chunks
        self._loop = loop
        self._buffer = b""
        self._done = False
        self.size = 0

    def readable(self) -> bool:
        return True

    def _next(self) -> bytes | None:
        future = asyncio.run_coroutine_threadsafe(_anext(self._chunks), self._loop)
        return future.result()

    def read(self, size: int | None = -1) -> bytes:
        # A full read: s3transfer takes a short read of a stream for its end.
        wanted = None if size is None or size < 0 else size
        parts = [self._buffer]
        have = len(self._buffer)
        self._buffer = b""
        while (wanted is None or have < wanted) and not self._done:
            chunk = self._next()
            if chunk is None:
                self._done = True
                break
            parts.append(chunk)
            have += len(chunk)
        data = b"".join(parts)
        if wanted is not None and len(data) > wanted:
            data, self._buffer = data[:wanted], data[wanted:]
        self.size += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


async def _anext(chunks: AsyncIterator[bytes]) -> bytes | None:
    try:
        return await chunks.__anext__()
    except StopAsyncIteration:
        return None


def _extra_args(
    *,
    content_type: str | None,
    metadata: Mapping[str, str] | None,
    tags: Mapping[str, str] | None,
    storage_class: str | None,
    sse: str | None,
    kms_key_id: str | None,
    cache_control: str | None = None,
    content_disposition: str | None = None,
) -> dict[str, Any]:
    from urllib.parse import urlencode

    extra: dict[str, Any] = {}
    if content_type:
        extra["ContentType"] = content_type
    if metadata:
        extra["Metadata"] = dict(metadata)
    if tags:
        extra["Tagging"] = urlencode(dict(tags))
    if storage_class:
        extra["StorageClass"] = storage_class
    if sse:
        extra["ServerSideEncryption"] = sse
    if kms_key_id:
        extra["SSEKMSKeyId"] = kms_key_id
    if cache_control:
        extra["CacheControl"] = cache_control
    if content_disposition:
        extra["ContentDisposition"] = content_disposition
    return extra


async def upload(
    ctx: Context | None,
    settings: ConnectionSettings,
    bucket: str,
    key: str,
    document: Document,
    *,
    content_type: str | None = None,
    metadata: Mapping[str, str] | None = None,
    tags: Mapping[str, str] | None = None,
    storage_class: str | None = None,
    sse: str | None = None,
    kms_key_id: str | None = None,
    cache_control: str | None = None,
    content_disposition: str | None = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    concurrency: int = UPLOAD_CONCURRENCY,
) -> dict[str, Any]:
    """Upload ``document`` to ``bucket``/``key``, streamed: one PutObject below
    ``chunk_bytes``, a multipart upload of ``chunk_bytes`` parts above (never the whole
    content in memory). ``content_type`` defaults to the document's. ``sse`` is
    ``AES256`` (SSE-S3) or ``aws:kms`` (SSE-KMS, with ``kms_key_id`` or the account's
    default key).

    Returns ``{"bucket", "key", "size", "etag", "versionId", "contentType"}`` (etag and
    versionId as a HeadObject tells them after the upload; versionId ``None`` when the
    bucket keeps no versions).
    """
    check_bucket(bucket)
    check_key(key)
    client = await aclient_for(settings, ctx, bucket=bucket)
    content_type = content_type or document.metadata.content_type
    extra = _extra_args(
        content_type=content_type,
        metadata=metadata,
        tags=tags,
        storage_class=storage_class,
        sse=sse,
        kms_key_id=kms_key_id,
        cache_control=cache_control,
        content_disposition=content_disposition,
    )
    config = transfer_config(chunk_bytes, concurrency)
    chunks = document.chunks()
    reader = DocumentReader(chunks, asyncio.get_running_loop())
    try:
        await call(
            client.upload_fileobj,
            reader,
            bucket,
            key,
            ExtraArgs=extra,
            Config=config,
            bucket=bucket,
            key=key,
            action="PutObject",
        )
    except ConnectorError as error:
        # A failure of the document (its size limit) travels through boto3's threads
        # wrapped or as it is: report the document's own error.
        cause = _document_failure(error)
        raise cause if cause is not None else error from None
    finally:
        await chunks.aclose()  # type: ignore[attr-defined]
    answer = await call(
        client.head_object, Bucket=bucket, Key=key, bucket=bucket, key=key, action="HeadObject"
    )
    return {
        "bucket": bucket,
        "key": key,
        "size": reader.size,
        "etag": str(answer.get("ETag", "")).strip('"') or None,
        "versionId": answer.get("VersionId"),
        "contentType": answer.get("ContentType") or content_type,
    }


def _document_failure(error: ConnectorError) -> ConnectorError | None:
    seen = error.__cause__ or error.__context__
    while seen is not None:
        if isinstance(seen, ConnectorError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


# -- head, download, delete ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """What HeadObject tells of an object."""

    bucket: str
    key: str
    size: int
    etag: str | None
    content_type: str | None
    last_modified: str | None
    metadata: dict[str, str]
    version_id: str | None
    storage_class: str | None

    def to_json(self) -> dict[str, Any]:
        """camelCase, as the connector's outputs show it."""
        return {
            "bucket": self.bucket,
            "key": self.key,
            "size": self.size,
            "etag": self.etag,
            "contentType": self.content_type,
            "lastModified": self.last_modified,
            "metadata": self.metadata,
            "versionId": self.version_id,
            "storageClass": self.storage_class,
        }


def _info(bucket: str, key: str, answer: Mapping[str, Any]) -> ObjectInfo:
    modified = answer.get("LastModified")
    return ObjectInfo(
        bucket=bucket,
        key=key,
        size=int(answer.get("ContentLength") or 0),
        etag=str(answer.get("ETag", "")).strip('"') or None,
        content_type=answer.get("ContentType"),
        last_modified=modified.isoformat() if modified is not None else None,
        metadata=dict(answer.get("Metadata") or {}),
        version_id=answer.get("VersionId"),
        storage_class=answer.get("StorageClass") or "STANDARD",
    )


async def head(
    ctx: Context | None,
    settings: ConnectionSettings,
    bucket: str,
    key: str,
    *,
    version_id: str | None = None,
) -> ObjectInfo:
    """HeadObject: the object's size, type, ETag, metadata. ``NOT_FOUND`` when absent."""
    check_bucket(bucket)
    check_key(key)
    client = await aclient_for(settings, ctx, bucket=bucket)
    arguments: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if version_id:
        arguments["VersionId"] = version_id
    answer = await call(
        client.head_object, bucket=bucket, key=key, action="HeadObject", **arguments
    )
    return _info(bucket, key, answer)


def _range_size(range_: str | None, size: int) -> int:
    """How many bytes ``bytes=A-B`` / ``bytes=A-`` / ``bytes=-N`` selects of ``size``."""
    if not range_:
        return size
    spec = range_.removeprefix("bytes=")
    first, _, last = spec.partition("-")
    if not first:
        return min(int(last), size)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    return max(end - start + 1, 0)


def object_document(
    client: S3Client,
    info: ObjectInfo,
    *,
    range_: str | None = None,
    file_name: str | None = None,
    limit: int | None = None,
) -> Document:
    """A document of the object, read when its content is read (by the engine's store):
    each read is a GetObject pinned to ``info.etag`` (so a later change of the object
    fails the read with ``CONFLICT`` instead of mixing versions), streamed from S3's body
    in 1 MiB reads in a worker thread, nothing spooled."""
    arguments: dict[str, Any] = {"Bucket": info.bucket, "Key": info.key}
    if info.etag:
        arguments["IfMatch"] = f'"{info.etag}"'
    if info.version_id:
        arguments["VersionId"] = info.version_id
    if range_:
        arguments["Range"] = range_

    async def opener() -> AsyncIterator[bytes]:
        answer = await call(
            client.get_object, bucket=info.bucket, key=info.key, action="GetObject", **arguments
        )
        body = answer["Body"]
        try:
            while True:
                chunk = await call(
                    body.read, READ_BYTES, bucket=info.bucket, key=info.key, action="GetObject"
                )
                if not chunk:
                    break
                yield chunk
        finally:
            await asyncio.to_thread(body.close)

    name = file_name or info.key.rsplit("/", 1)[-1] or info.key
    metadata = DocumentMetadata(
        file_name=name,
        content_type=info.content_type,
        size=_range_size(range_, info.size),
        custom_properties=dict(info.metadata),
    )
    return Document(opener, metadata, limit=limit, field="key")


async def download(
    ctx: Context | None,
    settings: ConnectionSettings,
    bucket: str,
    key: str,
    *,
    range_: str | None = None,
    version_id: str | None = None,
    file_name: str | None = None,
    limit: int | None = None,
) -> Document:
    """The object as a document read lazily from S3 (see :func:`object_document`): a
    HeadObject now, so a missing key fails the job here (``NOT_FOUND``), and the
    content when the engine's store reads it. ``range_`` is an HTTP range
    (``bytes=0-99``)."""
    info = await head(ctx, settings, bucket, key, version_id=version_id)
    client = await aclient_for(settings, ctx, bucket=bucket)
    return object_document(client, info, range_=range_, file_name=file_name, limit=limit)


async def read_bytes(
    ctx: Context | None,
    settings: ConnectionSettings,
    bucket: str,
    key: str,
    max_bytes: int,
    *,
    range_: str | None = None,
    version_id: str | None = None,
) -> tuple[bytes, dict[str, Any]]:
    """The object's content (or range) whole, for text and JSON: ``OBJECT_TOO_LARGE``
    past ``max_bytes`` (checked from the answer's length before reading). Returns the
    bytes and the GetObject answer without its body."""
    check_bucket(bucket)
    check_key(key)
    client = await aclient_for(settings, ctx, bucket=bucket)
    arguments: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if range_:
        arguments["Range"] = range_
    if version_id:
        arguments["VersionId"] = version_id
    answer = await call(client.get_object, bucket=bucket, key=key, action="GetObject", **arguments)
    body = answer.pop("Body")
    try:
        length = int(answer.get("ContentLength") or 0)
        if length > max_bytes:
            raise ConnectorError(
                f"s3://{bucket}/{key} holds {length} bytes, more than maxBytes ({max_bytes}) "
                "for text or JSON: download it as a document",
                code="OBJECT_TOO_LARGE",
                variables={"bucket": bucket, "key": key, "size": length, "maxBytes": max_bytes},
                retryable=False,
            )
        data = await call(body.read, max_bytes + 1, bucket=bucket, key=key, action="GetObject")
    finally:
        await asyncio.to_thread(body.close)
    return data, answer


async def delete(
    ctx: Context | None,
    settings: ConnectionSettings,
    bucket: str,
    key: str,
    *,
    version_id: str | None = None,
) -> dict[str, Any]:
    """DeleteObject. S3 answers success for a key that does not exist; so does this.
    Returns ``{"bucket", "key", "versionId", "deleteMarker"}``."""
    check_bucket(bucket)
    check_key(key)
    client = await aclient_for(settings, ctx, bucket=bucket)
    arguments: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if version_id:
        arguments["VersionId"] = version_id
    answer = await call(
        client.delete_object, bucket=bucket, key=key, action="DeleteObject", **arguments
    )
    return {
        "bucket": bucket,
        "key": key,
        "versionId": answer.get("VersionId"),
        "deleteMarker": bool(answer.get("DeleteMarker", False)),
    }


async def delete_many(
    ctx: Context | None, settings: ConnectionSettings, bucket: str, keys: list[str]
) -> dict[str, Any]:
    """DeleteObjects in batches of 1000 (S3's most per call). Returns ``{"bucket",
    "deleted": [keys], "errors": [{"key", "error", "message"}]}``."""
    check_bucket(bucket)
    for index, key in enumerate(keys):
        check_key(key, f"keys[{index}]")
    client = await aclient_for(settings, ctx, bucket=bucket)
    deleted: list[str] = []
    errors: list[dict[str, Any]] = []
    for start in range(0, len(keys), 1000):
        batch = keys[start : start + 1000]
        answer = await call(
            client.delete_objects,
            Bucket=bucket,
            Delete={"Objects": [{"Key": key} for key in batch], "Quiet": False},
            bucket=bucket,
            action="DeleteObjects",
        )
        deleted.extend(str(item["Key"]) for item in answer.get("Deleted", []))
        errors.extend(
            {"key": item.get("Key"), "error": item.get("Code"), "message": item.get("Message")}
            for item in answer.get("Errors", [])
        )
    return {"bucket": bucket, "deleted": deleted, "errors": errors}
