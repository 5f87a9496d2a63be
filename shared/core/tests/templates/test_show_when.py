"""``field(show_when=...)``: a field shown only for some values of a sibling dropdown."""

from __future__ import annotations

import enum
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field

from tasklink.core import Connector, InputModel, field
from tasklink.core._fields import TEMPLATE_KEY
from tasklink.core.templates import TemplateError, activiti_definition, camunda_template

Method = Literal["GET", "POST", "PUT", "DELETE"]
WITH_BODY = ["POST", "PUT", "DELETE"]


def _connector(*operations: tuple[str, type[InputModel]]) -> Connector:
    """A connector with one operation per (id, input model)."""
    connector = Connector(
        id="io.tasklink.tests.showwhen",
        name="showwhen",
        title="Show when",
        job_type="tasklink:showwhen:1",
        description="A connector with conditional fields",
        package="tasklink_template_examples",
    )
    for operation_id, model in operations:

        def run(input: InputModel) -> None:
            return None

        run.__annotations__ = {"input": model, "return": None}
        connector.operation(operation_id, name=operation_id.title(), description="Run it")(run)
    return connector


def _props(connector: Connector) -> dict[str, dict[str, Any]]:
    template = camunda_template(connector)
    return {p["id"]: p for p in template["properties"] if "id" in p}


class Request(InputModel):
    method: Method = field("GET", description="HTTP method")
    url: str = field(description="URL")
    body: Any = field(None, description="Body", show_when={"method": WITH_BODY})
    purge: bool = field(False, description="Purge", show_when={"method": "DELETE"})


def test_field_stores_show_when_with_the_template_options() -> None:
    extra = Request.model_fields["purge"].json_schema_extra
    assert isinstance(extra, dict)
    assert extra[TEMPLATE_KEY] == {"show_when": {"method": ["DELETE"]}}
    schema = Request.model_json_schema()
    assert schema["properties"]["body"][TEMPLATE_KEY]["show_when"] == {"method": WITH_BODY}


def test_enum_members_are_stored_by_value() -> None:
    class Mode(enum.Enum):
        FAST = "fast"
        SAFE = "safe"

    info = field(None, description="x", show_when={"mode": [Mode.FAST, "safe", Mode.FAST]})
    assert info.json_schema_extra[TEMPLATE_KEY] == {"show_when": {"mode": ["fast", "safe"]}}


@pytest.mark.parametrize(
    "show_when",
    [{"method": []}, {"method": None}, {"method": [1.5]}, {"": "GET"}, ["method"]],
    ids=["empty", "none", "float", "blank-name", "list"],
)
def test_field_rejects_malformed_show_when(show_when: Any) -> None:
    with pytest.raises(TypeError, match="show_when"):
        field(None, description="x", show_when=show_when)


def test_one_value_becomes_equals_and_several_become_one_of() -> None:
    props = _props(_connector(("run", Request)))
    assert props["purge"]["condition"] == {"property": "method", "equals": "DELETE"}
    assert props["body"]["condition"] == {"property": "method", "oneOf": WITH_BODY}
    assert "condition" not in props["url"]
    assert "condition" not in props["method"]


def test_validation_does_not_change() -> None:
    # the form hides the body for GET; the model still takes it
    request = Request.model_validate({"method": "GET", "url": "x", "body": {"a": 1}})
    assert request.body == {"a": 1}


def test_a_sibling_may_be_named_by_its_alias_and_be_an_enum() -> None:
    class Mode(enum.Enum):
        FAST = "fast"
        SAFE = "safe"
        SLOW = "slow"

    class Input(InputModel):
        mode: Mode = Field(Mode.SAFE, alias="runMode", description="Mode")
        checks: int = field(3, description="Checks", show_when={"runMode": ["safe", "slow"]})

    props = _props(_connector(("run", Input)))
    assert props["checks"]["condition"] == {"property": "mode", "oneOf": ["safe", "slow"]}


class NoAuth(BaseModel):
    type: Literal["none"] = Field(description="Kind")


class KeyAuth(BaseModel):
    type: Literal["key"] = Field(description="Kind")
    location: Literal["header", "query"] = field("header", description="Where the key goes")
    header: str = field("X-Key", description="Header name", show_when={"location": "header"})


class Authenticated(InputModel):
    auth: Annotated[NoAuth | KeyAuth, Field(discriminator="type")] = Field(
        NoAuth(type="none"), description="Authentication"
    )


def test_combined_with_a_union_condition() -> None:
    props = _props(_connector(("run", Authenticated)))
    assert props["auth.key.header"]["condition"] == {
        "allMatch": [
            {"property": "auth.type", "equals": "key"},
            {"property": "auth.key.location", "equals": "header"},
        ]
    }


class Fetch(InputModel):
    method: Method = field("GET", description="HTTP method")
    body: Any = field(None, description="Body", show_when={"method": WITH_BODY})


class Upload(InputModel):
    target: str = field(description="Target")
    method: Method = field("GET", description="HTTP method")
    body: Any = field(None, description="Body", show_when={"method": WITH_BODY})


class Ping(InputModel):
    host: str = field(description="Host")


def test_combined_with_an_operation_condition_and_still_shared() -> None:
    props = _props(_connector(("fetch", Fetch), ("upload", Upload), ("ping", Ping)))
    # method and body are alike in fetch and upload: one property each, shown for both
    assert props["method"]["condition"] == {"property": "operation", "oneOf": ["fetch", "upload"]}
    assert props["body"]["condition"] == {
        "allMatch": [
            {"property": "operation", "oneOf": ["fetch", "upload"]},
            {"property": "method", "oneOf": WITH_BODY},
        ]
    }
    assert not any(p.startswith(("fetch.", "upload.")) and "body" in p for p in props)


