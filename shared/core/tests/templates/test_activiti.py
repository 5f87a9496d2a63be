"""The Activiti connector definition generated from the example connectors."""

from __future__ import annotations

import re
from typing import Any, Literal

import pytest
from pydantic import Field
from tasklink_template_examples import greeter, shop, webcall

from tasklink.core import Connector, Document, InputModel, OutputModel, field
from tasklink.core._errors import ERROR_DESCRIPTIONS
from tasklink.core.templates import (
    TemplateError,
    activiti_config,
    activiti_definition,
    activiti_error_codes,
)
from tasklink.core.templates._activiti import ACTIVITI_NAME_PATTERN, ACTIVITI_TYPES
from tasklink.testing import validate_activiti_definition


def test_definition_has_one_action_per_operation() -> None:
    definition = activiti_definition(shop)
    assert definition["id"] == "io.tasklink.examples.shop"
    assert definition["name"] == "shop"
    assert re.match(ACTIVITI_NAME_PATTERN, definition["name"])
    assert list(definition["actions"]) == ["CREATE_ORDER", "GET_ORDER", "CANCEL_ORDER"]
    action = definition["actions"]["GET_ORDER"]
    assert action["id"] == action["name"] == "GET_ORDER"
    assert action["description"] == "Get order: Read an order"


def test_inputs_carry_activiti_types() -> None:
    inputs = {i["name"]: i for i in activiti_definition(greeter)["actions"]["GREET"]["inputs"]}
    types = {name: item["type"] for name, item in inputs.items()}
    assert types == {
        "recipient": "string",
        "times": "integer",
        "ratio": "json",
        "shout": "boolean",
        "tone": "string",
        "language": "string",
        "sender": "json",
        "tags": "json",
        "extra": "json",
        "api_key": "string",
        "body": "string",
        "callback": "string",
        "send_on": "date",
        "channel": "string",
        "kind": "string",
    }
    assert set(types.values()) <= set(ACTIVITI_TYPES)
    assert inputs["recipient"]["required"] is True
    assert inputs["times"]["required"] is False
    assert inputs["extra"]["required"] is False
    assert inputs["recipient"]["description"] == "Who is greeted"
    assert inputs["tone"]["description"].endswith("One of: friendly, formal.")
    assert inputs["recipient"]["id"] == "GREET.input.recipient"


def test_aliases_and_unions_are_single_json_inputs() -> None:
    shop_inputs = activiti_definition(shop)["actions"]["GET_ORDER"]["inputs"]
    assert [i["name"] for i in shop_inputs] == ["shop_url", "orderId"]
    call = activiti_definition(webcall)["actions"]["CALL"]["inputs"]
    auth = next(i for i in call if i["name"] == "authentication")
    assert auth["type"] == "json"
    assert auth["required"] is False


def test_outputs_come_from_the_output_model() -> None:
    outputs = activiti_definition(greeter)["actions"]["GREET"]["outputs"]
    assert [(o["name"], o["type"]) for o in outputs] == [("text", "string"), ("count", "integer")]
    # an operation returning plain JSON declares no typed outputs
    assert activiti_definition(webcall)["actions"]["PING"]["outputs"] == []


def test_missing_input_description_is_rejected() -> None:
    class Input(InputModel):
        name: str

    connector = Connector(
        id="io.tasklink.tests.nodesc",
        name="nodesc",
        title="No description",
        job_type="tasklink:nodesc:1",
        description="Lacks a field description",
        package="tasklink_template_examples",
    )

    def run(input: InputModel) -> None:
        return None

    run.__annotations__ = {"input": Input, "return": None}
    connector.operation(name="Run", description="Run it")(run)
    with pytest.raises(
        TemplateError, match=r"'io\.tasklink\.tests\.nodesc', operation 'run', field 'name'"
    ):
        activiti_definition(connector)


