"""Upload and download a 64 MB object through the S3 connector, beside bare boto3.

The store is moto in server mode, a real S3 API process of its own (its memory is not
counted). Each round moves the same file both ways, once per side, the sides interleaved:

* ``tasklink``: ``upload_object`` with the file as its document (a local document, as
  ``tasklink invoke`` reads ``@path``), multipart in 8 MiB parts, then ``download_object``
  as a document, which the local store writes to a file: the connector's whole job path;
* ``bare boto3``: ``upload_file`` and ``download_file`` with boto3's managed transfers
  (its defaults: 10 threads; the same 8 MiB parts) from and to a file.

``s3_throughput_ratio`` is the median over rounds of tasklink's throughput over bare
boto3's (target >= 0.8); ``s3_peak_rss_mb`` the growth of this process's peak resident set
while tasklink moves the object (target <= 2 x the part size + 32 MB = 48 MB). The
content's SHA-256 is checked after each download.

    python benchmarks/s3_transfer.py [--quick] [--size MB]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

from _transfer import compare, report
from documents import MB

from tasklink.core import (
    DOCUMENT_TYPE,
    Completed,
    Job,
    JobExecutor,
    JobInfo,
    MappingSecretProvider,
)
from tasklink.runtime._local_documents import LocalDocumentStore
from tasklink.s3 import connector

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packages" / "s3" / "tests"))
from moto_server import ACCESS_KEY, SECRET_KEY, start_moto_server  # noqa: E402

PART_MIB = 8
BUCKET = "tasklink-benchmark"


class TasklinkSide:
    """The connector's operations through core's job path, documents in local files."""

    def __init__(self, endpoint: str, folder: Path) -> None:
        self.store = LocalDocumentStore(folder / "downloads", max_bytes=None)
        self.executor = JobExecutor(MappingSecretProvider({"S3_SECRET_KEY": SECRET_KEY}))
        self.connection = {
            "endpoint": endpoint,
            "pathStyle": True,
            "region": "us-east-1",
            "authentication": {
                "type": "credentials",
                "accessKey": ACCESS_KEY,
                "secretKey": "{{secrets.S3_SECRET_KEY}}",
            },
        }

    async def _run(self, operation: str, variables: dict[str, Any]) -> dict[str, Any]:
        job = Job({**self.connection, **variables}, info=JobInfo(retries=1), documents=self.store)
        outcome = await self.executor.execute(connector.get_operation(operation), job)
        if not isinstance(outcome, Completed):
            raise SystemExit(f"{operation} failed: {outcome}")
        return dict(outcome.output)

    async def transfer(self, source: Path, key: str) -> Path:
        await self._run(
            "upload_object",
            {
                "bucket": BUCKET,
                "key": key,
                "document": {DOCUMENT_TYPE: "local", "path": str(source)},
                "chunkSizeInMiB": PART_MIB,
            },
        )
        await self._run(
            "download_object", {"bucket": BUCKET, "key": key, "outputFormat": "document"}
        )
        return self.store.written[-1]

    async def aclose(self) -> None:
        await connector.aclose()


class BareSide:
    """The same transfer with boto3's managed transfers, as a script would write it."""

    def __init__(self, endpoint: str, folder: Path) -> None:
        import boto3
        from boto3.s3.transfer import TransferConfig
        from botocore.config import Config

        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(s3={"addressing_style": "path"}),
        )
        # boto3's defaults (10 threads), with the connector's part size.
        self.config = TransferConfig(
            multipart_threshold=PART_MIB * 1024 * 1024,
            multipart_chunksize=PART_MIB * 1024 * 1024,
        )
        self.folder = folder

    def _transfer(self, source: Path, key: str) -> Path:
        self.client.upload_file(str(source), BUCKET, key, Config=self.config)
        target = self.folder / f"bare-{key}"
        self.client.download_file(BUCKET, key, str(target), Config=self.config)
        return target

    async def transfer(self, source: Path, key: str) -> Path:
        return await asyncio.to_thread(self._transfer, source, key)

    def create_bucket(self) -> None:
        self.client.create_bucket(Bucket=BUCKET)


async def main_async(size: int, rounds: int) -> None:
    server = start_moto_server()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            bare = BareSide(server.url, folder)
            bare.create_bucket()
            tasklink = TasklinkSide(server.url, folder)
            try:
                result = await compare(tasklink.transfer, bare.transfer, folder, size, rounds)
            finally:
                await tasklink.aclose()
    finally:
        server.stop()
    report(
        result,
        what=f"a {size / MB:.0f} MB object up and down through moto (server mode)",
        size=size,
        bare_label="bare boto3",
        ratio_metric="s3_throughput_ratio",
        rss_metric="s3_peak_rss_mb",
        rss_target=2 * PART_MIB * 1024 * 1024 / MB + 32,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 rounds instead of 9")
    parser.add_argument("--size", type=int, default=64, help="object size in MB (64)")
    options = parser.parse_args()
    asyncio.run(main_async(options.size * MB, 5 if options.quick else 9))


if __name__ == "__main__":
    main()
