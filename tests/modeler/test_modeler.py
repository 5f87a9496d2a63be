"""Every generated Camunda template, loaded into the real embeddable modeler.

Chromium (started by the ``chromium`` fixture) opens a page bundling ``camunda-bpmn-js``;
``drive.mjs`` loads all templates through the modeler's template loader (which validates
them as Camunda Modeler does), applies each one to a service task through the
element-templates API, sets one required field, and exports the BPMN XML. The tests check
that XML: task type, headers and inputs of the template, and no template errors. For every
multi-operation template with fields shared by several operations it also sets those fields,
picks another operation in the properties panel's Operation dropdown and checks that the
values were kept and are exported for the new operation. For the REST connector it checks a
field shown for some values of another one (``field(show_when=...)``): the body fields are
hidden for the default method GET, and shown and exported once the panel's Method dropdown
is switched to POST.

It also opens the example process, ``examples/order-notification.bpmn``, as Camunda
Modeler opens a file (templates judged against the diagram's execution platform version):
every element is drawn, each service task has its template applied (the newest version, no
"Not found" or "Update available"), the properties panel shows the template's fields with
the example's values and no messages, and the diagram the modeler exports is the example
itself. That exported XML then runs every path of the process on the embedded engine,
against the local orders API and SMTP server of ``tests/workflows/test_engine_demo.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tasklink.core import discover
from tasklink.core.templates import camunda_template

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
ARTIFACTS = REPO / "test-artifacts" / "modeler"
EXAMPLES_DIR = REPO / "shared" / "core" / "tests" / "templates"
ORDER_EXAMPLE = REPO / "examples" / "order-notification.bpmn"
ENGINE_DEMO_DIR = REPO / "tests" / "workflows"
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "zeebe": "http://camunda.org/schema/zeebe/1.0",
}
SET_VALUE = "tasklink-modeler-check"
SHARED_VALUE = "tasklink-shared-value"
pytestmark = pytest.mark.slow


def _templates() -> tuple[dict[str, dict[str, Any]], list[str]]:
    """All Camunda templates by ``id@version`` (the modeler keeps one per pair), and the
    keys of those to photograph: the newest template of each installed connector."""
    if str(EXAMPLES_DIR) not in sys.path:
        sys.path.insert(0, str(EXAMPLES_DIR))
    from tasklink_template_examples import EXAMPLES

    installed = [d.connector for d in discover().connectors]
    found: dict[str, dict[str, Any]] = {}
    for path in sorted((REPO / "element-templates" / "camunda").rglob("*.json")):
        template = json.loads(path.read_text("utf-8"))
        found.setdefault(f"{template['id']}@{template['version']}", template)
    for connector in [*installed, *EXAMPLES]:
        for hybrid in (False, True):
            template = camunda_template(connector, hybrid=hybrid)
            found.setdefault(f"{template['id']}@{template['version']}", template)
    newest = [f"{c.id}@{c.template_version}" for c in installed]
    return found, newest


TEMPLATES, SCREENSHOT_KEYS = _templates()

if str(ENGINE_DEMO_DIR) not in sys.path:
    sys.path.insert(0, str(ENGINE_DEMO_DIR))
# the example's servers and the checks of its paths (imported as pytest imports test
# modules, so its assertions are explained too)
import test_engine_demo as engine_demo  # noqa: E402


def _typed(prop: dict[str, Any], text: str) -> str:
    """The value the form holds once a user types ``text`` into ``prop``: a field with
    ``feel: required`` only takes a FEEL expression (the panel's FEEL editor stores it with
    a leading ``=``, and rewrites a plain value it is shown into one)."""
    return f'="{text}"' if prop.get("feel") == "required" else text


def _active(prop: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> bool:
    """Whether a property is shown when every other property holds its default."""
    condition = prop.get("condition")
    if not condition:
        return True
    for part in condition.get("allMatch", [condition]):
        ref = by_id.get(part["property"])
        if ref is None or not _active(ref, by_id):
            return False
        value = ref.get("value")
        if "equals" in part and value != part["equals"]:
            return False
        if "oneOf" in part and value not in part["oneOf"]:
            return False
    return True


def _with_operation(template: dict[str, Any], operation: str) -> dict[str, dict[str, Any]]:
    """Properties by id, as the form has them once ``operation`` is chosen."""
    by_id = {p["id"]: p for p in template["properties"] if "id" in p}
    return by_id | {"operation": by_id["operation"] | {"value": operation}}


def _operations_of(prop: dict[str, Any], operations: list[str]) -> list[str]:
    """The operations a property is shown for (judging by its operation condition only)."""
    condition = prop.get("condition") or {}
    for part in condition.get("allMatch", [condition] if condition else []):
        if part["property"] == "operation":
            return [op for op in operations if op in part.get("oneOf", [part.get("equals")])]
    return operations


def _active_for(template: dict[str, Any], operation: str) -> list[dict[str, Any]]:
    """The input properties shown once ``operation`` is chosen (others at their defaults)."""
    by_id = _with_operation(template, operation)
    return [
        p
        for p in template["properties"]
        if p["binding"]["type"] == "zeebe:input" and _active(p, by_id)
    ]


def _switch_cases(key: str, template: dict[str, Any]) -> list[dict[str, Any]]:
    """For a multi-operation template with text fields shared by several operations: fill in
    the shared fields (one shown for some operations through a ``oneOf`` condition, one shown
    for all, where there are such) under one operation, then switch to another operation that
    shows them too (``stay``) and, for the ``oneOf`` field, to one that does not (``leave``)."""
    by_id = {p["id"]: p for p in template["properties"] if "id" in p}
    if "operation" not in by_id:
        return []
    operations = [c["value"] for c in by_id["operation"]["choices"]]
    shared: dict[bool, tuple[dict[str, Any], list[str]]] = {}
    for prop in template["properties"]:
        if prop["binding"]["type"] != "zeebe:input" or prop["type"] not in ("String", "Text"):
            continue
        shown = [op for op in _operations_of(prop, operations) if prop in _active_for(template, op)]
        some = len(shown) < len(operations)
        if len(shown) >= 2 and some not in shared:
            shared[some] = (prop, shown)
    if not shared:
        return []
    fields = [
        {
            "id": prop["id"],
            "name": prop["binding"]["name"],
            "label": prop["label"],
            "value": _typed(prop, SHARED_VALUE),
        }
        for prop, _ in shared.values()
    ]
    # start where the oneOf field is shown (an all-operations field is shown there too)
    prop, shown = shared.get(True) or shared[False]
    targets = [("stay", shown[1])]
    bindings = {f["name"] for f in fields}
    for op in operations:
        names = {p["binding"]["name"] for p in _active_for(template, op)}
        if op not in shown and prop["binding"]["name"] not in names:
            targets.append(("leave", op))
            break
    return [
        {
            "key": f"{key}:{kind}",
            "template": key,
            "id": template["id"],
            "version": template["version"],
            "from": shown[0],
            "to": to,
            "fields": fields,
            # values shown for the new operation keep what the user typed
            "kept": sorted(bindings & {p["binding"]["name"] for p in _active_for(template, to)}),
        }
        for kind, to in targets
    ]


SWITCHES = {
    case["key"]: case
    for key, template in TEMPLATES.items()
    for case in _switch_cases(key, template)
}

BODY_VALUE = '={"tasklink": "modeler-check"}'


def _choice_case(key: str, template: dict[str, Any]) -> dict[str, Any] | None:
    """For a REST connector template whose body fields depend on the method: switch the
    Method dropdown from its default to POST and fill in the body."""
    if not template["id"].startswith("io.tasklink.http"):
        return None
    inputs = {
        p["binding"]["name"]: p
        for p in template["properties"]
        if p["binding"]["type"] == "zeebe:input"
    }
    method, body, body_type = (inputs.get(n) for n in ("method", "body", "bodyType"))
    if method is None or body is None or body_type is None or "condition" not in body:
        return None  # a version from before the body depended on the method
    return {
        "key": key,
        "id": template["id"],
        "version": template["version"],
        "choice": {"group": method["group"], "label": method["label"], "value": "POST"},
        "field": {"name": "body", "value": BODY_VALUE},
        "default": method["value"],
        "labels": [body["label"], body_type["label"]],
        "bodyTypeDefault": body_type["value"],
    }


CHOICES = {
    key: case
    for key, template in TEMPLATES.items()
    if (case := _choice_case(key, template)) is not None
}


def _required_field(template: dict[str, Any]) -> dict[str, str] | None:
    by_id = {p["id"]: p for p in template["properties"] if "id" in p}
    for prop in template["properties"]:
        if (
            prop["binding"]["type"] == "zeebe:input"
            and prop["type"] in ("String", "Text")
            and prop.get("constraints", {}).get("notEmpty")
            and _active(prop, by_id)
        ):
            return {"name": prop["binding"]["name"], "value": _typed(prop, SET_VALUE)}
    return None


def _persisted(prop: dict[str, Any]) -> str:
    """How the modeler writes a default value into the diagram."""
    value = prop["value"]
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JavaScript prints 20.0 as 20
    if prop.get("feel") == "static":
        return "=" + (str(value).lower() if isinstance(value, bool) else str(value))
    return str(value)


@pytest.fixture(scope="session")
def modeler_run(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("modeler")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    cases = [
        {
            "key": key,
            "id": template["id"],
            "version": template["version"],
            "field": _required_field(template),
        }
        for key, template in TEMPLATES.items()
    ]
    shots = [
        {
            "id": c["id"],
            "version": c["version"],
            "path": str(ARTIFACTS / f"properties-{c['id']}.png"),
        }
        for c in cases
        if c["key"] in SCREENSHOT_KEYS
    ]
    job = {
        "wsEndpoint": chromium,
        "url": (HERE / "dist" / "index.html").as_uri(),
        "templates": list(TEMPLATES.values()),
        "cases": cases,
        "switches": list(SWITCHES.values()),
        "choices": list(CHOICES.values()),
        "screenshots": shots,
        "example": {
            "xml": ORDER_EXAMPLE.read_text("utf-8"),
            "screenshot": str(ARTIFACTS / "order-notification.png"),
        },
    }
    (work / "job.json").write_text(json.dumps(job), "utf-8")
    done = subprocess.run(
        ["node", str(HERE / "drive.mjs"), str(work / "job.json"), str(work / "result.json")],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    result: dict[str, Any] = json.loads((work / "result.json").read_text("utf-8"))
    result["cases_sent"] = {c["key"]: c for c in cases}
    return result


def test_every_template_loads_without_errors(modeler_run: dict[str, Any]) -> None:
    load = modeler_run["load"]
    assert load["errors"] == []
    assert sorted(load["loaded"]) == sorted(TEMPLATES)
    assert modeler_run["pageErrors"] == []


def test_properties_panel_screenshots(modeler_run: dict[str, Any]) -> None:
    # one per installed connector: the documentation shows them on its connector pages
    assert len(modeler_run["screenshots"]) == len(SCREENSHOT_KEYS) > 0
    for name in modeler_run["screenshots"]:
        path = Path(name)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert path.stat().st_size > 10_000  # a rendered panel, not an empty image
    print(f"\nproperties panel screenshots in {ARTIFACTS}")


@pytest.mark.parametrize("key", list(TEMPLATES))
def test_applied_template_is_in_the_exported_xml(modeler_run: dict[str, Any], key: str) -> None:
    template = TEMPLATES[key]
    result = modeler_run["cases"][key]
    assert "error" not in result, result.get("error")
    assert result["errors"] == []
    assert result["applied"] == key
    assert result["elementType"] == "bpmn:ServiceTask"

    root = ET.fromstring(result["xml"])
    task = root.find(".//bpmn:serviceTask", NS)
    assert task is not None
    zeebe = "{" + NS["zeebe"] + "}"
    assert task.get(zeebe + "modelerTemplate") == template["id"]
    assert task.get(zeebe + "modelerTemplateVersion") == str(template["version"])

    by_id = {p["id"]: p for p in template["properties"] if "id" in p}
    active = [p for p in template["properties"] if _active(p, by_id)]

    definition = task.find(".//zeebe:taskDefinition", NS)
    assert definition is not None
    for prop in active:
        binding = prop["binding"]
        if binding["type"] == "zeebe:taskDefinition":
            assert definition.get(binding["property"]) == str(prop["value"])

    headers = {h.get("key"): h.get("value") for h in task.iterfind(".//zeebe:header", NS)}
    expected_headers = {
        p["binding"]["key"]: str(p["value"])
        for p in active
        if p["binding"]["type"] == "zeebe:taskHeader" and p.get("value") not in (None, "")
    }
    assert headers == expected_headers
    assert headers["elementTemplateId"] == template["id"]

    inputs = {i.get("target"): i.get("source") for i in task.iterfind(".//zeebe:input", NS)}
    input_props = [p for p in active if p["binding"]["type"] == "zeebe:input"]
    for prop in input_props:
        if prop.get("value") not in (None, ""):
            assert inputs[prop["binding"]["name"]] == _persisted(prop), prop["id"]
    field = modeler_run["cases_sent"][key]["field"]
    if field is not None:
        assert inputs[field["name"]] == field["value"]
    # conditions work in the modeler: nothing of another operation or auth type is written
    assert set(inputs) <= {p["binding"]["name"] for p in input_props}


@pytest.mark.parametrize("key", list(TEMPLATES))
def test_panel_shows_only_missing_required_values(modeler_run: dict[str, Any], key: str) -> None:
    """Defaults and empty optional fields pass the form's own checks: the only messages
    the properties panel shows are for required fields nobody filled in yet."""
    errors = modeler_run["cases"][key]["panelErrors"]
    assert [e for e in errors if not e["message"].endswith("ust not be empty.")] == []
    template = TEMPLATES[key]
    by_id = {p["id"]: p for p in template["properties"] if "id" in p}
    required = {
        p["label"]
        for p in template["properties"]
        if p.get("constraints", {}).get("notEmpty") and _active(p, by_id) and "label" in p
    }
    assert {e["label"] for e in errors} <= required


def test_some_templates_share_fields_across_operations() -> None:
    """The switch check below has something to check (the shop example always does)."""
    assert "io.tasklink.examples.shop@1:stay" in SWITCHES
    assert "io.tasklink.examples.shop@1:leave" in SWITCHES
    assert any(len(case["fields"]) == 2 for case in SWITCHES.values())


@pytest.mark.parametrize("key", list(SWITCHES))
def test_shared_fields_keep_their_value_when_the_operation_changes(
    modeler_run: dict[str, Any], key: str
) -> None:
    """Fill in shared fields, pick another operation in the panel: the values of the fields
    the new operation shows stay, the others go, the new operation's fields appear with
    their defaults and the old one's are removed."""
    case = SWITCHES[key]
    template = TEMPLATES[case["template"]]
    result = modeler_run["switches"][key]
    assert "error" not in result, result.get("error")
    assert result["errors"] == []
    assert (result["before"], result["after"]) == (case["from"], case["to"])

    task = ET.fromstring(result["xml"]).find(".//bpmn:serviceTask", NS)
    assert task is not None
    headers = {h.get("key"): h.get("value") for h in task.iterfind(".//zeebe:header", NS)}
    assert headers["operation"] == case["to"]
    inputs = {i.get("target"): i.get("source") for i in task.iterfind(".//zeebe:input", NS)}
    for field in case["fields"]:
        if field["name"] in case["kept"]:
            assert inputs.get(field["name"]) == field["value"], (field["id"], inputs)
        else:
            assert field["name"] not in inputs, (field["id"], inputs)
    # the form shows each kept field once, still holding the value
    kept_labels = [f["label"] for f in case["fields"] if f["name"] in case["kept"]]
    assert sorted(result["shown"]) == sorted(kept_labels)

    active = _active_for(template, case["to"])
    for prop in active:
        name = prop["binding"]["name"]
        if prop.get("value") not in (None, "") and name not in case["kept"]:
            assert inputs[name] == _persisted(prop), prop["id"]
    # the fields of the operation left behind are gone from the diagram
    assert set(inputs) <= {p["binding"]["name"] for p in active}