def test_unsupported_input_type_is_rejected() -> None:
    class Input(InputModel):
        raw: bytes = Field(description="Raw bytes")

    connector = Connector(
        id="io.tasklink.tests.raw",
        name="raw",
        title="Raw",
        job_type="tasklink:raw:1",
        description="Takes bytes",
        package="tasklink_template_examples",
    )

    def run(input: InputModel) -> None:
        return None

    run.__annotations__ = {"input": Input, "return": None}
    connector.operation(name="Run", description="Run it")(run)
    with pytest.raises(TemplateError, match="field 'raw'"):
        activiti_definition(connector)


# -- errors ------------------------------------------------------------------------------

CORE_CODES = ["MISSING_INPUT", "INVALID_INPUT", "TIMEOUT", "UNKNOWN_ERROR"]


class _Text(InputModel):
    text: str = Field(description="Some text")


class _Upload(InputModel):
    document: Document = Field(description="The file to upload")


class _Auth(InputModel):
    client_secret: str = field(description="Client secret", secret=True, alias="clientSecret")


class _Nested(InputModel):
    auth: _Auth = Field(description="Credentials")


class _Stored(OutputModel):
    document: Document | None = Field(None, description="The stored file")


def _connector(name: str, **declaration: Any) -> Connector:
    return Connector(
        id=f"io.tasklink.tests.{name}",
        name=name,
        title=name.title(),
        job_type=f"tasklink:{name}:1",
        description=f"The {name} test connector",
        package="tasklink_template_examples",
        **declaration,
    )


def test_every_definition_declares_the_core_codes() -> None:
    errors = activiti_definition(shop)["errors"]
    assert [e["code"] for e in errors] == CORE_CODES
    for error in errors:
        assert error["name"] == error["code"]  # as Alfresco's own definitions name them
        assert error["description"] == ERROR_DESCRIPTIONS[error["code"]]
    assert activiti_error_codes(shop) == set(CORE_CODES)


def test_a_connectors_declared_codes_come_first_and_win() -> None:
    connector = _connector(
        "ordering",
        errors={
            "ORDER_NOT_FOUND": "  No order with this id  ",
            "TIMEOUT": "The shop did not answer within 30 seconds",
        },
    )

    @connector.operation(name="Run", description="Run it")
    def run(input: _Text) -> dict[str, Any]:
        return {}

    errors = activiti_definition(connector)["errors"]
    assert [e["code"] for e in errors] == [
        "ORDER_NOT_FOUND",
        "TIMEOUT",
        *CORE_CODES[:2],
        "UNKNOWN_ERROR",
    ]
    by_code = {e["code"]: e for e in errors}
    assert by_code["ORDER_NOT_FOUND"] == {
        "name": "ORDER_NOT_FOUND",
        "description": "No order with this id",
        "code": "ORDER_NOT_FOUND",
    }
    assert by_code["TIMEOUT"]["description"] == "The shop did not answer within 30 seconds"
    assert activiti_error_codes(connector) == {e["code"] for e in errors}
    assert validate_activiti_definition(activiti_definition(connector)) == []


@pytest.mark.parametrize("where", ["input", "output"])
def test_document_limits_are_declared_where_documents_travel(where: str) -> None:
    connector = _connector(f"files-{where}")
    if where == "input":

        @connector.operation(name="Upload", description="Upload a file")
        def upload(input: _Upload) -> dict[str, Any]:
            return {}

    else:

        @connector.operation(name="Store", description="Store a file")
        def store(input: _Text) -> _Stored:
            return _Stored()

    codes = [e["code"] for e in activiti_definition(connector)["errors"]]
    assert codes == [*CORE_CODES, "DOCUMENT_TOO_LARGE"]
    # Found only by Camunda's document store: never on Activiti.
    assert "DOCUMENT_NOT_FOUND" not in codes
    assert "DOCUMENT_TOO_LARGE" not in activiti_error_codes(greeter)


# -- config ------------------------------------------------------------------------------


