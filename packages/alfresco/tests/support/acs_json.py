"""The JSON the fake answers with: nodes, versions, tags, shared links, records and marks,
in the shapes of ACS's REST API (``include`` adds fields, ``fields`` keeps some)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .acs_model import Node, Repository, SecurityGroup, SharedLink, Version, timestamp

__all__ = ["ALWAYS", "node_json", "paging", "pick_fields", "version_json"]

ALWAYS = frozenset({"id", "name", "nodeType", "isFolder", "isFile"})

_MIME_NAMES = {
    "text/plain": "Plain Text",
    "application/json": "JSON",
    "application/pdf": "Adobe PDF Document",
    "text/html": "HTML",
    "text/csv": "Comma Separated Values (CSV)",
    "application/octet-stream": "Binary File (Octet Stream)",
    "image/png": "PNG Image",
    "image/jpeg": "JPEG Image",
    "application/xml": "XML",
    "text/xml": "XML",
}


def content_json(node: Node | Version) -> dict[str, Any]:
    blob = node.blob
    return {
        "mimeType": node.mime_type,
        "mimeTypeName": _MIME_NAMES.get(node.mime_type, node.mime_type),
        "sizeInBytes": blob.size if blob is not None else 0,
        "encoding": node.encoding,
    }


def _properties(repo: Repository, node: Node) -> dict[str, Any]:
    properties = dict(node.properties)
    if node.tags:
        properties["cm:taggable"] = list(node.tags)
    return properties


def node_json(
    repo: Repository,
    node: Node,
    user: str,
    include: Iterable[str] = (),
    *,
    full: bool = True,
    association: bool = False,
) -> dict[str, Any]:
    """A ``Node``: ``full`` (a single node's answer) has aspectNames and properties without
    asking, as ACS does; listings add them only when included."""
    wanted = set(include)
    entry: dict[str, Any] = {
        "id": node.id,
        "name": node.name,
        "nodeType": node.node_type,
        "isFolder": node.is_folder,
        "isFile": node.is_file,
        "modifiedAt": timestamp(node.modified_at),
        "modifiedByUser": repo.user_info(node.modified_by),
        "createdAt": timestamp(node.created_at),
        "createdByUser": repo.user_info(node.created_by),
    }
    if node.parent_id is not None:
        entry["parentId"] = node.parent_id
    if node.is_file:
        entry["content"] = content_json(node)
    if full or "aspectNames" in wanted:
        entry["aspectNames"] = list(node.aspects)
    if full or "properties" in wanted:
        entry["properties"] = _properties(repo, node)
    if "isLocked" in wanted:
        entry["isLocked"] = repo.active_lock(node) is not None
    if "allowableOperations" in wanted:
        entry["allowableOperations"] = repo.allowable_operations(node, user)
    if "path" in wanted and node.parent_id is not None:
        chain = repo.ancestors(node)
        entry["path"] = {
            "name": "/" + "/".join(n.name for n in chain),
            "isComplete": True,
            "elements": [
                {"id": n.id, "name": n.name, "nodeType": n.node_type, "aspectNames": n.aspects}
                for n in chain
            ],
        }
    if "permissions" in wanted:
        entry["permissions"] = {
            "isInheritanceEnabled": node.inherit,
            "inherited": [p.as_json() for p in repo.inherited_permissions(node)],
            "locallySet": [p.as_json() for p in node.permissions],
            "settable": ["Contributor", "Collaborator", "Coordinator", "Editor", "Consumer"],
        }
    if "isLink" in wanted:
        entry["isLink"] = False
    if "isFavorite" in wanted:
        entry["isFavorite"] = False
    if association or "association" in wanted:
        entry["association"] = {"assocType": "cm:contains", "isPrimary": True}
    if node.archived_at is not None:
        entry["archivedAt"] = timestamp(node.archived_at)
        entry["archivedByUser"] = repo.user_info(node.archived_by or node.created_by)
    return entry


def pick_fields(entry: dict[str, Any], fields: Sequence[str], include: Iterable[str]) -> Any:
    """``fields``: keep only those (and the included ones), as ACS does."""
    if not fields:
        return entry
    keep = set(fields) | set(include)
    return {k: v for k, v in entry.items() if k in keep}


def version_json(version: Version, include: Iterable[str] = ()) -> dict[str, Any]:
    wanted = set(include)
    entry: dict[str, Any] = {
        "id": version.label,
        "name": version.name,
        "nodeType": version.node_type,
        "isFolder": False,
        "isFile": True,
        "modifiedAt": timestamp(version.modified_at),
        "modifiedByUser": {"id": version.modified_by, "displayName": version.modified_by},
        "content": content_json(version),
    }
    if version.comment is not None:
        entry["versionComment"] = version.comment
    if "properties" in wanted:
        entry["properties"] = dict(version.properties)
    if "aspectNames" in wanted:
        entry["aspectNames"] = list(version.aspects)
    return entry


def tag_json(repo: Repository, tag_id: str, *, count: bool = False) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": tag_id, "tag": repo.tags[tag_id]}
    if count:
        entry["count"] = repo.tag_count(tag_id)
    return entry


def shared_link_json(repo: Repository, link: SharedLink) -> dict[str, Any]:
    node = repo.nodes[link.node_id]
    entry: dict[str, Any] = {
        "id": link.id,
        "nodeId": node.id,
        "name": node.name,
        "modifiedAt": timestamp(node.modified_at),
        "modifiedByUser": repo.user_info(node.modified_by),
        "sharedByUser": repo.user_info(link.shared_by),
        "content": content_json(node),
        "allowableOperations": ["delete"],
        "allowableOperationsOnTarget": repo.allowable_operations(node, link.shared_by),
    }
    if link.expires_at:
        entry["expiresAt"] = link.expires_at
    return entry


def record_json(repo: Repository, node: Node, include: Iterable[str] = ()) -> dict[str, Any]:
    wanted = set(include)
    entry: dict[str, Any] = {
        "id": node.id,
        "parentId": node.parent_id,
        "name": node.name,
        "nodeType": node.node_type,
        "isCompleted": False,
        "modifiedAt": timestamp(node.modified_at),
        "modifiedByUser": repo.user_info(node.modified_by),
        "createdAt": timestamp(node.created_at),
        "createdByUser": repo.user_info(node.created_by),
        "aspectNames": list(node.aspects),
        "properties": dict(node.properties),
    }
    if "content" in wanted:
        entry["content"] = content_json(node)
    if "path" in wanted:
        chain = repo.ancestors(node)
        entry["path"] = {
            "name": "/" + "/".join(n.name for n in chain),
            "isComplete": True,
            "elements": [{"id": n.id, "name": n.name} for n in chain],
        }
    return entry


def group_json(group: SecurityGroup) -> dict[str, Any]:
    return {"id": group.id, "groupName": group.name, "groupType": group.group_type, "inUse": True}


def mark_json(group: SecurityGroup, mark_id: str) -> dict[str, Any]:
    return {"id": mark_id, "name": group.marks[mark_id], "groupId": group.id}


def paging(entries: Sequence[Any], skip: int, max_items: int, *, wrap: bool = True) -> Any:
    """``{"list": {"pagination", "entries"}}`` of one page of ``entries``."""
    page = entries[skip : skip + max_items]
    return {
        "list": {
            "pagination": {
                "count": len(page),
                "hasMoreItems": skip + len(page) < len(entries),
                "totalItems": len(entries),
                "skipCount": skip,
                "maxItems": max_items,
            },
            "entries": [{"entry": e} for e in page] if wrap else list(page),
        }
    }
