"""Regular expressions of ``matches``, ``replace``, ``split`` and ``extract``, bounded.

FEEL patterns are XPath regular expressions, run with the ``regex`` package
(its VERSION0 syntax is that of the stdlib :mod:`re`, plus ``\\p{...}``
Unicode properties) rather than :mod:`re`, because a backtracking pattern
such as ``^(a|a)*$`` takes time exponential in the input, and ``re`` can
neither stop it nor let other threads run meanwhile. Here every match runs
with ``timeout=`` (the time left until the evaluation's deadline, or
:data:`~tasklink.feel._runtime.DEFAULT_REGEX_TIMEOUT`) and ``concurrent=True``
(the GIL is released while it runs).

``regex`` has a second cost ``re`` lacks: it compiles a counted repetition by
unrolling its minimum count, so ``a{1000000}`` takes seconds and hundreds of
megabytes to compile. Patterns are therefore sized before compiling (see
:func:`unrolled_size`), refused above :data:`MAX_UNROLLED_SIZE` and charged
their size in steps when compiled; compiled patterns are cached.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Final, Protocol

import regex  # type: ignore[import-untyped, unused-ignore]

from .._errors import FeelError, FeelLimitError
from .._runtime import EvalState
from ._core import fail

__all__ = [
    "Match",
    "Pattern",
    "compile_pattern",
    "find_all",
    "match_start",
    "search",
    "split",
    "substitute",
    "unrolled_size",
]


class Match(Protocol):
    """The part of ``regex.Match`` the built-ins use."""

    @property
    def re(self) -> Pattern: ...

    def group(self, index: int, /) -> str | None: ...


class Pattern(Protocol):
    """The part of ``regex.Pattern`` the built-ins use."""

    @property
    def groups(self) -> int: ...

    def search(self, string: str, *, concurrent: bool, timeout: float) -> Match | None: ...

    def match(self, string: str, *, concurrent: bool, timeout: float) -> Match | None: ...

    def sub(
        self, repl: Callable[[Match], str], string: str, *, concurrent: bool, timeout: float
    ) -> str: ...

    def split(self, string: str, *, concurrent: bool, timeout: float) -> list[str | None]: ...

    def finditer(self, string: str, *, concurrent: bool, timeout: float) -> Iterator[Match]: ...


# Above this many unrolled items regex's compile time grows faster than
# linearly (a{100000}: about 0.1 s; a{1000000}: 17 s and 250 MB); no
# realistic XPath pattern comes near it.
MAX_UNROLLED_SIZE: Final = 100_000

_FLAGS: Final = {
    "i": regex.IGNORECASE,
    "s": regex.DOTALL,
    "m": regex.MULTILINE,
    "x": regex.VERBOSE,
}
_COUNTED_REPEAT: Final = re.compile(r"\{(\d+)(?:,\d*)?\}")
# Escapes whose argument is in braces (\p{L}, \x{e9}, \N{DASH}): not a repeat.
_BRACED_ESCAPES: Final = frozenset("pPxN")
# Steps a compilation costs on top of the pattern's unrolled size.
_COMPILE_STEPS: Final = 200
# Steps a match, replace or split costs before it scans anything: setting up
# the time limit and releasing the GIL take 5-10 µs per call.
_CALL_STEPS: Final = 8
_CACHE_SIZE: Final = 256
_cache: dict[tuple[str, str], Pattern] = {}


def unrolled_size(pattern: str) -> int:
    """Roughly how many items ``regex`` builds for ``pattern``: each atom
    counts one, a counted repetition (``{m}``, ``{m,}``, ``{m,n}``) multiplies
    what it repeats by ``m``. Stops counting above :data:`MAX_UNROLLED_SIZE`."""
    open_groups = [0]  # items so far in each open group, innermost last
    last = 0  # items in the atom or group a quantifier would repeat
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "(":
            open_groups.append(0)
            last = 0
            i += 1
            continue
        if ch == ")" and len(open_groups) > 1:
            last = open_groups.pop()
            open_groups[-1] += last
            i += 1
            continue
        if ch == "{" and (repeat := _COUNTED_REPEAT.match(pattern, i)) is not None:
            digits = repeat.group(1)
            count = int(digits) if len(digits) <= 9 else MAX_UNROLLED_SIZE + 1
            extra = last * (max(count, 1) - 1)
            open_groups[-1] += extra
            last += extra
            i = repeat.end()
        else:
            i = _atom_end(pattern, i)
            last = 1
            open_groups[-1] += 1
        if open_groups[-1] > MAX_UNROLLED_SIZE:
            return open_groups[-1]
    return sum(open_groups)


def _atom_end(pattern: str, i: int) -> int:
    """Index after the atom at ``i``: an escape, a character class or one character."""
    ch = pattern[i]
    if ch == "\\":
        if pattern[i + 1 : i + 2] in _BRACED_ESCAPES and pattern[i + 2 : i + 3] == "{":
            close = pattern.find("}", i + 3)
            return len(pattern) if close < 0 else close + 1
        return i + 2
    if ch == "[":
        j = i + 1
        if pattern[j : j + 1] == "^":
            j += 1
        if pattern[j : j + 1] == "]":  # a leading ] is a literal member
            j += 1
        while j < len(pattern) and pattern[j] != "]":
            j += 2 if pattern[j] == "\\" else 1
        return j + 1
    return i + 1


def compile_pattern(state: EvalState, pattern: str, flags: str | None) -> Pattern:
    """The compiled pattern for XPath ``pattern`` and ``flags`` (cached)."""
    key = (pattern, flags or "")
    compiled = _cache.get(key)
    if compiled is None:
        compiled = _compile(state, pattern, flags or "")
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()  # bounded; a working set of patterns refills it quickly
        _cache[key] = compiled
    return compiled


def _compile(state: EvalState, pattern: str, flags: str) -> Pattern:
    options = regex.VERSION0  # re-compatible syntax, whatever regex.DEFAULT_VERSION says
    for ch in flags:
        if ch == "q":
            pattern = re.escape(pattern)
        elif ch in _FLAGS:
            options |= _FLAGS[ch]
        else:
            fail(f"invalid regular expression flag {ch!r}")
    state.charge_scan(len(pattern))
    size = unrolled_size(pattern)
    if size > MAX_UNROLLED_SIZE:
        raise FeelLimitError(
            "regular expression is too large: its counted repetitions unroll to more "
            f"than {MAX_UNROLLED_SIZE} items"
        )
    # Compiling costs about 150 µs for a short pattern, more with its size.
    state.charge(_COMPILE_STEPS + size)
    # XPath character-class subtraction ([a-z-[aeiou]]) is not supported.
    try:
        compiled: Pattern = regex.compile(pattern, options)
    except (regex.error, OverflowError, RecursionError, ValueError) as exc:
        fail(f"invalid regular expression: {exc}")
    return compiled


def search(state: EvalState, pattern: Pattern, text: str) -> Match | None:
    """The first match of ``pattern`` in ``text``, within the time limit."""
    state.charge_scan(len(text))
    state.charge(_CALL_STEPS)
    timeout = state.regex_time_limit()
    try:
        return pattern.search(text, concurrent=True, timeout=timeout)
    except TimeoutError:
        raise state.regex_timed_out() from None


def match_start(state: EvalState, pattern: Pattern, text: str) -> Match | None:
    """A match of ``pattern`` at the start of ``text``, within the time limit."""
    state.charge_scan(len(text))
    state.charge(_CALL_STEPS)
    timeout = state.regex_time_limit()
    try:
        return pattern.match(text, concurrent=True, timeout=timeout)
    except TimeoutError:
        raise state.regex_timed_out() from None


def substitute(
    state: EvalState, pattern: Pattern, replace: Callable[[Match], str], text: str
) -> str:
    """``text`` with every match replaced by ``replace(match)``, within the
    time limit; ``replace`` charges the replacements it produces."""
    state.charge_output(len(text))  # the result copies the text between matches
    state.charge(_CALL_STEPS)
    timeout = state.regex_time_limit()
    try:
        return pattern.sub(replace, text, concurrent=True, timeout=timeout)
    except FeelError:
        raise  # the budget ran out inside `replace`
    except TimeoutError:
        raise state.regex_timed_out() from None


def split(state: EvalState, pattern: Pattern, text: str) -> list[str | None]:
    """``text`` split at the matches of ``pattern``, within the time limit
    (with ``None`` for a capturing group that took no part in a match)."""
    state.charge_output(len(text))  # the parts copy the text
    state.charge(_CALL_STEPS)
    timeout = state.regex_time_limit()
    try:
        parts = pattern.split(text, concurrent=True, timeout=timeout)
    except TimeoutError:
        raise state.regex_timed_out() from None
    state.charge(len(parts))
    return parts


def find_all(state: EvalState, pattern: Pattern, text: str) -> list[str]:
    """Every non-overlapping match of ``pattern`` in ``text``, within the time limit."""
    state.charge_scan(len(text))
    state.charge(_CALL_STEPS)
    timeout = state.regex_time_limit()
    found: list[str] = []
    try:
        for m in pattern.finditer(text, concurrent=True, timeout=timeout):
            match = m.group(0) or ""
            state.charge(1)  # a step per match (and its list item) ...
            state.charge_output(len(match))  # ... and for the text it copies
            found.append(match)
    except TimeoutError:
        raise state.regex_timed_out() from None
    return found
