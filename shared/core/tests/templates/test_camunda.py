"""The Camunda element template generated from the example connectors."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from pydantic import BaseModel, Field
from tasklink_template_examples import greeter, shop, webcall

from tasklink.core import Connector, InputModel
from tasklink.core._models import select_input, validate_input
from tasklink.core.templates import TemplateError, camunda_template
from tasklink.core.templates._camunda import SCHEMA_URL


def _bind(model: type[BaseModel], data: Any, *, strict: bool = False) -> BaseModel:
    return validate_input(model, select_input(model, data, strict=strict))


STANDARD_TAIL = [
    "elementTemplateId",
    "elementTemplateVersion",
    "resultVariable",
    "resultExpression",
    "errorExpression",
    "retryCount",
    "retryBackoff",
    "jobTimeout",
]


def props(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["id"]: p for p in template["properties"] if "id" in p}


def referenced(condition: dict[str, Any]) -> list[dict[str, Any]]:
    return condition.get("allMatch", [condition])


def test_top_level_of_a_single_operation_connector() -> None:
    template = camunda_template(greeter)
    assert template["$schema"] == SCHEMA_URL
    assert template["id"] == "io.tasklink.examples.greeter"
    assert template["name"] == "Greeter (example)"
    assert template["version"] == 2
    assert template["documentationRef"] == "https://example.org/docs/greeter"
    assert template["category"] == {"id": "connectors", "name": "Connectors"}
    assert template["appliesTo"] == ["bpmn:Task"]
    assert template["elementType"] == {"value": "bpmn:ServiceTask"}
    assert template["engines"]["camunda"].startswith("^8")
    assert template["keywords"] == ["greeting", "example"]
    uri = template["icon"]["contents"]
    assert uri.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(uri.split(",", 1)[1])
    assert svg == greeter.resource("icon.svg").read_bytes()


def test_task_type_is_hidden_and_first() -> None:
    first = camunda_template(greeter)["properties"][0]
    assert first == {
        "type": "Hidden",
        "value": "tasklink:examples-greeter:1",
        "binding": {"type": "zeebe:taskDefinition", "property": "type"},
    }


def test_field_types_map_to_property_types() -> None:
    p = props(camunda_template(greeter))
    assert p["recipient"]["type"] == "String"
    assert p["recipient"]["feel"] == "optional"
    assert p["recipient"]["constraints"] == {"minLength": 2, "maxLength": 80, "notEmpty": True}
    assert p["recipient"]["binding"] == {"type": "zeebe:input", "name": "recipient"}
    # int with a default: a static Number that may be left empty (the model default applies)
    assert p["times"]["type"] == "Number"
    assert p["times"]["feel"] == "static"
    assert p["times"]["value"] == 3
    assert p["times"]["optional"] is True
    # optional float without default: a String, FEEL optional, left out when empty; the
    # modeler cannot check a pattern on an unset value, so the runtime checks it
    assert p["ratio"]["type"] == "String"
    assert p["ratio"]["optional"] is True
    assert "constraints" not in p["ratio"]
    assert p["shout"] == p["shout"] | {"type": "Boolean", "value": False, "feel": "static"}
    assert p["tone"]["type"] == "Dropdown"
    assert p["tone"]["choices"] == [
        {"name": "Friendly", "value": "friendly"},
        {"name": "Formal", "value": "formal"},
    ]
    assert p["tone"]["value"] == "friendly"
    assert [c["value"] for c in p["language"]["choices"]] == ["en", "de", "fr"]
    assert p["tags"]["feel"] == "required"
    assert p["tags"]["type"] == "String"
    assert p["extra"]["feel"] == "required"
    assert p["body"]["type"] == "Text"
    assert "constraints" not in p["callback"]  # optional: checked by the runtime
    assert "constraints" not in p["send_on"]
    assert p["channel"]["type"] == "Hidden"
    assert p["channel"]["value"] == "default"
    assert p["kind"] == p["kind"] | {"type": "Hidden", "value": "greeting"}


def test_descriptions_come_from_the_model() -> None:
    p = props(camunda_template(greeter))
    assert p["recipient"]["description"] == "Who is greeted"
    assert p["sender.name"]["description"] == "Name shown as the sender"


def test_nested_models_become_dotted_inputs_with_aliases() -> None:
    p = props(camunda_template(greeter))
    assert p["sender.email_address"]["binding"] == {
        "type": "zeebe:input",
        "name": "sender.emailAddress",
    }
    assert p["sender.email_address"]["label"] == "Sender: Email address"
    assert p["sender.email_address"]["placeholder"] == "someone@example.org"
    pattern = p["sender.email_address"]["constraints"]["pattern"]["value"]
    assert pattern.endswith("(?:^[^@\\s]+@[^@\\s]+$)")


def test_secrets_are_marked_and_get_no_default() -> None:
    p = props(camunda_template(greeter))
    assert p["api_key"]["secret"] is True
    assert p["api_key"]["group"] == "authentication"
    assert "value" not in p["api_key"]
    assert "secret" not in p["recipient"]


def test_groups_used_exist_and_standard_groups_come_last() -> None:
    template = camunda_template(greeter)
    ids = [g["id"] for g in template["groups"]]
    assert ids == ["input", "authentication", "output", "error", "retries"]
    used = {p["group"] for p in template["properties"] if "group" in p}
    assert used <= set(ids)


def test_connector_group_labels_name_the_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(greeter, "group_labels", {"authentication": "Greeting service login"})
    labels = {g["id"]: g["label"] for g in camunda_template(greeter)["groups"]}
    assert labels["authentication"] == "Greeting service login"
    assert labels["input"] == "Input", "groups without a label keep the default"


def test_every_template_ends_with_the_standard_properties() -> None:
    template = camunda_template(greeter)
    tail = [p["id"] for p in template["properties"][-len(STANDARD_TAIL) :]]
    assert tail == STANDARD_TAIL
    p = props(template)
    assert p["elementTemplateId"]["value"] == template["id"]
    assert p["elementTemplateVersion"]["value"] == "2"
    assert p["elementTemplateId"]["type"] == "Hidden"
    assert p["resultExpression"]["feel"] == "required"
    assert p["retryCount"]["binding"] == {"type": "zeebe:taskDefinition", "property": "retries"}
    assert p["retryCount"]["value"] == "3"
    assert p["retryBackoff"]["value"] == "PT30S"
    assert p["retryBackoff"]["binding"] == {"type": "zeebe:taskHeader", "key": "retryBackoff"}
    assert p["jobTimeout"]["optional"] is True


def test_hybrid_variant_has_an_editable_task_type() -> None:
    template = camunda_template(greeter, hybrid=True)
    assert template["id"] == "io.tasklink.examples.greeter-hybrid"
    assert template["name"].startswith("Hybrid ")
    first = template["properties"][0]
    assert first["type"] == "String"
    assert first["value"] == "tasklink:examples-greeter:1"
    assert first["binding"] == {"type": "zeebe:taskDefinition", "property": "type"}
    assert template["groups"][0]["id"] == first["group"]
    assert props(template)["elementTemplateId"]["value"] == template["id"]


def test_multi_operation_connector_gets_an_operation_dropdown() -> None:
    template = camunda_template(shop)
    p = props(template)
    operation = template["properties"][1]
    assert operation["id"] == "operation"
    assert operation["binding"] == {"type": "zeebe:taskHeader", "key": "operation"}
    assert operation["choices"] == [
        {"name": "Create order", "value": "create_order"},
        {"name": "Get order", "value": "get_order"},
        {"name": "Cancel order", "value": "cancel_order"},
    ]
    assert operation["value"] == "create_order"
    # a field every operation declares alike is one property without condition
    assert p["shop_url"]["binding"]["name"] == "shop_url"
    assert "condition" not in p["shop_url"]
    # one some operations declare alike is shown for those (oneOf on the operation)
    assert p["order_id"]["binding"]["name"] == "orderId"
    assert p["order_id"]["condition"] == {
        "property": "operation",
        "oneOf": ["get_order", "cancel_order"],
    }
    # fields of one operation keep its prefix and an equals condition
    assert p["create_order.item.sku"]["binding"]["name"] == "item.sku"
    assert p["create_order.item.sku"]["condition"] == {
        "property": "operation",
        "equals": "create_order",
    }
    assert p["create_order.priority"]["value"] == "normal"
    assert not any(k.startswith(("get_order.shop", "cancel_order.order")) for k in p)


def test_discriminated_union_becomes_a_dropdown_with_conditions() -> None:
    template = camunda_template(webcall)
    p = props(template)
    selector = p["call.authentication.type"]
    assert selector["type"] == "Dropdown"
    assert selector["binding"] == {"type": "zeebe:input", "name": "authentication.type"}
    assert selector["choices"] == [
        {"name": "None", "value": "none"},
        {"name": "Basic", "value": "basic"},
        {"name": "Bearer token", "value": "bearer"},
    ]
    assert selector["value"] == "none"
    assert selector["condition"] == {"property": "operation", "equals": "call"}
    password = p["call.authentication.basic.password"]
    assert password["binding"] == {"type": "zeebe:input", "name": "authentication.password"}
    assert password["secret"] is True
    assert password["condition"] == {
        "allMatch": [
            {"property": "operation", "equals": "call"},
            {"property": "call.authentication.type", "equals": "basic"},
        ]
    }
    assert p["call.authentication.bearer.token"]["condition"]["allMatch"][1]["equals"] == "bearer"


def test_optional_union_offers_an_empty_choice() -> None:
    selector = props(camunda_template(webcall))["ping.authentication.type"]
    assert selector["choices"][0] == {"name": "(not set)", "value": ""}
    assert selector["value"] == ""
    assert selector["optional"] is True


@pytest.mark.parametrize("connector", [greeter, shop, webcall], ids=lambda c: c.name)
@pytest.mark.parametrize("hybrid", [False, True])
def test_conditions_point_back_and_ids_are_unique(connector: Connector, hybrid: bool) -> None:
    template = camunda_template(connector, hybrid=hybrid)
    seen: set[str] = set()
    for prop in template["properties"]:
        for condition in referenced(prop.get("condition") or {}) if "condition" in prop else []:
            assert condition["property"] in seen, (prop["id"], condition)
        if "id" in prop:
            assert prop["id"] not in seen
            seen.add(prop["id"])
        if prop["type"] == "Dropdown" and "value" in prop:
            assert prop["value"] in [c["value"] for c in prop["choices"]]


def _zeebe_value(prop: dict[str, Any]) -> Any:
    """What a job carries for a property left at its default."""
    value = prop["value"]
    if prop.get("feel") == "static":
        return value
    return value


@pytest.mark.parametrize("connector", [greeter, shop, webcall], ids=lambda c: c.name)
def test_template_defaults_are_accepted_by_the_model(connector: Connector) -> None:
    """A job built from the template's defaults (plus the required text fields) binds."""
    template = camunda_template(connector)
    p = props(template)
    for operation in connector.operations.values():
        variables: dict[str, Any] = {}
        for prop in p.values():
            if prop["binding"]["type"] != "zeebe:input":
                continue
            active = all(
                operation.id in c.get("oneOf", [c.get("equals")])
                if c["property"] == "operation"
                else p[c["property"]].get("value") == c.get("equals")
                for c in referenced(prop.get("condition", {}))
                if prop.get("condition")
            )
            if not active:
                continue
            if "value" in prop and prop["value"] != "":
                value = _zeebe_value(prop)
            elif prop.get("constraints", {}).get("notEmpty"):
                value = "x-1" if "sku" not in prop["id"] else "ABC-1"
                if "email" in prop["id"]:
                    value = "a@example.org"
            else:
                continue
            target = variables
            *parents, leaf = prop["binding"]["name"].split(".")
            for parent in parents:
                target = target.setdefault(parent, {})
            target[leaf] = value
        bound = _bind(operation.input_model, variables, strict=True)
        assert isinstance(bound, operation.input_model)