def _exported_inputs(xml: str) -> dict[str | None, str | None]:
    task = ET.fromstring(xml).find(".//bpmn:serviceTask", NS)
    assert task is not None
    return {i.get("target"): i.get("source") for i in task.iterfind(".//zeebe:input", NS)}


def test_rest_templates_have_method_dependent_body_fields() -> None:
    """The check below has something to check: the REST connector's templates."""
    assert {"io.tasklink.http@1", "io.tasklink.http-hybrid@1"} <= set(CHOICES)


@pytest.mark.parametrize("key", list(CHOICES))
def test_body_fields_follow_the_method(modeler_run: dict[str, Any], key: str) -> None:
    """GET (the default) hides the body and body type: the panel does not show them and the
    diagram has no such inputs. Choosing POST in the panel's Method dropdown shows them; the
    body type's default and the body typed in are exported."""
    case = CHOICES[key]
    result = modeler_run["choices"][key]
    assert "error" not in result, result.get("error")
    assert result["errors"] == []
    assert case["default"] == "GET"

    before = _exported_inputs(result["before"])
    assert before["method"] == "GET"
    assert "body" not in before
    assert "bodyType" not in before
    assert case["choice"]["label"] in result["shownBefore"]
    assert not set(case["labels"]) & set(result["shownBefore"]), result["shownBefore"]

    after = _exported_inputs(result["after"])
    assert after["method"] == "POST"
    assert after["bodyType"] == case["bodyTypeDefault"] == "json"
    assert after["body"] == BODY_VALUE
    assert set(case["labels"]) <= set(result["shownAfter"]), result["shownAfter"]


