"""Bucket names and object keys, checked before any call.

Rules are AWS's general purpose bucket naming rules
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html), which
MinIO and Ceph enforce too: 3 to 63 characters, lowercase letters, digits, dots and
hyphens, starting and ending with a letter or digit, no two dots in a row, not an IP
address, not starting with ``xn--`` / ``sthree-`` nor ending with ``-s3alias`` /
``--ol-s3``. A key is 1 to 1024 bytes of UTF-8
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html); control
characters are refused too, since S3's XML listings cannot carry them back.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from tasklink.core import InputError

__all__ = [
    "BucketName",
    "ObjectKey",
    "bucket_problem",
    "check_bucket",
    "check_key",
    "key_problem",
]

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IP = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
KEY_MAX_BYTES = 1024


def bucket_problem(name: str) -> str | None:
    """Why S3 would refuse ``name`` as a bucket name, or ``None``."""
    if not _BUCKET.match(name):
        return (
            "must be 3 to 63 characters of lowercase letters, digits, dots and hyphens, "
            "starting and ending with a letter or digit"
        )
    if ".." in name or _IP.match(name):
        return "must not hold two dots in a row or look like an IP address"
    if name.startswith(("xn--", "sthree-")) or name.endswith(("-s3alias", "--ol-s3")):
        return "must not start with xn-- or sthree- nor end with -s3alias or --ol-s3"
    return None


def key_problem(key: str) -> str | None:
    """Why S3 would refuse ``key`` as an object key, or ``None``."""
    if not key:
        return "must not be empty"
    if len(key.encode("utf-8", "surrogatepass")) > KEY_MAX_BYTES:
        return f"must be at most {KEY_MAX_BYTES} bytes of UTF-8"
    if _CONTROL.search(key):
        return "must not hold control characters"
    return None


def check_bucket(name: str, field: str = "bucket") -> str:
    """``name``, or an :class:`InputError` naming ``field`` (for callers outside models)."""
    problem = bucket_problem(name)
    if problem:
        raise InputError(f"invalid input: {field}: {problem}", field=field)
    return name


def check_key(key: str, field: str = "key") -> str:
    """``key``, or an :class:`InputError` naming ``field``."""
    problem = key_problem(key)
    if problem:
        raise InputError(f"invalid input: {field}: {problem}", field=field)
    return key


def _bucket(value: str) -> str:
    problem = bucket_problem(value)
    if problem:
        raise PydanticCustomError("bucket_name", problem)
    return value


def _key(value: str) -> str:
    problem = key_problem(value)
    if problem:
        raise PydanticCustomError("object_key", problem)
    return value


#: A bucket name S3 accepts (checked by the model).
BucketName = Annotated[str, AfterValidator(_bucket)]
#: An object key S3 accepts (checked by the model).
ObjectKey = Annotated[str, AfterValidator(_key)]
