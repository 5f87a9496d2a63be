"""Camunda's result shapes (``connectors/email`` ``response/*Response.java``), built from
what this connector's readers return."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.utils import getaddresses
from typing import Any

__all__ = ["bare_message_id", "from_address", "listed", "read_response", "timestamp"]


def from_address(header: str | None) -> str | None:
    """The first From address without its display name (``fromAddress``)."""
    if not header:
        return None
    for _, spec in getaddresses([header]):
        if spec:
            return spec
    return None


def timestamp(value: datetime | None) -> str | None:
    """An ``OffsetDateTime`` in UTC as Camunda's JSON writes it: ``2026-11-23T22:54:26Z``."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat()
    return text[: -len("+00:00")] + "Z" if text.endswith("+00:00") else text


def bare_message_id(value: str | None) -> str:
    """A Message-ID without its angle brackets and blanks, for comparing two."""
    return re.sub(r"^\s*<|>\s*$", "", value or "").strip()


def listed(summary: Mapping[str, Any]) -> dict[str, Any]:
    """One message of a list: ``{messageId, fromAddress, subject, size}``."""
    return {
        "messageId": summary.get("message_id"),
        "fromAddress": from_address(summary.get("sender")),
        "subject": summary.get("subject"),
        "size": summary.get("size"),
    }


def read_response(
    fields: Mapping[str, Any],
    headers: Sequence[tuple[str, str]],
    received: datetime | None,
) -> dict[str, Any]:
    """A read message (``ReadEmailResponse``): ``{messageId, fromAddress, headers: [{key,
    value}], subject, size, plainTextBody, htmlBody, attachments, receivedDateTime,
    errors}``. ``attachments`` are the documents of the parts sent as attachments (inline
    parts, such as images an HTML body shows, are left out, as Camunda leaves them);
    ``errors`` is always empty, as in Camunda's outbound connector."""
    attachments = [
        part["document"]
        for part in fields.get("attachments", [])
        if not part.get("inline") and part.get("document") is not None
    ]
    return {
        "messageId": fields.get("message_id"),
        "fromAddress": from_address(fields.get("sender")),
        "headers": [{"key": name, "value": value} for name, value in headers],
        "subject": fields.get("subject"),
        "size": fields.get("size"),
        "plainTextBody": fields.get("text"),
        "htmlBody": fields.get("html"),
        "attachments": attachments,
        "receivedDateTime": timestamp(received),
        "errors": [],
    }
