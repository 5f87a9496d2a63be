"""The table of built-in functions, filled when ``_builtins`` is imported.

It lives in its own module so the runtime can look names up without a
circular import of the built-in implementations.
"""

from __future__ import annotations

from typing import Any

BUILTINS: dict[str, Any] = {}
MULTI_WORD_NAMES: dict[str, tuple[str, ...]] = {}
