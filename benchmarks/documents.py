"""Peak memory of moving a 20 MB file between tasks as a document, beside the bare libraries.

The file is an e-mail attachment in a private Dovecot. Two Camunda jobs move it:
``imap_read`` (tasklink-email) stores the attachment as a Camunda document in the fake
Orchestration Cluster gateway (the contract tests' one, in its own process), and the REST
connector uploads that document as a multipart part to a local server, which hashes what
arrives. Both run in this process through the Camunda worker, the runtime pipeline and
``CamundaDocumentStore``, as ``tasklink run`` runs them.

* ``tasklink``: the two jobs above; every byte is streamed (IMAP partial fetches into a
  temporary file, decoded chunk by chunk, uploaded and downloaded in chunks);
* ``bare libraries``: the same transfer written plainly with the standard library and
  httpx: ``imaplib`` fetches the message, ``email`` parses it, ``httpx`` posts the
  attachment as a multipart file (no Camunda in between: only less work than tasklink).

Memory is the growth of the process's peak resident set (``VmHWM``, reset before each side
through ``/proc/self/clear_refs``) over its resident set before the transfer, after a
warm-up transfer of a small file. The headline is ``documents_peak_rss_mb`` (target <= 64
for 20 MB); the content's SHA-256 is checked on arrival.

    python benchmarks/documents.py [--quick] [--size MB] [--validate]
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import imaplib
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import trustme
from camunda_overhead import GatewayProcess

from tasklink.email import connector as email_connector
from tasklink.http import connector as http_connector
from tasklink.runtime import Pipeline, RuntimeSettings
from tasklink.runtime.camunda import (
    CamundaDocumentStore,
    CamundaWorker,
    RestGateway,
    WorkerOptions,
)
from tasklink.testing import httpbin
from tasklink.testing.dovecot import Dovecot, DovecotUnavailableError, start_dovecot, write_message

MB = 1_000_000


def _status_kib(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {name} in /proc/self/status")


class PeakMemory:
    """Growth of the peak resident set over the resident set at the start, in MB: the
    kernel's VmHWM, reset at the start; where the reset is not allowed, the largest
    VmRSS seen by a thread sampling every millisecond."""

    def __enter__(self) -> PeakMemory:
        self._sampler: threading.Thread | None = None
        try:
            Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        except OSError:
            self._peak = 0
            self._done = threading.Event()
            self._sampler = threading.Thread(target=self._sample, daemon=True)
            self._sampler.start()
        self.start = _status_kib("VmRSS")
        return self

    def _sample(self) -> None:
        while not self._done.wait(0.001):
            self._peak = max(self._peak, _status_kib("VmRSS"))

    def __exit__(self, *exc: object) -> None:
        if self._sampler is None:
            peak = _status_kib("VmHWM")
        else:
            self._done.set()
            self._sampler.join()
            peak = self._peak
        self.growth_mb = (peak - self.start) * 1024 / MB


# -- the mailbox ----------------------------------------------------------------------------


class Mailboxes:
    """A private Dovecot whose users each hold one message with one attachment."""

    def __init__(self, folder: Path) -> None:
        ca = trustme.CA()
        issued = ca.issue_cert("127.0.0.1")
        cert, key = folder / "cert.pem", folder / "key.pem"
        issued.cert_chain_pems[0].write_to_path(str(cert))
        issued.private_key_pem.write_to_path(str(key))
        self.dovecot: Dovecot = start_dovecot(cert, key, users=8)
        self.folder = folder
        self.used = 0

    def with_attachment(self, size: int) -> tuple[dict[str, Any], str]:
        """A user with a message carrying ``size`` bytes: its IMAP connection and the
        attachment's SHA-256."""
        self.used += 1
        user = f"user{self.used}"
        with (self.folder / f"{user}.eml").open("w+b") as message:
            digest = write_message(message, size=size, to=f"{user}@example.test")
            self.dovecot.deliver(user, message)
        connection = {
            "host": "127.0.0.1",
            "port": self.dovecot.imap_port,
            "security": "none",
            "username": user,
            "password": self.dovecot.users[user],
        }
        return connection, digest


# -- tasklink ---------------------------------------------------------------------------------


class TasklinkSide:
    """The Camunda worker serving both connectors, with Camunda's document store."""

    def __init__(self, gateway: GatewayProcess) -> None:
        self.gateway = gateway
        self.pipeline = Pipeline(
            [email_connector, http_connector], RuntimeSettings(concurrency=2, grace_period=5)
        )
        self.rest = RestGateway(gateway.url)
        self.worker = CamundaWorker(
            self.pipeline,
            self.rest,
            WorkerOptions(request_timeout_ms=1_000),
            documents=CamundaDocumentStore(self.rest.client),
        )
        self.control = httpx.AsyncClient(base_url=gateway.url, timeout=120)

    async def __aenter__(self) -> TasklinkSide:
        self.serving = asyncio.ensure_future(self.worker.serve())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.worker.stop()
        await self.serving
        await self.pipeline.drain()
        await self.rest.aclose()
        await self.pipeline.aclose()
        await self.control.aclose()

    async def job(self, job_type: str, variables: dict[str, Any]) -> dict[str, Any]:
        """Run one job through the worker; its result variable."""
        created = await self.control.post(
            "/_control/jobs",
            json={
                "type": job_type,
                "count": 1,
                "variables": variables,
                "headers": {"resultVariable": "result"},
            },
        )
        [key] = created.raise_for_status().json()["keys"]
        (await self.control.get("/_control/wait", params={"type": job_type})).raise_for_status()
        [outcome] = (await self.control.get("/_control/outcomes", params={"key": key})).json()
        if outcome["kind"] != "complete":
            raise SystemExit(f"the {job_type} job did not complete: {outcome}")
        return dict(outcome["body"]["variables"]["result"])

    async def move(self, connection: dict[str, Any], upload_url: str) -> str:
        """Attachment -> Camunda document -> multipart upload; the SHA-256 that arrived."""
        read = await self.job(
            email_connector.job_type,
            {
                "operation": "imap_read",
                "connection": connection,
                "uid": 1,
                "includeAttachmentContent": True,
            },
        )
        [attachment] = read["attachments"]
        reference = attachment["document"]
        if reference.get("camunda.document.type") != "camunda":
            raise SystemExit(f"the attachment is no Camunda document: {reference}")
        upload = await self.job(
            http_connector.job_type,
            {
                "url": upload_url,
                "method": "POST",
                "bodyType": "multipart",
                "body": {"file": reference},
            },
        )
        [part] = upload["body"]["parts"]
        return str(part["sha256"])


