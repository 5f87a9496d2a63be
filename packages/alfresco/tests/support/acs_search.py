"""Search over the fake repository: the parts of Alfresco Full Text Search (AFTS) and of
CMIS-SQL that a connector sends, evaluated directly against the nodes (no index, so every
change is visible at once; a real repository's index lags a little).

AFTS: terms ``value``, ``field:value``, ``=field:value`` (exact), ``field:"a phrase"``,
``*``/``?`` wildcards, ranges ``field:[a TO b]`` (``MIN``/``MAX``/``NOW``), AND / OR / NOT,
``+``/``-``, parentheses. Fields: ``cm:name`` (or ``name``), any ``prefix:property``
(``cm:title``, ``@cm:title``), ``TYPE``, ``EXACTTYPE``, ``ASPECT``, ``EXACTASPECT``,
``PATH`` (QName paths with ``*`` and ``//``), ``ID``, ``PARENT``, ``TAG``, ``TEXT`` (name,
title, description and small text content), ``ISNULL``/``ISNOTNULL``/``ISUNSET``,
``creator``/``modifier``/``created``/``modified``/``content``.

CMIS: ``SELECT * FROM cmis:document | cmis:folder | D:type | F:type [AS a] [WHERE ...]
[ORDER BY ...]`` with ``=  <> < <= > >=``, ``[NOT] LIKE``, ``[NOT] IN (...)``,
``IS [NOT] NULL``, ``CONTAINS('afts')``, ``IN_FOLDER('id')``, ``IN_TREE('id')``, AND / OR /
NOT. Anything else is refused with 400 naming the construct, so a test learns of the gap.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .acs_model import AcsError, Node, Repository, timestamp

__all__ = ["Matcher", "afts", "cmis", "field_values", "sort_key"]

Matcher = Callable[[Node], bool]
_TEXT_LIMIT = 1024 * 1024
_SPECIAL = (
    "TYPE", "EXACTTYPE", "ASPECT", "EXACTASPECT", "PATH", "ID", "PARENT", "TAG", "TEXT",
    "ISNULL", "ISNOTNULL", "ISUNSET", "SITE",
)  # fmt: skip
_ALIASES = {
    "name": "cm:name",
    "title": "cm:title",
    "description": "cm:description",
    "creator": "cm:creator",
    "modifier": "cm:modifier",
    "created": "cm:created",
    "modified": "cm:modified",
    "content": "cm:content",
    "author": "cm:author",
    "keywords": "TEXT",
}


def _refuse(message: str) -> AcsError:
    return AcsError(400, f"Query failed: {message}", key="framework.exception.InvalidQuery")


def _strip_ref(value: str) -> str:
    return value.rsplit("/", 1)[-1].split(";", 1)[0]


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[^\w]+", text.lower()) if t]


def _wildcard(pattern: str, *, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    out = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(out, flags | re.DOTALL)


def _text_of(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [t for v in value for t in _text_of(v)]
    if isinstance(value, dict):
        return [str(value.get("id", value))]
    if isinstance(value, bool):
        return ["true" if value else "false"]
    return [str(value)]


def field_values(repo: Repository, node: Node, name: str) -> list[str]:
    """The values of a property as search sees them (text)."""
    if name == "cm:name":
        return [node.name]
    if name == "cm:creator":
        return [node.created_by]
    if name == "cm:modifier":
        return [node.modified_by]
    if name == "cm:created":
        return [timestamp(node.created_at)]
    if name == "cm:modified":
        return [timestamp(node.modified_at)]
    if name == "cm:content":
        return [_content_text(node)]
    if name == "cm:content.mimetype":
        return [node.mime_type] if node.is_file else []
    if name == "cm:content.size":
        return [str(node.blob.size)] if node.is_file and node.blob else []
    return _text_of(node.properties.get(name))


def _content_text(node: Node) -> str:
    blob = node.blob
    textual = node.mime_type.startswith("text/") or node.mime_type.endswith(("json", "xml"))
    if not node.is_file or blob is None or not textual or blob.size > _TEXT_LIMIT:
        return ""
    return blob.read().decode("utf-8", "replace")


def _text_match(values: list[str], pattern: str, *, exact: bool) -> bool:
    if exact:
        regex = _wildcard(pattern, flags=0)
        return any(regex.fullmatch(v) for v in values)
    words = pattern.split()
    if len(words) > 1:  # a phrase: consecutive tokens
        regexes = [_wildcard(w.lower()) for w in _tokens(pattern)]
        for value in values:
            toks = _tokens(value)
            for start in range(len(toks) - len(regexes) + 1):
                if all(r.fullmatch(toks[start + i]) for i, r in enumerate(regexes)):
                    return True
        return False
    regex = _wildcard(pattern)
    return any(regex.fullmatch(v) or any(regex.fullmatch(t) for t in _tokens(v)) for v in values)


def _path_match(repo: Repository, node: Node, pattern: str) -> bool:
    path = [n.qname for n in [*repo.ancestors(node), node]]
    steps: list[tuple[bool, str]] = []  # (any depth before it, step)
    deep = False
    for part in pattern.split("/")[1:] if pattern.startswith("/") else pattern.split("/"):
        if part == "":
            deep = True
            continue
        steps.append((deep, part))
        deep = False

    def step_ok(step: str, qname: str) -> bool:
        if step == "*":
            return True
        prefix, _, local = step.partition(":")
        q_prefix, _, q_local = qname.partition(":")
        if local == "*":
            return prefix == q_prefix
        return prefix == q_prefix and local.lower() == q_local.lower()

    def walk(si: int, pi: int) -> bool:
        if si == len(steps):
            return pi == len(path)
        deep_step, step = steps[si]
        if pi >= len(path):
            return False
        if deep_step:
            return any(step_ok(step, path[k]) and walk(si + 1, k + 1) for k in range(pi, len(path)))
        return step_ok(step, path[pi]) and walk(si + 1, pi + 1)

    return walk(0, 0)


def _parent_ids(node: Node) -> set[str]:
    return {p for p in (node.parent_id, *node.secondary_parents) if p}


# --------------------------------------------------------------------------- AFTS


class _Afts:
    _TOKEN = re.compile(r'\s*(\(|\)|"(?:[^"\\]|\\.)*"|[^\s()]+)')

    def __init__(self, repo: Repository, text: str) -> None:
        self.repo = repo
        self.tokens = self._lex(text)
        self.pos = 0

    def _lex(self, text: str) -> list[str]:
        out: list[str] = []
        pos = 0
        while pos < len(text):
            if text[pos].isspace():
                pos += 1
                continue
            if text[pos] in "()":
                out.append(text[pos])
                pos += 1
                continue
            start = pos
            depth_quote = False
            while pos < len(text):
                char = text[pos]
                if char == "\\":
                    pos += 2
                    continue
                if char == '"':
                    depth_quote = not depth_quote
                elif not depth_quote and (char.isspace() or char in "()"):
                    break
                elif not depth_quote and char in "[<" and pos > start:
                    end = text.find("]", pos)
                    end = text.find(">", pos) if end < 0 else end
                    if end < 0:
                        raise _refuse(f"unclosed range in {text!r}")
                    pos = end + 1
                    break
                pos += 1
            if depth_quote:
                raise _refuse(f"unclosed quote in {text!r}")
            out.append(text[start:pos])
        return out

    def parse(self) -> Matcher:
        if not self.tokens:
            raise _refuse("the query is empty")
        matcher = self._or()
        if self.pos != len(self.tokens):
            raise _refuse(f"unexpected {self.tokens[self.pos]!r}")
        return matcher

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _or(self) -> Matcher:
        parts = [self._and()]
        while self._peek() in ("OR", "||"):
            self.pos += 1
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else (lambda n: any(p(n) for p in parts))

    def _and(self) -> Matcher:
        parts = [self._unary()]
        while (token := self._peek()) is not None and token not in ("OR", "||", ")"):
            if token in ("AND", "&&"):
                self.pos += 1
            parts.append(self._unary())
        return parts[0] if len(parts) == 1 else (lambda n: all(p(n) for p in parts))

    def _unary(self) -> Matcher:
        token = self._peek()
        if token is None:
            raise _refuse("the query ends early")
        if token in ("NOT", "!"):
            self.pos += 1
            inner = self._unary()
            return lambda n: not inner(n)
        if token == ")":
            raise _refuse("unexpected ')'")
        if token == "(":
            self.pos += 1
            inner = self._or()
            if self._peek() != ")":
                raise _refuse("missing ')'")
            self.pos += 1
            return inner
        self.pos += 1
        if token.startswith("-") and len(token) > 1:
            inner = self._term(token[1:])
            return lambda n: not inner(n)
        if token.startswith("+") and len(token) > 1:
            token = token[1:]
        if token.endswith(":") and self._peek() == "(":
            raise _refuse(f"field groups like {token}(...) are not supported by the fake")
        return self._term(token)

    def _term(self, raw: str) -> Matcher:
        exact = raw.startswith("=")
        if exact:
            raw = raw[1:]
        raw = raw.lstrip("@").replace("\\:", ":")
        field, value = "TEXT", raw
        special = re.match(r"^([A-Z]+):(.*)$", raw)
        prop = re.match(r"^([A-Za-z][\w-]*:[\w.-]+):(.*)$", raw)
        alias = re.match(r"^([a-z]\w*):(.*)$", raw)
        if special and special.group(1) in _SPECIAL:
            field, value = special.group(1), special.group(2)
        elif prop:
            field, value = prop.group(1), prop.group(2)
        elif alias and alias.group(1) in _ALIASES:
            field, value = _ALIASES[alias.group(1)], alias.group(2)
        elif special or alias:
            raise _refuse(f"unknown field in {raw!r}")
        if value.startswith(("[", "<")):
            return self._range(field, value)
        if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        if value == "":
            raise _refuse(f"no value in {raw!r}")
        return self._field(field, value, exact)

    def _field(self, field: str, value: str, exact: bool) -> Matcher:
        repo = self.repo
        if field in ("TYPE", "EXACTTYPE"):
            if field == "EXACTTYPE":
                return lambda n: n.node_type == value
            return lambda n: repo.is_subtype(n.node_type, value)
        if field in ("ASPECT", "EXACTASPECT"):
            return lambda n: value in n.aspects
        if field == "PATH":
            return lambda n: _path_match(repo, n, value)
        if field == "ID":
            wanted = _strip_ref(value)
            return lambda n: n.id == wanted
        if field == "PARENT":
            wanted = _strip_ref(value)
            return lambda n: wanted in _parent_ids(n)
        if field == "TAG":
            return lambda n: any(repo.tags[t] == value.lower() for t in n.tags)
        if field in ("ISNULL", "ISUNSET"):
            return lambda n: not field_values(repo, n, value)
        if field == "ISNOTNULL":
            return lambda n: bool(field_values(repo, n, value))
        if field == "SITE":
            raise _refuse("SITE is not supported by the fake")
        if field == "TEXT":
            names = ("cm:name", "cm:title", "cm:description", "cm:content")
            return lambda n: any(
                _text_match(field_values(repo, n, f), value, exact=exact) for f in names
            )
        return lambda n: _text_match(field_values(repo, n, field), value, exact=exact)

    def _range(self, field: str, value: str) -> Matcher:
        match = re.match(r"^([\[<])\s*(\S+)\s+TO\s+(\S+)\s*([\]>])$", value)
        if match is None:
            raise _refuse(f"bad range {value!r}")
        low, high = match.group(2).strip('"'), match.group(3).strip('"')
        now = timestamp(self.repo.now())
        low = "" if low in ("MIN", "*") else now if low == "NOW" else low
        high = "\uffff" if high in ("MAX", "*") else now if high == "NOW" else high
        if re.search(r"NOW[+-]", low + high):
            raise _refuse("date maths (NOW-1DAY) is not supported by the fake")
        low_inclusive, high_inclusive = match.group(1) == "[", match.group(4) == "]"

        def key(text: str) -> tuple[int, float, str]:
            try:
                return (0, float(text), "")
            except ValueError:
                return (1, 0.0, text)

        def inside(text: str) -> bool:
            k = key(text)
            above = k >= key(low) if low_inclusive else k > key(low)
            below = k <= key(high) if high_inclusive else k < key(high)
            return above and below

        repo = self.repo
        return lambda n: any(inside(v) for v in field_values(repo, n, field))


def afts(repo: Repository, query: str) -> Matcher:
    """The nodes an AFTS query selects; :class:`AcsError` 400 on what the fake cannot read."""
    return _Afts(repo, query).parse()


# --------------------------------------------------------------------------- CMIS


class _Cmis:
    _TOKEN = re.compile(
        r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op><>|<=|>=|[=<>(),*])"
        r"|(?P<word>[A-Za-z_][\w:.\-]*))"
    )

    def __init__(self, repo: Repository, text: str) -> None:
        self.repo = repo
        self.text = text
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        stripped = text.strip()
        while pos < len(stripped):
            match = self._TOKEN.match(stripped, pos)
            if match is None or match.end() == pos:
                raise _refuse(f"cannot read CMIS query at {stripped[pos : pos + 20]!r}")
            kind = match.lastgroup or "op"
            self.tokens.append((kind, match.group(kind)))
            pos = match.end()
            while pos < len(stripped) and stripped[pos].isspace():
                pos += 1
        self.pos = 0
        self.order: list[tuple[str, bool]] = []

    def _peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def _next(self) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise _refuse("the CMIS query ends early")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _keyword(self, word: str) -> bool:
        token = self._peek()
        if token is not None and token.upper() == word:
            self.pos += 1
            return True
        return False

    def _expect(self, word: str) -> None:
        if not self._keyword(word):
            raise _refuse(f"expected {word} in CMIS query {self.text!r}")

    def parse(self) -> Matcher:
        self._expect("SELECT")
        while not self._keyword("FROM"):
            self._next()
        _, table = self._next()
        kind = self._table(table)
        if self._keyword("AS") or (
            self._peek() is not None and self._peek().upper() not in ("WHERE", "ORDER", "JOIN")  # type: ignore[union-attr]
        ):
            self._next()
        if self._peek() is not None and self._peek().upper() == "JOIN":  # type: ignore[union-attr]
            raise _refuse("JOIN is not supported by the fake")
        condition: Matcher = lambda n: True  # noqa: E731
        if self._keyword("WHERE"):
            condition = self._or()
        if self._keyword("ORDER"):
            self._expect("BY")
            while True:
                _, column = self._next()
                ascending = not self._keyword("DESC")
                self._keyword("ASC")
                self.order.append((self._column(column), ascending))
                if self._peek() != ",":
                    break
                self.pos += 1
        if self.pos != len(self.tokens):
            raise _refuse(f"unexpected {self._peek()!r} in CMIS query")
        return lambda n: kind(n) and condition(n)

    def _table(self, table: str) -> Matcher:
        repo = self.repo
        if table == "cmis:document":
            return lambda n: repo.is_subtype(n.node_type, "cm:content")
        if table == "cmis:folder":
            return lambda n: repo.is_subtype(n.node_type, "cm:folder")
        if table[:2] in ("D:", "F:"):
            return lambda n: repo.is_subtype(n.node_type, table[2:])
        raise _refuse(f"the fake cannot query the table {table!r}")

    @staticmethod
    def _column(name: str) -> str:
        return name.split(".", 1)[1] if "." in name and not name.startswith("cmis:") else name

    def values(self, node: Node, column: str) -> list[str]:
        repo = self.repo
        mapping: dict[str, Callable[[], list[str]]] = {
            "cmis:name": lambda: [node.name],
            "cmis:objectId": lambda: (
                [node.id] + ([f"{node.id};{node.version_label}"] if node.version_label else [])
            ),
            "cmis:objectTypeId": lambda: [
                ("D:" if node.is_file else "F:") + node.node_type,
                "cmis:document" if node.node_type == "cm:content" else "",
                "cmis:folder" if node.node_type == "cm:folder" else "",
            ],
            "cmis:baseTypeId": lambda: ["cmis:document" if node.is_file else "cmis:folder"],
            "cmis:createdBy": lambda: [node.created_by],
            "cmis:lastModifiedBy": lambda: [node.modified_by],
            "cmis:creationDate": lambda: [timestamp(node.created_at)],
            "cmis:lastModificationDate": lambda: [timestamp(node.modified_at)],
            "cmis:contentStreamMimeType": lambda: [node.mime_type] if node.is_file else [],
            "cmis:contentStreamLength": lambda: (
                [str(node.blob.size)] if node.is_file and node.blob else []
            ),
            "cmis:contentStreamFileName": lambda: [node.name] if node.is_file else [],
            "cmis:parentId": lambda: [node.parent_id] if node.parent_id else [],
            "cmis:versionLabel": lambda: [node.version_label] if node.version_label else [],
            "cmis:description": lambda: _text_of(node.properties.get("cm:description")),
        }
        if column in mapping:
            return [v for v in mapping[column]() if v]
        if column.startswith("cmis:"):
            raise _refuse(f"the fake does not know the column {column!r}")
        return field_values(repo, node, column)

    def _literal(self) -> str:
        kind, value = self._next()
        if kind == "str":
            return value[1:-1].replace("''", "'")
        if kind == "num":
            return value
        if kind == "word" and value.upper() in ("TRUE", "FALSE"):
            return value.lower()
        if kind == "word" and value.upper() == "TIMESTAMP":
            return self._literal()
        raise _refuse(f"expected a literal, got {value!r}")

    def _or(self) -> Matcher:
        parts = [self._and()]
        while self._keyword("OR"):
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else (lambda n: any(p(n) for p in parts))

    def _and(self) -> Matcher:
        parts = [self._not()]
        while self._keyword("AND"):
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else (lambda n: all(p(n) for p in parts))

    def _not(self) -> Matcher:
        if self._keyword("NOT"):
            inner = self._not()
            return lambda n: not inner(n)
        return self._predicate()

    def _arguments(self) -> list[str]:
        if self._next()[1] != "(":
            raise _refuse("expected '('")
        args: list[str] = []
        while True:
            kind, value = self._next()
            if kind == "str":
                args.append(value[1:-1].replace("''", "'"))
            if self._peek() == ",":
                self.pos += 1
                continue
            if self._next()[1] != ")":
                raise _refuse("expected ')'")
            return args

    def _predicate(self) -> Matcher:
        repo = self.repo
        token = self._peek()
        if token == "(":
            self.pos += 1
            inner = self._or()
            if self._next()[1] != ")":
                raise _refuse("missing ')'")
            return inner
        upper = (token or "").upper()
        if upper == "CONTAINS":
            self.pos += 1
            (text,) = self._arguments()[-1:]
            return afts(repo, text)
        if upper in ("IN_FOLDER", "IN_TREE"):
            self.pos += 1
            target = _strip_ref(self._arguments()[-1])
            if upper == "IN_FOLDER":
                return lambda n: target in _parent_ids(n)
            return lambda n: any(a.id == target for a in repo.ancestors(n))
        kind, raw = self._next()
        if kind == "str":  # 'value' = ANY column
            self._expect("=")
            self._expect("ANY")
            column = self._column(self._next()[1])
            literal = raw[1:-1]
            return lambda n: literal in self.values(n, column)
        column = self._column(raw)
        negate = self._keyword("NOT")
        if self._keyword("LIKE"):
            regex = re.compile(
                "".join(
                    ".*" if c == "%" else "." if c == "_" else re.escape(c) for c in self._literal()
                ),
                re.IGNORECASE | re.DOTALL,
            )
            test: Matcher = lambda n: any(regex.fullmatch(v) for v in self.values(n, column))  # noqa: E731
        elif self._keyword("IN"):
            if self._next()[1] != "(":
                raise _refuse("expected '(' after IN")
            options = [self._literal()]
            while self._peek() == ",":
                self.pos += 1
                options.append(self._literal())
            if self._next()[1] != ")":
                raise _refuse("expected ')' after IN (...)")
            test = lambda n: any(v in options for v in self.values(n, column))  # noqa: E731
        elif self._keyword("IS"):
            wants_null = not self._keyword("NOT")
            self._expect("NULL")
            return lambda n: (not self.values(n, column)) == wants_null
        else:
            if negate:
                raise _refuse("NOT must precede LIKE or IN here")
            operator = self._next()[1]
            literal = self._literal()
            compare = {
                "=": lambda a, b: a == b,
                "<>": lambda a, b: a != b,
                "<": lambda a, b: a < b,
                "<=": lambda a, b: a <= b,
                ">": lambda a, b: a > b,
                ">=": lambda a, b: a >= b,
            }.get(operator)
            if compare is None:
                raise _refuse(f"unknown operator {operator!r}")

            def convert(text: str) -> Any:
                try:
                    return float(text)
                except ValueError:
                    return text

            def test_compare(n: Node) -> bool:
                for value in self.values(n, column):
                    left, right = convert(value), convert(literal)
                    if type(left) is type(right) and compare(left, right):
                        return True
                return False

            test = test_compare
        if negate:
            inner = test
            return lambda n: not inner(n)
        return test


def cmis(repo: Repository, query: str) -> tuple[Matcher, list[tuple[str, bool]]]:
    """The matcher of a CMIS-SQL query and its ORDER BY ``[(column, ascending)]``."""
    parser = _Cmis(repo, query)
    matcher = parser.parse()
    return matcher, parser.order


def sort_key(repo: Repository, column: str) -> Callable[[Node], Any]:
    """A sort key for an AFTS sort field or a CMIS column."""
    names = {
        "cmis:name": "cm:name",
        "name": "cm:name",
        "cmis:creationDate": "cm:created",
        "cmis:lastModificationDate": "cm:modified",
        "cmis:contentStreamLength": "cm:content.size",
    }
    field = names.get(column, column)

    def key(node: Node) -> Any:
        values = field_values(repo, node, field)
        if not values:
            return (0, 0.0, "")
        try:
            return (1, float(values[0]), "")
        except ValueError:
            return (2, 0.0, values[0].lower())

    return key
