"""Sandboxed Jinja2 rendering of subject and bodies with data from the process.

The environment is Jinja2's immutable sandbox: no attribute access to internals
(``__class__``, ``_private``), no mutation of the data, no loader (so ``include``,
``import`` and ``extends`` cannot reach the file system), undefined names are errors
rather than silent blanks, and HTML bodies are autoescaped.

On top of that, what one rendering may cost is bounded (a template is process data,
written by whoever models the process, and rendering runs in a worker thread that a job
timeout cannot stop):

* **Size of values**: a string, list or tuple built by ``*``, ``+``, ``~``, a filter, a
  method call or a macro may hold at most :data:`MAX_VALUE` characters / items; the
  operators and the amplifying filters and methods (``center``, ``indent``,
  ``wordwrap``, ``replace``, ``join``, ``format``, ``batch``, ``tojson``, ``str.ljust``,
  ``str.zfill``, ``str.expandtabs``, ``str.format``...) are checked *before* they build
  the value. Integers built by ``*`` and ``**`` may have at most :data:`MAX_INT_BITS`
  bits.
* **Work**: every loop iteration, call, filter, attribute and item lookup is a step; a
  rendering may take at most :data:`MAX_STEPS` steps and :data:`TIME_LIMIT` seconds
  (checked at those steps). ``range()`` yields at most :data:`MAX_RANGE` numbers.
* **Output**: at most :data:`MAX_OUTPUT` characters.

Exceeding a limit is an :class:`~tasklink.core.InputError` naming the template field.
What is not bounded: a single step of a built-in filter on a value within these limits
(e.g. sorting a list of a million items) runs to its end.
"""

from __future__ import annotations

import functools
import re
import string
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import (
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    UndefinedError,
    nodes,
)
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import _PassArg

from tasklink.core import InputError

__all__ = [
    "MAX_INT_BITS",
    "MAX_OUTPUT",
    "MAX_RANGE",
    "MAX_STEPS",
    "MAX_VALUE",
    "TIME_LIMIT",
    "render",
]

#: Largest rendered text accepted, in characters.
MAX_OUTPUT = 5_000_000
#: Largest string (characters) or list / tuple (items) a template may build.
MAX_VALUE = 1_000_000
#: Largest integer (in bits, about 30 000 decimal digits) ``*`` and ``**`` may build.
MAX_INT_BITS = 100_000
#: Most numbers ``range()`` may yield.
MAX_RANGE = 10_000
#: Most steps (loop iterations, calls, filters, lookups) of one rendering.
MAX_STEPS = 1_000_000
#: Most seconds one rendering may take, checked at every step.
TIME_LIMIT = 5.0


class TemplateLimitError(SecurityError):
    """A template went beyond one of the limits of this module."""


@dataclass(slots=True)
class _Budget:
    steps: int
    deadline: float


_BUDGET: ContextVar[_Budget | None] = ContextVar("tasklink_email_template_budget", default=None)


def _step() -> None:
    budget = _BUDGET.get()
    if budget is None:
        return
    budget.steps += 1
    if budget.steps > MAX_STEPS:
        raise TemplateLimitError(f"the template takes more than {MAX_STEPS} steps")
    if time.monotonic() > budget.deadline:
        raise TemplateLimitError(f"rendering the template takes longer than {TIME_LIMIT:g} seconds")


def _size(value: object) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple | dict) else 0


def _bounded(value: Any) -> Any:
    """``value`` unless it is a string or sequence larger than :data:`MAX_VALUE`."""
    if _size(value) > MAX_VALUE:
        raise TemplateLimitError(f"the template builds a value larger than {MAX_VALUE} characters")
    return value


def _allow(size: int, what: str) -> None:
    if size > MAX_VALUE:
        raise TemplateLimitError(f"{what} would build a value larger than {MAX_VALUE} characters")


def _int_arg(value: object, limit: int, what: str) -> None:
    if isinstance(value, int) and value > limit:
        raise TemplateLimitError(f"{what} may be at most {limit}")


# --- checks before amplifying operations ---------------------------------------------

_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_percent_format(fmt: object) -> None:
    if not isinstance(fmt, str):
        return
    for width, precision in _PERCENT_SPEC.findall(fmt):
        for number in (width, precision):
            if number == "*":
                raise TemplateLimitError("'*' widths are not allowed in format strings")
            if number and int(number) > MAX_VALUE:
                raise TemplateLimitError(f"format widths may be at most {MAX_VALUE}")


