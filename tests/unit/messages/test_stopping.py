"""messages/stopping.py: how --where/--fail-where end a run."""

from __future__ import annotations

import pytest

from pulp_amqp_tools.errors import ToolError
from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.messages import stopping
from pulp_amqp_tools.messages.delivery import Delivery


def delivery() -> Delivery:
    """A delivery of a sync's end (only its subject matters to stopping)."""
    return Delivery(exchange="pulp", routing_key="pulp.server.repo.sync.finish", body=b"{}")


def test_stopping_outcomes() -> None:
    assert stopping.deadline_passed(3, None, 5) == ExitStatus.OK
    for seen, count in ((0, None), (1, 2)):
        with pytest.raises(ToolError) as caught:
            stopping.deadline_passed(seen, count, 5)
        assert caught.value.status == ExitStatus.DEADLINE and "--deadline of 5 s" in caught.value.message
    assert stopping.failed(delivery()).status == ExitStatus.FAILED_MATCH and int(ExitStatus.FAILED_MATCH) == 9
