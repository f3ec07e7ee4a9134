"""When to try reconnecting again, and to which broker first. Pure: no pika, no clock reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

FIRST_DELAY = 1.0
MAX_DELAY = 30.0

T = TypeVar("T")


@dataclass
class Backoff:
    """Capped exponential delays: 1, 2, 4, ... `cap` seconds; `reset()` after a success."""

    first: float = FIRST_DELAY
    cap: float = MAX_DELAY
    factor: float = 2.0
    _next: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._next = min(self.first, self.cap)

    def next_delay(self) -> float:
        delay = self._next
        self._next = min(self.cap, delay * self.factor)
        return delay


def failover_order(endpoints: Sequence[T], lost: T | None) -> list[T]:
    """Endpoints to try after losing `lost`: the ones after it first, `lost` itself last."""
    items = list(endpoints)
    if lost not in items:
        return items
    at = items.index(lost)
    return items[at + 1 :] + items[: at + 1]
