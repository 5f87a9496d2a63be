"""Choosing the node an action works on, and finding it in the repository.

APA's precedence (``model/connectors/content.md``): an id first (``nodeId``, ``fileId``,
``folderId``, ``sourceId``, ``targetFolderId``...), then a File / Folder variable (a file
before a folder), then a path, then a search query. :func:`choose` takes the first given
in the order an action lists them; :func:`locate` turns it into a node id, looking a path
up by ``relativePath`` below Company Home, or by an AFTS ``PATH`` query for a location
path (``/app:company_home/cm:Sales``: node names cannot hold ``:``, QNames always do).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from tasklink.core import ConnectorError, ErrorCode, InputError

from ._repository import Repository, Subject, entries, entry
from ._values import node_id_of

__all__ = [
    "NODE_INCLUDE",
    "Selector",
    "choose",
    "fetch",
    "is_location_path",
    "locate",
    "search",
]

Kind = Literal["id", "nodes", "path", "query"]
#: What node listings ask for besides the minimal entry: APA's node objects carry them.
NODE_INCLUDE = "properties,aspectNames"


@dataclass(frozen=True, slots=True)
class Selector:
    """One way of naming a node, from the input ``field``."""

    kind: Kind
    value: Any
    field: str
    noun: str = "node"

    def subject(self, conflict: str | None = None) -> Subject:
        """The node as messages name it: ``node 'abc' (nodeId)``."""
        if self.kind == "nodes":
            node = self.value[0]
            name = f" {node['name']!r}" if isinstance(node.get("name"), str) else ""
            text = f"{self.noun}{name} with id {node['id']!r} ({self.field})"
        elif self.kind == "id":
            text = f"{self.noun} {self.value!r} ({self.field})"
        elif self.kind == "path":
            text = f"{self.noun} at path {self.value!r} ({self.field})"
        else:
            text = f"the {self.noun}s of query {self.value!r} ({self.field})"
        return Subject(text, self.field, conflict)


def choose(
    candidates: Sequence[tuple[str, Kind, Any]], *, noun: str = "node", required: bool = True
) -> Selector | None:
    """The first candidate ``(field, kind, value)`` that is given, in APA's order.

    None given: an input error (``MISSING_INPUT``) naming them all, or ``None`` when the
    selector is optional.
    """
    for name, kind, value in candidates:
        if value is None or (isinstance(value, str) and not value.strip()) or value == []:
            continue
        return Selector(kind, value.strip() if isinstance(value, str) else value, name, noun)
    if not required:
        return None
    names = [name for name, _, _ in candidates]
    listed = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]
    raise InputError(
        f"invalid input: give the {noun}: one of {listed}",
        code=ErrorCode.MISSING_INPUT,
        field=names[0],
        variables={"fields": names, "problemCount": 1},
    )


def is_location_path(path: str) -> bool:
    """``/app:company_home/cm:Sales`` (QNames) rather than ``/Sales`` (names)."""
    return ":" in path


def _path_query(path: str) -> str:
    # AFTS phrase: a backslash and a double quote are escaped inside the quotes.
    escaped = path.replace("\\", "\\\\").replace('"', '\\"')
    return f'PATH:"{escaped}"'


async def search(
    repo: Repository,
    query: str,
    subject: Subject,
    *,
    language: str = "afts",
    max_items: int = 100,
    skip_count: int = 0,
) -> tuple[list[dict[str, Any]], dict[str, Any], Any]:
    """``POST .../search/versions/1/search``: the nodes found, the pagination, the answer."""
    body = {
        "query": {"query": query, "language": language},
        "paging": {"maxItems": max_items, "skipCount": skip_count},
        "include": NODE_INCLUDE.split(","),
    }
    data = await repo.call("POST", repo.url("search", "search"), subject, body=body)
    found, pagination = entries(data, "the search answer")
    return found, pagination, data


async def locate(repo: Repository, selector: Selector) -> tuple[str, dict[str, Any] | None]:
    """The node id of ``selector`` (not a query), and its entry when finding it fetched
    one (a path)."""
    if selector.kind == "id":
        return str(selector.value), None
    if selector.kind == "nodes":
        node_id = node_id_of(selector.value)
        assert node_id is not None  # choose() skips empty variables
        return node_id, None
    if selector.kind == "path":
        found = await _by_path(repo, selector)
        return str(found["id"]), found
    raise AssertionError(f"a {selector.kind} selects several nodes")


async def _by_path(repo: Repository, selector: Selector) -> dict[str, Any]:
    path = str(selector.value)
    subject = selector.subject()
    if is_location_path(path):
        found, _, _ = await search(repo, _path_query(path), subject, max_items=1)
        if not found:
            raise ConnectorError(
                f"{repo.action}: {subject} does not exist (or the user may not see it)",
                code="NOT_FOUND",
                variables={"path": path},
                retryable=False,
            )
        return found[0]
    data = await repo.call(
        "GET",
        repo.url("core", "nodes", "-root-"),
        subject,
        query=[("relativePath", path), ("include", "path")],
    )
    return entry(data, "the node answer")


async def fetch(
    repo: Repository, selector: Selector, *, include: str | None = None
) -> tuple[str, dict[str, Any], Any]:
    """The node's id, its entry and the whole answer of ``GET /nodes/{nodeId}``."""
    node_id, found = await locate(repo, selector)
    if found is not None and include is None:
        return node_id, found, {"entry": found}  # a path lookup fetched it already
    query = [("include", include)] if include else []
    data = await repo.call(
        "GET", repo.url("core", "nodes", node_id), selector.subject(), query=query
    )
    return node_id, entry(data, "the node answer"), data
