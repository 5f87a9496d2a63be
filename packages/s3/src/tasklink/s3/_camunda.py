"""Running an ``io.camunda:aws-s3:1`` job: Camunda's AWS S3 connector (``connectors/aws/aws-s3``
``S3ConnectorFunction``, ``core/S3Executor``, ``model/**``; ``aws-base``
``CredentialsProviderSupportV2``) on this connector's internal API (:mod:`._client`).

What Camunda does, done here the same way:

* **Connection.** ``awsCredential.authentication`` (a stored credential) wins over
  ``authentication``; ``configuration.region`` over the credential's default region (the
  template's ``regionOverride``, version 8: "Overrides the default region in the selected
  credential"). Authentication ``credentials`` (also when the type is missing:
  ``accessKey``, ``secretKey``) or ``defaultCredentialsChain`` (boto3's chain; refused when
  ``CAMUNDA_CONNECTOR_RUNTIME_SAAS`` is set, as Camunda refuses it in SaaS).
  ``configuration.endpoint`` overrides the endpoint; buckets are then addressed in the path
  (MinIO, Ceph and most S3-compatible stores need it; Camunda's SDK client keeps virtual
  hosts, which such stores rarely serve).
* **uploadObject**: stores ``action.document`` under ``action.key``, else under the
  document's file name, with the document's content type. Result ``{bucket, key, link}``
  where ``key`` is the *input* key and ``link`` ``https://<bucket>.s3.amazonaws.com/<key>``,
  both as Camunda builds them (``null`` when no key was given).
* **downloadObject** with ``documentReturnFormat`` (template versions 5 on): ``DOCUMENT`` a
  document (the object's content type, file name = key), ``TEXT`` the content decoded
  (``encoding``, UTF-8 by default), ``JSON`` parsed; result ``{bucket, key, element}``,
  ``element`` ``{document}`` or ``{content}``. Without it (versions 1 to 4): ``asFile`` true
  a document, else by the object's content type ``text/plain`` text, ``application/json``
  parsed, anything else base64 (Camunda's ``switch`` on the exact content type).
* **deleteObject**: result ``{bucket, key}``.

Failures keep this connector's stable codes and messages (``NOT_FOUND`` naming bucket and
key, ``FORBIDDEN``, ``UNAUTHORIZED``...; S3's own code in ``error.variables.error``), which
Camunda has none of (the AWS SDK's exceptions, all retried): an ``errorExpression`` can test
``error.code = "NOT_FOUND"``. Whether a failure is retried is the connector's call: a missing
key or a refused credential is not. A missing input is an input error naming Camunda's
variable (``action.bucket``).
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from tasklink.core import ConnectorError, Context, ErrorCode, InputError

from . import _client as s3
from ._camunda_models import (
    CamundaDocumentReturnFormat,
    CamundaS3Action,
    CamundaS3Authentication,
    CamundaS3Request,
)
from ._names import check_bucket, check_key

__all__ = ["INLINE_MAX_BYTES", "SAAS_VARIABLE", "run"]

#: Camunda's ``InlineSizeGuard``: content returned in the result (TEXT, JSON, the legacy
#: content) stays below 1.5 MB, as process variables must.
INLINE_MAX_BYTES = 1536 * 1024
#: Set in Camunda's SaaS runtime, where the default credentials chain is refused.
SAAS_VARIABLE = "CAMUNDA_CONNECTOR_RUNTIME_SAAS"


def _missing(name: str) -> InputError:
    return InputError(f"{name}: required", code=ErrorCode.MISSING_INPUT, field=name)


def _required(value: str | None, name: str) -> str:
    if value is None:
        raise _missing(name)
    return value


def _settings(request: CamundaS3Request) -> s3.ConnectionSettings:
    """The connection of the job: the stored credential's authentication over the
    inline one; the configured region over the credential's."""
    credential = request.aws_credential
    auth: CamundaS3Authentication | None = request.authentication
    prefix = "authentication"
    if credential is not None and credential.authentication is not None:
        auth, prefix = credential.authentication, "awsCredential.authentication"
    region = request.configuration.region or (credential.region if credential else None)
    if region is None:
        raise _missing("configuration.region")
    endpoint = request.configuration.endpoint
    common: dict[str, Any] = {
        "region": region,
        "endpoint_url": endpoint,
        "path_style": endpoint is not None,
    }
    if auth is not None and auth.type == "defaultCredentialsChain":
        if os.environ.get(SAAS_VARIABLE):
            raise InputError(
                f"{prefix}.type: the default credentials chain is not supported in SaaS",
                field=f"{prefix}.type",
            )
        return s3.ConnectionSettings(**common)
    # ``credentials``, also when the type (or the whole object) is missing.
    access_key = auth.access_key if auth is not None else None
    secret_key = auth.secret_key if auth is not None else None
    return s3.ConnectionSettings(
        access_key_id=_required(access_key, f"{prefix}.accessKey"),
        secret_access_key=_required(secret_key, f"{prefix}.secretKey"),
        **common,
    )


