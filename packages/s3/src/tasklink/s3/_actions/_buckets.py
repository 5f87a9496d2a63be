"""Bucket operations: create and delete."""

from __future__ import annotations

from typing import Any

from tasklink.core import Context

from .. import _client as s3
from .._inputs import CreateBucket, DeleteBucket
from .._outputs import BucketResult

__all__ = ["create_bucket", "delete_bucket"]


async def create_bucket(input: CreateBucket, ctx: Context) -> BucketResult:
    """CreateBucket in the connection's region (S3 wants the region named, except
    us-east-1). ``CONFLICT`` when it exists, also when it is the caller's own."""
    settings = input.settings()
    client = await s3.aclient_for(settings, ctx, bucket=input.bucket)
    arguments: dict[str, Any] = {"Bucket": input.bucket}
    region = settings.region or client.meta.region_name
    if region and region != "us-east-1":
        arguments["CreateBucketConfiguration"] = {"LocationConstraint": region}
    answer = await s3.call(
        client.create_bucket, bucket=input.bucket, action="CreateBucket", **arguments
    )
    return BucketResult(bucket=input.bucket, location=answer.get("Location"))


async def delete_bucket(input: DeleteBucket, ctx: Context) -> BucketResult:
    """DeleteBucket (it must be empty: ``CONFLICT`` otherwise)."""
    client = await s3.aclient_for(input.settings(), ctx, bucket=input.bucket)
    await s3.call(
        client.delete_bucket, Bucket=input.bucket, bucket=input.bucket, action="DeleteBucket"
    )
    return BucketResult(bucket=input.bucket)
