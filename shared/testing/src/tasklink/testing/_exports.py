"""Checking a package's surface: every public name resolves, deferred names stay in step."""

from __future__ import annotations

import ast
from pathlib import Path
from types import ModuleType

__all__ = ["check_package_exports"]


def check_package_exports(package: ModuleType) -> list[str]:
    """Problems with ``package``'s exports (empty when there are none).

    Every name in ``__all__`` must resolve and be listed by ``dir()``. A package that
    defers names with :func:`tasklink.core.deferred_exports` must list, in its
    ``TYPE_CHECKING`` block, exactly the names of its ``_DEFERRED`` table (type checkers
    read the one, the package loads the other), each public and none imported eagerly too.
    """
    problems: list[str] = []
    public = list(getattr(package, "__all__", ()))
    for name in public:
        try:
            getattr(package, name)
        except AttributeError:
            problems.append(f"{name} is in __all__ but does not resolve")
    missing = set(public) - set(dir(package))
    if missing:
        problems.append(f"dir() leaves out {sorted(missing)}")
    deferred: dict[str, tuple[str, ...]] | None = getattr(package, "_DEFERRED", None)
    if deferred is None or package.__file__ is None:
        return problems
    tree = ast.parse(Path(package.__file__).read_text(encoding="utf-8"))
    block = next(
        (
            node
            for node in tree.body
            if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
        ),
        None,
    )
    checked = {
        f"_{node.module.lstrip('_')}": tuple(alias.name for alias in node.names)
        for node in (block.body if block is not None else [])
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 1
    }
    if checked != deferred:
        problems.append(
            f"the TYPE_CHECKING imports {checked} are not the _DEFERRED table {deferred}"
        )
    names = {name for group in deferred.values() for name in group}
    if not names <= set(public):
        problems.append(f"deferred names missing from __all__: {sorted(names - set(public))}")
    eager = {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    if names & eager:
        problems.append(f"deferred and imported eagerly: {sorted(names & eager)}")
    return problems
