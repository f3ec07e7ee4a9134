"""The reconnect schedule spreads clients out: jittered delays and the other nodes in random order.

Pure tests (no broker): a hundred simulated listeners that lose the same node at the same moment
must neither retry in lockstep nor all pile onto the same survivor.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from pulp_amqp_tools.amqp091.watchdog import stale_after
from pulp_amqp_tools.transport import backoff

LISTENERS = 100
NODES = [("n1", 5672), ("n2", 5672), ("n3", 5672)]


def retry_times(seed: int, attempts: int) -> list[float]:
    """When one listener retries, in seconds after the loss (its own random generator)."""
    schedule = backoff.Backoff(rng=random.Random(seed))
    times, now = [], 0.0
    for _ in range(attempts):
        now += schedule.next_delay()
        times.append(now)
    return times


def test_each_delay_lies_between_half_and_all_of_the_nominal_one() -> None:
    schedule = backoff.Backoff(rng=random.Random(1))
    for _ in range(12):
        nominal = schedule.nominal_delay()
        delay = schedule.next_delay()
        assert nominal * (1 - backoff.JITTER) <= delay <= nominal <= backoff.MAX_DELAY
    schedule.reset()
    assert schedule.nominal_delay() == backoff.FIRST_DELAY


def test_a_hundred_listeners_do_not_retry_in_lockstep() -> None:
    schedules = [retry_times(seed, 6) for seed in range(LISTENERS)]
    for attempt in range(6):
        at = sorted(times[attempt] for times in schedules)
        nominal = sum(backoff.FIRST_DELAY * 2**k for k in range(attempt + 1))  # 1, 3, 7, 15, ...
        spread = at[-1] - at[0]
        # Without jitter all hundred would retry at exactly `nominal`: here they cover a window
        # of at least a third of it, none later than the plain schedule...
        assert spread >= nominal / 3, (attempt, spread)
        assert at[-1] <= nominal + 1e-9
        # ...and spread over that window, not bunched: of ten equal slices none holds more than
        # a third of them (in lockstep one would hold all hundred).
        width = spread / 10
        slices = Counter(min(9, int((t - at[0]) / width)) for t in at)
        assert max(slices.values()) <= LISTENERS // 3, (attempt, sorted(slices.items()))


def test_without_jitter_the_schedule_is_the_plain_one() -> None:
    plain = backoff.Backoff(jitter=0, rng=random.Random(3))
    assert [plain.next_delay() for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]


def test_the_lost_node_comes_last_and_the_others_share_the_first_try() -> None:
    firsts: Counter[tuple[str, int]] = Counter()
    rng = random.Random(7)
    for _ in range(LISTENERS):
        order = backoff.failover_order(NODES, NODES[0], rng)
        assert order[-1] == NODES[0] and sorted(order[:2]) == NODES[1:]
        firsts[order[0]] += 1
    assert set(firsts) == {NODES[1], NODES[2]}
    assert min(firsts.values()) >= LISTENERS // 4, firsts  # roughly half each, not all on one


def test_the_first_connection_keeps_the_given_order() -> None:
    assert backoff.failover_order(NODES, None) == NODES
    assert backoff.failover_order(NODES, ("elsewhere", 1)) == NODES


@pytest.mark.parametrize("jitter", [-0.1, 1.5])
def test_jitter_outside_zero_to_one_is_refused(jitter: float) -> None:
    with pytest.raises(ValueError, match="jitter"):
        backoff.Backoff(jitter=jitter)


def test_backoff_doubles_up_to_the_cap_and_resets() -> None:
    delays = backoff.Backoff(first=1, cap=8, jitter=0)
    assert [delays.next_delay() for _ in range(6)] == [1, 2, 4, 8, 8, 8]
    delays.reset()
    assert delays.next_delay() == 1


def test_failover_tries_the_lost_broker_last() -> None:
    nodes = [("a", 1), ("b", 1), ("c", 1)]
    assert backoff.failover_order(nodes, ("a", 1))[-1] == ("a", 1)
    assert sorted(backoff.failover_order(nodes, ("c", 1))[:2]) == [("a", 1), ("b", 1)]
    assert backoff.failover_order(nodes, None) == nodes
    assert stale_after(10) == 15 and stale_after(0) is None
