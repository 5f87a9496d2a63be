"""URLs in messages and logs."""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["DEFAULT_PORTS", "safe_url"]

DEFAULT_PORTS = {"http": 80, "https": 443}


def safe_url(url: object) -> str:
    """The URL (a string or an ``httpx.URL``) without credentials, query and fragment,
    for messages and logs: a query may hold an API key."""
    parts = urlsplit(str(url))
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"
