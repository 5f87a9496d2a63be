"""Hand-written recursive-descent parser for FEEL (DMN 1.5, chapter 10).

Operator precedence, lowest first: textual forms (``if``, ``for``, ``some``,
``every``, ``function``), ``or``, ``and``, comparisons together with
``between``/``in``/``instance of``, ``+``/``-``, ``*``/``/``, ``**`` (left
associative), unary minus, then postfix path/filter/invocation.

Names may contain spaces (``Monthly Salary``) and, when they are known to
be in scope, keywords and operator characters (``date and time``, ``foo+bar``).
The parser tracks the names it knows (built-ins, names given by the caller,
context entries, parameters, iteration variables) and matches those against
the source text first; unknown multi-word names are joined word by word until
a keyword that cannot be part of a name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache

from . import _ast as ast
from ._errors import FeelSyntaxError
from ._lexer import EOF, NAME, NUMBER, OP, STRING, TEMPORAL, Token, is_name_part, tokenize
from ._registry import MULTI_WORD_NAMES

__all__ = ["Parser", "parse_expression", "parse_unary_tests"]

# Words that end a multi-word name because they continue the enclosing syntax.
_NAME_STOPPERS = frozenset(
    {"and", "or", "in", "return", "then", "else", "satisfies", "instance", "between"}
)
_COMPARATORS = frozenset({"=", "!=", "<", "<=", ">", ">="})
_RESERVED_START = _NAME_STOPPERS | {"of"}
_TYPE_NAMES = (
    "date and time",
    "days and time duration",
    "years and months duration",
    "day-time-duration",
    "year-month-duration",
    "dayTimeDuration",
    "yearMonthDuration",
)
_MAX_DEPTH = 200


@lru_cache(maxsize=4096)
def _name_regex(name: str) -> re.Pattern[str]:
    words = name.split()
    body = r"\s+".join(re.escape(w) for w in words)
    if name and is_name_part(name[-1]):
        body += r"(?![\w?'])"
    return re.compile(body)


def _is_complex(name: str) -> bool:
    """True if a name cannot be lexed as a single word token."""
    return not name or not all(is_name_part(c) for c in name) or not name[0].isalpha()


class Parser:
    """Parses one expression; create a new parser per expression."""

    def __init__(self, text: str, known_names: Iterable[str] = ()) -> None:
        self.text = text
        self.tokens: list[Token] = tokenize(text)
        self.i = 0
        self.depth = 0
        # Set while parsing a range's upper bound, where `[` closes the range.
        self.no_filter = False
        self.scopes: list[set[str]] = [{n for n in known_names if _is_complex(n)}]

    # -- token helpers -------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, ahead: int = 1) -> Token:
        j = min(self.i + ahead, len(self.tokens) - 1)
        return self.tokens[j]

    def advance(self) -> Token:
        t = self.tokens[self.i]
        if t.kind != EOF:
            self.i += 1
        return t

    def at_op(self, value: str) -> bool:
        t = self.tokens[self.i]
        return t.kind == OP and t.value == value

    def at_word(self, value: str) -> bool:
        t = self.tokens[self.i]
        return t.kind == NAME and t.value == value

    def error(self, message: str, token: Token | None = None) -> FeelSyntaxError:
        t = token or self.tok
        found = "end of expression" if t.kind == EOF else repr(self.text[t.start : t.end])
        return FeelSyntaxError(f"{message}, found {found}", self.text, t.start)

    def expect_op(self, value: str, what: str | None = None) -> Token:
        if not self.at_op(value):
            raise self.error(f"expected {what or repr(value)}")
        return self.advance()

    def expect_word(self, value: str) -> Token:
        if not self.at_word(value):
            raise self.error(f"expected '{value}'")
        return self.advance()

    # -- names ---------------------------------------------------------
    def _candidates(self, first: str) -> list[str]:
        out = list(MULTI_WORD_NAMES.get(first, ()))
        for scope in self.scopes:
            out.extend(n for n in scope if n.startswith(first))
        return out

    def _match_known(self, candidates: Iterable[str]) -> str | None:
        """Longest candidate name matching the source at the current token."""
        start = self.tok.start
        best: tuple[int, str] | None = None
        for name in candidates:
            m = _name_regex(name).match(self.text, start)
            if m is None:
                continue
            end = m.end()
            # The match must end on a token boundary.
            j = self.i
            while self.tokens[j].kind != EOF and self.tokens[j].end < end:
                j += 1
            if self.tokens[j].end != end:
                continue
            if best is None or end > best[0]:
                best = (end, name)
        if best is None:
            return None
        end, name = best
        while self.tok.kind != EOF and self.tok.end <= end:
            self.advance()
        return name

    def parse_name(self, what: str = "a name") -> str:
        t = self.tok
        if t.kind != NAME:
            raise self.error(f"expected {what}")
        known = self._match_known(self._candidates(t.value))
        if known is not None:
            return known
        if t.value in _RESERVED_START:
            raise self.error(f"expected {what}")
        words = [self.advance().value]
        while self.tok.kind == NAME and self.tok.value not in _NAME_STOPPERS:
            words.append(self.advance().value)
        return " ".join(words)

    def declare(self, name: str) -> None:
        if _is_complex(name):
            self.scopes[-1].add(name)

    # -- entry points --------------------------------------------------
    def parse_all(self) -> ast.Node:
        if self.tok.kind == EOF:
            raise self.error("expected an expression")
        node = self.expression()
        if self.tok.kind != EOF:
            raise self.error("unexpected input after the expression")
        return node

    def parse_all_unary_tests(self) -> ast.UnaryTests:
        if self.tok.kind == EOF:
            raise self.error("expected unary tests")
        tests = self.unary_tests()
        if self.tok.kind != EOF:
            raise self.error("unexpected input after the unary tests")
        return tests

    # -- grammar -------------------------------------------------------
    def expression(self) -> ast.Node:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise self.error("expression is nested too deeply")
        try:
            t = self.tok
            if t.kind == NAME:
                word = t.value
                if word == "if" and not self._is_call_start():
                    return self.if_expr()
                if word == "for" and not self._is_call_start():
                    return self.for_expr()
                if word in ("some", "every") and not self._is_call_start():
                    return self.quantified()
            return self.disjunction()
        finally:
            self.depth -= 1

    def _is_call_start(self) -> bool:
        # `if(...)`-style use of a keyword as a function name is not FEEL; this
        # hook keeps the check in one place should an extension need it.
        return False

    def if_expr(self) -> ast.Node:
        pos = self.advance().start
        cond = self.expression()
        self.expect_word("then")
        then = self.expression()
        self.expect_word("else")
        otherwise = self.expression()
        return ast.If(pos, cond, then, otherwise)

    def _iterators(self) -> list[ast.Iterator]:
        iterators: list[ast.Iterator] = []
        while True:
            name = self.parse_name("an iteration variable")
            self.expect_word("in")
            source = self.expression()
            until = None
            if self.at_op(".."):
                self.advance()
                until = self.expression()
            iterators.append(ast.Iterator(name, source, until))
            self.declare(name)
            if not self.at_op(","):
                return iterators
            self.advance()

    def for_expr(self) -> ast.Node:
        pos = self.advance().start
        self.scopes.append({"partial"})
        try:
            iterators = self._iterators()
            self.expect_word("return")
            body = self.expression()
        finally:
            self.scopes.pop()
        return ast.For(pos, iterators, body)

    def quantified(self) -> ast.Node:
        t = self.advance()
        self.scopes.append(set())
        try:
            iterators = self._iterators()
            self.expect_word("satisfies")
            cond = self.expression()
        finally:
            self.scopes.pop()
        return ast.Quantified(t.start, t.value == "every", iterators, cond)

    def disjunction(self) -> ast.Node:
        left = self.conjunction()
        while self.at_word("or"):
            pos = self.advance().start
            left = ast.Or(pos, left, self.conjunction())
        return left

    def conjunction(self) -> ast.Node:
        left = self.comparison()
        while self.at_word("and"):
            pos = self.advance().start
            left = ast.And(pos, left, self.comparison())
        return left

    def comparison(self) -> ast.Node:
        left = self.additive()
        while True:
            t = self.tok
            if t.kind == OP and t.value in _COMPARATORS:
                self.advance()
                left = ast.Comparison(t.start, t.value, left, self.additive())
            elif t.kind == NAME and t.value == "between":
                self.advance()
                low = self.additive()
                self.expect_word("and")
                high = self.additive()
                left = ast.Between(t.start, left, low, high)
            elif t.kind == NAME and t.value == "in":
                self.advance()
                left = ast.In(t.start, left, self._in_tests())
            elif t.kind == NAME and t.value == "instance":
                self.advance()
                self.expect_word("of")
                left = ast.InstanceOf(t.start, left, self.type_spec())
            else:
                return left

    def _in_tests(self) -> ast.UnaryTests:
        pos = self.tok.start
        if self.at_op("("):
            save = self.i
            self.advance()
            try:
                tests = [self.positive_unary_test()]
                while self.at_op(","):
                    self.advance()
                    tests.append(self.positive_unary_test())
                self.expect_op(")")
                # A parenthesised single test may still be followed by postfix
                # syntax, e.g. `x in (a).b`; then it was an expression.
                if self.tok.kind == OP and self.tok.value in (".", "[", "("):
                    raise self.error("reparse")
                return ast.UnaryTests(pos, tests)
            except FeelSyntaxError:
                self.i = save
        return ast.UnaryTests(pos, [self.positive_unary_test()])

    def positive_unary_test(self) -> ast.UnaryTest:
        t = self.tok
        if t.kind == OP and t.value in _COMPARATORS:
            self.advance()
            return ast.UnaryTest(t.start, t.value, self.additive())
        return ast.UnaryTest(t.start, None, self.additive())

    def unary_tests(self) -> ast.UnaryTests:
        t = self.tok
        if t.kind == OP and t.value == "-" and self.peek().kind == EOF:
            self.advance()
            return ast.UnaryTests(t.start, [ast.UnaryTest(t.start, "-", None)])
        nxt = self.peek()
        if t.kind == NAME and t.value == "not" and nxt.kind == OP and nxt.value == "(":
            save = self.i
            self.advance()
            self.advance()
            try:
                inner = self._positive_tests()
                self.expect_op(")")
                if self.tok.kind == EOF:
                    return ast.UnaryTests(t.start, inner, negated=True)
            except FeelSyntaxError:
                pass
            self.i = save
        return ast.UnaryTests(t.start, self._positive_tests())

    def _positive_tests(self) -> list[ast.UnaryTest]:
        tests = [self._unary_test_expr()]
        while self.at_op(","):
            self.advance()
            tests.append(self._unary_test_expr())
        return tests

    def _unary_test_expr(self) -> ast.UnaryTest:
        t = self.tok
        if t.kind == OP and t.value in _COMPARATORS:
            self.advance()
            return ast.UnaryTest(t.start, t.value, self.additive())
        return ast.UnaryTest(t.start, None, self.expression())

    def additive(self) -> ast.Node:
        left = self.multiplicative()
        while self.tok.kind == OP and self.tok.value in ("+", "-"):
            t = self.advance()
            left = ast.Arithmetic(t.start, t.value, left, self.multiplicative())
        return left

    def multiplicative(self) -> ast.Node:
        left = self.power()
        while self.tok.kind == OP and self.tok.value in ("*", "/"):
            t = self.advance()
            left = ast.Arithmetic(t.start, t.value, left, self.power())
        return left

    def power(self) -> ast.Node:
        left = self.unary()
        while self.at_op("**"):
            t = self.advance()
            left = ast.Arithmetic(t.start, "**", left, self.unary())
        return left

    def unary(self) -> ast.Node:
        if self.at_op("-"):
            t = self.advance()
            self.depth += 1
            if self.depth > _MAX_DEPTH:
                raise self.error("expression is nested too deeply")
            try:
                operand = self.unary()
            finally:
                self.depth -= 1
            if isinstance(operand, ast.Literal) and isinstance(operand.value, Decimal):
                return ast.Literal(t.start, -operand.value)
            return ast.Negation(t.start, operand)
        return self.postfix()

    def postfix(self) -> ast.Node:
        node = self.primary()
        while True:
            t = self.tok
            if t.kind != OP:
                return node
            if t.value == ".":
                self.advance()
                node = ast.Path(t.start, node, self.parse_name("a property name after '.'"))
            elif t.value == "[" and not self.no_filter:
                self.advance()
                cond = self.expression()
                self.expect_op("]", "']' to close the filter")
                node = ast.Filter(t.start, node, cond)
            elif t.value == "(":
                self.advance()
                node = self.arguments(node, t.start)
            else:
                return node

    def _named_arg_ahead(self) -> bool:
        j = self.i
        if self.tokens[j].kind != NAME:
            return False
        while self.tokens[j].kind == NAME:
            j += 1
        return self.tokens[j].kind == OP and self.tokens[j].value == ":"

    def arguments(self, function: ast.Node, pos: int) -> ast.Node:
        args: list[ast.Node] = []
        named: list[tuple[str, ast.Node]] | None = None
        if self.at_op(")"):
            self.advance()
            return ast.Call(pos, function, args)
        if self._named_arg_ahead():
            named = []
            while True:
                start = self.tok
                while self.tok.kind == NAME:
                    self.advance()
                name = " ".join(self.text[start.start : self.tokens[self.i - 1].end].split())
                self.expect_op(":")
                named.append((name, self.expression()))
                if self.at_op(","):
                    self.advance()
                    if not self._named_arg_ahead():
                        raise self.error("expected a named argument")
                    continue
                break
        else:
            while True:
                args.append(self.expression())
                if self.at_op(","):
                    self.advance()
                    continue
                break
        self.expect_op(")", "',' or ')' in the argument list")
        return ast.Call(pos, function, args, named)

    def primary(self) -> ast.Node:
        t = self.tok
        kind = t.kind
        if kind == NUMBER:
            self.advance()
            return ast.Literal(t.start, Decimal(t.value))
        if kind == STRING:
            self.advance()
            return ast.Literal(t.start, t.value)
        if kind == TEMPORAL:
            self.advance()
            return ast.Call(t.start, ast.Name(t.start, "@"), [ast.Literal(t.start, t.value)])
        if kind == OP:
            v = t.value
            if v == "(":
                return self.paren()
            if v == "[":
                return self.bracket()
            if v == "]":
                self.advance()
                return self._range_rest(t.start, False)
            if v == "{":
                return self.context()
            raise self.error("expected an expression")
        if kind == NAME:
            word = t.value
            if word in ("true", "false"):
                self.advance()
                return ast.Literal(t.start, word == "true")
            if word == "null":
                self.advance()
                return ast.Literal(t.start, None)
            if word == "function":
                return self.function_def()
            if word in ("if", "for", "some", "every"):
                return self.expression()
            if word in ("and", "or") and self.peek().kind == OP and self.peek().value == "(":
                # feel-scala's list functions `and(list)` and `or(list)`: where
                # an operand is expected, the operator words can only be these.
                self.advance()
                return ast.Name(t.start, word)
            return ast.Name(t.start, self.parse_name())
        raise self.error("expected an expression")

    def paren(self) -> ast.Node:
        start = self.advance()
        t = self.tok
        if t.kind == OP and t.value in _COMPARATORS:
            # `(< 10)` is a range literal built from a unary comparison.
            self.advance()
            endpoint = self.additive()
            self.expect_op(")")
            return ast.Call(
                start.start,
                ast.Name(start.start, "@range"),
                [ast.Literal(t.start, t.value), endpoint],
            )
        inner = self.expression()
        if self.at_op(".."):
            self.advance()
            return self._range_end(start.start, False, inner)
        self.expect_op(")", "')'")
        return inner

    def _range_rest(self, pos: int, start_included: bool) -> ast.Node:
        low = self.expression()
        self.expect_op("..", "'..' in the range")
        return self._range_end(pos, start_included, low)

    def _range_end(self, pos: int, start_included: bool, low: ast.Node) -> ast.Node:
        save = self.i
        try:
            high = self.expression()
            ok = self.tok.kind == OP and self.tok.value in ("]", ")", "[")
        except FeelSyntaxError:
            ok = False
        if not ok:
            self.i = save
            outer = self.no_filter
            self.no_filter = True
            try:
                high = self.expression()
            finally:
                self.no_filter = outer
        t = self.tok
        if t.kind == OP and t.value == "]":
            self.advance()
            return ast.RangeExpr(pos, start_included, low, high, True)
        if t.kind == OP and t.value in (")", "["):
            self.advance()
            return ast.RangeExpr(pos, start_included, low, high, False)
        raise self.error("expected ']', ')' or '[' to close the range")

    def bracket(self) -> ast.Node:
        outer = self.no_filter
        self.no_filter = False
        try:
            return self._bracket()
        finally:
            self.no_filter = outer

    def _bracket(self) -> ast.Node:
        start = self.advance()
        if self.at_op("]"):
            self.advance()
            return ast.ListExpr(start.start, [])
        first = self.expression()
        if self.at_op(".."):
            self.advance()
            return self._range_end(start.start, True, first)
        items = [first]
        while self.at_op(","):
            self.advance()
            items.append(self.expression())
        self.expect_op("]", "',' or ']' in the list")
        return ast.ListExpr(start.start, items)

    def _context_key(self) -> str:
        t = self.tok
        if t.kind == STRING:
            self.advance()
            return t.value
        if t.kind != NAME:
            raise self.error("expected a context entry name")
        # A key is any run of name words and name symbols up to ':'; it is
        # taken verbatim (with whitespace normalised) so `foo+bar` works.
        first = t
        last = t
        while self.tok.kind == NAME or (
            self.tok.kind == OP and self.tok.value in ("+", "-", "*", "/", ".")
        ):
            last = self.advance()
        return " ".join(self.text[first.start : last.end].split())

    def context(self) -> ast.Node:
        start = self.advance()
        entries: list[tuple[str, ast.Node]] = []
        self.scopes.append(set())
        try:
            if self.at_op("}"):
                self.advance()
                return ast.ContextExpr(start.start, entries)
            while True:
                key = self._context_key()
                self.expect_op(":", "':' after the context entry name")
                entries.append((key, self.expression()))
                self.declare(key)
                if self.at_op(","):
                    self.advance()
                    continue
                self.expect_op("}", "',' or '}' in the context")
                return ast.ContextExpr(start.start, entries)
        finally:
            self.scopes.pop()

    def function_def(self) -> ast.Node:
        start = self.advance()
        self.expect_op("(", "'(' after 'function'")
        params: list[tuple[str, ast.TypeSpec | None]] = []
        if not self.at_op(")"):
            while True:
                name = self.parse_name("a parameter name")
                ptype = None
                if self.at_op(":"):
                    self.advance()
                    ptype = self.type_spec()
                params.append((name, ptype))
                if self.at_op(","):
                    self.advance()
                    continue
                break
        self.expect_op(")", "',' or ')' in the parameter list")
        external = False
        if self.at_word("external"):
            self.advance()
            external = True
        self.scopes.append(set())
        try:
            for name, _ in params:
                self.declare(name)
            body = self.expression()
        finally:
            self.scopes.pop()
        return ast.FunctionDef(start.start, params, body, external)

    def type_spec(self) -> ast.TypeSpec:
        t = self.tok
        if t.kind != NAME:
            raise self.error("expected a type")
        known = self._match_known(n for n in _TYPE_NAMES if n.startswith(t.value))
        if known is not None:
            return ast.TypeSpec("name", known)
        word = t.value
        if word in ("list", "range") and self.peek().kind == OP and self.peek().value == "<":
            self.advance()
            self.advance()
            inner = self.type_spec()
            self._close_angle()
            return ast.TypeSpec(word, args=[inner])
        if word == "context" and self.peek().kind == OP and self.peek().value == "<":
            self.advance()
            self.advance()
            fields: list[tuple[str, ast.TypeSpec]] = []
            while True:
                fname = self.parse_name("a context type entry name")
                self.expect_op(":")
                fields.append((fname, self.type_spec()))
                if self.at_op(","):
                    self.advance()
                    continue
                break
            self._close_angle()
            return ast.TypeSpec("context", fields=fields)
        if word == "function" and self.peek().kind == OP and self.peek().value == "<":
            self.advance()
            self.advance()
            args: list[ast.TypeSpec] = []
            if not self.at_op(">"):
                while True:
                    args.append(self.type_spec())
                    if self.at_op(","):
                        self.advance()
                        continue
                    break
            self._close_angle()
            self.expect_op("->")
            return ast.TypeSpec("function", args=args, result=self.type_spec())
        words = [self.advance().value]
        while self.tok.kind == NAME and self.tok.value not in _NAME_STOPPERS:
            words.append(self.advance().value)
        # Qualified names such as `feel:number` are not split by the lexer.
        return ast.TypeSpec("name", " ".join(words))

    def _close_angle(self) -> None:
        # `>=`/`>>` never close type arguments in FEEL, so only `>` is accepted.
        self.expect_op(">", "'>' to close the type arguments")


def parse_expression(text: str, known_names: Iterable[str] = ()) -> ast.Node:
    """Parse a FEEL expression into an AST."""
    parser = Parser(text, known_names)
    try:
        return parser.parse_all()
    except RecursionError:
        raise FeelSyntaxError("expression is nested too deeply", text, parser.tok.start) from None


def parse_unary_tests(text: str, known_names: Iterable[str] = ()) -> ast.UnaryTests:
    """Parse FEEL unary tests (the input-entry syntax of decision tables)."""
    parser = Parser(text, known_names)
    try:
        return parser.parse_all_unary_tests()
    except RecursionError:
        raise FeelSyntaxError("expression is nested too deeply", text, parser.tok.start) from None
