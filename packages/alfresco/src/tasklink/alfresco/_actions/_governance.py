"""Governance Services: DECLARE_RECORD, ADD_SECURITY_MARKS and GET_SECURITY_MARKS.

Records: ``POST /files/{fileId}/declare?hideRecord=&parentId=`` of the GS core API
(``gs-core-api.yaml``, base ``/api/-default-/public/gs/versions/1``).

Security marks belong to the GS classification API (an enterprise module, same base):
``GET /security-groups`` and ``GET /security-groups/{id}/security-marks`` turn names into
ids, ``POST /secured-nodes/{nodeId}/securing-marks`` with ``[{id, groupId, operation:
"ADD"}]`` adds marks, ``GET`` on it lists them. Its contract is taken from Alfresco's
generated Java SDK (``alfresco-java-sdk``, ``alfresco-governance-classification-rest-api``
docs: SecuredNodesApi, SecurityGroupsApi, SecurityMarksApi, SecuringMarksUpdateEntry),
as its API definition is not published with the community repository.
"""

from __future__ import annotations

from typing import Any

from tasklink.core import ConnectorError, Context

from .._inputs import AddSecurityMarks, DeclareRecord, GetSecurityMarks
from .._nodes import choose, locate
from .._outputs import ActionResult, SecurityMarksResult
from .._repository import Repository, Subject, entries
from ._common import node_selector, open_repository, target_selector

__all__ = ["add_security_marks", "declare_record", "get_security_marks"]

# Security groups and marks are few: one page of them is all of them.
_ALL = [("skipCount", "0"), ("maxItems", "1000")]


async def declare_record(input: DeclareRecord, ctx: Context) -> ActionResult:
    """DECLARE_RECORD: the file becomes a record, filed in the target record folder when
    one is given (else in the unfiled records container)."""
    repo = open_repository(input, ctx, "DECLARE_RECORD")
    selector = choose(
        [
            ("fileId", "id", input.file_id),
            ("file", "nodes", input.file),
            ("filePath", "path", input.file_path),
        ],
        noun="file",
    )
    assert selector is not None
    target = target_selector(input, required=False)
    node_id, _ = await locate(repo, selector)
    query = [("hideRecord", "true" if input.hide_record else "false")]
    subject = selector.subject()
    if target is not None:
        folder_id, _ = await locate(repo, target)
        query.append(("parentId", folder_id))
        subject = Subject(f"{subject} or {target.subject()}", selector.field)
    data = await repo.call(
        "POST", repo.url("gs", "files", node_id, "declare"), subject, query=query
    )
    return ActionResult(response=data)


def _not_found(repo: Repository, what: str, field: str) -> ConnectorError:
    return ConnectorError(
        f"{repo.action}: {what} does not exist ({field})",
        code="NOT_FOUND",
        variables={"field": field},
        retryable=False,
    )


async def _group_id(repo: Repository, name: str) -> str:
    subject = Subject(f"security group {name!r} (securityGroupName)", "securityGroupName")
    data = await repo.call("GET", repo.url("gs", "security-groups"), subject, query=_ALL)
    groups, _ = entries(data, "the security groups answer")
    for group in groups:
        if group.get("groupName") == name and isinstance(group.get("id"), str):
            return str(group["id"])
    raise _not_found(repo, f"security group {name!r}", "securityGroupName")


async def add_security_marks(input: AddSecurityMarks, ctx: Context) -> ActionResult:
    """ADD_SECURITY_MARKS: add the named marks of one security group to the node."""
    repo = open_repository(input, ctx, "ADD_SECURITY_MARKS")
    selector = node_selector(input)
    node_id, _ = await locate(repo, selector)
    group_id = await _group_id(repo, input.security_group_name)
    group = Subject(f"security group {input.security_group_name!r}", "securityGroupName")
    data = await repo.call(
        "GET", repo.url("gs", "security-groups", group_id, "security-marks"), group, query=_ALL
    )
    marks, _ = entries(data, "the security marks answer")
    ids = {str(m.get("name")): str(m.get("id")) for m in marks if m.get("id")}
    missing = [name for name in input.security_marks if name not in ids]
    if missing:
        raise _not_found(
            repo,
            f"security mark(s) {', '.join(map(repr, missing))} of group "
            f"{input.security_group_name!r}",
            "securityMarks",
        )
    body: list[dict[str, Any]] = [
        {"id": ids[name], "groupId": group_id, "operation": "ADD"}
        for name in dict.fromkeys(input.security_marks)
    ]
    answer = await repo.call(
        "POST",
        repo.url("gs", "secured-nodes", node_id, "securing-marks"),
        selector.subject(),
        body=body,
    )
    return ActionResult(response=answer)


async def get_security_marks(input: GetSecurityMarks, ctx: Context) -> SecurityMarksResult:
    """GET_SECURITY_MARKS: the names of the node's marks in one security group."""
    repo = open_repository(input, ctx, "GET_SECURITY_MARKS")
    selector = node_selector(input)
    node_id, _ = await locate(repo, selector)
    group_id = await _group_id(repo, input.security_group_name)
    data = await repo.call(
        "GET",
        repo.url("gs", "secured-nodes", node_id, "securing-marks"),
        selector.subject(),
        query=_ALL,
    )
    marks, _ = entries(data, "the securing marks answer")
    names = [str(m.get("name")) for m in marks if m.get("groupId") == group_id and m.get("name")]
    return SecurityMarksResult(response=data, security_marks=names)
