"""tasklink.feel - a FEEL (DMN 1.5 Friendly Enough Expression Language) engine.

>>> from tasklink.feel import evaluate
>>> items = [{"price": 60}, {"price": 50}]
>>> evaluate("{total: sum(items.price), big: total > 100}", {"items": items})
{'total': Decimal('110'), 'big': True}

Numbers are returned as :class:`decimal.Decimal` (34 significant digits),
contexts as ``dict``, lists as ``list``, temporal values as ``datetime``
objects (years-and-months durations as :class:`YearsMonthsDuration`) and
ranges as :class:`Range`.
"""

from .__about__ import __version__
from ._api import (
    DEFAULT_MAX_STEPS,
    CompiledExpression,
    CompiledUnaryTests,
    FeelEvaluator,
    compile,
    compile_unary_tests_text,
    evaluate,
)
from ._errors import (
    FeelError,
    FeelEvaluationError,
    FeelLimitError,
    FeelSyntaxError,
    FeelTimeoutError,
    FeelWarning,
)
from ._types import FeelFunction, Range, YearsMonthsDuration

compile_unary_tests = compile_unary_tests_text

__all__ = [
    "DEFAULT_MAX_STEPS",
    "CompiledExpression",
    "CompiledUnaryTests",
    "FeelError",
    "FeelEvaluationError",
    "FeelEvaluator",
    "FeelFunction",
    "FeelLimitError",
    "FeelSyntaxError",
    "FeelTimeoutError",
    "FeelWarning",
    "Range",
    "YearsMonthsDuration",
    "__version__",
    "compile",
    "compile_unary_tests",
    "evaluate",
]
