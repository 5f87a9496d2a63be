"""Exception types and evaluation warnings of the FEEL engine."""

from __future__ import annotations

__all__ = [
    "FeelError",
    "FeelEvaluationError",
    "FeelLimitError",
    "FeelSyntaxError",
    "FeelTimeoutError",
    "FeelWarning",
]


class FeelError(Exception):
    """Base class of every exception raised by :mod:`tasklink.feel`."""


class FeelSyntaxError(FeelError):
    """The expression text is not valid FEEL.

    ``line`` and ``column`` are 1-based and point at the offending character;
    ``expression`` is the full text that was compiled.
    """

    def __init__(self, message: str, expression: str, offset: int) -> None:
        offset = max(0, min(offset, len(expression)))
        self.message = message
        self.expression = expression
        self.offset = offset
        self.line = expression.count("\n", 0, offset) + 1
        line_start = expression.rfind("\n", 0, offset) + 1
        self.column = offset - line_start + 1
        line_end = expression.find("\n", offset)
        if line_end < 0:
            line_end = len(expression)
        self._source_line = expression[line_start:line_end]
        super().__init__(str(self))

    def __str__(self) -> str:
        # Long lines are clipped around the caret so the excerpt stays readable.
        text = self._source_line
        col = self.column - 1
        if len(text) > 80:
            start = max(0, col - 40)
            text = ("..." if start else "") + text[start : start + 80]
            col = col - start + (3 if start else 0)
        return f"line {self.line}, column {self.column}: {self.message}\n  {text}\n  {' ' * col}^"

    def __reduce__(self) -> tuple[type[FeelSyntaxError], tuple[str, str, int]]:
        return (FeelSyntaxError, (self.message, self.expression, self.offset))


class FeelEvaluationError(FeelError):
    """Evaluation failed in a way that FEEL cannot express as null.

    Raised for host problems such as an expression nesting so deep that the
    interpreter runs out of stack, or when ``strict=True`` is requested and
    the evaluation produced a warning.
    """


class FeelLimitError(FeelEvaluationError):
    """The evaluation used up its step budget (``max_steps``).

    Steps count loop iterations, function calls and the elements and
    characters that built-ins produce or scan; the budget bounds the memory
    and CPU time one evaluation can take. Raising ``max_steps`` lets a larger
    legitimate evaluation finish. Deliberately not a :class:`TimeoutError`:
    running the same evaluation again later would use the same budget.
    """


class FeelTimeoutError(FeelEvaluationError, TimeoutError):
    """The evaluation did not finish before the caller's ``deadline``.

    Also a :class:`TimeoutError`, so a host can tell "too slow right now"
    (retry elsewhere or with a later deadline) from any other failure.
    """


class FeelWarning:
    """A problem that FEEL semantics turned into ``null`` (for example a
    missing variable, a type mismatch or a built-in called with bad arguments).
    """

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FeelWarning) and other.message == self.message

    def __hash__(self) -> int:
        return hash(self.message)

    def __repr__(self) -> str:
        return f"FeelWarning({self.message!r})"

    def __str__(self) -> str:
        return self.message
