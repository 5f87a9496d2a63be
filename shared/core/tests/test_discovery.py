from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tasklink.core import discover


@pytest.fixture
def plugin_path(tmp_path: Path) -> Iterator[Path]:
    """Two installed distributions on sys.path: one good connector, one broken plugin."""
    package = tmp_path / "demo_connector"
    package.mkdir()
    (package / "__init__.py").write_text(
        textwrap.dedent(
            """
            from tasklink.core import Connector, InputModel, field

            connector = Connector(
                id="io.demo.c", name="demo", title="Demo", job_type="demo:c:1",
                description="d", package=__name__,
            )

            class In(InputModel):
                a: str = field(description="A")

            @connector.operation(name="Run", description="Runs")
            def run(i: In) -> dict:
                import demo_heavy_client  # noqa: F401  imported on first use only
                return {}
            """
        )
    )
    for dist, target in (
        ("demo_connector-1.2.0", "demo_connector:connector"),
        ("broken_plugin-0.1.0", "no_such_module:connector"),
    ):
        info = tmp_path / f"{dist}.dist-info"
        info.mkdir()
        name, version = dist.split("-")
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        (info / "entry_points.txt").write_text(f"[tasklink.connectors]\n{name} = {target}\n")
    sys.path.insert(0, str(tmp_path))
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("demo_connector", None)


def test_discover_lists_good_and_reports_broken_plugins(plugin_path: Path) -> None:
    found = discover()
    demo = found.find("demo")
    assert demo.distribution == "demo_connector" and demo.version == "1.2.0"
    assert found.find("demo:c:1") is demo and found.find("io.demo.c") is demo
    errors = [e for e in found.errors if e.distribution == "broken_plugin"]
    assert errors and "ModuleNotFoundError" in errors[0].message
    assert "demo_heavy_client" not in sys.modules


def test_find_unknown_connector_lists_installed(plugin_path: Path) -> None:
    with pytest.raises(KeyError, match=r"installed: .*demo"):
        discover().find("nope")
