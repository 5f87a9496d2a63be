"""The input models on their own: APA's value shapes, selectors and their precedence,
metadata keys, and the connection secret. Nothing is sent."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tasklink.alfresco import (
    CONNECTION_SECRET,
    CreateFile,
    LockNode,
    NodeInput,
    SetPermissions,
    UpdateTag,
    connector,
)
from tasklink.alfresco._actions._common import node_selector, response, target_selector
from tasklink.alfresco._metadata import properties_in, properties_out, rest_properties
from tasklink.alfresco._nodes import choose, is_location_path
from tasklink.alfresco._repository import connection_of
from tasklink.core import (
    Context,
    InputError,
    JobExecutor,
    JobInfo,
    MappingSecretProvider,
    SecretResolver,
    decode_variables,
)

CONNECTION = {
    "baseUrl": "https://acs.example.com/alfresco/",
    "authentication": {"type": "basic", "username": "ada", "password": "pw-123456"},
}


def bind(operation: str, variables: dict[str, Any]) -> Any:
    executor = JobExecutor(MappingSecretProvider({}))
    return executor.bind(connector.operations[operation], variables, strict=False)


# -- the declaration -------------------------------------------------------------------


def test_the_actions_are_apas_under_the_connector_name_content_service() -> None:
    assert connector.name == "content-service"
    actions = {op.qualified_name for op in connector.operations.values()}
    apa = {
        "CREATE_FILE", "CREATE_FOLDER", "SELECT_FILE", "SELECT_FOLDER", "SELECT_METADATA",
        "COPY_FILE", "MOVE_FILE", "COPY_FOLDER", "MOVE_FOLDER", "UPDATE_FILE_CONTENT",
        "UPDATE_METADATA", "SET_PERMISSIONS", "LOCK_NODE", "UNLOCK_NODE", "ADD_ASPECT",
        "REMOVE_ASPECT", "UPDATE_TAG", "SET_TYPE", "DELETE_FILE", "DELETE_FOLDER",
        "DECLARE_RECORD", "ADD_SECURITY_MARKS", "GET_SECURITY_MARKS",
    }  # fmt: skip
    assert {f"content-service.{a}" for a in apa} <= actions
    assert len(actions) == len(apa) + 6  # SEARCH, LIST_CHILDREN, DOWNLOAD_CONTENT, ...


def test_the_activiti_definition_declares_apas_error_codes() -> None:
    from tasklink.core.templates import activiti_definition

    definition = activiti_definition(connector)
    codes = {e["code"] for e in definition["errors"]}
    for code in (
        "MISSING_INPUT", "INVALID_INPUT", "INVALID_RESULT_FORMAT", "UNKNOWN_ERROR",
        "BAD_REQUEST", "UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "METHOD_NOT_ALLOWED",
        "NOT_ACCEPTABLE", "REQUEST_TIMEOUT", "CONFLICT", "GONE", "UNPROCESSABLE_ENTITY",
        "LOCKED", "FAILED_DEPENDENCY", "INTERNAL_SERVER_ERROR", "NOT_IMPLEMENTED",
        "BAD_GATEWAY", "SERVICE_UNAVAILABLE", "GATEWAY_TIMEOUT",
    ):  # fmt: skip
        assert code in codes
    create = definition["actions"]["CREATE_FILE"]
    inputs = {p["name"]: p for p in create["inputs"]}
    assert inputs["fileName"]["required"] is True
    assert {"targetFolder", "targetFolderId", "targetFolderPath", "autorename"} <= set(inputs)
    assert {"targetFileType", "targetFileMetadata", "underscoreMetadata"} <= set(inputs)
    assert [p["name"] for p in create["outputs"]] == ["response", "file"]


# -- APA's value shapes ----------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        [{"id": "n1", "name": "a.txt"}],
        {"id": "n1", "name": "a.txt"},
        '[{"id": "n1", "name": "a.txt"}]',
        {"type": "file", "value": '[{"id": "n1", "name": "a.txt"}]'},
    ],
)
def test_a_file_variable_is_an_array_of_nodes_in_any_of_its_forms(value: Any) -> None:
    # Typed values are decoded by the Activiti adapter first, as here.
    model = bind("unlock_node", decode_variables({"file": value}))
    assert model.file == [{"id": "n1", "name": "a.txt"}]


def test_a_file_variable_without_ids_is_refused_naming_the_field() -> None:
    with pytest.raises(InputError) as caught:
        bind("unlock_node", {"file": [{"name": "a.txt"}]})
    assert caught.value.code == "INVALID_INPUT"
    assert caught.value.variables["fields"] == ["file"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("wip, draft", ["wip", "draft"]),
        ('["wip", "draft"]', ["wip", "draft"]),
        (["wip", " draft "], ["wip", "draft"]),
        ("single", ["single"]),
    ],
)
def test_array_parameters_take_commas_or_json(given: Any, expected: list[str]) -> None:
    assert bind("update_tag", {"nodeId": "n", "tags": given}).tags == expected


def test_metadata_may_arrive_as_json_text() -> None:
    model = bind(
        "create_file",
        {"fileName": "a.txt", "targetFolderId": "f", "targetFileMetadata": '{"cm:title": "T"}'},
    )
    assert isinstance(model, CreateFile)
    assert model.target_file_metadata == {"cm:title": "T"}


def test_lock_defaults_are_apas() -> None:
    model = bind("lock_node", {"nodeId": "n"})
    assert isinstance(model, LockNode)
    assert (model.lock_type, model.time_to_expire, model.lifetime) == (
        "ALLOW_OWNER_CHANGES",
        0,
        "PERSISTENT",
    )
    with pytest.raises(InputError, match="lockType"):
        bind("lock_node", {"nodeId": "n", "lockType": "WRITE"})


# -- selectors ---------------------------------------------------------------------------


def _node(**given: Any) -> NodeInput:
    return NodeInput.model_validate(given)


def test_node_precedence_is_id_then_file_then_folder_then_path() -> None:
    everything = {
        "nodeId": "by-id",
        "file": [{"id": "by-file"}],
        "folder": [{"id": "by-folder"}],
        "path": "/Sales",
    }
    assert node_selector(_node(**everything)).field == "nodeId"
    del everything["nodeId"]
    assert node_selector(_node(**everything)).value == [{"id": "by-file"}]
    del everything["file"]
    assert node_selector(_node(**everything)).field == "folder"
    del everything["folder"]
    selector = node_selector(_node(**everything))
    assert (selector.kind, selector.value) == ("path", "/Sales")


def test_blank_selectors_count_as_absent() -> None:
    selector = node_selector(_node(nodeId="  ", file="[]", path="/Sales"))
    assert selector.field == "path"


def test_no_selector_is_missing_input_naming_every_one() -> None:
    with pytest.raises(InputError) as caught:
        node_selector(_node())
    assert caught.value.code == "MISSING_INPUT"
    assert caught.value.variables["fields"] == ["nodeId", "file", "folder", "path"]
    assert "nodeId, file, folder or path" in caught.value.message


def test_target_folder_precedence_and_optional_targets() -> None:
    model = CreateFile.model_validate(
        {"fileName": "a", "targetFolderPath": "/x", "targetFolder": [{"id": "f"}]}
    )
    selector = target_selector(model)
    assert selector is not None and selector.field == "targetFolder"
    empty = CreateFile.model_validate({"fileName": "a"})
    assert target_selector(empty, required=False) is None


def test_subjects_name_the_node_and_the_field() -> None:
    by_file = choose([("file", "nodes", [{"id": "n1", "name": "q3.pdf"}])], noun="file")
    assert by_file is not None
    assert str(by_file.subject()) == "file 'q3.pdf' with id 'n1' (file)"
    by_path = choose([("path", "path", "/Sales/q3.pdf")])
    assert by_path is not None
    assert str(by_path.subject()) == "node at path '/Sales/q3.pdf' (path)"


def test_location_paths_are_told_from_relative_paths() -> None:
    assert is_location_path("/app:company_home/cm:Sales")
    assert not is_location_path("/User Homes/hruser")


# -- metadata ----------------------------------------------------------------------------


def test_metadata_keys_are_prefixed_qnames() -> None:
    assert properties_in({"cm:title": "T"}, underscore=False, field="metadata") == {"cm:title": "T"}
    with pytest.raises(InputError, match=r"metadata: 'cm_title' is not a prefixed") as caught:
        properties_in({"cm_title": "T"}, underscore=False, field="metadata")
    assert caught.value.field == "metadata"


def test_underscore_metadata_takes_both_forms_and_answers_underscores() -> None:
    given = {"cm_title": "T", "ahr:contract-type": "Full Time", "my_long_name": 1}
    assert properties_in(given, underscore=True, field="metadata") == {
        "cm:title": "T",
        "ahr:contract-type": "Full Time",
        "my:long_name": 1,
    }
    assert properties_out({"cm:title": "T"}, underscore=True) == {"cm_title": "T"}
    assert properties_out({"cm:title": "T"}, underscore=False) == {"cm:title": "T"}
    answer = {"entry": {"id": "n", "properties": {"cm:title": "T"}, "aspectNames": ["cm:titled"]}}
    assert response(answer, underscore=True) == {
        "entry": {"id": "n", "properties": {"cm_title": "T"}, "aspectNames": ["cm:titled"]}
    }


def test_properties_for_an_update_are_strings_where_the_api_says_so() -> None:
    assert rest_properties({"a:n": 3, "a:b": True, "a:s": "x", "a:l": ["p", "q"], "a:z": None}) == {
        "a:n": "3",
        "a:b": "true",
        "a:s": "x",
        "a:l": ["p", "q"],
        "a:z": None,
    }


# -- the connection ----------------------------------------------------------------------


def _ctx(secrets: dict[str, str]) -> Context:
    return Context(JobInfo(), SecretResolver(MappingSecretProvider(secrets)))


def test_a_task_without_connection_reads_the_connection_secret() -> None:
    ctx = _ctx({CONNECTION_SECRET: json.dumps(CONNECTION)})
    connection = connection_of(None, ctx)
    assert connection.base_url == "https://acs.example.com/alfresco"  # no trailing slash
    assert "pw-123456" in ctx.redactor  # the whole secret, and the password in it, masked
    assert ctx.redactor.redact("password pw-123456") == "password ***"


def test_a_missing_or_bad_connection_secret_is_an_input_error_naming_it() -> None:
    with pytest.raises(InputError) as missing:
        connection_of(None, _ctx({}))
    assert missing.value.code == "MISSING_INPUT"
    assert CONNECTION_SECRET in missing.value.message
    bad = {**CONNECTION, "baseUrl": "ftp://x"}
    with pytest.raises(InputError, match=f"{CONNECTION_SECRET}.*baseUrl") as invalid:
        connection_of(None, _ctx({CONNECTION_SECRET: json.dumps(bad)}))
    assert "pw-123456" not in invalid.value.message


def test_set_permissions_needs_users_and_role() -> None:
    with pytest.raises(InputError) as caught:
        bind("set_permissions", {"nodeId": "n"})
    assert caught.value.code == "MISSING_INPUT"
    assert set(caught.value.variables["fields"]) == {"users", "role"}
    model = bind("set_permissions", {"nodeId": "n", "users": "ada, GROUP_x", "role": "Editor"})
    assert isinstance(model, SetPermissions)
    assert model.users == ["ada", "GROUP_x"]


def test_update_tag_model_keeps_order() -> None:
    model = UpdateTag.model_validate({"nodeId": "n", "tags": "b, a"})
    assert model.tags == ["b", "a"]


def test_loading_every_action_imports_no_http_stack() -> None:
    """Discovery and even loading the action modules leave httpx for the first call."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from tasklink.alfresco import connector\n"
        "for op in connector.operations.values(): op.load()\n"
        "print(sorted(m for m in ('httpx', 'httpcore') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
