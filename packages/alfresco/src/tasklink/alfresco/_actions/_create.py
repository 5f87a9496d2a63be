"""CREATE_FILE and CREATE_FOLDER: ``POST /nodes/{parentId}/children``.

A file without content is created from JSON, as APA does; with content it is uploaded
in the same call as ``multipart/form-data`` (the ``filedata`` part read from its source as
it is sent), and its metadata set after with ``PUT /nodes/{nodeId}``, whose typed
properties the multipart form cannot carry.
"""

from __future__ import annotations

from typing import Any

from tasklink import client
from tasklink.core import Context

from .._content import content_source
from .._inputs import CreateFile, CreateFolder
from .._metadata import properties_in, rest_properties
from .._nodes import locate
from .._outputs import FileResult, FolderResult
from .._repository import Repository, Subject, entry
from .._values import node_id_of
from ._common import open_repository, response, target_selector

__all__ = ["create_file", "create_folder"]


def _clash(name: str, parent: Subject) -> str:
    return (
        f"a node named {name!r} already exists in {parent}; set autorename to add a number "
        "to the name instead"
    )


async def create_file(input: CreateFile, ctx: Context) -> FileResult:
    """CREATE_FILE: a file named ``fileName`` in the target folder, with ``targetFileType``
    and ``targetFileMetadata``, empty or with the content of a source."""
    repo = open_repository(input, ctx, "CREATE_FILE")
    target = target_selector(input)
    assert target is not None
    properties = properties_in(
        input.target_file_metadata,
        underscore=input.underscore_metadata,
        field="targetFileMetadata",
    )
    source = input.source_file
    content = content_source(
        repo,
        source_node=(
            (
                node_id_of(source) or "",
                Subject(f"source file {node_id_of(source)!r} (sourceFile)", "sourceFile"),
                input.file_name,
            )
            if source
            else None
        ),
        document=input.source_document,
        text=input.source_text,
        json_value=input.source_json,
        json_given=input.source_json is not None,
        required=False,
    )
    parent_id, _ = await locate(repo, target)
    parent = target.subject()
    children = repo.url("core", "nodes", parent_id, "children")
    auto = "true" if input.autorename else "false"
    clash = Subject(parent.text, parent.field, _clash(input.file_name, parent))
    node_type = input.target_file_type or "cm:content"
    if content is None:
        body: dict[str, Any] = {"name": input.file_name, "nodeType": node_type}
        if properties:
            body["properties"] = properties
        data = await repo.call("POST", children, clash, query=[("autoRename", auto)], body=body)
    else:
        form, content_type = client.multipart(
            [
                client.FormField("name", input.file_name),
                client.FormField("nodeType", node_type),
                client.FormField("autoRename", auto),
                client.FormFile("filedata", content, file_name=input.file_name),
            ]
        )
        data = await repo.call(
            "POST",
            children,
            clash,
            query=[("autoRename", auto)],
            content=form,
            content_type=content_type,
        )
        if properties:
            created = entry(data, "the created node")
            data = await _set_properties(repo, str(created["id"]), properties, input.file_name)
    node = entry(data, "the created node")
    return FileResult(response=response(data, underscore=input.underscore_metadata), file=[node])


async def _set_properties(
    repo: Repository, node_id: str, properties: dict[str, Any], name: str
) -> Any:
    subject = Subject(f"the new file {name!r} ({node_id})", "targetFileMetadata")
    return await repo.call(
        "PUT",
        repo.url("core", "nodes", node_id),
        subject,
        body={"properties": rest_properties(properties)},
    )


async def create_folder(input: CreateFolder, ctx: Context) -> FolderResult:
    """CREATE_FOLDER: a folder named ``folderName`` in the target folder."""
    repo = open_repository(input, ctx, "CREATE_FOLDER")
    target = target_selector(input)
    assert target is not None
    properties = properties_in(
        input.target_folder_metadata,
        underscore=input.underscore_metadata,
        field="targetFolderMetadata",
    )
    parent_id, _ = await locate(repo, target)
    parent = target.subject()
    body: dict[str, Any] = {
        "name": input.folder_name,
        "nodeType": input.target_folder_type or "cm:folder",
    }
    if properties:
        body["properties"] = properties
    data = await repo.call(
        "POST",
        repo.url("core", "nodes", parent_id, "children"),
        Subject(parent.text, parent.field, _clash(input.folder_name, parent)),
        query=[("autoRename", "true" if input.autorename else "false")],
        body=body,
    )
    node = entry(data, "the created folder")
    return FolderResult(
        response=response(data, underscore=input.underscore_metadata), folder=[node]
    )