def _check_brace_format(fmt: str) -> None:
    for _, _, spec, _ in string.Formatter().parse(fmt):
        if not spec:
            continue
        if "{" in spec:
            raise TemplateLimitError("nested replacement fields are not allowed in format specs")
        if any(int(n) > MAX_VALUE for n in re.findall(r"\d+", spec)):
            raise TemplateLimitError(f"format widths may be at most {MAX_VALUE}")


def _occurrences(text: str, old: str, count: object) -> int:
    found = len(text) + 1 if old == "" else text.count(old)
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return found


def _check_replace(text: object, old: object, new: object, count: object = None) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        grows = max(len(new) - len(old), 0)
        _allow(len(text) + _occurrences(text, old, count) * grows, "replace")


def _materialized_join(items: Iterable[Any], separator: object) -> list[Any]:
    out: list[Any] = []
    total = 0
    sep = len(separator) if isinstance(separator, str) else 0
    for item in items:
        out.append(item)
        total += sep + (len(item) if isinstance(item, str) else len(str(item)))
        _allow(total, "join")
    return out


def _check_filter(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Refuse filter arguments that would build a too large value; may return new args."""
    value = args[0] if args else None
    rest = list(args[1:])

    def arg(index: int, key: str, default: Any = None) -> Any:
        return rest[index] if len(rest) > index else kwargs.get(key, default)

    if name == "center":
        _int_arg(arg(0, "width"), MAX_VALUE, "center's width")
    elif name == "indent":
        width = arg(0, "width", 4)
        unit = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
        lines = str(value).count("\n") + 1
        _allow(len(str(value)) + lines * max(unit, 0), "indent")
    elif name == "wordwrap":
        width, wrap = arg(0, "width", 79), arg(2, "wrapstring", "\n")
        if isinstance(width, int) and width > 0 and isinstance(wrap, str):
            length = len(str(value))
            _allow(length + (length // width + 1) * len(wrap), "wordwrap")
    elif name == "replace":
        _check_replace(str(value), arg(0, "old"), arg(1, "new"), arg(2, "count"))
    elif name == "format":
        _check_percent_format(value)
    elif name == "join" and isinstance(value, Iterable) and not isinstance(value, str):
        if arg(1, "attribute") is None:
            return (_materialized_join(value, arg(0, "d", "")), *rest)
    elif name == "batch":
        _int_arg(arg(0, "linecount"), MAX_VALUE, "batch's line count")
    elif name == "slice":
        _int_arg(arg(0, "slices"), MAX_RANGE, "slice's number of slices")
    elif name == "tojson":
        _int_arg(arg(0, "indent"), 16, "tojson's indent")
    elif name == "truncate":
        end = arg(2, "end", "...")
        _allow(len(end) if isinstance(end, str) else 0, "truncate's end")
    return args


def _check_method(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse calls of amplifying ``str`` methods that would build a too large value."""
    owner = getattr(obj, "__self__", None)
    if not isinstance(owner, str):
        return
    name = getattr(obj, "__name__", "")
    first = args[0] if args else None
    if name in {"center", "ljust", "rjust", "zfill"}:
        _int_arg(first if args else kwargs.get("width"), MAX_VALUE, f"{name}'s width")
    elif name == "expandtabs":
        size = first if args else kwargs.get("tabsize", 8)
        if isinstance(size, int):
            _allow(len(owner) + owner.count("\t") * size, "expandtabs")
    elif name == "replace":
        _check_replace(owner, first, args[1] if len(args) > 1 else None, *args[2:3])


def _checked_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    passes = _PassArg.from_obj(func) is not None

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _step()
        head, tail = (args[:1], args[1:]) if passes else ((), args)
        tail = _check_filter(name, tail, kwargs)
        return _bounded(func(*head, *tail, **kwargs))

    return wrapper


def _range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise TemplateLimitError(f"range() may yield at most {MAX_RANGE} numbers")
    return numbers


# --- the environment -----------------------------------------------------------------


class _CodeGenerator(CodeGenerator):
    """Checks the size of every ``~`` concatenation (not an interceptable operator)."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:  # noqa: N802
        self.write("environment.bounded(")
        super().visit_Concat(node, frame)
        self.write(")")


class _Environment(ImmutableSandboxedEnvironment):
    code_generator_class = _CodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *, html: bool) -> None:
        super().__init__(
            autoescape=html,
            undefined=StrictUndefined,
            loader=None,
            keep_trailing_newline=True,
        )
        self.filters = {name: _checked_filter(name, f) for name, f in self.filters.items()}
        self.globals["range"] = _range
        self.globals.pop("lipsum", None)  # lipsum(n) builds n paragraphs; no use in mail

    @staticmethod
    def bounded(value: Any) -> Any:
        return _bounded(value)

    @staticmethod
    def concat(parts: Iterable[str]) -> str:
        # Bodies of macros, {% set %} blocks and {% filter %} blocks.
        return str(_bounded("".join(parts)))

    @staticmethod
    def iterate(items: Iterable[Any]) -> Iterator[Any]:
        """Every ``for`` loop iterates through this: each iteration is a step."""
        for item in items:
            _step()
            yield item

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        template = super()._parse(source, name, filename)
        for loop in template.find_all(nodes.For):
            call = nodes.Call(nodes.EnvironmentAttribute("iterate"), [loop.iter], [], None, None)
            call.set_lineno(loop.iter.lineno or loop.lineno)
            call.set_environment(self)
            loop.iter = call
        return template

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _step()
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int):
                    _allow(len(seq) * times, "'*'")
            ints = isinstance(left, int) and isinstance(right, int)
            if ints and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise TemplateLimitError(f"'*' would build an integer over {MAX_INT_BITS} bits")
        elif operator == "**":
            ints = isinstance(left, int) and isinstance(right, int)
            if ints and right > 0 and abs(left) > 1 and left.bit_length() * right > MAX_INT_BITS:
                raise TemplateLimitError(f"'**' would build an integer over {MAX_INT_BITS} bits")
        elif operator == "+":
            if isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
                _allow(len(left) + len(right), "'+'")
        elif operator == "%":
            _check_percent_format(left)
        return _bounded(super().call_binop(context, operator, left, right))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        # str.format / format_map are wrapped when looked up, not when called.
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            _check_brace_format(value.__self__)
        return wrapped

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        _step()
        if __obj is not _Environment.iterate:
            _check_method(__obj, args, kwargs)
        return _bounded(super().call(__context, __obj, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        _step()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _step()
        return super().getitem(obj, argument)


@cache
def _environment(html: bool) -> _Environment:
    return _Environment(html=html)


def render(name: str, source: str, data: Mapping[str, Any], *, html: bool = False) -> str:
    """Render the template ``source`` of input field ``name``; bad templates and
    templates beyond the limits are input errors naming the field."""
    env = _environment(html)
    token = _BUDGET.set(_Budget(steps=0, deadline=time.monotonic() + TIME_LIMIT))
    try:
        template = env.from_string(source)
        size = 0
        chunks: list[str] = []
        for chunk in template.generate(dict(data)):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise InputError(
                    f"{name}: the rendered template exceeds {MAX_OUTPUT} characters", field=name
                )
            chunks.append(chunk)
        return "".join(chunks)
    except TemplateSyntaxError as exc:
        raise InputError(
            f"{name}: template syntax error on line {exc.lineno}: {exc.message}", field=name
        ) from None
    except TemplateLimitError as exc:
        raise InputError(f"{name}: the template exceeds a limit: {exc}", field=name) from None
    except SecurityError as exc:
        raise InputError(
            f"{name}: the template is not allowed to do this: {exc}", field=name
        ) from None
    except UndefinedError as exc:
        raise InputError(
            f"{name}: the template uses a value templateData does not have: {exc.message}",
            field=name,
        ) from None
    except TemplateError as exc:
        raise InputError(f"{name}: the template failed: {exc.message or exc}", field=name) from None
    except TypeError as exc:
        # No loader: include / import / extends end here, as do type mix-ups in expressions.
        if "no loader" in str(exc):
            raise InputError(
                f"{name}: templates cannot include, import or extend other templates", field=name
            ) from None
        raise InputError(f"{name}: the template failed: {exc}", field=name) from None
    except (ValueError, ArithmeticError, LookupError, RecursionError) as exc:
        raise InputError(f"{name}: the template failed: {exc}", field=name) from None
    finally:
        _BUDGET.reset(token)
