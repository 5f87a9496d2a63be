"""The package surface: every public name resolves, and the fixture connector loads light."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import tasklink.testing as testing


def test_every_public_name_resolves() -> None:
    for name in testing.__all__:
        getattr(testing, name)  # raises for a name that does not resolve
    assert set(testing.__all__) <= set(dir(testing))


def test_deferred_names_match_the_type_checking_imports() -> None:
    tree = ast.parse(Path(testing.__file__).read_text(encoding="utf-8"))
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    )
    imported = {
        f"_{node.module.lstrip('_')}": tuple(alias.name for alias in node.names)
        for node in block.body
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported == testing._DEFERRED


def test_loading_the_fixture_connector_imports_no_test_tool() -> None:
    # What discovery does for a runtime that serves the fixture through an entry point.
    code = (
        "import sys\n"
        "from tasklink.testing.fixtures import echo\n"
        "print(sorted(m for m in ('pytest', 'vcr', 'jsonschema', 'yaml') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
