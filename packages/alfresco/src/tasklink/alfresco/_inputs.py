"""The inputs of the actions, with APA's names and shapes.

Every input model subclasses :class:`ActionInput` (the connection) and mixes in the
selectors it takes. Selector fields are declared once, by the factories below, so that
the Camunda template shows one property for a field several operations share.

Precedence among selectors is APA's (``model/connectors/content.md``): an id
(``nodeId``, ``fileId``, ``folderId``, ``sourceId``...) first, then a File / Folder
variable (``file`` before ``folder``), then a path, then a search query. Which of them
is given is checked when the action starts (:mod:`._nodes`), before anything is sent.
"""

from __future__ import annotations

from typing import Any, Literal

from tasklink.core import CamelInputModel, Document, field

from ._connection import Connection
from ._values import JsonObject, Nodes, OptionalJsonObject, Strings

__all__ = [
    "ActionInput",
    "AddAspect",
    "AddSecurityMarks",
    "CreateFile",
    "CreateFolder",
    "CreateSharedLink",
    "DeclareRecord",
    "DeleteFile",
    "DeleteFolder",
    "DownloadContent",
    "GetSecurityMarks",
    "ListChildren",
    "LockNode",
    "NodeInput",
    "RemoveAspect",
    "RevertVersion",
    "Search",
    "SelectFile",
    "SelectFolder",
    "SelectMetadata",
    "SetPermissions",
    "SetType",
    "TransferFile",
    "TransferFolder",
    "UpdateFileContent",
    "UpdateMetadata",
    "UpdateTag",
]

_PATH = (
    "location path (/app:company_home/cm:Sales/cm:q3.pdf) or path relative to Company "
    "Home (/Sales/q3.pdf)"
)

# -- shared field declarations ---------------------------------------------------------


def _file() -> Any:
    return field(
        None,
        description="File variable: an array of ACS nodes; the first one is used",
        group="node",
        activiti_type="file",
    )


def _folder() -> Any:
    return field(
        None,
        description="Folder variable: an array of ACS nodes; the first one is used",
        group="node",
        activiti_type="folder",
    )


def _node_id() -> Any:
    return field(None, title="Node ID", description="ID of the node", group="node")


def _path() -> Any:
    return field(None, description=f"The node's {_PATH}", group="node")


def _search_query() -> Any:
    return field(
        None,
        description="Query selecting the nodes: AFTS (cm:title:test), or CMIS and Lucene "
        "in SEARCH; SELECT_FILE and SELECT_FOLDER use it when no other selector is given",
        group="node",
    )


def _max_items(default: int, what: str) -> Any:
    return field(
        default,
        description=f"The most {what} to return (1 to 1000)",
        group="paging",
        ge=1,
        le=1000,
    )


def _skip_count(what: str) -> Any:
    return field(0, description=f"How many {what} to skip first", group="paging", ge=0)


def _underscore() -> Any:
    return field(
        False,
        description="Metadata keys use _ instead of : (cm_title): accepted on input, and "
        "used in the metadata returned",
        group="metadata",
    )


def _source_file() -> Any:
    # One declaration for CREATE_FILE, UPDATE_FILE_CONTENT, COPY_FILE and MOVE_FILE: the
    # Camunda template then has one property bound to sourceFile (two with one binding
    # break the modeler when the operation changes).
    return field(
        None,
        description="File variable of the source file (the first node): the file copied or "
        "moved, or whose content is uploaded",
        group="node",
        activiti_type="file",
    )


def _source_document() -> Any:
    return field(
        None,
        description="Document whose content is uploaded (a Camunda document, or an inline "
        "or external document reference)",
        group="content",
    )


def _source_text() -> Any:
    return field(
        None, description="Text uploaded as the content (UTF-8)", group="content", multiline=True
    )


def _source_json() -> Any:
    return field(None, description="JSON value uploaded as the content", group="content")


