"""IMAP's modified UTF-7 for folder names (RFC 3501 section 5.1.3)."""

from __future__ import annotations

import base64

__all__ = ["decode_mailbox", "encode_mailbox"]


def _b64(chunk: str) -> str:
    raw = chunk.encode("utf-16-be")
    return base64.b64encode(raw).decode("ascii").rstrip("=").replace("/", ",")


def encode_mailbox(name: str) -> str:
    """Encode a folder name and quote it for a command: ``Entwürfe -> "Entw&APw-rfe"``."""
    out: list[str] = []
    pending: list[str] = []
    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            if pending:
                out.append("&" + _b64("".join(pending)) + "-")
                pending = []
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    if pending:
        out.append("&" + _b64("".join(pending)) + "-")
    encoded = "".join(out)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def decode_mailbox(name: str) -> str:
    """Decode a folder name as the server lists it."""
    out: list[str] = []
    index = 0
    while index < len(name):
        char = name[index]
        if char != "&":
            out.append(char)
            index += 1
            continue
        end = name.find("-", index)
        if end == -1:
            out.append(name[index:])
            break
        chunk = name[index + 1 : end]
        if not chunk:
            out.append("&")
        else:
            padded = chunk.replace(",", "/") + "=" * (-len(chunk) % 4)
            try:
                out.append(base64.b64decode(padded).decode("utf-16-be"))
            except (ValueError, UnicodeDecodeError):
                out.append(name[index : end + 1])
        index = end + 1
    return "".join(out)
