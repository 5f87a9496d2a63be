"""The operations of a GraphQL document, read without a GraphQL library.

The connector sends the document as text and the server parses it; what the connector
must know before sending is only which operations the document defines (their type and
name), so that it can pick the one ``operationName`` names, refuse a subscription (a
service task cannot hold the stream one needs) and refuse a mutation over GET (the
GraphQL-over-HTTP specification allows only queries there). That needs the lexical
grammar of the GraphQL specification (October 2021, section 2.1: ignored tokens, names,
punctuators, strings and block strings) and the nesting of braces and parentheses, not a
parser: a definition starts at the top level, outside every brace and parenthesis.

Standard library only: it is imported with the connector's models.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast

__all__ = ["DocumentError", "OperationDefinition", "OperationType", "operations", "select"]

OperationType = Literal["query", "mutation", "subscription"]

_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")
_OPERATION_KEYWORDS: frozenset[str] = frozenset({"query", "mutation", "subscription"})
# Keywords of type system definitions and extensions (section 3): a schema, not a request.
_TYPE_SYSTEM_KEYWORDS = frozenset(
    {"schema", "scalar", "type", "interface", "union", "enum", "input", "directive", "extend"}
)
_SOURCE_CHARACTERS = 60


class DocumentError(ValueError):
    """The document cannot be a request: the message says why, never quoting it whole."""


@dataclass(frozen=True, slots=True)
class OperationDefinition:
    """One operation of a document: its type and its name (``None``: anonymous)."""

    type: OperationType
    name: str | None

    def describe(self) -> str:
        """``query Orders``, or ``anonymous query``."""
        return f"{self.type} {self.name}" if self.name else f"anonymous {self.type}"


def _line(source: str, position: int) -> int:
    return source.count("\n", 0, position) + 1


def _skip_string(source: str, start: int) -> int:
    """The position after the string or block string that starts at ``start``."""
    if source.startswith('"""', start):
        position = start + 3
        while True:
            end = source.find('"""', position)
            if end < 0:
                raise DocumentError(
                    f"a block string opened on line {_line(source, start)} never ends"
                )
            # \""" is an escaped triple quote inside a block string.
            if source[end - 1] == "\\":
                position = end + 3
                continue
            return end + 3
    position = start + 1
    while position < len(source):
        character = source[position]
        if character == "\\":
            position += 2
            continue
        if character == '"':
            return position + 1
        if character in "\r\n":
            break
        position += 1
    raise DocumentError(f"a string opened on line {_line(source, start)} does not end on its line")


class _Reader:
    """One pass over a document, keeping the nesting and where the top level stands: between
    definitions, in an operation's header (its type, name, variables and directives), in a
    fragment's header, or in a body."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.found: list[OperationDefinition] = []
        self.braces = self.parentheses = 0
        self.state = "between"
        self.kind: OperationType = "query"
        self.name: str | None = None
        self.may_name = False  # the next top-level name is the operation's own
        self.directive = False  # the next top-level name follows "@"

    @property
    def top(self) -> bool:
        return self.braces == 0 and self.parentheses == 0

    def read(self) -> list[OperationDefinition]:
        source, position, length = self.source, 0, len(self.source)
        while position < length:
            character = source[position]
            if character in " \t\r\n,\ufeff":
                position += 1
            elif character == "#":
                end = source.find("\n", position)
                position = length if end < 0 else end + 1
            elif character == '"':
                position = _skip_string(source, position)
            elif (match := _NAME.match(source, position)) is not None:
                if self.top:
                    self._word(match.group(), match.start())
                position = match.end()
            else:
                self._punctuator(character, position)
                position += 1
        if self.braces or self.parentheses:
            raise DocumentError("a '{' or '(' is never closed")
        if self.state != "between":
            raise DocumentError(
                f"the last definition ({self.kind}) has no selection set: '{{ ... }}'"
            )
        if not self.found:
            raise DocumentError("it defines no operation: write a query or a mutation")
        return self.found

    def _word(self, word: str, start: int) -> None:
        """A name at the top level."""
        if self.directive:
            self.directive = False
        elif self.state == "between":
            if word in _OPERATION_KEYWORDS:
                self.state, self.kind, self.name = "header", cast(OperationType, word), None
                self.may_name = True
            elif word == "fragment":
                self.state = "fragment"
            elif word in _TYPE_SYSTEM_KEYWORDS:
                raise DocumentError(
                    f"line {_line(self.source, start)}: '{word}' starts a type system "
                    "definition (a schema), which a request cannot run"
                )
            else:
                raise DocumentError(
                    f"line {_line(self.source, start)}: expected query, mutation, "
                    f"subscription, fragment or '{{', found '{word[:_SOURCE_CHARACTERS]}'"
                )
        elif self.state == "header" and self.may_name:
            self.name, self.may_name = word, False

    def _punctuator(self, character: str, position: int) -> None:
        """Any other character: punctuators count, the rest (numbers, ``$``, ``!``...) not."""
        if character == "@":
            self.directive = self.top  # a directive of a header: its name follows
            self.may_name = False
        elif character == "(":
            self.parentheses += 1
            self.may_name = False
        elif character == ")":
            self.parentheses -= 1
            if self.parentheses < 0:
                raise DocumentError(f"line {_line(self.source, position)}: ')' closes nothing")
        elif character == "{":
            if self.top:
                if self.state == "between":  # the shorthand: { ... } is an anonymous query
                    self.found.append(OperationDefinition("query", None))
                elif self.state == "header":
                    self.found.append(OperationDefinition(self.kind, self.name))
                self.state = "body"
            self.braces += 1
        elif character == "}":
            self.braces -= 1
            if self.braces < 0:
                raise DocumentError(f"line {_line(self.source, position)}: '}}' closes nothing")
            if self.top:
                self.state = "between"


def operations(source: str) -> list[OperationDefinition]:
    """The operations ``source`` defines, in order. Raises :class:`DocumentError` when it
    cannot be a request: nothing to run, a type system definition, unbalanced braces or
    parentheses, a string that never ends."""
    return _Reader(source).read()


def select(
    definitions: list[OperationDefinition], operation_name: str | None
) -> OperationDefinition:
    """The operation a request runs: the one ``operation_name`` names, or the only one.
    Raises :class:`DocumentError` naming what is wrong (the message suits ``operationName``)."""
    if operation_name is None:
        if len(definitions) == 1:
            return definitions[0]
        raise DocumentError(
            f"required: the query defines {len(definitions)} operations "
            f"({_listed(definitions)}); name the one to run"
        )
    for definition in definitions:
        if definition.name == operation_name:
            return definition
    shown = operation_name[:_SOURCE_CHARACTERS]
    raise DocumentError(f"the query defines no operation named '{shown}' ({_listed(definitions)})")


def _listed(definitions: list[OperationDefinition]) -> str:
    return ", ".join(definition.describe() for definition in definitions)
