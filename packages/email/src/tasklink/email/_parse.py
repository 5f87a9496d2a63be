"""Turning a message into the summary and content fields of the outputs: its raw header
bytes for a summary, its :class:`~tasklink.email._mime.Outline` for the whole content."""

from __future__ import annotations

import email
from datetime import datetime
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.policy import EmailPolicy, compat32, default
from email.utils import getaddresses, parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from tasklink.core import Document, safe_file_name, spooled_file

if TYPE_CHECKING:
    from ._mime import Outline

__all__ = ["LENIENT", "content_fields", "header_pairs", "parse", "summary_fields"]


class _LenientPolicy(EmailPolicy):
    """The modern policy, but a structured header it cannot parse reads as if empty.

    The email package raises (IndexError, HeaderParseError...) on some malformed headers,
    even while parsing, when it looks at Content-Type to find the parts: one hostile header
    must not make a message unreadable. RFC 2045 reads an invalid Content-Type as the
    default, which is what an empty one gives. The header fields of the outputs are read
    with the strict policy, falling back to the text as written (see :func:`_values`).
    """

    def header_fetch_parse(self, name: str, value: str) -> Any:
        try:
            return super().header_fetch_parse(name, value)
        except Exception:
            return super().header_fetch_parse(name, "")


#: The policy every message is parsed with.
LENIENT = _LenientPolicy()


def parse(raw: bytes) -> EmailMessage:
    """Parse a message (or only its header) with the modern email policy, leniently."""
    message = email.message_from_bytes(raw, policy=LENIENT)
    assert isinstance(message, EmailMessage)
    return message


def _clean(text: str) -> str:
    """Text without the lone surrogates that stand for undecodable bytes (JSON refuses them)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _raw_values(message: Message, name: str) -> list[str]:
    """The unparsed values of header ``name``: never raises, whatever the header holds."""
    wanted = name.lower()
    return [value for key, value in message.raw_items() if key.lower() == wanted]


def _fallback(raw: str) -> str:
    """A raw header value with encoded words decoded where that works, else as written."""
    try:
        return _clean(str(make_header(decode_header(raw))))
    except Exception:  # malformed encoded words, unknown charsets...
        return _clean(raw)


def _values(message: Message, name: str) -> list[str]:
    """Every value of header ``name`` as text, each parsed on its own.

    The email package raises all sorts of exceptions (IndexError, AttributeError...) on
    malformed structured headers, and again on every later access: one bad header must
    not fail the read (or the listing of a whole mailbox), so a value that does not parse
    is returned as written.
    """
    out: list[str] = []
    for raw in _raw_values(message, name):
        try:
            out.append(_clean(str(default.header_fetch_parse(name, raw))))
        except Exception:
            out.append(_fallback(raw))
    return out


def _header(message: Message, name: str) -> str | None:
    values = _values(message, name)
    return values[0] if values else None


def _addresses(message: Message, name: str) -> list[str]:
    out: list[str] = []
    for value in _values(message, name):
        try:
            pairs = getaddresses([value])
        except Exception:  # defensive: getaddresses is lenient, but this is untrusted input
            pairs = []
        for display, spec in pairs:
            if spec:
                out.append(f"{display} <{spec}>" if display else spec)
    return out


def _date(message: Message) -> datetime | None:
    value = _header(message, "Date")
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


def summary_fields(message: Message, size: int) -> dict[str, Any]:
    """The :class:`~tasklink.email.MessageSummary` fields of a parsed message."""
    return {
        "message_id": _header(message, "Message-ID"),
        "sender": _header(message, "From"),
        "to": _addresses(message, "To"),
        "cc": _addresses(message, "Cc"),
        "subject": _header(message, "Subject") or "",
        "date": _date(message),
        "size": size,
    }


def _part_text(part: EmailMessage) -> str:
    """A body part as text with ``\n`` line ends (the wire's CRLF is transport detail)."""
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError):  # unknown charset and the like
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    text = content if isinstance(content, str) else str(content)
    return text.replace("\r\n", "\n")


