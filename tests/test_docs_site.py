"""The documentation site builds strictly, with every connector's generated reference and
its template's picture from the modeler, and links that lead somewhere."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def docs_site() -> Iterator[ModuleType]:
    """``scripts/docs_site.py``, imported as the scripts import each other."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(REPO / "scripts"))
        yield importlib.import_module("docs_site")


@pytest.fixture(scope="module")
def site(docs_site: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    front = docs_site.build(folder)
    assert front == folder / "index.html"
    return folder


def test_the_site_builds_strictly_with_every_page(site: Path, docs_site: ModuleType) -> None:
    assert (site / "index.html").is_file()
    for page in ("getting-started-camunda", "getting-started-activiti", "operating"):
        assert (site / page / "index.html").is_file(), page
    entries, problems = docs_site.connector_entries(REPO)
    assert problems == []
    for entry in entries:
        page = (site / "connectors" / entry.name / "index.html").read_text("utf-8")
        assert 'id="reference"' in page, entry.name
        assert entry.distribution in page
        picture = re.search(r'src="(\.\./\.\./assets/modeler/[^"]+\.png)"', page)
        assert picture, f"{entry.name}: no picture of its template"
        image = (site / "connectors" / entry.name / picture.group(1)).resolve()
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for member in docs_site.members(REPO):
        assert (site / "packages" / member.folder.name / "index.html").is_file()


def test_the_front_page_renders_in_chromium(site: Path, docs_site: ModuleType) -> None:
    picture = docs_site.screenshot(
        site / "index.html", REPO / "test-artifacts" / "docs" / "front-page.png"
    )
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert picture.stat().st_size > 20_000  # a rendered page, not a blank one
    print(f"\nthe site's front page: {picture}")


def test_the_reference_names_every_operation_and_error(site: Path) -> None:
    from tasklink.core.templates import activiti_error_codes
    from tasklink.http import connector

    page = (site / "connectors" / connector.name / "index.html").read_text("utf-8")
    for operation in connector.operations.values():
        assert operation.qualified_name in page
    for code in activiti_error_codes(connector):
        assert f"<code>{code}</code>" in page
    assert "tasklink:http:1" in page and "io.camunda:http-json:1" in page


def test_links_become_pages_or_addresses_on_github(docs_site: ModuleType) -> None:
    pages = {
        "docs/index.md": "index.md",
        "docs/connectors/http.md": "connectors/http.md",
        "packages/http/README.md": "packages/http.md",
    }
    text = "\n".join(
        [
            "[readme](../../packages/http/README.md#errors)",
            "[home](../index.md)",
            "[source](../../packages/http/src/tasklink/http/_connector.py)",
            "[folder](../../packages/http)",
            "[web](https://example.org/x.md)",
            "[gone](missing.md)",
            "```",
            "[in code](../index.md)",
            "```",
        ]
    )
    rewritten = docs_site.rewrite_links(
        text, "docs/connectors/http.md", "connectors/http.md", pages, REPO
    )
    assert rewritten.splitlines() == [
        "[readme](../packages/http.md#errors)",
        "[home](../index.md)",
        f"[source]({docs_site.GITHUB}/blob/main/packages/http/src/tasklink/http/_connector.py)",
        "[folder](../packages/http.md)",
        "[web](https://example.org/x.md)",
        "[gone](missing.md)",  # left for the strict build to report
        "```",
        "[in code](../index.md)",
        "```",
    ]


def test_a_broken_link_fails_the_build(docs_site: ModuleType, tmp_path: Path) -> None:
    config = docs_site.stage(REPO, tmp_path / "src", screenshots=False)
    index = tmp_path / "src" / "index.md"
    index.write_text(index.read_text("utf-8") + "\n[nowhere](no-such-page.md)\n", "utf-8")
    config["site_dir"] = str(tmp_path / "site")
    with pytest.raises(docs_site.SiteError, match=r"no-such-page\.md"):
        docs_site.run_mkdocs(config, tmp_path / "mkdocs.yml")
