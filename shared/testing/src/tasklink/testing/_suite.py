"""The standard suite every connector package runs.

Enable it in a few lines::

    class TestStandard(StandardConnectorSuite):
        connector = connector
        package_dir = Path(__file__).resolve().parents[1]
        heavy_modules = ("httpx",)

        @pytest.fixture
        def valid_inputs(self) -> dict[str, dict[str, Any]]:
            return {"request": {"method": "GET", "url": "https://example.org"}}
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel

from tasklink.core import (
    Connector,
    DeclarationError,
    InputError,
    JobExecutor,
    MappingSecretProvider,
    RedactingFilter,
    Redactor,
    field_options,
)

from ._harness import arun_job
from ._leaks import leak_forms
from ._readme import readme_examples, run_readme_example

__all__ = ["SecretCase", "StandardConnectorSuite"]

# A value no connector input field should accept where it expects something else.
_WRONG_TYPE = {"__tasklink_wrong_type__": [1, 2]}


@dataclass(frozen=True)
class SecretCase:
    """A job whose secrets must not leak, whatever its outcome."""

    operation: str | None
    variables: dict[str, Any]
    secrets: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)


def _models_of(model: type[BaseModel]) -> Iterator[type[BaseModel]]:
    """``model`` and every model nested in its fields (through unions, lists, dicts)."""
    seen: set[type[BaseModel]] = set()
    stack = [model]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        yield current
        for info in current.model_fields.values():
            stack.extend(_nested_models(info.annotation))


def _nested_models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in getattr(annotation, "__args__", ()) or ():
        found.extend(_nested_models(arg))
    return found


class StandardConnectorSuite:
    """Checks every connector package must pass. Subclass it as a ``Test*`` class."""

    connector: ClassVar[Connector]
    package_dir: ClassVar[Path]
    heavy_modules: ClassVar[tuple[str, ...]] = ()

    # -- fixtures a package overrides -------------------------------------------------

    @pytest.fixture
    def valid_inputs(self) -> dict[str, dict[str, Any]]:
        """One valid input per operation id. Override in the package's test class."""
        pytest.fail(f"{type(self).__name__} must define the valid_inputs fixture")

    @pytest.fixture
    def secret_cases(self) -> list[SecretCase]:
        """Jobs whose secrets must not leak. Override when the connector takes secrets."""
        return []

    @pytest.fixture
    def readme_environment(self) -> dict[str, str]:
        """Environment variables for the README examples (e.g. a local server's URL)."""
        return {}

    # -- package shape ----------------------------------------------------------------

    def test_package_has_readme_changelog_and_metadata(self) -> None:
        for name in ("README.md", "CHANGELOG.md", "pyproject.toml"):
            assert (self.package_dir / name).is_file(), f"{name} is missing"
        project = tomllib.loads((self.package_dir / "pyproject.toml").read_text())["project"]
        version = self._version()
        changelog = (self.package_dir / "CHANGELOG.md").read_text()
        assert f"[{version}]" in changelog, f"CHANGELOG.md has no entry for {version}"
        entry_points = project.get("entry-points", {}).get("tasklink.connectors", {})
        assert entry_points, "pyproject.toml registers no tasklink.connectors entry point"

    def _version(self) -> str:
        about = self.package_dir / "src" / Path(*self.connector.package.split(".")) / "__about__.py"
        match = re.search(r"__version__\s*=\s*['\"]([^'\"]+)", about.read_text())
        assert match, f"{about} defines no __version__"
        return match.group(1)

    def test_operations_and_fields_are_described(self) -> None:
        missing: list[str] = []
        for op in self.connector.operations.values():
            if not op.name.strip() or not op.description.strip():
                missing.append(f"operation {op.id}")
            models = [op.input_model] + ([op.output_model] if op.output_model else [])
            for root in models:
                for model in _models_of(root):
                    for name, info in model.model_fields.items():
                        if not (info.description or "").strip():
                            missing.append(f"{op.id}: {model.__name__}.{name}")
        assert not missing, "fields without a description: " + ", ".join(missing)

    def test_operation_targets_load(self) -> None:
        """Every lazy target imports and fits its declaration: a job would find out first."""
        problems: list[str] = []
        for op in self.connector.operations.values():
            try:
                op.load()
            except DeclarationError as error:
                problems.append(str(error))
        assert not problems, "; ".join(problems)

    # -- templates --------------------------------------------------------------------

    def test_bundled_templates_equal_generated(self) -> None:
        from tasklink.core.templates import package_templates

        expected = package_templates(self.connector)
        folder = self.package_dir / "src" / Path(*self.connector.package.split(".")) / "templates"
        problems = []
        for relative, content in expected.items():
            path = folder / relative
            if not path.is_file():
                problems.append(f"{relative} is missing")
            elif json.loads(path.read_text()) != content:
                problems.append(f"{relative} differs from the generated template")
        assert not problems, "; ".join(problems) + " - run `python scripts/generate_templates.py`"

    def test_templates_are_valid(self) -> None:
        from tasklink.core.templates import activiti_definition, camunda_template

        from ._templates import (
            check_template_rules,
            validate_activiti_definition,
            validate_camunda_templates,
        )

        templates = [
            camunda_template(self.connector),
            camunda_template(self.connector, hybrid=True),
        ]
        problems = {k: v for k, v in validate_camunda_templates(templates).items() if v}
        for template in templates:
            rules = check_template_rules(template)
            if rules:
                problems[template["id"] + " (rules)"] = rules
        activiti = validate_activiti_definition(activiti_definition(self.connector))
        if activiti:
            problems["activiti"] = activiti
        assert not problems, json.dumps(problems, indent=2)

    # -- README -----------------------------------------------------------------------

    def test_readme_examples_run(self, readme_environment: dict[str, str], tmp_path: Path) -> None:
        examples = readme_examples(self.package_dir / "README.md")
        assert examples, "README.md has no tested example (a python or tasklink bash block)"
        for example in examples:
            done = run_readme_example(example, cwd=tmp_path, env=readme_environment)
            assert done.returncode == 0, (
                f"README {example} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
            )

    # -- bad input --------------------------------------------------------------------

    def test_valid_inputs_cover_every_operation_and_validate(
        self, valid_inputs: dict[str, dict[str, Any]]
    ) -> None:
        assert set(valid_inputs) == set(self.connector.operations), (
            "valid_inputs must have one input per operation"
        )
        executor = JobExecutor(MappingSecretProvider({}))
        for op_id, variables in valid_inputs.items():
            executor.bind(self.connector.operations[op_id], variables, strict=True)

    def test_missing_input_names_the_field(self) -> None:
        executor = JobExecutor(MappingSecretProvider({}))
        for op in self.connector.operations.values():
            required = [n for n, f in op.input_model.model_fields.items() if f.is_required()]
            if not required:
                continue
            with pytest.raises(InputError) as caught:
                executor.bind(op, {}, strict=True)
            assert caught.value.code == "MISSING_INPUT", caught.value.message
            named = caught.value.variables.get("fields", [])
            for name in required:
                info = op.input_model.model_fields[name]
                accepted = {name, info.alias, info.validation_alias} - {None}
                assert accepted & set(named), f"{name} is not named: {caught.value.message}"

    def test_wrong_types_name_the_field(self, valid_inputs: dict[str, dict[str, Any]]) -> None:
        executor = JobExecutor(MappingSecretProvider({}))
        checked = 0
        for op_id, variables in valid_inputs.items():
            op = self.connector.operations[op_id]
            for name in variables:
                broken = {**variables, name: _WRONG_TYPE}
                try:
                    executor.bind(op, broken, strict=True)
                except InputError as error:
                    # Fields that accept any value raise nothing; pytest.raises can't say that.
                    assert error.code == "INVALID_INPUT", error.message  # noqa: PT017
                    named = [f.split(".")[0].split("[")[0] for f in error.variables["fields"]]
                    assert name in named, error.message  # noqa: PT017
                    checked += 1
            with pytest.raises(InputError, match="unknownFieldForTest"):
                executor.bind(op, {**variables, "unknownFieldForTest": 1}, strict=True)
        assert checked, "no field of the valid inputs rejects a wrong type"

    # -- secrets ----------------------------------------------------------------------

    async def _run_case(self, case: SecretCase, redactor: Redactor) -> Any:
        return await arun_job(
            self.connector,
            case.variables,
            operation=case.operation,
            secrets=case.secrets,
            headers=case.headers,
            redactor=redactor,
            timeout=30,
        )

    def test_no_secret_reaches_logs_errors_or_results(
        self,
        secret_cases: list[SecretCase],
        caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Runs each case as the runtime would (a redacting filter on the log handlers) and
        looks for each secret, and its base64 forms (a derived Basic header, say), in the
        outcome, the logs and anything printed."""
        import asyncio

        has_secrets = any(
            field_options(info).get("secret")
            for op in self.connector.operations.values()
            for model in _models_of(op.input_model)
            for info in model.model_fields.values()
        )
        if has_secrets:
            assert secret_cases, "the connector has secret fields: define secret_cases"
        for case in secret_cases:
            redactor = Redactor()
            leak_filter = RedactingFilter(redactor)
            caplog.handler.addFilter(leak_filter)
            caplog.clear()
            try:
                with caplog.at_level(logging.DEBUG):
                    outcome = asyncio.run(self._run_case(case, redactor))
            finally:
                caplog.handler.removeFilter(leak_filter)
            used = [v for v in case.secrets.values() if v in redactor]
            assert used, f"secret case {case.operation} resolved no secret placeholder"
            seen = repr(outcome) + json.dumps(getattr(outcome, "variables", {}), default=str)
            seen += json.dumps(getattr(outcome, "output", None), default=str)
            seen += "\n".join(caplog.messages) + (caplog.text or "")
            printed = capsys.readouterr()
            seen += printed.out + printed.err
            for value in case.secrets.values():
                for form in leak_forms(value):
                    assert form not in seen, (
                        f"a secret leaked from operation {case.operation} "
                        f"({'plain' if form == value else 'base64-encoded'})"
                    )

    # -- discovery --------------------------------------------------------------------

    def test_discovery_imports_no_heavy_module(self) -> None:
        script = (
            "import json, sys\n"
            "from tasklink.core import discover\n"
            "found = discover()\n"
            f"heavy = [m for m in {list(self.heavy_modules)!r} if m in sys.modules]\n"
            "print(json.dumps({'ids': [d.connector.id for d in found.connectors], "
            "'heavy': heavy, 'errors': [e.message for e in found.errors]}))\n"
        )
        done = subprocess.run(  # noqa: S603 - our own interpreter
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        )
        report = json.loads(done.stdout.strip().splitlines()[-1])
        assert self.connector.id in report["ids"], report
        assert report["heavy"] == [], f"discovery imported {report['heavy']}"
