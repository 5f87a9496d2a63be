#!/usr/bin/env python3
"""Start a connector package: ``packages/NAME``, a small HTTP-API connector that works.

Usage::

    hatch run python scripts/new_connector.py slack --title Slack \\
        --description "Post messages and read channels of a Slack workspace"

Writes ``packages/NAME/`` (distribution ``tasklink-NAME``, import ``tasklink.NAME``; a
hyphen in NAME becomes an underscore in the import name only), the package's generated
templates (``scripts/generate_templates.py --package NAME``, template version 1),
``docs/connectors/NAME.md`` and the package's line in ``docs/index.md``. The generated
connector calls its API through ``tasklink-client`` and passes its own tests, the
standard suite, ruff and ``mypy --strict`` as it stands; the author then replaces its
example operation with the API's own.

The files are made from the ``string.Template`` files under ``scripts/scaffold/``:
``package/`` becomes the package folder and ``__module__`` the import name; placeholders
are ``$name``, ``$title``, ...  (see :meth:`Spec.values`), a literal ``$`` is ``$$``.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import keyword
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Template

# The rule core checks connector names against (Activiti's): one source for both.
from tasklink.core import CONNECTOR_NAME_PATTERN

ROOT = Path(__file__).resolve().parents[1]
SCAFFOLD = Path(__file__).resolve().parent / "scaffold"

# The title is written into code lines and docstrings as it is: longer ones would pass
# ruff's line limit of 100 (the description is wrapped instead).
MAX_TITLE = 40
MAX_DESCRIPTION = 200
_TITLE = re.compile(r"^\w[\w .+&()/'-]*$")


class ScaffoldError(Exception):
    """The package could not be made; the message says why."""


@dataclass(frozen=True)
class Spec:
    """What the author chose: the connector's name, title and description."""

    name: str
    title: str
    description: str

    @classmethod
    def create(cls, name: str, title: str | None, description: str | None) -> Spec:
        """Defaults filled in, whitespace collapsed, a trailing full stop dropped (the
        description is a phrase: templates and the docs index add their own punctuation)."""
        title = " ".join((title or name.replace("-", " ").title()).split())
        description = " ".join((description or f"Call the {title} API").split()).rstrip(".")
        return cls(name, title, description)

    @property
    def module(self) -> str:
        """The import name: hyphens are fine in distributions, entry points, folders and
        Activiti names, not in Python identifiers."""
        return self.name.replace("-", "_")

    @property
    def distribution(self) -> str:
        return f"tasklink-{self.name}"

    def values(self) -> dict[str, str]:
        """The placeholders of the scaffold's templates."""
        sentence = self.description[0].upper() + self.description[1:] + "."
        return {
            "name": self.name,
            "module": self.module,
            "distribution": self.distribution,
            "title": self.title,
            "description": self.description,
            "description_sentence": sentence,
            "description_doc": textwrap.fill(sentence, width=88),
            "title_literal": f'"{self.title}"',
            "description_literal": python_string(self.description),
            "connector_id": f"io.tasklink.{self.name}",
            "job_type": f"tasklink:{self.name}:1",
        }

    def index_line(self) -> str:
        """The package's line in the connector block of ``docs/index.md``."""
        return (
            f"- [{self.title}](connectors/{self.name}.md): {self.description} "
            f"(`{self.distribution}`, [README](../packages/{self.name}/README.md))"
        )


def python_string(text: str, width: int = 72) -> str:
    """``text`` as a Python string literal, in implicitly concatenated parts on separate
    lines when it is long: ruff format never splits a string, and lines end at 100."""
    lines = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)
    parts = [f'"{line} "' for line in lines[:-1]] + [f'"{lines[-1]}"']
    return "\n    ".join(parts)


def problems(spec: Spec, root: Path) -> list[str]:
    """Why the package cannot be made as asked (empty when it can)."""
    found: list[str] = []
    if not re.match(CONNECTOR_NAME_PATTERN, spec.name):
        found.append(
            f"NAME {spec.name!r} must match {CONNECTOR_NAME_PATTERN}: lower-case letters, "
            "digits and hyphens, starting with a letter, at most 26 characters (the rule "
            "for connector names)"
        )
    elif keyword.iskeyword(spec.module):
        found.append(
            f"NAME {spec.name!r} is a Python keyword: `import tasklink.{spec.module}` would be "
            "a syntax error"
        )
    else:
        if (root / "packages" / spec.name).exists():
            found.append(f"packages/{spec.name} exists already")
        elif taken := _import_owner(spec.module, root):
            found.append(f"the import name tasklink.{spec.module} is taken: {taken}")
        if (root / "docs" / "connectors" / f"{spec.name}.md").exists():
            found.append(f"docs/connectors/{spec.name}.md exists already")
    if len(spec.title) > MAX_TITLE or not _TITLE.match(spec.title):
        found.append(
            f"--title {spec.title!r} must be at most {MAX_TITLE} characters of letters, "
            "digits, spaces and . + & ( ) / ' -"
        )
    if (
        not spec.description
        or len(spec.description) > MAX_DESCRIPTION
        or not spec.description.isprintable()
        or any(c in spec.description for c in '"\\')
    ):
        found.append(
            f"--description must be one line of at most {MAX_DESCRIPTION} characters, "
            "without double quotes or backslashes (it is written into code as it is)"
        )
    return found


def _import_owner(module: str, root: Path) -> str | None:
    """Where ``tasklink.<module>`` lives already: a workspace package (``shared/core``), or
    an installed distribution."""
    for owner in sorted(root.glob(f"*/*/src/tasklink/{module}")):
        return str(owner.relative_to(root))
    found = importlib.util.find_spec(f"tasklink.{module}")
    if found is None:
        return None
    return found.origin or ", ".join(found.submodule_search_locations or ()) or "installed"


