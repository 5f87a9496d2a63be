"""DECLARE_RECORD, ADD_SECURITY_MARKS and GET_SECURITY_MARKS against the fake repository
(Governance Services)."""

from __future__ import annotations

from typing import Any

from .helpers import ok, run


def test_declare_a_record_unfiled_or_into_a_record_folder(acs: Any) -> None:
    a = acs.create_file("/Company Home/Shared", "a.pdf", b"a")
    out = ok(acs, "declare_record", fileId=a.id, hideRecord=True)
    assert out["response"]["entry"]["id"] == a.id
    assert "rma:record" in acs.node(a.id).aspects
    folder = acs.add_record_folder("Contracts")
    b = acs.create_file("/Company Home/Shared", "b.pdf", b"b")
    ok(acs, "declare_record", filePath="/Shared/b.pdf", targetFolderId=folder.id)
    assert acs.node(b.id).parent_id == folder.id
    twice = run(acs, "declare_record", file=[{"id": a.id}])
    assert (twice.code, twice.retries) == ("UNPROCESSABLE_ENTITY", 0)
    assert f"file with id {a.id!r} (file): POST " in twice.message
    assert twice.message.endswith("is already a record] (HTTP 422)")


def test_security_marks_are_added_by_name_and_read_per_group(acs: Any) -> None:
    acs.add_security_group("PII", ("Name", "Address", "Health"))
    acs.add_security_group("Clearance", ("Secret",))
    node = acs.create_file("/Company Home/Shared", "p.txt", b"")
    ok(
        acs,
        "add_security_marks",
        nodeId=node.id,
        securityGroupName="PII",
        securityMarks="Name, Health",
    )
    ok(
        acs,
        "add_security_marks",
        path="/Shared/p.txt",
        securityGroupName="Clearance",
        securityMarks=["Secret"],
    )
    assert sorted(acs.security_marks(node.id)) == [
        ("Clearance", "Secret"), ("PII", "Health"), ("PII", "Name"),
    ]  # fmt: skip
    pii = ok(acs, "get_security_marks", nodeId=node.id, securityGroupName="PII")
    assert sorted(pii["securityMarks"]) == ["Health", "Name"]


def test_unknown_groups_and_marks_are_not_found_naming_them(acs: Any) -> None:
    acs.add_security_group("PII", ("Name",))
    node = acs.create_file("/Company Home/Shared", "p.txt", b"")
    group = run(acs, "get_security_marks", nodeId=node.id, securityGroupName="Nope")
    assert (group.code, group.retries) == ("NOT_FOUND", 0)
    assert "security group 'Nope' does not exist (securityGroupName)" in group.message
    mark = run(
        acs,
        "add_security_marks",
        nodeId=node.id,
        securityGroupName="PII",
        securityMarks="Name, Shoe size",
    )
    assert mark.code == "NOT_FOUND"
    assert "'Shoe size' of group 'PII'" in mark.message
    assert acs.security_marks(node.id) == []