def test_a_different_show_when_is_not_shared() -> None:
    class Other(InputModel):
        method: Method = field("GET", description="HTTP method")
        body: Any = field(None, description="Body", show_when={"method": "POST"})

    props = _props(_connector(("fetch", Fetch), ("other", Other)))
    assert props["method"]["binding"]["name"] == "method"
    assert props["fetch.body"]["condition"] == {
        "allMatch": [
            {"property": "operation", "equals": "fetch"},
            {"property": "method", "oneOf": WITH_BODY},
        ]
    }
    assert props["other.body"]["condition"] == {
        "allMatch": [
            {"property": "operation", "equals": "other"},
            {"property": "method", "equals": "POST"},
        ]
    }


def test_several_names_and_a_nested_model() -> None:
    class Options(BaseModel):
        retries: int = field(1, description="Retries")

    class Input(InputModel):
        method: Method = field("GET", description="HTTP method")
        mode: Literal["a", "b"] = field("a", description="Mode")
        options: Options = field(
            Options(),
            description="Options",
            show_when={"method": "PUT", "mode": ["b"]},
        )

    props = _props(_connector(("run", Input)))
    assert props["options.retries"]["condition"] == {
        "allMatch": [
            {"property": "method", "equals": "PUT"},
            {"property": "mode", "equals": "b"},
        ]
    }


def test_a_union_field_shown_when_hides_its_selector_and_members() -> None:
    class Input(InputModel):
        method: Method = field("GET", description="HTTP method")
        auth: Annotated[NoAuth | KeyAuth, Field(discriminator="type")] = field(
            NoAuth(type="none"), description="Authentication", show_when={"method": "POST"}
        )

    props = _props(_connector(("run", Input)))
    assert props["auth.type"]["condition"] == {"property": "method", "equals": "POST"}
    assert props["auth.key.location"]["condition"] == {
        "allMatch": [
            {"property": "method", "equals": "POST"},
            {"property": "auth.type", "equals": "key"},
        ]
    }


def test_activiti_definition_is_unchanged() -> None:
    class Plain(InputModel):
        method: Method = field("GET", description="HTTP method")
        url: str = field(description="URL")
        body: Any = field(None, description="Body")
        purge: bool = field(False, description="Purge")

    with_conditions = activiti_definition(_connector(("run", Request)))
    without = activiti_definition(_connector(("run", Plain)))
    assert with_conditions == without


def _error(model: type[InputModel]) -> TemplateError:
    with pytest.raises(TemplateError) as caught:
        camunda_template(_connector(("send", model), ("ping", Ping)))
    error = caught.value
    assert (error.connector, error.operation) == ("io.tasklink.tests.showwhen", "send")
    assert "connector 'io.tasklink.tests.showwhen', operation 'send'" in str(error)
    return error


def test_unknown_sibling_is_an_error() -> None:
    class Input(InputModel):
        method: Method = field("GET", description="HTTP method")
        body: Any = field(None, description="Body", show_when={"verb": "POST"})

    error = _error(Input)
    assert error.field == "body"
    assert "'verb', which is not a field of Input" in str(error)


def test_sibling_declared_after_is_an_error() -> None:
    class Input(InputModel):
        body: Any = field(None, description="Body", show_when={"method": "POST"})
        method: Method = field("GET", description="HTTP method")

    error = _error(Input)
    assert error.field == "body"
    assert "declared after it" in str(error)


def test_sibling_in_another_model_is_an_error() -> None:
    class Inner(BaseModel):
        body: Any = field(None, description="Body", show_when={"method": "POST"})

    class Input(InputModel):
        method: Method = field("GET", description="HTTP method")
        inner: Inner = field(Inner(), description="Inner")

    error = _error(Input)
    assert error.field == "inner.body"
    assert "not a field of Inner" in str(error)


@pytest.mark.parametrize(
    ("annotation", "default", "options", "what"),
    [
        (str, "GET", {}, "a string field"),
        (bool, False, {}, "a boolean field"),
        (Literal["GET"], "GET", {}, "hidden"),
        (Method, "GET", {"hidden": True}, "hidden"),
    ],
    ids=["string", "boolean", "constant", "hidden"],
)
def test_sibling_that_is_not_a_dropdown_is_an_error(
    annotation: Any, default: Any, options: dict[str, Any], what: str
) -> None:
    class Input(InputModel):
        method: annotation = field(default, description="HTTP method", **options)  # type: ignore[valid-type]
        body: Any = field(None, description="Body", show_when={"method": "GET"})

    error = _error(Input)
    assert error.field == "body"
    assert f"'method', which is {what}, not a dropdown" in str(error)


def test_sibling_that_is_a_model_or_union_is_an_error() -> None:
    class Input(InputModel):
        auth: Annotated[NoAuth | KeyAuth, Field(discriminator="type")] = Field(
            NoAuth(type="none"), description="Authentication"
        )
        body: Any = field(None, description="Body", show_when={"auth": "key"})

    assert "which is a discriminated union, not a dropdown" in str(_error(Input))


def test_value_that_is_not_a_choice_is_an_error() -> None:
    class Input(InputModel):
        method: Method = field("GET", description="HTTP method")
        body: Any = field(None, description="Body", show_when={"method": ["POST", "post"]})

    error = _error(Input)
    assert error.field == "body"
    assert "['post'] for 'method', which are not among its choices" in str(error)
