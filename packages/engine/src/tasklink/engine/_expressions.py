"""Values in a process definition: FEEL expressions (``=...``) or static text, as Zeebe
reads every mapping source, condition, timer and job type."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tasklink.core import to_jsonable

__all__ = ["EXPRESSION_TIME_LIMIT", "Expression", "ExpressionError"]

#: Seconds one evaluation may take: conditions and mappings run between jobs, on the
#: event loop, so a runaway expression must end (FEEL's step budget bounds the rest).
EXPRESSION_TIME_LIMIT = 1.0


class ExpressionError(Exception):
    """An expression could not be evaluated (or gave a value of the wrong kind)."""


@dataclass(frozen=True, slots=True)
class Expression:
    """``text`` as modelled: FEEL when it starts with ``=`` (or ``feel`` is forced, as
    for conditions), else a static string."""

    text: str
    compiled: Any = None  # a tasklink.feel CompiledExpression, or None for static text

    @classmethod
    def parse(cls, text: str, *, feel: bool = False) -> Expression:
        """Compile ``text``; raises ``tasklink.feel.FeelSyntaxError`` for bad FEEL."""
        stripped = text.strip()
        if not (feel or stripped.startswith("=")):
            return cls(text)
        from tasklink.feel import compile as compile_feel

        return cls(text, compile_feel(stripped))

    @property
    def is_static(self) -> bool:
        return self.compiled is None

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        """The value in ``context``, as JSON data (FEEL numbers become int / float)."""
        if self.compiled is None:
            return self.text
        from tasklink.feel import FeelError

        try:
            value = self.compiled.evaluate(
                context, deadline=time.monotonic() + EXPRESSION_TIME_LIMIT
            )
        except FeelError as exc:
            raise ExpressionError(f"{self.text.strip()!r} failed: {exc}") from None
        return to_jsonable(value)

    def condition(self, context: Mapping[str, Any]) -> bool:
        """A condition's value, which must be a boolean (``null`` is an error, as in
        Zeebe: a missing variable must not pick a branch silently)."""
        value = self.evaluate(context)
        if not isinstance(value, bool):
            raise ExpressionError(
                f"condition {self.text.strip()!r} gave {value!r}, expected true or false"
            )
        return value