# -- connectors that cannot become a template ------------------------------------------------


def _connector(model: type[InputModel], **kwargs: Any) -> Connector:
    connector = Connector(
        id="io.tasklink.tests.broken",
        name="broken",
        title="Broken",
        job_type="tasklink:broken:1",
        description="A connector the generator must reject",
        package="tasklink_template_examples",
        **kwargs,
    )

    def run(input: InputModel) -> None:
        return None

    # The models are local to each test: give the hints as objects, not strings.
    run.__annotations__ = {"input": model, "return": None}
    connector.operation(name="Run", description="Run it")(run)
    return connector


def _error(model: type[InputModel], **kwargs: Any) -> str:
    with pytest.raises(TemplateError) as caught:
        camunda_template(_connector(model, **kwargs))
    message = str(caught.value)
    assert "'io.tasklink.tests.broken'" in message
    return message


def test_missing_description_names_connector_operation_and_field() -> None:
    class Nested(InputModel):
        deep: str

    class Input(InputModel):
        inner: Nested = Field(description="Nested model")

    message = _error(Input)
    assert "operation 'run'" in message
    assert "field 'inner.deep'" in message
    assert "description" in message


def test_unsupported_type_is_rejected() -> None:
    class Input(InputModel):
        blob: bytes = Field(description="Raw bytes")

    message = _error(Input)
    assert "field 'blob'" in message
    assert "bytes" in message


