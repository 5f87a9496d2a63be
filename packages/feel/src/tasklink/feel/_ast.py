"""Abstract syntax tree of FEEL expressions (produced by the parser, consumed
by the compiler). Every node records the source offset it starts at so
evaluation warnings can point back into the expression.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Node:
    """Base class of all nodes."""

    pos: int


@dataclass(slots=True)
class Literal(Node):
    value: Any


@dataclass(slots=True)
class Name(Node):
    name: str


@dataclass(slots=True)
class Path(Node):
    target: Node
    name: str


@dataclass(slots=True)
class Filter(Node):
    target: Node
    condition: Node


@dataclass(slots=True)
class Call(Node):
    function: Node
    args: list[Node]
    named: list[tuple[str, Node]] | None = None


@dataclass(slots=True)
class Negation(Node):
    operand: Node


@dataclass(slots=True)
class Arithmetic(Node):
    op: str
    left: Node
    right: Node


@dataclass(slots=True)
class Comparison(Node):
    op: str
    left: Node
    right: Node


@dataclass(slots=True)
class And(Node):
    left: Node
    right: Node


@dataclass(slots=True)
class Or(Node):
    left: Node
    right: Node


@dataclass(slots=True)
class Between(Node):
    value: Node
    low: Node
    high: Node


@dataclass(slots=True)
class UnaryTest(Node):
    """One positive unary test: ``op`` is a comparison operator, or ``None``
    for a plain expression (which matches by equality, list membership or
    range inclusion), or ``"-"`` for the any-match dash."""

    op: str | None
    operand: Node | None


@dataclass(slots=True)
class UnaryTests(Node):
    """A list of unary tests, optionally negated (``not(...)``)."""

    tests: list[UnaryTest]
    negated: bool = False


@dataclass(slots=True)
class In(Node):
    value: Node
    tests: UnaryTests


@dataclass(slots=True)
class TypeSpec:
    """A FEEL type as written after ``instance of`` or in a parameter."""

    kind: str  # "name", "list", "context", "range", "function"
    name: str = ""
    args: list[TypeSpec] = field(default_factory=list)
    fields: list[tuple[str, TypeSpec]] = field(default_factory=list)
    result: TypeSpec | None = None


@dataclass(slots=True)
class InstanceOf(Node):
    value: Node
    type: TypeSpec


@dataclass(slots=True)
class If(Node):
    condition: Node
    then: Node
    otherwise: Node


@dataclass(slots=True)
class Iterator:
    name: str
    source: Node
    # For `for i in 1..3` the upper bound of the integer range.
    until: Node | None = None


@dataclass(slots=True)
class For(Node):
    iterators: list[Iterator]
    body: Node


@dataclass(slots=True)
class Quantified(Node):
    every: bool
    iterators: list[Iterator]
    condition: Node


@dataclass(slots=True)
class ListExpr(Node):
    items: list[Node]


@dataclass(slots=True)
class ContextExpr(Node):
    entries: list[tuple[str, Node]]


@dataclass(slots=True)
class FunctionDef(Node):
    params: list[tuple[str, TypeSpec | None]]
    body: Node
    external: bool = False


@dataclass(slots=True)
class RangeExpr(Node):
    start_included: bool
    start: Node | None
    end: Node | None
    end_included: bool
