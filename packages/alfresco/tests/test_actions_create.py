"""CREATE_FILE and CREATE_FOLDER against the fake repository."""

from __future__ import annotations

import base64
from typing import Any

from .helpers import ok, run


def test_create_file_without_content_is_an_empty_file_with_type_and_metadata(acs: Any) -> None:
    out = ok(
        acs,
        "create_file",
        fileName="empty.txt",
        targetFolderId=acs.shared_id,
        targetFileMetadata={"cm:title": "Empty", "cm:description": "nothing yet"},
    )
    node = acs.node_by_path("/Company Home/Shared/empty.txt")
    assert out["file"][0]["id"] == node.id
    assert out["response"]["entry"]["id"] == node.id  # APA's raw reply
    assert node.properties["cm:title"] == "Empty"
    assert acs.content(node.id) == b""


def test_create_file_uploads_text_and_sets_metadata_with_underscores(acs: Any) -> None:
    out = ok(
        acs,
        "create_file",
        fileName="note.txt",
        targetFolderPath="/Shared",
        sourceText="héllo",
        targetFileMetadata={"cm_title": "Note", "cm:description": "D"},
        underscoreMetadata=True,
    )
    node = acs.node_by_path("/Company Home/Shared/note.txt")
    assert acs.content(node.id) == "héllo".encode()
    assert node.properties["cm:title"] == "Note"
    assert out["response"]["entry"]["properties"]["cm_title"] == "Note"  # APA's _ keys
    assert out["file"][0]["properties"]["cm:title"] == "Note"  # the File variable: ACS's


def test_create_file_from_a_document_json_and_another_file(acs: Any) -> None:
    document = {
        "camunda.document.type": "inline",
        "content": base64.b64encode(b"%PDF-1.7 fake").decode(),
        "encoding": "base64",
        "contentType": "application/pdf",
    }
    ok(acs, "create_file", fileName="a.pdf", targetFolderId=acs.shared_id, sourceDocument=document)
    ok(acs, "create_file", fileName="b.json", targetFolderId=acs.shared_id, sourceJson={"n": 1})
    source = acs.create_file("/Company Home/Shared", "src.bin", b"\x00\x01" * 1000)
    ok(
        acs,
        "create_file",
        fileName="copy.bin",
        targetFolderId=acs.shared_id,
        sourceFile=[{"id": source.id, "name": "src.bin"}],
    )
    assert acs.content(acs.node_by_path("/Company Home/Shared/a.pdf").id) == b"%PDF-1.7 fake"
    assert acs.content(acs.node_by_path("/Company Home/Shared/b.json").id) == b'{"n": 1}'
    assert acs.content(acs.node_by_path("/Company Home/Shared/copy.bin").id) == b"\x00\x01" * 1000


def test_a_name_clash_is_a_conflict_naming_the_folder_unless_autorename(acs: Any) -> None:
    acs.create_file("/Company Home/Shared", "dup.txt", b"1")
    clash = run(acs, "create_file", fileName="dup.txt", targetFolderPath="/Shared")
    assert (clash.kind, clash.code, clash.retries) == ("failed", "CONFLICT", 0)
    assert "a node named 'dup.txt' already exists in target folder at path '/Shared'" in (
        clash.message
    )
    assert "autorename" in clash.message
    renamed = ok(
        acs, "create_file", fileName="dup.txt", targetFolderPath="/Shared", autorename=True
    )
    assert renamed["file"][0]["name"] == "dup-1.txt"


def test_a_missing_target_folder_is_not_found_naming_it(acs: Any) -> None:
    missing = run(acs, "create_file", fileName="a.txt", targetFolderId="no-such-folder")
    assert (missing.kind, missing.code, missing.retries) == ("failed", "NOT_FOUND", 0)
    assert "target folder 'no-such-folder' (targetFolderId) does not exist" in missing.message
    by_path = run(acs, "create_file", fileName="a.txt", targetFolderPath="/Nowhere/x")
    assert by_path.code == "NOT_FOUND"
    assert "'/Nowhere/x' (targetFolderPath)" in by_path.message


def test_target_folder_precedence_is_id_then_variable_then_path(acs: Any) -> None:
    by_id = acs.create_folder("/Company Home/Shared", "ById")
    by_var = acs.create_folder("/Company Home/Shared", "ByVar")
    ok(
        acs,
        "create_file",
        fileName="1.txt",
        targetFolderId=by_id.id,
        targetFolder=[{"id": by_var.id}],
        targetFolderPath="/Nowhere",
    )
    ok(
        acs,
        "create_file",
        fileName="2.txt",
        targetFolder=[{"id": by_var.id}],
        targetFolderPath="/Nowhere",
    )
    assert [n.name for n in acs.children(by_id.id)] == ["1.txt"]
    assert [n.name for n in acs.children(by_var.id)] == ["2.txt"]


def test_a_location_path_finds_the_target_by_search(acs: Any) -> None:
    folder = acs.create_folder("/Company Home/Shared", "Sales Q3")
    ok(acs, "create_file", fileName="r.txt", targetFolderPath=acs.qname_path(folder.id))
    assert [n.name for n in acs.children(folder.id)] == ["r.txt"]


def test_a_metadata_key_without_prefix_fails_before_anything_is_sent(acs: Any) -> None:
    before = len(acs.requests)
    bad = run(
        acs,
        "create_file",
        fileName="a.txt",
        targetFolderId=acs.shared_id,
        targetFileMetadata={"title": "x"},
    )
    assert (bad.kind, bad.code, bad.retries) == ("failed", "INVALID_INPUT", 0)
    assert "targetFileMetadata: 'title'" in bad.message
    assert len(acs.requests) == before


def test_no_target_folder_is_missing_input(acs: Any) -> None:
    missing = run(acs, "create_file", fileName="a.txt")
    assert (missing.code, missing.retries) == ("MISSING_INPUT", 0)
    assert missing.variables["fields"] == ["targetFolderId", "targetFolder", "targetFolderPath"]


def test_create_folder_with_type_metadata_and_autorename(acs: Any) -> None:
    out = ok(
        acs,
        "create_folder",
        folderName="Contracts",
        targetFolderPath="/Shared",
        targetFolderMetadata={"cm:title": "Contracts"},
    )
    folder = acs.node_by_path("/Company Home/Shared/Contracts")
    assert out["folder"] == [out["response"]["entry"]]
    assert out["folder"][0]["id"] == folder.id
    assert folder.properties["cm:title"] == "Contracts"
    clash = run(acs, "create_folder", folderName="Contracts", targetFolderPath="/Shared")
    assert clash.code == "CONFLICT"
    again = ok(
        acs, "create_folder", folderName="Contracts", targetFolderPath="/Shared", autorename=True
    )
    assert again["folder"][0]["name"] == "Contracts-1"
