#!/usr/bin/env python3
"""Build the documentation site: MkDocs (Material theme), strictly.

The site is ``docs/`` plus what would drift if it were written by hand:

* every workspace member's README as a page (``packages/<folder>.md``), and the examples';
* on each connector page (``docs/connectors/<name>.md``) a reference written from the
  connector's code and generated templates (``scripts/docs_reference.py``), with a
  screenshot of its element template in the modeler's properties panel, taken by the
  modeler check's page and driver (``scripts/modeler.py``);
* the "Connectors", "Packages" and "Examples" sections of the navigation.

Links between these files are rewritten to the pages they became; a link to any other
file of the repository becomes its address on GitHub. ``mkdocs build --strict`` then fails
on a broken link, a missing page or a page left out of the navigation.

Usage::

    hatch run docs                         # stage in build/docs/src, site in build/docs/site
    hatch run docs --site-dir DIR          # the site somewhere else
    hatch run docs --no-screenshots        # without Chromium (a quicker local build)
    hatch run docs --serve                 # build, then serve it on 127.0.0.1:8000
    hatch run docs --front-page FILE.png   # and render its front page in headless Chromium
"""

from __future__ import annotations

import argparse
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from docs_index import connector_entries
from docs_reference import render_reference
from generate_templates import workspace_targets
from modeler import screenshot_name, template_screenshots
from workspace import members

from tasklink.core.templates import camunda_template

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "build" / "docs"
GITHUB = "https://github.com/tasklink/tasklink"
_LINK = re.compile(r"(!?\[[^\]]*\]\()([^)\s]+)((?:\s+\"[^\"]*\")?\))")
_FENCE = re.compile(r"^(```|~~~)", re.MULTILINE)


class SiteError(Exception):
    """The site cannot be built; the message says why."""


def _pages(repo: Path) -> dict[str, str]:
    """Repository file -> its page in the site (both POSIX paths)."""
    pages = {
        path.relative_to(repo).as_posix(): path.relative_to(repo / "docs").as_posix()
        for path in (repo / "docs").rglob("*")
        if path.is_file()
    }
    for member in members(repo):
        pages[(member.folder / "README.md").relative_to(repo).as_posix()] = (
            f"packages/{member.folder.name}.md"
        )
    if (repo / "examples" / "README.md").is_file():
        pages["examples/README.md"] = "examples.md"
    return pages


def _rewrite_target(target: str, source: str, page: str, pages: dict[str, str], repo: Path) -> str:
    """Where a link of the repository file ``source`` (staged as ``page``) points in the
    site: a page, or the file on GitHub."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith(("#", "/")):
        return target
    path, hash_, fragment = target.partition("#")
    if not path:
        return target
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
    if resolved.startswith("../"):
        return target  # outside the repository: left for the build to report
    if resolved not in pages and (repo / resolved / "README.md").is_file():
        resolved = f"{resolved}/README.md"
    if resolved in pages:
        relative = posixpath.relpath(pages[resolved], posixpath.dirname(page) or ".")
        return relative + hash_ + fragment
    full = repo / resolved
    if full.exists():
        kind = "tree" if full.is_dir() else "blob"
        return f"{GITHUB}/{kind}/main/{resolved}" + hash_ + fragment
    return target  # a broken link: the strict build names it


def rewrite_links(text: str, source: str, page: str, pages: dict[str, str], repo: Path) -> str:
    """``text`` (Markdown of ``source``) with its relative links pointing into the site;
    code blocks are left as they are."""
    parts = _FENCE.split(text)
    out: list[str] = []
    inside = False
    index = 0
    while index < len(parts):
        part = parts[index]
        if part in ("```", "~~~"):
            inside = not inside
            out.append(part)
        elif inside:
            out.append(part)
        else:
            out.append(
                _LINK.sub(
                    lambda m: (
                        m.group(1)
                        + _rewrite_target(m.group(2), source, page, pages, repo)
                        + m.group(3)
                    ),
                    part,
                )
            )
        index += 1
    return "".join(out)


def _distribution(folder: Path) -> tuple[str, str]:
    """A member's distribution name and version."""
    name = tomllib.loads((folder / "pyproject.toml").read_text("utf-8"))["project"]["name"]
    about = next((folder / "src" / "tasklink").glob("*/__about__.py"))
    version = re.search(r'__version__ = "([^"]+)"', about.read_text("utf-8"))
    return name, version.group(1) if version else "?"


