"""The Activiti connector definition generated from the example connectors."""

from __future__ import annotations

import re

import pytest
from pydantic import Field
from tasklink_template_examples import greeter, shop, webcall

from tasklink.core import Connector, InputModel
from tasklink.core.templates import (
    ACTIVITI_NAME_PATTERN,
    ACTIVITI_TYPES,
    TemplateError,
    activiti_definition,
)


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
