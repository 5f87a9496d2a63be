"""Built-in functions of DMN 1.5 FEEL plus Camunda's connector functions.

Importing this package registers every built-in in :data:`BUILTINS`.
"""

from __future__ import annotations

from .._registry import MULTI_WORD_NAMES as _MULTI
from . import _conversion, _json, _lists, _misc, _strings  # noqa: F401  (registration)
from ._core import BUILTINS, BuiltinFunction


def _multi_word_index() -> dict[str, tuple[str, ...]]:
    """Built-in names that the lexer splits into several tokens, keyed by the
    first word, longest first (so ``date and time`` wins over ``date``)."""
    index: dict[str, list[str]] = {}
    for name in BUILTINS:
        if " " in name:
            index.setdefault(name.split()[0], []).append(name)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in index.items()}


_MULTI.update(_multi_word_index())
MULTI_WORD_NAMES = _MULTI

__all__ = ["BUILTINS", "MULTI_WORD_NAMES", "BuiltinFunction"]
