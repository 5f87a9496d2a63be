"""Actions that change nodes, against the fake repository: copy and move, content and
metadata, permissions, locks, aspects, tags, types and deletion."""

from __future__ import annotations

from typing import Any

from .helpers import ok, run


def test_copy_and_move_files_and_folders(acs: Any) -> None:
    src = acs.create_folder("/Company Home/Shared", "Src")
    dst = acs.create_folder("/Company Home/Shared", "Dst")
    file = acs.create_file(src.id, "a.txt", b"A")
    copied = ok(acs, "copy_file", sourceId=file.id, targetFolderId=dst.id)
    assert copied["file"][0]["parentId"] == dst.id
    assert copied["file"][0]["id"] != file.id
    assert acs.content(copied["file"][0]["id"]) == b"A"
    moved = ok(acs, "move_file", sourceFile=[{"id": file.id}], targetFolderPath="/Shared")
    assert moved["file"][0]["id"] == file.id
    tree = acs.create_folder(src.id, "Tree")
    acs.create_file(tree.id, "leaf.txt", b"L")
    folder_copy = ok(acs, "copy_folder", sourcePath="/Shared/Src/Tree", targetFolderId=dst.id)
    assert [n.name for n in acs.children(folder_copy["folder"][0]["id"])] == ["leaf.txt"]
    ok(acs, "move_folder", sourceFolder=[{"id": tree.id}], targetFolderId=acs.shared_id)
    assert acs.node(tree.id).parent_id == acs.shared_id


def test_copy_into_a_folder_with_that_name_is_a_conflict_naming_both(acs: Any) -> None:
    file = acs.create_file("/Company Home/Shared", "same.txt", b"1")
    dst = acs.create_folder("/Company Home/Shared", "Dst")
    acs.create_file(dst.id, "same.txt", b"2")
    clash = run(acs, "copy_file", sourceId=file.id, targetFolderId=dst.id)
    assert (clash.code, clash.retries) == ("CONFLICT", 0)
    assert f"target folder {dst.id!r} (targetFolderId) already holds" in clash.message
    assert f"file {file.id!r} (sourceId)" in clash.message


def test_update_file_content_makes_versions(acs: Any) -> None:
    node = acs.create_file("/Company Home/Shared", "doc.txt", b"v1")
    ok(acs, "update_file_content", targetFileId=node.id, sourceText="v2", versionComment="second")
    ok(
        acs,
        "update_file_content",
        targetFile=[{"id": node.id}],
        sourceJson={"v": 3},
        majorVersion=True,
        newName="doc.json",
    )
    assert acs.content(node.id) == b'{"v": 3}'
    assert acs.node(node.id).name == "doc.json"
    assert [v.label for v in acs.versions(node.id)] == ["1.0", "1.1", "2.0"]
    source = acs.create_file("/Company Home/Shared", "other.txt", b"from another file")
    ok(
        acs,
        "update_file_content",
        targetFilePath="/Shared/doc.json",
        sourceFile=[{"id": source.id}],
    )
    assert acs.content(node.id) == b"from another file"
    none = run(acs, "update_file_content", targetFileId=node.id)
    assert none.code == "MISSING_INPUT"
    assert "sourceFile, sourceDocument, sourceText or sourceJson" in none.message


def test_update_metadata_with_and_without_underscores(acs: Any) -> None:
    node = acs.create_file("/Company Home/Shared", "m.txt", b"")
    out = ok(
        acs,
        "update_metadata",
        nodeId=node.id,
        metadata={"cm_title": "T", "cm:description": "D"},
        underscoreMetadata=True,
    )
    assert acs.node(node.id).properties["cm:title"] == "T"
    assert out["response"]["entry"]["properties"]["cm_description"] == "D"
    refused = run(acs, "update_metadata", nodeId=node.id, metadata={"cm_title": "x"})
    assert (refused.code, refused.retries) == ("INVALID_INPUT", 0)
    assert "underscoreMetadata" in refused.message


def test_set_permissions_adds_to_what_is_set(acs: Any) -> None:
    acs.add_user("bob", "bob-password")
    acs.add_user("eve", "eve-password")
    folder = acs.create_folder("/Company Home/Shared", "Team")
    ok(acs, "set_permissions", nodeId=folder.id, users="bob", role="Consumer")
    ok(acs, "set_permissions", nodeId=folder.id, users='["eve", "bob"]', role="Editor")
    local = {(p.authority, p.role) for p in acs.node(folder.id).permissions}
    assert {("bob", "Consumer"), ("bob", "Editor"), ("eve", "Editor")} <= local