# -- the example process ----------------------------------------------------------------


def _example_tasks() -> dict[str, ET.Element]:
    root = ET.parse(ORDER_EXAMPLE).getroot()
    return {t.get("id", ""): t for t in root.iterfind(".//bpmn:serviceTask", NS)}


EXAMPLE_TASKS = _example_tasks()
ZEEBE = "{" + NS["zeebe"] + "}"


def _newest(template_id: str) -> dict[str, Any]:
    """The newest version of one of our templates that the modeler loads."""
    versions = [t for t in TEMPLATES.values() if t["id"] == template_id]
    assert versions, f"no template {template_id} is loaded"
    return max(versions, key=lambda t: int(t["version"]))


def _task_values(task: ET.Element) -> dict[str, str | None]:
    """What a service task holds per template binding, keyed as ``_binding_key`` does."""
    values: dict[str, str | None] = {}
    for item in task.iterfind(".//zeebe:input", NS):
        values[f"zeebe:input:{item.get('target')}"] = item.get("source")
    for item in task.iterfind(".//zeebe:header", NS):
        values[f"zeebe:taskHeader:{item.get('key')}"] = item.get("value")
    definition = task.find(".//zeebe:taskDefinition", NS)
    if definition is not None:
        for name, value in definition.attrib.items():
            values[f"zeebe:taskDefinition:{name}"] = value
    return values


