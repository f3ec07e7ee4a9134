"""When to try reconnecting again, and to which broker first. Pure: no pika, no clock reads.

Many clients lose the same node at the same moment (a cluster node stops under a hundred
listeners). So that they do not come back in lockstep, the order of the other nodes is drawn at
random for each client (the load spreads over the survivors) and each retry delay is shortened by
a random part of up to `jitter` of itself (the retries spread out in time instead of hitting a
restarting broker all together every 1, 2, 4 ... seconds).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

FIRST_DELAY = 1.0
MAX_DELAY = 30.0
JITTER = 0.5  # each delay is drawn from [(1 - JITTER) * nominal, nominal]

T = TypeVar("T")


@dataclass
class Backoff:
    """Capped exponential delays, nominally 1, 2, 4, ... `cap` seconds, each cut by up to `jitter`.

    `reset()` after a success. The nominal delay is the upper bound, so waiting never takes
    longer than the plain schedule (the documented 30 s cap holds).
    """

    first: float = FIRST_DELAY
    cap: float = MAX_DELAY
    factor: float = 2.0
    jitter: float = JITTER
    rng: random.Random = field(default_factory=random.Random, repr=False)
    _next: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError(f"jitter must be between 0 and 1, not {self.jitter!r}")
        self.reset()

    def reset(self) -> None:
        self._next = min(self.first, self.cap)

    def nominal_delay(self) -> float:
        """The next delay before jitter (what the schedule would wait without it)."""
        return self._next

    def next_delay(self) -> float:
        nominal = self._next
        self._next = min(self.cap, nominal * self.factor)
        return nominal * (1.0 - self.jitter * self.rng.random())


def failover_order(endpoints: Sequence[T], lost: T | None, rng: random.Random | None = None) -> list[T]:
    """Endpoints to try after losing `lost`: the others first, in random order; `lost` itself last.

    Without a loss (the first connection) the given order stands: the first address is the
    user's preferred broker.
    """
    items = list(endpoints)
    if lost not in items:
        return items
    others = [item for item in items if item != lost]
    (rng or random).shuffle(others)
    return [*others, lost]
