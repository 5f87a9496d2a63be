"""Every Camunda template passes the official validator and the project rules; every
Activiti definition passes the definition schema."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tasklink.core import Connector
from tasklink.core.templates import activiti_definition, camunda_template
from tasklink.testing._templates import (
    check_template_collection,
    check_template_rules,
    template_key,
    validate_activiti_definition,
    validate_camunda_templates,
    validator_versions,
)

HERE = Path(__file__).resolve().parent


def _unique(templates: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """One entry per distinct content (a bundled file and its generated twin are one)."""
    unique: dict[str, dict[str, Any]] = {}
    for source, template in templates.items():
        unique.setdefault(json.dumps(template, sort_keys=True), template | {"_source": source})
    return {t.pop("_source"): t for t in unique.values()}


@pytest.fixture(scope="module")
def templates(camunda_sources: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return _unique(camunda_sources)


def test_the_pinned_validator_is_the_one_used() -> None:
    pinned = json.loads((HERE / "package.json").read_text("utf-8"))["dependencies"]
    versions = validator_versions()
    assert versions["validator"] == pinned["@bpmn-io/element-templates-validator"]
    assert versions["schema"] == pinned["@camunda/zeebe-element-templates-json-schema"]


def test_every_camunda_template_passes_the_official_validator(
    templates: dict[str, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    report = validate_camunda_templates(list(templates.values()))
    failures = {
        source: errors for source, errors in zip(templates, report.values(), strict=True) if errors
    }
    assert not failures, json.dumps(failures, indent=2)
    versions = validator_versions()
    with capsys.disabled():
        print(
            f"\n{len(templates)} Camunda templates valid with "
            f"@bpmn-io/element-templates-validator {versions['validator']} "
            f"(zeebe schema {versions.get('schema')})"
        )


def test_every_camunda_template_follows_the_project_rules(
    templates: dict[str, dict[str, Any]],
) -> None:
    problems = {source: check_template_rules(t) for source, t in templates.items()}
    assert not {s: p for s, p in problems.items() if p}


def test_template_ids_are_unique_per_version(templates: dict[str, dict[str, Any]]) -> None:
    assert check_template_collection(templates.values()) == []


def test_every_activiti_definition_passes_the_schema(
    activiti_sources: dict[str, dict[str, Any]],
) -> None:
    assert activiti_sources
    problems = {s: validate_activiti_definition(d) for s, d in activiti_sources.items()}
    assert not {s: p for s, p in problems.items() if p}


# -- the checks can fail -----------------------------------------------------------------


@pytest.fixture
def webcall_template(examples: tuple[Connector, ...]) -> dict[str, Any]:
    return copy.deepcopy(camunda_template(examples[2]))


def test_validator_rejects_a_broken_template(webcall_template: dict[str, Any]) -> None:
    good = webcall_template
    no_choices = copy.deepcopy(good)
    dropdown = next(p for p in no_choices["properties"] if p["type"] == "Dropdown")
    del dropdown["choices"]
    wrong_feel = copy.deepcopy(good)
    next(p for p in wrong_feel["properties"] if p["type"] == "Dropdown")["feel"] = "optional"
    no_binding = copy.deepcopy(good)
    del no_binding["properties"][3]["binding"]
    report = validate_camunda_templates([good, no_choices, wrong_feel, no_binding])
    errors = list(report.values())
    assert errors[0] == []
    assert all(errors[1:]), errors


def test_duplicate_ids_per_version_are_reported(webcall_template: dict[str, Any]) -> None:
    template = webcall_template
    assert check_template_collection([template, copy.deepcopy(template)]) == [
        f"template {template_key(template)} appears 2 times"
    ]


def test_rules_report_conditions_defaults_groups_and_standard_properties(
    webcall_template: dict[str, Any],
) -> None:
    template = webcall_template
    props = template["properties"]
    conditional = next(i for i, p in enumerate(props) if "allMatch" in p.get("condition", {}))
    # move a conditional property before the dropdown it depends on
    props.insert(1, props.pop(conditional))
    dropdown = next(p for p in props if p.get("id") == "call.method")
    dropdown["value"] = "TRACE"
    props[2]["group"] = "nowhere"
    props[3]["condition"] = {"property": "operation", "equals": "fly"}
    template["properties"] = [p for p in props if p.get("id") != "retryBackoff"]
    problems = "\n".join(check_template_rules(template))
    assert "not declared before it" in problems
    assert "'TRACE' is not among" in problems
    assert "group 'nowhere' is not declared" in problems
    assert "'fly' is not a choice of 'operation'" in problems
    assert "retryBackoff" in problems


def test_rules_report_wrong_headers_and_task_type(examples: tuple[Connector, ...]) -> None:
    template = camunda_template(examples[2], hybrid=True)
    for prop in template["properties"]:
        if prop.get("id") == "elementTemplateVersion":
            prop["value"] = "99"
    template["properties"][0]["type"] = "Hidden"
    problems = "\n".join(check_template_rules(template))
    assert "'elementTemplateVersion' holds '99'" in problems
    assert "editable in a hybrid template" in problems


def test_activiti_schema_rejects_bad_definitions(examples: tuple[Connector, ...]) -> None:
    good = activiti_definition(examples[1])
    assert validate_activiti_definition(good) == []
    bad = copy.deepcopy(good)
    bad["name"] = "Shop_Connector"
    action = bad["actions"]["GET_ORDER"]
    action["inputs"][0]["type"] = "float"
    del action["inputs"][1]["required"]
    action["outputs"].append(dict(action["outputs"][0]))
    bad["actions"]["RENAMED"] = bad["actions"].pop("CANCEL_ORDER")
    problems = "\n".join(validate_activiti_definition(bad))
    assert "name" in problems and "does not match" in problems
    assert "'float' is not one of" in problems
    assert "'required' is a required property" in problems
    assert "repeated names" in problems
    assert "key differs from the action id" in problems


def test_missing_validator_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, webcall_template: dict[str, Any]
) -> None:
    from tasklink.testing._templates import TemplateToolsMissingError

    monkeypatch.setenv("TASKLINK_TEMPLATE_VALIDATOR_DIR", str(tmp_path))
    with pytest.raises(TemplateToolsMissingError, match=r"setup_node_tools\.sh"):
        validate_camunda_templates([webcall_template])


def test_validator_dir_can_be_configured(
    monkeypatch: pytest.MonkeyPatch, webcall_template: dict[str, Any]
) -> None:
    monkeypatch.setenv("TASKLINK_TEMPLATE_VALIDATOR_DIR", str(HERE))
    assert validate_camunda_templates([webcall_template]) == {template_key(webcall_template): []}
