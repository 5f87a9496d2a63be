"""What the transfer benchmarks share: a file of random content moved up and down by two
sides in interleaved rounds, checked on arrival, and the report of the comparison."""

from __future__ import annotations

import hashlib
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from documents import MB, PeakMemory

__all__ = ["Rounds", "Transfer", "compare", "report"]

#: Moves a file up and down; the downloaded copy.
Transfer = Callable[[Path, str], Awaitable[Path]]


def write_file(path: Path, size: int) -> str:
    """``size`` random bytes in ``path``; their SHA-256."""
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        left = size
        while left:
            piece = os.urandom(min(left, MB))
            digest.update(piece)
            handle.write(piece)
            left -= len(piece)
    return digest.hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while piece := handle.read(MB):
            digest.update(piece)
    return digest.hexdigest()


async def timed(transfer: Transfer, source: Path, name: str, digest: str) -> float:
    """Seconds ``transfer`` takes; the copy must hash as the source (then it is removed)."""
    started = time.perf_counter()
    received = await transfer(source, name)
    elapsed = time.perf_counter() - started
    if sha256_of(received) != digest:
        raise SystemExit(f"{name}: the downloaded content differs from the upload")
    received.unlink()
    return elapsed


@dataclass
class Rounds:
    """Seconds per side and round, tasklink's throughput over bare's per round, and the
    largest peak RSS growth while tasklink moved the file."""

    tasklink: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    peak_mb: float = 0.0


async def compare(
    tasklink: Transfer, bare: Transfer, folder: Path, size: int, rounds: int
) -> Rounds:
    """A warm-up with a small file each (imports, clients, pooled connections), then
    ``rounds`` interleaved rounds moving a ``size`` byte file, tasklink first."""
    source, warm = folder / "payload.bin", folder / "warm.bin"
    digest, warm_digest = write_file(source, size), write_file(warm, 64 * 1024)
    await timed(tasklink, warm, "warm-t", warm_digest)
    await timed(bare, warm, "warm-b", warm_digest)
    result = Rounds()
    for n in range(rounds):
        with PeakMemory() as memory:
            ours = await timed(tasklink, source, f"t{n}", digest)
        result.peak_mb = max(result.peak_mb, memory.growth_mb)
        theirs = await timed(bare, source, f"b{n}", digest)
        result.tasklink.append(ours)
        result.bare.append(theirs)
        result.ratios.append(theirs / ours)  # throughput: the same bytes in less time
    return result


def report(
    result: Rounds,
    *,
    what: str,
    size: int,
    bare_label: str,
    ratio_metric: str,
    rss_metric: str,
    rss_target: float,
) -> None:
    """Print the medians and the two ``METRIC`` lines."""
    megabytes = size / MB
    print(f"{what}, {len(result.ratios)} rounds")
    print(f"{'side':<14}{'median s':>10}{'MB/s (both ways)':>20}")
    for label, times in ((bare_label, result.bare), ("tasklink", result.tasklink)):
        median = statistics.median(times)
        print(f"{label:<14}{median:>10.2f}{2 * megabytes / median:>20.0f}")
    ratio = statistics.median(result.ratios)
    print(f"ratio (median of rounds) {ratio:.3f}   (target >= 0.8)")
    print(f"peak RSS growth (tasklink) {result.peak_mb:.1f} MB   (target <= {rss_target:.0f})")
    print(f"METRIC {ratio_metric}={ratio:.3f}")
    print(f"METRIC {rss_metric}={result.peak_mb:.1f}")