def test_lock_and_unlock_and_a_locked_node_is_locked(acs: Any) -> None:
    node = acs.create_file("/Company Home/Shared", "l.txt", b"")
    ok(acs, "lock_node", nodeId=node.id, lockType="FULL", timeToExpire=0, lifetime="PERSISTENT")
    assert acs.node(node.id).lock is not None
    locked = run(acs, "update_metadata", nodeId=node.id, metadata={"cm:title": "x"})
    assert (locked.code, locked.retries) == ("LOCKED", 0)
    assert f"node {node.id!r} (nodeId) is locked" in locked.message
    ok(acs, "lock_node", nodeId=node.id, timeToExpire=60)  # the owner renews it
    ok(acs, "unlock_node", file=[{"id": node.id}])
    ok(acs, "update_metadata", nodeId=node.id, metadata={"cm:title": "x"})
    not_locked = run(acs, "unlock_node", nodeId=node.id)
    assert not_locked.code == "UNPROCESSABLE_ENTITY"


def test_a_node_another_user_locked_answers_locked_with_423_too(acs: Any) -> None:
    acs.add_user("bob", "bob-password", admin=True)
    node = acs.create_file("/Company Home/Shared", "l.txt", b"")
    acs.lock_node(node.id, owner="bob")
    taken = run(acs, "lock_node", nodeId=node.id)  # ACS: 422, "already locked"
    assert (taken.code, taken.retries) == ("LOCKED", 0)
    acs.locked_status = 423
    locked = run(acs, "delete_file", fileId=node.id)
    assert (locked.code, locked.retries) == ("LOCKED", 0)
    assert f"file {node.id!r} (fileId) is locked" in locked.message
    acs.take_violations()  # 423 is not in the API document: the server that says it is ours


def test_aspects_are_added_with_properties_and_removed(acs: Any) -> None:
    acs.define_aspect("rv:reviewable")
    node = acs.create_file("/Company Home/Shared", "a.txt", b"")
    ok(
        acs,
        "add_aspect",
        nodeId=node.id,
        aspect="rv:reviewable",
        nodeMetadata={"cm_title": "R"},
        underscoreMetadata=True,
    )
    assert "rv:reviewable" in acs.node(node.id).aspects
    assert acs.node(node.id).properties["cm:title"] == "R"
    before = set(acs.node(node.id).aspects)
    ok(acs, "remove_aspect", nodeId=node.id, aspect="rv:reviewable")
    assert set(acs.node(node.id).aspects) == before - {"rv:reviewable"}
    ok(acs, "remove_aspect", nodeId=node.id, aspect="rv:reviewable")  # none: nothing sent


def test_tags_are_added(acs: Any) -> None:
    node = acs.create_file("/Company Home/Shared", "t.txt", b"")
    out = ok(acs, "update_tag", nodeId=node.id, tags="wip, draft")
    assert [t["entry"]["tag"] for t in out["response"]] == ["wip", "draft"]
    ok(acs, "update_tag", nodeId=node.id, tags=["final"])
    assert set(acs.node(node.id).tags) >= {acs.repo.tag_id(t) for t in ("wip", "draft", "final")}


def test_set_type_specialises_the_node(acs: Any) -> None:
    acs.define_type("fin:invoice")
    node = acs.create_file("/Company Home/Shared", "i.txt", b"")
    ok(
        acs,
        "set_type",
        nodeId=node.id,
        nodeType="fin:invoice",
        nodeMetadata={"cm:title": "Invoice"},
    )
    assert acs.node(node.id).node_type == "fin:invoice"
    assert acs.node(node.id).properties["cm:title"] == "Invoice"


def test_delete_to_the_trashcan_or_for_good(acs: Any) -> None:
    a = acs.create_file("/Company Home/Shared", "a.txt", b"")
    folder = acs.create_folder("/Company Home/Shared", "F")
    acs.create_file(folder.id, "inner.txt", b"")
    ok(acs, "delete_file", file=[{"id": a.id}])
    assert [n.id for n in acs.trashcan()] == [a.id]
    ok(acs, "delete_folder", folderId=folder.id, permanent=True)
    assert folder.id not in {n.id for n in acs.trashcan()}
    assert acs.find("/Company Home/Shared/F") is None
    gone = run(acs, "delete_file", fileId=a.id)
    assert gone.code == "NOT_FOUND"


def test_a_forbidden_action_names_the_user_and_the_node(acs: Any) -> None:
    acs.add_user("bob", "bob-password")
    node = acs.create_file("/Company Home/Shared", "mine.txt", b"")
    from tasklink.alfresco import connector
    from tasklink.testing import run_job

    outcome = run_job(
        connector,
        {
            "connection": {
                "baseUrl": acs.base_url,
                "authentication": {"type": "basic", "username": "bob", "password": "bob-password"},
            },
            "fileId": node.id,
        },
        operation="delete_file",
    )
    assert (outcome.code, outcome.retries) == ("FORBIDDEN", 0)
    assert f"user 'bob' may not do this to file {node.id!r} (fileId)" in outcome.message
