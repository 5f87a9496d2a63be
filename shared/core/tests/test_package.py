"""The package surface: every public name resolves, and deferred modules stay unloaded."""

from __future__ import annotations

import subprocess
import sys

import pytest

import tasklink.core as core
from tasklink.core import deferred_exports
from tasklink.testing import check_package_exports


def test_the_exports_are_in_step() -> None:
    assert check_package_exports(core) == []


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


def test_deferred_exports_import_once_and_list_every_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import types

    package = types.ModuleType("tasklink_demo_package")
    monkeypatch.setitem(sys.modules, "tasklink_demo_package", package)
    monkeypatch.setitem(sys.modules, "tasklink_demo_package._json", __import__("json"))
    getattr_, dir_ = deferred_exports("tasklink_demo_package", {"_json": ("dumps",)})
    assert "dumps" in dir_() and "dumps" not in vars(package)
    assert getattr_("dumps") is __import__("json").dumps
    assert vars(package)["dumps"] is __import__("json").dumps, "found directly from now on"
    with pytest.raises(AttributeError, match="'tasklink_demo_package' has no attribute 'x'"):
        getattr_("x")
