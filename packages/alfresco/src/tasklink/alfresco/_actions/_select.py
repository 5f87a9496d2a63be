"""Reading nodes: SELECT_FILE, SELECT_FOLDER, SELECT_METADATA, SEARCH and LIST_CHILDREN."""

from __future__ import annotations

from typing import Any

from tasklink.core import Context, InputError

from .._inputs import ListChildren, Search, SelectFile, SelectFolder, SelectMetadata
from .._metadata import properties_out
from .._nodes import NODE_INCLUDE, Selector, choose, fetch, locate, search
from .._outputs import FileResult, FolderResult, MetadataResult, NodesResult
from .._repository import Repository, entries
from ._common import node_selector, open_repository, response

__all__ = ["list_children", "search_nodes", "select_file", "select_folder", "select_metadata"]


async def _select(
    repo: Repository, selector: Selector, *, max_items: int, skip_count: int, want: str
) -> tuple[list[dict[str, Any]], Any]:
    """The nodes a selector names, and the answer that named them."""
    if selector.kind == "query":
        found, _, data = await search(
            repo,
            str(selector.value),
            selector.subject(),
            max_items=max_items,
            skip_count=skip_count,
        )
        return found, data
    _, node, data = await fetch(repo, selector)
    # A folder where a file is asked for (or the reverse) is the process's mistake: say so
    # rather than hand a folder on as a File variable.
    flag = "isFile" if want == "file" else "isFolder"
    if node.get(flag) is False:
        raise InputError(
            f"{repo.action}: {selector.subject()} is not a {want}", field=selector.field
        )
    return [node], data


async def select_file(input: SelectFile, ctx: Context) -> FileResult:
    """SELECT_FILE: ``nodeId``, else ``file``, else ``path``, else ``searchQuery``."""
    repo = open_repository(input, ctx, "SELECT_FILE")
    selector = choose(
        [
            ("nodeId", "id", input.node_id),
            ("file", "nodes", input.file),
            ("path", "path", input.path),
            ("searchQuery", "query", input.search_query),
        ],
        noun="file",
    )
    assert selector is not None
    nodes, data = await _select(
        repo,
        selector,
        max_items=input.search_max_items,
        skip_count=input.search_skip_count,
        want="file",
    )
    return FileResult(response=data, file=nodes)


async def select_folder(input: SelectFolder, ctx: Context) -> FolderResult:
    """SELECT_FOLDER: ``nodeId``, else ``folder``, else ``path``, else ``searchQuery``."""
    repo = open_repository(input, ctx, "SELECT_FOLDER")
    selector = choose(
        [
            ("nodeId", "id", input.node_id),
            ("folder", "nodes", input.folder),
            ("path", "path", input.path),
            ("searchQuery", "query", input.search_query),
        ],
        noun="folder",
    )
    assert selector is not None
    nodes, data = await _select(
        repo,
        selector,
        max_items=input.search_max_items,
        skip_count=input.search_skip_count,
        want="folder",
    )
    return FolderResult(response=data, folder=nodes)


async def select_metadata(input: SelectMetadata, ctx: Context) -> MetadataResult:
    """SELECT_METADATA: the node's ``properties``."""
    repo = open_repository(input, ctx, "SELECT_METADATA")
    _, node, data = await fetch(repo, node_selector(input))
    properties = node.get("properties") or {}
    underscore = input.underscore_metadata
    return MetadataResult(
        response=response(data, underscore=underscore),
        metadata=properties_out(dict(properties), underscore=underscore),
    )


async def search_nodes(input: Search, ctx: Context) -> NodesResult:
    """SEARCH: a page of the nodes a query finds."""
    repo = open_repository(input, ctx, "SEARCH")
    selector = choose([("searchQuery", "query", input.search_query)])
    assert selector is not None
    found, pagination, data = await search(
        repo,
        str(selector.value),
        selector.subject(),
        language=input.language,
        max_items=input.search_max_items,
        skip_count=input.search_skip_count,
    )
    return NodesResult(
        response=data,
        nodes=found,
        total_items=pagination.get("totalItems"),
        has_more_items=bool(pagination.get("hasMoreItems", False)),
    )


async def list_children(input: ListChildren, ctx: Context) -> NodesResult:
    """LIST_CHILDREN: a page of a folder's children."""
    repo = open_repository(input, ctx, "LIST_CHILDREN")
    selector = node_selector(input)
    node_id, _ = await locate(repo, selector)
    query = [
        ("skipCount", str(input.skip_count)),
        ("maxItems", str(input.max_items)),
        ("include", NODE_INCLUDE),
    ]
    if input.where:
        query.append(("where", input.where))
    if input.order_by:
        query.append(("orderBy", input.order_by))
    data = await repo.call(
        "GET", repo.url("core", "nodes", node_id, "children"), selector.subject(), query=query
    )
    found, pagination = entries(data, "the children answer")
    return NodesResult(
        response=data,
        nodes=found,
        total_items=pagination.get("totalItems"),
        has_more_items=bool(pagination.get("hasMoreItems", False)),
    )
