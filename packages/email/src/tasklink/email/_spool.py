"""Temporary files for message and attachment bytes: in memory while small, on disk beyond.

A read message is copied into one as it arrives, and each attachment is decoded into its
own, which becomes a :class:`~tasklink.core.Document`: a 20 MB attachment never sits in
memory whole.
"""

from __future__ import annotations

import tempfile
from typing import IO

__all__ = ["SPOOL_MEMORY_BYTES", "spool"]

#: Content up to this size stays in memory (as the core's documents do); beyond, on disk.
SPOOL_MEMORY_BYTES = 1024 * 1024


def spool() -> IO[bytes]:
    """A new, empty binary temporary file that moves to disk past 1 MiB."""
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)
