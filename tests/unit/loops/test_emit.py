"""loops/emit.py over a scripted fake transport: confirms, resending after a loss, pacing, reports.

No broker: the loop only sees transport.interface (tests/support/fake_transport.py).
"""

from __future__ import annotations

import pytest

from pulp_amqp_tools.errors import ConnectError, NotDeliveredError
from pulp_amqp_tools.loops import emit
from pulp_amqp_tools.messages.message import Message
from pulp_amqp_tools.transport.interface import Topology
from tests.support.fake_transport import FakeLink, FakePublisher, FakeTransport

SPEC = emit.EmitSpec(Topology("ex"))


def messages(n: int) -> list[Message]:
    return [Message(f"s.{i}", b"{}", (("qpid.subject", f"s.{i}"),)) for i in range(1, n + 1)]


def subjects(publisher: FakePublisher) -> list[str]:
    return [message[0] for _exchange, message in publisher.sent]


def test_everything_confirmed_with_a_sequence_header() -> None:
    only = FakeLink(1, [])
    report = emit.run(SPEC._replace(sequence_header="x-seq"), FakeTransport([only]), messages(3))
    assert (report.published, report.confirmed, report.resent) == (3, 3, 0)
    assert only.ensured == [Topology("ex")]
    sent = only.publishers[0].sent
    assert [m[2] for _, m in sent] == [{"qpid.subject": f"s.{i}", "x-seq": i} for i in (1, 2, 3)]
    assert only.closed


@pytest.mark.parametrize("after_taking", [False, True])
def test_after_a_loss_the_unconfirmed_are_sent_again_once_each(after_taking: bool) -> None:
    first = FakeLink(1, [], FakePublisher(fail_at=3, fail_after_taking=after_taking))
    second = FakeLink(2, [])
    notices: list[str] = []
    report = emit.run(SPEC, FakeTransport([first, second]), messages(5), notice=notices.append)
    assert subjects(second.publishers[0]) == ["s.1", "s.2", "s.3", "s.4", "s.5"]
    first_sent = [m for _, m in first.publishers[0].sent]
    assert [m for _, m in second.publishers[0].sent][:2] == first_sent[:2]  # the very same objects
    assert (report.published, report.confirmed, report.resent, report.reconnects) == (5, 5, 3, 1)
    assert notices == [
        "reconnected (fake:2, moved from fake:1); sending the 3 unconfirmed messages again "
        "(the broker may already hold some: duplicates possible)"
    ]


def test_a_hopeless_reconnect_says_how_many_were_not_confirmed() -> None:
    first = FakeLink(1, [], FakePublisher(fail_at=2))
    transport = FakeTransport([first], refuse=ConnectError("cannot connect to x: refused"))
    with pytest.raises(NotDeliveredError, match="refused; 2 of 2 messages published so far were not confirmed"):
        emit.run(SPEC, transport, messages(4))


def test_pacing_waits_in_the_link_only_when_there_is_a_wait() -> None:
    only = FakeLink(1, [])
    delays = iter([0.0, 0.25, 0.0])
    emit.run(SPEC, FakeTransport([only]), messages(3), pace=lambda _message: next(delays))
    assert only.slept == [0.25]


def test_a_message_that_closes_the_connection_twice_ends_the_run() -> None:
    from pulp_amqp_tools.errors import BrokerError
    from pulp_amqp_tools.loops.emit import EmitSpec, run
    from pulp_amqp_tools.messages.message import Message
    from tests.support.fake_transport import FakeLink, FakePublisher, FakeTransport

    def killer() -> FakePublisher:
        return FakePublisher(fail_at=1, fail_after_taking=True)

    links = [FakeLink(n, [], killer()) for n in range(3)]
    transport = FakeTransport(links)
    transport.blames_message = lambda error: True  # type: ignore[method-assign]  # a frame error, say
    with pytest.raises(BrokerError, match=r"'a\.b' cannot be sent: it closed the connection twice"):
        run(EmitSpec(Topology("x")), transport, [Message("a.b", b"x")])
    assert len(transport.recovered) == 1  # one reconnect, then the run ends: never a loop
