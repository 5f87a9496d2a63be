"""URLs in messages and logs."""

from __future__ import annotations

import posixpath
from urllib.parse import unquote, urlsplit

from tasklink.core import safe_file_name

__all__ = ["DEFAULT_PORTS", "safe_url", "url_file_name"]

DEFAULT_PORTS = {"http": 80, "https": 443}


def safe_url(url: object) -> str:
    """The URL (a string or an ``httpx.URL``) without credentials, query and fragment,
    for messages and logs: a query may hold an API key."""
    parts = urlsplit(str(url))
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


def url_file_name(url: str) -> str | None:
    """The safe base name of the last segment of ``url``'s path (percent-decoded), the
    name a download is known by when nothing else names it; ``None`` if it has none."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    return safe_file_name(unquote(posixpath.basename(path)))
