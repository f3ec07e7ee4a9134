"""When to publish each message: a steady --rate, or a replay's recorded gaps scaled by --speed. Pure.

A pace function is called before each message and returns how many seconds to wait first. The
schedule is absolute (message i is due at start + i/rate), so small sleeps' overshoot does not add
up; after a stall of more than a second (a blocked broker), it restarts from now instead of
bursting to catch up.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pulp_amqp_tools.messages.message import Message

Pace = Callable[[Message], float]
MAX_BEHIND = 1.0  # seconds late before the schedule restarts from now


class Schedule:
    """Offsets from the first message into delays, on a monotonic clock."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._start: float | None = None
        self._shift = 0.0

    def delay(self, offset: float) -> float:
        """Seconds to wait until `offset` seconds after the first message (0 when due or late)."""
        now = self._clock()
        if self._start is None:
            self._start = now - offset
        due = self._start + self._shift + offset
        if now - due > MAX_BEHIND:
            self._shift += now - due
            return 0.0
        return max(0.0, due - now)


def steady(rate: float, clock: Callable[[], float] = time.monotonic) -> Pace:
    """`rate` messages per second."""
    schedule = Schedule(clock)
    interval = 1.0 / rate
    sent = [0]

    def pace(_message: Message) -> float:
        index = sent[0]
        sent[0] = index + 1
        return schedule.delay(index * interval)

    return pace


def recorded(speed: float, clock: Callable[[], float] = time.monotonic) -> Pace:
    """The gaps between the messages' recorded times, divided by `speed` (2 = twice as fast)."""
    schedule = Schedule(clock)
    first: list[float] = []
    last = [0.0]

    def pace(message: Message) -> float:
        if message.recorded_at is None:
            offset = last[0]  # no time recorded: right after the previous one
        else:
            if not first:
                first.append(message.recorded_at)
            offset = (message.recorded_at - first[0]) / speed
        last[0] = offset
        return schedule.delay(offset)

    return pace


def make_pace(rate: float, speed: float, clock: Callable[[], float] = time.monotonic) -> Pace | None:
    """The pace for --rate/--speed, or None when neither asks to wait (no per-message cost then)."""
    if rate > 0:
        return steady(rate, clock)
    if speed > 0:
        return recorded(speed, clock)
    return None