def stage(repo: Path, out: Path, *, screenshots: bool) -> dict[str, Any]:
    """Write the site's sources into ``out``; return the MkDocs configuration."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    pages = _pages(repo)
    for source, page in pages.items():
        target = out / page
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.endswith(".md"):
            text = (repo / source).read_text("utf-8")
            target.write_text(rewrite_links(text, source, page, pages, repo), "utf-8")
        else:
            shutil.copyfile(repo / source, target)

    entries, problems = connector_entries(repo)
    targets, _ = workspace_targets(repo)
    if problems:
        raise SiteError("; ".join(problems))
    connectors = {target.connector.name: target.connector for target in targets}
    templates = [camunda_template(connectors[entry.name]) for entry in entries]
    shots = set()
    if screenshots:
        shots = {p.name for p in template_screenshots(templates, out / "assets" / "modeler")}
    nav_connectors = []
    for entry, template in zip(entries, templates, strict=True):
        page = out / "connectors" / f"{entry.name}.md"
        if not page.is_file():
            raise SiteError(f"docs/connectors/{entry.name}.md is missing ({entry.distribution})")
        name = screenshot_name(template)
        _, version = _distribution(repo / "packages" / entry.folder)
        reference = render_reference(
            connectors[entry.name],
            distribution=entry.distribution,
            version=version,
            screenshot=f"../assets/modeler/{name}" if name in shots else None,
        )
        page.write_text(page.read_text("utf-8").rstrip() + "\n\n" + reference, "utf-8")
        nav_connectors.append({entry.title: f"connectors/{entry.name}.md"})

    config: dict[str, Any] = yaml.safe_load((repo / "mkdocs.yml").read_text("utf-8"))
    listed = yaml.safe_dump(config["nav"])
    nav_packages = [
        {_distribution(member.folder)[0]: f"packages/{member.folder.name}.md"}
        for member in members(repo)
        if f"packages/{member.folder.name}.md" not in listed  # once in the navigation
    ]
    config["nav"] += [{"Connectors": nav_connectors}, {"Packages": nav_packages}]
    if "examples/README.md" in pages:
        config["nav"].append({"Examples": "examples.md"})
    config["docs_dir"] = str(out)
    return config


def run_mkdocs(config: dict[str, Any], config_file: Path) -> None:
    """``mkdocs build --strict`` with ``config`` (written to ``config_file``)."""
    config_file.write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config_file)]
    # (MkDocs prints a notice about its 2.0 on every build; the build itself says enough)
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, check=False, env=environment
    )
    if done.returncode != 0:
        raise SiteError("mkdocs build --strict failed:\n" + done.stdout + done.stderr)


def build(site_dir: Path, *, screenshots: bool = True, serve: bool = False) -> Path:
    """Stage and build the site strictly into ``site_dir``; the site's front page."""
    config = stage(REPO, BUILD / "src", screenshots=screenshots)
    config["site_dir"] = str(site_dir)
    config_file = BUILD / "mkdocs.yml"
    run_mkdocs(config, config_file)
    if serve:
        serve_command = [sys.executable, "-m", "mkdocs", "serve", "-f", str(config_file)]
        subprocess.run(serve_command, cwd=REPO, check=False)
    return site_dir / "index.html"


def screenshot(page: Path, picture: Path, *, width: int = 1280, height: int = 1000) -> Path:
    """``page`` (a built HTML file) rendered by headless Chromium into ``picture``."""
    from modeler import CHROMIUM, FLAGS

    picture.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [
            CHROMIUM,
            *FLAGS,
            f"--window-size={width},{height}",
            f"--screenshot={picture}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0 or not picture.is_file():
        raise SiteError(f"Chromium could not render {page}:\n{done.stderr[-2000:]}")
    return picture


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site-dir", type=Path, default=BUILD / "site")
    parser.add_argument("--no-screenshots", action="store_true", help="skip the modeler pictures")
    parser.add_argument("--serve", action="store_true", help="serve the site after building it")
    parser.add_argument("--front-page", type=Path, help="render the front page into this PNG")
    options = parser.parse_args(argv)
    try:
        front = build(
            options.site_dir.resolve(), screenshots=not options.no_screenshots, serve=options.serve
        )
        if options.front_page:
            print(f"front page: {screenshot(front, options.front_page.resolve())}")
    except Exception as exc:  # one clear line, whatever failed
        print(f"docs: {exc}", file=sys.stderr)
        return 1
    print(f"built {front}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
