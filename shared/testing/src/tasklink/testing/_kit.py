"""Finding the developer kit (vendor specs, TCK cases) that lives beside the repository."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["SHARED_DIR_VARIABLE", "repository_root", "shared_kit_dir"]

SHARED_DIR_VARIABLE = "TASKLINK_SHARED_DIR"


def repository_root(start: Path | None = None) -> Path:
    """The folder holding the workspace ``pyproject.toml`` (found upwards from ``start``)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and "tasklink-workspace" in candidate.read_text("utf-8"):
            return folder
    raise FileNotFoundError(f"no tasklink workspace above {here}")


def shared_kit_dir(start: Path | None = None) -> Path | None:
    """The kit folder: ``$TASKLINK_SHARED_DIR``, else ``shared`` beside the repository.

    Returns ``None`` when it does not exist; tests then skip with a reason.
    """
    configured = os.environ.get(SHARED_DIR_VARIABLE)
    if configured:
        path = Path(configured)
    else:
        try:
            path = repository_root(start).parent / "shared"
        except FileNotFoundError:
            return None
    return path if path.is_dir() else None