def _binding_key(prop: dict[str, Any]) -> str:
    binding = prop["binding"]
    name = binding.get("name") or binding.get("key") or binding.get("property")
    return f"{binding['type']}:{name}"


def _shown(prop: dict[str, Any], value: str | None) -> str | bool:
    """What the properties panel shows for a property holding ``value``: a checkbox's
    state, else the text (a FEEL editor's without the leading ``=``, as is a number's)."""
    if prop["type"] == "Boolean":
        return value == "=true"
    if value is None:
        return ""
    return value[1:] if value.startswith("=") else value


def test_example_links_our_newest_templates() -> None:
    """The checks below cover every service task of the example."""
    assert set(EXAMPLE_TASKS) == {"fetch-order", "notify-customer"}
    linked = {t.get(ZEEBE + "modelerTemplate") for t in EXAMPLE_TASKS.values()}
    assert linked == {"io.tasklink.http", "io.tasklink.email"}


def test_example_opens_with_its_templates_applied(modeler_run: dict[str, Any]) -> None:
    example = modeler_run["example"]
    assert "error" not in example, example.get("error")
    assert example["importWarnings"] == []
    assert (example["errors"], example["warnings"]) == ([], [])
    assert modeler_run["pageErrors"] == []
    # judged as Camunda Modeler judges them, against the file's execution platform
    root = ET.parse(ORDER_EXAMPLE).getroot()
    platform = root.get("{http://camunda.org/schema/modeler/1.0}executionPlatformVersion")
    assert platform is not None and platform.startswith("8.")
    assert example["engines"]["camunda"] == platform
    # every element of the process is drawn
    process = root.find("bpmn:process", NS)
    assert process is not None
    elements = {
        e.get("id")
        for e in process
        if e.get("id") is not None and not e.tag.endswith("documentation")
    }
    assert len(elements) == 14  # 8 elements, 6 flows
    assert elements <= set(example["drawn"])
    tasks = example["tasks"]
    assert set(tasks) == set(EXAMPLE_TASKS)
    # what the panel's template group says: "Applied", not "Not found", "Update available"
    states = {task_id: (shown["state"], shown["badge"]) for task_id, shown in tasks.items()}
    assert states == dict.fromkeys(EXAMPLE_TASKS, ("KNOWN_TEMPLATE", "Applied"))
    for task_id, task in EXAMPLE_TASKS.items():
        template = _newest(task.get(ZEEBE + "modelerTemplate", ""))
        key = f"{template['id']}@{template['version']}"
        shown = tasks[task_id]
        assert (shown["linked"], shown["applied"], shown["latest"]) == (key, key, key)
        assert shown["panelErrors"] == [], (task_id, shown["panelErrors"])


