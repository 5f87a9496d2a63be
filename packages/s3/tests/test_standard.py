"""The standard suite every tasklink connector package runs, against the moto server."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from tasklink.s3 import connector
from tasklink.testing import SecretCase, StandardConnectorSuite

_CONNECTION: dict[str, Any] = {
    "endpoint": "https://minio.example.com:9000",
    "pathStyle": True,
    "region": "eu-central-1",
    "authentication": {"type": "credentials", "accessKey": "AKIAEXAMPLE", "secretKey": "s3cr3t"},
    "maxAttempts": 2,
    "connectTimeoutInSeconds": 5,
    "readTimeoutInSeconds": 30,
}


class TestStandard(StandardConnectorSuite):
    connector = connector
    package_dir = Path(__file__).resolve().parents[1]
    # Discovery must not load boto3: the operations import it when they first run.
    heavy_modules = ("boto3", "botocore", "s3transfer")

    @pytest.fixture
    def valid_inputs(self) -> dict[str, dict[str, Any]]:
        object_ = {**_CONNECTION, "bucket": "my-bucket", "key": "a/b.txt"}
        copy = {**object_, "sourceBucket": "other-bucket", "sourceKey": "c.txt"}
        return {
            "upload_object": {**object_, "text": "hello", "storageClass": "STANDARD"},
            "download_object": {**object_, "outputFormat": "text", "range": "bytes=0-9"},
            "head_object": object_,
            "delete_objects": {**_CONNECTION, "bucket": "my-bucket", "keys": ["a", "b"]},
            "list_objects": {**_CONNECTION, "bucket": "my-bucket", "prefix": "a/"},
            "copy_object": copy,
            "move_object": copy,
            "presign_url": {**object_, "method": "PUT", "expiresInSeconds": 60},
            "create_bucket": {**_CONNECTION, "bucket": "my-bucket"},
            "delete_bucket": {**_CONNECTION, "bucket": "my-bucket"},
        }

    @pytest.fixture
    def secret_cases(self, moto_server: str, s3_client: Any) -> list[SecretCase]:
        bucket = f"suite-{uuid.uuid4().hex[:16]}"
        s3_client.create_bucket(Bucket=bucket)
        s3_client.put_object(Bucket=bucket, Key="k.txt", Body=b"content")
        auth = {
            "type": "credentials",
            "accessKey": "{{secrets.KEY_ID}}",
            "secretKey": "{{secrets.SECRET_KEY}}",
            "sessionToken": "{{secrets.TOKEN}}",
        }
        secrets = {
            "KEY_ID": "AKIASUITEKEY00000001",
            "SECRET_KEY": "suite-secret-key-000000000000000000001",
            "TOKEN": "suite-session-token-00000000001",
        }
        base = {"endpoint": moto_server, "pathStyle": True, "region": "us-east-1"}
        return [
            SecretCase(
                "download_object",
                {**base, "authentication": auth, "bucket": bucket, "key": "k.txt"},
                secrets,
            ),
            SecretCase(
                "head_object",
                {**base, "authentication": auth, "bucket": bucket, "key": "missing.txt"},
                secrets,
            ),
            SecretCase(
                "upload_object",
                {**base, "authentication": auth, "bucket": bucket, "key": "u.txt", "text": "x"},
                secrets,
            ),
            # A connection failure: nothing of the credentials in the error either.
            SecretCase(
                "list_objects",
                {
                    "endpoint": "http://127.0.0.1:9",
                    "pathStyle": True,
                    "maxAttempts": 1,
                    "authentication": auth,
                    "bucket": bucket,
                },
                secrets,
            ),
        ]

    @pytest.fixture
    def readme_environment(self, moto_server: str) -> dict[str, str]:
        return {"S3_ENDPOINT": moto_server}
