"""listen's loop with a sink that settles later (--exec) or ticks (--top), over the fake transport."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, replace

from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.loops import listen
from pulp_amqp_tools.loops.sinks import Ticket
from pulp_amqp_tools.messages import filters
from pulp_amqp_tools.messages.delivery import Delivery
from pulp_amqp_tools.messages.retries import MAC_HEADER, ORIGIN_EXCHANGE, ORIGIN_ROUTING_KEY, RETRY_HEADER, signature
from pulp_amqp_tools.output import render
from pulp_amqp_tools.output.sink import Sink
from pulp_amqp_tools.transport.interface import Binding, ConnectionLost, Outcome, QueueSpec, Topology
from tests.support.fake_transport import FakeLink, FakePublisher, FakeTransport, Step, delivery

ACK, REQUEUE, REJECT = Outcome.ACK, Outcome.REQUEUE, Outcome.REJECT
TOPOLOGY = Topology("ex", queue=QueueSpec("q"), bindings=(Binding("#"),))


@dataclass(frozen=True)
class Done:
    ticket: Ticket
    delivery: Delivery
    fate: Outcome


class Handlers:
    """Handlers that end in the order given: one per poll, with the fate given for their subject."""

    def __init__(self, order: list[str], fates: dict[str, Outcome] | None = None) -> None:
        self.order = order
        self.fates = fates or {}
        self.running: dict[str, tuple[Delivery, Ticket]] = {}
        self.seen: list[Delivery] = []

    @property
    def busy(self) -> bool:
        return bool(self.running)

    def accept(self, delivery: Delivery, ticket: Ticket) -> None:
        self.running[delivery.subject] = (delivery, ticket)
        self.seen.append(delivery)

    def poll(self) -> list[Done]:
        if not self.order or self.order[0] not in self.running:
            return []
        subject = self.order.pop(0)
        message, ticket = self.running.pop(subject)
        return [Done(ticket, message, self.fates.get(subject, ACK))]


def run(spec: listen.ListenSpec, handlers: Handlers, *links: FakeLink) -> tuple[ExitStatus, FakeTransport]:
    out = io.StringIO()
    sink = Sink(out)
    transport = FakeTransport(list(links))
    notices: list[str] = []
    renderer = render.make_renderer("none", sink)  # type: ignore[arg-type]
    status = listen.run(spec, transport, renderer, sink, notices.append, handler=handlers)
    return status, transport


def spec(**changes: object) -> listen.ListenSpec:
    return replace(listen.ListenSpec(TOPOLOGY, prefetch=3), **changes)  # type: ignore[arg-type]


def test_each_message_is_settled_alone_when_its_handler_ends_in_any_order() -> None:
    handlers = Handlers(["b", "c", "a"])
    status, transport = run(spec(count=3), handlers, FakeLink(1, [[[delivery("a"), delivery("b"), delivery("c")]]]))
    assert status is ExitStatus.OK and not handlers.busy  # --count waited for the handlers
    assert transport.links == [] and transport.last is not None
    assert transport.last.consumers[0].settled == [(2, ACK, False), (3, ACK, False), (1, ACK, False)]


def test_filtered_out_messages_are_acknowledged_at_once_and_alone() -> None:
    handlers = Handlers(["k1", "k2"])
    where = (filters.parse_condition("subject=k*"),)
    batch = [delivery("skip"), delivery("k1"), delivery("skip"), delivery("k2")]
    status, transport = run(spec(count=2, where=where), handlers, FakeLink(1, [[batch]]))
    assert status is ExitStatus.OK and [d.subject for d in handlers.seen] == ["k1", "k2"]
    assert transport.last is not None
    assert transport.last.consumers[0].settled == [(1, ACK, False), (3, ACK, False), (2, ACK, False), (4, ACK, False)]


def test_a_requeue_is_a_counted_copy_straight_to_the_queue_then_an_ack() -> None:
    handlers = Handlers(["s"], {"s": REQUEUE})
    message = replace(delivery("s", b"body"), headers={"h": 1}, properties={"message_id": "m"})
    link = FakeLink(1, [[[message]]])
    status, _transport = run(spec(count=1), handlers, link)
    assert status is ExitStatus.OK
    ((exchange, (subject, body, headers, properties)),) = link.publishers[0].sent
    assert (exchange, subject, body, properties) == ("", "q", b"body", (("message_id", "m"),))
    signed = signature("ex", "s", 1)  # the copy is signed, so no publisher can make one (issue 22)
    assert headers == {"h": 1, RETRY_HEADER: 1, ORIGIN_EXCHANGE: "ex", ORIGIN_ROUTING_KEY: "s", MAC_HEADER: signed}
    assert link.consumers[0].settled == [(1, ACK, False)]


def test_a_copy_the_broker_refuses_gives_the_original_back_uncounted() -> None:
    refusing = FakePublisher(unroutable=Counter())
    refusing.publish = lambda exchange, message: refusing.unroutable.update([message[0]])  # type: ignore[method-assign]
    link = FakeLink(1, [[[delivery("s")]]], publisher=refusing)
    status, _transport = run(spec(count=1), Handlers(["s"], {"s": REQUEUE}), link)
    assert status is ExitStatus.OK and link.consumers[0].settled == [(1, REQUEUE, False)]


def test_a_requeued_copy_arrives_as_the_original_before_where_sees_it() -> None:
    origin = {RETRY_HEADER: 1, ORIGIN_EXCHANGE: "ex", ORIGIN_ROUTING_KEY: "pulp.x"}
    copy = Delivery("", "q", b"", headers={**origin, MAC_HEADER: signature("ex", "pulp.x", 1)})  # ours: signed
    handlers = Handlers(["pulp.x"], {"pulp.x": REJECT})
    where = (filters.parse_condition("subject=pulp.x"),)
    status, transport = run(spec(count=1, where=where), handlers, FakeLink(1, [[[copy]]]))
    assert status is ExitStatus.OK
    (seen,) = handlers.seen
    assert (seen.exchange, seen.routing_key, seen.redelivered) == ("ex", "pulp.x", True)
    assert transport.last is not None and transport.last.consumers[0].settled == [(1, REJECT, False)]


def test_after_a_reconnect_an_old_consumers_ticket_is_not_settled_on_the_new_one() -> None:
    handlers = Handlers(["old", "new"])
    first: list[Step] = [[delivery("old")], ConnectionLost("gone")]
    status, transport = run(spec(count=2), handlers, FakeLink(1, [first]), FakeLink(2, [[[delivery("new")]]]))
    assert status is ExitStatus.OK
    assert transport.last is not None and transport.last.number == 2
    assert transport.last.consumers[0].settled == [(1, ACK, False)]  # "new" only: "old" comes again


class Quitter:
    def __init__(self, after: int) -> None:
        self.ticks = 0
        self.after = after

    @property
    def quit(self) -> bool:
        return self.ticks >= self.after

    def wait(self) -> float:
        return 0.0

    def tick(self) -> None:
        self.ticks += 1


def test_a_ticking_sink_is_called_between_batches_and_can_end_the_loop() -> None:
    sink = Sink(io.StringIO())
    quitter = Quitter(after=3)
    transport = FakeTransport([FakeLink(1, [[[delivery("a")], [delivery("b")]]])])
    renderer = render.make_renderer("quiet", sink)  # type: ignore[arg-type]
    notices: list[str] = []
    status = listen.run(spec(), transport, renderer, sink, notices.append, ticker=quitter)
    assert status is ExitStatus.OK and quitter.ticks == 3