def _major_version() -> Any:
    return field(
        False,
        description="Make the new version a major one (2.0 rather than 1.1)",
        group="options",
    )


# -- bases --------------------------------------------------------------------------------


class ActionInput(CamelInputModel):
    """What every action takes: the repository connection."""

    connection: Connection | None = field(
        None,
        description="The repository and credentials; when left out, the runtime's secret "
        "CONTENT_SERVICE_CONNECTION holds them as JSON (as APA configures its connector "
        "implicitly)",
        group="connection",
    )


class NodeInput(ActionInput):
    """One node: ``nodeId``, else ``file``, else ``folder``, else ``path``."""

    file: Nodes = _file()
    folder: Nodes = _folder()
    node_id: str | None = _node_id()
    path: str | None = _path()


class _Target(CamelInputModel):
    """The folder to create, copy or move into: ``targetFolderId``, else
    ``targetFolder``, else ``targetFolderPath``."""

    target_folder: Nodes = field(
        None,
        description="Folder variable of the target folder (the first node)",
        group="target",
        activiti_type="folder",
    )
    target_folder_id: str | None = field(
        None, title="Target folder ID", description="ID of the target folder", group="target"
    )
    target_folder_path: str | None = field(
        None, description=f"The target folder's {_PATH}", group="target"
    )


class _Content(CamelInputModel):
    """Content to upload: ``sourceFile``, else ``sourceDocument``, else ``sourceText``,
    else ``sourceJson``."""

    source_file: Nodes = _source_file()
    source_document: Document | None = _source_document()
    source_text: str | None = _source_text()
    source_json: Any = _source_json()


# -- APA's actions ----------------------------------------------------------------------


class CreateFile(_Content, _Target, ActionInput):
    """CREATE_FILE: a file in the target folder, empty or with content."""

    file_name: str = field(
        description="Name of the file, with its extension", group="node", min_length=1
    )
    autorename: bool = field(
        False,
        description="On a name clash, add a number to the name instead of failing",
        group="options",
    )
    target_file_type: str | None = field(
        None,
        description="Content type of the file (default cm:content), e.g. fin:invoice",
        group="metadata",
    )
    target_file_metadata: OptionalJsonObject = field(
        None, description='Properties of the file, e.g. {"cm:title": "Q3"}', group="metadata"
    )
    underscore_metadata: bool = _underscore()


class CreateFolder(_Target, ActionInput):
    """CREATE_FOLDER: a folder in the target folder."""

    folder_name: str = field(description="Name of the folder", group="node", min_length=1)
    autorename: bool = field(
        False,
        description="On a name clash, add a number to the name instead of failing",
        group="options",
    )
    target_folder_type: str | None = field(
        None, description="Content type of the folder (default cm:folder)", group="metadata"
    )
    target_folder_metadata: OptionalJsonObject = field(
        None,
        description='Properties of the folder, e.g. {"cm:title": "Q3"}',
        group="metadata",
    )
    underscore_metadata: bool = _underscore()


class SelectFile(ActionInput):
    """SELECT_FILE: a file by id, variable, path, or the files an AFTS query finds."""

    file: Nodes = _file()
    node_id: str | None = _node_id()
    path: str | None = _path()
    search_query: str | None = _search_query()
    search_max_items: int = _max_items(100, "search results")
    search_skip_count: int = _skip_count("search results")


class SelectFolder(ActionInput):
    """SELECT_FOLDER: a folder by id, variable, path, or the folders a query finds."""

    folder: Nodes = _folder()
    node_id: str | None = _node_id()
    path: str | None = _path()
    search_query: str | None = _search_query()
    search_max_items: int = _max_items(100, "search results")
    search_skip_count: int = _skip_count("search results")


class SelectMetadata(NodeInput):
    """SELECT_METADATA: the node's properties."""

    underscore_metadata: bool = _underscore()