def test_example_diagram_screenshot(modeler_run: dict[str, Any]) -> None:
    path = Path(modeler_run["example"]["screenshot"])
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 10_000
    print(f"\nexample diagram screenshot: {path}")


@pytest.mark.parametrize("task_id", list(EXAMPLE_TASKS))
def test_example_task_panel_shows_the_template_fields(
    modeler_run: dict[str, Any], task_id: str
) -> None:
    """Selected in the modeler, each service task shows its template's fields, exactly the
    ones its values make visible (the bearer token, not the Basic credentials; no body
    for GET; the send operation's fields), each holding the example's value."""
    task = EXAMPLE_TASKS[task_id]
    template = _newest(task.get(ZEEBE + "modelerTemplate", ""))
    values = _task_values(task)
    by_id = {p["id"]: p for p in template["properties"] if "id" in p}
    # the form as the example fills it in: conditions judged on the example's values
    filled = {
        pid: prop | {"value": values[_binding_key(prop)]}
        for pid, prop in by_id.items()
        if _binding_key(prop) in values
    }
    current = by_id | filled
    visible = [
        p
        for p in template["properties"]
        if p["type"] != "Hidden" and "label" in p and _active(p, current)
    ]
    prefix = f"custom-entry-{template['id']}-"
    entries = [
        e
        for e in modeler_run["example"]["tasks"][task_id]["entries"]
        if (e["id"] or "").startswith(prefix)
    ]
    shown = {e["label"]: e["value"] for e in entries}
    assert len(shown) == len(entries), "labels repeat"
    assert sorted(shown) == sorted(p["label"] for p in visible)
    for prop in visible:
        assert shown[prop["label"]] == _shown(prop, values.get(_binding_key(prop))), prop["id"]
    # and the example sets nothing the form would not show
    assert {_binding_key(p) for p in visible} | {
        _binding_key(p) for p in template["properties"] if p["type"] == "Hidden"
    } >= set(values)


def _canonical(xml: str) -> str:
    return ET.canonicalize(xml, strip_text=True)


def test_modeler_exports_the_example_unchanged(modeler_run: dict[str, Any]) -> None:
    """Opened and saved again, the example comes back as it is (formatting aside): it is
    what the modeler itself writes, templates, icons and diagram included."""
    exported = modeler_run["example"]["xml"]
    assert _canonical(exported) == _canonical(ORDER_EXAMPLE.read_text("utf-8"))


@pytest.fixture(scope="module")
def exported_example(modeler_run: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The XML the modeler exported for the example, in a file."""
    path = tmp_path_factory.mktemp("exported") / "order-notification.bpmn"
    path.write_text(modeler_run["example"]["xml"], "utf-8")
    return path


@pytest.fixture(scope="module")
def order_world() -> Iterator[engine_demo.OrderWorld]:
    with engine_demo.order_world() as world:
        yield world


@pytest.mark.parametrize("name", list(engine_demo.ORDER_PATHS))
def test_exported_example_runs_on_the_engine(
    exported_example: Path, order_world: engine_demo.OrderWorld, name: str
) -> None:
    """The modeler's XML, not only the file in the repository, runs every path."""
    engine_demo.check_order_path(exported_example, name, order_world)
