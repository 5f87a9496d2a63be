"""Per-evaluation state, scopes and function invocation."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from ._errors import FeelError, FeelEvaluationError, FeelLimitError, FeelTimeoutError, FeelWarning
from ._registry import BUILTINS
from ._types import FeelFunction
from ._values import to_feel

MISSING: Final[Any] = object()

# The default step budget of one evaluation. A step is roughly one node
# evaluation of interpreted work: loops, filters and function calls charge
# the size of the expression they repeat, built-ins the elements and (per 16)
# characters they produce or scan, allocations about 50 bytes each (see
# README "Limits"). Measured on CPython 3.11 over 45 worst-case shapes, a step
# costs 0.25-1.4 µs and keeps at most ~60 bytes alive (`for i in 1..n return
# function(x) x`; `for i in 1..n return i` keeps 38), so a million steps cap
# an evaluation at about a second of CPU and 60 MB. Legitimate result
# expressions over a 5,000-item API response take 10,000-280,000 steps (the
# most: sorting it with a comparator function), well below the limit.
DEFAULT_MAX_STEPS: Final = 1_000_000

# Without a caller deadline, one regular-expression call may run this long
# (seconds), so stand-alone use is bounded too.
DEFAULT_REGEX_TIMEOUT: Final = 1.0

# Text costs a step per 16 characters an operation produces (16 to 64 bytes
# kept alive, no more than the bulkiest other steps keep) and per 64 characters
# it only scans (a memchr or memcmp, cheap per character).
_OUTPUT_CHARS_SHIFT: Final = 4
_SCANNED_CHARS_SHIFT: Final = 6

# Steps between two looks at the clock: reading it on every step would add
# a call to the tightest loops, while 1,024 steps (about a millisecond of work
# at most) are precise enough for a deadline.
_CHECK_INTERVAL: Final = 1024

_DEADLINE_MESSAGE: Final = "evaluation did not finish before its deadline"


class EvalState:
    """Mutable state of one evaluation: warnings, the clock and the budget.

    One instance exists per ``evaluate`` call, which is what makes a compiled
    expression safe to share between threads.

    The budget is kept as ``fuel``: the steps left in the current batch of at
    most ``_CHECK_INTERVAL``. Hot loops charge inline with
    ``state.fuel -= cost`` followed by ``if state.fuel < 0: state.refuel()``;
    other code calls :meth:`charge`. :meth:`refuel` runs once per batch: it
    enforces ``max_steps`` and the deadline and hands out the next batch.
    """

    __slots__ = ("_granted", "_now", "deadline", "fuel", "max_steps", "warnings")

    def __init__(
        self,
        warnings: list[FeelWarning] | None,
        max_steps: int = DEFAULT_MAX_STEPS,
        deadline: float | None = None,
    ) -> None:
        self.warnings = warnings
        self._now: datetime | None = None
        self.max_steps = max_steps
        self.deadline = deadline
        # _granted: the steps handed out as fuel so far (the first batch).
        self.fuel = self._granted = _CHECK_INTERVAL if max_steps > _CHECK_INTERVAL else max_steps

    def warn(self, message: str) -> None:
        if self.warnings is not None:
            self.warnings.append(FeelWarning(message))

    def now(self) -> datetime:
        # now() and today() are stable within one evaluation.
        if self._now is None:
            self._now = datetime.now().astimezone()
        return self._now

    @property
    def steps_used(self) -> int:
        """Steps charged so far."""
        return self._granted - self.fuel

    def charge(self, steps: int) -> None:
        """Use ``steps`` of the budget (raises once it is exhausted)."""
        self.fuel -= steps
        if self.fuel < 0:
            self.refuel()

    def charge_output(self, characters: int) -> None:
        """Charge for producing a string of ``characters``."""
        self.charge(characters >> _OUTPUT_CHARS_SHIFT)

    def charge_scan(self, characters: int) -> None:
        """Charge for reading through ``characters`` of text."""
        self.charge(characters >> _SCANNED_CHARS_SHIFT)

    def refuel(self) -> None:
        """Enforce the budget and the deadline, then grant the next batch.

        Raises :class:`FeelLimitError` or :class:`FeelTimeoutError`.
        """
        used = self._granted - self.fuel
        if used > self.max_steps:
            raise FeelLimitError(f"evaluation exceeded its budget of {self.max_steps} steps")
        self.check_deadline()
        batch = min(_CHECK_INTERVAL, self.max_steps - used)
        self._granted = used + batch
        self.fuel = batch

    def check_deadline(self) -> None:
        """Raise :class:`FeelTimeoutError` if the deadline has passed."""
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise FeelTimeoutError(_DEADLINE_MESSAGE)

    def regex_time_limit(self) -> float:
        """Seconds one regular-expression call may run: the time left until
        the deadline, or :data:`DEFAULT_REGEX_TIMEOUT` without one."""
        if self.deadline is None:
            return DEFAULT_REGEX_TIMEOUT
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise FeelTimeoutError(_DEADLINE_MESSAGE)
        return remaining

    def regex_timed_out(self) -> FeelEvaluationError:
        """The error for a regular expression that hit its time limit."""
        if self.deadline is not None:
            return FeelTimeoutError(_DEADLINE_MESSAGE)
        return FeelLimitError(
            f"a regular expression ran longer than its limit of {DEFAULT_REGEX_TIMEOUT:g} s"
        )


class Scope:
    """A frame of name bindings.

    The root frame also holds the caller's input context (``raw``), whose
    values are converted lazily on first reference. A function value keeps
    the frame it was defined in, so its free names resolve against the
    defining evaluation's input, not the caller's.
    """

    __slots__ = ("parent", "raw", "state", "vars")

    def __init__(
        self,
        vars: dict[str, Any],
        parent: Scope | None,
        state: EvalState,
        raw: Mapping[str, Any] | None = None,
    ) -> None:
        self.vars = vars
        self.parent = parent
        self.state = state
        self.raw = raw

    def child(self, vars: dict[str, Any]) -> Scope:
        return Scope(vars, self, self.state)


def lookup(scope: Scope, name: str) -> Any:
    """Resolve ``name``: local frames, then the input context, then built-ins."""
    s: Scope | None = scope
    while s is not None:
        v = s.vars.get(name, MISSING)
        if v is not MISSING:
            return v
        s = s.parent
    return resolve_global(scope, name, warn=True)


def resolve_global(scope: Scope, name: str, warn: bool) -> Any:
    """Resolve ``name`` in the input context of ``scope``'s root, then built-ins."""
    state = scope.state
    root = scope
    while root.parent is not None:
        root = root.parent
    raw = root.raw
    if raw is not None:
        try:
            v = raw.get(name, MISSING)
        except FeelError:
            raise
        except Exception:  # a host mapping with unhashable or odd keys
            v = MISSING
        if v is not MISSING:
            converted = to_feel(v)
            # Cache in the root frame so repeated references convert once.
            root.vars[name] = converted
            return converted
    f = BUILTINS.get(name)
    if f is not None:
        return f
    if warn:
        state.warn(f"no variable found for name '{name}'")
    return None


