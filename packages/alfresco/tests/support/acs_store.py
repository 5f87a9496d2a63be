"""Content bytes of the fake repository: one temporary file per written content, shared by
every node and version that holds it (a copy or a revert shares the file, so 50 MB are on
disk once and never in memory)."""

from __future__ import annotations

import hashlib
import itertools
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CHUNK", "Blob", "ContentStore"]

CHUNK = 1024 * 1024
"""Bytes read or written at a time: large enough for speed, small enough for memory."""


@dataclass(frozen=True)
class Blob:
    """One content, immutable once written."""

    path: Path
    size: int
    sha256: str

    def read(self) -> bytes:
        """The whole content (for tests: small files only)."""
        return self.path.read_bytes()

    def chunks(self, start: int = 0, length: int | None = None) -> Iterator[bytes]:
        """The content (or ``length`` bytes from ``start``) in pieces of at most CHUNK."""
        remaining = self.size - start if length is None else length
        with self.path.open("rb") as handle:
            handle.seek(start)
            while remaining > 0:
                piece = handle.read(min(CHUNK, remaining))
                if not piece:
                    return
                remaining -= len(piece)
                yield piece


class BlobWriter:
    """A content being written: call :meth:`write` per piece, then :meth:`finish`."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._handle = path.open("wb")
        self._size = 0
        self._digest = hashlib.sha256()

    def write(self, piece: bytes) -> None:
        self._handle.write(piece)
        self._digest.update(piece)
        self._size += len(piece)

    @property
    def size(self) -> int:
        return self._size

    def finish(self) -> Blob:
        self._handle.close()
        return Blob(self._path, self._size, self._digest.hexdigest())

    def discard(self) -> None:
        self._handle.close()
        self._path.unlink(missing_ok=True)


class ContentStore:
    """Temporary files under one folder, removed by :meth:`close`."""

    def __init__(self) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="fake-acs-"))
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.empty = self.put([])

    def writer(self) -> BlobWriter:
        with self._lock:
            number = next(self._ids)
        return BlobWriter(self._dir / f"{number:08d}.bin")

    def put(self, pieces: Iterable[bytes]) -> Blob:
        writer = self.writer()
        try:
            for piece in pieces:
                writer.write(piece)
        except BaseException:
            writer.discard()
            raise
        return writer.finish()

    def put_bytes(self, data: bytes) -> Blob:
        return self.put([data] if data else [])

    def close(self) -> None:
        shutil.rmtree(self._dir, ignore_errors=True)

    @property
    def bytes_on_disk(self) -> int:
        """What the store holds now (for tests that check nothing is stored twice)."""
        return sum(entry.stat().st_size for entry in os.scandir(self._dir))