class TransferFile(_Target, ActionInput):
    """COPY_FILE and MOVE_FILE: ``sourceId``, else ``sourceFile``, else ``sourcePath``."""

    source_file: Nodes = _source_file()
    source_id: str | None = field(
        None, title="Source ID", description="ID of the node", group="node"
    )
    source_path: str | None = field(None, description=f"The node's {_PATH}", group="node")


class TransferFolder(_Target, ActionInput):
    """COPY_FOLDER and MOVE_FOLDER: ``sourceId``, else ``sourceFolder``, else
    ``sourcePath``."""

    source_folder: Nodes = field(
        None,
        description="Folder variable of the folder (the first node)",
        group="node",
        activiti_type="folder",
    )
    source_id: str | None = field(
        None, title="Source ID", description="ID of the node", group="node"
    )
    source_path: str | None = field(None, description=f"The node's {_PATH}", group="node")


class UpdateFileContent(_Content, ActionInput):
    """UPDATE_FILE_CONTENT: new content for a file, as a new version."""

    target_file: Nodes = field(
        None,
        description="File variable of the file to update (the first node)",
        group="node",
        activiti_type="file",
    )
    target_file_id: str | None = field(
        None, title="Target file ID", description="ID of the file to update", group="node"
    )
    target_file_path: str | None = field(
        None, description=f"The {_PATH} of the file to update", group="node"
    )
    new_name: str | None = field(
        None, description="New name of the file, with its extension", group="options"
    )
    major_version: bool = _major_version()
    version_comment: str | None = field(
        None, description="Comment of the new version", group="options"
    )


class UpdateMetadata(NodeInput):
    """UPDATE_METADATA: set properties of the node."""

    metadata: JsonObject = field(
        description='Properties to set, e.g. {"cm:title": "Q3"}', group="metadata"
    )
    underscore_metadata: bool = _underscore()


class SetPermissions(NodeInput):
    """SET_PERMISSIONS: give users (or groups) a role on the node."""

    users: Strings = field(
        description='Users or groups (GROUP_...) to give the role: a, b or ["a", "b"]',
        group="permissions",
    )
    role: str = field(
        description="The role: Consumer, Contributor, Editor, Collaborator, Coordinator, or "
        "a site role",
        group="permissions",
        min_length=1,
    )


class LockNode(NodeInput):
    """LOCK_NODE: lock a file."""

    lock_type: Literal["ALLOW_OWNER_CHANGES", "FULL"] = field(
        "ALLOW_OWNER_CHANGES",
        description="ALLOW_OWNER_CHANGES: only the lock owner may change the node; FULL: "
        "nobody may",
        group="options",
    )
    time_to_expire: int = field(
        0,
        description="Seconds until the lock expires (0: until unlocked)",
        group="options",
        ge=0,
    )
    lifetime: Literal["PERSISTENT", "EPHEMERAL"] = field(
        "PERSISTENT",
        description="PERSISTENT: kept in the database; EPHEMERAL: in memory only",
        group="options",
    )


class AddAspect(NodeInput):
    """ADD_ASPECT: apply an aspect, with its properties."""

    aspect: str = field(
        description="The aspect, e.g. rv:reviewable", group="metadata", min_length=1
    )
    node_metadata: OptionalJsonObject = field(
        None,
        description='Properties to set with it, e.g. {"cm:title": "Q3"}',
        group="metadata",
    )
    underscore_metadata: bool = _underscore()


class RemoveAspect(NodeInput):
    """REMOVE_ASPECT: remove an aspect."""

    aspect: str = field(
        description="The aspect, e.g. rv:reviewable", group="metadata", min_length=1
    )


class UpdateTag(NodeInput):
    """UPDATE_TAG: add tags to the node."""

    tags: Strings = field(
        description='Tags to add: wip, draft or ["wip", "draft"]', group="metadata"
    )