def call_function(
    f: Any,
    args: list[Any],
    named: dict[str, Any] | None,
    state: EvalState,
    label: str,
) -> Any:
    """Invoke a FEEL function value with positional or named arguments."""
    call = getattr(f, "call", None)
    if call is not None and isinstance(f, FeelFunction):
        # Built-ins resolve overloads and named arguments themselves.
        return call(args, named, state)
    if isinstance(f, FeelFunction):
        params = f.params
        if named is not None:
            unknown = [n for n in named if n not in params]
            if unknown:
                state.warn(f"{label}: unknown parameter(s) {', '.join(unknown)}")
                return None
            args = [named.get(p) for p in params]
        elif len(args) != len(params) and (len(args) > len(params) or not f.variadic):
            state.warn(f"{label}: expected {len(params)} argument(s) but got {len(args)}")
            return None
        return f.invoke(args, state)
    if f is None:
        state.warn(f"{label}: no function found")
        return None
    if callable(f) and not isinstance(f, type):
        # Host callables placed in the context are called with FEEL values.
        state.charge(1)
        try:
            return to_feel(f(*args, **(named or {})))
        except (FeelEvaluationError, RecursionError):
            # Budget and deadline errors of nested evaluations must end this
            # evaluation too, not become null.
            raise
        except Exception as exc:
            state.warn(f"{label}: host function failed: {exc}")
            return None
    state.warn(f"{label}: value is not a function")
    return None
