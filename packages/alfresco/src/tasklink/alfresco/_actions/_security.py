"""Access: SET_PERMISSIONS, LOCK_NODE, UNLOCK_NODE, CREATE_SHARED_LINK, DELETE_FILE and
DELETE_FOLDER.

``PUT /nodes/{nodeId}`` replaces ``permissions.locallySet`` whole, so SET_PERMISSIONS
reads the node's own permissions first and adds the users' role to them.
"""

from __future__ import annotations

from typing import Any

from tasklink.core import Context

from .._inputs import (
    CreateSharedLink,
    DeleteFile,
    DeleteFolder,
    LockNode,
    NodeInput,
    SetPermissions,
)
from .._nodes import choose, fetch, locate
from .._outputs import ActionResult, SharedLinkResult
from .._repository import Subject, entry
from ._common import node_selector, open_repository

__all__ = [
    "create_shared_link",
    "delete_file",
    "delete_folder",
    "lock_node",
    "set_permissions",
    "unlock_node",
]

_PERMISSION_KEYS = ("authorityId", "name", "accessStatus")


async def set_permissions(input: SetPermissions, ctx: Context) -> ActionResult:
    """SET_PERMISSIONS: give each of ``users`` the ``role`` on the node, keeping the
    permissions set on it before."""
    repo = open_repository(input, ctx, "SET_PERMISSIONS")
    selector = node_selector(input)
    node_id, node, _ = await fetch(repo, selector, include="permissions")
    found = node.get("permissions")
    permissions: dict[str, Any] = found if isinstance(found, dict) else {}
    local: list[dict[str, Any]] = [
        {key: item[key] for key in _PERMISSION_KEYS if key in item}
        for item in permissions.get("locallySet") or []
        if isinstance(item, dict)
    ]
    for user in input.users:
        wanted = {"authorityId": user, "name": input.role, "accessStatus": "ALLOWED"}
        if wanted not in local:
            local.append(wanted)
    data = await repo.call(
        "PUT",
        repo.url("core", "nodes", node_id),
        selector.subject(),
        body={"permissions": {"locallySet": local}},
    )
    return ActionResult(response=data)


async def lock_node(input: LockNode, ctx: Context) -> ActionResult:
    """LOCK_NODE: ``POST /nodes/{nodeId}/lock``."""
    repo = open_repository(input, ctx, "LOCK_NODE")
    selector = node_selector(input)
    node_id, _ = await locate(repo, selector)
    data = await repo.call(
        "POST",
        repo.url("core", "nodes", node_id, "lock"),
        selector.subject(),
        body={
            "type": input.lock_type,
            "timeToExpire": input.time_to_expire,
            "lifetime": input.lifetime,
        },
    )
    return ActionResult(response=data)


async def unlock_node(input: NodeInput, ctx: Context) -> ActionResult:
    """UNLOCK_NODE: ``POST /nodes/{nodeId}/unlock``."""
    repo = open_repository(input, ctx, "UNLOCK_NODE")
    selector = node_selector(input)
    node_id, _ = await locate(repo, selector)
    data = await repo.call("POST", repo.url("core", "nodes", node_id, "unlock"), selector.subject())
    return ActionResult(response=data)


async def create_shared_link(input: CreateSharedLink, ctx: Context) -> SharedLinkResult:
    """CREATE_SHARED_LINK: ``POST /shared-links``; ``contentUrl`` downloads the content
    without credentials."""
    repo = open_repository(input, ctx, "CREATE_SHARED_LINK")
    selector = node_selector(input)
    node_id, _ = await locate(repo, selector)
    body: dict[str, Any] = {"nodeId": node_id}
    if input.expires_at:
        body["expiresAt"] = input.expires_at
    subject = selector.subject(f"{selector.subject()} is shared already")
    data = await repo.call("POST", repo.url("core", "shared-links"), subject, body=body)
    link = entry(data, "the shared link answer")
    link_id = str(link.get("id") or "")
    return SharedLinkResult(
        response=data,
        shared_link_id=link_id,
        content_url=repo.url("core", "shared-links", link_id, "content"),
    )


async def _delete(repo_input: DeleteFile | DeleteFolder, ctx: Context, noun: str) -> ActionResult:
    action = f"DELETE_{noun.upper()}"
    repo = open_repository(repo_input, ctx, action)
    if isinstance(repo_input, DeleteFile):
        candidates = [("fileId", "id", repo_input.file_id), ("file", "nodes", repo_input.file)]
    else:
        candidates = [
            ("folderId", "id", repo_input.folder_id),
            ("folder", "nodes", repo_input.folder),
        ]
    selector = choose(candidates, noun=noun)  # type: ignore[arg-type]
    assert selector is not None
    node_id, _ = await locate(repo, selector)
    data = await repo.call(
        "DELETE",
        repo.url("core", "nodes", node_id),
        Subject(str(selector.subject()), selector.field),
        query=[("permanent", "true" if repo_input.permanent else "false")],
    )
    return ActionResult(response=data)


async def delete_file(input: DeleteFile, ctx: Context) -> ActionResult:
    """DELETE_FILE: ``DELETE /nodes/{nodeId}`` (to the trashcan unless ``permanent``)."""
    return await _delete(input, ctx, "file")


async def delete_folder(input: DeleteFolder, ctx: Context) -> ActionResult:
    """DELETE_FOLDER: ``DELETE /nodes/{nodeId}`` with everything below it."""
    return await _delete(input, ctx, "folder")
