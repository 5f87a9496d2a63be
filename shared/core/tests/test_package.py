"""The package surface: every public name resolves, and deferred modules stay unloaded."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import tasklink.core as core


def test_every_public_name_resolves() -> None:
    for name in core.__all__:
        getattr(core, name)  # raises for a name that does not resolve
    assert set(core.__all__) <= set(dir(core))


def test_deferred_names_match_the_type_checking_imports() -> None:
    tree = ast.parse(Path(core.__file__).read_text(encoding="utf-8"))
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
    assert imported == core._DEFERRED


def test_importing_the_package_leaves_runtime_modules_unloaded() -> None:
    deferred = [f"tasklink.core.{module}" for module in core._DEFERRED]
    code = (
        "import sys, tasklink.core\n"
        f"print([m for m in {deferred!r} if m in sys.modules])\n"
        "from tasklink.core import JobExecutor\n"
        "print('tasklink.core._execution' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["[]", "True"]


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        core.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018
