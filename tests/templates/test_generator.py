"""The one command: drift against the committed files, version bumps, frozen versions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tasklink.core import Connector

REPO = Path(__file__).resolve().parents[2]


def test_committed_templates_equal_what_the_code_generates(generator: ModuleType) -> None:
    targets, problems = generator.workspace_targets(REPO)
    problems += generator.check(REPO, targets)
    assert not problems, "\n".join(
        [*problems, "fix: python scripts/generate_templates.py (then commit the files)"]
    )


def test_check_command_exits_zero_on_a_clean_tree() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "generate_templates.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "problem(s)" in done.stdout


# -- the mechanism, on a scratch repository -------------------------------------------------


def _connector(examples: tuple[Connector, ...], *, version: int, description: str) -> Connector:
    """A copy of the greeter example with another version or description."""
    greeter = examples[0]
    copy = Connector(
        id=greeter.id,
        name=greeter.name,
        title=greeter.title,
        job_type=greeter.job_type,
        description=description,
        package=greeter.package,
        template_version=version,
    )
    for operation in greeter.operations.values():
        copy.operation(operation.id, name=operation.name, description=operation.description)(
            operation.function
        )
    return copy


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    (tmp_path / "element-templates" / "camunda" / "versioned").mkdir(parents=True)
    (tmp_path / "element-templates" / "activiti").mkdir(parents=True)
    return tmp_path


def _targets(generator: ModuleType, scratch: Path, *connectors: Connector) -> list[Any]:
    return [generator.Target(c, scratch / "packages" / c.name / "templates") for c in connectors]


def _lock(scratch: Path) -> dict[str, dict[str, str]]:
    return json.loads((scratch / "element-templates" / "versions.lock.json").read_text("utf-8"))


def test_generate_then_check_is_clean(
    generator: ModuleType, scratch: Path, examples: tuple[Connector, ...]
) -> None:
    targets = _targets(generator, scratch, *examples)
    assert generator.check(scratch, targets)  # nothing written yet
    written = generator.generate(scratch, targets)
    assert generator.check(scratch, targets) == []
    names = {p.relative_to(scratch).as_posix() for p in written}
    assert "element-templates/camunda/io.tasklink.examples.shop-hybrid.json" in names
    assert "element-templates/activiti/webcall.json" in names
    assert "packages/greeter/templates/camunda/io.tasklink.examples.greeter.json" in names
    assert "element-templates/versions.lock.json" in names
    assert set(_lock(scratch)) == {
        f"io.tasklink.examples.{n}{s}"
        for n in ("greeter", "shop", "webcall")
        for s in ("", "-hybrid")
    }
    assert generator.generate(scratch, targets) == []  # idempotent


def test_hand_edits_and_stale_files_are_drift(
    generator: ModuleType, scratch: Path, examples: tuple[Connector, ...]
) -> None:
    targets = _targets(generator, scratch, *examples)
    generator.generate(scratch, targets)
    edited = scratch / "packages" / "shop" / "templates" / "activiti" / "shop.json"
    edited.write_text(edited.read_text("utf-8").replace("Place a new order", "Order"), "utf-8")
    stale = scratch / "element-templates" / "camunda" / "io.tasklink.gone.json"
    stale.write_text("{}", "utf-8")
    problems = "\n".join(generator.check(scratch, targets))
    assert "packages/shop/templates/activiti/shop.json: differs" in problems
    assert "io.tasklink.gone.json: no connector generates it" in problems
    generator.generate(scratch, targets)
    assert not stale.exists()
    assert generator.check(scratch, targets) == []


def test_changing_content_needs_a_version_bump(
    generator: ModuleType, scratch: Path, examples: tuple[Connector, ...]
) -> None:
    v1 = _connector(examples, version=1, description="First words")
    generator.generate(scratch, _targets(generator, scratch, v1))
    changed = _connector(examples, version=1, description="Other words")
    targets = _targets(generator, scratch, changed)
    with pytest.raises(SystemExit, match="content changed but version is still 1"):
        generator.generate(scratch, targets)
    assert any("version is still 1" in p for p in generator.check(scratch, targets))
    # an unreleased version may be rewritten on purpose
    generator.generate(scratch, targets, amend=True)
    assert generator.check(scratch, targets) == []


def test_a_bump_freezes_the_previous_version(
    generator: ModuleType, scratch: Path, examples: tuple[Connector, ...]
) -> None:
    v1 = _connector(examples, version=1, description="First words")
    generator.generate(scratch, _targets(generator, scratch, v1))
    current = scratch / "element-templates" / "camunda" / "io.tasklink.examples.greeter.json"
    released = current.read_text("utf-8")
    v2 = _connector(examples, version=2, description="Second words")
    targets = _targets(generator, scratch, v2)
    assert any("not frozen yet" in p for p in generator.check(scratch, targets))
    generator.generate(scratch, targets)
    versioned = scratch / "element-templates" / "camunda" / "versioned"
    assert (versioned / "io.tasklink.examples.greeter-1.json").read_text("utf-8") == released
    assert (versioned / "io.tasklink.examples.greeter-hybrid-1.json").is_file()
    assert json.loads(current.read_text("utf-8"))["version"] == 2
    assert set(_lock(scratch)["io.tasklink.examples.greeter"]) == {"1", "2"}
    assert generator.check(scratch, targets) == []
    # a frozen version must never change
    frozen = versioned / "io.tasklink.examples.greeter-1.json"
    frozen.write_text(released.replace("First words", "Edited"), "utf-8")
    assert any("frozen template was edited" in p for p in generator.check(scratch, targets))


def test_versions_never_go_down(
    generator: ModuleType, scratch: Path, examples: tuple[Connector, ...]
) -> None:
    generator.generate(
        scratch, _targets(generator, scratch, _connector(examples, version=3, description="A"))
    )
    older = _targets(generator, scratch, _connector(examples, version=2, description="A"))
    assert any("version went down from 3 to 2" in p for p in generator.check(scratch, older))


def test_broken_connectors_are_reported_not_written(
    generator: ModuleType, scratch: Path, examples: tuple[Connector, ...]
) -> None:
    from pydantic import BaseModel

    class NoDescription(BaseModel):
        value: str

    broken = Connector(
        id="io.tasklink.tests.broken",
        name="broken",
        title="Broken",
        job_type="tasklink:broken:1",
        description="No field descriptions",
        package=examples[0].package,
    )

    def run(input: BaseModel) -> None:
        return None

    run.__annotations__ = {"input": NoDescription, "return": None}
    broken.operation(name="Run", description="Run")(run)
    targets = _targets(generator, scratch, broken)
    with pytest.raises(SystemExit, match="operation 'run', field 'value'"):
        generator.generate(scratch, targets)
    assert not (scratch / "packages" / "broken").exists()
