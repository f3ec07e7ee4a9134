"""loops/listen.py over a scripted fake transport: stop rules, ack after write, reset and reconnect.

No broker: the loop only sees transport.interface (tests/support/fake_transport.py).
"""

from __future__ import annotations

import io
from dataclasses import replace

import pytest

from pulp_amqp_tools.errors import BrokerError, ToolError
from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.loops import listen
from pulp_amqp_tools.messages import filters
from pulp_amqp_tools.output import render
from pulp_amqp_tools.output.sink import Sink
from pulp_amqp_tools.transport.broker import BrokerSettings
from pulp_amqp_tools.transport.interface import Binding, ConnectionLost, Outcome, QueueSpec, Topology
from tests.support.fake_transport import FakeConsumer, FakeLink, FakeTransport, Step, delivery

ACK = Outcome.ACK
TOPOLOGY = Topology("ex", queue=QueueSpec(), bindings=(Binding("a.#"), Binding("b.*")))


class Run:
    """One loop run: its stdout, its notices, and the fake transport it drove."""

    def __init__(self, spec: listen.ListenSpec, *links: FakeLink, transport: FakeTransport | None = None) -> None:
        self.stdout = io.StringIO()
        self.notices: list[str] = []
        self.transport = transport or FakeTransport(list(links))
        self.links = list(self.transport.links)
        self.spec = spec

    def __call__(self) -> ExitStatus:
        sink = Sink(self.stdout)
        renderer = render.make_renderer("quiet", sink)  # type: ignore[arg-type]
        return listen.run(self.spec, self.transport, renderer, sink, self.notices.append)

    @property
    def lines(self) -> list[str]:
        return self.stdout.getvalue().splitlines()


def spec(**changes: object) -> listen.ListenSpec:
    return replace(listen.ListenSpec(TOPOLOGY, properties=False), **changes)  # type: ignore[arg-type]


def link(number: int, *scripts: list[Step]) -> FakeLink:
    return FakeLink(number, list(scripts))


def test_stops_at_count_acks_what_was_written_and_leaves_the_rest() -> None:
    run = Run(spec(count=3), link(1, [[delivery(f"a.{i}") for i in range(5)]]))
    assert run() is ExitStatus.OK
    assert run.lines == ["a.0", "a.1", "a.2"]
    consumer = run.links[0].consumers[0]
    assert consumer.settled == [(3, ACK, True)]  # 4 and 5 unacknowledged: a durable queue keeps them
    assert run.notices == ["listening on exchange 'ex' for 'a.#', 'b.*' (queue 'amq.gen-fake'); Ctrl-C to stop"]


def test_acks_within_a_long_batch_every_quarter_prefetch() -> None:
    run = Run(spec(count=10, prefetch=8), link(1, [[delivery("a") for _ in range(10)]]))
    assert run() is ExitStatus.OK
    assert [tag for tag, _, _ in run.links[0].consumers[0].settled] == [2, 4, 6, 8, 10]


def test_where_filters_out_but_still_acknowledges() -> None:
    where = (filters.parse_condition("subject=b.*"),)
    run = Run(spec(count=1, where=where), link(1, [[delivery("a.x"), delivery("a.y"), delivery("b.z")]]))
    assert run() is ExitStatus.OK
    assert run.lines == ["b.z"]
    assert run.links[0].consumers[0].settled == [(3, ACK, True)]


def test_fail_where_prints_the_message_then_fails() -> None:
    fail = (filters.parse_condition("subject=a.bad", "--fail-where"),)
    run = Run(spec(fail_where=fail), link(1, [[delivery("a.good"), delivery("a.bad"), delivery("a.later")]]))
    with pytest.raises(ToolError) as raised:
        run()
    assert raised.value.status == ExitStatus.FAILED_MATCH
    assert run.lines == ["a.good", "a.bad"]


def test_timeout_with_nothing_is_exit_timeout_and_with_something_ok() -> None:
    with pytest.raises(ToolError) as raised:
        Run(spec(timeout=0.05), link(1, []))()
    assert raised.value.status == ExitStatus.TIMEOUT
    assert Run(spec(timeout=0.05), link(1, [[delivery("a")]]))() is ExitStatus.OK


def test_deadline_without_enough_messages_is_exit_deadline() -> None:
    with pytest.raises(ToolError) as raised:
        Run(spec(count=2, deadline=0.05), link(1, [[delivery("a")]]))()
    assert raised.value.status == ExitStatus.DEADLINE


def test_a_lost_connection_is_recovered_and_the_private_queue_loss_said() -> None:
    first = link(1, [[delivery("a.1"), delivery("a.2")], ConnectionLost("boom")])
    second = link(2, [[delivery("a.3")]])
    run = Run(spec(count=3), first, second)
    assert run() is ExitStatus.OK
    assert run.lines == ["a.1", "a.2", "a.3"]
    assert [str(e) for e in run.transport.recovered] == ["boom"]
    assert run.notices[1].startswith("messages published while we were disconnected were missed")
    assert run.notices[2].startswith("reconnected (fake:2, moved from fake:1): listening again on exchange 'ex'")
    assert first.consumers[0].settled == [(2, ACK, True)] and first.closed and second.closed


def test_a_cancelled_consumer_is_set_up_again_on_the_same_link() -> None:
    def cancel(consumer: FakeConsumer) -> None:
        consumer.cancelled = "the broker cancelled our consumer: queue 'q' was deleted"

    only = link(1, [[delivery("a.1")], cancel], [[delivery("a.2")]])
    run = Run(spec(count=2, topology=TOPOLOGY._replace(queue=QueueSpec("q"))), only)
    assert run() is ExitStatus.OK
    assert run.lines == ["a.1", "a.2"]
    assert len(only.consumers) == 2 and not only.consumers[0].is_open  # the old one closed
    assert run.notices[1].endswith("(messages published meanwhile were missed); setting up again")
    assert run.notices[2].startswith("set up again (fake:1): listening again")
    assert not run.transport.recovered


def test_without_reconnect_a_cancelled_consumer_is_a_broker_error() -> None:
    def cancel(consumer: FakeConsumer) -> None:
        consumer.cancelled = "queue gone"

    transport = FakeTransport([link(1, [cancel])], settings=BrokerSettings(reconnect=False))
    with pytest.raises(BrokerError, match="queue gone"):
        Run(spec(), transport=transport)()


def test_a_broken_stdout_pipe_is_not_taken_for_a_lost_connection() -> None:
    run = Run(spec(), link(1, [BrokenPipeError()]))
    with pytest.raises(BrokenPipeError):
        run()
    assert not run.transport.recovered
