"""Upload and download a 50 MB file through the Alfresco connector, beside bare httpx.

The repository is the package's fake Alfresco Content Services (in its own process, so
its memory is not counted), which stores content in temporary files. Each round moves the
same file both ways, once per side, the sides interleaved:

* ``tasklink``: ``CREATE_FILE`` with the file as its source document (a local document,
  as ``tasklink invoke`` reads ``@path``), then ``DOWNLOAD_CONTENT`` as a document, which
  the local store writes to a file: the connector's whole job path (validation, ticket
  login, the shared client's streaming, the document store);
* ``bare httpx``: the same two requests written plainly: a streamed multipart ``POST
  .../children`` with ``filedata`` and a streamed ``GET .../content`` into a file.

``alfresco_transfer_ratio`` is the median over rounds of tasklink's throughput over bare
httpx's (target >= 0.8); ``alfresco_peak_rss_mb`` the growth of this process's peak
resident set while tasklink moves the file (target <= 64). The content's SHA-256 is
checked after each download.

    python benchmarks/alfresco_transfer.py [--quick] [--size MB]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from _transfer import compare, report
from documents import MB

from tasklink.alfresco import connector
from tasklink.core import DOCUMENT_TYPE, Completed, Job, JobExecutor, JobInfo, MappingSecretProvider
from tasklink.runtime._local_documents import LocalDocumentStore

ROOT = Path(__file__).resolve().parents[1]
FAKE_DIR = ROOT / "packages" / "alfresco" / "tests"
CORE = "/api/-default-/public/alfresco/versions/1"
USER, PASSWORD = "admin", "admin"


@contextmanager
def fake_repository() -> Iterator[str]:
    """The fake repository in a process of its own; its base URL."""
    process = subprocess.Popen(
        # (-W: runpy warns that the support package imported the module it runs.)
        [sys.executable, "-W", "ignore::RuntimeWarning", "-m", "support.fake_acs", "--port", "0"],
        cwd=FAKE_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().split()
        if line[:1] != ["ready"]:
            raise SystemExit(f"the fake repository did not start: {line}")
        yield line[1]
    finally:
        process.terminate()
        process.wait(10)


class TasklinkSide:
    """The connector's operations through core's job path, documents in local files."""

    def __init__(self, base_url: str, folder: Path) -> None:
        self.store = LocalDocumentStore(folder / "downloads", max_bytes=None)
        self.executor = JobExecutor(MappingSecretProvider({"ACS_PASSWORD": PASSWORD}))
        self.connection = {
            "baseUrl": base_url,
            "authentication": {
                "type": "ticket",
                "username": USER,
                "password": "{{secrets.ACS_PASSWORD}}",
            },
        }

    async def _run(self, action: str, variables: dict[str, Any]) -> dict[str, Any]:
        job = Job(
            {"connection": self.connection, **variables},
            info=JobInfo(retries=1),
            documents=self.store,
        )
        outcome = await self.executor.execute(connector.get_operation(action), job)
        if not isinstance(outcome, Completed):
            raise SystemExit(f"{action} failed: {outcome}")
        return dict(outcome.output)

    async def transfer(self, source: Path, name: str) -> Path:
        created = await self._run(
            "CREATE_FILE",
            {
                "fileName": name,
                "targetFolderPath": "/Shared",
                "sourceDocument": {DOCUMENT_TYPE: "local", "path": str(source)},
            },
        )
        [node] = created["file"]
        await self._run("DOWNLOAD_CONTENT", {"nodeId": node["id"], "outputFormat": "document"})
        return self.store.written[-1]

    async def aclose(self) -> None:
        await connector.aclose()


class BareSide:
    """The same two requests with httpx, streamed."""

    def __init__(self, base_url: str, folder: Path) -> None:
        self.client = httpx.AsyncClient(
            base_url=base_url + CORE, auth=(USER, PASSWORD), timeout=120
        )
        self.folder = folder

    async def transfer(self, source: Path, name: str) -> Path:
        with source.open("rb") as handle:
            created = await self.client.post(
                "/nodes/-shared-/children",
                files={"filedata": (name, handle, "application/octet-stream")},
            )
        node_id = created.raise_for_status().json()["entry"]["id"]
        target = self.folder / f"bare-{name}"
        async with self.client.stream("GET", f"/nodes/{node_id}/content") as response:
            response.raise_for_status()
            with target.open("wb") as out:
                async for piece in response.aiter_bytes(256 * 1024):
                    out.write(piece)
        return target

    async def aclose(self) -> None:
        await self.client.aclose()


async def main_async(size: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, fake_repository() as base_url:
        folder = Path(tmp)
        tasklink, bare = TasklinkSide(base_url, folder), BareSide(base_url, folder)
        try:
            result = await compare(tasklink.transfer, bare.transfer, folder, size, rounds)
        finally:
            await tasklink.aclose()
            await bare.aclose()
    report(
        result,
        what=f"a {size / MB:.0f} MB file up and down through the fake repository",
        size=size,
        bare_label="bare httpx",
        ratio_metric="alfresco_transfer_ratio",
        rss_metric="alfresco_peak_rss_mb",
        rss_target=64,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 rounds instead of 9")
    parser.add_argument("--size", type=int, default=50, help="file size in MB (50)")
    options = parser.parse_args()
    asyncio.run(main_async(options.size * MB, 5 if options.quick else 9))


if __name__ == "__main__":
    main()
