"""Camunda's search criteria: a tree of ``{"field": "FROM"|"SUBJECT"|"BODY", "value": ...}``
leaves and ``{"operator": "AND"|"OR", "criteria": [...]}`` nodes (its
``JakartaEmailActionExecutor.createSearchTerms``).

IMAP searches on the server (``FROM``, ``SUBJECT``, ``BODY``: contains, case-insensitive);
POP3 has no search, so the messages are matched here as Jakarta Mail matches them: the
subject and text bodies contain the value (case-insensitive), a From address equals the
FROM address.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import Message
from email.utils import getaddresses
from typing import Any, Literal

from tasklink.core import ErrorCode, InputError

from .._addresses import addr_spec, normalize_address

__all__ = ["Leaf", "Node", "imap_keys", "matches", "parse_criteria"]

#: Bounds on a tree, so that a criteria variable cannot build an endless search.
MAX_DEPTH = 16
MAX_LEAVES = 100


@dataclass(frozen=True, slots=True)
class Leaf:
    field: Literal["FROM", "SUBJECT", "BODY"]
    value: str


@dataclass(frozen=True, slots=True)
class Node:
    operator: Literal["AND", "OR"]
    criteria: tuple[Leaf | Node, ...]


Tree = Leaf | Node


def parse_criteria(value: Any, field: str) -> Tree:
    """The tree in ``value`` (an object, or JSON text of one); problems are input errors
    naming the path in it (``data.imapAction.criteria.criteria[1].value``)."""
    if value is None:
        raise InputError(
            f'{field}: give the search criteria, e.g. {{field: "SUBJECT", value: "invoice"}}',
            code=ErrorCode.MISSING_INPUT,
            field=field,
        )
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise InputError(f"{field}: must be an object, not text", field=field) from None
    leaves = [0]
    return _parse(value, field, 1, leaves)


def _problem(field: str, what: str) -> InputError:
    return InputError(f"{field}: {what}", field=field)


def _parse(value: Any, field: str, depth: int, leaves: list[int]) -> Tree:
    if not isinstance(value, Mapping):
        raise _problem(field, "must be an object with field and value, or operator and criteria")
    if depth > MAX_DEPTH:
        raise _problem(field, f"criteria may be nested at most {MAX_DEPTH} deep")
    if "operator" in value:
        operator = str(value["operator"]).upper()
        if operator not in ("AND", "OR"):
            raise _problem(f"{field}.operator", "must be AND or OR")
        children = value.get("criteria")
        if not isinstance(children, list) or not children:
            raise _problem(f"{field}.criteria", "must be a list of at least one criterion")
        parsed = tuple(
            _parse(child, f"{field}.criteria[{i}]", depth + 1, leaves)
            for i, child in enumerate(children)
        )
        return Node("AND" if operator == "AND" else "OR", parsed)
    name = str(value.get("field", "")).upper()
    if name not in ("FROM", "SUBJECT", "BODY"):
        raise _problem(f"{field}.field", "must be FROM, SUBJECT or BODY")
    text = value.get("value")
    if not isinstance(text, str | int | float) or not str(text).strip():
        raise _problem(f"{field}.value", "must be a text to search for")
    leaves[0] += 1
    if leaves[0] > MAX_LEAVES:
        raise _problem(field, f"at most {MAX_LEAVES} criteria")
    text = str(text)
    if name == "FROM":
        try:
            text = addr_spec(normalize_address(text))
        except ValueError as exc:
            raise _problem(f"{field}.value", f"FROM needs an e-mail address: {exc}") from None
    elif any(c in text for c in "\r\n\0"):
        raise _problem(f"{field}.value", "must not contain CR, LF or NUL characters")
    return Leaf("FROM" if name == "FROM" else "SUBJECT" if name == "SUBJECT" else "BODY", text)


def imap_keys(tree: Tree) -> list[bytes | tuple[bytes, str]]:
    """The IMAP SEARCH keys of ``tree``: AND as a parenthesized list, OR nested two by two
    (``OR a OR b c``)."""
    if isinstance(tree, Leaf):
        return [(tree.field.encode("ascii"), tree.value)]
    parts = [imap_keys(child) for child in tree.criteria]
    if len(parts) == 1:
        return parts[0]
    if tree.operator == "AND":
        return [b"(", *(key for part in parts for key in part), b")"]
    keys: list[bytes | tuple[bytes, str]] = []
    for part in parts[:-1]:
        keys += [b"OR", *part]
    return keys + parts[-1]


def matches(tree: Tree, header: Message, bodies: Callable[[], list[str]]) -> bool:
    """Whether a message matches ``tree``: ``header`` holds its header, ``bodies()`` reads
    its text bodies (only when a BODY criterion needs them)."""
    if isinstance(tree, Node):
        results = (matches(child, header, bodies) for child in tree.criteria)
        return all(results) if tree.operator == "AND" else any(results)
    wanted = tree.value.casefold()
    if tree.field == "FROM":
        senders = getaddresses([str(v) for v in header.get_all("From", [])])
        return any(spec.casefold() == wanted for _, spec in senders)
    if tree.field == "SUBJECT":
        return wanted in str(header.get("Subject", "")).casefold()
    return any(wanted in text.casefold() for text in bodies())
