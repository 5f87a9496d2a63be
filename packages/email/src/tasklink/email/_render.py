"""Sandboxed Jinja2 rendering of subject and bodies with data from the process.

The environment is Jinja2's immutable sandbox: no attribute access to internals
(``__class__``, ``_private``), no mutation of the data, no loader (so ``include``,
``import`` and ``extends`` cannot reach the file system), undefined names are errors
rather than silent blanks, and HTML bodies are autoescaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from tasklink.core import InputError

__all__ = ["MAX_OUTPUT", "render"]

#: Largest rendered text accepted, in characters: a template is not a way to build
#: arbitrarily large messages (or to burn CPU on a runaway loop).
MAX_OUTPUT = 5_000_000


class _Environment(ImmutableSandboxedEnvironment):
    def __init__(self, *, html: bool) -> None:
        super().__init__(
            autoescape=html,
            undefined=StrictUndefined,
            loader=None,
            keep_trailing_newline=True,
        )


@cache
def _environment(html: bool) -> _Environment:
    return _Environment(html=html)


def render(name: str, source: str, data: Mapping[str, Any], *, html: bool = False) -> str:
    """Render the template ``source`` of input field ``name``; bad templates are input
    errors naming the field."""
    env = _environment(html)
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
