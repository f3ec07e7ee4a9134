"""messages/pacing.py: --rate's steady schedule and --speed's scaled recorded gaps, on a fake clock."""

from __future__ import annotations

import pytest

from pulp_amqp_tools.messages import pacing
from pulp_amqp_tools.messages.message import Message


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_steady_rate_schedule_is_absolute_and_restarts_after_a_stall() -> None:
    clock = Clock()
    pace = pacing.steady(10, clock)
    msg = Message("s", b"")
    assert pace(msg) == 0
    assert pace(msg) == pytest.approx(0.1)
    clock.now += 0.15  # slept a little too long: the next one is due sooner
    assert pace(msg) == pytest.approx(0.05)
    clock.now += 5  # a stall: no burst to catch up
    assert pace(msg) == 0
    assert pace(msg) == pytest.approx(0.1)


def test_recorded_gaps_scaled_by_speed() -> None:
    clock = Clock()
    pace = pacing.recorded(2.0, clock)
    assert pace(Message("s", b"", recorded_at=1000.0)) == 0
    assert pace(Message("s", b"", recorded_at=1001.0)) == pytest.approx(0.5)
    assert pace(Message("s", b"", recorded_at=None)) == pytest.approx(0.5)  # no time: with the previous
    assert pacing.make_pace(0, 0) is None
