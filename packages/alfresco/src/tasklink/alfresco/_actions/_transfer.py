"""COPY_FILE, MOVE_FILE, COPY_FOLDER, MOVE_FOLDER: ``POST /nodes/{nodeId}/copy`` and
``/move`` with ``{targetParentId}`` (a folder is copied with everything below it)."""

from __future__ import annotations

from typing import Any, Literal

from tasklink.core import Context

from .._inputs import TransferFile, TransferFolder
from .._nodes import choose, locate
from .._outputs import FileResult, FolderResult
from .._repository import Subject, entry
from ._common import open_repository, target_selector

__all__ = ["copy_file", "copy_folder", "move_file", "move_folder"]


async def _transfer(
    input: TransferFile | TransferFolder,
    ctx: Context,
    verb: Literal["copy", "move"],
    noun: Literal["file", "folder"],
) -> tuple[dict[str, Any], Any]:
    action = f"{verb.upper()}_{noun.upper()}"
    repo = open_repository(input, ctx, action)
    variable = input.source_file if isinstance(input, TransferFile) else input.source_folder
    source = choose(
        [
            ("sourceId", "id", input.source_id),
            ("sourceFile" if noun == "file" else "sourceFolder", "nodes", variable),
            ("sourcePath", "path", input.source_path),
        ],
        noun=noun,
    )
    target = target_selector(input)
    assert source is not None and target is not None
    node_id, _ = await locate(repo, source)
    parent_id, _ = await locate(repo, target)
    # ACS answers 404 alike for a missing source and a missing target: name both.
    subject = Subject(
        f"{source.subject()} or {target.subject()}",
        source.field,
        f"{target.subject()} already holds a node with the name of {source.subject()}",
    )
    data = await repo.call(
        "POST",
        repo.url("core", "nodes", node_id, verb),
        subject,
        body={"targetParentId": parent_id},
    )
    return entry(data, f"the {verb} answer"), data


async def copy_file(input: TransferFile, ctx: Context) -> FileResult:
    """COPY_FILE: the copy in the target folder."""
    node, data = await _transfer(input, ctx, "copy", "file")
    return FileResult(response=data, file=[node])


async def move_file(input: TransferFile, ctx: Context) -> FileResult:
    """MOVE_FILE: the file, now in the target folder."""
    node, data = await _transfer(input, ctx, "move", "file")
    return FileResult(response=data, file=[node])


async def copy_folder(input: TransferFolder, ctx: Context) -> FolderResult:
    """COPY_FOLDER: the copy (with its contents) in the target folder."""
    node, data = await _transfer(input, ctx, "copy", "folder")
    return FolderResult(response=data, folder=[node])


async def move_folder(input: TransferFolder, ctx: Context) -> FolderResult:
    """MOVE_FOLDER: the folder, now in the target folder."""
    node, data = await _transfer(input, ctx, "move", "folder")
    return FolderResult(response=data, folder=[node])