def _bucket(action: CamundaS3Action) -> str:
    return check_bucket(_required(action.bucket, "action.bucket"), "action.bucket")


def _key(action: CamundaS3Action) -> str:
    return check_key(_required(action.key, "action.key"), "action.key")


# -- the actions ---------------------------------------------------------------------------


async def _upload(
    ctx: Context, settings: s3.ConnectionSettings, action: CamundaS3Action
) -> dict[str, Any]:
    bucket = _bucket(action)
    document = action.document
    if document is None:
        raise _missing("action.document")
    # Camunda stores under the key given, else under the document's file name.
    stored_key = action.key or document.metadata.file_name
    if stored_key is None:
        raise InputError(
            "action.key: required, as the document has no file name",
            code=ErrorCode.MISSING_INPUT,
            field="action.key",
        )
    check_key(stored_key, "action.key")
    await s3.upload(ctx, settings, bucket, stored_key, document)
    # Camunda's UploadResponse: the input key (null when none was given) and a link
    # built from it, whatever the endpoint.
    shown = action.key if action.key is not None else "null"
    return {
        "bucket": bucket,
        "key": action.key,
        "link": f"https://{bucket}.s3.amazonaws.com/{shown}",
    }


def _too_large(bucket: str, key: str) -> ConnectorError:
    # In this contract's words: the connector's own message names its maxBytes input,
    # which Camunda's inputs lack.
    return ConnectorError(
        f"s3://{bucket}/{key} holds more than {INLINE_MAX_BYTES} bytes, too much for a "
        "process variable: set documentReturnFormat to DOCUMENT",
        code="OBJECT_TOO_LARGE",
        variables={"bucket": bucket, "key": key, "maxBytes": INLINE_MAX_BYTES},
        retryable=False,
    )


async def _content(
    ctx: Context, settings: s3.ConnectionSettings, bucket: str, key: str
) -> tuple[bytes, str | None]:
    """The object's content, whole (at most :data:`INLINE_MAX_BYTES`), and its content type."""
    try:
        data, answer = await s3.read_bytes(ctx, settings, bucket, key, INLINE_MAX_BYTES)
    except ConnectorError as exc:
        if exc.code == "OBJECT_TOO_LARGE":
            raise _too_large(bucket, key) from None
        raise
    if len(data) > INLINE_MAX_BYTES:
        raise _too_large(bucket, key)
    content_type = answer.get("ContentType")
    return data, content_type if isinstance(content_type, str) else None


def _not_json(bucket: str, key: str, problem: str) -> ConnectorError:
    return ConnectorError(
        f"the content of s3://{bucket}/{key} is not JSON ({problem}): set "
        "documentReturnFormat to TEXT or DOCUMENT",
        code="INVALID_RESULT_FORMAT",
        variables={"bucket": bucket, "key": key},
        retryable=False,
    )


def _json(data: bytes, bucket: str, key: str) -> Any:
    if not data.strip():
        raise _not_json(bucket, key, "it is empty")
    try:
        return json.loads(data)
    except ValueError as exc:
        raise _not_json(bucket, key, str(exc)) from None


async def _download(
    ctx: Context,
    settings: s3.ConnectionSettings,
    action: CamundaS3Action,
    wanted: CamundaDocumentReturnFormat | None,
) -> dict[str, Any]:
    bucket, key = _bucket(action), _key(action)
    as_document = wanted.choice == "DOCUMENT" if wanted is not None else bool(action.as_file)
    element: dict[str, Any]
    if as_document:
        # Read from S3 when the engine's store takes it in, chunk by chunk.
        document = await s3.download(ctx, settings, bucket, key, file_name=key)
        element = {"document": document}
    else:
        data, content_type = await _content(ctx, settings, bucket, key)
        if wanted is not None and wanted.choice == "TEXT":
            element = {"content": data.decode(wanted.encoding or "UTF-8", errors="replace")}
        elif wanted is not None:
            element = {"content": _json(data, bucket, key)}
        elif content_type == "text/plain":
            element = {"content": data.decode("utf-8", errors="replace")}
        elif content_type == "application/json":
            element = {"content": _json(data, bucket, key)}
        else:
            element = {"content": base64.b64encode(data).decode("ascii")}
    return {"bucket": bucket, "key": key, "element": element}


async def _delete(
    ctx: Context, settings: s3.ConnectionSettings, action: CamundaS3Action
) -> dict[str, Any]:
    bucket, key = _bucket(action), _key(action)
    await s3.delete(ctx, settings, bucket, key)
    return {"bucket": bucket, "key": key}


async def run(request: CamundaS3Request, ctx: Context) -> dict[str, Any]:
    """Camunda's result of the job's ``actionDiscriminator``."""
    settings = _settings(request)
    action = request.action
    if request.action_discriminator == "uploadObject":
        return await _upload(ctx, settings, action)
    if request.action_discriminator == "downloadObject":
        return await _download(ctx, settings, action, request.document_return_format)
    return await _delete(ctx, settings, action)