# -- the bare libraries --------------------------------------------------------------------


def bare_move(connection: dict[str, Any], upload_url: str) -> str:
    """The same transfer with imaplib, email and httpx, as plainly as they allow."""
    imap = imaplib.IMAP4(connection["host"], connection["port"])
    try:
        imap.login(connection["username"], connection["password"])
        imap.select("INBOX", readonly=True)
        _, data = imap.uid("FETCH", "1", "(BODY.PEEK[])")
        first = data[0]
        raw = first[1] if isinstance(first, tuple) else b""
    finally:
        imap.logout()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    [attachment] = list(message.iter_attachments())  # type: ignore[attr-defined]
    content = attachment.get_content()
    files = {"file": (attachment.get_filename(), content, attachment.get_content_type())}
    response = httpx.post(upload_url, files=files, timeout=120)
    [part] = response.raise_for_status().json()["parts"]
    return str(part["sha256"])


# -- main -------------------------------------------------------------------------------------


@dataclass
class Measured:
    """One side's transfer of the large file."""

    growth_mb: float
    seconds: float


async def measure(side: str, move: Callable[[], Awaitable[str]], digest: str) -> Measured:
    """Run ``move`` (after its warm-up) and check what arrived."""
    started = time.perf_counter()
    with PeakMemory() as memory:
        arrived = await move()
    seconds = time.perf_counter() - started
    if arrived != digest:
        raise SystemExit(f"{side}: the uploaded content differs from the attachment")
    return Measured(memory.growth_mb, seconds)


async def both_sides(
    mailboxes: Mailboxes, gateway: GatewayProcess, upload_url: str, size: int
) -> dict[str, Measured]:
    """The tasklink side, then the bare one, each after a warm-up with a small file."""
    small, _ = mailboxes.with_attachment(200_000)
    large, digest = mailboxes.with_attachment(size)
    bare_small, _ = mailboxes.with_attachment(200_000)
    bare_large, _ = mailboxes.with_attachment(size)
    async with TasklinkSide(gateway) as tasklink:
        await tasklink.move(small, upload_url)  # imports, pools, the first connections
        ours = await measure("tasklink", lambda: tasklink.move(large, upload_url), digest)
    await asyncio.to_thread(bare_move, bare_small, upload_url)
    bare = await measure(
        "bare", lambda: asyncio.to_thread(bare_move, bare_large, upload_url), digest
    )
    return {"bare libraries": bare, "tasklink": ours}


async def bench(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="tasklink-documents-bench-") as temp:
        try:
            mailboxes = Mailboxes(Path(temp))
        except DovecotUnavailableError as exc:
            if exc.skippable:
                print(f"documents benchmark skipped: {exc}")
                return 0
            raise
        upload: httpbin.TestServer | None = None
        gateway: GatewayProcess | None = None
        try:
            upload = httpbin.start()
            gateway = GatewayProcess(args.validate)
            sides = await both_sides(
                mailboxes, gateway, f"{upload.url}/upload", int(args.size * MB)
            )
            if args.validate:
                async with httpx.AsyncClient() as control:
                    answer = await control.get(f"{gateway.url}/_control/violations")
                if answer.json()["violations"]:
                    raise SystemExit(f"contract violations: {answer.json()['violations']}")
        finally:
            if gateway is not None:
                gateway.close()
            if upload is not None:
                upload.shutdown()
                upload.server_close()
            mailboxes.dovecot.stop()
    print(f"a {args.size:g} MB attachment: e-mail -> Camunda document -> multipart upload")
    print(f"{'side':<16}{'peak RSS growth':>18}{'seconds':>10}")
    for name, side in sides.items():
        print(f"{name:<16}{side.growth_mb:>15.1f} MB{side.seconds:>10.2f}")
    ours, bare = sides["tasklink"].growth_mb, sides["bare libraries"].growth_mb
    print(f"METRIC documents_peak_rss_mb={ours:.1f}")
    print(f"METRIC documents_bare_peak_rss_mb={bare:.1f}")
    print(f"METRIC documents_rss_ratio={ours / bare if bare else 0:.3f}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # The run is quick already: --quick (which every benchmark takes) changes nothing.
    parser.add_argument("--quick", action="store_true", help="the CI run (the same 20 MB)")
    parser.add_argument("--size", type=float, default=20.0, help="attachment size in MB")
    parser.add_argument("--validate", action="store_true", help="check the gateway contract")
    return asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