def _leaves(message: EmailMessage) -> list[EmailMessage]:
    """Leaf parts, treating an attached message/rfc822 as one leaf."""
    if message.is_multipart() and message.get_content_maintype() == "multipart":
        out: list[EmailMessage] = []
        for part in message.iter_parts():
            assert isinstance(part, EmailMessage)
            out.extend(_leaves(part))
        return out
    return [message]


def _part_bytes(part: EmailMessage) -> bytes:
    if part.get_content_maintype() == "message":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            try:
                return inner[0].as_bytes()
            except Exception:  # writing refolds its headers, which raises on hostile ones
                return _unfolded_bytes(inner[0])
        if isinstance(inner, str):
            return inner.encode("utf-8", "surrogateescape")
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _unfolded_bytes(message: Message) -> bytes:
    """An attached message written without refolding its headers (the compat32 policy),
    else its body alone: an attachment that cannot be written must not fail the read."""
    try:
        return message.as_bytes(policy=compat32)
    except Exception:
        payload = message.get_payload(decode=True)
        return payload if isinstance(payload, bytes) else b""


def _body(message: EmailMessage, subtype: str) -> Message | None:
    """The text or HTML body part; ``None`` when the structure is too broken to tell (the
    email package trips over a multipart whose payload did not split into parts)."""
    try:
        return message.get_body(preferencelist=(subtype,))
    except Exception:
        return None


def header_pairs(message: Message) -> list[tuple[str, str]]:
    """Every header as ``(name, decoded text)``, in order, repeated ones each on its own."""
    return [(name, _decoded(message, name, raw)) for name, raw in message.raw_items()]


def content_fields(outline: Outline, size: int, *, with_documents: bool) -> dict[str, Any]:
    """Summary plus headers, bodies and attachments of a whole message; each attachment
    as a :class:`~tasklink.core.Document` when ``with_documents``."""
    message = outline.message
    text_part = _body(message, "plain")
    html_part = _body(message, "html")
    headers: dict[str, str] = {}
    for name, text in header_pairs(message):
        headers[name] = f"{headers[name]}, {text}" if name in headers else text
    attachments = [
        _attachment(part, outline, with_documents)
        for part in _leaves(message)
        if part is not text_part and part is not html_part
    ]
    return {
        **summary_fields(message, size),
        "reply_to": _addresses(message, "Reply-To"),
        "headers": headers,
        "text": _text_of(text_part, outline),
        "html": _text_of(html_part, outline),
        "attachments": attachments,
    }


def _text_of(part: Message | None, outline: Outline) -> str | None:
    if not isinstance(part, EmailMessage):
        return None
    outline.restore(part)  # a large body left in the file
    return _part_text(part)


def _attachment(part: EmailMessage, outline: Outline, with_documents: bool) -> dict[str, Any]:
    # A name from the sender: never a path, never control characters.
    file_name = safe_file_name(part.get_filename())
    content_type = part.get_content_type()
    document: Document | None = None
    body = outline.body(part)
    if body is None:
        data = _part_bytes(part)
        size = len(data)
        if with_documents:
            document = Document.from_bytes(data, file_name=file_name, content_type=content_type)
    elif with_documents:
        target = spooled_file()
        try:
            size = outline.decode(body, target)
        except BaseException:
            target.close()
            raise
        document = Document.from_file(target, file_name=file_name, content_type=content_type)
    else:
        size = outline.decode(body, None)
    content_id = part.get("Content-ID")
    return {
        "file_name": file_name,
        "content_type": content_type,
        "size": size,
        "inline": part.get_content_disposition() == "inline",
        "content_id": str(content_id).strip() if content_id else None,
        "document": document,
    }


def _decoded(message: Message, name: str, raw: str) -> str:
    try:
        return _clean(str(default.header_fetch_parse(name, raw)))
    except Exception:
        return _fallback(raw)
