"""Activiti's condition and value expressions (``${...}``, JUEL) as FEEL.

APA processes write conditions such as ``${approved == true && amount > 100}``. The
engine evaluates every expression in FEEL, so the JUEL the modeler writes is translated
token by token: comparison and logic operators (symbols and their word forms), ``!`` /
``not``, literals, property paths (``order.items[0].price``, indexes counted from 0 as in
Java; ``map['key']``) and parentheses. Method
calls, ``empty`` and arithmetic other than ``+ - * /`` are refused with a clear message:
they have no faithful FEEL form.
"""

from __future__ import annotations

import json
import re

__all__ = ["JuelError", "juel_to_feel"]


class JuelError(ValueError):
    """An expression the translation does not support."""


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<number>\d+(?:\.\d+)?)
      | (?P<name>[A-Za-z_$][A-Za-z0-9_$]*)
      | (?P<op>==|!=|<=|>=|&&|\|\||[<>!()\[\].+\-*/%?:])
    )""",
    re.VERBOSE,
)
_WORDS = {
    "and": " and ",
    "or": " or ",
    "eq": " = ",
    "ne": " != ",
    "lt": " < ",
    "gt": " > ",
    "le": " <= ",
    "ge": " >= ",
    "div": " / ",
    "true": "true",
    "false": "false",
    "null": "null",
}
_SYMBOLS = {
    "==": " = ",
    "!=": " != ",
    "<": " < ",
    ">": " > ",
    "<=": " <= ",
    ">=": " >= ",
    "&&": " and ",
    "||": " or ",
    "+": " + ",
    "-": " - ",
    "*": " * ",
    "/": " / ",
    "(": "(",
    ")": ")",
    ".": ".",
}


def _tokens(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise JuelError(f"cannot read {text[position:]!r}")
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


def _string(token: str) -> str:
    body = token[1:-1]
    body = re.sub(r"\\(.)", r"\1", body)
    return json.dumps(body)


def _operand_end(tokens: list[tuple[str, str]], start: int) -> int:
    """Index after the operand of ``!`` starting at ``start``: a parenthesised group, or
    a name with its ``.name`` / ``[...]`` chain, or a literal."""
    if start >= len(tokens):
        raise JuelError("'!' needs an operand")
    depth = 0
    index = start
    if tokens[index][1] == "(":
        for index in range(start, len(tokens)):
            depth += {"(": 1, ")": -1}.get(tokens[index][1], 0)
            if depth == 0:
                return index + 1
        raise JuelError("unbalanced parentheses")
    index += 1
    while index < len(tokens):
        value = tokens[index][1]
        if value == "." and index + 1 < len(tokens):
            index += 2
        elif value == "[":
            index = _closing(tokens, index) + 1
        else:
            break
    return index


def _closing(tokens: list[tuple[str, str]], start: int) -> int:
    """Index of the ``]`` matching the ``[`` at ``start``."""
    depth = 0
    for index in range(start, len(tokens)):
        depth += {"[": 1, "]": -1}.get(tokens[index][1], 0)
        if depth == 0:
            return index
    raise JuelError("unbalanced brackets")


def _index(tokens: list[tuple[str, str]]) -> str:
    """A JUEL index: ``['key']`` is a member (``.key``); a number or an expression
    counts from 0 in Java and from 1 in FEEL."""
    if len(tokens) == 1 and tokens[0][0] == "string":
        key = json.loads(_string(tokens[0][1]))
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise JuelError(f"the key {key!r} is not a name FEEL can use as a path")
        return f".{key}"
    if len(tokens) == 1 and tokens[0][0] == "number":
        return f"[{int(tokens[0][1]) + 1}]"
    return f"[({_translate(tokens)}) + 1]"


def _translate(tokens: list[tuple[str, str]]) -> str:
    out: list[str] = []
    index = 0
    while index < len(tokens):
        kind, value = tokens[index]
        following = tokens[index + 1][1] if index + 1 < len(tokens) else None
        if value == "[":
            end = _closing(tokens, index)
            out.append(_index(tokens[index + 1 : end]))
            index = end + 1
            continue
        if kind == "string":
            out.append(_string(value))
        elif kind == "number":
            out.append(value)
        elif value in ("!", "not"):
            end = _operand_end(tokens, index + 1)
            out.append(f"not({_translate(tokens[index + 1 : end])})")
            index = end
            continue
        elif kind == "name" and value in _WORDS and (index == 0 or tokens[index - 1][1] != "."):
            out.append(_WORDS[value])
        elif kind == "name":
            if following == "(":
                raise JuelError(f"method and function calls ({value}(...)) are not supported")
            if value in ("empty", "mod", "instanceof"):
                raise JuelError(f"{value!r} is not supported")
            out.append(value)
        elif value in _SYMBOLS:
            out.append(_SYMBOLS[value])
        else:
            raise JuelError(f"the operator {value!r} is not supported")
        index += 1
    return "".join(out).strip()


def juel_to_feel(text: str) -> str | None:
    """The FEEL form of ``text`` when it is one ``${...}`` expression; ``None`` when it
    holds no expression (static text). Raises :class:`JuelError` otherwise."""
    stripped = text.strip()
    if "${" not in stripped and "#{" not in stripped:
        return None
    if not (stripped[:2] in ("${", "#{") and stripped.endswith("}")):
        raise JuelError(f"{text!r} mixes text and an expression; write one ${{...}}")
    body = stripped[2:-1]
    if "${" in body or "#{" in body:
        raise JuelError(f"{text!r} holds more than one expression")
    if not body.strip():
        raise JuelError(f"{text!r} is an empty expression")
    return _translate(_tokens(body))
