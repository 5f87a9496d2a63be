"""Per-request options: time limits, and the names a caller gives its settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ._tls import TlsFields

if TYPE_CHECKING:
    import httpx

__all__ = ["FieldNames", "Timeouts"]


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds to wait (``0`` or ``None``: no limit of its own).

    ``connect``: for a connection (and a free pooled one); ``read``: for each part of the
    response, and each write of the request; ``total``: for the whole exchange (token
    request, connecting, every redirect hop, sending and reading the whole body), so a
    server dripping its answer cannot hold a job for longer.
    """

    connect: float | None = 20.0
    read: float | None = 20.0
    total: float | None = 60.0

    def httpx(self) -> httpx.Timeout:
        import httpx

        connect = self.connect or None
        read = self.read or None
        return httpx.Timeout(connect=connect, read=read, write=read, pool=connect)


@dataclass(frozen=True, slots=True)
class FieldNames:
    """How the caller names its own settings: messages point at the field to fix
    ("timed out: no connection within 5 s (connectionTimeoutInSeconds)")."""

    url: str = "url"
    headers: str = "headers"
    connect_timeout: str = "connect timeout"
    read_timeout: str = "read timeout"
    total_timeout: str = "total timeout"
    max_response_bytes: str = "maximum response size"
    max_redirects: str = "maximum redirects"
    token_url: str = "token URL"  # noqa: S105 - a field name
    tls: TlsFields = field(default_factory=TlsFields)