def test_secret_inputs_become_secure_config() -> None:
    config = activiti_definition(webcall)["config"]
    assert [c["name"] for c in config] == [
        "TASKLINK_SECRET_WEBCALL_AUTHENTICATION_PASSWORD",
        "TASKLINK_SECRET_WEBCALL_AUTHENTICATION_TOKEN",
    ]
    password = config[0]
    assert password["secure"] is True and password["required"] is False
    assert password["value"] == ""
    # Names the placeholder a task writes, and where (both actions take it).
    assert "{{secrets.WEBCALL_AUTHENTICATION_PASSWORD}}" in password["description"]
    assert "authentication.password (every action)" in password["description"]
    assert password["description"].startswith("Password. ")
    # A SecretStr is a secret too; a connector without secrets has no config.
    [api_key] = activiti_config(greeter)
    assert api_key["name"] == "TASKLINK_SECRET_GREETER_API_KEY"
    assert "api_key (GREET)" in api_key["description"]
    assert activiti_definition(shop)["config"] == []


class _Basic(InputModel):
    type: Literal["basic"] = field(description="Kind")
    password: str = field(description="Password", secret=True)


class _Ticket(InputModel):
    type: Literal["ticket"] = field(description="Kind")
    password: str = field(description="Password", secret=True)


class _Login(InputModel):
    login: _Basic | _Ticket = Field(discriminator="type", description="How to log in")


class _Nodes(InputModel):
    file: list[dict[str, Any]] | None = field(
        None, description="File variable", activiti_type="file"
    )
    folder: list[dict[str, Any]] | None = field(
        None, description="Folder variable", activiti_type="folder"
    )
    other: list[dict[str, Any]] | None = field(None, description="Plain JSON")


def test_apa_file_and_folder_variables_keep_their_type() -> None:
    connector = _connector("nodes")

    @connector.operation(name="Pick", description="Pick nodes")
    def pick(input: _Nodes) -> dict[str, Any]:
        return {}

    definition = activiti_definition(connector)
    [action] = definition["actions"].values()
    types = {p["name"]: p["type"] for p in action["inputs"]}
    assert types == {"file": "file", "folder": "folder", "other": "json"}
    assert validate_activiti_definition(definition) == []


def test_a_secret_shared_by_union_members_names_each_action_once() -> None:
    connector = _connector("shared-secret")

    @connector.operation(name="One", description="First")
    def one(input: _Login) -> dict[str, Any]:
        return {}

    @connector.operation(name="Two", description="Second")
    def two(input: _Login) -> dict[str, Any]:
        return {}

    [entry] = activiti_config(connector)
    assert entry["name"] == "TASKLINK_SECRET_SHARED_SECRET_LOGIN_PASSWORD"
    assert "login.password (every action)" in entry["description"]


def test_config_names_follow_the_runtimes_secret_prefix() -> None:
    connector = _connector("my-api")

    @connector.operation(name="Run", description="Run it")
    def run(input: _Nested) -> dict[str, Any]:
        return {}

    [entry] = activiti_config(connector, prefix="ACME_")
    assert entry["name"] == "ACME_MY_API_AUTH_CLIENT_SECRET"
    assert (
        "{{secrets.MY_API_AUTH_CLIENT_SECRET}} in the input auth.clientSecret (RUN)"
        in (entry["description"])
    )


def test_definitions_with_errors_and_config_pass_the_schema() -> None:
    for connector in (greeter, shop, webcall):
        definition = activiti_definition(connector)
        assert validate_activiti_definition(definition) == []
    twice = activiti_definition(webcall)
    twice["errors"].append(dict(twice["errors"][0]))
    twice["config"].append({**twice["config"][0], "secure": "yes"})
    problems = "\n".join(validate_activiti_definition(twice))
    assert "errors: repeated codes ['MISSING_INPUT']" in problems
    assert "'yes' is not of type 'boolean'" in problems
