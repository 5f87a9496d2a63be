"""Files the transfer benchmarks move: random content written once, hashed on arrival."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["sha256_of", "write_file"]

MB = 1_000_000


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
