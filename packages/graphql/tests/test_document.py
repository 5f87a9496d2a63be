"""The connector's reader of GraphQL documents (``_document.py``), checked against
graphql-core's parser: for every document both read, they must find the same operations,
in the same order; documents that cannot be requests are refused with a reason."""

from __future__ import annotations

import pytest
from graphql import GraphQLSyntaxError, OperationDefinitionNode, parse
from hypothesis import given, settings
from hypothesis import strategies as st

from tasklink.graphql._document import DocumentError, OperationDefinition, operations, select


def reference(source: str) -> list[tuple[str, str | None]]:
    """The operations graphql-core's parser finds."""
    return [
        (node.operation.value, node.name.value if node.name else None)
        for node in parse(source).definitions
        if isinstance(node, OperationDefinitionNode)
    ]


def ours(source: str) -> list[tuple[str, str | None]]:
    return [(d.type, d.name) for d in operations(source)]


DOCUMENTS = [
    "{ hello }",
    "query { hello }",
    "query Orders { orders { id } }",
    "mutation Create($input: OrderInput!) { createOrder(input: $input) { id } }",
    "subscription Updates { orderUpdated { id } }",
    # Several operations, fragments between them.
    "query A { a } fragment F on Order { id } mutation B { b ...F } query C { c }",
    # Default values with braces inside the variable definitions.
    'query Q($o: In = {a: {b: "}"}}, $l: [Int] = [1, 2]) { q(o: $o) }',
    # Directives on the operation and in the body, with arguments.
    "query D @cached(ttl: 60) { d @include(if: true) }",
    "query @dir { anonymous }",
    # Strings, block strings and comments holding braces, quotes and keywords.
    'query S { s(t: "{ mutation X { x } }") }',
    'query B { b(t: """ a block { with " and \\""" inside } """) }',
    "# mutation Hidden { h }\nquery Shown { s } # { not a brace\n",
    'query E { e(t: "escaped \\" quote { brace") }',
    # Commas, BOM and names that look like keywords.
    "\ufeffquery query { query, mutation, subscription, fragment }",
    "query Inline { ... on Query { a } ... @skip(if: false) { b } }",
]


@pytest.mark.parametrize("source", DOCUMENTS)
def test_finds_the_operations_graphql_core_finds(source: str) -> None:
    assert ours(source) == reference(source)


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("", "defines no operation"),
        ("fragment F on Order { id }", "defines no operation"),
        ("# only a comment", "defines no operation"),
        ("query { a ", "never closed"),
        ("query Q($a: In = {b: 1) { a }", "never closed"),
        ("query { a } }", "closes nothing"),
        ("query Q", "has no selection set"),
        ('query { a(t: "no end) }', "does not end on its line"),
        ('query { a(t: """ no end) }', "never ends"),
        ("type Query { a: String }", "type system definition"),
        ("extend type Query { b: String }", "type system definition"),
        ("hello { a }", "expected query, mutation, subscription, fragment"),
    ],
)
def test_refuses_what_cannot_be_a_request(source: str, reason: str) -> None:
    with pytest.raises(DocumentError, match=reason):
        operations(source)


def test_selects_the_named_or_the_only_operation() -> None:
    both = operations("query A { a } mutation B { b }")
    assert select(both, "B") == OperationDefinition("mutation", "B")
    assert select(operations("{ a }"), None) == OperationDefinition("query", None)
    with pytest.raises(DocumentError, match=r"defines 2 operations \(query A, mutation B\)"):
        select(both, None)
    with pytest.raises(DocumentError, match="no operation named 'C'"):
        select(both, "C")
    with pytest.raises(DocumentError, match="no operation named 'A'"):
        select(operations("{ a }"), "A")


# -- generated documents -------------------------------------------------------------------

NAMES = st.from_regex(r"[_A-Za-z][_0-9A-Za-z]{0,8}", fullmatch=True)
# Text that could fool a reader: braces, parentheses, quotes, '#', keywords.
TRICKY = st.text(alphabet='{}()#"$@ qmsf\\\nabc', max_size=12)


@st.composite
def strings(draw: st.DrawFn) -> str:
    text = draw(TRICKY)
    if draw(st.booleans()):
        return '"""' + text.replace('"""', '\\"""') + '"""'
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


@st.composite
def values(draw: st.DrawFn, depth: int = 0) -> str:
    choice = draw(st.integers(0, 4 if depth < 2 else 2))
    if choice == 0:
        return draw(strings())
    if choice == 1:
        return str(draw(st.integers(-5, 5)))
    if choice == 2:
        return "$" + draw(NAMES)
    if choice == 3:
        return "[" + ", ".join(draw(st.lists(values(depth + 1), max_size=2))) + "]"
    entries = draw(st.lists(st.tuples(NAMES, values(depth + 1)), max_size=2))
    return "{" + ", ".join(f"{k}: {v}" for k, v in entries) + "}"


@st.composite
def selections(draw: st.DrawFn, depth: int = 0) -> str:
    fields = []
    for name in draw(st.lists(NAMES, min_size=1, max_size=3)):
        text = name
        if draw(st.booleans()):
            text += f"(arg: {draw(values())})"
        if draw(st.booleans()):
            text += f" @d(if: {draw(values())})"
        if depth < 2 and draw(st.booleans()):
            text += " " + draw(selections(depth + 1))
        if draw(st.booleans()):
            text += " # } { " + draw(TRICKY).replace("\n", " ") + "\n"
        fields.append(text)
    return "{ " + " ".join(fields) + " }"


@st.composite
def definitions(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 5)) == 0:
        return f"fragment {draw(NAMES)} on T {draw(selections())}"
    kind = draw(st.sampled_from(["query", "mutation", "subscription"]))
    header = kind
    if draw(st.booleans()):
        header += " " + draw(NAMES)
    if draw(st.booleans()):
        header += f"($v: In = {draw(values())})"
    if draw(st.booleans()):
        header += f" @dir(a: {draw(values())})"
    return f"{header} {draw(selections())}"


@settings(max_examples=300, deadline=None)
@given(st.lists(definitions(), min_size=1, max_size=4), st.sampled_from([" ", "\n", ",", "\t"]))
def test_generated_documents_read_as_graphql_core_reads_them(
    parts: list[str], separator: str
) -> None:
    source = separator.join(parts)
    try:
        expected = reference(source)
    except GraphQLSyntaxError:  # the generator made something graphql-core refuses
        return
    if not expected:
        with pytest.raises(DocumentError):
            operations(source)
    else:
        assert ours(source) == expected