def test_union_without_discriminator_is_rejected() -> None:
    class A(InputModel):
        a: str = Field(description="a")

    class B(InputModel):
        b: str = Field(description="b")

    class Input(InputModel):
        either: A | B = Field(description="Either")

    assert "discriminator" in _error(Input)


def test_plain_union_of_scalars_is_rejected() -> None:
    class Input(InputModel):
        value: int | str = Field(description="Number or text")

    assert "field 'value'" in _error(Input)


def test_integer_literal_is_rejected() -> None:
    from typing import Literal

    class Input(InputModel):
        level: Literal[1, 2] = Field(description="Level")

    assert "Literal values must be strings" in _error(Input)


def test_hidden_field_needs_a_default() -> None:
    from tasklink.core import field

    class Input(InputModel):
        secret_route: str = field(description="Route", hidden=True)

    assert "hidden field needs a default" in _error(Input)


def test_placeholder_only_on_text_fields() -> None:
    from tasklink.core import field

    class Input(InputModel):
        count: int = field(description="Count", placeholder="3")

    assert "placeholder" in _error(Input)


def test_static_feel_on_text_is_rejected() -> None:
    from tasklink.core import field

    class Input(InputModel):
        name: str = field(description="Name", feel="static")

    assert "feel='static'" in _error(Input)


