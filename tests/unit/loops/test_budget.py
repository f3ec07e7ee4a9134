"""loops/budget.py: --max-buffer's byte budget gives back what would go over and lowers the prefetch."""

from __future__ import annotations

from pulp_amqp_tools.loops.budget import ByteBudget

MB = 1024 * 1024


def test_budget_gives_back_what_would_go_over_and_lowers_the_prefetch() -> None:
    budget = ByteBudget(16 * MB, prefetch=1000)
    assert budget.admit(8 * MB) and budget.admit(8 * MB)
    assert not budget.admit(8 * MB)  # 24 MB held would pass 16
    assert budget.needs_restart()
    assert budget.restarted() == 2
    budget.release()
    assert budget.admit(100 * MB)  # larger than the whole budget: taken alone
    assert not budget.admit(1)
    assert budget.restarted() == 1


def test_budget_leaves_small_messages_alone() -> None:
    budget = ByteBudget(256 * MB, prefetch=1000)
    assert all(budget.admit(1000) for _ in range(1000))
    assert not budget.needs_restart()