class SetType(NodeInput):
    """SET_TYPE: specialise the node's type."""

    node_type: str = field(
        description="The new type, e.g. fin:invoice", group="metadata", min_length=1
    )
    node_metadata: OptionalJsonObject = field(
        None,
        description='Properties to set with it, e.g. {"cm:title": "Q3"}',
        group="metadata",
    )
    underscore_metadata: bool = _underscore()


class DeleteFile(ActionInput):
    """DELETE_FILE: ``fileId``, else ``file``."""

    file: Nodes = _file()
    file_id: str | None = field(None, title="File ID", description="ID of the file", group="node")
    permanent: bool = field(
        False, description="Delete at once, bypassing the trashcan", group="options"
    )


class DeleteFolder(ActionInput):
    """DELETE_FOLDER: ``folderId``, else ``folder``."""

    folder: Nodes = _folder()
    folder_id: str | None = field(
        None, title="Folder ID", description="ID of the folder", group="node"
    )
    permanent: bool = field(
        False, description="Delete at once, bypassing the trashcan", group="options"
    )


class DeclareRecord(_Target, ActionInput):
    """DECLARE_RECORD: declare a file as a record (Governance Services); the target
    folder, optional, is the record folder to file it in."""

    file: Nodes = _file()
    file_id: str | None = field(None, title="File ID", description="ID of the file", group="node")
    file_path: str | None = field(None, description=f"The file's {_PATH}", group="node")
    hide_record: bool = field(
        False, description="Hide the record from the file's current folder", group="options"
    )


class GetSecurityMarks(NodeInput):
    """GET_SECURITY_MARKS: the node's marks of one security group."""

    security_group_name: str = field(
        description="Name of the security group, e.g. PII", group="security", min_length=1
    )


class AddSecurityMarks(GetSecurityMarks):
    """ADD_SECURITY_MARKS: add marks of one security group to the node."""

    security_marks: Strings = field(
        description='Names of the marks to add: a, b or ["a", "b"]', group="security"
    )


# -- beyond APA ---------------------------------------------------------------------------


class Search(ActionInput):
    """SEARCH: nodes an AFTS, CMIS or Lucene query finds, a page at a time."""

    # Declared as in SELECT_FILE (one template property); required when the action runs.
    search_query: str | None = _search_query()
    language: Literal["afts", "cmis", "lucene"] = field(
        "afts", description="Query language", group="search"
    )
    search_max_items: int = _max_items(100, "search results")
    search_skip_count: int = _skip_count("search results")


class ListChildren(NodeInput):
    """LIST_CHILDREN: the children of a folder, a page at a time."""

    where: str | None = field(
        None,
        description="ACS filter, e.g. (isFile=true) or (nodeType='cm:folder')",
        group="paging",
    )
    order_by: str | None = field(
        None, description="Sort order, e.g. name DESC or modifiedAt", group="paging"
    )
    max_items: int = _max_items(100, "children")
    skip_count: int = _skip_count("children")


class DownloadContent(NodeInput):
    """DOWNLOAD_CONTENT: a file's content as a document, text or JSON."""

    output_format: Literal["document", "text", "json"] = field(
        "document",
        description="document: a document reference (any size up to maxBytes); text or "
        "json: the content itself in the result (small files)",
        group="content",
    )
    max_bytes: int | None = field(
        None,
        description="The most bytes to read (default 100 MiB for a document, 1 MiB for text "
        "or JSON); a larger file fails the job",
        group="content",
        ge=1,
    )


class RevertVersion(NodeInput):
    """REVERT_VERSION: make an earlier version the current one (as a new version)."""

    version_id: str = field(
        description="The version to revert to, e.g. 1.0", group="options", min_length=1
    )
    major_version: bool = _major_version()
    version_comment: str | None = field(
        None, description="Comment of the new version", group="options"
    )


class CreateSharedLink(NodeInput):
    """CREATE_SHARED_LINK: a link anyone can open to read the file."""

    expires_at: str | None = field(
        None,
        description="When the link stops working (ISO 8601, e.g. 2030-01-31T00:00:00Z)",
        group="options",
    )
