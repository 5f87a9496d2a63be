#!/usr/bin/env python3
"""Type-check every workspace member with mypy: ``hatch run typecheck`` (and the test run).

The strictness and plugins come from ``[tool.mypy]`` in the root ``pyproject.toml``; what to
check comes from here: the ``src`` folder of every workspace member (see ``workspace.py``),
passed both as the files to check and as MYPYPATH. mypy's configuration cannot say this by
itself: it globs ``files`` but not ``mypy_path``, and with ``explicit_package_bases`` (needed
for the PEP 420 ``tasklink`` namespace) each ``src`` folder has to be a package base, or
``shared/core/src/tasklink/core`` would be checked as module ``shared.core.src.tasklink.core``.

Usage::

    python scripts/typecheck.py                      # every member
    python scripts/typecheck.py shared/core/src      # only paths inside members given
    python scripts/typecheck.py --no-incremental     # other arguments go to mypy
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from workspace import ROOT, members


def source_roots(root: Path = ROOT) -> list[Path]:
    """The ``src`` folder of every member that has one, relative to ``root``."""
    root = root.resolve()
    return [member.src.relative_to(root) for member in members(root) if member.src.is_dir()]


def mypy_command(args: Sequence[str], root: Path = ROOT) -> list[str]:
    """mypy (run in ``root``) over every member's ``src``; when ``args`` name paths inside a
    member, over those only (mypy would check both). Other arguments go to mypy as they are."""
    folders = [member.folder for member in members(root)]
    paths_given = any(
        (root / arg).exists() and (root / arg).resolve().is_relative_to(folder)
        for arg in args
        for folder in folders
    )
    targets = [] if paths_given else [str(path) for path in source_roots(root)]
    return [sys.executable, "-m", "mypy", *args, *targets]


def main(argv: Sequence[str] | None = None, root: Path = ROOT) -> int:
    args = sys.argv[1:] if argv is None else argv
    inherited = [os.environ["MYPYPATH"]] if os.environ.get("MYPYPATH") else []
    search_path = os.pathsep.join([*map(str, source_roots(root)), *inherited])
    command = mypy_command(args, root)
    print(f"$ MYPYPATH={search_path} mypy {' '.join(command[3:])}", flush=True)
    environment = {**os.environ, "MYPYPATH": search_path}
    return subprocess.run(command, cwd=root, env=environment, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
