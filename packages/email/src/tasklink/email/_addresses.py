"""Validation of addresses and header text: no header injection, no malformed addresses.

Every check raises :class:`ValueError`, so pydantic reports it against the field path.
"""

from __future__ import annotations

import re
from email.utils import getaddresses, parseaddr
from typing import Any

__all__ = [
    "addr_spec",
    "check_header_name",
    "check_header_text",
    "normalize_address",
    "normalize_address_list",
    "split_addresses",
]

# addr-spec with a dot-atom local part (RFC 5322 atext) and a domain of LDH labels; IDN
# domains are accepted and sent as punycode. Quoted and non-ASCII local parts are refused:
# the first are the usual vehicle for parser confusion between mail components, the second
# need SMTPUTF8, which Python's email package does not write.
_ATEXT = r"A-Za-z0-9!#$%&'*+/=?^_`{|}~\-"
_LOCAL = rf"[{_ATEXT}]+(?:\.[{_ATEXT}]+)*"
_LDH = r"A-Za-z0-9"
_LABEL = rf"[{_LDH}](?:[{_LDH}\-]{{0,61}}[{_LDH}])?"
_ADDR_SPEC = re.compile(rf"^{_LOCAL}@{_LABEL}(?:\.{_LABEL})*$")
_SPECIALS = re.compile(r'[()<>@,;:\\".\[\]]')
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


def _format(name: str, spec: str) -> str:
    """``Name <spec>`` with the name quoted when it holds specials; unlike
    :func:`email.utils.formataddr` it keeps non-ASCII names readable (the message
    policy encodes them when the header is written)."""
    if not name:
        return spec
    if _SPECIALS.search(name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{spec}>"


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
    # getaddresses is lenient: make sure it did not drop part of the text.
    if not spec or spec not in text:
        raise ValueError(f"{text!r} is not a valid email address")
    local, _, domain = spec.rpartition("@")
    if not local.isascii():
        raise ValueError(f"{text!r}: non-ASCII before the @ is not supported")
    try:
        spec = f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        raise ValueError(f"{text!r} is not a valid email address") from None
    if not _ADDR_SPEC.match(spec) or len(spec) > 254:
        raise ValueError(f"{text!r} is not a valid email address")
    return _format(name, spec)


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
