"""emit's loop when the broker does not simply confirm: it refuses messages (nack) or stops confirming.

Both were seen on a RabbitMQ 3.10 cluster whose quorum queue lost its leader (tests/cluster/test_cluster.py):
a few nacks while the leader moved, and a channel that confirmed nothing for as long as a node was
cut off. No broker here: a scripted fake transport (tests/support/fake_transport.py); a full queue
that refuses for real is in tests/broker/test_emit.py."""

from __future__ import annotations

import pytest

from pulp_amqp_tools.errors import NotDeliveredError
from pulp_amqp_tools.loops import emit
from pulp_amqp_tools.messages.message import Message
from pulp_amqp_tools.transport.broker import BrokerSettings
from pulp_amqp_tools.transport.interface import ConfirmsStalled, Topology
from tests.support.fake_transport import FakeLink, FakePublisher, FakeTransport

SPEC = emit.EmitSpec(Topology("ex"), confirm_timeout=5)
THREE = BrokerSettings(endpoints=(("n1", 5672), ("n2", 5672), ("n3", 5672)))


def messages(n: int) -> list[Message]:
    return [Message(f"s.{i}", b"{}", (("qpid.subject", f"s.{i}"),)) for i in range(1, n + 1)]


def subjects(publisher: FakePublisher) -> list[str]:
    return [message[0] for _exchange, message in publisher.sent]


def test_refused_messages_are_sent_again_and_counted() -> None:
    only = FakeLink(1, [], FakePublisher(nack_first=2))
    notices: list[str] = []
    report = emit.run(SPEC, FakeTransport([only]), messages(4), notice=notices.append)
    assert subjects(only.publishers[0]) == ["s.1", "s.2", "s.3", "s.4", "s.1", "s.2"]
    assert (report.published, report.confirmed, report.resent, report.refused_again) == (4, 4, 2, 2)
    assert not report.nacked and not report.unconfirmed
    assert notices == ["the broker refused 2 messages (nack); sending them again"]


def test_messages_refused_every_time_end_up_reported_as_rejected() -> None:
    only = FakeLink(1, [], FakePublisher(nack_first=1000))
    report = emit.run(SPEC, FakeTransport([only]), messages(2))
    assert len(only.publishers[0].sent) == 2 * (1 + emit.NACK_ROUNDS)
    assert report.nacked == {"s.1": 1, "s.2": 1} and report.confirmed == 0


def test_a_broker_that_stops_confirming_is_left_for_another() -> None:
    stuck, fine = FakeLink(1, [], FakePublisher(stall=True)), FakeLink(2, [])
    transport = FakeTransport([stuck, fine], settings=THREE)
    notices: list[str] = []
    report = emit.run(SPEC, transport, messages(3), notice=notices.append)
    assert isinstance(transport.recovered[0], ConfirmsStalled)
    assert subjects(fine.publishers[0]) == ["s.1", "s.2", "s.3"]
    assert (report.confirmed, report.resent, report.reconnects) == (3, 3, 1)
    assert notices[0].startswith("reconnected (fake:2, moved from fake:1); sending the 3 unconfirmed")


def test_when_every_broker_stalls_without_a_confirm_emit_gives_up() -> None:
    links = [FakeLink(n, [], FakePublisher(stall=True)) for n in range(1, 6)]
    transport = FakeTransport(links, settings=THREE)
    with pytest.raises(NotDeliveredError, match=r"stopped confirming .* on each of the 3 broker\(s\) tried; 2 of 2"):
        emit.run(SPEC, transport, messages(2))
    assert len(transport.recovered) == 3  # each broker tried once more after the first stall; then no more
