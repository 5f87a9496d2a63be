"""The fake repository's state and rules: the node tree, content and versions, locks,
aspects and properties, permissions, tags, the trashcan, shared links, records and
security marks. Every change goes through a method here that enforces what ACS enforces
(name clashes, locks, permissions, the content model) and raises :class:`AcsError` with the
status ACS answers; the HTTP layer only translates."""

from __future__ import annotations

import datetime as dt
import itertools
import mimetypes
import re
import secrets
import threading
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .acs_store import Blob, ContentStore

__all__ = [
    "ROLES",
    "AcsError",
    "Lock",
    "Node",
    "Permission",
    "Repository",
    "SecurityGroup",
    "SharedLink",
    "User",
    "Version",
    "iso9075",
]

# Roles a permission entry may name, with what they allow. ACS's own roles; "All" and
# the site roles for completeness. Rights: read, write, create (children), delete,
# permissions (change them).
_ALL = frozenset({"read", "write", "create", "delete", "permissions"})
ROLES: dict[str, frozenset[str]] = {
    "Consumer": frozenset({"read"}),
    "Contributor": frozenset({"read", "create"}),
    "Editor": frozenset({"read", "write"}),
    "Collaborator": frozenset({"read", "write", "create"}),
    "Coordinator": _ALL,
    "SiteConsumer": frozenset({"read"}),
    "SiteContributor": frozenset({"read", "create"}),
    "SiteCollaborator": frozenset({"read", "write", "create"}),
    "SiteManager": _ALL,
    "Read": frozenset({"read"}),
    "Write": frozenset({"write"}),
    "Delete": frozenset({"delete"}),
    "AddChildren": frozenset({"create"}),
    "ChangePermissions": frozenset({"permissions"}),
    "All": _ALL,
}
_SETTABLE = ["Contributor", "Collaborator", "Coordinator", "Editor", "Consumer"]

# Properties whose aspect ACS applies when they are set ("any missing aspects are applied
# automatically"), and so removes with the aspect.
_PROPERTY_ASPECTS = {
    "cm:title": "cm:titled",
    "cm:description": "cm:titled",
    "cm:author": "cm:author",
    "cm:versionLabel": "cm:versionable",
    "cm:versionType": "cm:versionable",
    "cm:lockType": "cm:lockable",
    "cm:lockOwner": "cm:lockable",
    "cm:lockLifetime": "cm:lockable",
    "cm:expiryDate": "cm:lockable",
    "cm:taggable": "cm:taggable",
    "qshare:sharedId": "qshare:shared",
    "qshare:sharedBy": "qshare:shared",
}
# Aspects every node has and no update removes (ACS keeps system aspects).
_SYSTEM_ASPECTS = ("cm:auditable",)
_QNAME = re.compile(r"^[A-Za-z][\w-]*:[\w.-]+$")
# Characters ACS refuses in a node name, and names ending in a dot or a space.
_BAD_NAME = re.compile(r'[*"<>\\/?:|]|[. ]$')
_LABEL = re.compile(r"^(\d+)\.(\d+)$")
STACK_TRACE = (
    "For security reasons the stack trace is no longer displayed, but the property is kept "
    "for previous versions"
)


class AcsError(Exception):
    """A refusal, answered in ACS's error envelope with ``status``."""

    _log_ids = itertools.count(1)

    def __init__(self, status: int, summary: str, key: str | None = None) -> None:
        super().__init__(summary)
        self.status = status
        self.summary = summary
        self.key = key or {
            400: "framework.exception.InvalidArgument",
            401: "framework.exception.ApiDefault",
            403: "framework.exception.PermissionDenied",
            404: "framework.exception.EntityNotFound",
            405: "framework.exception.UnsupportedResourceOperation",
        }.get(status, summary)

    def envelope(self) -> dict[str, Any]:
        """``{"error": {...}}`` as ACS writes it (a numbered brief summary, a log id)."""
        number = next(self._log_ids)
        return {
            "error": {
                "errorKey": self.key,
                "statusCode": self.status,
                "briefSummary": f"{5_000_000 + number:08d} {self.summary}",
                "stackTrace": STACK_TRACE,
                "descriptionURL": "https://api-explorer.alfresco.com",
                "logId": f"{number:032x}",
            }
        }


def not_found(node_id: str) -> AcsError:
    return AcsError(404, f"The entity with id: {node_id} was not found")


def denied() -> AcsError:
    return AcsError(403, "Permission was denied")


def bad(message: str) -> AcsError:
    return AcsError(400, f"An invalid argument was received {message}")


def iso9075(name: str) -> str:
    """A name as the local part of a QName path (ISO 9075 encoding, as ACS's PATH uses)."""
    out: list[str] = []
    for index, char in enumerate(name):
        ok = char.isalpha() or char == "_" or (index > 0 and (char.isdigit() or char in "-."))
        if char == "_" and name[index + 1 : index + 2] == "x":
            ok = False
        out.append(char if ok else f"_x{ord(char):04X}_")
    return "".join(out)


