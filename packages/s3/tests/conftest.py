"""Fixtures of the connector's tests: a moto server process (a real S3 API over HTTP on
a loopback port) for the session, and a fresh bucket per test."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from moto_server import ACCESS_KEY, SECRET_KEY, start_moto_server


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """The URL of a moto server started for the session (stopped at its end)."""
    server = start_moto_server()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def connection(moto_server: str) -> dict[str, Any]:
    """Connection variables reaching the moto server with an access key pair."""
    return {
        "endpoint": moto_server,
        "pathStyle": True,
        "region": "us-east-1",
        "authentication": {
            "type": "credentials",
            "accessKey": ACCESS_KEY,
            "secretKey": SECRET_KEY,
        },
    }


@pytest.fixture
def s3_client(moto_server: str) -> Any:
    """A bare boto3 client on the moto server, to arrange and check state."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=moto_server,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(s3={"addressing_style": "path"}),
    )


@pytest.fixture
def bucket(s3_client: Any) -> str:
    """A new bucket with a unique name for this test."""
    name = f"test-{uuid.uuid4().hex[:20]}"
    s3_client.create_bucket(Bucket=name)
    return name
