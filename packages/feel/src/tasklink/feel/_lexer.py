"""Tokenizer for FEEL expressions.

FEEL names may contain spaces and some operator characters, so the lexer
emits simple word tokens and leaves the decision of where a name ends to the
parser, which knows which names are in scope.
"""

from __future__ import annotations

from typing import Final

from ._errors import FeelSyntaxError

__all__ = ["EOF", "NAME", "NUMBER", "OP", "STRING", "TEMPORAL", "Token", "tokenize"]

NAME: Final = "name"
NUMBER: Final = "number"
STRING: Final = "string"
TEMPORAL: Final = "temporal"
OP: Final = "op"
EOF: Final = "eof"

# Only ASCII digits form numbers (str.isdigit() also accepts e.g. superscripts).
_DIGITS: Final = frozenset("0123456789")
_TWO_CHAR_OPS: Final = frozenset({"..", "**", "<=", ">=", "!=", "->"})
_ONE_CHAR_OPS: Final = frozenset("+-*/=<>()[]{},.:!")
# Tokens after which a '.' cannot start a number like `.5` (it is a path dot).
_VALUE_ENDS: Final = frozenset({NAME, NUMBER, STRING, TEMPORAL})
_ESCAPES: Final = {
    '"': '"',
    "'": "'",
    "\\": "\\",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "b": "\b",
    "f": "\f",
}


class Token:
    """One lexical token; ``start``/``end`` are offsets into the source."""

    __slots__ = ("end", "kind", "start", "value")

    def __init__(self, kind: str, value: str, start: int, end: int) -> None:
        self.kind = kind
        self.value = value
        self.start = start
        self.end = end

    def __repr__(self) -> str:
        return f"Token({self.kind}, {self.value!r}, {self.start})"


def is_name_start(ch: str) -> bool:
    """True if ``ch`` may begin a FEEL name."""
    return ch.isalpha() or ch in {"_", "?"}


def is_name_part(ch: str) -> bool:
    """True if ``ch`` may continue a FEEL name word."""
    return ch.isalnum() or ch in {"_", "?", "'"}


def _read_string(text: str, pos: int) -> tuple[str, int]:
    """Read a string literal whose opening quote is at ``pos``."""
    out: list[str] = []
    i = pos + 1
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            return "".join(out), i + 1
        if ch == "\\":
            if i + 1 >= n:
                break
            esc = text[i + 1]
            if esc in _ESCAPES:
                out.append(_ESCAPES[esc])
                i += 2
                continue
            if esc in "uU":
                width = 4 if esc == "u" else 6
                digits = text[i + 2 : i + 2 + width]
                if len(digits) != width or any(c not in "0123456789abcdefABCDEF" for c in digits):
                    raise FeelSyntaxError("invalid unicode escape in string", text, i)
                code = int(digits, 16)
                i += 2 + width
                # A UTF-16 surrogate pair written as two \u escapes is one character.
                if 0xD800 <= code <= 0xDBFF and text.startswith("\\u", i):
                    low_digits = text[i + 2 : i + 6]
                    hexdigits = "0123456789abcdefABCDEF"
                    if len(low_digits) == 4 and all(c in hexdigits for c in low_digits):
                        low = int(low_digits, 16)
                        if 0xDC00 <= low <= 0xDFFF:
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                            i += 6
                if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                    raise FeelSyntaxError("invalid unicode escape in string", text, i - width)
                out.append(chr(code))
                continue
            # Unknown escapes keep the backslash, as other engines do.
            out.append(ch)
            i += 1
            continue
        out.append(ch)
        i += 1
    raise FeelSyntaxError("unterminated string literal", text, pos)


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens; raises :class:`FeelSyntaxError` on bad input."""
    tokens: list[Token] = []
    append = tokens.append
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "/" and i + 1 < n and text[i + 1] == "/":
            nl = text.find("\n", i)
            i = n if nl < 0 else nl + 1
            continue
        if ch == "/" and i + 1 < n and text[i + 1] == "*":
            close = text.find("*/", i + 2)
            if close < 0:
                raise FeelSyntaxError("unterminated comment", text, i)
            i = close + 2
            continue
        start = i
        if ch in _DIGITS or (
            ch == "."
            and i + 1 < n
            and text[i + 1] in _DIGITS
            and (not tokens or tokens[-1].kind not in _VALUE_ENDS)
            and (not tokens or tokens[-1].value not in (")", "]", "}"))
        ):
            while i < n and text[i] in _DIGITS:
                i += 1
            if (i + 1 < n and text[i] == "." and text[i + 1] in _DIGITS) or ch == ".":
                i += 1
                while i < n and text[i] in _DIGITS:
                    i += 1
            # Optional exponent (DMN 1.4+ allows 1.2e3).
            if i < n and text[i] in "eE":
                j = i + 1
                if j < n and text[j] in "+-":
                    j += 1
                if j < n and text[j] in _DIGITS:
                    while j < n and text[j] in _DIGITS:
                        j += 1
                    i = j
            if i < n and is_name_start(text[i]) and text[i] != "?":
                raise FeelSyntaxError("invalid number literal", text, start)
            append(Token(NUMBER, text[start:i], start, i))
            continue
        if ch == '"':
            value, i = _read_string(text, i)
            append(Token(STRING, value, start, i))
            continue
        if ch == "@":
            j = i + 1
            while j < n and text[j].isspace():
                j += 1
            if j < n and text[j] == '"':
                value, i = _read_string(text, j)
                append(Token(TEMPORAL, value, start, i))
                continue
            raise FeelSyntaxError("expected a string after '@'", text, j)
        if is_name_start(ch):
            i += 1
            while i < n and is_name_part(text[i]):
                i += 1
            append(Token(NAME, text[start:i], start, i))
            continue
        two = text[i : i + 2]
        if two in _TWO_CHAR_OPS:
            append(Token(OP, two, start, i + 2))
            i += 2
            continue
        if ch in _ONE_CHAR_OPS:
            append(Token(OP, ch, start, i + 1))
            i += 1
            continue
        raise FeelSyntaxError(f"unexpected character {ch!r}", text, i)
    append(Token(EOF, "", n, n))
    return tokens
