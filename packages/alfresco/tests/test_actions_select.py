"""SELECT_FILE, SELECT_FOLDER, SELECT_METADATA, SEARCH and LIST_CHILDREN against the fake
repository: APA's selector precedence, paths and queries, paging."""

from __future__ import annotations

from typing import Any

from .helpers import ok, run


def test_select_file_by_id_variable_relative_path_and_location_path(acs: Any) -> None:
    node = acs.create_file("/Company Home/Shared", "q3.pdf", b"x", properties={"cm:title": "Q3"})
    for selector in (
        {"nodeId": node.id},
        {"file": [{"id": node.id}]},
        {"path": "/Shared/q3.pdf"},
        {"path": acs.qname_path(node.id)},
    ):
        out = ok(acs, "select_file", **selector)
        assert [f["id"] for f in out["file"]] == [node.id], selector
        assert out["file"][0]["name"] == "q3.pdf"


def test_precedence_is_id_then_variable_then_path_then_query(acs: Any) -> None:
    a = acs.create_file("/Company Home/Shared", "a.txt", b"a")
    b = acs.create_file("/Company Home/Shared", "b.txt", b"b")
    out = ok(
        acs,
        "select_file",
        nodeId=a.id,
        file=[{"id": b.id}],
        path="/Shared/b.txt",
        searchQuery="cm:name:b.txt",
    )
    assert out["file"][0]["id"] == a.id
    out = ok(acs, "select_file", file=[{"id": a.id}], path="/Shared/b.txt")
    assert out["file"][0]["id"] == a.id
    out = ok(acs, "select_file", path="/Shared/a.txt", searchQuery="cm:name:b.txt")
    assert out["file"][0]["id"] == a.id


def test_a_search_query_selects_every_hit_with_paging(acs: Any) -> None:
    for n in range(3):
        acs.create_file(
            "/Company Home/Shared", f"report-{n}.txt", b"r", properties={"cm:title": "test"}
        )
    out = ok(acs, "select_file", searchQuery="cm:title:test", searchMaxItems=2)
    assert len(out["file"]) == 2
    assert out["response"]["list"]["pagination"]["hasMoreItems"] is True
    rest = ok(acs, "select_file", searchQuery="cm:title:test", searchMaxItems=2, searchSkipCount=2)
    assert len(rest["file"]) == 1
    names = {f["name"] for f in out["file"] + rest["file"]}
    assert names == {"report-0.txt", "report-1.txt", "report-2.txt"}
    assert all("properties" in f for f in out["file"])  # full node objects


def test_select_folder_and_a_folder_where_a_file_is_asked(acs: Any) -> None:
    folder = acs.create_folder("/Company Home/Shared", "Team")
    out = ok(acs, "select_folder", path="/Shared/Team")
    assert out["folder"][0]["id"] == folder.id
    wrong = run(acs, "select_file", nodeId=folder.id)
    assert (wrong.kind, wrong.code, wrong.retries) == ("failed", "INVALID_INPUT", 0)
    assert f"file {folder.id!r} (nodeId) is not a file" in wrong.message


def test_a_missing_node_is_not_found_naming_the_id_or_the_path(acs: Any) -> None:
    by_id = run(acs, "select_file", nodeId="gone")
    assert (by_id.code, by_id.retries) == ("NOT_FOUND", 0)
    assert "SELECT_FILE: file 'gone' (nodeId) does not exist" in by_id.message
    by_path = run(acs, "select_folder", path="/Shared/Nothing")
    assert by_path.code == "NOT_FOUND"
    assert "folder at path '/Shared/Nothing' (path)" in by_path.message
    by_qname = run(acs, "select_folder", path="/app:company_home/cm:Nothing")
    assert by_qname.code == "NOT_FOUND"
    assert "'/app:company_home/cm:Nothing' (path) does not exist" in by_qname.message
    nothing = run(acs, "select_file")
    assert nothing.code == "MISSING_INPUT"
    assert "nodeId, file, path or searchQuery" in nothing.message


def test_select_metadata_as_is_and_with_underscores(acs: Any) -> None:
    node = acs.create_file(
        "/Company Home/Shared", "m.txt", b"", properties={"cm:title": "T", "cm:author": "Ada"}
    )
    plain = ok(acs, "select_metadata", nodeId=node.id)
    assert plain["metadata"]["cm:title"] == "T"
    assert plain["metadata"]["cm:author"] == "Ada"
    underscored = ok(acs, "select_metadata", path="/Shared/m.txt", underscoreMetadata=True)
    assert underscored["metadata"]["cm_title"] == "T"
    assert "cm:title" not in underscored["metadata"]
    assert underscored["response"]["entry"]["properties"]["cm_author"] == "Ada"


def test_search_with_afts_and_cmis_pages(acs: Any) -> None:
    for n in range(5):
        acs.create_file(
            "/Company Home/Shared", f"inv-{n}.txt", b"", properties={"cm:title": "invoice"}
        )
    page = ok(acs, "search", searchQuery="cm:title:invoice", searchMaxItems=3)
    assert len(page["nodes"]) == 3
    assert page["hasMoreItems"] is True
    assert page["totalItems"] == 5
    cmis = ok(
        acs,
        "search",
        searchQuery="SELECT * FROM cmis:document WHERE cmis:name LIKE 'inv-%'",
        language="cmis",
        searchMaxItems=10,
    )
    assert len(cmis["nodes"]) == 5
    assert cmis["hasMoreItems"] is False
    too_many = run(acs, "search", searchQuery="x", searchMaxItems=5000)
    assert too_many.code == "INVALID_INPUT"


def test_list_children_filters_orders_and_pages(acs: Any) -> None:
    folder = acs.create_folder("/Company Home/Shared", "Box")
    for name in ("b.txt", "a.txt", "c.txt"):
        acs.create_file(folder.id, name, b"")
    acs.create_folder(folder.id, "Sub")
    files = ok(
        acs,
        "list_children",
        folder=[{"id": folder.id}],
        where="(isFile=true)",
        orderBy="name DESC",
        maxItems=2,
    )
    assert [n["name"] for n in files["nodes"]] == ["c.txt", "b.txt"]
    assert files["hasMoreItems"] is True
    everything = ok(acs, "list_children", path="/Shared/Box")
    assert everything["totalItems"] == 4
    assert everything["nodes"][0]["name"] == "Sub"  # folders first, as ACS sorts