def timestamp(moment: dt.datetime) -> str:
    """ACS's date-time format: ``2024-05-01T10:00:00.000+0000``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


@dataclass
class User:
    id: str
    password: str
    display_name: str
    admin: bool = False
    groups: set[str] = field(default_factory=set)
    home_id: str | None = None


@dataclass
class Lock:
    owner: str
    type: str  # ALLOW_OWNER_CHANGES | FULL
    lifetime: str  # PERSISTENT | EPHEMERAL
    expires_at: float | None  # on the repository's clock; None: until unlocked


@dataclass
class Permission:
    authority: str
    role: str
    access: str = "ALLOWED"

    def as_json(self) -> dict[str, Any]:
        return {"authorityId": self.authority, "name": self.role, "accessStatus": self.access}


@dataclass
class Version:
    label: str
    comment: str | None
    major: bool
    name: str
    node_type: str
    properties: dict[str, Any]
    aspects: list[str]
    blob: Blob
    mime_type: str
    encoding: str
    modified_at: dt.datetime
    modified_by: str


@dataclass
class Node:
    """One node. Read it freely in tests; change it through the repository."""

    id: str
    name: str
    node_type: str
    parent_id: str | None
    qname: str
    created_at: dt.datetime
    created_by: str
    modified_at: dt.datetime
    modified_by: str
    properties: dict[str, Any] = field(default_factory=dict)
    aspects: list[str] = field(default_factory=lambda: list(_SYSTEM_ASPECTS))
    is_folder: bool = False
    blob: Blob | None = None
    mime_type: str = "application/octet-stream"
    encoding: str = "UTF-8"
    children: dict[str, str] = field(default_factory=dict)  # lower-case name -> id
    secondary_parents: list[str] = field(default_factory=list)
    inherit: bool = True
    permissions: list[Permission] = field(default_factory=list)
    lock: Lock | None = None
    tags: list[str] = field(default_factory=list)  # tag ids
    versions: list[Version] = field(default_factory=list)  # oldest first
    archived_at: dt.datetime | None = None
    archived_by: str | None = None
    security_marks: list[tuple[str, str]] = field(default_factory=list)  # (group, mark)
    system: bool = False  # Company Home and its well-known folders: not deletable

    @property
    def is_file(self) -> bool:
        return not self.is_folder

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    @property
    def content(self) -> bytes:
        """The current content (small files in tests)."""
        return self.blob.read() if self.blob is not None else b""

    @property
    def version_label(self) -> str | None:
        return self.versions[-1].label if self.versions else None


@dataclass
class SharedLink:
    id: str
    node_id: str
    shared_by: str
    shared_at: dt.datetime
    expires_at: str | None


@dataclass
class SecurityGroup:
    id: str
    name: str
    group_type: str
    marks: dict[str, str]  # mark id -> name


class Repository:
    """The state. Methods take the acting user's id and raise :class:`AcsError`."""

    def __init__(self, store: ContentStore, *, admin: str, admin_password: str) -> None:
        self.lock = threading.RLock()
        self.store = store
        self.clock_offset = 0.0
        self.locked_status = 409
        self.nodes: dict[str, Node] = {}
        self.users: dict[str, User] = {}
        self.groups: set[str] = {"GROUP_EVERYONE", "GROUP_ALFRESCO_ADMINISTRATORS"}
        self.tags: dict[str, str] = {}  # id -> name
        self.shared_links: dict[str, SharedLink] = {}
        self.security_groups: dict[str, SecurityGroup] = {}
        self.types: dict[str, str | None] = {
            "sys:base": None,
            "cm:cmobject": "sys:base",
            "cm:content": "cm:cmobject",
            "cm:folder": "cm:cmobject",
            "cm:thumbnail": "cm:content",
            "app:filelink": "cm:content",
            "app:folderlink": "cm:folder",
            "st:sites": "cm:folder",
            "st:site": "cm:folder",
            "rma:filePlan": "cm:folder",
            "rma:unfiledRecordContainer": "cm:folder",
            "rma:recordCategory": "cm:folder",
            "rma:recordFolder": "cm:folder",
        }
        self.aspects: set[str] = {
            "cm:auditable", "cm:titled", "cm:author", "cm:versionable", "cm:lockable",
            "cm:taggable", "cm:generalclassifiable", "cm:dublincore", "cm:effectivity",
            "cm:geographic", "cm:emailed", "cm:indexControl", "cm:ownable", "cm:workingcopy",
            "cm:copiedfrom", "exif:exif", "qshare:shared", "rma:record",
            "rma:declaredRecord", "rma:recordComponentIdentifier", "sys:hidden",
            "cm:classifiable",
        }  # fmt: skip
        self._record_ids = itertools.count(1)
        root = self._new_node("Company Home", "cm:folder", None, admin, qname="app:company_home")
        root.system = True
        root.permissions = [Permission("GROUP_EVERYONE", "Consumer")]
        self.company_home = root.id
        self.add_user(admin, admin_password, admin=True)
        self.user_homes = self._system_folder("User Homes", "app:user_homes").id
        shared = self._system_folder("Shared", "app:shared")
        shared.permissions = [Permission("GROUP_EVERYONE", "Contributor")]
        self.shared = shared.id
        self.sites = self._system_folder("Sites", "st:sites", node_type="st:sites").id
        self._system_folder("Data Dictionary", "app:dictionary")
        self._system_folder("Guest Home", "app:guest_home")
        self.users[admin].home_id = root.id  # ACS: the admin's home is Company Home

    # ------------------------------------------------------------------ clock

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.clock_offset)

    def seconds(self) -> float:
        return self.now().timestamp()

    # ------------------------------------------------------------------ users

    def add_user(
        self,
        user_id: str,
        password: str,
        *,
        admin: bool = False,
        groups: Iterable[str] = (),
        display_name: str | None = None,
    ) -> User:
        with self.lock:
            user = User(user_id, password, display_name or user_id, admin, set(groups))
            if admin:
                user.groups.add("GROUP_ALFRESCO_ADMINISTRATORS")
            self.groups.update(user.groups)
            self.users[user_id] = user
            if not admin and user_id not in ("guest",) and hasattr(self, "user_homes"):
                home = self._create_child(
                    self.nodes[self.user_homes], user_id, "cm:folder", user_id, system=True
                )
                home.created_by = user_id
                home.inherit = False
                home.permissions = [Permission(user_id, "Coordinator")]
                user.home_id = home.id
            return user

    def user_info(self, user_id: str) -> dict[str, str]:
        user = self.users.get(user_id)
        return {"id": user_id, "displayName": user.display_name if user else user_id}

    def authority_exists(self, authority: str) -> bool:
        return authority in self.users or authority in self.groups

    # ------------------------------------------------------------------ model

    def is_subtype(self, node_type: str, base: str) -> bool:
        current: str | None = node_type
        for _ in range(32):
            if current is None:
                return False
            if current == base:
                return True
            current = self.types.get(current)
        return False

    def check_type(self, node_type: str) -> None:
        if not _QNAME.match(node_type) or node_type not in self.types:
            raise bad(f"Unknown type: {node_type}")

    def check_aspect(self, aspect: str) -> None:
        if not _QNAME.match(aspect) or aspect not in self.aspects:
            raise bad(f"Unknown aspect: {aspect}")

    # ------------------------------------------------------------------ lookup

    def get(self, node_id: str, *, archived: bool = False) -> Node:
        node = self.nodes.get(node_id)
        if node is None or node.archived != archived:
            raise not_found(node_id)
        return node

    def resolve(self, node_id: str, user: str) -> Node:
        """A node by id or alias (``-root-``, ``-my-``, ``-shared-``), readable by ``user``."""
        alias = {"-root-": self.company_home, "-shared-": self.shared}
        if node_id == "-my-":
            home = self.users[user].home_id if user in self.users else None
            if home is None:
                raise not_found(node_id)
            node = self.get(home)
        else:
            node = self.get(alias.get(node_id, node_id))
        self.require(node, user, "read")
        return node

    def child(self, folder: Node, name: str) -> Node | None:
        child_id = folder.children.get(name.lower())
        return self.nodes.get(child_id) if child_id else None

    def relative(self, node: Node, path: str, user: str) -> Node:
        """The node at ``path`` (names separated by ``/``) below ``node``."""
        for part in (p for p in path.split("/") if p):
            found = self.child(node, part) if node.is_folder else None
            if found is None:
                raise not_found(path)
            self.require(found, user, "read")
            node = found
        return node

    def ancestors(self, node: Node) -> list[Node]:
        """From Company Home down to the node's parent."""
        chain: list[Node] = []
        current = node.parent_id
        while current is not None:
            parent = self.nodes[current]
            chain.append(parent)
            current = parent.parent_id
        return chain[::-1]

    def display_path(self, node: Node) -> str:
        return "/" + "/".join(n.name for n in self.ancestors(node))

    def qname_path(self, node: Node) -> str:
        return "/" + "/".join(n.qname for n in [*self.ancestors(node), node])

    def by_path(self, path: str) -> Node | None:
        """``/Company Home/a/b`` (display names), live nodes only."""
        parts = [p for p in path.split("/") if p]
        root = self.nodes[self.company_home]
        if not parts or parts[0] != root.name:
            return None
        node: Node | None = root
        for part in parts[1:]:
            node = self.child(node, part) if node is not None else None
        return node

    def descendants(self, node: Node) -> Iterator[Node]:
        for child_id in list(node.children.values()):
            child = self.nodes[child_id]
            yield child
            yield from self.descendants(child)

    def live_nodes(self) -> Iterator[Node]:
        return (n for n in list(self.nodes.values()) if not n.archived)

    # ------------------------------------------------------------------ permissions

    def authorities(self, user: str) -> set[str]:
        record = self.users.get(user)
        return {user, "GROUP_EVERYONE", *(record.groups if record else ())}

    def rights(self, node: Node, user: str) -> frozenset[str]:
        record = self.users.get(user)
        if record is not None and record.admin:
            return _ALL
        if node.created_by == user or node.properties.get("cm:owner") == user:
            return _ALL
        mine = self.authorities(user)
        allowed: set[str] = set()
        refused: set[str] = set()
        current: Node | None = node
        while current is not None:
            for entry in current.permissions:
                if entry.authority in mine:
                    target = allowed if entry.access == "ALLOWED" else refused
                    target.update(ROLES.get(entry.role, ()))
            if not current.inherit or current.parent_id is None:
                break
            current = self.nodes.get(current.parent_id)
        return frozenset(allowed - refused)

    def require(self, node: Node, user: str, right: str) -> None:
        if right not in self.rights(node, user):
            raise denied()

    def inherited_permissions(self, node: Node) -> list[Permission]:
        found: list[Permission] = []
        if not node.inherit or node.parent_id is None:
            return found
        current: Node | None = self.nodes.get(node.parent_id)
        while current is not None:
            found.extend(current.permissions)
            if not current.inherit or current.parent_id is None:
                break
            current = self.nodes.get(current.parent_id)
        return found

    def allowable_operations(self, node: Node, user: str) -> list[str]:
        rights = self.rights(node, user)
        ops = [
            op
            for op, right in (
                ("delete", "delete"),
                ("update", "write"),
                ("updatePermissions", "permissions"),
            )
            if right in rights and not node.system
        ]
        if node.is_folder and "create" in rights:
            ops.append("create")
        return ops

    def set_permissions(self, node: Node, user: str, body: dict[str, Any]) -> None:
        self.require(node, user, "permissions")
        entries = body.get("locallySet")
        if entries is not None:
            parsed: list[Permission] = []
            seen: set[tuple[str, str]] = set()
            for entry in entries:
                if not isinstance(entry, dict):
                    raise bad("permissions.locallySet entries must be objects")
                authority, role = entry.get("authorityId"), entry.get("name")
                access = entry.get("accessStatus", "ALLOWED")
                if not isinstance(authority, str) or not authority:
                    raise bad("authorityId is mandatory")
                if not isinstance(role, str) or role not in ROLES:
                    raise bad(f"Cannot set permissions on this node - unknown permission: {role}")
                if not self.authority_exists(authority):
                    raise bad(
                        f"Cannot set permissions on this node - unknown authority: {authority}"
                    )
                if access not in ("ALLOWED", "DENIED"):
                    raise bad(f"Unknown accessStatus: {access}")
                if (authority, role) in seen:
                    raise bad(f"Duplicate permissions: {authority} {role}")
                seen.add((authority, role))
                parsed.append(Permission(authority, role, access))
            node.permissions = parsed
        if "isInheritanceEnabled" in body:
            node.inherit = bool(body["isInheritanceEnabled"])

    # ------------------------------------------------------------------ locks

    def active_lock(self, node: Node) -> Lock | None:
        lock = node.lock
        if lock is not None and lock.expires_at is not None and lock.expires_at <= self.seconds():
            self._drop_lock(node)
            return None
        return lock

    def check_unlocked(self, node: Node, user: str) -> None:
        """ACS refuses a change to a node another user locked, or anyone's FULL lock."""
        lock = self.active_lock(node)
        if lock is not None and (lock.type == "FULL" or lock.owner != user):
            # ACS's NodeLockedException: 409 (its errorKey is the message, as for every
            # exception the REST framework does not name); `locked_status` may say 423.
            raise AcsError(
                self.locked_status,
                f"Cannot perform operation since the node (id:{node.id}) is locked.",
            )

    def lock_node(
        self, node: Node, user: str, *, lock_type: str, lifetime: str, time_to_expire: int
    ) -> None:
        if not self.is_subtype(node.node_type, "cm:content"):
            raise bad(f"Node {node.id} is not a file; only files can be locked")
        self.require(node, user, "write")
        lock = self.active_lock(node)
        if lock is not None and lock.owner != user:
            raise AcsError(
                422, f"The node (id:{node.id}) could not be locked since it is already locked."
            )
        expires = self.seconds() + time_to_expire if time_to_expire > 0 else None
        node.lock = Lock(user, lock_type, lifetime, expires)
        if lifetime == "PERSISTENT":
            self._add_aspect(node, "cm:lockable")
            node.properties["cm:lockType"] = (
                "WRITE_LOCK" if lock_type == "ALLOW_OWNER_CHANGES" else "READ_ONLY_LOCK"
            )
            node.properties["cm:lockOwner"] = self.user_info(user)
            node.properties["cm:lockLifetime"] = lifetime
            if expires is not None:
                node.properties["cm:expiryDate"] = timestamp(
                    dt.datetime.fromtimestamp(expires, dt.UTC)
                )

    def unlock_node(self, node: Node, user: str) -> None:
        self.require(node, user, "read")
        lock = self.active_lock(node)
        if lock is None:
            raise AcsError(422, f"Can't unlock node {node.id} because it isn't locked")
        record = self.users.get(user)
        if lock.owner != user and not (record is not None and record.admin):
            raise AcsError(
                422, f"The node (id:{node.id}) could not be unlocked: it is locked by another user"
            )
        self._drop_lock(node)

    def _drop_lock(self, node: Node) -> None:
        node.lock = None
        for key in ("cm:lockType", "cm:lockOwner", "cm:lockLifetime", "cm:expiryDate"):
            node.properties.pop(key, None)
        if "cm:lockable" in node.aspects:
            node.aspects.remove("cm:lockable")

    # ------------------------------------------------------------------ creation

    def _new_node(
        self, name: str, node_type: str, parent: Node | None, user: str, *, qname: str
    ) -> Node:
        moment = self.now()
        node = Node(
            id=str(uuid.uuid4()),
            name=name,
            node_type=node_type,
            parent_id=parent.id if parent else None,
            qname=qname,
            created_at=moment,
            created_by=user,
            modified_at=moment,
            modified_by=user,
            is_folder=self.is_subtype(node_type, "cm:folder"),
        )
        if node.is_file:
            node.blob = self.store.empty
            node.mime_type = self.guess_mime(name)
        self.nodes[node.id] = node
        if parent is not None:
            parent.children[name.lower()] = node.id
        return node

    def _system_folder(self, name: str, qname: str, *, node_type: str = "cm:folder") -> Node:
        root = self.nodes[self.company_home]
        node = self._new_node(name, node_type, root, root.created_by, qname=qname)
        node.system = True
        return node

    def _create_child(
        self, parent: Node, name: str, node_type: str, user: str, *, system: bool = False
    ) -> Node:
        node = self._new_node(name, node_type, parent, user, qname="cm:" + iso9075(name))
        node.system = system
        return node

    @staticmethod
    def guess_mime(name: str, given: str | None = None) -> str:
        media = (given or "").split(";", 1)[0].strip().lower()
        if media and media not in ("application/octet-stream", "multipart/form-data"):
            return media
        guessed, _ = mimetypes.guess_type(name, strict=False)
        return guessed or "application/octet-stream"

    @staticmethod
    def check_name(name: Any) -> str:
        if not isinstance(name, str) or not name.strip():
            raise bad("name is mandatory")
        if _BAD_NAME.search(name):
            raise AcsError(
                422,
                f"Model integrity exception: the name {name!r} contains characters that are "
                "not allowed, or ends with a dot or a space",
                key="framework.exception.ApiDefault",
            )
        return name

    def free_name(self, folder: Node, name: str, *, auto_rename: bool) -> str:
        if self.child(folder, name) is None:
            return name
        if not auto_rename:
            raise AcsError(409, f"Duplicate child name not allowed: {name}")
        stem, dot, ext = name.rpartition(".")
        if not dot or not stem:
            stem, ext = name, ""
        for number in itertools.count(1):
            candidate = f"{stem}-{number}" + (f".{ext}" if ext else "")
            if self.child(folder, candidate) is None:
                return candidate
        raise AssertionError("unreachable")

    def ensure_folders(self, parent: Node, path: str, user: str) -> Node:
        """``relativePath`` of a create: the folders on it, made where missing."""
        for part in (p for p in path.split("/") if p):
            found = self.child(parent, part)
            if found is None:
                self.require(parent, user, "create")
                self.check_unlocked(parent, user)
                found = self._create_child(parent, self.check_name(part), "cm:folder", user)
            elif not found.is_folder:
                raise bad(f"relativePath element {part!r} is not a folder")
            parent = found
        return parent

    def create(
        self,
        parent: Node,
        user: str,
        *,
        name: Any,
        node_type: Any,
        properties: dict[str, Any] | None = None,
        aspects: Iterable[str] = (),
        auto_rename: bool = False,
        relative_path: str | None = None,
        blob: Blob | None = None,
        mime_type: str | None = None,
        versioning: str | None = None,
        comment: str | None = None,
        permissions: dict[str, Any] | None = None,
    ) -> Node:
        """A new child of ``parent`` (``versioning``: None, "MAJOR" or "MINOR")."""
        name = self.check_name(name)
        if not isinstance(node_type, str) or not node_type:
            raise bad("nodeType is mandatory")
        self.check_type(node_type)
        aspect_list = list(aspects)
        for aspect in aspect_list:
            self.check_aspect(aspect)
        if not parent.is_folder:
            raise bad(f"Parent node {parent.id} is not a folder")
        if relative_path:
            parent = self.ensure_folders(parent, relative_path, user)
        self.require(parent, user, "create")
        self.check_unlocked(parent, user)
        if blob is not None and self.is_subtype(node_type, "cm:folder"):
            raise bad("a folder cannot have content")
        name = self.free_name(parent, name, auto_rename=auto_rename)
        node = self._create_child(parent, name, node_type, user)
        for aspect in aspect_list:
            self._add_aspect(node, aspect)
        self._set_properties(node, properties or {})
        if node.is_file:
            node.blob = blob or self.store.empty
            node.mime_type = self.guess_mime(name, mime_type)
            if versioning is not None:
                self._snapshot(node, user, major=versioning == "MAJOR", comment=comment)
        if permissions:
            self.set_permissions(node, user, permissions)
        parent.modified_at = node.created_at
        return node

    # ------------------------------------------------------------------ properties

    def _add_aspect(self, node: Node, aspect: str) -> None:
        if aspect not in node.aspects:
            node.aspects.append(aspect)

    def _set_properties(self, node: Node, properties: dict[str, Any]) -> None:
        for key, value in properties.items():
            if not _QNAME.match(key):
                raise bad(f"Unknown property: {key}")
            if key == "cm:name":
                continue  # the name is set through `name`
            if value is None:
                node.properties.pop(key, None)
                continue
            node.properties[key] = value
            aspect = _PROPERTY_ASPECTS.get(key)
            if aspect is not None:
                self._add_aspect(node, aspect)

    def update(self, node: Node, user: str, body: dict[str, Any]) -> None:
        """``PUT /nodes/{id}``: name, nodeType, properties, aspectNames, permissions."""
        content_change = any(k in body for k in ("name", "nodeType", "properties", "aspectNames"))
        if content_change:
            if node.system and "name" in body and body["name"] != node.name:
                raise denied()
            self.require(node, user, "write")
            self.check_unlocked(node, user)
        if "nodeType" in body:
            new_type = body["nodeType"]
            if not isinstance(new_type, str):
                raise bad("nodeType must be a string")
            self.check_type(new_type)
            base = "cm:folder" if node.is_folder else "cm:content"
            if not self.is_subtype(new_type, base):
                raise bad(f"Failed to change (specialise) node type - from {node.node_type} "
                          f"to {new_type}")  # fmt: skip
        if "aspectNames" in body:
            names = body["aspectNames"]
            if not isinstance(names, list) or not all(isinstance(a, str) for a in names):
                raise bad("aspectNames must be a list of strings")
            for aspect in names:
                self.check_aspect(aspect)
        if "name" in body and body["name"] != node.name:
            name = self.check_name(body["name"])
            if node.parent_id is not None:
                parent = self.nodes[node.parent_id]
                existing = self.child(parent, name)
                if existing is not None and existing.id != node.id:
                    raise AcsError(409, f"Duplicate child name not allowed: {name}")
                del parent.children[node.name.lower()]
                parent.children[name.lower()] = node.id
            node.name = name
            node.qname = "cm:" + iso9075(name)
        if "nodeType" in body:
            node.node_type = body["nodeType"]
        if "aspectNames" in body:
            wanted = [
                *_SYSTEM_ASPECTS,
                *(a for a in body["aspectNames"] if a not in _SYSTEM_ASPECTS),
            ]
            for key in list(node.properties):
                aspect = _PROPERTY_ASPECTS.get(key)
                if aspect is not None and aspect not in wanted:
                    del node.properties[key]
            if "cm:versionable" not in wanted:
                node.versions.clear()
            if "cm:lockable" not in wanted and node.lock is not None:
                wanted.append("cm:lockable")  # a lock is released by unlocking only
            node.aspects = list(dict.fromkeys(wanted))
        if "properties" in body:
            properties = body["properties"]
            if not isinstance(properties, dict):
                raise bad("properties must be an object")
            self._set_properties(node, properties)
        if "permissions" in body:
            permissions = body["permissions"]
            if not isinstance(permissions, dict):
                raise bad("permissions must be an object")
            self.set_permissions(node, user, permissions)
        if content_change:
            node.modified_at, node.modified_by = self.now(), user

    # ------------------------------------------------------------------ content

    def _snapshot(self, node: Node, user: str, *, major: bool, comment: str | None) -> Version:
        last = node.versions[-1].label if node.versions else None
        if last is None:
            label = "1.0" if major else "0.1"
        else:
            match = _LABEL.match(last)
            high, low = (int(match.group(1)), int(match.group(2))) if match else (1, 0)
            label = f"{high + 1}.0" if major else f"{high}.{low + 1}"
        self._add_aspect(node, "cm:versionable")
        node.properties["cm:versionLabel"] = label
        node.properties["cm:versionType"] = "MAJOR" if major else "MINOR"
        version = Version(
            label=label,
            comment=comment,
            major=major,
            name=node.name,
            node_type=node.node_type,
            properties=dict(node.properties),
            aspects=list(node.aspects),
            blob=node.blob or self.store.empty,
            mime_type=node.mime_type,
            encoding=node.encoding,
            modified_at=self.now(),
            modified_by=user,
        )
        node.versions.append(version)
        return version

    def check_content_writable(self, node: Node, user: str, new_name: str | None) -> None:
        if not node.is_file:
            raise bad(f"Node {node.id} is not a file; it has no content")
        self.require(node, user, "write")
        self.check_unlocked(node, user)
        if new_name is not None and new_name != node.name:
            self.check_name(new_name)
            parent = self.nodes[node.parent_id] if node.parent_id else None
            existing = self.child(parent, new_name) if parent is not None else None
            if existing is not None and existing.id != node.id:
                raise AcsError(409, f"Duplicate child name not allowed: {new_name}")

    def set_content(
        self,
        node: Node,
        user: str,
        blob: Blob,
        *,
        mime_type: str | None,
        major: bool,
        comment: str | None,
        name: str | None,
    ) -> None:
        """New content and a new version (a first update makes the node versionable: its
        old content becomes 1.0, the new one 1.1, or 2.0 with ``major``)."""
        self.check_content_writable(node, user, name)
        if name is not None and name != node.name:
            self.update(node, user, {"name": name})
        if not node.versions:
            self._snapshot(node, user, major=True, comment=None)
        node.blob = blob
        node.mime_type = self.guess_mime(node.name, mime_type)
        node.modified_at, node.modified_by = self.now(), user
        self._snapshot(node, user, major=major, comment=comment)

    def version(self, node: Node, label: str) -> Version:
        for version in node.versions:
            if version.label == label:
                return version
        raise AcsError(404, f"The entity with id: {label} was not found")

    def revert(
        self, node: Node, user: str, label: str, *, major: bool, comment: str | None
    ) -> Version:
        old = self.version(node, label)
        self.require(node, user, "write")
        self.check_unlocked(node, user)
        node.blob = old.blob
        node.mime_type = old.mime_type
        keep = {k: v for k, v in node.properties.items() if k.startswith("cm:lock")}
        node.properties = {**old.properties, **keep}
        node.modified_at, node.modified_by = self.now(), user
        return self._snapshot(node, user, major=major, comment=comment)

    # ------------------------------------------------------------------ copy, move, delete

    def _check_target(self, node: Node, target: Node) -> None:
        if not target.is_folder:
            raise bad(f"Target {target.id} is not a folder")
        if target.id == node.id or any(a.id == node.id for a in self.ancestors(target)):
            raise bad(f"Cannot copy or move node {node.id} into itself or a child of itself")

    def copy(self, node: Node, user: str, target: Node, name: str | None) -> Node:
        self._check_target(node, target)
        self.require(target, user, "create")
        self.check_unlocked(target, user)
        new_name = self.check_name(name) if name else node.name
        if self.child(target, new_name) is not None:
            raise AcsError(409, f"Duplicate child name not allowed: {new_name}")
        return self._copy_tree(node, user, target, new_name)

    def _copy_tree(self, node: Node, user: str, target: Node, name: str) -> Node:
        copy = self._create_child(target, name, node.node_type, user)
        copy.aspects = [a for a in node.aspects if a not in ("cm:lockable", "qshare:shared")]
        copy.properties = {
            k: v
            for k, v in node.properties.items()
            if not k.startswith(("cm:lock", "cm:expiryDate", "qshare:"))
        }
        copy.tags = list(node.tags)
        copy.blob, copy.mime_type, copy.encoding = node.blob, node.mime_type, node.encoding
        copy.properties.pop("cm:versionLabel", None)
        copy.properties.pop("cm:versionType", None)
        if node.versions:
            self._snapshot(copy, user, major=True, comment=None)
        self._add_aspect(copy, "cm:copiedfrom")
        for child_id in list(node.children.values()):
            child = self.nodes[child_id]
            self._copy_tree(child, user, copy, child.name)
        return copy

    def move(self, node: Node, user: str, target: Node, name: str | None) -> None:
        if node.system or node.parent_id is None:
            raise denied()
        self._check_target(node, target)
        self.require(node, user, "delete")
        self.require(target, user, "create")
        self.check_unlocked(node, user)
        self.check_unlocked(target, user)
        new_name = self.check_name(name) if name else node.name
        existing = self.child(target, new_name)
        if existing is not None and existing.id != node.id:
            raise AcsError(409, f"Duplicate child name not allowed: {new_name}")
        parent = self.nodes[node.parent_id]
        del parent.children[node.name.lower()]
        node.name = new_name
        node.qname = "cm:" + iso9075(new_name)
        node.parent_id = target.id
        target.children[new_name.lower()] = node.id
        node.modified_at, node.modified_by = self.now(), user

    def delete(self, node: Node, user: str, *, permanent: bool) -> None:
        if node.system or node.parent_id is None:
            raise denied()
        self.require(node, user, "delete")
        for each in (node, *self.descendants(node)):
            self.check_unlocked(each, user)
        record = self.users.get(user)
        if permanent and node.created_by != user and not (record is not None and record.admin):
            raise denied()
        parent = self.nodes[node.parent_id]
        del parent.children[node.name.lower()]
        for other in self.nodes.values():
            if node.id in other.secondary_parents:
                other.secondary_parents.remove(node.id)
        if permanent:
            for each in [*self.descendants(node), node]:
                self.nodes.pop(each.id, None)
                for link_id in [k for k, v in self.shared_links.items() if v.node_id == each.id]:
                    del self.shared_links[link_id]
            return
        moment = self.now()
        for each in (node, *self.descendants(node)):
            each.archived_at, each.archived_by = moment, user

    def trashcan(self) -> list[Node]:
        """Deleted (archived) nodes, the top of each deleted tree only."""
        return [n for n in self.nodes.values() if n.archived and not self._parent_archived(n)]

    def _parent_archived(self, node: Node) -> bool:
        # A parent deleted for good after its child went to the trashcan is gone: the
        # child then tops its own deleted tree, as in ACS.
        parent = self.nodes.get(node.parent_id) if node.parent_id else None
        return parent is not None and parent.archived

    # ------------------------------------------------------------------ tags

    def tag_id(self, name: str) -> str:
        lowered = name.strip().lower()
        for tag_id, tag in self.tags.items():
            if tag == lowered:
                return tag_id
        tag_id = str(uuid.uuid4())
        self.tags[tag_id] = lowered
        return tag_id

    def add_tag(self, node: Node, user: str, name: Any) -> str:
        if not isinstance(name, str) or not name.strip():
            raise bad("tag is mandatory")
        self.require(node, user, "write")
        self.check_unlocked(node, user)
        tag_id = self.tag_id(name)
        if tag_id not in node.tags:
            node.tags.append(tag_id)
        self._add_aspect(node, "cm:taggable")
        return tag_id

    def remove_tag(self, node: Node, user: str, tag_id: str) -> None:
        self.require(node, user, "write")
        self.check_unlocked(node, user)
        if tag_id not in node.tags:
            raise AcsError(404, f"The entity with id: {tag_id} was not found")
        node.tags.remove(tag_id)

    def tag_count(self, tag_id: str) -> int:
        return sum(1 for n in self.live_nodes() if tag_id in n.tags)

    # ------------------------------------------------------------------ shared links

    def share(self, node: Node, user: str, expires_at: str | None) -> SharedLink:
        if not node.is_file:
            raise bad(f"Node {node.id} is not a file; only files can be shared")
        for link in self.shared_links.values():
            if link.node_id == node.id:
                raise AcsError(409, f"Node {node.id} is already shared")
        link = SharedLink(secrets.token_urlsafe(16), node.id, user, self.now(), expires_at)
        self.shared_links[link.id] = link
        self._add_aspect(node, "qshare:shared")
        node.properties["qshare:sharedId"] = link.id
        node.properties["qshare:sharedBy"] = self.user_info(user)
        return link

    # ------------------------------------------------------------------ governance

    def file_plan_unfiled(self) -> Node:
        """The RM site's unfiled records container (made on first use)."""
        sites = self.nodes[self.sites]
        rm = self.child(sites, "rm") or self._create_child(sites, "rm", "st:site", "admin")
        plan = self.child(rm, "documentLibrary") or self._create_child(
            rm, "documentLibrary", "rma:filePlan", "admin"
        )
        return self.child(plan, "Unfiled Records") or self._create_child(
            plan, "Unfiled Records", "rma:unfiledRecordContainer", "admin"
        )

    def declare(self, node: Node, user: str, *, hide: bool, parent_id: str | None) -> Node:
        if not self.is_subtype(node.node_type, "cm:content"):
            raise AcsError(422, f"Node {node.id} is not a file and cannot be declared a record")
        if "rma:record" in node.aspects:
            raise AcsError(422, f"Node {node.id} is already a record")
        self.require(node, user, "write")
        self.check_unlocked(node, user)
        if parent_id:
            target = self.get(parent_id)
            if target.node_type != "rma:recordFolder":
                raise bad(f"{parent_id} is not a record folder")
        else:
            target = self.file_plan_unfiled()
        original = self.nodes[node.parent_id] if node.parent_id else None
        name = self.free_name(target, node.name, auto_rename=True)
        if original is not None:
            del original.children[node.name.lower()]
            if not hide:
                node.secondary_parents.append(original.id)
        node.name, node.parent_id = name, target.id
        target.children[name.lower()] = node.id
        for aspect in ("rma:record", "rma:declaredRecord", "rma:recordComponentIdentifier"):
            self._add_aspect(node, aspect)
        number = next(self._record_ids)
        node.properties["rma:identifier"] = f"{self.now().year}-{number:010d}"
        node.properties["rma:declaredBy"] = user
        node.properties["rma:declaredAt"] = timestamp(self.now())
        return node

    def add_record_folder(self, name: str) -> Node:
        plan = self.nodes[self.file_plan_unfiled().parent_id or ""]
        category = self.child(plan, "Category") or self._create_child(
            plan, "Category", "rma:recordCategory", "admin"
        )
        return self._create_child(category, name, "rma:recordFolder", "admin")

    def add_security_group(
        self, name: str, marks: Iterable[str], group_type: str = "USER_REQUIRES_ANY"
    ) -> SecurityGroup:
        group = SecurityGroup(
            str(uuid.uuid4()), name, group_type, {str(uuid.uuid4()): m for m in marks}
        )
        self.security_groups[group.id] = group
        return group

    def update_marks(self, node: Node, user: str, updates: list[Any]) -> None:
        self.require(node, user, "write")
        for update in updates:
            if not isinstance(update, dict):
                raise bad("each securing mark update must be an object")
            group = self.security_groups.get(str(update.get("groupId")))
            mark_id = str(update.get("id"))
            if group is None or mark_id not in group.marks:
                raise AcsError(404, f"The entity with id: {mark_id} was not found")
            pair = (group.id, mark_id)
            operation = update.get("operation", "ADD")
            if operation == "ADD" and pair not in node.security_marks:
                node.security_marks.append(pair)
            elif operation == "REMOVE" and pair in node.security_marks:
                node.security_marks.remove(pair)
            elif operation not in ("ADD", "REMOVE"):
                raise bad(f"Unknown operation: {operation}")

    def mark_names(self, node: Node) -> list[tuple[str, str]]:
        """``(group name, mark name)`` of each mark on ``node``."""
        out = []
        for group_id, mark_id in node.security_marks:
            group = self.security_groups[group_id]
            out.append((group.name, group.marks[mark_id]))
        return out

    # ------------------------------------------------------------------ listing

    def children(self, folder: Node, user: str) -> list[Node]:
        """Readable children (primary, then secondary), folders first, by name."""
        found = [self.nodes[c] for c in folder.children.values()]
        found += [n for n in self.live_nodes() if folder.id in n.secondary_parents]
        visible = [n for n in found if not n.archived and "read" in self.rights(n, user)]
        return sorted(visible, key=lambda n: (not n.is_folder, n.name.lower()))
