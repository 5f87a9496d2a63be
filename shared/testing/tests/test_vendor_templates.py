"""Applying element templates as the modeler does: conditions, bindings, FEEL sources."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tasklink.testing.vendor_templates import (
    PACKAGE_FOLDER,
    TEMPLATES_VARIABLE,
    apply_template,
    camunda_template,
    templates_dir,
)


def prop(binding: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"type": "String", "binding": binding, **fields}


def input_(name: str, **fields: Any) -> dict[str, Any]:
    return prop({"type": "zeebe:input", "name": name}, **fields)


def header(key: str, **fields: Any) -> dict[str, Any]:
    return prop({"type": "zeebe:taskHeader", "key": key}, **fields)


TEMPLATE: dict[str, Any] = {
    "id": "io.example.test",
    "properties": [
        prop({"type": "zeebe:taskDefinition", "property": "type"}, value="io.example:t:1"),
        prop({"type": "zeebe:taskDefinition", "property": "retries"}, id="retryCount", value="5"),
        input_("mode", id="mode", type="Dropdown", value="basic"),
        input_("auth.user", id="user", condition={"property": "mode", "equals": "basic"}),
        input_("auth.token", id="token", condition={"property": "mode", "equals": "bearer"}),
        input_("auth.kind", value="=mode", condition={"property": "mode", "oneOf": ["basic"]}),
        # Depends on a property that is itself inactive: never active while it is not.
        input_(
            "auth.scheme",
            value="Bearer",
            condition={"property": "token", "isActive": True},
        ),
        input_("auth.fallback", value="none", condition={"property": "token", "isActive": False}),
        input_(
            "both",
            value="yes",
            condition={
                "allMatch": [
                    {"property": "mode", "equals": "basic"},
                    {"property": "user", "isActive": True},
                ]
            },
        ),
        input_("base", value='="https://api.example.com"'),
        input_("url", value='=base + "/orders/" + string(orderId)'),
        input_("query", id="query", feel="required", optional=True),
        input_("note", id="note", optional=True),
        input_("required", id="required"),
        input_("enabled", id="enabled", type="Boolean", value=False),
        input_("timeout", id="timeout", type="Number", value=20),
        header("resultExpression", id="resultExpression", feel="required"),
        header("elementTemplateVersion", value="3"),
        header("errorExpression", id="errorExpression", optional=True),
    ],
}


def test_defaults_and_conditions() -> None:
    applied = apply_template(TEMPLATE, {"user": "ada"}, variables={"orderId": 42})
    assert (applied.job_type, applied.retries) == ("io.example:t:1", 5)
    variables = applied.variables
    assert variables["orderId"] == 42  # the process variables are the job's too
    # Sibling dotted targets merge; inactive properties contribute nothing.
    assert variables["auth"] == {"user": "ada", "kind": "basic", "fallback": "none"}
    assert variables["both"] == "yes"
    # FEEL sources see the variables and the inputs mapped before them.
    assert variables["url"] == "https://api.example.com/orders/42"
    assert "query" not in variables and "note" not in variables  # optional and empty
    assert variables["required"] is None  # not optional: mapped, empty
    assert (variables["enabled"], variables["timeout"]) == (False, 20)
    assert applied.headers == {"elementTemplateVersion": "3"}


def test_values_switch_the_conditions() -> None:
    applied = apply_template(
        TEMPLATE,
        {
            "mode": "bearer",
            "token": "t0k",
            "retryCount": "1",
            # "timeout" is mapped after "query": not seen yet, as in Zeebe.
            "query": "{page: 2, host: base, size: timeout}",
            "resultExpression": "{body: response.body}",
            "timeout": 5,
        },
        variables={"orderId": 1},
    )
    auth = applied.variables["auth"]
    assert auth == {"token": "t0k", "scheme": "Bearer"}
    assert "both" not in applied.variables
    assert applied.retries == 1
    # feel: required holds FEEL without the "=" the modeler adds.
    assert applied.variables["query"] == {
        "page": 2,
        "host": "https://api.example.com",
        "size": None,
    }
    assert applied.headers["resultExpression"] == "={body: response.body}"


def test_values_by_binding_name_and_objects_as_they_are() -> None:
    applied = apply_template(
        TEMPLATE, {"auth.user": "grace", "note": {"a": [1, 2]}}, variables={"orderId": 7}
    )
    assert applied.variables["auth"]["user"] == "grace"
    assert applied.variables["note"] == {"a": [1, 2]}


def test_the_older_task_definition_binding() -> None:
    template = {
        "properties": [
            {
                "type": "Hidden",
                "value": "io.example:old:1",
                "binding": {"type": "zeebe:taskDefinition:type"},
            },
        ]
    }
    assert apply_template(template, {}).job_type == "io.example:old:1"


def test_a_failing_source_names_its_input() -> None:
    template = {"properties": [input_("x", value="=1 +")]}
    with pytest.raises(ValueError, match=r"^x: the FEEL source"):
        apply_template(template, {})


def write_package(folder: Path) -> None:
    folder.mkdir(parents=True)
    versions = [{"id": "io.example.a", "version": v, "properties": []} for v in (2, 7, 3)]
    (folder / "a-connector.json").write_text(json.dumps(versions))


def test_the_folder_from_the_variable_or_above(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    write_package(repo / PACKAGE_FOLDER)
    monkeypatch.delenv(TEMPLATES_VARIABLE, raising=False)
    below = repo / "packages" / "x"
    below.mkdir(parents=True)
    assert templates_dir(below) == repo / PACKAGE_FOLDER
    assert templates_dir(tmp_path) is None
    monkeypatch.setenv(TEMPLATES_VARIABLE, str(repo / PACKAGE_FOLDER))
    assert camunda_template("a-connector")["version"] == 7  # the latest
    assert camunda_template("a-connector", version=3)["version"] == 3
    with pytest.raises(LookupError, match=r"no version 4 \(has \[2, 3, 7\]\)"):
        camunda_template("a-connector", version=4)
    with pytest.raises(FileNotFoundError, match="no template 'b-connector'"):
        camunda_template("b-connector")


def test_a_missing_package_skips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TEMPLATES_VARIABLE, str(tmp_path / "absent"))
    with pytest.raises(pytest.skip.Exception, match=r"npm ci"):
        camunda_template("http-json-connector")


def test_camundas_rest_template_as_the_modeler_applies_it() -> None:
    template = camunda_template("http-json-connector")
    applied = apply_template(
        template,
        {
            "url": "https://api.example.com/items",
            "authentication.type": "basic",
            "authentication.username": "ada",
            "authentication.password": "{{secrets.PASSWORD}}",
            "headers": '={"X-Id": string(id)}',
        },
        variables={"id": 9},
    )
    assert applied.job_type == "io.camunda:http-json:1"
    variables = applied.variables
    assert variables["authentication"] == {
        "type": "basic",
        "username": "ada",
        "password": "{{secrets.PASSWORD}}",
    }
    assert variables["headers"] == {"X-Id": "9"}
    assert (variables["method"], variables["url"]) == ("GET", "https://api.example.com/items")
    assert "body" not in variables  # shown for POST, PUT and PATCH only
    assert applied.headers["elementTemplateId"] == template["id"]
    assert applied.headers["retryBackoff"] == "PT30S"
    assert applied.retries == 3
