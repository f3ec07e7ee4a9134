"""loops/peek.py over the fake transport: what is shown, when it stops, that every message goes back.

No broker: the loop only sees transport.interface (tests/support/fake_transport.py). The broker
side (basic.get, order kept, counts before and after) is tests/broker/test_exchange_types.py's.
"""

from __future__ import annotations

import io

import pytest

from pulp_amqp_tools.errors import ToolError
from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.loops import peek
from pulp_amqp_tools.loops.listen import ListenSpec
from pulp_amqp_tools.messages import filters
from pulp_amqp_tools.output import render
from pulp_amqp_tools.output.sink import Sink
from pulp_amqp_tools.transport.interface import QueueSpec, Topology
from tests.support.fake_transport import FakeLink, FakeTransport, delivery

QUEUE = Topology("", queue=QueueSpec("dlq", declare=False))


def run(link: FakeLink, **changes: object) -> tuple[ExitStatus, list[str], list[str]]:
    """Peek through `link`: the status, stdout's lines, the notices."""
    stdout = io.StringIO()
    notices: list[str] = []
    spec = ListenSpec(QUEUE, properties=False, **changes)  # type: ignore[arg-type]
    sink = Sink(stdout)
    status = peek.run(spec, FakeTransport([link]), render.make_renderer("quiet", sink), sink, notices.append)  # type: ignore[arg-type]
    return status, stdout.getvalue().splitlines(), notices


def held(*subjects: str) -> FakeLink:
    link = FakeLink(1, [])
    link.held = [delivery(subject) for subject in subjects]
    return link


def test_shows_everything_and_gives_it_back() -> None:
    link = held("a", "b", "c")
    status, lines, notices = run(link)
    assert status is ExitStatus.OK and lines == ["a", "b", "c"]
    assert link.peek_closed and link.closed
    assert notices == ["peeked at 3 messages in queue 'dlq'; every one is back in the queue, marked redelivered"]


def test_count_stops_early_and_still_gives_back() -> None:
    link = held("a", "b", "c", "d")
    status, lines, notices = run(link, count=2)
    assert (status, lines, link.peeked) == (ExitStatus.OK, ["a", "b"], 2)
    assert link.peek_closed
    assert notices[0].startswith("peeked at 2 messages")


def test_where_counts_shown_messages() -> None:
    link = held("a.1", "b.1", "a.2", "b.2")
    _status, lines, notices = run(link, count=1, where=(filters.parse_condition("subject=b.*"),))
    assert lines == ["b.1"] and link.peeked == 2
    assert notices == [
        "peeked at 2 messages in queue 'dlq' (1 shown by --where); every one is back in the queue, marked redelivered"
    ]


def test_fail_where_shows_the_message_then_fails() -> None:
    link = held("ok", "bad", "later")
    with pytest.raises(ToolError) as failed:
        run(link, fail_where=(filters.parse_condition("subject=bad"),))
    assert failed.value.status is ExitStatus.FAILED_MATCH
    assert link.peeked == 2 and link.peek_closed and link.closed


def test_an_empty_queue() -> None:
    status, lines, notices = run(held())
    assert (status, lines) == (ExitStatus.OK, [])
    assert notices == ["peeked at 0 messages in queue 'dlq'; every one is back in the queue"]
