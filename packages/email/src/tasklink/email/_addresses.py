"""Validation of addresses and header text: no header injection, no malformed addresses.

Every check raises :class:`ValueError`, so pydantic reports it against the field path.
"""

from __future__ import annotations

import re
from email.utils import formataddr, getaddresses, parseaddr
from typing import Any

__all__ = [
    "addr_spec",
    "check_header_name",
    "check_header_text",
    "normalize_address",
    "normalize_address_list",
    "split_addresses",
]

# addr-spec with a dot-atom local part (RFC 5322 atext, plus any non-ASCII for SMTPUTF8)
# and a domain of LDH labels (or IDN labels). Quoted local parts are refused on purpose:
# they are the usual vehicle for parser confusion between mail components.
_ATEXT = r"A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010ffff"
_LOCAL = rf"[{_ATEXT}]+(?:\.[{_ATEXT}]+)*"
_LDH = r"A-Za-z0-9\u0080-\U0010ffff"
_LABEL = rf"[{_LDH}](?:[{_LDH}\-]{{0,61}}[{_LDH}])?"
_ADDR_SPEC = re.compile(rf"^{_LOCAL}@{_LABEL}(?:\.{_LABEL})*$")
_HEADER_NAME = re.compile(r"^[!-9;-~]+$")  # RFC 5322 ftext: printable ASCII but ':'
_LINE_BREAK = re.compile("[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")  # what splitlines() breaks on
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # tab is fine in header text


def check_header_text(value: str) -> str:
    """Refuse CR, LF and other control characters (header injection)."""
    if _LINE_BREAK.search(value):
        raise ValueError("must not contain line breaks (CR or LF)")
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def check_header_name(name: str) -> str:
    """A header field name: printable ASCII without spaces or colons."""
    check_header_text(name)
    if not _HEADER_NAME.match(name):
        raise ValueError(f"{name!r} is not a valid header name")
    return name


def addr_spec(address: str) -> str:
    """The bare ``local@domain`` part of a validated address."""
    return parseaddr(address)[1]


def normalize_address(value: str) -> str:
    """Validate one address (``a@example.com`` or ``Name <a@example.com>``); return it
    formatted for a header."""
    check_header_text(value)
    text = value.strip()
    if not text:
        raise ValueError("an address must not be empty")
    parsed = getaddresses([text])
    if len(parsed) != 1:
        if "," in text:
            raise ValueError(f"{text!r} holds more than one address; give a list instead")
        raise ValueError(f"{text!r} is not a valid email address")
    name, spec = parsed[0]
    if not spec or not _ADDR_SPEC.match(spec) or len(spec) > 320:
        raise ValueError(f"{text!r} is not a valid email address")
    # getaddresses is lenient: make sure it did not drop part of the text.
    if spec not in text:
        raise ValueError(f"{text!r} is not a valid email address")
    return formataddr((name, spec)) if name else spec


def split_addresses(value: Any) -> Any:
    """Accept a list or a comma-separated string (what a text field in a modeler gives)."""
    if value is None:
        return []
    if isinstance(value, str):
        check_header_text(value)
        if not value.strip():
            return []
        # Split on commas outside quotes and angle brackets: "Doe, Jane" <j@example.com>.
        parts: list[str] = []
        current: list[str] = []
        quoted = False
        angle = False
        escaped = False
        for char in value:
            if escaped:
                escaped = False
            elif char == "\\" and quoted:
                escaped = True
            elif char == '"':
                quoted = not quoted
            elif char == "<" and not quoted:
                angle = True
            elif char == ">" and not quoted:
                angle = False
            elif char in ",;" and not quoted and not angle:
                parts.append("".join(current))
                current = []
                continue
            current.append(char)
        parts.append("".join(current))
        return [p for p in (part.strip() for part in parts) if p]
    return value


def normalize_address_list(values: list[str]) -> list[str]:
    """Validate every address of a list, naming the position of a bad one."""
    out: list[str] = []
    for index, value in enumerate(values):
        try:
            out.append(normalize_address(value))
        except ValueError as exc:
            raise ValueError(f"entry {index}: {exc}") from None
    return out
