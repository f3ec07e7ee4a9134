"""handlers/policy.py: the fate table, a message's fate from its handler's exit status."""

from __future__ import annotations

import pytest

from pulp_amqp_tools.handlers.policy import ExecOptions, decide
from pulp_amqp_tools.transport.interface import Outcome


@pytest.mark.parametrize(
    ("code", "timed_out", "retries", "fate"),
    [
        (0, False, 0, Outcome.ACK),
        (1, False, 0, Outcome.REJECT),
        (75, False, 0, Outcome.REQUEUE),
        (75, False, 2, Outcome.REQUEUE),
        (75, False, 3, Outcome.REJECT),  # --max-retries 3 reached
        (-9, False, 0, Outcome.REJECT),
        (0, True, 0, Outcome.REJECT),  # killed for the timeout, whatever it returned
        (2, False, 0, Outcome.REJECT),
    ],
)
def test_fate_table(code: int, timed_out: bool, retries: int, fate: Outcome) -> None:
    opts = ExecOptions(argv=("x",), executable="/bin/true", max_retries=3, timeout=5)
    assert decide(code, timed_out, retries, opts).fate is fate


def test_a_chosen_retry_status() -> None:
    opts = ExecOptions(argv=("x",), executable="/bin/true", retry_status=3)
    assert decide(3, False, 0, opts).fate is Outcome.REQUEUE and decide(75, False, 0, opts).fate is Outcome.REJECT
