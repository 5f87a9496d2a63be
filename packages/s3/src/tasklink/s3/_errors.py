"""S3's error codes, mapped onto the connector's stable codes.

S3 answers a failure with an HTTP status and an XML ``<Error><Code>`` (the list:
https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList);
botocore raises it as ``ClientError``. A process branches on codes, so S3's codes map onto
the few in :data:`S3_ERRORS` (``NoSuchKey`` and ``NoSuchBucket`` are both ``NOT_FOUND``,
naming the bucket and key); S3's own code is always in ``variables["error"]``.

Retries: throttling (``SlowDown``, ``Throttling``, ``RequestLimitExceeded``...) and 5xx are
retried with backoff, first by botocore inside the call (its "standard" retry mode, up to
``maxAttempts``), then by the engine while the job has retries left. Everything the same
request would meet again (a missing key, a refused credential) is an incident at once.

The declaration imports this module, so it needs nothing but the core at import time:
botocore's exception classes are recognised by name, not imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from tasklink.core import ConnectorError, status_code_name

__all__ = ["S3_ERRORS", "S3_ERROR_CODES", "error_code", "s3_error"]

#: S3's error code -> the connector's code.
S3_ERROR_CODES: Mapping[str, str] = {
    "NoSuchKey": "NOT_FOUND",
    "NoSuchBucket": "NOT_FOUND",
    "NoSuchVersion": "NOT_FOUND",
    "NoSuchUpload": "NOT_FOUND",
    "NotFound": "NOT_FOUND",  # HEAD answers have no body: botocore names the status
    "404": "NOT_FOUND",
    "AccessDenied": "FORBIDDEN",
    "AllAccessDisabled": "FORBIDDEN",
    "AccountProblem": "FORBIDDEN",
    "403": "FORBIDDEN",
    "Forbidden": "FORBIDDEN",
    "InvalidAccessKeyId": "UNAUTHORIZED",
    "SignatureDoesNotMatch": "UNAUTHORIZED",
    "ExpiredToken": "UNAUTHORIZED",
    "InvalidToken": "UNAUTHORIZED",
    "TokenRefreshRequired": "UNAUTHORIZED",
    "InvalidClientTokenId": "UNAUTHORIZED",  # STS
    "PreconditionFailed": "CONFLICT",
    "412": "CONFLICT",
    "BucketAlreadyExists": "CONFLICT",
    "BucketAlreadyOwnedByYou": "CONFLICT",
    "BucketNotEmpty": "CONFLICT",
    "OperationAborted": "CONFLICT",
    "ConditionalRequestConflict": "CONFLICT",
    "InvalidObjectState": "INVALID_OBJECT_STATE",
    "ObjectNotInActiveTierError": "INVALID_OBJECT_STATE",
    "EntityTooLarge": "ENTITY_TOO_LARGE",
    "EntityTooSmall": "ENTITY_TOO_LARGE",
    "MaxMessageLengthExceeded": "ENTITY_TOO_LARGE",
    "InvalidRange": "INVALID_RANGE",
    "416": "INVALID_RANGE",
    "SlowDown": "TOO_MANY_REQUESTS",
    "Throttling": "TOO_MANY_REQUESTS",
    "ThrottlingException": "TOO_MANY_REQUESTS",
    "RequestLimitExceeded": "TOO_MANY_REQUESTS",
    "TooManyRequestsException": "TOO_MANY_REQUESTS",
    "RequestThrottled": "TOO_MANY_REQUESTS",
    "503": "SERVICE_UNAVAILABLE",
    "ServiceUnavailable": "SERVICE_UNAVAILABLE",
    "InternalError": "INTERNAL_SERVER_ERROR",
    "500": "INTERNAL_SERVER_ERROR",
    "RequestTimeout": "TIMEOUT",
    "PermanentRedirect": "WRONG_REGION",
    "AuthorizationHeaderMalformed": "WRONG_REGION",
    "IllegalLocationConstraintException": "WRONG_REGION",
    "301": "WRONG_REGION",
    "InvalidBucketName": "BAD_REQUEST",
    "KeyTooLongError": "BAD_REQUEST",
    "InvalidArgument": "BAD_REQUEST",
    "InvalidRequest": "BAD_REQUEST",
    "InvalidStorageClass": "BAD_REQUEST",
    "InvalidTag": "BAD_REQUEST",
    "MalformedXML": "BAD_REQUEST",
    "InvalidDigest": "BAD_REQUEST",
    "BadDigest": "BAD_REQUEST",
    "MetadataTooLarge": "BAD_REQUEST",
    "KMS.NotFoundException": "BAD_REQUEST",
    "KMS.DisabledException": "BAD_REQUEST",
    "400": "BAD_REQUEST",
}

#: botocore's own exceptions (no answer from S3), by class name -> code.
_BOTOCORE_CODES: Mapping[str, str] = {
    "EndpointConnectionError": "CONNECTION_FAILED",
    "ConnectionClosedError": "CONNECTION_FAILED",
    "ProxyConnectionError": "CONNECTION_FAILED",
    "ConnectTimeoutError": "TIMEOUT",
    "ReadTimeoutError": "TIMEOUT",
    "SSLError": "TLS_FAILED",
    "NoCredentialsError": "AUTHENTICATION_FAILED",
    "PartialCredentialsError": "AUTHENTICATION_FAILED",
    "CredentialRetrievalError": "AUTHENTICATION_FAILED",
    "ResponseStreamingError": "CONNECTION_FAILED",
    "IncompleteReadError": "CONNECTION_FAILED",
}

_RETRIED = frozenset(
    {
        "TOO_MANY_REQUESTS",
        "SERVICE_UNAVAILABLE",
        "INTERNAL_SERVER_ERROR",
        "TIMEOUT",
        "CONNECTION_FAILED",
    }
)

#: Every code the connector's operations raise (``Connector(errors=...)``).
S3_ERRORS: Mapping[str, str] = {
    "NOT_FOUND": "No such bucket, key or version (NoSuchBucket, NoSuchKey...): the message "
    "names the bucket and key",
    "FORBIDDEN": "S3 refused the request (AccessDenied): the credentials lack a permission",
    "UNAUTHORIZED": "S3 refused the credentials (InvalidAccessKeyId, SignatureDoesNotMatch, "
    "ExpiredToken)",
    "AUTHENTICATION_FAILED": "No credentials were found, or assuming the role failed",
    "CONFLICT": "A condition failed (PreconditionFailed), the bucket exists already or is "
    "not empty",
    "INVALID_OBJECT_STATE": "The object is archived (Glacier, Deep Archive): restore it first",
    "ENTITY_TOO_LARGE": "The object or a part is too large or too small for S3",
    "INVALID_RANGE": "The range is outside the object",
    "TOO_MANY_REQUESTS": "S3 throttled the requests (SlowDown, Throttling); retried with backoff",
    "SERVICE_UNAVAILABLE": "S3 is unavailable (HTTP 503); retried",
    "INTERNAL_SERVER_ERROR": "S3 failed internally (HTTP 500); retried",
    "BAD_GATEWAY": "A gateway before S3 failed (HTTP 502); retried",
    "GATEWAY_TIMEOUT": "A gateway before S3 timed out (HTTP 504); retried",
    "TIMEOUT": "No connection or answer within the timeouts; retried",
    "CONNECTION_FAILED": "The endpoint could not be reached; retried",
    "TLS_FAILED": "The TLS connection failed (certificate not trusted, wrong host name)",
    "BLOCKED_ADDRESS": "The endpoint's address is refused by the operator's outbound policy",
    "WRONG_REGION": "The bucket is in another region than the one configured",
    "BAD_REQUEST": "S3 refused the arguments (InvalidArgument, InvalidStorageClass, KMS...)",
    "INVALID_RESULT_FORMAT": "The object is not text or JSON as the output format asks",
    "OBJECT_TOO_LARGE": "The object is larger than maxBytes for a text or JSON download",
    "S3_ERROR": "Another error S3 reported: its code is in variables.error",
    "MISSING_INPUT": "A required input is missing",
    "INVALID_INPUT": "An input is invalid (a bucket name or key S3 would refuse...)",
    "DOCUMENT_TOO_LARGE": "The document passed the size a job may read",
}


def error_code(s3_code: str, status: int | None = None) -> str:
    """The connector's code for S3's error code (else by HTTP status, else ``S3_ERROR``)."""
    if s3_code in S3_ERROR_CODES:
        return S3_ERROR_CODES[s3_code]
    if s3_code.startswith("KMS."):
        return "BAD_REQUEST"
    if status is not None and status >= 500:
        return status_code_name(status)
    return "S3_ERROR"


def _subject(bucket: str | None, key: str | None) -> str:
    if bucket and key:
        return f"s3://{bucket}/{key}"
    if bucket:
        return f"bucket {bucket}"
    return "S3"


def s3_error(
    exc: BaseException,
    bucket: str | None = None,
    key: str | None = None,
    *,
    action: str | None = None,
) -> ConnectorError:
    """The connector error for a failure of boto3 on ``bucket`` / ``key``.

    ``action`` names the S3 call for the message (``GetObject``; botocore's own name when
    left out). Variables: ``error`` (S3's code), ``status``, ``bucket``, ``key``,
    ``requestId`` where known. Never credentials: S3's messages name no secret, and
    the message of a botocore exception is its class's template over the endpoint.
    """
    if isinstance(exc, ConnectorError):
        return exc
    subject = _subject(bucket, key)
    variables: dict[str, Any] = {}
    if bucket is not None:
        variables["bucket"] = bucket
    if key is not None:
        variables["key"] = key
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping) and "Error" in response:
        error = response.get("Error") or {}
        meta = response.get("ResponseMetadata") or {}
        s3 = str(error.get("Code") or "Unknown")
        status = meta.get("HTTPStatusCode")
        status = status if isinstance(status, int) else None
        call = action or str(getattr(exc, "operation_name", "") or "request")
        code = error_code(s3, status)
        detail = str(error.get("Message") or "").strip()
        variables["error"] = s3
        if status is not None:
            variables["status"] = status
        if meta.get("RequestId"):
            variables["requestId"] = str(meta["RequestId"])
        if code == "WRONG_REGION" and error.get("Region"):
            variables["region"] = str(error["Region"])
        message = f"S3 {call} on {subject} failed: {s3}" + (f" ({detail})" if detail else "")
        backoff = timedelta(seconds=5) if code == "TOO_MANY_REQUESTS" else None
        server_side = status is not None and status >= 500 and status not in (501, 505)
        return ConnectorError(
            message,
            code=code,
            variables=variables,
            retryable=code in _RETRIED or server_side,
            backoff=backoff,
        )
    name = type(exc).__name__
    code = _BOTOCORE_CODES.get(name, "S3_ERROR")
    variables["error"] = name
    call = f" {action}" if action else ""
    return ConnectorError(
        f"S3{call} on {subject} failed: {exc}",
        code=code,
        variables=variables,
        retryable=code in _RETRIED,
    )