def render(spec: Spec) -> dict[Path, str]:
    """Every file of the package and its docs page, by path relative to the root."""
    values = spec.values()
    files: dict[Path, str] = {}
    package = SCAFFOLD / "package"
    for source in sorted(package.rglob("*.tmpl")):
        relative = source.relative_to(package).with_suffix("")
        parts = [spec.module if part == "__module__" else part for part in relative.parts]
        text = Template(source.read_text("utf-8")).substitute(values)
        files[Path("packages", spec.name, *parts)] = text
    page = Template((SCAFFOLD / "docs" / "connector.md.tmpl").read_text("utf-8"))
    files[Path("docs", "connectors", f"{spec.name}.md")] = page.substitute(values)
    return files


def _run(command: list[str], root: Path, what: str) -> None:
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ScaffoldError(f"{what} failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def tidy(paths: Sequence[Path], root: Path) -> None:
    """Sort the imports and format as the repository's ruff configuration says: the order
    of ``tasklink.NAME`` among the other imports depends on NAME."""
    files = [str(path) for path in paths]
    ruff = [sys.executable, "-m", "ruff"]
    _run([*ruff, "check", "--quiet", "--fix", "--select", "I", *files], root, "ruff check")
    _run([*ruff, "format", "--quiet", *files], root, "ruff format")


def generate_templates(spec: Spec, root: Path) -> None:
    """The repository's generator writes the bundled templates, their copies under
    ``element-templates/`` and version 1 into the lock file."""
    script = root / "scripts" / "generate_templates.py"
    _run([sys.executable, str(script), "--package", spec.name], root, "the template generator")


def update_docs_index(root: Path) -> str | None:
    """Rewrite the connector list of ``docs/index.md`` from the packages with
    ``scripts/docs_index.py``, so the new line is the one its check expects. Returns why it
    could not, or ``None``."""
    scripts = str(root / "scripts")
    sys.path.insert(0, scripts)  # docs_index imports generate_templates as a sibling
    try:
        docs_index = importlib.import_module("docs_index")
        docs_index.update_docs_index(root / "docs" / "index.md")
    except (ImportError, OSError, ValueError) as error:
        return f"docs/index.md was not updated: {error}"
    finally:
        sys.path.remove(scripts)
    return None


def create(spec: Spec, root: Path) -> list[Path]:
    """Write the package, its docs page and its templates; on failure remove what was
    written, so the command can simply be run again. Returns the files written."""
    files = render(spec)
    written = [root / relative for relative in files]
    try:
        for path, text in zip(written, files.values(), strict=True):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, "utf-8")
        # Every distribution carries the license text (pyproject's license-files).
        license_file = root / "packages" / spec.name / "LICENSE"
        shutil.copyfile(root / "LICENSE", license_file)
        written.append(license_file)
        tidy([p for p in written if p.suffix in (".py", ".md")], root)
        generate_templates(spec, root)
    except BaseException:
        shutil.rmtree(root / "packages" / spec.name, ignore_errors=True)
        (root / "docs" / "connectors" / f"{spec.name}.md").unlink(missing_ok=True)
        raise
    return written


def next_steps(spec: Spec) -> str:
    src = f"packages/{spec.name}/src/tasklink/{spec.module}"
    return textwrap.dedent(
        f"""\
        Next:
          1. Describe the API: inputs in {src}/_models.py
             (subclass ApiInput for the shared settings; keep the authentication schemes
             the API accepts), calls in _operations.py, one connector.operation(...) each
             in _connector.py. Replace the example get_item, its test and icon.svg.
          2. Regenerate the templates; version 1 is not released yet, so amend it:
             hatch run python scripts/generate_templates.py --package {spec.name} --amend-version
          3. Bring README.md (its examples run in the standard suite), CHANGELOG.md and
             docs/connectors/{spec.name}.md up to date.
          4. Add {spec.distribution} to the connector table of the root README.md
             (the one hand edit).
          5. Check: hatch run pytest packages/{spec.name}, then hatch run test.
        """
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "name",
        help="connector name: lower-case letters, digits and hyphens (slack, google-drive); "
        "also the folder, the entry point and the Activiti connector name",
    )
    parser.add_argument("--title", help="name shown in modelers (default: NAME capitalized)")
    parser.add_argument(
        "--description", help="what the connector does, one line (default: Call the TITLE API)"
    )
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="repository to write into (default: this one)"
    )
    args = parser.parse_args(argv)
    root = args.root.resolve()
    spec = Spec.create(args.name, args.title, args.description)
    refused = problems(spec, root)
    if refused:
        for problem in refused:
            print(f"new_connector: {problem}", file=sys.stderr)
        return 2
    try:
        written = create(spec, root)
    except ScaffoldError as error:
        print(f"new_connector: {error}\nnothing was left behind", file=sys.stderr)
        return 1
    for path in written:
        print(path.relative_to(root))
    print("templates (version 1): the package's templates/, element-templates/, its lock file")
    failed = update_docs_index(root)
    if failed:
        print(f"{failed}\nAdd the package's line by hand:\n  {spec.index_line()}")
    else:
        print("docs/index.md: the package's line in the connector list")
    print(
        f"\nCreated {spec.distribution} (import tasklink.{spec.module}, connector "
        f"{spec.name!r}, job type tasklink:{spec.name}:1).\n"
    )
    print(next_steps(spec))
    return 0


if __name__ == "__main__":
    sys.exit(main())
