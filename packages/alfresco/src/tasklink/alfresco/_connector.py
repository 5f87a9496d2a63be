"""The connector's declaration: what discovery and the templates read.

Named ``content-service`` so that a process modelled for Alfresco Process Automation
(``implementation="content-service.CREATE_FILE"``) runs unchanged, its operation ids
giving APA's action names (``create_file`` -> ``CREATE_FILE``). It imports only pydantic,
the core and the models; every action is a lazy target, imported when it first runs
(and httpx with it).
"""

from __future__ import annotations

from pydantic import BaseModel

from tasklink.core import Connector

from . import _inputs as i
from . import _outputs as o
from ._errors import APA_ERRORS

__all__ = ["connector"]

connector = Connector(
    id="io.tasklink.alfresco",
    name="content-service",
    title="Alfresco Content Services",
    job_type="tasklink:alfresco:1",
    description="Create, find, read, change and delete files and folders in Alfresco "
    "Content Services, with the actions, inputs, outputs and error codes of Alfresco "
    "Process Automation's content-service connector",
    package=__package__,
    documentation_url="https://github.com/tasklink/tasklink/blob/main/docs/connectors/content-service.md",
    # The Camunda template's version: bump it on every change of the form that is not
    # cosmetic, so diagrams made with the previous one keep it (docs/templates.md).
    template_version=1,
    keywords=("alfresco", "acs", "content", "ecm", "documents", "apa"),
    group_labels={
        "connection": "Connection",
        "authentication": "Authentication",
        "timeouts": "Timeouts",
        "node": "Node",
        "target": "Target folder",
        "content": "Content",
        "metadata": "Metadata",
        "permissions": "Permissions",
        "security": "Security marks",
        "search": "Search",
        "paging": "Paging",
        "options": "Options",
    },
    errors=APA_ERRORS,
)


@connector.on_shutdown
async def _close_clients() -> None:
    """The runtime's shutdown closes the shared pooled clients after the last job."""
    from tasklink.client import aclose_clients

    await aclose_clients()