def test_reserved_ids_are_rejected() -> None:
    class Input(InputModel):
        resultVariable: str = Field(description="Clashes with the header")  # noqa: N815

    assert "reserved" in _error(Input)


def test_missing_icon_file_is_reported() -> None:
    class Input(InputModel):
        name: str = Field(description="Name")

    assert "icon file 'nope.svg' is missing" in _error(Input, icon="nope.svg")


def test_operation_without_a_name_is_rejected() -> None:
    import dataclasses

    class Input(InputModel):
        name: str = Field(description="Name")

    connector = _connector(Input)
    operation = connector.operations["run"]
    connector._operations["run"] = dataclasses.replace(operation, name="")
    with pytest.raises(TemplateError, match=r"operation 'run'.*has no name"):
        camunda_template(connector)


def test_required_urls_dates_and_patterns_get_modeler_patterns() -> None:
    import datetime as dt
    import re

    from pydantic import HttpUrl

    class Input(InputModel):
        endpoint: HttpUrl = Field(description="Where to call")
        day: dt.date = Field(description="Which day")
        code: str = Field(description="A code", pattern=r"\A(?P<letter>[A-Z])\d\z")

    p = props(camunda_template(_connector(Input)))
    url = re.compile(p["endpoint"]["constraints"]["pattern"]["value"])
    assert url.search("https://example.org") and url.search("{{secrets.URL}}")
    assert not url.search("example.org")
    day = re.compile(p["day"]["constraints"]["pattern"]["value"])
    assert day.search("2026-11-23") and not day.search("23.11.2026")
    code = p["code"]["constraints"]["pattern"]
    # Python-only regex spellings are translated for the modeler (JavaScript)
    assert "(?P" not in code["value"] and r"\A" not in code["value"]
    assert "(?<letter>[A-Z])\\d$" in code["value"]
    assert p["code"]["constraints"]["notEmpty"] is True
