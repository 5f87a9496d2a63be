"""The REST operations of the fake: one method per operation, taking the parsed request and
answering a :class:`Reply` (or raising :class:`AcsError`). Routing, authentication,
streaming and the spec checks live in :mod:`.fake_acs`."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .acs_auth import Authenticator
from .acs_json import (
    group_json,
    mark_json,
    node_json,
    paging,
    pick_fields,
    record_json,
    shared_link_json,
    tag_json,
    version_json,
)
from .acs_model import AcsError, Node, Repository, bad
from .acs_search import afts, cmis, sort_key
from .acs_store import Blob

__all__ = ["ROUTES", "Reply", "Request", "Route", "Routes"]


@dataclass
class Request:
    """One request as the operations see it."""

    method: str
    url: str  # path and query, as sent
    path: str  # percent-decoded path below the API's base path
    params: dict[str, str]  # path parameters
    query: dict[str, list[str]]
    headers: Mapping[str, str]  # lower-case names
    user: str = ""
    ticket: str | None = None
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)  # multipart fields (not the file)
    blob: Blob | None = None  # an upload, streamed to the store
    blob_type: str | None = None  # the upload's content type
    blob_name: str | None = None  # the upload's file name

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def flag(self, name: str, default: bool | None = None) -> bool | None:
        value = self.arg(name)
        if value is None:
            value = self.form.get(name)
        if value is None:
            return default
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise bad(f"{name} must be true or false, not {value!r}")

    def number(self, name: str, default: int, minimum: int) -> int:
        value = self.arg(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError as exc:
            raise bad(f"{name} must be an integer") from exc
        if number < minimum:
            raise bad(f"{name} must be at least {minimum}")
        return number

    def listed(self, name: str) -> list[str]:
        return [p.strip() for v in self.query.get(name, []) for p in v.split(",") if p.strip()]


@dataclass
class Reply:
    status: int
    payload: Any = None
    checked: Any = None  # what the spec check sees, when `fields` trimmed the payload
    headers: dict[str, str] = field(default_factory=dict)
    blob: Blob | None = None
    mime_type: str | None = None
    byte_range: tuple[int, int] | None = None  # inclusive


@dataclass(frozen=True)
class Route:
    method: str
    api: str
    pattern: re.Pattern[str]
    handler: str
    upload: bool = False  # the body is streamed by the server, not read whole


def _route(method: str, api: str, template: str, handler: str, *, upload: bool = False) -> Route:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return Route(method, api, re.compile(f"^{regex}$"), handler, upload)


ROUTES = [
    _route("GET", "core", "/nodes/{nodeId}", "get_node"),
    _route("PUT", "core", "/nodes/{nodeId}", "update_node"),
    _route("DELETE", "core", "/nodes/{nodeId}", "delete_node"),
    _route("GET", "core", "/nodes/{nodeId}/children", "list_children"),
    _route("POST", "core", "/nodes/{nodeId}/children", "create_node", upload=True),
    _route("GET", "core", "/nodes/{nodeId}/content", "get_content"),
    _route("PUT", "core", "/nodes/{nodeId}/content", "update_content", upload=True),
    _route("POST", "core", "/nodes/{nodeId}/copy", "copy_node"),
    _route("POST", "core", "/nodes/{nodeId}/move", "move_node"),
    _route("POST", "core", "/nodes/{nodeId}/lock", "lock_node"),
    _route("POST", "core", "/nodes/{nodeId}/unlock", "unlock_node"),
    _route("GET", "core", "/nodes/{nodeId}/tags", "list_tags"),
    _route("POST", "core", "/nodes/{nodeId}/tags", "add_tags"),
    _route("DELETE", "core", "/nodes/{nodeId}/tags/{tagId}", "remove_tag"),
    _route("GET", "core", "/nodes/{nodeId}/versions", "list_versions"),
    _route("GET", "core", "/nodes/{nodeId}/versions/{versionId}", "get_version"),
    _route("GET", "core", "/nodes/{nodeId}/versions/{versionId}/content", "version_content"),
    _route("POST", "core", "/nodes/{nodeId}/versions/{versionId}/revert", "revert_version"),
    _route("GET", "core", "/nodes/{nodeId}/parents", "list_parents"),
    _route("POST", "core", "/shared-links", "create_shared_link"),
    _route("GET", "core", "/deleted-nodes", "list_deleted"),
    _route("GET", "core", "/deleted-nodes/{nodeId}", "get_deleted"),
    _route("POST", "core", "/deleted-nodes/{nodeId}/restore", "restore_deleted"),
    _route("GET", "core", "/tags", "list_all_tags"),
    _route("POST", "search", "/search", "search"),
    _route("POST", "auth", "/tickets", "login"),
    _route("GET", "auth", "/tickets/-me-", "validate_ticket"),
    _route("DELETE", "auth", "/tickets/-me-", "logout"),
    _route("POST", "gs", "/files/{fileId}/declare", "declare_record"),
    _route("GET", "gs", "/security-groups", "list_security_groups"),
    _route("GET", "gs", "/security-groups/{groupId}/security-marks", "list_security_marks"),
    _route("GET", "gs", "/secured-nodes/{nodeId}/securing-marks", "get_securing_marks"),
    _route("POST", "gs", "/secured-nodes/{nodeId}/securing-marks", "update_securing_marks"),
]


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad(f"the body must be a JSON object ({what})")
    return value


class Routes:
    """The operations over one repository."""

    def __init__(self, repo: Repository, auth: Authenticator) -> None:
        self.repo = repo
        self.auth = auth

    def handler(self, name: str) -> Callable[[Request], Reply]:
        found: Callable[[Request], Reply] = getattr(self, name)
        return found

    # ------------------------------------------------------------------ helpers

    def _node_reply(self, req: Request, node: Node, status: int = 200) -> Reply:
        include = req.listed("include")
        entry = node_json(self.repo, node, req.user, include)
        return Reply(
            status,
            {"entry": pick_fields(entry, req.listed("fields"), include)},
            checked={"entry": entry},
        )

    def _page(self, req: Request, entries: list[dict[str, Any]]) -> Reply:
        skip = req.number("skipCount", 0, 0)
        limit = req.number("maxItems", 100, 1)
        fields, include = req.listed("fields"), req.listed("include")
        full = paging(entries, skip, limit)
        trimmed = paging([pick_fields(e, fields, include) for e in entries], skip, limit)
        return Reply(200, trimmed, checked=full)

    def node(self, req: Request, key: str = "nodeId") -> Node:
        return self.repo.resolve(req.params[key], req.user)

    # ------------------------------------------------------------------ nodes

    def get_node(self, req: Request) -> Reply:
        node = self.node(req)
        relative = req.arg("relativePath")
        if relative:
            node = self.repo.relative(node, relative, req.user)
        return self._node_reply(req, node)

    def update_node(self, req: Request) -> Reply:
        node = self.node(req)
        self.repo.update(node, req.user, _object(req.json, "NodeBodyUpdate"))
        return self._node_reply(req, node)

    def delete_node(self, req: Request) -> Reply:
        node = self.node(req)
        self.repo.delete(node, req.user, permanent=bool(req.flag("permanent", False)))
        return Reply(204)

    def list_children(self, req: Request) -> Reply:
        folder = self.node(req)
        relative = req.arg("relativePath")
        if relative:
            folder = self.repo.relative(folder, relative, req.user)
        if not folder.is_folder:
            raise bad(f"Node {folder.id} is not a folder")
        children = self.repo.children(folder, req.user)
        where = req.arg("where")
        if where:
            children = [c for c in children if self._where(where)(c)]
        for spec in reversed(req.listed("orderBy")):
            column, _, direction = spec.partition(" ")
            keys = {"name": "cm:name", "createdAt": "cm:created", "modifiedAt": "cm:modified"}
            if column == "isFolder":
                children.sort(key=lambda n: n.is_folder, reverse=direction.upper() != "ASC")
                continue
            if column not in keys:
                raise bad(f"orderBy: unsupported field {column!r}")
            children.sort(
                key=sort_key(self.repo, keys[column]), reverse=direction.upper() == "DESC"
            )
        include = req.listed("include")
        entries = [node_json(self.repo, c, req.user, include, full=False) for c in children]
        reply = self._page(req, entries)
        if req.flag("includeSource", False):
            source = node_json(self.repo, folder, req.user, include)
            reply.payload["list"]["source"] = source
            reply.checked["list"]["source"] = source
        return reply

    @staticmethod
    def _where(where: str) -> Callable[[Node], bool]:
        text = where.strip()
        match = re.fullmatch(r"\(\s*(isFolder|isFile)\s*=\s*(true|false)\s*\)", text)
        if match:
            wanted = match.group(2) == "true"
            if match.group(1) == "isFolder":
                return lambda n: n.is_folder == wanted
            return lambda n: n.is_file == wanted
        match = re.fullmatch(r"\(\s*nodeType\s*=\s*'([^']+)'\s*\)", text)
        if match:
            node_type = match.group(1)
            return lambda n: n.node_type == node_type
        raise bad(f"where: the fake does not support {where!r}")

    def create_node(self, req: Request) -> Reply:
        parent = self.node(req)
        if req.blob is not None or req.form:
            return self._upload(req, parent)
        body = req.json
        bodies = body if isinstance(body, list) else [body]
        created = [self._create(req, parent, _object(b, "NodeBodyCreate")) for b in bodies]
        if isinstance(body, list):
            include = req.listed("include")
            entries = [node_json(self.repo, n, req.user, include) for n in created]
            return Reply(201, paging(entries, 0, max(len(entries), 1)))
        return self._node_reply(req, created[0], 201)

    def _versioning(self, req: Request, *, default: str | None) -> str | None:
        enabled = req.flag("versioningEnabled")
        major = req.flag("majorVersion")
        if enabled is False:
            return None
        if major is None:
            return default if enabled is None else "MAJOR"
        return "MAJOR" if major else "MINOR"

    def _create(self, req: Request, parent: Node, body: dict[str, Any]) -> Node:
        return self.repo.create(
            parent,
            req.user,
            name=body.get("name"),
            node_type=body.get("nodeType"),
            properties=_object(body.get("properties") or {}, "properties"),
            aspects=body.get("aspectNames") or (),
            auto_rename=bool(req.flag("autoRename", False)),
            relative_path=body.get("relativePath"),
            versioning=self._versioning(req, default=None),
            permissions=body.get("permissions"),
        )

    _FORM_KEYS = frozenset(
        {
            "filedata", "name", "nodeType", "relativePath", "autoRename", "majorVersion",
            "versioningEnabled", "comment", "overwrite", "aspectNames", "aspectnames",
            "renditions", "include", "fields",
        }
    )  # fmt: skip

    def _upload(self, req: Request, parent: Node) -> Reply:
        form = req.form
        if req.blob is None:
            raise bad("filedata is mandatory for a multipart upload")
        name = form.get("name") or req.blob_name
        node_type = form.get("nodeType", "cm:content")
        aspects = [
            a.strip()
            for a in (form.get("aspectNames") or form.get("aspectnames") or "").split(",")
            if a.strip()
        ]
        properties = {k: v for k, v in form.items() if k not in self._FORM_KEYS}
        if req.flag("overwrite", False) and isinstance(name, str):
            target = parent
            if form.get("relativePath"):
                target = self.repo.relative(parent, form["relativePath"], req.user)
            existing = self.repo.child(target, name)
            if existing is not None and "cm:versionable" in existing.aspects:
                self.repo.set_content(
                    existing,
                    req.user,
                    req.blob,
                    mime_type=req.blob_type,
                    major=bool(req.flag("majorVersion", False)),
                    comment=form.get("comment"),
                    name=None,
                )
                return self._node_reply(req, existing, 201)
        node = self.repo.create(
            parent,
            req.user,
            name=name,
            node_type=node_type,
            properties=properties,
            aspects=aspects,
            auto_rename=bool(req.flag("autoRename", False)),
            relative_path=form.get("relativePath"),
            blob=req.blob,
            mime_type=req.blob_type,
            versioning=self._versioning(req, default="MAJOR"),
            comment=form.get("comment"),
        )
        return self._node_reply(req, node, 201)

    # ------------------------------------------------------------------ content

    def _content_reply(self, req: Request, blob: Blob, mime: str, name: str) -> Reply:
        headers = {"Accept-Ranges": "bytes"}
        attachment = req.flag("attachment", True)
        disposition = "attachment" if attachment else "inline"
        headers["Content-Disposition"] = f'{disposition}; filename="{name}"'
        byte_range = None
        wanted = req.headers.get("range")
        if wanted:
            match = re.fullmatch(r"bytes=(\d*)-(\d*)", wanted.strip())
            if match is None or (not match.group(1) and not match.group(2)):
                raise AcsError(416, f"Range {wanted!r} is not satisfiable")
            if match.group(1):
                start = int(match.group(1))
                end = int(match.group(2)) if match.group(2) else blob.size - 1
            else:
                start, end = max(blob.size - int(match.group(2)), 0), blob.size - 1
            end = min(end, blob.size - 1)
            if start > end:
                raise AcsError(416, f"Range {wanted!r} is not satisfiable")
            byte_range = (start, end)
            headers["Content-Range"] = f"bytes {start}-{end}/{blob.size}"
        return Reply(
            206 if byte_range else 200,
            blob=blob,
            mime_type=mime,
            headers=headers,
            byte_range=byte_range,
        )

    def get_content(self, req: Request) -> Reply:
        node = self.node(req)
        if not node.is_file or node.blob is None:
            raise bad(f"Node {node.id} is not a file; it has no content")
        return self._content_reply(req, node.blob, node.mime_type, node.name)

    def update_content(self, req: Request) -> Reply:
        node = self.node(req)
        assert req.blob is not None
        self.repo.set_content(
            node,
            req.user,
            req.blob,
            mime_type=req.blob_type,
            major=bool(req.flag("majorVersion", False)),
            comment=req.arg("comment"),
            name=req.arg("name"),
        )
        return self._node_reply(req, node)

    # ------------------------------------------------------------------ copy, move, lock

    def _target(self, req: Request) -> tuple[Node, str | None]:
        body = _object(req.json, "target")
        target_id = body.get("targetParentId")
        if not isinstance(target_id, str) or not target_id:
            raise bad("targetParentId is mandatory")
        name = body.get("name")
        return self.repo.resolve(target_id, req.user), name if isinstance(name, str) else None

    def copy_node(self, req: Request) -> Reply:
        node = self.node(req)
        target, name = self._target(req)
        return self._node_reply(req, self.repo.copy(node, req.user, target, name), 201)

    def move_node(self, req: Request) -> Reply:
        node = self.node(req)
        target, name = self._target(req)
        self.repo.move(node, req.user, target, name)
        return self._node_reply(req, node)

    def lock_node(self, req: Request) -> Reply:
        node = self.node(req)
        body = _object(req.json if req.json is not None else {}, "NodeBodyLock")
        lock_type = body.get("type", "ALLOW_OWNER_CHANGES")
        lifetime = body.get("lifetime", "PERSISTENT")
        expire = body.get("timeToExpire", 0)
        if lock_type not in ("ALLOW_OWNER_CHANGES", "FULL"):
            raise bad(f"type must be ALLOW_OWNER_CHANGES or FULL, not {lock_type!r}")
        if lifetime not in ("PERSISTENT", "EPHEMERAL"):
            raise bad(f"lifetime must be PERSISTENT or EPHEMERAL, not {lifetime!r}")
        if not isinstance(expire, int) or isinstance(expire, bool) or expire < 0:
            raise bad("timeToExpire must be a non-negative integer")
        self.repo.lock_node(
            node, req.user, lock_type=lock_type, lifetime=lifetime, time_to_expire=expire
        )
        return self._node_reply(req, node)

    def unlock_node(self, req: Request) -> Reply:
        node = self.node(req)
        self.repo.unlock_node(node, req.user)
        return self._node_reply(req, node)

    def list_parents(self, req: Request) -> Reply:
        node = self.node(req)
        parents = [self.repo.nodes[p] for p in (node.parent_id, *node.secondary_parents) if p]
        include = req.listed("include")
        entries = []
        for parent in parents:
            entry = node_json(self.repo, parent, req.user, include, full=False)
            entry["association"] = {
                "assocType": "cm:contains",
                "isPrimary": parent.id == node.parent_id,
            }
            entries.append(entry)
        return self._page(req, entries)

    # ------------------------------------------------------------------ tags

    def list_tags(self, req: Request) -> Reply:
        node = self.node(req)
        return self._page(req, [tag_json(self.repo, t) for t in node.tags])

    def add_tags(self, req: Request) -> Reply:
        node = self.node(req)
        body = req.json
        bodies = body if isinstance(body, list) else [body]
        ids = [self.repo.add_tag(node, req.user, _object(b, "TagBody").get("tag")) for b in bodies]
        if isinstance(body, list):
            entries = [tag_json(self.repo, t) for t in ids]
            return Reply(201, paging(entries, 0, max(len(entries), 1)))
        return Reply(201, {"entry": tag_json(self.repo, ids[0])})

    def remove_tag(self, req: Request) -> Reply:
        node = self.node(req)
        self.repo.remove_tag(node, req.user, req.params["tagId"])
        return Reply(204)

    def list_all_tags(self, req: Request) -> Reply:
        count = "count" in req.listed("include")
        entries = [tag_json(self.repo, t, count=count) for t in self.repo.tags]
        return self._page(req, entries)

    # ------------------------------------------------------------------ versions

    def list_versions(self, req: Request) -> Reply:
        node = self.node(req)
        include = req.listed("include")
        entries = [version_json(v, include) for v in reversed(node.versions)]
        return self._page(req, entries)

    def get_version(self, req: Request) -> Reply:
        node = self.node(req)
        version = self.repo.version(node, req.params["versionId"])
        return Reply(200, {"entry": version_json(version)})

    def version_content(self, req: Request) -> Reply:
        node = self.node(req)
        version = self.repo.version(node, req.params["versionId"])
        return self._content_reply(req, version.blob, version.mime_type, version.name)

    def revert_version(self, req: Request) -> Reply:
        node = self.node(req)
        body = _object(req.json if req.json is not None else {}, "RevertBody")
        comment = body.get("comment")
        version = self.repo.revert(
            node,
            req.user,
            req.params["versionId"],
            major=bool(body.get("majorVersion", False)),
            comment=comment if isinstance(comment, str) else None,
        )
        return Reply(200, {"entry": version_json(version)})

    # ------------------------------------------------------------------ shared links, trash

    def create_shared_link(self, req: Request) -> Reply:
        body = _object(req.json, "SharedLinkBodyCreate")
        node_id = body.get("nodeId")
        if not isinstance(node_id, str):
            raise bad("nodeId is mandatory")
        node = self.repo.resolve(node_id, req.user)
        expires = body.get("expiresAt")
        link = self.repo.share(node, req.user, expires if isinstance(expires, str) else None)
        return Reply(201, {"entry": shared_link_json(self.repo, link)})

    def _readable_deleted(self, req: Request) -> list[Node]:
        record = self.repo.users.get(req.user)
        admin = record is not None and record.admin
        return [n for n in self.repo.trashcan() if admin or n.archived_by == req.user]

    def list_deleted(self, req: Request) -> Reply:
        include = req.listed("include")
        entries = [
            node_json(self.repo, n, req.user, include, full=False)
            for n in self._readable_deleted(req)
        ]
        return self._page(req, entries)

    def get_deleted(self, req: Request) -> Reply:
        node_id = req.params["nodeId"]
        for node in self._readable_deleted(req):
            if node.id == node_id:
                return self._node_reply(req, node)
        raise AcsError(404, f"The entity with id: {node_id} was not found")

    def restore_deleted(self, req: Request) -> Reply:
        node_id = req.params["nodeId"]
        for node in self._readable_deleted(req):
            if node.id == node_id:
                parent = self.repo.nodes.get(node.parent_id or "")
                if parent is None or parent.archived:
                    raise AcsError(404, f"The entity with id: {node.parent_id} was not found")
                if self.repo.child(parent, node.name) is not None:
                    raise AcsError(409, f"Duplicate child name not allowed: {node.name}")
                parent.children[node.name.lower()] = node.id
                for each in (node, *self.repo.descendants(node)):
                    each.archived_at = each.archived_by = None
                return self._node_reply(req, node)
        raise AcsError(404, f"The entity with id: {node_id} was not found")

    # ------------------------------------------------------------------ search

    def search(self, req: Request) -> Reply:
        body = _object(req.json, "SearchRequest")
        query = _object(body.get("query"), "query")
        text = query.get("query")
        if not isinstance(text, str):
            raise bad("query.query is mandatory")
        language = query.get("language", "afts")
        order: list[tuple[str, bool]] = []
        if language in ("afts", "lucene"):
            matcher = afts(self.repo, text)
        elif language == "cmis":
            matcher, order = cmis(self.repo, text)
        else:
            raise bad(f"Unknown query language {language!r}")
        filters = [afts(self.repo, f["query"]) for f in body.get("filterQueries") or ()]
        scope = (body.get("scope") or {}).get("locations", "nodes")
        if scope != "nodes":
            raise bad(f"the fake searches nodes only, not {scope!r}")
        for item in body.get("sort") or ():
            if item.get("type", "FIELD") == "FIELD" and item.get("field"):
                order.append((item["field"], bool(item.get("ascending", False))))
        found = [
            n
            for n in self.repo.live_nodes()
            if matcher(n) and all(f(n) for f in filters) and "read" in self.repo.rights(n, req.user)
        ]
        found.sort(key=lambda n: n.created_at)
        for column, ascending in reversed(order):
            found.sort(key=sort_key(self.repo, column), reverse=not ascending)
        paging_body = body.get("paging") or {}
        skip = int(paging_body.get("skipCount", 0))
        limit = int(paging_body.get("maxItems", 100))
        include = list(body.get("include") or ())
        fields = list(body.get("fields") or ())
        entries = []
        for node in found:
            entry = node_json(self.repo, node, req.user, include, full=False)
            entry["search"] = {"score": 1.0}
            entries.append(entry)
        full = paging(entries, skip, limit)
        trimmed = paging([pick_fields(e, fields, include) for e in entries], skip, limit)
        for reply_body in (full, trimmed):
            reply_body["list"]["context"] = {"consistency": {"lastTxId": len(self.repo.nodes)}}
        return Reply(200, trimmed, checked=full)

    # ------------------------------------------------------------------ authentication

    def login(self, req: Request) -> Reply:
        body = req.json if isinstance(req.json, dict) else {}
        user_id, password = body.get("userId"), body.get("password")
        if not user_id or not password:
            raise bad("userId and password are mandatory")
        ticket = self.auth.login(user_id, password)
        if ticket is None:
            raise AcsError(403, "Login failed", key="framework.exception.ApiDefault")
        return Reply(201, {"entry": {"id": ticket, "userId": user_id}})

    def validate_ticket(self, req: Request) -> Reply:
        if req.ticket is None:
            raise bad("the ticket is not provided by the Authorization header")
        return Reply(200, {"entry": {"id": req.ticket}})

    def logout(self, req: Request) -> Reply:
        if req.ticket is None:
            raise bad("the ticket is not provided by the Authorization header")
        self.auth.logout(req.ticket)
        return Reply(204)

    # ------------------------------------------------------------------ governance

    def declare_record(self, req: Request) -> Reply:
        node = self.repo.resolve(req.params["fileId"], req.user)
        record = self.repo.declare(
            node,
            req.user,
            hide=bool(req.flag("hideRecord", False)),
            parent_id=req.arg("parentId"),
        )
        entry = record_json(self.repo, record, req.listed("include"))
        return Reply(201, {"entry": entry})

    def list_security_groups(self, req: Request) -> Reply:
        groups = [group_json(g) for g in self.repo.security_groups.values()]
        return self._page(req, groups)

    def list_security_marks(self, req: Request) -> Reply:
        group = self.repo.security_groups.get(req.params["groupId"])
        if group is None:
            raise AcsError(404, f"The entity with id: {req.params['groupId']} was not found")
        return self._page(req, [mark_json(group, m) for m in group.marks])

    def _marks_page(self, req: Request, node: Node) -> Reply:
        marks = [mark_json(self.repo.security_groups[g], m) for g, m in node.security_marks]
        return self._page(req, marks)

    def get_securing_marks(self, req: Request) -> Reply:
        return self._marks_page(req, self.node(req))

    def update_securing_marks(self, req: Request) -> Reply:
        node = self.node(req)
        updates = req.json if isinstance(req.json, list) else [req.json]
        self.repo.update_marks(node, req.user, updates)
        return self._marks_page(req, node)


def json_bytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def chunks_of(blob: Blob, byte_range: tuple[int, int] | None) -> Iterator[bytes]:
    if byte_range is None:
        return blob.chunks()
    start, end = byte_range
    return blob.chunks(start, end - start + 1)
