"""Fields several operations declare alike become one property shown for all of them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field
from tasklink_template_examples import webcall

from tasklink.core import Connector, InputModel, field
from tasklink.core.templates import camunda_template


def _multi(*operations: tuple[str, type[InputModel]]) -> Connector:
    """A connector with one operation per (id, input model)."""
    connector = Connector(
        id="io.tasklink.tests.shared",
        name="shared",
        title="Shared",
        job_type="tasklink:shared:1",
        description="A connector whose operations share fields",
        package="tasklink_template_examples",
    )
    for operation_id, model in operations:

        def run(input: InputModel) -> None:
            return None

        # The models are local to each test: give the hints as objects, not strings.
        run.__annotations__ = {"input": model, "return": None}
        connector.operation(operation_id, name=operation_id.title(), description="Run it")(run)
    return connector


def _props(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["id"]: p for p in template["properties"] if "id" in p}


def _inputs(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in template["properties"] if p["binding"]["type"] == "zeebe:input"]


def _assert_well_formed(template: dict[str, Any]) -> None:
    """Unique ids; every condition points at a dropdown declared before it, at one of its
    choices."""
    seen: dict[str, dict[str, Any]] = {}
    for prop in template["properties"]:
        condition = prop.get("condition") or {}
        for part in condition.get("allMatch", [condition] if condition else []):
            target = seen[part["property"]]
            choices = [c["value"] for c in target["choices"]]
            assert set(part.get("oneOf", [part.get("equals")])) <= set(choices), prop["id"]
        if "id" in prop:
            assert prop["id"] not in seen
            seen[prop["id"]] = prop


class Connection(BaseModel):
    host: str = field(description="Server host", group="connection")
    port: int = field(25, description="Server port", group="connection")


class ReadA(InputModel):
    connection: Connection = Field(description="Server")
    folder: str = Field(description="Folder to read")


class ReadB(InputModel):
    connection: Connection = Field(description="Server")
    folder: str = Field(description="Folder to read")
    seen: bool = Field(False, description="Mark as seen")


class ListC(InputModel):
    connection: Connection = Field(description="Server")
    folder: str = Field(description="Folder to list")


def test_a_field_of_every_operation_is_one_property_without_condition() -> None:
    template = camunda_template(_multi(("a", ReadA), ("b", ReadB), ("c", ListC)))
    p = _props(template)
    for name in ("host", "port"):
        prop = p[f"connection.{name}"]
        assert "condition" not in prop
        assert prop["group"] == "connection"
    bindings = [prop["binding"]["name"] for prop in _inputs(template)]
    assert bindings.count("connection.host") == 1
    assert bindings.count("connection.port") == 1
    _assert_well_formed(template)


def test_a_field_of_some_operations_is_shown_for_those_with_one_of() -> None:
    template = camunda_template(_multi(("a", ReadA), ("b", ReadB), ("c", ListC)))
    p = _props(template)
    assert p["folder"]["description"] == "Folder to read"
    assert p["folder"]["condition"] == {"property": "operation", "oneOf": ["a", "b"]}
    # the same binding described differently stays the operation's own property
    assert p["c.folder"]["description"] == "Folder to list"
    assert p["c.folder"]["condition"] == {"property": "operation", "equals": "c"}
    assert p["b.seen"]["condition"] == {"property": "operation", "equals": "b"}
    assert not any(k.startswith(("a.", "b.connection", "c.connection")) for k in p)
    # first appearance order: a's fields, then what b and c add
    order = [prop["id"] for prop in _inputs(template)]
    assert order == ["connection.host", "connection.port", "folder", "b.seen", "c.folder"]


Declaration = tuple[Any, dict[str, Any]]
"""A field's annotation and its ``field(...)`` arguments (description "A value" unless
given)."""


def _differing_pairs() -> dict[str, tuple[Declaration, Declaration]]:
    """Two declarations of a field ``value`` that differ in one respect each."""
    text: Declaration = (str, {})
    return {
        "type": (text, (int, {})),
        "label": ((str, {"title": "Value"}), (str, {"title": "The value"})),
        "description": (text, (str, {"description": "Another description"})),
        "default": ((str, {"default": "a"}), (str, {"default": "b"})),
        "required": (text, (str | None, {"default": None})),
        "constraints": (text, (str, {"max_length": 5})),
        "choices": ((Literal["x", "y"], {}), (Literal["x", "z"], {})),
        "choice labels": (
            (Literal["x", "y"], {}),
            (Literal["x", "y"], {"choice_labels": {"x": "X!"}}),
        ),
        "feel": (text, (str, {"feel": "required"})),
        "group": (text, (str, {"group": "other"})),
        "secret": (text, (str, {"secret": True})),
        "placeholder": (text, (str, {"placeholder": "v"})),
        "multiline": (text, (str, {"multiline": True})),
        "binding": (text, (str, {"alias": "otherValue"})),
    }


def _model(declaration: Declaration) -> type[InputModel]:
    annotation, kwargs = declaration

    class Input(InputModel):
        value: annotation = field(**{"description": "A value", **kwargs})  # type: ignore[valid-type]

    return Input


@pytest.mark.parametrize(("first", "second"), _differing_pairs().values(), ids=_differing_pairs())
def test_fields_that_differ_keep_a_copy_per_operation(
    first: Declaration, second: Declaration
) -> None:
    template = camunda_template(
        _multi(("a", _model(first)), ("b", _model(second)), ("c", _model(first)))
    )
    p = _props(template)
    assert p["value"]["condition"] == {"property": "operation", "oneOf": ["a", "c"]}
    assert p["b.value"]["condition"] == {"property": "operation", "equals": "b"}
    _assert_well_formed(template)


def test_the_same_declaration_in_two_models_is_shared() -> None:
    declaration: Declaration = (Literal["x", "y"], {"default": "y", "group": "other"})
    template = camunda_template(_multi(("a", _model(declaration)), ("b", _model(declaration))))
    p = _props(template)
    assert p["value"]["value"] == "y"
    assert "condition" not in p["value"]
    assert "a.value" not in p
    assert "b.value" not in p


class NoAuth(BaseModel):
    model_config = {"title": "None"}
    type: Literal["none"] = "none"


class BasicAuth(BaseModel):
    type: Literal["basic"]
    username: str = field(description="User name", group="authentication")
    password: str = field(description="Password", secret=True, group="authentication")


Auth = Annotated[NoAuth | BasicAuth, Field(discriminator="type")]


class Get(InputModel):
    url: str = Field(description="Address")
    authentication: Auth = field(NoAuth(), description="How to log in", group="authentication")


class Post(InputModel):
    url: str = Field(description="Address")
    authentication: Auth = field(NoAuth(), description="How to log in", group="authentication")
    body: str = Field(description="What to send")


class Ping(InputModel):
    url: str = Field(description="Address")


def test_shared_union_members_point_at_the_shared_selector() -> None:
    template = camunda_template(_multi(("get", Get), ("post", Post), ("ping", Ping)))
    p = _props(template)
    assert "condition" not in p["url"]
    on_get_and_post = {"property": "operation", "oneOf": ["get", "post"]}
    assert p["authentication.type"]["condition"] == on_get_and_post
    assert p["authentication.basic.password"]["condition"] == {
        "allMatch": [on_get_and_post, {"property": "authentication.type", "equals": "basic"}]
    }
    assert p["authentication.basic.password"]["secret"] is True
    assert p["post.body"]["condition"] == {"property": "operation", "equals": "post"}
    _assert_well_formed(template)


def test_union_members_shared_by_every_operation_only_depend_on_the_selector() -> None:
    template = camunda_template(_multi(("get", Get), ("post", Post)))
    p = _props(template)
    assert "condition" not in p["authentication.type"]
    assert p["authentication.basic.username"]["condition"] == {
        "property": "authentication.type",
        "equals": "basic",
    }


def test_members_of_different_selectors_are_not_shared() -> None:
    """``call`` and ``ping`` declare the same basic-auth fields, but their selectors differ
    (one has a default, the other may stay unset), so the members stay apart too."""
    template = camunda_template(webcall)
    p = _props(template)
    assert p["call.authentication.type"]["value"] == "none"
    assert p["ping.authentication.type"]["value"] == ""
    for op in ("call", "ping"):
        username = p[f"{op}.authentication.basic.username"]
        assert username["condition"]["allMatch"][1]["property"] == f"{op}.authentication.type"
    assert "authentication.basic.username" not in p
    _assert_well_formed(template)


class UidImap(InputModel):
    uid: str = Field(description="IMAP UID")


class UidPop(InputModel):
    uid: str = Field(description="POP3 UID")


class Nested(BaseModel):
    x: str = Field(description="X")


class WithOperationField(InputModel):
    operation: str = Field(description="A field that happens to be called operation")
    send: Nested = Field(description="Nested settings named like an operation")


class SendOwn(InputModel):
    operation: str = Field(description="A field that happens to be called operation")
    x: str = Field(description="X of send")


def test_shared_ids_that_are_taken_get_a_number() -> None:
    template = camunda_template(
        _multi(("a", UidImap), ("b", UidImap), ("c", UidPop), ("d", UidPop))
    )
    p = _props(template)
    assert p["uid"]["condition"]["oneOf"] == ["a", "b"]
    assert p["uid-2"]["condition"]["oneOf"] == ["c", "d"]
    assert p["uid-2"]["description"] == "POP3 UID"
    _assert_well_formed(template)


def test_shared_ids_never_take_a_standard_or_an_operation_id() -> None:
    template = camunda_template(
        _multi(("send", SendOwn), ("b", WithOperationField), ("c", WithOperationField))
    )
    p = _props(template)
    assert p["operation"]["binding"] == {"type": "zeebe:taskHeader", "key": "operation"}
    assert p["operation-2"]["binding"]["name"] == "operation"
    assert "condition" not in p["operation-2"]
    assert p["send.x"]["description"] == "X of send"
    assert p["send.x-2"]["binding"]["name"] == "send.x"
    assert p["send.x-2"]["condition"] == {"property": "operation", "oneOf": ["b", "c"]}
    _assert_well_formed(template)


def test_ids_are_stable_across_runs() -> None:
    connector = _multi(("a", ReadA), ("b", ReadB), ("c", ListC))
    assert camunda_template(connector) == camunda_template(connector)


def test_single_operation_ids_carry_no_prefix_and_no_condition() -> None:
    template = camunda_template(_multi(("only", ReadA)))
    p = _props(template)
    assert "operation" not in p
    assert "condition" not in p["folder"]
    assert "condition" not in p["connection.host"]
