"""Exponential backoff with jitter for retries against an engine: Camunda gateway errors
(what Camunda's clients do on 503), RabbitMQ reconnection and publish retries."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

__all__ = ["Backoff"]


@dataclass(slots=True)
class Backoff:
    """Delays that double from ``initial`` up to ``maximum`` seconds, each scattered by
    +/- ``jitter`` so many workers do not retry in lockstep. A gateway's ``Retry-After``
    wins when it asks for longer (capped at ``retry_after_cap``)."""

    initial: float = 0.1
    maximum: float = 10.0
    factor: float = 2.0
    jitter: float = 0.2
    retry_after_cap: float = 60.0
    _attempt: int = field(default=0, init=False)

    def next(self, retry_after: float | None = None) -> float:
        """The delay before the next attempt (and count this failure)."""
        base = min(self.initial * self.factor ** min(self._attempt, 64), self.maximum)
        self._attempt += 1
        # Not cryptographic: jitter only spreads retries out.
        delay = base * (1 + random.uniform(-self.jitter, self.jitter))  # noqa: S311
        if retry_after is not None and retry_after > delay:
            delay = min(retry_after, self.retry_after_cap)
        return max(delay, 0.0)

    def reset(self) -> None:
        self._attempt = 0

    @property
    def failures(self) -> int:
        return self._attempt
