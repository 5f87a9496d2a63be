"""Bundled template files and the export for modelers."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
from tasklink_template_examples import greeter

from tasklink.core import discover
from tasklink.core._discovery import DiscoveredConnector, Discovery
from tasklink.core.templates import (
    _export,
    activiti_definition,
    camunda_template,
    collect_templates,
    export_templates,
    package_templates,
    render_json,
)


def test_package_templates_names_every_file() -> None:
    files = package_templates(greeter)
    assert list(files) == [
        "camunda/io.tasklink.examples.greeter.json",
        "camunda/io.tasklink.examples.greeter-hybrid.json",
        "activiti/greeter.json",
    ]
    assert files["camunda/io.tasklink.examples.greeter.json"] == camunda_template(greeter)
    assert files["activiti/greeter.json"] == activiti_definition(greeter)


def test_render_json_is_stable() -> None:
    text = render_json({"b": 1, "a": ["ü"]})
    assert text == '{\n  "b": 1,\n  "a": [\n    "ü"\n  ]\n}\n'


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Two 'installed' connectors: one bundles its templates, one does not."""
    package = tmp_path / "tasklink_bundled_example"
    package.mkdir()
    (package / "__init__.py").write_text(
        textwrap.dedent(
            """
            from pydantic import Field
            from tasklink.core import Connector, InputModel

            class Hello(InputModel):
                name: str = Field(description="Who")

            connector = Connector(
                id="io.tasklink.tests.bundled", name="bundled", title="Bundled",
                job_type="tasklink:bundled:1", description="Bundles its templates",
                package=__name__, icon=None,
            )

            @connector.operation(name="Hello", description="Say hello")
            def hello(input: Hello) -> None:
                return None
            """
        ),
        "utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    module = importlib.import_module("tasklink_bundled_example")
    bundled = module.connector
    for relative, content in package_templates(bundled).items():
        written = package / "templates" / relative
        written.parent.mkdir(parents=True, exist_ok=True)
        written.write_text(render_json(content), "utf-8")
    # mark the bundled copy so the test can tell it was read, not regenerated
    path = package / "templates" / "camunda" / "io.tasklink.tests.bundled.json"
    content = json.loads(path.read_text("utf-8"))
    content["description"] = "read from the bundled file"
    path.write_text(json.dumps(content), "utf-8")

    def fake_discover() -> Discovery:
        return Discovery(
            connectors=[
                DiscoveredConnector(bundled, "tasklink-bundled", "1.0"),
                DiscoveredConnector(greeter, "tasklink-greeter", "1.0"),
            ]
        )

    monkeypatch.setattr(_export, "discover", fake_discover)
    yield ["io.tasklink.tests.bundled", "io.tasklink.examples.greeter"]
    sys.modules.pop("tasklink_bundled_example", None)


def test_collect_templates_reads_bundled_files(installed: list[str]) -> None:
    camunda = collect_templates(engine="camunda")
    ids = sorted(t["id"] for t in camunda)
    assert ids == sorted([*installed, *(i + "-hybrid" for i in installed)])
    bundled = next(t for t in camunda if t["id"] == "io.tasklink.tests.bundled")
    assert bundled["description"] == "read from the bundled file"
    activiti = collect_templates(engine="activiti")
    assert sorted(d["name"] for d in activiti) == ["bundled", "greeter"]
    assert len(collect_templates()) == len(camunda) + len(activiti)
    with pytest.raises(ValueError, match="engine"):
        collect_templates(engine="zeebe")  # type: ignore[arg-type]


def test_a_connector_lists_the_template_files_it_bundles(installed: list[str]) -> None:
    bundled = sys.modules["tasklink_bundled_example"].connector
    assert [f.name for f in bundled.template_files()] == [
        "bundled.json",
        "io.tasklink.tests.bundled-hybrid.json",
        "io.tasklink.tests.bundled.json",
    ]
    assert greeter.template_files() == []


def test_export_templates_for_the_desktop_modeler(installed: list[str], tmp_path: Path) -> None:
    target = tmp_path / "resources" / "element-templates"
    written = export_templates(target)
    assert sorted(p.name for p in written) == sorted(
        [f"{i}.json" for i in installed] + [f"{i}-hybrid.json" for i in installed]
    )
    assert all(p.parent == target for p in written)
    for path in written:
        assert json.loads(path.read_text("utf-8"))["id"] == path.stem
    everything = export_templates(tmp_path / "all", engine="all")
    assert {p.parent.name for p in everything} == {"camunda", "activiti"}
    assert (tmp_path / "all" / "activiti" / "greeter.json").is_file()


def test_discover_is_the_default_source() -> None:
    assert _export.discover is discover