_OPERATIONS: tuple[tuple[str, str, str, str, type[BaseModel], type[BaseModel]], ...] = (
    # id, name, description, target, input, output
    (
        "create_file",
        "Create file",
        "Create a file in a folder, empty or from a document, "
        "text or JSON, with its type and metadata; outputs file",
        "._create:create_file",
        i.CreateFile,
        o.FileResult,
    ),
    (
        "create_folder",
        "Create folder",
        "Create a folder with its type and metadata; outputs folder",
        "._create:create_folder",
        i.CreateFolder,
        o.FolderResult,
    ),
    (
        "select_file",
        "Select file",
        "Find a file by id, File variable, path or AFTS query; outputs file",
        "._select:select_file",
        i.SelectFile,
        o.FileResult,
    ),
    (
        "select_folder",
        "Select folder",
        "Find a folder by id, Folder variable, path or AFTS query; outputs folder",
        "._select:select_folder",
        i.SelectFolder,
        o.FolderResult,
    ),
    (
        "select_metadata",
        "Select metadata",
        "Read a node's properties; outputs metadata",
        "._select:select_metadata",
        i.SelectMetadata,
        o.MetadataResult,
    ),
    (
        "copy_file",
        "Copy file",
        "Copy a file into a folder; outputs file (the copy)",
        "._transfer:copy_file",
        i.TransferFile,
        o.FileResult,
    ),
    (
        "move_file",
        "Move file",
        "Move a file into a folder; outputs file",
        "._transfer:move_file",
        i.TransferFile,
        o.FileResult,
    ),
    (
        "copy_folder",
        "Copy folder",
        "Copy a folder and its contents into a folder; outputs folder (the copy)",
        "._transfer:copy_folder",
        i.TransferFolder,
        o.FolderResult,
    ),
    (
        "move_folder",
        "Move folder",
        "Move a folder into a folder; outputs folder",
        "._transfer:move_folder",
        i.TransferFolder,
        o.FolderResult,
    ),
    (
        "update_file_content",
        "Update file content",
        "Replace a file's content (a new version) from another file, a document, text or JSON",
        "._files:update_file_content",
        i.UpdateFileContent,
        o.ActionResult,
    ),
    (
        "update_metadata",
        "Update metadata",
        "Set properties of a node",
        "._properties:update_metadata",
        i.UpdateMetadata,
        o.ActionResult,
    ),
    (
        "set_permissions",
        "Set permissions",
        "Give users or groups a role on a node",
        "._security:set_permissions",
        i.SetPermissions,
        o.ActionResult,
    ),
    ("lock_node", "Lock node", "Lock a file", "._security:lock_node", i.LockNode, o.ActionResult),
    (
        "unlock_node",
        "Unlock node",
        "Unlock a file",
        "._security:unlock_node",
        i.NodeInput,
        o.ActionResult,
    ),
    (
        "add_aspect",
        "Add aspect",
        "Apply an aspect to a node, with its properties",
        "._properties:add_aspect",
        i.AddAspect,
        o.ActionResult,
    ),
    (
        "remove_aspect",
        "Remove aspect",
        "Remove an aspect from a node",
        "._properties:remove_aspect",
        i.RemoveAspect,
        o.ActionResult,
    ),
    (
        "update_tag",
        "Update tags",
        "Add tags to a node",
        "._properties:update_tag",
        i.UpdateTag,
        o.ActionResult,
    ),
    (
        "set_type",
        "Set type",
        "Change a node's type, with properties",
        "._properties:set_type",
        i.SetType,
        o.ActionResult,
    ),
    (
        "delete_file",
        "Delete file",
        "Delete a file (to the trashcan unless permanent)",
        "._security:delete_file",
        i.DeleteFile,
        o.ActionResult,
    ),
    (
        "delete_folder",
        "Delete folder",
        "Delete a folder and its contents",
        "._security:delete_folder",
        i.DeleteFolder,
        o.ActionResult,
    ),
    (
        "declare_record",
        "Declare record",
        "Declare a file as a record (Governance Services)",
        "._governance:declare_record",
        i.DeclareRecord,
        o.ActionResult,
    ),
    (
        "add_security_marks",
        "Add security marks",
        "Add security marks of a group to a node (Governance Services)",
        "._governance:add_security_marks",
        i.AddSecurityMarks,
        o.ActionResult,
    ),
    (
        "get_security_marks",
        "Get security marks",
        "Read a node's security marks of a group (Governance Services); outputs securityMarks",
        "._governance:get_security_marks",
        i.GetSecurityMarks,
        o.SecurityMarksResult,
    ),
    (
        "search",
        "Search",
        "Find nodes with an AFTS, CMIS or Lucene query, a page at a time; "
        "outputs nodes, totalItems, hasMoreItems",
        "._select:search_nodes",
        i.Search,
        o.NodesResult,
    ),
    (
        "list_children",
        "List children",
        "List a folder's children, a page at a time; outputs nodes, totalItems, hasMoreItems",
        "._select:list_children",
        i.ListChildren,
        o.NodesResult,
    ),
    (
        "download_content",
        "Download content",
        "Read a file's content as a document, or as text or JSON when small",
        "._files:download_content",
        i.DownloadContent,
        o.ContentResult,
    ),
    (
        "list_versions",
        "List versions",
        "Read a file's version history, newest first; outputs versions",
        "._files:list_versions",
        i.NodeInput,
        o.VersionsResult,
    ),
    (
        "revert_version",
        "Revert version",
        "Make an earlier version of a file current again (as a new version); outputs version",
        "._files:revert_version",
        i.RevertVersion,
        o.VersionResult,
    ),
    (
        "create_shared_link",
        "Create shared link",
        "Share a file by a link that needs no login; outputs sharedLinkId, contentUrl",
        "._security:create_shared_link",
        i.CreateSharedLink,
        o.SharedLinkResult,
    ),
)

for _id, _name, _description, _target, _input, _output in _OPERATIONS:
    connector.operation(
        _id,
        name=_name,
        description=_description,
        target=f"._actions{_target}",
        input_model=_input,
        output_model=_output,
    )
