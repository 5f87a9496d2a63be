"""Names a package exports but imports only on first use (PEP 562).

A package whose public names live in modules that are costly to import (a network client,
a runtime's machinery) lists them by module; importing the package stays cheap, and the
first access to such a name imports its module::

    _DEFERRED = {"_send": ("Request", "send")}
    if not TYPE_CHECKING:  # type checkers read the TYPE_CHECKING imports instead
        __getattr__, __dir__ = deferred_exports(__name__, _DEFERRED)
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["deferred_exports"]


def deferred_exports(
    package: str, deferred: Mapping[str, tuple[str, ...]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``, whose names in ``deferred``
    (its private module -> the names it exports) are imported on first access."""
    module_of = {name: module for module, names in deferred.items() for name in names}

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook's own name
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f"{package}.{module}"), name)
        vars(sys.modules[package])[name] = value  # found directly from now on
        return value

    def __dir__() -> list[str]:  # noqa: N807
        return sorted(set(vars(sys.modules[package])) | set(module_of))

    return __getattr__, __dir__
